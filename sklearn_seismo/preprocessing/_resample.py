"""Resampling to a target sampling rate or length (polyphase filtering)."""

from fractions import Fraction
from math import gcd
from numbers import Integral, Real

import numpy as np
from scipy import signal
from sklearn.utils._param_validation import Interval

from ._base import _BaseSignalTransformer

__all__ = ["Resample"]

# Polyphase resampling by more than this factor makes the output (and scipy's
# filter) a thousand times the input: a memory bomb, not a seismic use.
_MAX_FACTOR = 1000


class Resample(_BaseSignalTransformer):
    """Resample every trace to a new sampling rate or a new number of samples.

    ``scipy.signal.resample_poly`` (polyphase FIR filtering with an anti-alias
    low-pass). The output has ``ceil(T * up / down)`` samples where
    ``up / down`` is the rate ratio as a fraction (denominator at most 1000);
    with ``target_length`` the ratio is ``target_length / T`` and the output
    has exactly ``target_length`` samples. The ratio is at most 1000 either
    way (a clear error beyond). Halving the rate of a window is the
    "time compression" test-time augmentation of Zhu et al. (2020).

    Parameters
    ----------
    sampling_rate : float, default=100.0
        Sampling rate of the input in Hz.
    target_sampling_rate : float or None, default=None
        Sampling rate of the output in Hz.
    target_length : int or None, default=None
        Number of samples of the output traces. Give exactly one of
        ``target_sampling_rate`` and ``target_length``.
    window : str, tuple or array-like, default=("kaiser", 5.0)
        FIR window, see ``scipy.signal.resample_poly``.
    time_axis : int, default=-1
        Time axis of ``X`` (``1`` for ``(n, n_time, n_traces)`` gathers).
    sample_shape : tuple of int or None, default=None
        Shape of one input sample when ``X`` is passed flattened to 2-D; the
        output is flattened too.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    sample_shape_ : tuple of int
        Shape of one input sample seen in :meth:`fit`.

    See Also
    --------
    sklearn_seismo.augmentation.TimeStretch : Random stretch, same length.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.preprocessing import Resample
    >>> X = np.zeros((2, 3, 3000), dtype=np.float32)
    >>> Resample(sampling_rate=100.0, target_sampling_rate=40.0).fit_transform(X).shape
    (2, 3, 1200)
    >>> Resample(target_length=64).fit_transform(X).shape
    (2, 3, 64)
    """

    _parameter_constraints: dict = {
        **_BaseSignalTransformer._parameter_constraints,
        "sampling_rate": [Interval(Real, 0, None, closed="neither")],
        "target_sampling_rate": [Interval(Real, 0, None, closed="neither"), None],
        "target_length": [Interval(Integral, 1, None, closed="left"), None],
        "window": [str, tuple, "array-like"],
    }

    def __init__(
        self,
        sampling_rate=100.0,
        *,
        target_sampling_rate=None,
        target_length=None,
        window=("kaiser", 5.0),
        time_axis=-1,
        sample_shape=None,
    ):
        self.sampling_rate = sampling_rate
        self.target_sampling_rate = target_sampling_rate
        self.target_length = target_length
        self.window = window
        self.time_axis = time_axis
        self.sample_shape = sample_shape

    def _ratio(self, n_times):
        if (self.target_sampling_rate is None) == (self.target_length is None):
            raise ValueError(
                "Resample needs exactly one of target_sampling_rate (Hz) and "
                f"target_length (samples); got target_sampling_rate="
                f"{self.target_sampling_rate!r}, target_length="
                f"{self.target_length!r}."
            )
        if self.target_length is not None:
            k = gcd(int(self.target_length), int(n_times))
            up, down = int(self.target_length) // k, int(n_times) // k
            name = f"target_length={self.target_length}"
            of = f"the {n_times} input samples"
        else:
            ratio = float(self.target_sampling_rate) / float(self.sampling_rate)
            # an infinite ratio (1e300 Hz from 1e-300 Hz) is past any factor
            ratio = Fraction(min(ratio, 2.0 * _MAX_FACTOR))
            ratio = ratio.limit_denominator(_MAX_FACTOR)
            up, down = ratio.numerator, ratio.denominator
            name = f"target_sampling_rate={self.target_sampling_rate}"
            of = f"sampling_rate={self.sampling_rate}"
        if up < 1 or up > _MAX_FACTOR * down or down > _MAX_FACTOR * up:
            raise ValueError(
                f"{name} is more than {_MAX_FACTOR} times above or below {of}; "
                f"Resample changes the number of samples by at most a factor "
                f"{_MAX_FACTOR}. Pass a closer target (or resample in steps)."
            )
        return up, down

    def _check_signal(self, n_times):
        self._ratio(n_times)

    def _transform_time_last(self, X):
        up, down = self._ratio(X.shape[-1])
        if up == down:
            return X.copy()
        return signal.resample_poly(
            X.astype(np.float64), up, down, axis=-1, window=self.window
        )
