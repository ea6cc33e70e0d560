"""ARCHITECTURE.md's rules that no other test checks."""

import argparse
import ast
import builtins
import importlib
import inspect
import pickle
import re
import textwrap
import types
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

import sklearn_seismo
from sklearn_seismo.flows import _coupling, _layers
from sklearn_seismo.neural import MiniceptionClassifier, ResNetClassifier
from sklearn_seismo.neural._base import _SeismoNet
from sklearn_seismo.preprocessing import Bandpass
from sklearn_seismo.study import _cli
from sklearn_seismo.utils.discovery import all_estimators
from tests._helpers import (
    fitting_method,
    import_graph,
    make_estimator,
    public_estimators,
)
from tests.common import EXPECTED_FAILED_CHECKS

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10; pytest itself depends on tomli there
    import tomli as tomllib

PACKAGE = Path(sklearn_seismo.__file__).parent
ROOT = PACKAGE.parent
TESTS = ROOT / "tests"
BENCHMARKS = ROOT / "benchmarks"
SUBPACKAGES = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())


# ---------------------------------------------------------------------------
# "Inside one subpackage, imports are free but form no cycle" (the import rule)
# ---------------------------------------------------------------------------
def _cycle(graph):
    """One cycle of ``graph`` as a list of nodes, or None."""
    done, stack = set(), []

    def visit(node):
        if node in stack:
            return stack[stack.index(node) :] + [node]
        if node in done:
            return None
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if found := visit(dep):
                return found
        stack.pop()
        done.add(node)
        return None

    return next(filter(None, map(visit, sorted(graph))), None)


def test_imports_inside_each_subpackage_form_no_cycle(tmp_path):
    # ARCHITECTURE.md, the import rule: "Inside one subpackage, imports are
    # free but form no cycle", in every subpackage, study included.
    bad = tmp_path / "sub"
    bad.mkdir()
    (bad / "__init__.py").write_text("from ._a import f\n")
    (bad / "_a.py").write_text("def f():\n    from ._b import g\n")
    (bad / "_b.py").write_text("from pkg.sub import _a\n")
    assert _cycle(import_graph(bad, "pkg.sub")) == ["_a", "_b", "_a"]
    for sub in SUBPACKAGES:
        graph = import_graph(PACKAGE / sub, f"sklearn_seismo.{sub}")
        assert graph["__init__"], f"{sub}: the graph found no import at all"
        cycle = _cycle(graph)
        assert cycle is None, f"{sub}: " + " -> ".join(cycle)


# ---------------------------------------------------------------------------
# "Public objects live in private modules" (Subpackages and what each may import)
# ---------------------------------------------------------------------------
# Public modules that ARCHITECTURE.md names as such: `utils.discovery` (the
# import rule: "or a public module (`utils.discovery`)") and
# `utils.environment` (the `utils` row of the table, "the run environment").
PUBLIC_MODULES = {"sklearn_seismo.utils.discovery", "sklearn_seismo.utils.environment"}


def _exported_from_public_modules(module):
    """``__all__`` classes and functions of the package not from a private module."""
    offenders = []
    for name in module.__all__:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        where = obj.__module__
        if not where.startswith("sklearn_seismo.") or where in PUBLIC_MODULES:
            continue
        if not any(part.startswith("_") for part in where.split(".")[1:]):
            offenders.append(f"{module.__name__}.{name} from {where}")
    return offenders


def test_public_objects_live_in_private_modules():
    # ARCHITECTURE.md: "Public objects live in private modules
    # (`over_sampling/_glow.py`) and are re-exported by their subpackage's
    # `__init__` and listed in its `__all__`."
    def f():
        pass

    f.__module__ = "sklearn_seismo.fake.public"
    bad = types.ModuleType("sklearn_seismo.fake")
    bad.__all__, bad.f = ["f"], f
    assert _exported_from_public_modules(bad) == [
        "sklearn_seismo.fake.f from sklearn_seismo.fake.public"
    ]
    offenders = []
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"sklearn_seismo.{sub}")
        assert module.__all__, f"sklearn_seismo.{sub} has no __all__"
        offenders += _exported_from_public_modules(module)
    assert not offenders, offenders


