"""Seed derivation: the one way a scikit-learn ``random_state`` becomes seeds.

Every estimator that needs a seed for another generator (torch, a NumPy
``Generator``) draws it here, so that the seeds an int ``random_state`` gives
are the same everywhere and never change silently.
"""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["generator_from_random_state", "seed_from_random_state"]


def seed_from_random_state(random_state, size=None):
    """Draw integer seeds from a scikit-learn ``random_state``.

    An int gives the same seed every time, a ``RandomState`` advances, and
    ``None`` gives a fresh seed: the usual scikit-learn semantics.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
    size : int or None, default=None
        ``None`` draws one seed; an int draws that many.

    Returns
    -------
    seed : int or ndarray of int
        In ``[0, 2**31 - 1)``.

    Examples
    --------
    >>> seed_from_random_state(0) == seed_from_random_state(0)
    True
    >>> seed_from_random_state(0, size=4).shape
    (4,)
    """
    seeds = check_random_state(random_state).randint(np.iinfo(np.int32).max, size=size)
    return int(seeds) if size is None else seeds


def generator_from_random_state(random_state):
    """A ``numpy.random.Generator`` drawn from a scikit-learn ``random_state``.

    An int gives the same generator on every call (reproducible transforms); a
    ``RandomState`` instance is advanced, so repeated calls differ.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState

    Returns
    -------
    rng : numpy.random.Generator

    Examples
    --------
    >>> a = generator_from_random_state(0).random()
    >>> a == generator_from_random_state(0).random()
    True
    """
    return np.random.default_rng(seed_from_random_state(random_state, size=4))
