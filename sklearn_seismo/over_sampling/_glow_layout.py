"""How GlowOversampler's samples enter and leave its flows.

A sample of shape ``sample_shape`` is divided by its RMS (the flow models
shape, not gain), given a channel axis and padded at the end of each spatial
axis to the flow's size multiple by mirroring; flow outputs are cropped back.
:class:`FlowLayout` is the one place that does each of these.
"""

from dataclasses import dataclass

import numpy as np

from ..utils._layout import is_waveform_shape

# Relative floor of the per-sample scale: an all-zero sample must not divide by 0.
_SCALE_FLOOR = 1e-6


def per_sample(values, ndim):
    """``values`` of shape ``(n,)`` reshaped to broadcast over ``ndim``-D batches."""
    return np.asarray(values).reshape(-1, *([1] * (ndim - 1)))


@dataclass(frozen=True)
class FlowLayout:
    """Sample layout <-> flow layout of one fitted sampler.

    Parameters
    ----------
    sample_shape : tuple of int
        Shape of one sample as the user gives it.
    n_dim : {1, 2}
        Spatial dimensions of the flow.
    flow_shape : tuple of int
        ``(C, *padded spatial)``, one sample as the flow sees it.
    scale_floor : float
        Smallest per-sample scale (RMS) divided by, from the training data.
    """

    sample_shape: tuple
    n_dim: int
    flow_shape: tuple
    scale_floor: float

    @classmethod
    def fit(cls, X_nd, n_dim, multiple):
        """The layout of training samples ``X_nd`` for a flow of ``n_dim``
        spatial dimensions whose sizes must be multiples of ``multiple``."""
        sample_shape = tuple(X_nd.shape[1:])
        shape = (1, *sample_shape) if len(sample_shape) == n_dim else sample_shape
        flow_shape = (shape[0], *(s + (-s % multiple) for s in shape[1:]))
        floor = _floor(_rms(_with_channels(X_nd, n_dim)))
        return cls(sample_shape, n_dim, flow_shape, floor)

    @property
    def spatial(self):
        """Unpadded spatial sizes of a sample."""
        return self.sample_shape[-self.n_dim :]

    def normalise(self, X_nd, *, own_floor=False):
        """``(n, *sample_shape)`` -> RMS-normalised, padded float32 flow input.

        Returns the flow input, the per-sample scales divided by (the RMS, at
        least the floor) and which samples are above the floor (a sample at
        the floor carries no signal). ``own_floor``: the floor is taken from
        ``X_nd`` itself (an unlabelled pool), not from the training data.
        """
        X = _with_channels(X_nd, self.n_dim)
        rms = _rms(X)
        floor = _floor(rms) if own_floor else self.scale_floor
        scales = np.maximum(rms, floor)
        Xn = X / per_sample(scales.astype(np.float32), X.ndim)
        return self.pad(Xn), scales, scales > floor

    def pad(self, Xc):
        """``(n, C, *spatial)`` -> the flow's shape, mirrored at the ends."""
        pad = [(0, p - s) for p, s in zip(self.flow_shape, Xc.shape[1:])]
        if any(right for _, right in pad):
            Xc = np.pad(Xc, [(0, 0), *pad], mode="symmetric")
        return np.ascontiguousarray(Xc, dtype=np.float32)

    def crop(self, Xp):
        """Flow layout -> ``(n, C, *spatial)`` (a view; channel axis kept)."""
        return Xp[(slice(None), slice(None), *(slice(0, s) for s in self.spatial))]

    def to_samples(self, Xp, scales=None):
        """Flow layout -> ``(n, *sample_shape)``, times ``scales`` if given."""
        X = self.crop(Xp)
        if scales is not None:
            X = X * per_sample(scales, X.ndim)
        return X.reshape((len(X), *self.sample_shape))


def _with_channels(X_nd, n_dim):
    X = np.asarray(X_nd, dtype=np.float32)
    return X[:, None] if X.ndim - 1 == n_dim else X


def _floor(rms):
    return _SCALE_FLOOR * max(float(rms.max(initial=0.0)), 1e-30)


def _rms(X):
    return np.sqrt(
        np.mean(np.square(X, dtype=np.float64), axis=tuple(range(1, X.ndim)))
    )


def resolve_n_dim(n_dim, sample_shape):
    """The flow's spatial dimensions for ``n_dim`` ("auto", 1 or 2)."""
    if n_dim == "auto":
        return 1 if is_waveform_shape(sample_shape) else 2
    n_dim, ndim = int(n_dim), len(sample_shape)
    if ndim not in (n_dim, n_dim + 1):
        raise ValueError(
            f"n_dim={n_dim} cannot model samples of shape {sample_shape}: a "
            f"{n_dim}-D flow takes samples of {n_dim} (one channel) or "
            f"{n_dim + 1} (channels first) dimensions. Set n_dim='auto' or "
            "reshape X."
        )
    return n_dim