# ---------------------------------------------------------------------------
# "One implementation: `utils.validate_samples` validates" (Data layout)
# ---------------------------------------------------------------------------
SKLEARN_VALIDATION = {"validate_data", "check_array", "check_X_y"}


def _validation_uses(source, label):
    """Calls and imports of scikit-learn's validation functions in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.Call):
            func = node.func
            names = [getattr(func, "id", None) or getattr(func, "attr", None)]
        else:
            continue
        found += [
            f"{label}:{node.lineno}: {n}" for n in names if n in SKLEARN_VALIDATION
        ]
    return found


def test_validate_samples_is_the_one_validation():
    # ARCHITECTURE.md, Data layout: "One implementation:
    # `utils.validate_samples` validates and unflattens (through
    # scikit-learn's `validate_data`)". Outside utils/, nothing calls
    # scikit-learn's validation functions itself.
    bad = (
        "from sklearn.utils import check_array as ca\nvalidation.validate_data(e, X)\n"
    )
    assert _validation_uses(bad, "x.py") == [
        "x.py:1: check_array",
        "x.py:2: validate_data",
    ]
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[1] != "utils":
            offenders += _validation_uses(path.read_text(), rel)
    assert not offenders, offenders


# ---------------------------------------------------------------------------
# "Samplers are imbalanced-learn samplers through its hooks" (Training time)
# ---------------------------------------------------------------------------
def _own_fit_resample(cls):
    """Classes of ``cls``'s MRO, outside imblearn, that define ``fit_resample``."""
    return [
        k.__qualname__
        for k in cls.__mro__
        if "fit_resample" in vars(k) and not k.__module__.startswith("imblearn.")
    ]


def test_samplers_use_imblearns_fit_resample():
    # ARCHITECTURE.md: "`AugmentationSampler`, `CriticFilteredSampler` and
    # `GlowOversampler` fill `_check_X_y` ... and `_fit_resample` ..., and use
    # imblearn's `fit_resample`, `**params` included."
    samplers = dict(all_estimators(type_filter="sampler"))
    assert {"AugmentationSampler", "CriticFilteredSampler", "GlowOversampler"} <= set(
        samplers
    )

    for name, cls in samplers.items():
        assert not _own_fit_resample(cls), (name, _own_fit_resample(cls))
        assert cls.fit_resample.__module__.startswith("imblearn."), name

    class Bad(samplers["AugmentationSampler"]):
        def fit_resample(self, X, y):
            return X, y

    assert _own_fit_resample(Bad) == [Bad.__qualname__]


# ---------------------------------------------------------------------------
# "... the block-by-block loop they share are in `utils/_batch.py`" (the
# transformers' batch rules)
# ---------------------------------------------------------------------------
def _own_block_loops(source):
    """``line: text`` of ``range(start, stop, step)`` calls in ``source``: a
    block loop of its own instead of ``utils._batch.chunk_slices``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and _dotted(node.func) == "range"
            and len(node.args) == 3
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_transformers_loop_over_blocks_with_the_shared_rule():
    # ARCHITECTURE.md: "The batch check, the time-axis rule, moving time last
    # and the block-by-block loop they share are in `utils/_batch.py`": the
    # block size is set once (`chunk_memory` changes it for all).
    bad = "for b in range(0, n, _CHUNK):\n    out[b : b + _CHUNK] = 0\n"
    assert _own_block_loops(bad) == ["1: range(0, n, _CHUNK)"]
    found = {
        str(path.relative_to(ROOT)): _own_block_loops(path.read_text())
        for sub in ("augmentation", "preprocessing")
        for path in sorted((PACKAGE / sub).glob("*.py"))
    }
    assert len(found) > 5
    assert {path: lines for path, lines in found.items() if lines} == {}


# ---------------------------------------------------------------------------
# "Overridden hooks" (Classifiers)
# ---------------------------------------------------------------------------
# The three hooks ARCHITECTURE.md names under "Overridden hooks".
SEISMONET_HOOKS = {"train_step_single", "get_iterator", "on_train_begin"}


def _public_overrides(cls):
    """Public names ``cls`` defines itself, less sklearn's ``set_*_request``."""
    return {
        name
        for name in vars(cls)
        if not name.startswith("_") and not re.fullmatch(r"set_\w+_request", name)
    }


