"""Augmentations along the time axis: shift, stacking, stretching and masking."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils._batch import chunk_slices, resolve_time_axis
from ._base import (
    _check_range,
    _per_sample,
    _roll_time,
    _samples_from,
    _TimeAugmenter,
)

__all__ = ["RandomShift", "SuperimposeEvents", "TimeMask", "TimeStretch"]

# A partner 1000 times louder (60 dB) or a window stretched 1000 times is
# already past any seismic meaning; larger factors only overflow.
_MAX_RATIO = 1000.0
_MAX_RATE = 1000.0


class RandomShift(_TimeAugmenter):
    """Shift every sample by its own random time lag.

    Section 3.1 of Zhu et al. (2020): shifting windows on the fly removes the
    positional bias of windows cut at a fixed offset from the first arrival.

    Parameters
    ----------
    max_shift : int, float or None, default=None
        Largest lag (both directions); lags are drawn uniformly in
        ``[-max_shift, max_shift]``. In seconds when ``sampling_rate`` is given,
        else in samples. ``None`` shifts over the full window; ``0`` is the
        identity.
    mode : {"roll", "zeros"}, default="roll"
        ``"roll"`` wraps what leaves one end of the window around to the other
        end; ``"zeros"`` pads with zeros. The paper prefers cutting a longer
        window to zero padding, whose zero-to-signal transition a network may
        learn: cut windows longer than needed, roll them with ``max_shift`` at
        most the margin and crop the centre with
        :class:`sklearn_seismo.preprocessing.Crop` (see its docstring).
    sampling_rate : float or None, default=None
        Sampling rate in Hz, to give ``max_shift`` in seconds.
    time_axis : int, default=-1
        Time axis of ``X`` (``1`` for ``(n, n_time, n_traces)`` gathers).
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
    sklearn_seismo.preprocessing.Crop : Crops the centre of longer windows.
    SuperimposeEvents : Stacks a delayed second sample onto each sample.
    TimeStretch : Stretches or compresses the time axis.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import RandomShift
    >>> X = np.arange(12, dtype=np.float32).reshape(2, 6)
    >>> Xt = RandomShift(max_shift=2, random_state=0).fit_transform(X)
    >>> Xt.shape, Xt.dtype, bool(np.all(np.sort(Xt, axis=1) == X))
    ((2, 6), dtype('float32'), True)
    """

    _parameter_constraints: dict = {
        **_TimeAugmenter._parameter_constraints,
        "max_shift": [Interval(Real, 0, None, closed="left"), None],
        "mode": [StrOptions({"roll", "zeros"})],
        "sampling_rate": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        max_shift=None,
        *,
        mode="roll",
        sampling_rate=None,
        time_axis=-1,
        sample_shape=None,
        random_state=None,
    ):
        self.max_shift = max_shift
        self.mode = mode
        self.sampling_rate = sampling_rate
        self.time_axis = time_axis
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _augment_time_last(self, X, rng):
        T = X.shape[-1]
        max_shift = _samples_from(self.max_shift, self.sampling_rate, "max_shift")
        max_shift = T - 1 if max_shift is None else min(max_shift, T - 1)
        shifts = rng.integers(-max_shift, max_shift, size=X.shape[0], endpoint=True)
        return _roll_time(X, shifts, fill_zeros=self.mode == "zeros")


class SuperimposeEvents(_TimeAugmenter):
    """Add to each sample another sample of the batch, scaled and delayed.

    The "stacking" of section 3.2 of Zhu et al. (2020): windows with two events
    of different amplitudes teach a network not to expect one event per window.
    Each sample gets a partner drawn from the same batch (another sample when
    the batch holds more than one), multiplied by a ratio drawn uniformly from
    ``amplitude_ratio`` and circularly delayed.

    Parameters
    ----------
    amplitude_ratio : float or (float, float), default=(0.1, 1.0)
        Range of the partner's amplitude relative to its own, within
        ``[0, 1000]``; ``0`` is the identity.
    max_delay : int, float or None, default=None
        Largest delay of the partner, in seconds when ``sampling_rate`` is
        given, else in samples; ``None`` draws it over the full window.
    sampling_rate : float or None, default=None
        Sampling rate in Hz, to give ``max_delay`` in seconds.
    time_axis : int, default=-1
        Time axis of ``X`` (``1`` for ``(n, n_time, n_traces)`` gathers).
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
    AddNoise : Superposes noise instead of another event.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import SuperimposeEvents
    >>> X = np.zeros((2, 5), dtype=np.float32)
    >>> X[:, 0] = [1.0, 2.0]
    >>> aug = SuperimposeEvents(amplitude_ratio=0.5, max_delay=0)
    >>> aug.fit_transform(X)[:, 0]
    array([2. , 2.5], dtype=float32)
    """

    _parameter_constraints: dict = {
        **_TimeAugmenter._parameter_constraints,
        "amplitude_ratio": [
            Interval(Real, 0, _MAX_RATIO, closed="both"),
            tuple,
            list,
        ],
        "max_delay": [Interval(Real, 0, None, closed="left"), None],
        "sampling_rate": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        amplitude_ratio=(0.1, 1.0),
        max_delay=None,
        *,
        sampling_rate=None,
        time_axis=-1,
        sample_shape=None,
        random_state=None,
    ):
        self.amplitude_ratio = amplitude_ratio
        self.max_delay = max_delay
        self.sampling_rate = sampling_rate
        self.time_axis = time_axis
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_layout(self, shape):
        super()._check_layout(shape)
        _check_range(self.amplitude_ratio, "amplitude_ratio", low=0.0, high=_MAX_RATIO)

    def _augment_time_last(self, X, rng):
        n, T = X.shape[0], X.shape[-1]
        low, high = _check_range(
            self.amplitude_ratio, "amplitude_ratio", low=0.0, high=_MAX_RATIO
        )
        max_delay = _samples_from(self.max_delay, self.sampling_rate, "max_delay")
        max_delay = T - 1 if max_delay is None else min(max_delay, T - 1)
        partner = rng.permutation(n)
        if n > 1:
            # a sample stacked on itself is just louder: give fixed points the
            # next sample instead
            fixed = partner == np.arange(n)
            partner[fixed] = (np.flatnonzero(fixed) + 1) % n
        ratio = rng.uniform(low, high, size=n).astype(X.dtype)
        delay = rng.integers(0, max_delay, size=n, endpoint=True)
        partner_x = _roll_time(X[partner], delay)
        partner_x *= _per_sample(ratio, X.ndim)
        return X + partner_x


class TimeStretch(_TimeAugmenter):
    """Stretch or compress each sample in time by a random factor.

    Time stretching from the list of section 4 of Zhu et al. (2020). The sample
    keeps its length: ``out(t) = x(rate * t)`` by linear interpolation from the
    window start, zero past the end of the input. ``rate > 1`` compresses (the
    test-time "time compression" of the paper), ``rate < 1`` stretches. No
    anti-alias filter is applied when compressing; low-pass the data first if
    it has energy near the Nyquist frequency. Stretching changes apparent
    frequencies and phase velocities: use it with care for labels that
    depend on them.

    Parameters
    ----------
    rate : float or (float, float), default=(0.8, 1.25)
        Range of the factor, drawn log-uniformly, within ``(0, 1000]``;
        ``1`` is the identity.
    time_axis : int, default=-1
        Time axis of ``X`` (``1`` for ``(n, n_time, n_traces)`` gathers).
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
    sklearn_seismo.preprocessing.Resample : Deterministic change of sampling rate.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import TimeStretch
    >>> X = np.arange(6, dtype=np.float32)[None]
    >>> TimeStretch(rate=2.0).fit_transform(X)
    array([[0., 2., 4., 0., 0., 0.]], dtype=float32)
    """

    _parameter_constraints: dict = {
        **_TimeAugmenter._parameter_constraints,
        "rate": [Interval(Real, 0, _MAX_RATE, closed="right"), tuple, list],
    }

    def __init__(
        self, rate=(0.8, 1.25), *, time_axis=-1, sample_shape=None, random_state=None
    ):
        self.rate = rate
        self.time_axis = time_axis
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_layout(self, shape):
        super()._check_layout(shape)
        low, _ = _check_range(self.rate, "rate", high=_MAX_RATE)
        if low <= 0:
            raise ValueError(f"rate={self.rate!r} must be positive.")

    def _augment_time_last(self, X, rng):
        n, T = X.shape[0], X.shape[-1]
        low, high = _check_range(self.rate, "rate", high=_MAX_RATE)
        rate = np.exp(rng.uniform(np.log(low), np.log(high), size=n))
        flat = X.reshape(n, -1, T)
        out = np.empty_like(flat)
        # Block by block: the index and weight arrays are (n, T) each.
        for sl in chunk_slices(n, flat[0].size):
            pos = np.arange(T)[None, :] * rate[sl, None]
            left = np.floor(pos).astype(np.intp)
            weight = (pos - left).astype(X.dtype)[:, None, :]
            inside = (pos <= T - 1)[:, None, :]
            left = np.minimum(left, T - 1)
            right = np.minimum(left + 1, T - 1)
            x_left = np.take_along_axis(flat[sl], left[:, None, :], axis=-1)
            x_right = np.take_along_axis(flat[sl], right[:, None, :], axis=-1)
            block = x_left + weight * (x_right - x_left)
            block *= inside
            out[sl] = block
        return out.reshape(X.shape)


class TimeMask(_TimeAugmenter):
    """Set random time segments of each sample to zero.

    Masking part of the signal (section 4 of Zhu et al., 2020; DeVries &
    Taylor, 2017). All traces of a sample are masked over the same segments.

    Parameters
    ----------
    max_width : float, default=0.1
        Largest width of one segment as a fraction of the window length; widths
        are drawn uniformly in ``[0, max_width]``. ``0`` is the identity.
    n_masks : int, default=1
        Number of segments per sample (they may overlap), at most the number
        of time samples of a window.
    time_axis : int, default=-1
        Time axis of ``X`` (``1`` for ``(n, n_time, n_traces)`` gathers).
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
    AddFalsePositives : Telemetry gaps, spikes and steps.
    ChannelDropout : Masks whole components instead of time segments.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import TimeMask
    >>> X = np.ones((3, 100), dtype=np.float32)
    >>> Xt = TimeMask(max_width=0.2, random_state=0).fit_transform(X)
    >>> bool(((Xt == 0).sum(axis=1) <= 20).all())
    True
    """

    _parameter_constraints: dict = {
        **_TimeAugmenter._parameter_constraints,
        "max_width": [Interval(Real, 0, 1, closed="both")],
        "n_masks": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        max_width=0.1,
        *,
        n_masks=1,
        time_axis=-1,
        sample_shape=None,
        random_state=None,
    ):
        self.max_width = max_width
        self.n_masks = n_masks
        self.time_axis = time_axis
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_layout(self, shape):
        super()._check_layout(shape)
        n_times = shape[resolve_time_axis(self.time_axis, len(shape))]
        if self.n_masks > n_times:
            # each mask is one pass over the batch: a huge count only hangs
            raise ValueError(
                f"n_masks={self.n_masks} exceeds the {n_times} time samples of a "
                f"window; more masks than samples cannot mask more. Pass "
                f"n_masks <= {n_times} (or raise max_width)."
            )

    def _augment_time_last(self, X, rng):
        n, T = X.shape[0], X.shape[-1]
        t = np.arange(T)[None, :]
        keep = np.ones((n, T), dtype=bool)
        max_width = int(round(self.max_width * T))
        for _ in range(self.n_masks):
            width = rng.integers(0, max_width, size=n, endpoint=True)
            start = rng.integers(0, T - width, endpoint=True)
            keep &= (t < start[:, None]) | (t >= (start + width)[:, None])
        return X * keep.reshape((n,) + (1,) * (X.ndim - 2) + (T,))
