"""Augmentations across components: dropout, horizontal rotation, PCA scaling.

Components are axis 1 of ``X`` (``(n, C, T)``, channels first as in ObsPy and
SeisBench); the remaining axes are the time series of each component.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import _BaseAugmenter, _check_range, _per_sample

__all__ = ["ChannelDropout", "ComponentScale", "RotateHorizontal"]

# One full turn either way; larger angles only lose precision (and inf has no
# cosine). A scale spread of 10 already zeroes about half the components.
_MAX_ANGLE = 360.0
_MAX_SIGMA = 10.0


def _n_channels(shape, name, *, min_channels):
    if len(shape) < 3 or shape[1] < min_channels:
        got = f"{shape[1]} channels" if len(shape) >= 3 else "single traces"
        raise ValueError(
            f"{name} needs samples of shape (n_channels, n_times) with at least "
            f"{min_channels} channels on axis 1 of X, got {got} (X of shape "
            f"{tuple(shape)}). Pass multi-component X of shape (n, C, T), or "
            "flattened X with sample_shape=(C, T)."
        )
    return shape[1]


class ChannelDropout(_BaseAugmenter):
    """Zero one or more random components of each sample.

    Section 3.5 of Zhu et al. (2020): dropping one or two of the three
    components teaches a three-component model to work on single-component
    records and with failed channels. At least one component is always kept.

    Parameters
    ----------
    max_drop : int or None, default=None
        Largest number of components dropped per sample; the number is drawn
        uniformly in ``[1, max_drop]``. ``None`` means ``n_channels - 1``.
    p : float, default=1.0
        Probability that a sample loses components; ``0`` is the identity.
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
    TimeMask : Zeroes time segments instead of components.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import ChannelDropout
    >>> X = np.ones((4, 3, 10), dtype=np.float32)
    >>> Xt = ChannelDropout(max_drop=2, random_state=0).fit_transform(X)
    >>> kept = (Xt != 0).any(axis=2).sum(axis=1)
    >>> bool(((kept >= 1) & (kept <= 2)).all())
    True
    """

    _parameter_constraints: dict = {
        **_BaseAugmenter._parameter_constraints,
        "max_drop": [Interval(Integral, 1, None, closed="left"), None],
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, max_drop=None, *, p=1.0, sample_shape=None, random_state=None):
        self.max_drop = max_drop
        self.p = p
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_layout(self, shape):
        n_channels = _n_channels(shape, "ChannelDropout", min_channels=2)
        if self.max_drop is not None and self.max_drop >= n_channels:
            raise ValueError(
                f"max_drop={self.max_drop} would drop every one of the "
                f"{n_channels} channels; pass max_drop <= {n_channels - 1}."
            )

    def _augment(self, X, rng):
        n, C = X.shape[:2]
        max_drop = C - 1 if self.max_drop is None else self.max_drop
        n_drop = rng.integers(1, max_drop, size=n, endpoint=True)
        n_drop[rng.random(n) >= self.p] = 0
        # rank of each channel in a random order: the n_drop lowest are dropped
        rank = np.argsort(rng.random((n, C)), axis=1)
        keep = (rank >= n_drop[:, None]).astype(X.dtype)
        return X * keep.reshape((n, C) + (1,) * (X.ndim - 2))


class RotateHorizontal(_BaseAugmenter):
    """Rotate the two horizontal components by a random angle.

    From the list of section 4 of Zhu et al. (2020): rotating the North and
    East components accounts for station-orientation errors and creates new
    source-station azimuths. The vertical and any other component are left
    unchanged; the horizontal energy of every sample is preserved.

    Parameters
    ----------
    angle : float or (float, float), default=(0.0, 360.0)
        Range of the rotation angle in degrees, drawn uniformly, within
        ``[-360, 360]``; ``0`` is the identity.
    components : (int, int), default=(1, 2)
        Indices of the North and East components on axis 1 of ``X`` (ZNE
        order by default, as :func:`sklearn_seismo.datasets.load_waveforms`).
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
    ComponentScale : Scales the principal axes of particle motion.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import RotateHorizontal
    >>> X = np.array([[[5.0], [1.0], [0.0]]], dtype=np.float32)  # Z, N, E
    >>> np.round(RotateHorizontal(angle=90.0).fit_transform(X).ravel(), 6)
    array([ 5.,  0., -1.], dtype=float32)
    """

    _parameter_constraints: dict = {
        **_BaseAugmenter._parameter_constraints,
        "angle": [
            Interval(Real, -_MAX_ANGLE, _MAX_ANGLE, closed="both"),
            tuple,
            list,
        ],
        "components": [tuple, list],
    }

    def __init__(
        self,
        angle=(0.0, 360.0),
        *,
        components=(1, 2),
        sample_shape=None,
        random_state=None,
    ):
        self.angle = angle
        self.components = components
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_layout(self, shape):
        _check_range(self.angle, "angle", low=-_MAX_ANGLE, high=_MAX_ANGLE)
        comps = tuple(self.components)
        if (
            len(comps) != 2
            or not all(isinstance(c, Integral) for c in comps)
            or comps[0] == comps[1]
            or min(comps) < 0
        ):
            raise ValueError(
                "components must be two different non-negative channel indices "
                f"(North, East), got {self.components!r}."
            )
        n_channels = _n_channels(shape, "RotateHorizontal", min_channels=2)
        if max(comps) >= n_channels:
            raise ValueError(
                f"components={comps} needs at least {max(comps) + 1} channels, "
                f"but the samples have {n_channels}. Pass the indices of the "
                "North and East channels, e.g. components=(0, 1) for (N, E) data."
            )

    def _augment(self, X, rng):
        low, high = _check_range(self.angle, "angle", low=-_MAX_ANGLE, high=_MAX_ANGLE)
        theta = np.deg2rad(rng.uniform(low, high, size=X.shape[0]))
        cos = _per_sample(np.cos(theta).astype(X.dtype), X.ndim - 1)
        sin = _per_sample(np.sin(theta).astype(X.dtype), X.ndim - 1)
        i_n, i_e = self.components
        north, east = X[:, i_n], X[:, i_e]
        out = X.copy()
        out[:, i_n] = cos * north + sin * east
        out[:, i_e] = cos * east - sin * north
        return out


class ComponentScale(_BaseAugmenter):
    """Scale the principal axes of each sample's component covariance.

    The PCA augmentation of Krizhevsky et al. (2012) adapted to components, as
    listed in section 4 of Zhu et al. (2020): per sample, the covariance of its
    components is diagonalised, each principal component is multiplied by
    ``1 + sigma * N(0, 1)`` (clipped at 0), and the result rotated back. This
    changes the relative amplitudes (and polarisation) of the components while
    keeping their time history. Single-trace samples ``(n, T)`` count as one
    component and get a random gain. Meant for ``(n, C, T)`` components: on
    ``(n, n_time, n_traces)`` gathers axis 1 is time, which this augmenter
    would treat as components.

    Parameters
    ----------
    sigma : float, default=0.1
        Standard deviation of the scale factors, within ``[0, 10]``; ``0`` is
        the identity.
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
    RotateHorizontal : Rotates the horizontal components.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.
    .. [2] Krizhevsky, A., Sutskever, I., & Hinton, G. E. (2012). ImageNet
       classification with deep convolutional neural networks. NeurIPS.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import ComponentScale
    >>> X = np.random.default_rng(0).normal(size=(2, 3, 50)).astype(np.float32)
    >>> np.allclose(ComponentScale(sigma=0.0).fit_transform(X), X, atol=1e-5)
    True
    """

    _parameter_constraints: dict = {
        **_BaseAugmenter._parameter_constraints,
        "sigma": [Interval(Real, 0, _MAX_SIGMA, closed="both")],
    }

    def __init__(self, sigma=0.1, *, sample_shape=None, random_state=None):
        self.sigma = sigma
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _augment(self, X, rng):
        n = X.shape[0]
        flat = X.reshape(n, 1, -1) if X.ndim == 2 else X.reshape(n, X.shape[1], -1)
        C = flat.shape[1]
        cov = np.einsum("nct,ndt->ncd", flat, flat, dtype=np.float64)
        loud = ~np.isfinite(cov).all(axis=(1, 2))
        if loud.any():
            # products above 1e308 overflow; the eigenvectors do not depend on
            # the sample's scale
            scaled = flat[loud] / np.abs(flat[loud]).max(axis=(1, 2), keepdims=True)
            cov[loud] = np.einsum("nct,ndt->ncd", scaled, scaled, dtype=np.float64)
        _, vectors = np.linalg.eigh(cov)
        scale = np.maximum(1.0 + self.sigma * rng.standard_normal((n, C)), 0.0)
        mixing = np.einsum("nij,nj,nkj->nik", vectors, scale, vectors)
        out = np.einsum("nij,njt->nit", mixing.astype(X.dtype), flat)
        return out.reshape(X.shape)