def test_seismonet_overrides_exactly_the_documented_hooks():
    # ARCHITECTURE.md, Classifiers, "Overridden hooks": "A small
    # `NeuralNetClassifier` subclass (`_SeismoNet`) overrides three documented
    # hooks", listed as `train_step_single`, `get_iterator`, `on_train_begin`.
    bad = type("Bad", (_SeismoNet,), {"predict": lambda self, X: X})
    assert _public_overrides(bad) == {"predict"}
    assert _public_overrides(_SeismoNet) == SEISMONET_HOOKS


# ---------------------------------------------------------------------------
# "`tests/<subpackage>/test_*.py` mirror the package" (Tests)
# ---------------------------------------------------------------------------
def _untested_subpackages(package, tests):
    return [
        p.name
        for p in sorted(package.iterdir())
        if (p / "__init__.py").exists() and not any((tests / p.name).glob("test_*.py"))
    ]


def test_each_subpackage_has_its_test_folder(tmp_path):
    # ARCHITECTURE.md, Tests: "`tests/<subpackage>/test_*.py` mirror the
    # package."
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "__init__.py").touch()
    (tmp_path / "tests" / "sub").mkdir(parents=True)
    (tmp_path / "tests" / "sub" / "_helpers.py").touch()
    assert _untested_subpackages(tmp_path / "pkg", tmp_path / "tests") == ["sub"]
    assert len(SUBPACKAGES) > 5
    assert _untested_subpackages(PACKAGE, TESTS) == []


# ---------------------------------------------------------------------------
# Doctests, and sklearn_seismo's FutureWarning/DeprecationWarning are errors
# ---------------------------------------------------------------------------
def _category(name):
    module, _, attr = (name or "Warning").rpartition(".")
    return getattr(importlib.import_module(module) if module else builtins, attr)


def _is_error(filters, category, module):
    """Whether pytest-style ``filters`` make ``category`` from ``module`` raise."""
    with warnings.catch_warnings(record=True):
        warnings.resetwarnings()
        for spec in filters:  # pytest applies them in order: the last one wins
            action, message, cat, mod, line = (spec.split(":") + [""] * 4)[:5]
            warnings.filterwarnings(
                action, message, _category(cat), mod, int(line or 0)
            )
        try:
            warnings.warn_explicit("w", category, "f.py", 1, module=module)
        except category:
            return True
    return False


def test_pytest_runs_doctests_and_errors_on_the_packages_deprecations():
    # ARCHITECTURE.md, Tests: "The suite also runs the package's doctests
    # (`--doctest-modules`). `FutureWarning` and `DeprecationWarning` raised
    # by `sklearn_seismo` are errors."
    assert not _is_error(
        ["error::FutureWarning:numpy.*"], FutureWarning, "sklearn_seismo"
    )
    assert not _is_error(
        ["error::FutureWarning", "ignore::FutureWarning"],
        FutureWarning,
        "sklearn_seismo",
    )
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"
    ]
    assert "--doctest-modules" in options["addopts"].split()
    assert "sklearn_seismo" in options["testpaths"]
    for category in (FutureWarning, DeprecationWarning):
        for module in ("sklearn_seismo", "sklearn_seismo.neural._base"):
            assert _is_error(options["filterwarnings"], category, module)


# ---------------------------------------------------------------------------
# "`EXPECTED_FAILED_CHECKS` (each check listed with the reason ...)" (Tests)
# ---------------------------------------------------------------------------
def _unreasoned(expected):
    return [
        (cls, check)
        for cls, checks in expected.items()
        for check, reason in checks.items()
        if not (isinstance(reason, str) and reason.strip())
    ]


def test_every_expected_failed_check_has_a_reason():
    # ARCHITECTURE.md, Tests: "`EXPECTED_FAILED_CHECKS` (each check listed
    # with the reason it cannot pass)".
    bad = {"A": {"check_x": "because", "check_y": " "}, "B": {"check_z": None}}
    assert _unreasoned(bad) == [("A", "check_y"), ("B", "check_z")]
    assert _unreasoned(EXPECTED_FAILED_CHECKS) == []


# ---------------------------------------------------------------------------
# "Speed and quality targets are not timed tests" (Tests)
# ---------------------------------------------------------------------------
CLOCKS = {"perf_counter", "monotonic", "time", "process_time"}
CLOCKS |= {f"{c}_ns" for c in CLOCKS}


