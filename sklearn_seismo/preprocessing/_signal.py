"""Detrending, tapering and amplitude normalisation."""

from numbers import Real

import numpy as np
from scipy import signal
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils import validate_samples
from ..utils._batch import check_batch, resolve_time_axis
from ._base import _BaseSignalTransformer

__all__ = ["Detrend", "Normalize", "Taper"]


class Detrend(_BaseSignalTransformer):
    """Remove the mean or the least-squares line of every trace.

    ``scipy.signal.detrend`` along the time axis.

    Parameters
    ----------
    type : {"linear", "constant"}, default="linear"
        ``"linear"`` removes the best straight line, ``"constant"`` the mean.
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
    Taper : Tapers the ends of traces, usually after detrending.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.preprocessing import Detrend
    >>> X = np.array([[1.0, 2.0, 3.0, 4.0]])
    >>> np.round(Detrend().fit_transform(X), 12) + 0.0
    array([[0., 0., 0., 0.]])
    """

    _parameter_constraints: dict = {
        **_BaseSignalTransformer._parameter_constraints,
        "type": [StrOptions({"linear", "constant"})],
    }

    def __init__(self, type="linear", *, time_axis=-1, sample_shape=None):
        self.type = type
        self.time_axis = time_axis
        self.sample_shape = sample_shape

    def _transform_time_last(self, X):
        return signal.detrend(X.astype(np.float64), axis=-1, type=self.type)


class Taper(_BaseSignalTransformer):
    """Apply a cosine (Tukey) taper to both ends of every trace.

    Each end is tapered over ``max_percentage`` of the trace, as ObsPy's
    ``Trace.taper(max_percentage, type="cosine")``.

    Parameters
    ----------
    max_percentage : float, default=0.05
        Fraction of the trace tapered at each end, in ``[0, 0.5]``; ``0`` is
        the identity.
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
    Detrend : Removes offsets before tapering.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.preprocessing import Taper
    >>> Taper(max_percentage=0.25).fit_transform(np.ones((1, 9)))
    array([[0. , 0.5, 1. , 1. , 1. , 1. , 1. , 0.5, 0. ]])
    """

    _parameter_constraints: dict = {
        **_BaseSignalTransformer._parameter_constraints,
        "max_percentage": [Interval(Real, 0, 0.5, closed="both")],
    }

    def __init__(self, max_percentage=0.05, *, time_axis=-1, sample_shape=None):
        self.max_percentage = max_percentage
        self.time_axis = time_axis
        self.sample_shape = sample_shape

    def _transform_time_last(self, X):
        window = signal.windows.tukey(X.shape[-1], alpha=2 * self.max_percentage)
        return X * window.astype(X.dtype)


class Normalize(_BaseSignalTransformer):
    """Divide every trace (or every sample) by its peak or standard deviation.

    The scale is computed from each input alone, so the transformer stays
    stateless; it is not a fitted attribute. Get it with
    ``transform(X, return_scale=True)`` or :meth:`get_scale` to undo the
    normalisation (``Xt * scale == X``) or to feed amplitudes to a model.
    All-zero traces stay zero (their scale is 0, and they are divided by 1).
    ``"std"`` does not remove the mean: chain :class:`Detrend` first for that.

    Parameters
    ----------
    method : {"peak", "std"}, default="peak"
        ``"peak"``: largest absolute value; ``"std"``: standard deviation.
    per : {"trace", "sample"}, default="trace"
        ``"trace"``: one scale per trace (1-D series along ``time_axis``);
        ``"sample"``: one scale per sample, keeping the amplitude ratios
        between its components or traces.
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
    Detrend : Removes the mean (use before ``method="std"``).

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.preprocessing import Normalize
    >>> X = np.array([[[1.0, -4.0], [0.5, 0.5]]])  # one sample, 2 traces
    >>> Xt, scale = Normalize().fit_transform(X), Normalize().get_scale(X)
    >>> Xt, scale.ravel()
    (array([[[ 0.25, -1.  ],
            [ 1.  ,  1.  ]]]), array([4. , 0.5]))
    >>> Normalize(per="sample").fit_transform(X)[0, 1]
    array([0.125, 0.125])
    """

    _parameter_constraints: dict = {
        **_BaseSignalTransformer._parameter_constraints,
        "method": [StrOptions({"peak", "std"})],
        "per": [StrOptions({"trace", "sample"})],
    }

    def __init__(self, method="peak", *, per="trace", time_axis=-1, sample_shape=None):
        self.method = method
        self.per = per
        self.time_axis = time_axis
        self.sample_shape = sample_shape

    def _scale_nd(self, X):
        """Scales of ``X`` ``(n, *sample_shape)``, broadcastable against it."""
        axis = resolve_time_axis(self.time_axis, X.ndim)
        axes = tuple(range(1, X.ndim)) if self.per == "sample" else (axis,)
        if self.method == "peak":
            return np.abs(X).max(axis=axes, keepdims=True)
        return X.std(axis=axes, keepdims=True, dtype=np.float64).astype(X.dtype)

    def _apply(self, X):
        scale = self._scale_nd(X)
        return X / np.where(scale > 0, scale, 1)

    def transform(self, X, return_scale=False):
        """Normalise ``X``; with ``return_scale=True`` also return the scales.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Samples; never modified.
        return_scale : bool, default=False
            Also return the scale of every trace (or sample).

        Returns
        -------
        Xt : ndarray
            Normalised samples, in the layout of ``X``.
        scale : ndarray
            Only with ``return_scale=True``: see :meth:`get_scale`.
        """
        Xt = super().transform(X)
        if return_scale:
            return Xt, self.get_scale(X)
        return Xt

    def get_scale(self, X):
        """The scale :meth:`transform` divides each trace (or sample) by.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Samples.

        Returns
        -------
        scale : ndarray
            In the n-D layout ``(n_samples, *sample_shape)`` with the time axis
            (``per="trace"``) or every sample axis (``per="sample"``) reduced
            to length 1, so ``Xt_nd * scale`` restores the n-D samples.
        """
        self._validate_params()
        X_nd, _ = validate_samples(self, X, reset=False, sample_shape=self.sample_shape)
        self._check_layout(X_nd.shape)
        return self._scale_nd(check_batch(X_nd))
