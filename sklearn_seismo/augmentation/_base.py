"""Shared machinery of the random augmenters: validation, random numbers, hook.

Every augmenter only implements ``_augment(X, rng)`` on a validated float array
``(n, *sample_shape)``; this module turns that into a scikit-learn transformer
(``fit``/``transform``) and the batch hook ``augment_batch(X, rng)``.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context

from ..utils import restore_layout, validate_samples
from ..utils._batch import (
    SAMPLE_SHAPE_CONSTRAINT,
    apply_time_last,
    check_batch,
    chunk_slices,
    resolve_time_axis,
)
from ..utils._random import generator_from_random_state

__all__ = []


def _as_generator(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, Integral | np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.RandomState):
        return generator_from_random_state(rng)
    raise TypeError(
        f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
        f"got {type(rng).__name__}."
    )


def _check_range(value, name, *, low=None, high=None, fixed_inf=False):
    """``value`` as a ``(low, high)`` pair; a scalar means a fixed value.

    Both ends must be finite: a uniform draw over an infinite range overflows,
    and an infinite factor makes the output non-finite. ``fixed_inf`` allows
    one documented exception, a fixed ``inf`` (``AddNoise(snr_db=inf)``).
    """
    if isinstance(value, Real):
        pair = (float(value), float(value))
    else:
        try:
            pair = tuple(float(v) for v in value)
        except TypeError as exc:
            raise TypeError(
                f"{name} must be a number or a (low, high) pair, got {value!r}."
            ) from exc
        if len(pair) != 2:
            raise ValueError(
                f"{name} must be a (low, high) pair, got {value!r} of length "
                f"{len(pair)}."
            )
    if np.isnan(pair).any():
        raise ValueError(f"{name} must not contain NaN, got {value!r}.")
    with np.errstate(over="ignore"):
        finite = np.isfinite(pair).all() and np.isfinite(pair[1] - pair[0])
    if not finite and not (fixed_inf and pair == (np.inf, np.inf)):
        raise ValueError(
            f"{name}={value!r} must be finite: a random draw over an infinite "
            f"range overflows. Pass finite (low, high) bounds."
        )
    if pair[0] > pair[1]:
        raise ValueError(
            f"{name}={value!r} is an inverted range: pass (low, high) with "
            f"low <= high, e.g. {name}={(pair[1], pair[0])!r}."
        )
    if low is not None and pair[0] < low:
        raise ValueError(f"{name}={value!r} must be >= {low}; raise its low end.")
    if high is not None and pair[1] > high and not (fixed_inf and pair[0] == np.inf):
        raise ValueError(f"{name}={value!r} must be <= {high}; lower its high end.")
    return pair


def _per_sample(values, ndim):
    """Reshape per-sample values ``(n,)`` to broadcast against an ``ndim``-D batch."""
    return values.reshape((-1,) + (1,) * (ndim - 1))


class _BaseAugmenter(TransformerMixin, BaseEstimator):
    """Base class of the random augmenters (private).

    Subclasses define ``_augment(X, rng)`` returning a new array of the shape and
    dtype of ``X``, and may override ``_check_layout(shape)`` to reject samples
    they cannot handle (e.g. too few channels).
    """

    _parameter_constraints: dict = {
        "sample_shape": SAMPLE_SHAPE_CONSTRAINT,
        "random_state": ["random_state"],
    }

    def _check_layout(self, shape):
        """Raise ``ValueError`` when batches of this ``shape`` are not supported."""

    def _augment(self, X, rng):  # pragma: no cover - abstract
        raise NotImplementedError

    def _validate_X(self, X, *, reset):
        X_nd, flat = validate_samples(
            self, X, reset=reset, sample_shape=self.sample_shape
        )
        self._check_layout(X_nd.shape)
        return X_nd, flat

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Check ``X``; the augmenter keeps no state learned from data.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Samples; 2-D ``X`` with ``sample_shape`` set is unflattened.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._validate_X(X, reset=True)
        return self

    def transform(self, X):
        """Return a randomly augmented copy of ``X`` in the layout it came in.

        Random numbers come from ``check_random_state(self.random_state)``: an
        int ``random_state`` gives the same output on every call.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Samples; never modified.

        Returns
        -------
        X_aug : ndarray of the shape and dtype of ``X``
        """
        self._validate_params()
        X_nd, flat = self._validate_X(X, reset=False)
        rng = generator_from_random_state(self.random_state)
        X_aug = self.augment_batch(X_nd, rng)
        return restore_layout(X_aug, flat)

    def augment_batch(self, X, rng):
        """Augment one batch on the fly (the hook classifiers call every batch).

        Needs no ``fit``; ``random_state`` is ignored, every random number comes
        from ``rng``. The batch is trusted to be finite: use :meth:`transform`
        to validate untrusted input.

        Parameters
        ----------
        X : ndarray of shape (n_samples, *sample_shape)
            Float batch (float32 in the classifiers); never modified.
        rng : numpy.random.Generator
            Source of randomness (an int seed is also accepted).

        Returns
        -------
        X_aug : ndarray of the shape and dtype of ``X``
            A new array.
        """
        self._validate_params()
        X = check_batch(X)
        rng = _as_generator(rng)
        self._check_layout(X.shape)
        if X.shape[0] == 0:
            return X.copy()
        out = self._augment(X, rng)
        return np.asarray(out, dtype=X.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        # Draws depend on the batch (its size and order), so the output for a
        # subset is not the subset of the output.
        tags.non_deterministic = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class _TimeAugmenter(_BaseAugmenter):
    """Augmenters that act along the time axis (``time_axis`` parameter)."""

    _parameter_constraints: dict = {
        **_BaseAugmenter._parameter_constraints,
        "time_axis": [Integral],
    }

    def _check_layout(self, shape):
        resolve_time_axis(self.time_axis, len(shape))

    def _augment(self, X, rng):
        axis = resolve_time_axis(self.time_axis, X.ndim)
        out = apply_time_last(lambda X: self._augment_time_last(X, rng), X, axis)
        return np.ascontiguousarray(out)

    def _augment_time_last(self, X, rng):  # pragma: no cover - abstract
        raise NotImplementedError


def _roll_time(X, shifts, *, fill_zeros=False):
    """Shift every sample of ``X`` (time last) by its own number of samples.

    ``out[i, ..., t] = X[i, ..., t - shifts[i]]``, circularly or with zeros.
    Each block of samples is extended by its first ``T - 1`` time samples and
    every sample reads one window of a sliding-window view of that block: one
    vectorised copy of contiguous rows, no index array of the size of ``X``.
    """
    n, T = X.shape[0], X.shape[-1]
    flat = X.reshape(n, -1, T)
    out = np.empty_like(flat)
    start = (-np.asarray(shifts)) % T
    # a block's doubled copy is about twice its samples
    for sl in chunk_slices(n, 2 * flat[0].size):
        doubled = np.concatenate([flat[sl], flat[sl, :, : T - 1]], axis=-1)
        windows = np.lib.stride_tricks.sliding_window_view(doubled, T, axis=-1)
        out[sl] = windows[np.arange(sl.stop - sl.start), :, start[sl]]
    if fill_zeros:
        src = np.arange(T)[None, :] - np.asarray(shifts)[:, None]
        out *= ((src >= 0) & (src < T)).astype(X.dtype)[:, None, :]
    return out.reshape(X.shape)


_NOISE_BLOCK = 2**20  # random numbers drawn per thread task


def _n_threads():
    try:
        n_cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n_cpus = os.cpu_count() or 1
    return max(1, min(4, n_cpus))


def _standard_normal(rng, shape, dtype):
    """Standard Gaussian array; large ones are filled block by block in threads.

    Drawing Gaussian numbers dominates the cost of noise augmentation and
    NumPy's generators release the GIL while filling an array. Every block
    gets its own generator seeded from ``rng``, so the result depends on
    ``rng`` only, never on the number of threads.
    """
    out = np.empty(shape, dtype=np.float32)
    flat = out.reshape(-1)
    n_blocks = -(-flat.size // _NOISE_BLOCK)
    if n_blocks <= 1:
        rng.standard_normal(out=flat, dtype=np.float32)
        return out.astype(dtype, copy=False)
    seeds = rng.integers(0, 2**63 - 1, size=n_blocks)

    def fill(k):
        block = flat[k * _NOISE_BLOCK : (k + 1) * _NOISE_BLOCK]
        np.random.default_rng(seeds[k]).standard_normal(out=block, dtype=np.float32)

    n_threads = min(_n_threads(), n_blocks)
    if n_threads == 1:
        for k in range(n_blocks):
            fill(k)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            list(pool.map(fill, range(n_blocks)))
    return out.astype(dtype, copy=False)


def _samples_from(value, sampling_rate, name):
    """A duration in samples: seconds when ``sampling_rate`` is set, else samples."""
    if value is None:
        return None
    if sampling_rate is None:
        if float(value) != int(value):
            raise ValueError(
                f"{name}={value!r} is in samples when sampling_rate is None and "
                f"must be an integer; pass sampling_rate to give {name} in seconds."
            )
        return int(value)
    n_samples = float(value) * float(sampling_rate)
    # callers cap it at the window length; 1e300 s at 1e300 Hz is inf
    return int(round(n_samples)) if n_samples < 2**62 else 2**62