def _timed_assertions(source, label):
    """Assertions on a value computed from a ``time`` clock, in ``source``.

    A clock is ``time.<clock>()`` or a clock imported from ``time``; a name
    assigned from an expression holding a clock (or such a name) is timed too.
    Asserts and ``assert*`` calls that use a timed value are reported.
    """
    tree = ast.parse(source)
    clocks = {
        a.asname or a.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "time"
        for a in node.names
        if a.name in CLOCKS
    }
    timed = set()

    def is_timed(expr):
        for node in ast.walk(expr):
            if isinstance(node, ast.Name) and node.id in clocks | timed:
                return True
            if isinstance(node, ast.Attribute) and node.attr in CLOCKS:
                if isinstance(node.value, ast.Name) and node.value.id == "time":
                    return True
        return False

    assignments = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign)
    ]
    while True:  # until no new name is timed
        before = len(timed)
        for node in assignments:
            if node.value is not None and is_timed(node.value):
                targets = getattr(node, "targets", None) or [node.target]
                timed |= {
                    n.id
                    for t in targets
                    for n in ast.walk(t)
                    if isinstance(n, ast.Name)
                }
        if len(timed) == before:
            break
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and is_timed(node.test):
            found.append(f"{label}:{node.lineno}")
        elif isinstance(node, ast.Call):
            func = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
            args = [*node.args, *(k.value for k in node.keywords)]
            if func.startswith("assert") and any(map(is_timed, args)):
                found.append(f"{label}:{node.lineno}")
    return found


def test_no_test_asserts_a_duration():
    # ARCHITECTURE.md, Tests: "Speed and quality targets are not timed tests:
    # they live in `benchmarks/`." A test may use a clock (a timeout), but no
    # assertion compares a value read from one.
    bad = (
        "import time\nfrom time import perf_counter as pc\n"
        "t0 = pc()\nrun()\nelapsed = pc() - t0\nassert elapsed < 2\n"
        "assert time.monotonic() > 0\nnp.testing.assert_array_less(elapsed, 2)\n"
        "deadline = time.time() + 5\nassert result == 3\n"
    )
    assert _timed_assertions(bad, "x.py") == ["x.py:6", "x.py:7", "x.py:8"]
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        offenders += _timed_assertions(path.read_text(), path.relative_to(ROOT))
    assert not offenders, offenders


# ---------------------------------------------------------------------------
# "its docstring gives the command that runs it" (Benchmarks)
# ---------------------------------------------------------------------------
def _benchmark_scripts(folder):
    """``folder/**/*.py`` not starting with ``_``, outside ``results/``."""
    return sorted(
        p
        for p in folder.rglob("*.py")
        if not any(part.startswith("_") for part in p.relative_to(folder).parts)
        and "results" not in p.relative_to(folder).parts
    )


def _states_its_command(path, folder):
    command = f"python benchmarks/{path.relative_to(folder).as_posix()}"
    return command in (ast.get_docstring(ast.parse(path.read_text())) or "")


def test_each_benchmark_docstring_gives_its_command(tmp_path):
    # ARCHITECTURE.md, Benchmarks: "Each has `main(argv)` ... and its
    # docstring gives the command that runs it."
    (tmp_path / "glow").mkdir()
    good, bad = tmp_path / "glow" / "a.py", tmp_path / "glow" / "b.py"
    good.write_text('"""Run: python benchmarks/glow/a.py --quick"""\n')
    bad.write_text('"""Run: python benchmarks/b.py"""\n# python benchmarks/glow/b.py\n')
    assert _benchmark_scripts(tmp_path) == [good, bad]
    assert [_states_its_command(p, tmp_path) for p in (good, bad)] == [True, False]
    scripts = _benchmark_scripts(BENCHMARKS)
    assert scripts, "no benchmark script found"
    missing = [
        str(p.relative_to(ROOT))
        for p in scripts
        if not _states_its_command(p, BENCHMARKS)
    ]
    assert not missing, missing


