"""Rules shared by the package's imbalanced-learn samplers."""

from numbers import Integral

import numpy as np

from .environment import check_allocation

__all__ = ["check_new_samples_fit", "check_strategy_counts"]


def check_strategy_counts(strategy, name="sampling_strategy"):
    """Refuse a ``{class: n_samples}`` strategy whose counts are not ints.

    imbalanced-learn passes float counts through, and they then fail deep in
    numpy (``'numpy.float64' object is not iterable``) or are truncated
    silently (``30.5`` samples become 30).

    Parameters
    ----------
    strategy : mapping
        ``{class: n_samples}``, a dict ``sampling_strategy`` or what a callable
        one returned.
    name : str, default="sampling_strategy"
        How the error names the strategy.

    Returns
    -------
    strategy : mapping
        ``strategy`` itself.

    Examples
    --------
    >>> check_strategy_counts({"bad": 30})
    {'bad': 30}
    >>> check_strategy_counts({"bad": 30.5})
    Traceback (most recent call last):
    ...
    ValueError: sampling_strategy['bad'] must be an int number of samples ...
    """
    for label, count in strategy.items():
        if not isinstance(count, Integral) or isinstance(count, (bool, np.bool_)):
            raise ValueError(
                f"{name}[{label!r}] must be an int number of samples after "
                f"resampling, got {count!r}; round it (e.g. int(round(count)))."
            )
    return strategy


def check_new_samples_fit(n_new, X, sampler, fix="ask for fewer new samples"):
    """Refuse a resampling whose output cannot fit in memory, before any work.

    The resampled ``X`` holds the ``len(X)`` given samples and ``n_new`` new
    ones; without this, a huge count (``n_copies=10**9``) fails deep in numpy
    with a bare ``MemoryError``, or after the flows were trained.

    Parameters
    ----------
    n_new : int
        New samples the sampler will make (for a critic: its candidates).
    X : ndarray of shape (n_samples, *sample_shape)
    sampler : estimator
        Named in the message.
    fix : str, default="ask for fewer new samples"
    """
    check_allocation(
        len(X) + int(n_new),
        X.shape[1:],
        itemsize=X.dtype.itemsize,
        what=f"{type(sampler).__name__}: the {len(X)} given and {int(n_new)} new",
        fix=fix,
    )
