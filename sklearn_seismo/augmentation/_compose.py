"""Combinators: apply augmenters in sequence, pick one, or apply at random."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval

from ._base import _BaseAugmenter

__all__ = ["Compose", "OneOf", "RandomApply"]


def _check_augmenters(transforms, name):
    transforms = list(transforms)
    if not transforms:
        raise ValueError(f"{name} needs at least one augmenter, got an empty list.")
    for t in transforms:
        if not hasattr(t, "augment_batch"):
            raise TypeError(
                f"{name} accepts objects with an augment_batch(X, rng) method "
                "(the augmenters of sklearn_seismo.augmentation and the "
                f"transformers of sklearn_seismo.preprocessing), got {t!r}."
            )
    return transforms


def _apply_to_subsets(X, groups, transforms, rng):
    """Apply ``transforms[k]`` to the samples where ``groups == k``."""
    out = X.copy()
    for k, transform in enumerate(transforms):
        idx = np.flatnonzero(groups == k)
        if idx.size:
            out[idx] = transform.augment_batch(X[idx], rng)
    return out


class Compose(_BaseAugmenter):
    """Apply augmenters one after the other.

    Unlike :func:`sklearn.pipeline.make_pipeline`, the composition is itself an
    augmenter: it implements the batch hook ``augment_batch(X, rng)`` and
    passes one random generator through its steps.

    Parameters
    ----------
    transforms : list of augmenters
        Objects with ``augment_batch(X, rng)``, applied in order. Their own
        ``random_state`` is not used: randomness comes from this object.
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
    OneOf : Applies one augmenter per sample, chosen at random.
    RandomApply : Applies an augmenter to a random subset of samples.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import AddNoise, Compose, RandomShift
    >>> X = np.ones((4, 3, 100), dtype=np.float32)
    >>> aug = Compose([RandomShift(max_shift=10), AddNoise(snr_db=(5, 10))])
    >>> aug.augment_batch(X, np.random.default_rng(0)).shape
    (4, 3, 100)
    """

    _parameter_constraints: dict = {
        **_BaseAugmenter._parameter_constraints,
        "transforms": [list, tuple],
    }

    def __init__(self, transforms, *, sample_shape=None, random_state=None):
        self.transforms = transforms
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_layout(self, shape):
        for t in _check_augmenters(self.transforms, "Compose"):
            if hasattr(t, "_check_layout"):
                t._check_layout(shape)

    def _augment(self, X, rng):
        for t in self.transforms:
            X = t.augment_batch(X, rng)
        return X


class OneOf(_BaseAugmenter):
    """Apply to each sample one augmenter chosen at random.

    Parameters
    ----------
    transforms : list of augmenters
        Objects with ``augment_batch(X, rng)``.
    p : array-like of float or None, default=None
        Probability of each augmenter (normalised to sum to 1); uniform when
        None.
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
    Compose : Applies augmenters in sequence.
    RandomApply : Applies an augmenter to a random subset of samples.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import Clip, OneOf, PolarityFlip
    >>> X = np.array([[1.0, -4.0]] * 6, dtype=np.float32)
    >>> aug = OneOf([PolarityFlip(p=1.0), Clip(fraction=0.5)], random_state=0)
    >>> sorted({tuple(row) for row in aug.fit_transform(X).tolist()})
    [(-1.0, 4.0), (1.0, -2.0)]
    """

    _parameter_constraints: dict = {
        **_BaseAugmenter._parameter_constraints,
        "transforms": [list, tuple],
        "p": ["array-like", None],
    }

    def __init__(self, transforms, *, p=None, sample_shape=None, random_state=None):
        self.transforms = transforms
        self.p = p
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _probabilities(self):
        transforms = _check_augmenters(self.transforms, "OneOf")
        if self.p is None:
            return np.full(len(transforms), 1.0 / len(transforms))
        p = np.asarray(self.p, dtype=float)
        ok = p.shape == (len(transforms),) and np.isfinite(p).all() and (p >= 0).all()
        with np.errstate(over="ignore"):
            total = p.sum() if ok else 0.0
        if not 0 < total < np.inf:
            raise ValueError(
                f"p must hold one non-negative weight per augmenter "
                f"({len(transforms)}), finite, not all zero and with a finite "
                f"sum; got {self.p!r}."
            )
        return p / total

    def _check_layout(self, shape):
        self._probabilities()
        for t in self.transforms:
            if hasattr(t, "_check_layout"):
                t._check_layout(shape)

    def _augment(self, X, rng):
        p = self._probabilities()
        groups = rng.choice(len(p), size=X.shape[0], p=p)
        return _apply_to_subsets(X, groups, self.transforms, rng)


class RandomApply(_BaseAugmenter):
    """Apply an augmenter to each sample with probability ``p``.

    Parameters
    ----------
    augmenter : augmenter
        Object with ``augment_batch(X, rng)``.
    p : float, default=0.5
        Probability that a sample is augmented; ``0`` is the identity.
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
    Compose : Applies augmenters in sequence.
    OneOf : Applies one augmenter per sample, chosen at random.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import PolarityFlip, RandomApply
    >>> X = np.ones((1000, 2), dtype=np.float32)
    >>> Xt = RandomApply(PolarityFlip(p=1.0), p=0.3, random_state=0).fit_transform(X)
    >>> 0.25 < float((Xt[:, 0] < 0).mean()) < 0.35
    True
    """

    _parameter_constraints: dict = {
        **_BaseAugmenter._parameter_constraints,
        "augmenter": [HasMethods(["augment_batch"])],
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, augmenter, p=0.5, *, sample_shape=None, random_state=None):
        self.augmenter = augmenter
        self.p = p
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_layout(self, shape):
        if hasattr(self.augmenter, "_check_layout"):
            self.augmenter._check_layout(shape)

    def _augment(self, X, rng):
        groups = np.where(rng.random(X.shape[0]) < self.p, 0, -1)
        return _apply_to_subsets(X, groups, [self.augmenter], rng)
