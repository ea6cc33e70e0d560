"""Additive augmentations: noise at a target SNR and false-positive artefacts."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, Options

from ..utils._batch import resolve_time_axis
from ._base import (
    _check_range,
    _per_sample,
    _standard_normal,
    _TimeAugmenter,
)

__all__ = ["AddFalsePositives", "AddNoise"]

# Bounds that keep the output finite for data of any sensible scale: noise at
# -100 dB is 1e5 times the signal's RMS, an artefact 1000 times the peak is
# 60 dB above it; beyond that float32 overflows long before it means anything.
_MIN_SNR_DB = -100.0
_MAX_AMPLITUDE = 1000.0
# A noise bank is rescaled to the SNR, so only its shape matters; a bank
# louder than this is scaled down once, before float32 squares overflow.
_MAX_BANK_PEAK = 1e15


def _rms(rows):
    """RMS over the last axis in float64, of scaled rows: it cannot overflow."""
    rows = np.asarray(rows, dtype=np.float64)
    peak = np.abs(rows).max(axis=-1, keepdims=True)
    peak[peak == 0] = 1.0
    return peak[..., 0] * np.sqrt(np.mean((rows / peak) ** 2, axis=-1))


class AddNoise(_TimeAugmenter):
    """Superpose noise at a random signal-to-noise ratio.

    Section 3.3 of Zhu et al. (2020). One SNR is drawn per sample, uniformly in
    dB from ``snr_db``, and every trace (1-D series along the time axis) of the
    sample gets noise scaled so that
    ``10 * log10(mean(trace**2) / mean(noise**2)) == snr`` exactly for the noise
    actually added. All-zero traces stay zero.

    Parameters
    ----------
    snr_db : float or (float, float), default=(0.0, 20.0)
        Range of the SNR in dB (signal power over added-noise power per trace),
        finite and at least ``-100`` (noise 10^5 times the signal's RMS:
        lower values only overflow). ``inf`` adds nothing (the identity).
    noise : ndarray or None, default=None
        ``None`` adds white Gaussian noise. Otherwise a bank of real noise
        windows (e.g. :func:`sklearn_seismo.datasets.load_example_noise`),
        either of shape ``(n_windows, *sample_shape)`` (same layout and
        ``time_axis`` as ``X``; each sample gets one random window) or
        ``(n_windows, n_times)`` (each trace gets its own random window). The
        bank's time axis may be longer than the samples': a random crop is
        taken. Real noise is more realistic than Gaussian noise but must be
        free of uncatalogued events (section 3.3). Its level does not matter
        (the noise is rescaled to the SNR); a bank above ``1e15`` is scaled
        down once so that its float32 copy cannot overflow.
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

    Notes
    -----
    Drawing Gaussian numbers dominates the cost; for batches of more than
    about a million values they are drawn in blocks by up to 4 threads, each
    block seeded from the batch's generator, so the result does not depend on
    the number of threads. A noise bank is checked (shape, NaN) once per array
    object and the check is cached.

    See Also
    --------
    AddFalsePositives : Adds gaps, spikes and steps instead of noise.
    AugmentationSampler : Appends augmented copies in a pipeline's fit only.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import AddNoise
    >>> X = np.sin(np.linspace(0, 20, 500, dtype=np.float32))[None].repeat(2, 0)
    >>> Xt = AddNoise(snr_db=10.0, random_state=0).fit_transform(X)
    >>> noise = Xt - X
    >>> np.round(10 * np.log10((X**2).mean(1) / (noise**2).mean(1)), 1)
    array([10., 10.], dtype=float32)
    """

    _parameter_constraints: dict = {
        **_TimeAugmenter._parameter_constraints,
        "snr_db": [
            Interval(Real, _MIN_SNR_DB, None, closed="left"),
            Options(Real, {np.inf}),
            tuple,
            list,
        ],
        "noise": ["array-like", None],
    }

    def __init__(
        self,
        snr_db=(0.0, 20.0),
        noise=None,
        *,
        time_axis=-1,
        sample_shape=None,
        random_state=None,
    ):
        self.snr_db = snr_db
        self.noise = noise
        self.time_axis = time_axis
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _noise_bank(self, shape):
        """The noise bank with its time axis last, checked against ``shape``.

        The check scans the whole bank for NaN, too slow to repeat on every
        training batch: the result is cached for this very array object (a
        new array, or new parameters through ``set_params``, is checked again).
        """
        key = (tuple(shape[1:]), self.time_axis)
        cache = getattr(self, "_noise_cache", None)
        if cache is not None and cache[0] is self.noise and cache[1] == key:
            return cache[2]
        bank = self._check_noise_bank(shape)
        self._noise_cache = (self.noise, key, bank)
        return bank

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_noise_cache", None)  # a copy of the bank: rebuilt on use
        return state

    def _check_noise_bank(self, shape):
        bank = np.asarray(self.noise)
        if not np.issubdtype(bank.dtype, np.number) or bank.ndim < 2:
            raise ValueError(
                "noise must be a numeric array of shape (n_windows, *sample_shape) "
                f"or (n_windows, n_times), got shape {bank.shape} and dtype "
                f"{bank.dtype}."
            )
        if bank.shape[0] == 0:
            raise ValueError("noise must hold at least one noise window.")
        if not np.isfinite(bank).all():
            raise ValueError(
                "noise contains NaN or infinite values: remove or interpolate "
                "those windows first."
            )
        peak = float(np.abs(bank).max())
        if peak > _MAX_BANK_PEAK:
            bank = bank / peak
        axis = resolve_time_axis(self.time_axis, len(shape))
        n_times = shape[axis]
        if bank.ndim == 2:
            expected = f"(n_windows, >= {n_times})"
            ok = bank.shape[1] >= n_times
        else:
            if bank.ndim != len(shape):
                ok = False
            else:
                bank = np.ascontiguousarray(np.moveaxis(bank, axis, -1))
                other = tuple(np.delete(shape, axis)[1:])
                ok = bank.shape[1:-1] == other and bank.shape[-1] >= n_times
            expected = list(shape)
            expected[0] = "n_windows"
            expected[axis] = f">= {n_times}"
            expected = "(" + ", ".join(str(s) for s in expected) + ")"
        if not ok:
            raise ValueError(
                f"noise has shape {np.asarray(self.noise).shape}, which does not "
                f"fit samples of shape {tuple(shape[1:])}: expected {expected}, "
                "noise windows at least as long as the samples. Cut the noise "
                "bank to the sample layout (or pass 1-D traces (n_windows, "
                "n_times))."
            )
        return bank

    def _check_layout(self, shape):
        super()._check_layout(shape)
        _check_range(self.snr_db, "snr_db", low=_MIN_SNR_DB, fixed_inf=True)
        if self.noise is not None:
            self._noise_bank(shape)

    def _draw_noise(self, X, rng):
        n, T = X.shape[0], X.shape[-1]
        if self.noise is None:
            return _standard_normal(rng, X.shape, X.dtype)
        # the bank was checked against the n-D layout, time axis moved last
        axis = resolve_time_axis(self.time_axis, X.ndim)
        shape = list(X.shape[:-1])
        shape.insert(axis, T)
        bank = self._noise_bank(shape)
        n_windows, n_bank = bank.shape[0], bank.shape[-1]
        t = np.arange(T)
        if bank.ndim == 2:
            n_traces = X.size // T
            window = rng.integers(0, n_windows, size=n_traces)
            start = rng.integers(0, n_bank - T, size=n_traces, endpoint=True)
            noise = bank[window[:, None], start[:, None] + t]
            return noise.reshape(X.shape).astype(X.dtype, copy=False)
        flat = bank.reshape(n_windows, -1, n_bank)
        window = rng.integers(0, n_windows, size=n)
        start = rng.integers(0, n_bank - T, size=n, endpoint=True)
        noise = flat[
            window[:, None, None],
            np.arange(flat.shape[1])[None, :, None],
            start[:, None, None] + t,
        ]
        return noise.reshape(X.shape).astype(X.dtype, copy=False)

    def _augment_time_last(self, X, rng):
        low, high = _check_range(self.snr_db, "snr_db", low=_MIN_SNR_DB, fixed_inf=True)
        snr = rng.uniform(low, high, size=X.shape[0]) if low < high else None
        if snr is None:
            snr = np.full(X.shape[0], low)
        noise = self._draw_noise(X, rng)
        T = X.shape[-1]
        # einsum avoids squaring a full-size temporary
        p_signal = np.einsum("...t,...t->...", X, X).astype(np.float64) / T
        p_noise = np.einsum("...t,...t->...", noise, noise).astype(np.float64) / T
        snr_db = np.broadcast_to(_per_sample(snr, X.ndim - 1), p_signal.shape)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            gain = np.sqrt(p_signal / (p_noise * 10.0 ** (snr_db / 10.0)))
        overflow = ~(np.isfinite(p_signal) & np.isfinite(p_noise))
        if overflow.any():
            # squares overflow (float32 traces above ~1e19): the same gain
            # from the RMS of scaled traces
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = _rms(X[overflow]) / _rms(noise[overflow])
            gain[overflow] = ratio * 10.0 ** (-snr_db[overflow] / 20.0)
        gain = np.where(np.isfinite(gain), gain, 0.0).astype(X.dtype)
        noise *= gain[..., None]
        noise += X
        return noise


class AddFalsePositives(_TimeAugmenter):
    """Add telemetry artefacts: gaps, spikes and steps.

    The false-positive noise of section 3.4 of Zhu et al. (2020): data missing
    because of instrument or telemetry errors, impulsive glitches and offsets
    create abrupt changes that a network should learn not to pick as events.
    Each sample receives, with probability ``p``, one artefact of a kind drawn
    from ``kinds``, on all its traces:

    * ``"gap"``: a segment of up to ``max_gap`` of the window set to zero;
    * ``"spike"``: one sample set to ``amplitude * peak`` (random sign);
    * ``"step"``: ``amplitude * peak`` (random sign) added from a random time
      to the end of the window;

    where ``peak`` is the sample's largest absolute value.

    Parameters
    ----------
    kinds : list of {"gap", "spike", "step"}, default=("gap", "spike", "step")
        Artefacts to draw from, uniformly.
    p : float, default=1.0
        Probability that a sample gets an artefact; ``0`` is the identity.
    max_gap : float, default=0.3
        Largest gap as a fraction of the window length.
    amplitude : float or (float, float), default=(0.5, 2.0)
        Range of spike and step amplitudes relative to the sample's peak,
        within ``[0, 1000]``.
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
    TimeMask : Zeroes random segments (gaps without the other artefacts).

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import AddFalsePositives
    >>> X = np.ones((2, 50), dtype=np.float32)
    >>> Xt = AddFalsePositives(kinds=["gap"], random_state=0).fit_transform(X)
    >>> bool(((Xt == 0) | (Xt == 1)).all()), bool((Xt == 0).any())
    (True, True)
    """

    _parameter_constraints: dict = {
        **_TimeAugmenter._parameter_constraints,
        "kinds": [list, tuple],
        "p": [Interval(Real, 0, 1, closed="both")],
        "max_gap": [Interval(Real, 0, 1, closed="both")],
        "amplitude": [
            Interval(Real, 0, _MAX_AMPLITUDE, closed="both"),
            tuple,
            list,
        ],
    }
    _KINDS = ("gap", "spike", "step")

    def __init__(
        self,
        kinds=("gap", "spike", "step"),
        *,
        p=1.0,
        max_gap=0.3,
        amplitude=(0.5, 2.0),
        time_axis=-1,
        sample_shape=None,
        random_state=None,
    ):
        self.kinds = kinds
        self.p = p
        self.max_gap = max_gap
        self.amplitude = amplitude
        self.time_axis = time_axis
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_layout(self, shape):
        super()._check_layout(shape)
        bad = [k for k in self.kinds if k not in self._KINDS]
        if bad or len(self.kinds) == 0:
            raise ValueError(
                f"kinds must be a non-empty list drawn from {list(self._KINDS)}, "
                f"got {list(self.kinds)!r}."
            )
        _check_range(self.amplitude, "amplitude", low=0.0, high=_MAX_AMPLITUDE)

    def _augment_time_last(self, X, rng):
        n, T = X.shape[0], X.shape[-1]
        kinds = [self._KINDS.index(k) for k in self.kinds]
        hit = rng.random(n) < self.p
        kind = np.asarray(kinds)[rng.integers(0, len(kinds), size=n)]
        kind[~hit] = -1
        low, high = _check_range(
            self.amplitude, "amplitude", low=0.0, high=_MAX_AMPLITUDE
        )
        peak = np.abs(X.reshape(n, -1)).max(axis=1)
        amp = peak * rng.uniform(low, high, size=n) * rng.choice([-1.0, 1.0], size=n)
        width = rng.integers(0, int(round(self.max_gap * T)), size=n, endpoint=True)
        start = rng.integers(0, T - width, endpoint=True)
        t = np.arange(T)[None, :]
        after = t >= start[:, None]
        gap = (kind == 0)[:, None] & after & (t < (start + width)[:, None])
        spike = (kind == 1)[:, None] & (t == start[:, None])
        step = (kind == 2)[:, None] & after

        def expand(a):
            return a.reshape((n,) + (1,) * (X.ndim - 2) + (T,))

        out = np.where(expand(gap | spike), np.zeros((), X.dtype), X)
        added = (spike | step) * amp[:, None]
        out += expand(added.astype(X.dtype))
        return out
