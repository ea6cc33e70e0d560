"""Artefact statistics of seismic samples: crest factor, trace kurtosis, quiet share.

One rule for two callers: :class:`~sklearn_seismo.over_sampling.GlowOversampler`
rejects decoded samples whose statistics leave the class's range, and
:func:`sklearn_seismo.metrics.artefact_statistics` reports them for any
generated samples. Both compute the moments here; they differ only in what
they call a dead trace and a silent sample, which are parameters. The quiet
share (gaps and dead traces a generator may fill in) is reported by the
metrics; the oversampler's ``quiet_level`` option uses the quiet mask to
carry a parent's gaps into its synthetic samples (the acceptance test does
not use it).

The callers pass their arrays in their own memory layout and name the time
axis: reducing along another layout changes the floating-point summation
order, so the values would no longer be the same to the last bit.
"""

import numpy as np

__all__ = ["crest_factor", "quiet_fraction", "quiet_mask", "trace_kurtosis"]

DEAD_TRACE_RULES = ("trace", "sample")


def crest_factor(X, *, silent=0.0):
    """Crest factor ``max |x| / RMS(x)`` of each sample (all axes but 0).

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        Samples, any layout (the statistic is over each whole sample).
    silent : float or None, default=0.0
        Value where the RMS is 0 (a silent sample, or one whose squares
        underflow). ``None`` keeps the IEEE quotient there: NaN for a silent
        sample, inf when only the squares underflow.

    Returns
    -------
    crest : ndarray of shape (n_samples,)
        In float64.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.utils._artefacts import crest_factor
    >>> crest_factor(np.array([[1.0, -1.0], [0.0, 0.0], [4.0, 0.0]]))
    array([1.        , 0.        , 1.41421356])
    """
    flat = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    with np.errstate(all="ignore"):
        rms = np.sqrt(np.mean(flat**2, axis=1))
        peak = np.max(np.abs(flat), axis=1)
        if silent is None:
            return peak / rms
        return np.divide(peak, rms, out=np.full_like(rms, silent), where=rms > 0)


def quiet_mask(X, *, level=0.01):
    """Where each sample's values are at or below ``level`` times its RMS.

    Gaps, dead traces and dead channels are runs of (near) zeros. A silent
    sample is quiet everywhere.

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        Samples, any layout (the RMS is over each whole sample).
    level : float, default=0.01
        Threshold relative to the sample's RMS (0.01 is -40 dB).

    Returns
    -------
    mask : ndarray of bool, of the shape of ``X``

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.utils._artefacts import quiet_mask
    >>> quiet_mask(np.array([[1.0, -1.0, 0.0, 0.005]]))
    array([[False, False,  True,  True]])
    """
    X = np.asarray(X)
    flat = np.abs(X.astype(np.float64, copy=False).reshape(len(X), -1))
    rms = np.sqrt(np.mean(flat**2, axis=1, keepdims=True))
    return (flat <= level * rms).reshape(X.shape)


def quiet_fraction(X, *, level=0.01):
    """Share of each sample's values at or below ``level`` times its RMS.

    Gaps, dead traces and dead channels are runs of (near) zeros, so a fault
    sample has a large quiet share; a generator that fills them with noise
    lowers it. A silent sample is quiet everywhere (1.0).

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        Samples, any layout (the statistic is over each whole sample).
    level : float, default=0.01
        Threshold relative to the sample's RMS (0.01 is -40 dB).

    Returns
    -------
    fraction : ndarray of shape (n_samples,)
        In float64, between 0 and 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.utils._artefacts import quiet_fraction
    >>> quiet_fraction(np.array([[1.0, -1.0, 0.0, 0.0], [1.0, 2.0, -1.0, 0.5]]))
    array([0.5, 0. ])
    """
    return np.mean(quiet_mask(X, level=level).reshape(len(X), -1), axis=1)


def trace_kurtosis(X, axis, *, dead="trace"):
    """Pearson kurtosis ``m4 / m2**2`` of every trace along ``axis``.

    ``m2`` and ``m4`` are the central moments of the trace (3 for Gaussian
    noise, larger for spiky traces). A dead trace gets 0 instead of the
    meaningless ratio of two round-off values.

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        Samples; every index of the other non-sample axes is a trace.
    axis : int
        Time axis of ``X`` (axis 0 indexes the samples), already resolved.
    dead : {"trace", "sample"}, default="trace"
        When a trace counts as dead (constant):

        * ``"trace"``: its variance is at round-off level of its own peak,
          ``m2 <= (1e-12 * max |x|)**2`` (a constant trace of any level);
        * ``"sample"``: its variance is below ``1e-12`` of the whole sample's
          mean power, ``m2 <= 1e-12 * RMS**2`` (a trace with no signal at
          the sample's scale, as GlowOversampler's acceptance test wants).

    Returns
    -------
    kurtosis : ndarray
        ``X``'s shape without ``axis``, in float64; 0 for dead traces.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.utils._artefacts import trace_kurtosis
    >>> X = np.zeros((1, 2, 64))
    >>> X[0, 0, 10] = 5.0  # a single spike; trace 1 is dead
    >>> trace_kurtosis(X, axis=2).round(1)
    array([[62.,  0.]])
    """
    if dead not in DEAD_TRACE_RULES:
        raise ValueError(f"dead must be one of {DEAD_TRACE_RULES}, got {dead!r}.")
    X = np.asarray(X, dtype=np.float64)
    with np.errstate(all="ignore"):
        centred = X - X.mean(axis=axis, keepdims=True)
        m2 = np.mean(centred**2, axis=axis)
        m4 = np.mean(centred**4, axis=axis)
        if dead == "trace":
            scale = np.maximum(np.abs(X).max(axis=axis), np.finfo(np.float64).tiny)
            live = m2 > (1e-12 * scale) ** 2
        else:
            rms = np.sqrt(np.mean(X.reshape(len(X), -1) ** 2, axis=1))
            power = np.maximum(rms**2, 1e-300).reshape(-1, *([1] * (m2.ndim - 1)))
            live = m2 > 1e-12 * power
        return np.divide(m4, m2**2, out=np.zeros_like(m2), where=live)
