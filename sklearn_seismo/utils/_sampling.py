"""Rules shared by the package's imbalanced-learn samplers."""

from numbers import Integral

import numpy as np

__all__ = ["check_strategy_counts"]


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
