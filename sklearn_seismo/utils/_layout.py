"""Sample layout: n-D arrays ``(n, *sample_shape)`` or flattened 2-D + ``sample_shape``.

Every estimator of the package accepts both layouts, so that samplers which only
take 2-D input (SMOTE, ADASYN) can sit in the same pipeline as the convolutional
classifiers. The helpers below are the single place where that rule is
implemented.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import validate_data

__all__ = [
    "MAX_WAVEFORM_COMPONENTS",
    "as_samples",
    "check_sample_shape",
    "flatten_samples",
    "is_waveform_shape",
    "restore_layout",
    "validate_samples",
    "warn_if_sample_shape_missing",
]


#: Samples ``(C, T)`` with at most this many rows are read as ``C``-component
#: waveforms (Z, N, E); more rows make an image such as a gather.
MAX_WAVEFORM_COMPONENTS = 3


def is_waveform_shape(sample_shape):
    """Whether a sample shape reads as a waveform rather than an image.

    The layout rule used wherever a layout is guessed from the data: a trace
    ``(T,)`` and a sample ``(C, T)`` of at most
    :data:`MAX_WAVEFORM_COMPONENTS` rows are waveforms (time last); anything
    else (``(n_time, n_traces)`` gathers, ``(C, H, W)`` images) is not.

    Parameters
    ----------
    sample_shape : tuple of int
        Shape of one sample.

    Returns
    -------
    is_waveform : bool

    Examples
    --------
    >>> is_waveform_shape((3, 3000)), is_waveform_shape((64, 64))
    (True, False)
    """
    return len(sample_shape) == 1 or (
        len(sample_shape) == 2 and sample_shape[0] <= MAX_WAVEFORM_COMPONENTS
    )


def check_sample_shape(sample_shape, *, name="sample_shape"):
    """Validate a ``sample_shape`` parameter.

    Parameters
    ----------
    sample_shape : None or tuple of int
        Shape of one sample, e.g. ``(64, 64)`` for a gather or ``(3, 3000)`` for a
        three-component waveform.
    name : str, default="sample_shape"
        Name used in error messages.

    Returns
    -------
    sample_shape : None or tuple of int

    Raises
    ------
    ValueError
        If an entry is not a positive integer: ``(3.5, 64)`` is refused, not
        truncated to ``(3, 64)``.
    TypeError
        If ``sample_shape`` is not a sequence of numbers.

    Examples
    --------
    >>> check_sample_shape([3, 100])
    (3, 100)
    """
    if sample_shape is None:
        return None
    if isinstance(sample_shape, Integral):
        sample_shape = (sample_shape,)
    if isinstance(sample_shape, (str, bytes)):
        # a string iterates into digits: "64" would become (6, 4)
        raise TypeError(
            f"{name} must be None or a tuple of positive ints, got {sample_shape!r}."
        )
    try:
        entries = tuple(sample_shape)
    except TypeError as exc:
        raise TypeError(
            f"{name} must be None or a tuple of positive ints, got {sample_shape!r}."
        ) from exc
    for entry in entries:
        # int() would truncate 3.5 to 3 and read a different sample layout
        if isinstance(entry, Integral) and not isinstance(entry, (bool, np.bool_)):
            continue
        kind = ValueError if isinstance(entry, Real) else TypeError
        raise kind(
            f"{name} must be a tuple of positive ints, got {sample_shape!r}: "
            f"{entry!r} is not an integer. Pass the shape of one sample in "
            "whole numbers, e.g. sample_shape=(3, 3000) for 3-component "
            "waveforms of 3000 points."
        )
    shape = tuple(int(s) for s in entries)
    if len(shape) == 0 or any(s < 1 for s in shape):
        raise ValueError(
            f"{name} must be a non-empty tuple of positive ints, got {sample_shape!r}."
        )
    return shape


def _nd_sample_shape(X_shape, sample_shape):
    """The sample shape of an n-D ``X``, which ``sample_shape`` must not contradict."""
    shape = tuple(X_shape[1:])
    if sample_shape is not None and shape != sample_shape:
        raise ValueError(
            f"X has samples of shape {shape} but sample_shape={sample_shape}. "
            "Pass sample_shape=None for n-D input, or flatten X to 2-D."
        )
    return shape


def _check_n_features(n_features, shape):
    if math.prod(shape) != n_features:
        raise ValueError(
            f"X has {n_features} features per sample but sample_shape={shape} "
            f"needs {math.prod(shape)}. Pass the sample_shape X was flattened "
            "from, or pass X as an array of shape (n_samples, *sample_shape)."
        )


def flatten_samples(X, sample_shape=None):
    """``X`` in the flattened 2-D layout and the shape of one sample.

    The layout rule of :func:`validate_samples` without its estimator checks
    (no dtype conversion, no ``n_features_in_``): for code that hands the same
    data to many estimators and flattens it once.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples, *sample_shape)
    sample_shape : None or tuple of int, default=None
        Shape of one sample when ``X`` is 2-D; ``None`` reads 2-D ``X`` as
        traces.

    Returns
    -------
    X_flat : ndarray of shape (n_samples, n_features)
        A view of ``X`` when possible.
    sample_shape : tuple of int

    Examples
    --------
    >>> import numpy as np
    >>> X_flat, shape = flatten_samples(np.zeros((4, 2, 3)))
    >>> X_flat.shape, shape
    ((4, 6), (2, 3))
    """
    sample_shape = check_sample_shape(sample_shape)
    X = np.asarray(X)
    if X.ndim < 2:
        raise ValueError(
            f"X must have one row per sample (2-D or more), got shape {X.shape}; "
            "pass gathers as (n, n_time, n_traces)."
        )
    if X.ndim > 2:
        shape = _nd_sample_shape(X.shape, sample_shape)
        return X.reshape(len(X), math.prod(shape)), shape
    shape = sample_shape or (X.shape[1],)
    _check_n_features(X.shape[1], shape)
    return X, shape


def validate_samples(
    estimator,
    X,
    y=None,
    *,
    reset,
    sample_shape=None,
    dtype=(np.float64, np.float32),
    min_sample_ndim=1,
    max_sample_ndim=None,
    **check_params,
):
    """Validate ``X`` (and ``y``) and bring ``X`` to ``(n, *sample_shape)``.

    ``X`` is first brought to the flattened 2-D layout and checked with
    :func:`sklearn.utils.validation.validate_data`, so ``n_features_in_`` is
    always ``prod(sample_shape)``, NaN/inf get scikit-learn's usual errors and
    feature-name handling is scikit-learn's. Then it is reshaped to the n-D layout.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted or applied. On ``reset=True`` it gets
        ``n_features_in_`` and ``sample_shape_``.
    X : array-like of shape (n_samples, n_features) or (n_samples, *sample_shape)
        Input samples.
    y : array-like of shape (n_samples,), default=None
        Targets, validated together with ``X`` when given.
    reset : bool
        True in ``fit``; False in ``predict``/``transform``, where the sample
        shape must match the one seen in ``fit``.
    sample_shape : None or tuple of int, default=None
        Shape of one sample when ``X`` is 2-D. ``None`` means the shape is read
        from ``X`` itself (a 2-D ``X`` is then a set of 1-D traces).
    dtype : dtype or tuple of dtypes, default=(np.float64, np.float32)
        Passed to ``validate_data``.
    min_sample_ndim, max_sample_ndim : int, default=1 and None
        Allowed number of dimensions of one sample.
    **check_params : dict
        Passed to ``validate_data`` (e.g. ``ensure_min_samples``).

    Returns
    -------
    X_nd : ndarray of shape (n_samples, *sample_shape)
        May be a view of the caller's data: treat it as read-only.
    y : ndarray or None
        Validated targets, returned only when ``y`` is given.
    flat : bool
        Whether ``X`` came in the flattened 2-D layout with an explicit
        ``sample_shape``; pass it to :func:`restore_layout`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> est = BaseEstimator()
    >>> X = np.zeros((4, 6), dtype=np.float32)
    >>> X_nd, flat = validate_samples(est, X, reset=True, sample_shape=(2, 3))
    >>> X_nd.shape, flat, est.n_features_in_, est.sample_shape_
    ((4, 2, 3), True, 6, (2, 3))
    """
    sample_shape = check_sample_shape(sample_shape)
    X_arr = X
    if not hasattr(X_arr, "shape") or not hasattr(X_arr, "dtype"):
        if not hasattr(X_arr, "iloc"):
            X_arr = np.asarray(X_arr)
    ndim = getattr(X_arr, "ndim", 2)
    flat = False
    if ndim >= 3:
        shape = _nd_sample_shape(X_arr.shape, sample_shape)
        # An explicit width: reshape(n, -1) is ambiguous (and raises) for an
        # empty X, which must reach validate_data to get scikit-learn's error.
        X_arr = np.reshape(X_arr, (X_arr.shape[0], math.prod(shape)))
    elif ndim == 2 and sample_shape is not None:
        shape = sample_shape
        flat = True
    else:
        shape = None  # read from the validated 2-D array below

    if y is None:
        X2 = validate_data(estimator, X_arr, reset=reset, dtype=dtype, **check_params)
    else:
        X2, y = validate_data(
            estimator, X_arr, y, reset=reset, dtype=dtype, **check_params
        )
    if shape is None:
        shape = (X2.shape[1],)
    _check_n_features(X2.shape[1], shape)
    if len(shape) < min_sample_ndim or (
        max_sample_ndim is not None and len(shape) > max_sample_ndim
    ):
        allowed = (
            f"{min_sample_ndim}"
            if max_sample_ndim == min_sample_ndim
            else f"{min_sample_ndim} to {max_sample_ndim or 'any'}"
        )
        raise ValueError(
            f"{type(estimator).__name__} expects samples with {allowed} "
            f"dimensions, got samples of shape {shape}. Reshape X or set "
            "sample_shape."
        )
    if reset:
        estimator.sample_shape_ = shape
    elif hasattr(estimator, "sample_shape_") and shape != estimator.sample_shape_:
        raise ValueError(
            f"X has samples of shape {shape}, but {type(estimator).__name__} was "
            f"fitted on samples of shape {estimator.sample_shape_}."
        )
    X_nd = X2.reshape((X2.shape[0], *shape))
    if y is None:
        return X_nd, flat
    return X_nd, y, flat


def restore_layout(X_nd, flat):
    """Return ``X_nd`` in the layout the caller used.

    Parameters
    ----------
    X_nd : ndarray of shape (n_samples, *sample_shape)
    flat : bool
        As returned by :func:`validate_samples`.

    Returns
    -------
    X : ndarray
        ``X_nd`` flattened to 2-D when ``flat`` else unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> restore_layout(np.zeros((4, 2, 3)), flat=True).shape
    (4, 6)
    """
    if flat:
        return X_nd.reshape(X_nd.shape[0], -1)
    return X_nd


def as_samples(X, sample_shape):
    """``(X_nd, flat)``: ``X`` unflattened if it arrived flattened.

    A sampler's ``_check_X_y`` hook (imbalanced-learn's) returns the
    validated ``X`` in the caller's layout, ``restore_layout(X_nd, flat)``, so
    that ``_fit_resample`` tells the layout from the array alone and nothing
    passes through ``self`` between the two hooks: a 2-D ``X`` for samples of
    more than one dimension is the flattened layout.

    Parameters
    ----------
    X : ndarray of shape (n_samples, *sample_shape) or (n_samples, n_features)
    sample_shape : tuple of int
        The fitted ``sample_shape_``.

    Returns
    -------
    X_nd : ndarray of shape (n_samples, *sample_shape)
    flat : bool
        Whether ``X`` was flattened; give it to :func:`restore_layout`.

    Examples
    --------
    >>> import numpy as np
    >>> X_nd, flat = as_samples(np.zeros((4, 6)), (2, 3))
    >>> X_nd.shape, flat
    ((4, 2, 3), True)
    >>> as_samples(np.zeros((4, 6)), (6,))[1]
    False
    """
    flat = X.ndim == 2 and len(sample_shape) > 1
    return (X.reshape(len(X), *sample_shape) if flat else X), flat


def warn_if_sample_shape_missing(estimator, X, sample_shape, *, model_ndim=None):
    """Warn when a flattened 2-D ``X`` is probably missing its ``sample_shape``.

    Without ``sample_shape`` a 2-D ``X`` is a set of 1-D traces. That is
    rarely meant when the estimator's model is 2-D (a convolutional network
    on images then sees ``1 x n_features`` images), or when the row length is
    a perfect square (gathers flattened for SMOTE and the like). Estimators
    call this before :func:`validate_samples`.

    Parameters
    ----------
    estimator : estimator instance
        Named in the warning.
    X : array-like
        The input as the caller passed it.
    sample_shape : None or tuple of int
        The estimator's ``sample_shape`` parameter; nothing is checked when
        it is set.
    model_ndim : int or None, default=None
        Number of sample dimensions the estimator's model works on (2 for an
        image model). None: warn only for a perfect-square row length.

    Returns
    -------
    warned : bool
        Whether a ``UserWarning`` was issued.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     warn_if_sample_shape_missing(BaseEstimator(), np.zeros((2, 1024)), None)
    True
    >>> "sample_shape=(32, 32)" in str(w[0].message)
    True
    """
    if sample_shape is not None:
        return False
    shape = getattr(X, "shape", None)
    if shape is None:
        # asarray, not np.shape: array-likes may refuse __array_function__
        shape = np.asarray(X).shape
    if len(shape) != 2 or shape[1] < 4:
        return False
    n_features = int(shape[1])
    side = math.isqrt(n_features)
    square = side * side == n_features
    if not (square or (model_ndim is not None and model_ndim >= 2)):
        return False
    name = type(estimator).__name__
    if model_ndim is not None and model_ndim >= 2:
        reading = (
            f"{name} reads each row as a 1 x {n_features} image because "
            "sample_shape is None"
        )
    else:
        reading = f"{name} reads each row as a 1-D trace because sample_shape is None"
    hint = (
        f"sample_shape=(n_time, n_traces), e.g. sample_shape=({side}, {side}), "
        if square
        else "sample_shape=(n_time, n_traces) "
    )
    warnings.warn(
        f"X is 2-D with {n_features} features per row and {reading}. If X was "
        f"flattened from gathers or images, pass {hint}or pass X unflattened as "
        f"(n_samples, *sample_shape); pass sample_shape=(1, {n_features}) or "
        f"({n_features},) to keep this reading and silence the warning.",
        UserWarning,
        stacklevel=3,
    )
    return True
