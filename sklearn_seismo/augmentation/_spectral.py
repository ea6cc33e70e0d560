"""Random band-pass filtering."""

from numbers import Integral, Real

import numpy as np
from scipy import fft as sp_fft
from sklearn.utils._param_validation import Interval

from ..utils._batch import chunk_slices
from ._base import _check_range, _TimeAugmenter

__all__ = ["RandomBandpass"]


def _butterworth_zero_phase_gain(freqs, freqmin, freqmax, sampling_rate, corners):
    """Gain of a zero-phase (forward-backward) digital Butterworth band-pass.

    The squared magnitude of ``scipy.signal.butter(corners, [freqmin, freqmax],
    "bandpass", fs=sampling_rate)``: with the bilinear transform's pre-warping
    ``w = tan(pi f / fs)``, ``|H|**2 = 1 / (1 + x**(2 * corners))`` with
    ``x = (w**2 - wl * wh) / (w * (wh - wl))``. Evaluating it per sample lets a
    whole batch with different bands be filtered by one FFT.
    """
    below_nyquist = np.minimum(freqs, sampling_rate / 2 * (1 - 1e-9))
    w = np.tan(np.pi * below_nyquist / sampling_rate)
    wl = np.tan(np.pi * freqmin / sampling_rate)[:, None]
    wh = np.tan(np.pi * freqmax / sampling_rate)[:, None]
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        x = (w**2 - wl * wh) / (w * (wh - wl))
        gain = 1.0 / (1.0 + x ** (2 * corners))
    return np.where(np.isfinite(gain), gain, 0.0)


class RandomBandpass(_TimeAugmenter):
    """Filter each sample in its own random frequency band.

    Filtering in different narrow bands, from the list of section 4 of Zhu et
    al. (2020). Per sample, the lower corner is drawn log-uniformly in
    ``freq_range`` and the band width in octaves from ``octaves`` (the upper
    corner is capped below Nyquist). The filter is the zero-phase Butterworth
    band-pass of ``scipy.signal.butter`` applied forwards and backwards (as
    ``sosfiltfilt``), evaluated in the frequency domain so that the whole batch
    is filtered at once; the window is zero-padded to twice its length to keep
    the circular wrap-around out of the result.

    Parameters
    ----------
    freq_range : (float, float), default=(1.0, 20.0)
        Range of the lower corner frequency in Hz.
    octaves : float or (float, float), default=(1.0, 3.0)
        Range of the band width in octaves (``freqmax / freqmin == 2**octaves``),
        finite; a band reaching past the Nyquist frequency stops just below it.
    corners : int, default=4
        Order of the Butterworth filter.
    sampling_rate : float, default=100.0
        Sampling rate in Hz.
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
    sklearn_seismo.preprocessing.Bandpass : Deterministic band-pass filter.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import RandomBandpass
    >>> t = np.arange(1000) / 100.0
    >>> X = np.sin(2 * np.pi * 45.0 * t)[None].astype(np.float32)
    >>> aug = RandomBandpass(freq_range=(1.0, 2.0), octaves=1.0, random_state=0)
    >>> bool(aug.fit_transform(X).std() < 0.01 * X.std())
    True
    """

    _parameter_constraints: dict = {
        **_TimeAugmenter._parameter_constraints,
        "freq_range": [tuple, list],
        "octaves": [Interval(Real, 0, None, closed="neither"), tuple, list],
        "corners": [Interval(Integral, 1, None, closed="left")],
        "sampling_rate": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        freq_range=(1.0, 20.0),
        octaves=(1.0, 3.0),
        *,
        corners=4,
        sampling_rate=100.0,
        time_axis=-1,
        sample_shape=None,
        random_state=None,
    ):
        self.freq_range = freq_range
        self.octaves = octaves
        self.corners = corners
        self.sampling_rate = sampling_rate
        self.time_axis = time_axis
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_layout(self, shape):
        super()._check_layout(shape)
        low, high = _check_range(self.freq_range, "freq_range")
        nyquist = self.sampling_rate / 2
        if low <= 0 or high >= nyquist:
            raise ValueError(
                f"freq_range={self.freq_range!r} must lie inside (0, {nyquist}) Hz, "
                "the open band below the Nyquist frequency sampling_rate / 2; "
                "lower the frequencies or pass the data's sampling_rate."
            )
        if _check_range(self.octaves, "octaves")[0] <= 0:
            raise ValueError(f"octaves={self.octaves!r} must be positive.")

    def _augment_time_last(self, X, rng):
        n, T = X.shape[0], X.shape[-1]
        low, high = _check_range(self.freq_range, "freq_range")
        oct_low, oct_high = _check_range(self.octaves, "octaves")
        fs = float(self.sampling_rate)
        freqmin = np.exp(rng.uniform(np.log(low), np.log(high), size=n))
        # capping the exponent at the Nyquist frequency gives the same band
        # and keeps 2**octaves from overflowing
        octaves = np.minimum(
            rng.uniform(oct_low, oct_high, size=n), np.log2(fs / 2 / freqmin)
        )
        freqmax = np.minimum(freqmin * 2.0**octaves, fs / 2 * 0.999)
        n_fft = sp_fft.next_fast_len(2 * T, real=True)
        freqs = np.fft.rfftfreq(n_fft, d=1.0 / fs)[None, :]
        flat = X.reshape(n, -1, T)
        out = np.empty(flat.shape, dtype=X.dtype)
        # All random draws above, the FFTs block by block: the complex spectra
        # of the zero-padded batch would take ~8x the input's memory at once.
        for sl in chunk_slices(n, flat[0].size * n_fft // T):
            gain = _butterworth_zero_phase_gain(
                freqs, freqmin[sl], freqmax[sl], fs, self.corners
            )
            spectrum = sp_fft.rfft(flat[sl], n=n_fft, axis=-1)
            spectrum *= gain[:, None, :]
            out[sl] = sp_fft.irfft(spectrum, n=n_fft, axis=-1)[..., :T]
        return out.reshape(X.shape)
