"""Discovery of the package's public estimators, as ``sklearn.utils.discovery``."""

import inspect
import pkgutil
from importlib import import_module
from operator import itemgetter
from pathlib import Path

from sklearn.base import BaseEstimator

__all__ = ["all_estimators"]

_TYPE_TESTS = {
    "classifier": lambda est: hasattr(est, "predict_proba") or hasattr(est, "predict"),
    "transformer": lambda est: hasattr(est, "transform"),
    "sampler": lambda est: hasattr(est, "fit_resample"),
}


def all_estimators(type_filter=None):
    """List the public estimators of ``sklearn_seismo``.

    Walks the public modules of the package (public classes live in private
    modules but are re-exported by their subpackage) and keeps the classes that
    derive from :class:`sklearn.base.BaseEstimator`, are not abstract, do not
    start with an underscore and are listed in the public module's ``__all__``.

    Parameters
    ----------
    type_filter : {"classifier", "transformer", "sampler"} or list of those, \
            default=None
        Keep only estimators of these kinds.

    Returns
    -------
    estimators : list of (name, class)
        Sorted by name.

    Examples
    --------
    >>> names = [name for name, _ in all_estimators()]
    >>> names == sorted(names)
    True
    """
    root = Path(__file__).resolve().parents[1]
    found = {}
    for info in pkgutil.walk_packages([str(root)], prefix="sklearn_seismo."):
        parts = info.name.split(".")
        # Only public modules re-export public estimators; a private module's
        # __all__ (e.g. of a base class) says nothing about the public API.
        if any(p.startswith("_") or p == "tests" for p in parts):
            continue
        module = import_module(info.name)
        exported = set(getattr(module, "__all__", ()))
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                name in exported
                and issubclass(cls, BaseEstimator)
                and not name.startswith("_")
                and not inspect.isabstract(cls)
                and cls.__module__.startswith("sklearn_seismo.")
            ):
                found[name] = cls
    estimators = sorted(found.items(), key=itemgetter(0))
    if type_filter is not None:
        kinds = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        unknown = set(kinds) - set(_TYPE_TESTS)
        if unknown:
            raise ValueError(
                f"type_filter must be among {sorted(_TYPE_TESTS)}, "
                f"got {sorted(unknown)}."
            )
        estimators = [
            (n, c) for n, c in estimators if any(_TYPE_TESTS[k](c) for k in kinds)
        ]
    return estimators
