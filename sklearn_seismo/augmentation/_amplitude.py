"""Amplitude augmentations: clipping and polarity flips."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import _BaseAugmenter, _check_range, _per_sample

__all__ = ["Clip", "PolarityFlip"]


class Clip(_BaseAugmenter):
    """Clip each sample at a random fraction of its peak amplitude.

    Section 3.7 of Zhu et al. (2020): moderate and large earthquakes recorded
    on nearby weak-motion instruments saturate the digitiser. The clip level of
    a sample is ``fraction * max(abs(sample))`` over all its traces, as a
    digitiser saturates at one level for every component.

    Parameters
    ----------
    fraction : float or (float, float), default=(0.2, 0.9)
        Range of the clip level relative to the peak, drawn uniformly, in
        ``(0, 1]``; ``1`` is the identity.
    p : float, default=1.0
        Probability that a sample is clipped.
    sample_shape : tuple of int or None, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D.
    random_state : int, RandomState instance or None, default=None
        Seed of :meth:`transform`; :meth:`augment_batch` uses its ``rng``.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    sample_shape_ : tuple of int
        Shape of one sample seen in :meth:`fit`.

    See Also
    --------
    PolarityFlip : Flips the sign of samples.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import Clip
    >>> X = np.array([[0.0, 1.0, -2.0, 4.0]], dtype=np.float32)
    >>> Clip(fraction=0.5).fit_transform(X)
    array([[ 0.,  1., -2.,  2.]], dtype=float32)
    """

    _parameter_constraints: dict = {
        **_BaseAugmenter._parameter_constraints,
        "fraction": [Interval(Real, 0, 1, closed="right"), tuple, list],
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self, fraction=(0.2, 0.9), *, p=1.0, sample_shape=None, random_state=None
    ):
        self.fraction = fraction
        self.p = p
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_layout(self, shape):
        low, _ = _check_range(self.fraction, "fraction", high=1.0)
        if low <= 0:
            raise ValueError(
                f"fraction={self.fraction!r} must lie in (0, 1]: a clip level of "
                "zero would erase the signal."
            )

    def _augment(self, X, rng):
        n = X.shape[0]
        low, high = _check_range(self.fraction, "fraction", high=1.0)
        fraction = rng.uniform(low, high, size=n)
        fraction[rng.random(n) >= self.p] = 1.0
        peak = np.abs(X.reshape(n, -1)).max(axis=1)
        level = _per_sample((fraction * peak).astype(X.dtype), X.ndim)
        return np.clip(X, -level, level)


class PolarityFlip(_BaseAugmenter):
    """Multiply random samples by -1.

    Vertical flipping from the list of section 4 of Zhu et al. (2020). It
    changes first-motion polarity: do not use it when labels depend on it.

    Parameters
    ----------
    p : float, default=0.5
        Probability that a sample is flipped; ``0`` is the identity.
    sample_shape : tuple of int or None, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D.
    random_state : int, RandomState instance or None, default=None
        Seed of :meth:`transform`; :meth:`augment_batch` uses its ``rng``.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    sample_shape_ : tuple of int
        Shape of one sample seen in :meth:`fit`.

    See Also
    --------
    Clip : Clips samples at a fraction of their peak.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import PolarityFlip
    >>> X = np.array([[1.0, -2.0]], dtype=np.float32)
    >>> PolarityFlip(p=1.0).fit_transform(X)
    array([[-1.,  2.]], dtype=float32)
    """

    _parameter_constraints: dict = {
        **_BaseAugmenter._parameter_constraints,
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, p=0.5, *, sample_shape=None, random_state=None):
        self.p = p
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _augment(self, X, rng):
        sign = np.where(rng.random(X.shape[0]) < self.p, -1.0, 1.0).astype(X.dtype)
        return X * _per_sample(sign, X.ndim)
