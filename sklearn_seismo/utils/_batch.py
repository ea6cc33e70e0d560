"""Batch rules shared by the deterministic and the random transformers.

``preprocessing`` and ``augmentation`` both act on n-D float batches along a
time axis, block by block; the checks and the axis handling live here once so
that neither subpackage depends on the other.
"""

from contextlib import contextmanager
from numbers import Integral

import numpy as np

__all__ = [
    "SAMPLE_SHAPE_CONSTRAINT",
    "apply_time_last",
    "check_batch",
    "chunk_memory",
    "chunk_slices",
    "map_chunks",
    "resolve_time_axis",
]

#: ``_parameter_constraints`` entry of a ``sample_shape`` parameter.
SAMPLE_SHAPE_CONSTRAINT = [None, tuple, list, Integral]

# float64 working set of one block in the per-sample loops: filtering a block
# at a time keeps peak memory near input + output instead of a multiple of the
# batch in float64 temporaries.
_CHUNK_BYTES = 8 * 2**20


def check_batch(X):
    """The batch hook's input check: an n-D float array; never copies a float array.

    Parameters
    ----------
    X : array-like of shape (n_samples, *sample_shape)

    Returns
    -------
    X : ndarray
        ``X`` itself when it is a float array, else a float32 copy.

    Examples
    --------
    >>> check_batch([[1, 2], [3, 4]]).dtype
    dtype('float32')
    """
    X = np.asarray(X)
    if X.ndim < 2:
        raise ValueError(
            f"augment_batch expects an array of shape (n_samples, *sample_shape), "
            f"got shape {X.shape}. Add the sample axis, e.g. X[None]."
        )
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float32)
    return X


def resolve_time_axis(time_axis, ndim, name="time_axis"):
    """Positive index of the time axis of an ``ndim``-D batch (axis 0: samples).

    Parameters
    ----------
    time_axis : int
        Axis counted on the n-D batch; negative values count from the end.
    ndim : int
        Number of dimensions of the batch.
    name : str, default="time_axis"
        Parameter name used in the error message.

    Returns
    -------
    axis : int

    Examples
    --------
    >>> resolve_time_axis(-1, 3)
    2
    """
    axis = time_axis + ndim if time_axis < 0 else time_axis
    if not 1 <= axis < ndim:
        raise ValueError(
            f"{name}={time_axis} is not a time axis of X with {ndim} dimensions "
            "(axis 0 indexes the samples). Use time_axis=-1 for (n, T) and "
            "(n, C, T) waveforms, time_axis=1 for (n, n_time, n_traces) gathers "
            "such as make_shot_gathers."
        )
    return axis


def apply_time_last(func, X, axis):
    """``func`` applied to ``X`` with its time ``axis`` moved last, then moved back.

    Parameters
    ----------
    func : callable
        Takes and returns an array whose last axis is time.
    X : ndarray
    axis : int
        Positive time axis of ``X`` (see :func:`resolve_time_axis`).

    Returns
    -------
    out : ndarray
        ``func``'s output with time back on ``axis`` (a view when moved).

    Examples
    --------
    >>> X = np.zeros((2, 5, 3))
    >>> apply_time_last(lambda a: a[..., :4], X, 1).shape
    (2, 4, 3)
    """
    if axis == X.ndim - 1:
        return func(X)
    return np.moveaxis(func(np.moveaxis(X, axis, -1)), -1, axis)


@contextmanager
def chunk_memory(n_bytes):
    """Set the float64 working set of one block of samples inside a ``with``.

    Filters, resampling, ``TimeStretch`` and ``RandomBandpass`` work on blocks
    of samples of about 8 MiB of float64 each (see :func:`chunk_slices`), so
    that peak memory stays near input + output. Benchmarks and tests compare
    that with other block sizes, or with one block holding the whole batch.
    The setting is process-wide (not per thread) and restored on exit.

    Parameters
    ----------
    n_bytes : int or None
        Bytes of float64 per block; ``None`` makes one block of any batch.

    Examples
    --------
    >>> with chunk_memory(8 * 2 * 100):
    ...     chunk_slices(5, 100)
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    >>> with chunk_memory(None):
    ...     chunk_slices(5, 100)
    [slice(0, 5, None)]
    """
    global _CHUNK_BYTES
    if n_bytes is not None and (
        not isinstance(n_bytes, Integral) or isinstance(n_bytes, bool) or n_bytes < 1
    ):
        raise ValueError(f"n_bytes must be a positive int or None, got {n_bytes!r}.")
    saved = _CHUNK_BYTES
    _CHUNK_BYTES = 2**62 if n_bytes is None else int(n_bytes)
    try:
        yield
    finally:
        _CHUNK_BYTES = saved


def chunk_slices(n, sample_size):
    """Slices over ``n`` samples of ``sample_size`` values, ~8 MiB of float64 each.

    Parameters
    ----------
    n : int
        Number of samples.
    sample_size : int
        Values per sample.

    Returns
    -------
    slices : list of slice

    Examples
    --------
    >>> chunk_slices(3, 2**20)
    [slice(0, 1, None), slice(1, 2, None), slice(2, 3, None)]
    """
    step = max(1, _CHUNK_BYTES // max(1, 8 * int(sample_size)))
    return [slice(b, min(b + step, n)) for b in range(0, n, step)]


def map_chunks(func, X, dtype):
    """``func`` applied to blocks of samples of ``X``, into one ``dtype`` array.

    ``func`` must act on every sample independently; its output per sample may
    have another shape than the input (e.g. cropping), the same for all.

    Parameters
    ----------
    func : callable
        Maps a block ``X[sl]`` to its output block.
    X : ndarray of shape (n_samples, ...)
    dtype : dtype
        dtype of the returned array.

    Returns
    -------
    out : ndarray of shape (n_samples, ...)

    Examples
    --------
    >>> map_chunks(lambda b: 2 * b, np.ones((3, 2)), np.float32)
    array([[2., 2.],
           [2., 2.],
           [2., 2.]], dtype=float32)
    """
    n = X.shape[0]
    out = None
    for sl in chunk_slices(n, X[0].size if n else 1):
        block = func(X[sl])
        if out is None:
            out = np.empty((n, *block.shape[1:]), dtype=dtype)
        out[sl] = block
    if out is None:  # no sample: the output shape of an empty block
        out = np.asarray(func(X), dtype=dtype)
    return out
