"""Helpers shared by test modules of several folders (no tests here).

A test module imports them (``from tests._helpers import ...``) instead of
importing another test module's private names. Helpers used by one folder only
stay in that folder (``tests/study/_helpers.py``,
``tests/over_sampling/_glow_helpers.py``).
"""

import ast
import re
import warnings

import numpy as np

from sklearn_seismo.utils.discovery import all_estimators
from tests.common import CHECK_PARAMS

__all__ = [
    "EXTREME_VALUES",
    "assert_finite_or_names",
    "fitting_method",
    "import_graph",
    "make_estimator",
    "public_estimators",
    "tiny_images",
]


def make_estimator(name, cls, **params):
    """``cls`` with the tiny settings of the common checks, then ``params``."""
    return cls(**CHECK_PARAMS.get(name, {})).set_params(**params)


def public_estimators(*, with_param=None, exclude=()):
    """``[(name, cls)]`` of the public estimators, as the common checks see them.

    Parameters
    ----------
    with_param : str or None
        Keep only the estimators that have this constructor parameter.
    exclude : iterable of str
        Names to leave out (with the reason written at the call site).
    """
    found = []
    for name, cls in all_estimators():
        if name in exclude:
            continue
        if with_param is not None:
            params = make_estimator(name, cls).get_params(deep=False)
            if with_param not in params:
                continue
        found.append((name, cls))
    return found


def fitting_method(est):
    """``fit_resample`` for a sampler, else ``fit``: where input is validated."""
    return getattr(est, "fit_resample", None) or est.fit


def tiny_images(n=24, shape=(16, 16), classes=("a", "b", "c"), seed=0):
    """Float32 images ``(n, *shape)`` and string labels cycling over ``classes``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, *shape)).astype(np.float32)
    y = np.array(list(classes) * (n // len(classes)))
    return X, y


#: Values a numeric parameter is tried with by the hostile-parameter grids:
#: huge, tiny, infinite, NaN, negative, and (low, high) pairs of them.
EXTREME_VALUES = [
    1e300,
    -1e300,
    np.inf,
    -np.inf,
    np.nan,
    1e-300,
    0.0,
    -1.0,
    10**5,
    -(10**5),
    (0.0, 1e300),
    (1e300, 1e300),
    (-1e300, 1e300),
    (-np.inf, np.inf),
    (0.0, np.inf),
    (np.nan, 1.0),
    (1e-300, 1e-300),
    [1e300, 1.0],
]


def assert_finite_or_names(est, param, value, X):
    """``est.set_params(param=value).fit_transform(X)``: finite or names ``param``.

    Runs on ``X`` in float64 and float32. Either the output is finite, of
    ``X``'s dtype and came with no numpy overflow warning, or a ``ValueError``
    names the parameter (as a word: ``p`` is not found in "Probabilities").
    """
    for dtype in (np.float64, np.float32):
        try:
            with warnings.catch_warnings():
                # an overflow warning is a non-finite result on its way out
                warnings.simplefilter("error", RuntimeWarning)
                out = est.set_params(**{param: value}).fit_transform(X.astype(dtype))
        except ValueError as exc:
            named = re.search(rf"(?<!\w){param}(?!\w)", str(exc))
            assert named, f"{type(est).__name__}({param}={value!r}): {exc}"
            continue
        assert np.isfinite(out).all(), f"{type(est).__name__}({param}={value!r})"
        assert out.dtype == dtype


def import_graph(folder, dotted):
    """Module of ``folder`` (the package ``dotted``) -> its modules it imports.

    Relative and absolute imports, at any depth of the module (inside
    functions too); ``from . import x`` counts as importing ``x``.
    """
    package = dotted.split(".")
    modules = {p.stem for p in folder.glob("*.py")}
    graph = {}
    for path in folder.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                targets = [(base + (node.module or "").split("."), node.names)]
            elif isinstance(node, ast.Import):
                targets = [(a.name.split("."), []) for a in node.names]
            else:
                continue
            for target, names in targets:
                target = [part for part in target if part]
                if target[: len(package)] != package:
                    continue
                rest = target[len(package) :]
                names = [a.name for a in names] or ["__init__"]
                deps |= (
                    {rest[0]}
                    if rest
                    else {n if n in modules else "__init__" for n in names}
                )
        deps.discard(path.stem)
        graph[path.stem] = deps
    return graph