# ---------------------------------------------------------------------------
# "`flows/_coupling.py`, re-exported by `_layers` for old pickles"
# ---------------------------------------------------------------------------
# The coupling, its networks and the builder that moved from _layers.py.
MOVED = ("AffineCoupling", "_ConvNet", "_AttentionNet", "coupling_network")


def _not_the_same(old, new, names):
    return [n for n in names if getattr(old, n, None) is not getattr(new, n)]


def test_layers_reexports_the_coupling_for_old_pickles():
    # ARCHITECTURE.md, the flow-layer contract: "the coupling and its
    # networks in `flows/_coupling.py`, re-exported by `_layers` for old
    # pickles".
    copy = types.SimpleNamespace(**{n: getattr(_coupling, n) for n in MOVED})
    copy._ConvNet = type("_ConvNet", (_coupling._ConvNet,), {})
    del copy.coupling_network
    assert _not_the_same(copy, _coupling, MOVED) == ["_ConvNet", "coupling_network"]
    assert _not_the_same(_layers, _coupling, MOVED) == []
    for name in MOVED:  # what an old pickle names: the class by its old module
        old = f"c{_layers.__name__}\n{name}\n.".encode()
        assert pickle.loads(old) is getattr(_coupling, name)


# ---------------------------------------------------------------------------
# "Test modules are named after what they test, never after a code version,
# and import helpers, never another test module" (Tests)
# ---------------------------------------------------------------------------
def _test_module_offences(path, label):
    """A version in the module's name, and imports of other test modules."""
    found = [f"{label}: named after a version"] if re.search(r"_v\d", path.stem) else []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            modules = [node.module or ""] + [
                f"{node.module or ''}.{a.name}" for a in node.names
            ]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        else:
            continue
        found += [
            f"{label}:{node.lineno}: imports {m.strip('.')}"
            for m in modules
            if m.split(".")[-1].startswith("test_")
        ]
    return sorted(set(found))


def test_test_modules_are_named_after_what_they_test_and_import_no_test_module(
    tmp_path,
):
    bad = tmp_path / "test_arms_v3.py"
    bad.write_text("from .test_other import Helper\nfrom . import test_third\n")
    assert _test_module_offences(bad, "x") == [
        "x: named after a version",
        "x:1: imports test_other",
        "x:2: imports test_third",
    ]
    offences = [
        line
        for path in sorted(TESTS.rglob("test_*.py"))
        for line in _test_module_offences(path, path.relative_to(ROOT))
    ]
    assert not offences, offences


# ---------------------------------------------------------------------------
# "Fitted estimators record `n_features_in_` and the sample shape they saw"
# (Data layout)
# ---------------------------------------------------------------------------
def _unrecorded_layouts(estimators, X, y, sample_shape):
    """``name: (sample_shape_, n_features_in_)`` of each estimator that, fitted
    on flat ``X`` with ``sample_shape``, does not record both."""
    found = []
    for name, est in estimators:
        fitting_method(est.set_params(sample_shape=sample_shape))(X, y)
        recorded = (
            getattr(est, "sample_shape_", None),
            getattr(est, "n_features_in_", None),
        )
        if recorded != (sample_shape, X.shape[1]):
            found.append(f"{name}: {recorded}")
    return found


def test_fitted_estimators_record_the_sample_shape_they_saw():
    # ARCHITECTURE.md, Data layout: "Fitted estimators record
    # `n_features_in_` and the sample shape they saw." Every estimator with a
    # `sample_shape`, fitted on the flat data of tests/utils/test_hostile_layout.py.
    X = np.random.default_rng(0).normal(size=(20, 192)).astype(np.float32)
    y = np.repeat([0, 1], 10)

    class Bad(BaseEstimator):
        def __init__(self, sample_shape=None):
            self.sample_shape = sample_shape

        def fit(self, X, y):
            self.n_features_in_ = X.shape[1]
            return self

    bad = [("Bad", Bad()), ("Bandpass", Bandpass())]
    assert _unrecorded_layouts(bad, X, y, (3, 64)) == ["Bad: (None, 192)"]
    estimators = [
        (name, make_estimator(name, cls))
        for name, cls in public_estimators(with_param="sample_shape")
    ]
    assert len(estimators) > 20
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tiny fits, tiny data
        assert _unrecorded_layouts(estimators, X, y, (3, 64)) == []


