"""Zero-phase Butterworth filters (SciPy second-order sections)."""

from numbers import Integral, Real

import numpy as np
from scipy import signal
from sklearn.utils._param_validation import Interval

from ._base import _BaseSignalTransformer

__all__ = ["Bandpass", "Highpass", "Lowpass"]

# Butterworth orders above this overflow scipy's design (order 1000 does);
# ObsPy's default is 4.
_MAX_CORNERS = 100


class _ButterworthFilter(_BaseSignalTransformer):
    _parameter_constraints: dict = {
        **_BaseSignalTransformer._parameter_constraints,
        "sampling_rate": [Interval(Real, 0, None, closed="neither")],
        "corners": [Interval(Integral, 1, _MAX_CORNERS, closed="both")],
        "zerophase": ["boolean"],
    }

    def _corner_frequencies(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_signal(self, n_times):
        nyquist = self.sampling_rate / 2
        for name, freq in self._corner_frequencies().items():
            if not 0 < freq < nyquist:
                raise ValueError(
                    f"{name}={freq} Hz must lie strictly between 0 and the Nyquist "
                    f"frequency {nyquist} Hz (sampling_rate / 2); lower {name} or "
                    "pass the sampling_rate of the data."
                )

    def _check_layout(self, shape):
        super()._check_layout(shape)
        self._sos()  # after the frequency checks, which say more

    def _sos(self):
        """The filter's second-order sections; a ValueError when scipy cannot."""
        corners = self._corner_frequencies()
        freqs = list(corners.values())
        try:
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                sos = signal.butter(
                    self.corners,
                    freqs if len(freqs) > 1 else freqs[0],
                    btype=self._btype,
                    fs=self.sampling_rate,
                    output="sos",
                )
                # sosfiltfilt's initial conditions: singular for such a filter
                zi = signal.sosfilt_zi(sos)
        except (
            ValueError,
            OverflowError,
            FloatingPointError,
            np.linalg.LinAlgError,
        ):
            sos = zi = None
        if sos is None or not (np.isfinite(sos).all() and np.isfinite(zi).all()):
            # a corner a billionth of the Nyquist frequency makes the design
            # matrix singular in float64
            named = ", ".join(f"{k}={v}" for k, v in corners.items())
            raise ValueError(
                f"No stable Butterworth filter with corners={self.corners} and "
                f"{named} Hz at sampling_rate={self.sampling_rate} Hz: the corner "
                "frequencies are too far below the Nyquist frequency for float64. "
                "Raise the corner frequencies, lower sampling_rate (resample "
                "first) or use fewer corners."
            )
        return sos

    def _transform_time_last(self, X):
        sos = self._sos()
        x = X.astype(np.float64)
        if not self.zerophase:
            return signal.sosfilt(sos, x, axis=-1)
        # scipy's default pad length; traces shorter than it are padded with
        # what they have (T - 1 samples) instead of raising
        n_zeros = min((sos[:, 2] == 0).sum(), (sos[:, 5] == 0).sum())
        padlen = min(3 * (2 * len(sos) + 1 - n_zeros), X.shape[-1] - 1)
        return signal.sosfiltfilt(sos, x, axis=-1, padlen=padlen)


class Bandpass(_ButterworthFilter):
    """Butterworth band-pass filter, zero-phase by default.

    ``scipy.signal.butter(..., output="sos")`` applied with
    ``scipy.signal.sosfiltfilt`` (forwards and backwards: no phase shift, the
    effective order is ``2 * corners``, as ObsPy's ``zerophase=True``).
    Traces shorter than SciPy's default pad length ``3 * (2 * n_sections + 1)``
    are padded with ``T - 1`` samples instead.

    Parameters
    ----------
    freqmin, freqmax : float, default=1.0 and 20.0
        Corner frequencies in Hz.
    sampling_rate : float, default=100.0
        Sampling rate of the data in Hz.
    corners : int, default=4
        Filter order, at most 100.
    zerophase : bool, default=True
        Filter forwards and backwards; ``False`` filters causally once.
    time_axis : int, default=-1
        Time axis of ``X``: ``-1`` for ``(n, T)`` and ``(n, C, T)``, ``1`` for
        ``(n, n_time, n_traces)`` gathers such as ``make_shot_gathers``.
    sample_shape : tuple of int or None, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    sample_shape_ : tuple of int
        Shape of one sample seen in :meth:`fit`.

    See Also
    --------
    Highpass, Lowpass : One-sided Butterworth filters.
    sklearn_seismo.augmentation.RandomBandpass : Random band per sample.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177 (section 4: a 1 Hz high-pass as
       test-time augmentation).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.preprocessing import Bandpass
    >>> t = np.arange(2000) / 100.0
    >>> X = np.stack([np.sin(2 * np.pi * 5 * t), np.sin(2 * np.pi * 40 * t)])
    >>> Xf = Bandpass(freqmin=2.0, freqmax=10.0).fit_transform(X)
    >>> np.round(Xf[:, 500:1500].std(axis=1) / X[:, 500:1500].std(axis=1), 2)
    array([1., 0.])
    """

    _parameter_constraints: dict = {
        **_ButterworthFilter._parameter_constraints,
        "freqmin": [Interval(Real, 0, None, closed="neither")],
        "freqmax": [Interval(Real, 0, None, closed="neither")],
    }
    _btype = "bandpass"

    def __init__(
        self,
        freqmin=1.0,
        freqmax=20.0,
        *,
        sampling_rate=100.0,
        corners=4,
        zerophase=True,
        time_axis=-1,
        sample_shape=None,
    ):
        self.freqmin = freqmin
        self.freqmax = freqmax
        self.sampling_rate = sampling_rate
        self.corners = corners
        self.zerophase = zerophase
        self.time_axis = time_axis
        self.sample_shape = sample_shape

    def _corner_frequencies(self):
        return {"freqmin": self.freqmin, "freqmax": self.freqmax}

    def _check_signal(self, n_times):
        super()._check_signal(n_times)
        if self.freqmin >= self.freqmax:
            raise ValueError(
                f"freqmin={self.freqmin} must be below freqmax={self.freqmax}."
            )


class Highpass(_ButterworthFilter):
    """Butterworth high-pass filter, zero-phase by default.

    See :class:`Bandpass` for the filter and the rule for short traces.

    Parameters
    ----------
    freq : float, default=1.0
        Corner frequency in Hz.
    sampling_rate : float, default=100.0
        Sampling rate of the data in Hz.
    corners : int, default=4
        Filter order, at most 100.
    zerophase : bool, default=True
        Filter forwards and backwards; ``False`` filters causally once.
    time_axis : int, default=-1
        Time axis of ``X`` (``1`` for ``(n, n_time, n_traces)`` gathers).
    sample_shape : tuple of int or None, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    sample_shape_ : tuple of int
        Shape of one sample seen in :meth:`fit`.

    See Also
    --------
    Bandpass, Lowpass : Other Butterworth filters.
    sklearn_seismo.ensemble.TestTimeAugmentationClassifier : Uses a high-pass
        as test-time augmentation.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177 (section 4: a 1 Hz high-pass as
       test-time augmentation).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.preprocessing import Highpass
    >>> X = np.ones((1, 500)) + np.sin(np.arange(500) * 2 * np.pi * 0.2)
    >>> Xf = Highpass(freq=1.0).fit_transform(X)
    >>> bool(abs(Xf[0, 100:400].mean()) < 1e-2)
    True
    """

    _parameter_constraints: dict = {
        **_ButterworthFilter._parameter_constraints,
        "freq": [Interval(Real, 0, None, closed="neither")],
    }
    _btype = "highpass"

    def __init__(
        self,
        freq=1.0,
        *,
        sampling_rate=100.0,
        corners=4,
        zerophase=True,
        time_axis=-1,
        sample_shape=None,
    ):
        self.freq = freq
        self.sampling_rate = sampling_rate
        self.corners = corners
        self.zerophase = zerophase
        self.time_axis = time_axis
        self.sample_shape = sample_shape

    def _corner_frequencies(self):
        return {"freq": self.freq}


class Lowpass(_ButterworthFilter):
    """Butterworth low-pass filter, zero-phase by default.

    See :class:`Bandpass` for the filter and the rule for short traces.

    Parameters
    ----------
    freq : float, default=20.0
        Corner frequency in Hz.
    sampling_rate : float, default=100.0
        Sampling rate of the data in Hz.
    corners : int, default=4
        Filter order, at most 100.
    zerophase : bool, default=True
        Filter forwards and backwards; ``False`` filters causally once.
    time_axis : int, default=-1
        Time axis of ``X`` (``1`` for ``(n, n_time, n_traces)`` gathers).
    sample_shape : tuple of int or None, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    sample_shape_ : tuple of int
        Shape of one sample seen in :meth:`fit`.

    See Also
    --------
    Bandpass, Highpass : Other Butterworth filters.
    Resample : Low-pass before down-sampling is built into it.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177 (section 4: a 1 Hz high-pass as
       test-time augmentation).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.preprocessing import Lowpass
    >>> X = np.sin(np.arange(1000) * 2 * np.pi * 0.4)[None]  # 40 Hz at 100 Hz
    >>> bool(Lowpass(freq=5.0).fit_transform(X)[0, 200:800].std() < 1e-3)
    True
    """

    _parameter_constraints: dict = Highpass._parameter_constraints
    _btype = "lowpass"

    def __init__(
        self,
        freq=20.0,
        *,
        sampling_rate=100.0,
        corners=4,
        zerophase=True,
        time_axis=-1,
        sample_shape=None,
    ):
        self.freq = freq
        self.sampling_rate = sampling_rate
        self.corners = corners
        self.zerophase = zerophase
        self.time_axis = time_axis
        self.sample_shape = sample_shape

    def _corner_frequencies(self):
        return {"freq": self.freq}
