"""The import rules of ARCHITECTURE.md, checked on the source with ``ast``.

1. The "may import" table of ARCHITECTURE.md (section "Subpackages and what
   each may import") is parsed from the document itself, so the document and
   this test cannot drift: every import of every module (package-internal and
   third-party, at module level or inside a function) must be allowed by its
   subpackage's row. A library marked "(lazily ...)" may be imported only
   inside functions. Every subpackage on disk needs a row.
2. Nothing imports ``study``; ``flows`` (and ``neural/_modules.py``) import
   nothing of the package and nothing of scikit-learn.
3. The subpackages the document says "load without torch" import in a
   subprocess where importing torch fails.
4. The private-import rule: a module may import from ANOTHER subpackage of
   ``sklearn_seismo`` only

   * public names (no leading underscore) of that subpackage, through its
     ``__init__`` or a public module (``sklearn_seismo.utils.discovery``);
   * public names of ``utils``' private modules (``sklearn_seismo.utils._torch``):
     ``utils`` is the bottom layer of shared helpers, so its modules are
     package-internal API, but their underscore names stay private.

   Anything else (an underscore name, or any name of another subpackage's
   private module) ties one subpackage to another's internals and is reported
   here. Imports inside one subpackage are free.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_seismo

PACKAGE = Path(sklearn_seismo.__file__).parent
SHARED = "utils"


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return parts


def _resolve(node, importer, is_package):
    """Absolute dotted parts of the module an ``ImportFrom`` reads from."""
    if node.level == 0:
        return (node.module or "").split(".")
    base = importer if is_package else importer[:-1]
    base = base[: len(base) - (node.level - 1)]
    return base + (node.module.split(".") if node.module else [])


def _is_private(name):
    return name.startswith("_") and not name.startswith("__")


def _violations(source_path):
    importer = _module_name(source_path)
    is_package = source_path.name == "__init__.py"
    own = importer[1] if len(importer) > 1 else None
    tree = ast.parse(source_path.read_text(), filename=str(source_path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(node, importer, is_package)
            imports = [(target, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            imports = [(alias.name.split("."), None) for alias in node.names]
        else:
            continue
        for target, name in imports:
            if target[:1] != ["sklearn_seismo"] or len(target) < 2:
                # ``from .. import utils`` reads subpackages by their public
                # names; anything outside the package is not our business.
                if target == ["sklearn_seismo"] and name and _is_private(name):
                    found.append((node.lineno, ".".join(target), name))
                continue
            sub = target[1]
            if sub == own:
                continue
            private_module = any(_is_private(part) for part in target[2:])
            if (
                _is_private(sub)
                or (name is not None and _is_private(name))
                or (private_module and sub != SHARED)
            ):
                found.append((node.lineno, ".".join(target), name))
    return [
        f"{source_path.relative_to(PACKAGE.parent)}:{line}: "
        f"from {module} import {name or '(module)'}"
        for line, module, name in found
    ]


def test_no_private_imports_across_subpackages():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        offenders += _violations(path)
    assert not offenders, (
        "These modules import a private name of another subpackage. Move the "
        "shared rule to sklearn_seismo.utils (or make it public in its "
        "subpackage) and import it from there:\n  " + "\n  ".join(offenders)
    )


def test_checker_flags_private_imports(tmp_path):
    # The checker itself must catch each kind of offence, or a silent bug in
    # it would let every violation through.
    pkg = tmp_path / "sklearn_seismo"
    (pkg / "preprocessing").mkdir(parents=True)
    module = pkg / "preprocessing" / "_x.py"
    module.write_text(
        "from ..augmentation._base import check_batch\n"
        "from ..augmentation import _helper\n"
        "from ..utils._torch import _private\n"
        "from ..utils._torch import torch_generator\n"
        "from ..utils import validate_samples\n"
        "from ._base import _own_helper\n"
        "import sklearn_seismo.metrics._report\n"
    )
    global PACKAGE
    saved, PACKAGE = PACKAGE, pkg
    try:
        offenders = _violations(module)
    finally:
        PACKAGE = saved
    assert [o.split(":")[1] for o in offenders] == ["1", "2", "3", "7"]


# ---------------------------------------------------------------------------
# The "may import" table of ARCHITECTURE.md
# ---------------------------------------------------------------------------
ARCHITECTURE = PACKAGE.parent / "ARCHITECTURE.md"
TABLE_SECTION = "## Subpackages and what each may import"
# Always allowed, as the table's header says ("besides numpy/scipy").
ALWAYS = {"numpy", "scipy"}
# The names the table may use for a library, and the modules each stands for.
LIBRARIES = {
    "scikit-learn": {"sklearn"},
    "imbalanced-learn": {"imblearn"},
    "skorch": {"skorch"},
    "torch": {"torch"},
    "obspy": {"obspy"},
    "pylops": {"pylops"},
    "joblib": {"joblib"},
    "dask": {"dask", "distributed"},
    "matplotlib": {"matplotlib"},
    "threadpoolctl": {"threadpoolctl"},
    "tqdm": {"tqdm"},
}
EVERYTHING_ABOVE = "everything above"


def _split_top_level(cell):
    """Comma-separated items of a cell, up to a remark after a colon.

    Commas and colons inside parentheses belong to an item's remark.
    """
    items, depth, current = [], 0, ""
    for char in cell:
        depth += char == "("
        depth -= char == ")"
        if char == ":" and depth == 0:
            break  # "torch only: never scikit-learn, ..." is a remark
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    return [item.strip() for item in items + [current] if item.strip()]


def _table_rows(text):
    """``[(subpackage, may-import cell)]`` in the order of the table."""
    if TABLE_SECTION not in text:
        raise AssertionError(f"ARCHITECTURE.md has no section {TABLE_SECTION!r}")
    section = text.split(TABLE_SECTION, 1)[1]
    lines = [line.strip() for line in section.strip().splitlines()]
    table = []
    for line in lines:
        if not line.startswith("|"):
            if table:
                break
            continue
        table.append(line)
    header = [c.strip() for c in table[0].strip("|").split("|")]
    assert "numpy/scipy" in header[-1], (
        f"the table's last column header {header[-1]!r} no longer says numpy/scipy "
        "are always allowed: update ALWAYS in tests/test_imports.py"
    )
    rows = []
    for line in table[2:]:  # header and |---| separator
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.append((cells[0].strip("`* "), cells[-1]))
    return rows


def _parse_cell(cell, earlier):
    """``(anywhere, lazily_only, problems)`` for one may-import cell.

    ``anywhere`` holds subpackages and modules that may be imported at module
    level too; ``lazily_only`` the modules allowed only inside functions (an
    item whose remark in parentheses says "lazily"). ``earlier`` is the list of
    ``(anywhere, lazily_only)`` of the rows above, for "everything above".
    """
    anywhere, lazily_only, problems = set(), set(), []
    subpackages = _subpackages_on_disk()
    for item in _split_top_level(cell.replace("**", "").replace("`", "")):
        match = re.fullmatch(r"(?P<name>[^(]*?)\s*(?:\((?P<remark>.*)\))?", item)
        name = re.sub(r"\s+only$", "", match["name"].strip()).lower()
        lazy = "lazily" in (match["remark"] or "")
        if name == EVERYTHING_ABOVE:
            for above, above_lazy in earlier:
                anywhere |= above
                lazily_only |= above_lazy
            continue
        if name in subpackages:
            modules = {name}
        elif name in LIBRARIES:
            modules = LIBRARIES[name]
        else:
            problems.append(
                f"cannot read {item!r}: name a subpackage, {EVERYTHING_ABOVE!r} or "
                f"one of {sorted(LIBRARIES)} (add a new library to LIBRARIES in "
                "tests/test_imports.py)"
            )
            continue
        (lazily_only if lazy else anywhere).update(modules)
    return anywhere, lazily_only - anywhere, problems


def _subpackages_on_disk():
    return sorted(
        p.name
        for p in PACKAGE.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and not p.name.startswith("_")
    )


def _allowed_imports(text):
    """``{subpackage: (anywhere, lazily_only)}`` from the document's table."""
    allowed, earlier, problems = {}, [], []
    for sub, cell in _table_rows(text):
        anywhere, lazily_only, cell_problems = _parse_cell(cell, earlier)
        problems += [f"row `{sub}`: {p}" for p in cell_problems]
        allowed[sub] = (anywhere, lazily_only)
        earlier.append((anywhere | {sub}, lazily_only))
    return allowed, problems