# ---------------------------------------------------------------------------
# "it is always given `_io.literal_path(path)`" and
# "`check_compression=False`" (Reading files)
# ---------------------------------------------------------------------------
def _dotted(node):
    """``a.b.c`` of a name or attribute chain, else ``""``."""
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}" if _dotted(node.value) else ""
    return node.id if isinstance(node, ast.Name) else ""


def _obspy_reads(source, label):
    """``(label:line, safe)`` of each ``obspy.read`` call in ``source``.

    Safe: the path is a ``literal_path(...)`` call and ObsPy's decompression is
    off (``check_compression=False``). ``obspy.read()`` with no argument is
    ObsPy's built-in example stream: it reads no path, so it is left out.
    """
    tree = ast.parse(source)
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {
                a.asname or a.name.split(".")[0]
                for a in node.names
                if a.name.split(".")[0] == "obspy"
            }
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if (node.module or "").split(".")[0] == "obspy":
                reads = [a for a in node.names if a.name == "read"]
                functions |= {a.asname or a.name for a in reads}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func).split(".")
        if not (
            (len(name) == 1 and name[0] in functions)
            or (len(name) > 1 and name[0] in modules and name[-1] == "read")
        ):
            continue
        if not node.args and not node.keywords:
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        path = node.args[0] if node.args else keywords.get("pathname_or_url")
        literal = isinstance(path, ast.Call) and (
            _dotted(path.func).split(".")[-1] == "literal_path"
        )
        off = keywords.get("check_compression")
        off = isinstance(off, ast.Constant) and off.value is False
        found.append((f"{label}:{node.lineno}", literal and off))
    return found


def test_obspy_reads_literal_paths_without_its_decompression():
    # ARCHITECTURE.md, Reading files: "`obspy.read` would glob (and download
    # `x://...`) on its own, so it is always given `_io.literal_path(path)`"
    # and "ObsPy's own decompression is off (`check_compression=False`)".
    bad = (
        "import obspy as op\nfrom obspy import read as r\n"
        "op.read(literal_path(p), check_compression=False)\n"
        "op.read(p, check_compression=False)\n"
        "r(_io.literal_path(p))\n"
        "op.core.read(pathname_or_url=literal_path(p), check_compression=True)\n"
        "op.read()\nread(p)\n"
    )
    assert [where for where, safe in _obspy_reads(bad, "x.py") if not safe] == [
        "x.py:4",
        "x.py:5",
        "x.py:6",
    ]
    reads = []
    for path in sorted(PACKAGE.rglob("*.py")):
        reads += _obspy_reads(path.read_text(), path.relative_to(ROOT))
    assert len(reads) >= 2, "no obspy.read call found"
    assert [where for where, safe in reads if not safe] == []


# ---------------------------------------------------------------------------
# "Its modules, from the bottom up (each imports only the ones above it in
# this list ...)" (The study)
# ---------------------------------------------------------------------------
def _study_module_list(text):
    """``(modules, parts)`` of the bulleted list after "from the bottom up".

    ``modules``: every ``_x.py`` named, in the order of the list. ``parts``:
    module -> the modules named inside its parentheses (``_report.py``
    (``write_report``, from ``_report_tables.py`` ...)), which it may import.
    """
    section = text.split("\n## The study\n")[1].split("\n## ")[0]
    block = section.split("from the bottom up", 1)[1].split("\n\n")[1]
    assert block.startswith("* "), "the ordered list of study modules moved"
    modules, parts, depth, owner = [], {}, 0, None
    for token in re.finditer(r"`([^`]*)`|[()]", block):
        if token[0] in "()":
            depth += 1 if token[0] == "(" else -1
            assert depth >= 0, "unbalanced parentheses in the list"
        elif re.fullmatch(r"\w+\.py", token[1]):
            stem = token[1][:-3]
            modules.append(stem)
            if depth == 0:
                owner = stem
            else:
                parts.setdefault(owner, set()).add(stem)
    assert depth == 0, "unbalanced parentheses in the list"
    return modules, parts


