"""The import rule between subpackages, checked on the source with ``ast``.

A module may import from ANOTHER subpackage of ``sklearn_seismo`` only:

* public names (no leading underscore) of that subpackage, through its
  ``__init__`` or a public module (``sklearn_seismo.utils.discovery``);
* public names of ``utils``' private modules (``sklearn_seismo.utils._torch``):
  ``utils`` is the bottom layer of shared helpers, so its modules are
  package-internal API, but their underscore names stay private.

Anything else (an underscore name, or any name of another subpackage's private
module) ties one subpackage to another's internals and is reported here.
Imports inside one subpackage are free.
"""

import ast
from pathlib import Path

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