def _imports_of(source_path):
    """``[(line, target, in_function)]``: what a module imports.

    ``target`` is ``"sklearn_seismo.<sub>"`` for the package, else the
    top-level module name. Standard-library modules are left out.
    """
    importer = _module_name(source_path)
    is_package = source_path.name == "__init__.py"
    tree = ast.parse(source_path.read_text(), filename=str(source_path))
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if isinstance(child, ast.ImportFrom):
                target = _resolve(child, importer, is_package)
                if target == ["sklearn_seismo"]:
                    # ``from .. import utils``: the names are subpackages
                    targets = [["sklearn_seismo", a.name] for a in child.names]
                else:
                    targets = [target]
            elif isinstance(child, ast.Import):
                targets = [alias.name.split(".") for alias in child.names]
            else:
                visit(child, inner)
                continue
            for parts in targets:
                if parts[0] == "sklearn_seismo":
                    if len(parts) > 1:
                        found.append((child.lineno, ".".join(parts[:2]), inner))
                elif parts[0] not in sys.stdlib_module_names:
                    found.append((child.lineno, parts[0], inner))

    visit(tree, False)
    return found


def _table_violations(allowed):
    offenders = []
    for sub in _subpackages_on_disk():
        if sub not in allowed:
            continue  # reported by test_every_subpackage_has_a_row
        anywhere, lazily_only = allowed[sub]
        for path in sorted((PACKAGE / sub).rglob("*.py")):
            where = path.relative_to(PACKAGE.parent)
            for line, target, in_function in _imports_of(path):
                name = target.split(".", 1)[1] if "." in target else target
                if name == sub or name in ALWAYS or name in anywhere:
                    continue
                if name in lazily_only and in_function:
                    continue
                why = (
                    "allowed only inside functions (lazily)"
                    if name in lazily_only
                    else "not in its row"
                )
                offenders.append(f"{where}:{line}: imports {target} ({why})")
    return offenders


