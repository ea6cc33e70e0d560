"""Shared machinery of the deterministic signal transformers."""

from numbers import Integral

from sklearn.base import BaseEstimator, TransformerMixin, _fit_context

from ..utils import restore_layout, validate_samples
from ..utils._batch import (
    SAMPLE_SHAPE_CONSTRAINT,
    apply_time_last,
    check_batch,
    map_chunks,
    resolve_time_axis,
)

__all__ = []


class _BaseSignalTransformer(TransformerMixin, BaseEstimator):
    """Stateless transformer acting on every trace along ``time_axis`` (private).

    Subclasses implement ``_transform_time_last(X)`` on a float array whose
    last axis is time and may override ``_check_signal(n_times)``.
    """

    _parameter_constraints: dict = {
        "time_axis": [Integral],
        "sample_shape": SAMPLE_SHAPE_CONSTRAINT,
    }

    def _check_signal(self, n_times):
        """Raise ``ValueError`` for parameters that do not fit the data."""

    def _check_layout(self, shape):
        axis = resolve_time_axis(self.time_axis, len(shape))
        self._check_signal(shape[axis])

    def _apply(self, X):
        axis = resolve_time_axis(self.time_axis, X.ndim)

        def one_block(block):
            return apply_time_last(self._transform_time_last, block, axis)

        # Block by block: the float64 temporaries of a filter stay bounded
        # whatever the batch size (every trace is transformed on its own).
        return map_chunks(one_block, X, X.dtype)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X``; the transformer keeps no state learned from data.

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
        X_nd, _ = validate_samples(self, X, reset=True, sample_shape=self.sample_shape)
        self._check_layout(X_nd.shape)
        return self

    def transform(self, X):
        """Apply the transformation to every trace of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Samples; never modified.

        Returns
        -------
        Xt : ndarray
            Transformed samples, in the layout (and float dtype) of ``X``.
        """
        self._validate_params()
        X_nd, flat = validate_samples(
            self, X, reset=False, sample_shape=self.sample_shape
        )
        self._check_layout(X_nd.shape)
        return restore_layout(self._apply(X_nd), flat)

    def augment_batch(self, X, rng=None):
        """Batch hook: the deterministic transform of ``X`` (``rng`` is unused).

        Lets deterministic steps sit inside
        :class:`~sklearn_seismo.augmentation.Compose` and the other
        augmentation combinators.

        Parameters
        ----------
        X : ndarray of shape (n_samples, *sample_shape)
            Float batch; never modified.
        rng : numpy.random.Generator or None, default=None
            Ignored.

        Returns
        -------
        Xt : ndarray
            A new array.
        """
        self._validate_params()
        X = check_batch(X)
        self._check_layout(X.shape)
        return self._apply(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
