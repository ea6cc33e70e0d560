"""Deterministic cropping of a time window."""

from numbers import Integral

from sklearn.utils._param_validation import Interval, StrOptions

from ._base import _BaseSignalTransformer

__all__ = ["Crop"]


class Crop(_BaseSignalTransformer):
    """Cut every trace to a window of ``length`` samples.

    With :class:`~sklearn_seismo.augmentation.RandomShift` this gives the
    random shift Zhu et al. (2020, section 3.1) recommend, without zero
    padding: cut windows longer than the model needs (e.g. 90 s), shift them
    at random with ``mode="roll"`` and ``max_shift`` at most the margin, then
    crop the centre; the crop never reaches wrapped or padded samples. Put the
    shift in an :class:`~sklearn_seismo.augmentation.AugmentationSampler` and
    ``Crop`` after it, so test windows are only cropped::

        Pipeline([
            ("aug", AugmentationSampler(RandomShift(max_shift=3000, mode="roll"))),
            ("crop", Crop(3000)),
            ("clf", classifier),
        ])

    Parameters
    ----------
    length : int, default=3000
        Number of time samples kept.
    start : "center" or int, default="center"
        First sample kept; ``"center"`` centres the window (rounding down).
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
    sklearn_seismo.augmentation.RandomShift : Random circular shift.
    Resample : Changes the number of samples by resampling instead.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.preprocessing import Crop
    >>> X = np.arange(10.0)[None]
    >>> Crop(4).fit_transform(X)
    array([[3., 4., 5., 6.]])
    >>> Crop(4, start=0).fit_transform(X)
    array([[0., 1., 2., 3.]])
    """

    _parameter_constraints: dict = {
        **_BaseSignalTransformer._parameter_constraints,
        "length": [Interval(Integral, 1, None, closed="left")],
        "start": [StrOptions({"center"}), Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, length=3000, *, start="center", time_axis=-1, sample_shape=None):
        self.length = length
        self.start = start
        self.time_axis = time_axis
        self.sample_shape = sample_shape

    def _first(self, n_times):
        if self.start == "center":
            return (n_times - self.length) // 2
        return int(self.start)

    def _check_signal(self, n_times):
        first = self._first(n_times)
        if first < 0 or first + self.length > n_times:
            raise ValueError(
                f"Crop(length={self.length}, start={self.start!r}) needs traces of "
                f"at least {max(self.length, first + self.length)} samples, got "
                f"{n_times}. Cut longer windows or lower length/start."
            )

    def _transform_time_last(self, X):
        first = self._first(X.shape[-1])
        return X[..., first : first + self.length].copy()