@pytest.fixture(scope="module")
def table():
    allowed, problems = _allowed_imports(ARCHITECTURE.read_text())
    assert not problems, "ARCHITECTURE.md's import table:\n  " + "\n  ".join(problems)
    return allowed


def test_every_subpackage_has_a_row(table):
    on_disk = set(_subpackages_on_disk())
    missing = sorted(on_disk - set(table))
    stale = sorted(set(table) - on_disk)
    assert not missing, (
        f"subpackage(s) {missing} have no row in the 'may import' table of "
        "ARCHITECTURE.md: add a row saying what each holds and may import"
    )
    assert not stale, f"the table of ARCHITECTURE.md lists {stale}, not on disk"


def test_imports_follow_the_architecture_table(table):
    offenders = _table_violations(table)
    assert not offenders, (
        "These imports are not allowed by the 'may import' table of "
        "ARCHITECTURE.md. Move the code, or change the table (and say why):\n  "
        + "\n  ".join(offenders)
    )


def test_nothing_imports_study():
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "study" not in _module_name(path)
        for line, target, _ in _imports_of(path)
        if target == "sklearn_seismo.study"
    ]
    assert not offenders, f"only the study may combine the others: {offenders}"


@pytest.mark.parametrize("where", ["flows", "neural/_modules.py"])
def test_pure_torch_modules_import_nothing_of_the_package(where):
    target = PACKAGE / where
    paths = sorted(target.rglob("*.py")) if target.is_dir() else [target]
    own = _module_name(paths[0])[:2]
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {name}"
        for path in paths
        for line, name, _ in _imports_of(path)
        if (name.startswith("sklearn_seismo.") and name.split(".") != own)
        or name in {"sklearn", "imblearn", "skorch"}
    ]
    assert not offenders, (
        f"{where} is pure torch (reusable in a plain PyTorch loop): it may not "
        f"import the package or scikit-learn: {offenders}"
    )


def _torch_free_subpackages(text):
    """The subpackages the document says "load without torch"."""
    match = re.search(r"((?:`\w+`(?:,\s*|\s+and\s+)?)+)\s+load without torch", text)
    assert match, "ARCHITECTURE.md no longer says which subpackages load without torch"
    return re.findall(r"`(\w+)`", match[1])


_BLOCK_TORCH = """
import importlib.abc, sys
class BlockTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"torch is blocked ({name})", name=name)
sys.meta_path.insert(0, BlockTorch())
import importlib
for name in sys.argv[1:]:
    importlib.import_module(name)
assert "torch" not in sys.modules
print("imported without torch:", *sys.argv[1:])
"""


def test_documented_subpackages_load_without_torch():
    subpackages = _torch_free_subpackages(ARCHITECTURE.read_text())
    assert {"preprocessing", "augmentation", "metrics"} <= set(subpackages)
    modules = [f"sklearn_seismo.{sub}" for sub in subpackages]
    result = subprocess.run(
        [sys.executable, "-c", _BLOCK_TORCH, *modules],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        timeout=300,
    )
    assert result.returncode == 0, (
        f"{subpackages} must import without torch (ARCHITECTURE.md):\n"
        + result.stderr[-3000:]
    )


def test_block_torch_really_blocks():
    # without this, a finder that never fires would pass the test above
    result = subprocess.run(
        [sys.executable, "-c", _BLOCK_TORCH, "sklearn_seismo.flows"],
        capture_output=True,
        text=True,
        cwd=PACKAGE.parent,
        timeout=300,
    )
    assert result.returncode != 0 and "torch is blocked" in result.stderr


