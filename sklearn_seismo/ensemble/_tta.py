"""Test-time augmentation: average predict_proba over deterministic transforms."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted

__all__ = ["TestTimeAugmentationClassifier"]


def _unseeded_random_states(transform):
    """Names of ``random_state`` parameters (nested too) that are not an int."""
    if not hasattr(transform, "get_params"):
        return []
    try:
        params = transform.get_params(deep=True)
    except TypeError:
        params = transform.get_params()
    return sorted(
        name
        for name, value in params.items()
        if (name == "random_state" or name.endswith("__random_state"))
        and not isinstance(value, Integral)
    )


def _is_identity(transform):
    return transform is None or (
        isinstance(transform, str) and transform == "passthrough"
    )


class TestTimeAugmentationClassifier(
    MetaEstimatorMixin, ClassifierMixin, BaseEstimator
):
    """Average a classifier's ``predict_proba`` over deterministic transforms.

    Test-time augmentation as in section 4 of Zhu et al. (2020): the same
    record is presented to the classifier several times, e.g. raw, 1 Hz
    high-passed and time-compressed, and the class probabilities are averaged
    (an ensemble over views of the data). The transforms are for prediction
    only: :meth:`fit` fits a clone of ``estimator`` on the untransformed data.

    The estimator may already be fitted: then :meth:`predict` and
    :meth:`predict_proba` work without calling :meth:`fit` and use it as is.

    Parameters
    ----------
    estimator : classifier
        Classifier with ``predict_proba``, fitted or not.
    transforms : list of transformers or "passthrough"
        Deterministic transformers (e.g. :class:`Highpass`, :class:`Resample`
        followed by zero padding in a pipeline, :class:`Normalize`) whose
        ``transform`` returns data the estimator accepts; ``"passthrough"`` or
        ``None`` is the raw data. A random transformer (one with a
        ``random_state`` parameter, nested ones included) must have an int
        ``random_state``, so that predictions are reproducible; otherwise a
        ValueError is raised. Unfitted transformers are fitted on the
        training data in :meth:`fit` (stateless ones need nothing).

    Attributes
    ----------
    estimator_ : classifier
        Clone of ``estimator`` fitted in :meth:`fit`.
    transforms_ : list
        Fitted clones of ``transforms`` (``None`` for identities).
    classes_ : ndarray of shape (n_classes,)
        Class labels of the (fitted or given) estimator.
    n_features_in_ : int
        Number of features seen by the estimator, when it records it.

    See Also
    --------
    sklearn_seismo.preprocessing.Highpass : The 1 Hz high-pass of the paper's
        Table 3.
    sklearn_seismo.preprocessing.Resample : Time compression (Table 4) when
        combined with padding.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_seismo.ensemble import TestTimeAugmentationClassifier
    >>> from sklearn_seismo.preprocessing import Highpass
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 50)); y = np.repeat([0, 1], 20)
    >>> X[y == 1] += np.sin(np.arange(50) * 2 * np.pi * 0.2)  # 20 Hz at 100 Hz
    >>> tta = TestTimeAugmentationClassifier(
    ...     LogisticRegression(), ["passthrough", Highpass(freq=5.0)]).fit(X, y)
    >>> tta.predict_proba(X[:2]).shape, tta.score(X, y) > 0.9
    ((2, 2), True)
    """

    # not a test class, despite its name
    __test__ = False

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "transforms": [list, tuple],
    }

    def __init__(self, estimator, transforms):
        self.estimator = estimator
        self.transforms = transforms

    def _check_transforms(self):
        transforms = list(self.transforms)
        if not transforms:
            raise ValueError(
                "transforms is empty: pass at least one transformer or "
                "'passthrough' for the raw data."
            )
        for i, t in enumerate(transforms):
            if _is_identity(t):
                continue
            if not hasattr(t, "transform"):
                raise TypeError(
                    "transforms must hold transformers (with transform) or "
                    f"'passthrough', got {t!r}."
                )
            unseeded = _unseeded_random_states(t)
            if unseeded:
                raise ValueError(
                    f"transforms[{i}] ({type(t).__name__}) is random and its "
                    f"{', '.join(unseeded)} is not an int, so predict_proba "
                    "would change from call to call. Pass an int, e.g. "
                    f"{type(t).__name__}(..., random_state=0) (set_params("
                    f"{unseeded[0]}=0) on a pipeline), or use a deterministic "
                    "transform."
                )
        return transforms

    def fit(self, X, y, **fit_params):
        """Fit a clone of ``estimator`` on the untransformed ``X``.

        Parameters
        ----------
        X : array-like
            Training samples, in any layout the estimator accepts.
        y : array-like of shape (n_samples,)
            Labels.
        **fit_params : dict
            Passed to the estimator's ``fit``.

        Returns
        -------
        self : object
        """
        self._validate_params()
        transforms = self._check_transforms()
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        self.transforms_ = [
            None if _is_identity(t) else clone(t).fit(X, y) for t in transforms
        ]
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def _fitted(self):
        if hasattr(self, "estimator_"):
            return self.estimator_, self.transforms_
        try:
            check_is_fitted(self.estimator)
        except NotFittedError as exc:
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted and neither is its "
                "estimator: call fit, or pass a fitted estimator."
            ) from exc
        transforms = [None if _is_identity(t) else t for t in self._check_transforms()]
        return self.estimator, transforms

    def __sklearn_is_fitted__(self):
        try:
            self._fitted()
        except NotFittedError:
            return False
        return True

    @property
    def classes_(self):
        """Class labels, from the fitted or given estimator."""
        return self._fitted()[0].classes_

    def predict_proba(self, X):
        """Class probabilities averaged over the transforms.

        Parameters
        ----------
        X : array-like
            Samples; never modified.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        estimator, transforms = self._fitted()
        total = None
        for t in transforms:
            proba = estimator.predict_proba(X if t is None else t.transform(X))
            total = proba if total is None else total + proba
        return total / len(transforms)

    def predict(self, X):
        """Class with the highest averaged probability.

        Parameters
        ----------
        X : array-like
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