def _out_of_order(modules, parts, graph):
    """Imports of ``graph`` that go down ``modules``' list, and unlisted modules."""
    position = {m: i for i, m in enumerate(modules)}
    found = []
    for module, deps in sorted(graph.items()):
        if module == "__init__":  # the package's face: it re-exports the library
            continue
        if module not in position:
            found.append(f"{module}: not in the list")
            continue
        found += [
            f"{module} imports {dep}"
            for dep in sorted(deps)
            if dep not in parts.get(module, ())
            and position.get(dep, len(modules)) >= position[module]
        ]
    return found


def test_study_modules_import_only_those_above_them_in_the_list():
    # ARCHITECTURE.md, The study: "Its modules, from the bottom up (each
    # imports only the ones above it in this list, so there is no cycle, and
    # no library function imports the command line)". A module named in
    # another's parentheses is one of its parts ("`_report.py`
    # (`write_report`, from `_report_tables.py` ...").
    bad = (
        "# Doc\n\n## The study\n\nIts modules, from the bottom up (a list):\n\n"
        "* `_a.py` (`f`, `g`), `_b.py` (from\n  `_p.py`);\n* `_c.py`.\n\nMore.\n"
    )
    modules, parts = _study_module_list(bad)
    assert (modules, parts) == (["_a", "_b", "_p", "_c"], {"_b": {"_p"}})
    graph = {"_a": {"_b"}, "_b": {"_p"}, "_p": {"_a"}, "_c": {"_a", "_d"}}
    graph |= {"_d": set(), "__init__": {"_c"}}
    assert _out_of_order(modules, parts, graph) == [
        "_a imports _b",
        "_c imports _d",
        "_d: not in the list",
    ]
    modules, parts = _study_module_list((ROOT / "ARCHITECTURE.md").read_text())
    assert {"_arms", "_parallel", "_report", "_cli"} <= set(modules)
    graph = import_graph(PACKAGE / "study", "sklearn_seismo.study")
    assert _out_of_order(modules, parts, graph) == []


# ---------------------------------------------------------------------------
# "The options both take are added by one function per group" (The study)
# ---------------------------------------------------------------------------
def _option_signature(action):
    """What makes two options spelled and checked alike (not their help)."""
    return (
        type(action),
        tuple(action.option_strings),
        action.dest,
        action.nargs,
        action.const,
        action.default,
        action.type,
        action.choices,
        action.required,
        action.metavar,
    )


def _shared_option_mismatches(parsers, add, own_default=(), **kwargs):
    """``name: option`` where ``parsers[name]`` lacks an option ``add`` adds,
    or has it otherwise; the defaults of ``own_default`` may differ."""
    reference = argparse.ArgumentParser()
    add(reference, **kwargs)
    found = []
    for name, parser in parsers.items():
        have = {s: a for a in parser._actions for s in a.option_strings}
        for action in reference._actions:
            if not action.option_strings or "-h" in action.option_strings:
                continue
            option = action.option_strings[-1]
            mine = have.get(option)
            if mine is None:
                found.append(f"{name}: {option} missing")
                continue
            want, got = _option_signature(action), _option_signature(mine)
            if option in own_default:
                want, got = want[:5] + want[6:], got[:5] + got[6:]
            if want != got:
                found.append(f"{name}: {option} differs")
    return found


def test_run_and_suite_share_the_option_groups():
    # ARCHITECTURE.md, The study: "The options both take are added by one
    # function per group (data files and reader options, execution and
    # output), so they are spelled and checked alike." The one difference by
    # design: `--out`'s default, each command's own folder (`out=`).
    def add(parser, *, out):
        group = parser.add_argument_group("group")
        group.add_argument("--n", type=int, default=1)
        group.add_argument("--out", default=out)

    good, bad, none = (argparse.ArgumentParser() for _ in range(3))
    add(good, out="a")
    bad.add_argument("--n", type=float, default=1)
    bad.add_argument("--out", default="b")
    parsers = {"good": good, "bad": bad, "none": none}
    assert _shared_option_mismatches(parsers, add, {"--out"}, out="r") == [
        "bad: --n differs",
        "none: --n missing",
        "none: --out missing",
    ]
    assert _shared_option_mismatches({"bad": bad}, add, out="r") == [
        "bad: --n differs",
        "bad: --out differs",
    ]
    commands = _cli.build_parser().commands
    assert set(commands) == {"run", "suite"}
    data = _shared_option_mismatches(commands, _cli.add_data_options, generated=False)
    assert data == []
    execution = _shared_option_mismatches(
        commands, _cli.add_execution_options, {"--out"}, out=None
    )
    assert execution == []


