"""Helpers shared by test modules of several folders (no tests here).

A test module imports them (``from tests._helpers import ...``) instead of
importing another test module's private names. Helpers used by one folder only
stay in that folder (``tests/study/_helpers.py``,
``tests/over_sampling/_glow_helpers.py``).
"""

import numpy as np

from sklearn_seismo.utils.discovery import all_estimators
from tests.common import CHECK_PARAMS

__all__ = ["fitting_method", "make_estimator", "public_estimators", "tiny_images"]


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