def test_table_parser_reads_each_kind_of_item():
    text = (
        f"{TABLE_SECTION}\n\n"
        "| subpackage | holds | may import (besides numpy/scipy) |\n"
        "|---|---|---|\n"
        "| `utils` | x | scikit-learn, torch (lazily, inside functions) |\n"
        "| `flows` | x | **torch only**: never scikit-learn, never utils |\n"
        "| `metrics` | x | utils, matplotlib (figures), joblib |\n"
        "| `study` | x | everything above, dask (optional) |\n"
        "| `neural` | x | utils, scikit-lern |\n"
        "\nAfter the table.\n"
    )
    allowed, problems = _allowed_imports(text)
    assert allowed["utils"] == ({"sklearn"}, {"torch"})
    assert allowed["flows"] == ({"torch"}, set())
    assert allowed["metrics"] == ({"utils", "matplotlib", "joblib"}, set())
    study, study_lazy = allowed["study"]
    assert {"utils", "flows", "metrics", "sklearn", "torch", "dask"} <= study
    assert "study" not in study and study_lazy == set()
    assert problems == [
        "row `neural`: cannot read 'scikit-lern': name a subpackage, 'everything "
        f"above' or one of {sorted(LIBRARIES)} (add a new library to LIBRARIES "
        "in tests/test_imports.py)"
    ]


def test_table_checker_flags_a_forbidden_import(tmp_path, monkeypatch):
    pkg = tmp_path / "sklearn_seismo"
    for sub in ("utils", "preprocessing"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "utils" / "_x.py").write_text(
        "import sklearn\nimport torch\n\ndef f():\n    import torch\n"
    )
    (pkg / "preprocessing" / "_y.py").write_text(
        "from ..utils import f\nfrom .. import study\nimport skorch\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    allowed = {"utils": ({"sklearn"}, {"torch"}), "preprocessing": ({"utils"}, set())}
    assert _table_violations(allowed) == [
        "sklearn_seismo/preprocessing/_y.py:2: imports sklearn_seismo.study "
        "(not in its row)",
        "sklearn_seismo/preprocessing/_y.py:3: imports skorch (not in its row)",
        "sklearn_seismo/utils/_x.py:2: imports torch (allowed only inside "
        "functions (lazily))",
    ]


def test_every_utils_module_is_in_the_architecture():
    # utils' modules are package-internal API: a new one must be described
    # (issue 24: utils/_argparse.py was missing)
    text = ARCHITECTURE.read_text()
    missing = []
    for path in sorted((PACKAGE / SHARED).glob("*.py")):
        if path.stem == "__init__":
            continue
        private = _is_private(path.stem)
        spelled = f"{SHARED}/{path.name}" if private else f"{SHARED}.{path.stem}"
        if f"`{spelled}" not in text:
            missing.append(spelled)
    assert not missing, (
        f"ARCHITECTURE.md does not mention {missing}: say what each holds in the "
        "utils row of the table (and list private ones in the import rule)"
    )


#: What the study and the benchmarks take from scipy.stats rather than from
#: `metrics` (ARCHITECTURE.md: statistics come from `metrics`), with why.
SCIPY_STATS_ALLOWED = {
    "binomtest": "the sign test of pooled wins; metrics has no sign test",
    "gmean": "a geometric mean of ratios, a summary, not a test",
    "rankdata": "ranks with a failed arm last; metrics.mean_ranks refuses NaN",
}


def _scipy_stats_names(source_path):
    tree = ast.parse(source_path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "scipy.stats":
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module == "scipy":
            names |= {"stats" for alias in node.names if alias.name == "stats"}
        elif isinstance(node, ast.Import):
            names |= {"stats" for a in node.names if a.name == "scipy.stats"}
    return names


def test_study_and_benchmarks_take_their_statistics_from_metrics(tmp_path):
    folders = [PACKAGE / "study", PACKAGE.parent / "benchmarks"]
    found = {
        f"{path.relative_to(PACKAGE.parent)}: {name}"
        for folder in folders
        for path in sorted(folder.rglob("*.py"))
        if "results" not in path.parts
        for name in _scipy_stats_names(path)
        if name not in SCIPY_STATS_ALLOWED
    }
    assert not found, (
        f"scipy.stats used directly: {sorted(found)}; use the paired tests, "
        "holm and mean_ranks of sklearn_seismo.metrics, or add the name to "
        "SCIPY_STATS_ALLOWED with the reason metrics cannot serve"
    )
    # the checker sees each way of importing scipy.stats
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from scipy.stats import ttest_rel\nfrom scipy import stats\n"
        "import scipy.stats\n"
    )
    assert _scipy_stats_names(bad) == {"ttest_rel", "stats"}