# ---------------------------------------------------------------------------
# "`_check_X_y` returns `X` in the caller's layout ..., so nothing of a
# sampler's own passes through `self`" (Training time, samplers)
# ---------------------------------------------------------------------------
def _root(node):
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


SETTERS = {"setattr", "delattr", "__setattr__", "__delattr__"}


def _stores_on_self(source, first=1):
    """``line: target`` of what the method in ``source`` (from line ``first``)
    stores on its first argument: assignments (plain, augmented, annotated,
    unpacked, ``for`` and ``with`` targets), ``del``, ``setattr``/``delattr``."""
    function = ast.parse(textwrap.dedent(source)).body[0]
    me = function.args.args[0].arg
    found = []
    for node in ast.walk(function):
        if isinstance(node, ast.Attribute | ast.Subscript):
            target = node if isinstance(node.ctx, ast.Store | ast.Del) else None
        elif isinstance(node, ast.Call) and node.args:
            setter = _dotted(node.func).split(".")[-1] in SETTERS
            target = node.args[0] if setter else None
        else:
            continue
        if target is not None and _root(target) == me:
            found.append((first + node.lineno - 1, ast.unparse(node)))
    return [f"{line}: {text}" for line, text in sorted(found)]


def test_samplers_check_X_y_keep_no_state_on_self():
    # ARCHITECTURE.md, Training time, samplers: "`_check_X_y` returns `X` in
    # the caller's layout ..., so nothing of a sampler's own passes through
    # `self` between imbalanced-learn's hooks."
    bad = (
        "    def _check_X_y(me, X, y):\n"
        "        X, me._flat = f(X)\n"
        "        me.n += 1\n"
        "        setattr(me, 'k', 1)\n"
        "        me.seen['a'] = 2\n"
        "        other.x = me.y\n"
        "        return X, y, None\n"
    )
    assert _stores_on_self(bad) == [
        "2: me._flat",
        "3: me.n",
        "4: setattr(me, 'k', 1)",
        "5: me.seen['a']",
    ]
    assert _stores_on_self(bad, first=10)[0] == "11: me._flat"
    own = {
        name: cls._check_X_y
        for name, cls in all_estimators(type_filter="sampler")
        if "_check_X_y" in vars(cls)
    }
    assert {"AugmentationSampler", "CriticFilteredSampler", "GlowOversampler"} <= set(
        own
    )
    for name, method in own.items():
        lines, first = inspect.getsourcelines(method)
        assert _stores_on_self("".join(lines), first) == [], name


# ---------------------------------------------------------------------------
# "`module_`, ... are read-only views of `net_`" (Classifiers)
# ---------------------------------------------------------------------------
def _not_read_only(cls, names):
    """``names`` that are not a property without setter and deleter on ``cls``."""
    return [
        name
        for name in names
        if not isinstance(prop := inspect.getattr_static(cls, name, None), property)
        or prop.fset is not None
        or prop.fdel is not None
    ]


def test_classifiers_fitted_attributes_are_read_only_views():
    # ARCHITECTURE.md, Classifiers, "Fitted attributes.": "`module_`,
    # `history_`, `criterion_`, `optimizer_`, `callbacks_` and `device_` are
    # read-only views of `net_`" (the names are read from that sentence), on
    # `MiniceptionClassifier` and `ResNetClassifier`.
    text = (ROOT / "ARCHITECTURE.md").read_text()
    sentence = re.search(
        r"\*\*Fitted attributes\.\*\*(.*?)are\s+read-only views of `net_`",
        text,
        re.S,
    )
    names = re.findall(r"`(\w+)`", sentence[1])
    assert {"module_", "history_", "device_"} <= set(names)

    class Bad:
        module_ = property(lambda self: 1)
        history_ = property(lambda self: 1, lambda self, value: None)
        criterion_ = None

    assert _not_read_only(Bad, names) == [
        "history_",
        "criterion_",
        "optimizer_",
        "callbacks_",
        "device_",
    ]
    for cls in (MiniceptionClassifier, ResNetClassifier):
        assert _not_read_only(cls, names) == [], cls.__name__
