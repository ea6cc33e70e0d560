"""Decision-threshold tuning for the rare class of a multiclass classifier."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.metrics import (
    f1_score,
    get_scorer,
    get_scorer_names,
    jaccard_score,
    make_scorer,
    precision_score,
    recall_score,
)
from sklearn.model_selection import StratifiedShuffleSplit, check_cv
from sklearn.utils import _safe_indexing, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import _num_samples, check_is_fitted, indexable

__all__ = ["TunedRareThresholdClassifierCV"]

# Scorer names that mean "this score of the rare class": scikit-learn's
# binary metrics, which otherwise score the label 1 and refuse multiclass y.
_RARE_CLASS_METRICS = {
    "f1": f1_score,
    "precision": precision_score,
    "recall": recall_score,
    "jaccard": jaccard_score,
}

# Fit parameters with these names are an explicit validation set (the
# package's classifiers take ``fit(X, y, X_val=..., y_val=...)``): they are
# passed whole to every fit, never cut by the inner split, even when they
# happen to have as many rows as X.
_UNSPLIT_SUFFIXES = ("X_val", "y_val")


class _FixedPredictions(ClassifierMixin, BaseEstimator):
    """Stand-in classifier that returns given labels and probabilities, so
    that any scikit-learn scorer can judge the labels of one threshold."""

    def __init__(self, classes, y_pred, proba):
        self.classes = classes
        self.y_pred = y_pred
        self.proba = proba

    @property
    def classes_(self):
        return self.classes

    def predict(self, X):
        return self.y_pred

    def predict_proba(self, X):
        return self.proba


def _rare_rule(proba, classes, rare_idx, threshold):
    """The rare class where its probability is at least ``threshold``, else the
    most probable of the other classes."""
    others = np.array(proba, dtype=np.float64, copy=True)
    others[:, rare_idx] = -np.inf
    labels = classes[np.argmax(others, axis=1)]
    return np.where(proba[:, rare_idx] >= threshold, classes[rare_idx], labels)


def _class_index(classes, label, who):
    idx = np.flatnonzero(classes == label)
    if idx.size == 0:
        raise ValueError(
            f"The rare class {label!r} is not among the classes {classes.tolist()} "
            f"of {who}; every training part must contain it. Use a stratified cv "
            "or fewer folds."
        )
    return int(idx[0])


def _slice_params(params, n_samples, indices):
    """Cut the sample-aligned fit parameters (e.g. sample_weight) to a split."""
    out = {}
    for key, value in params.items():
        aligned = (
            not key.endswith(_UNSPLIT_SUFFIXES)
            and hasattr(value, "__len__")
            and not isinstance(value, (str, dict))
            and _num_samples(value) == n_samples
        )
        out[key] = _safe_indexing(value, indices) if aligned else value
    return out


def _curve(classifier, X_val, y_val, rare, scorer, n_thresholds):
    """Scores of the rare rule over thresholds on one validation part.

    Returns ``(scores, thresholds)``, ascending thresholds: as scikit-learn's
    curve scorer, ``n_thresholds`` evenly spaced from the smallest to the
    largest rare-class probability, or the given array.
    """
    classes = classifier.classes_
    rare_idx = _class_index(classes, rare, "a fitted inner estimator")
    proba = np.asarray(classifier.predict_proba(X_val))
    p_rare = proba[:, rare_idx]
    if isinstance(n_thresholds, Integral):
        thresholds = np.linspace(np.min(p_rare), np.max(p_rare), n_thresholds)
    else:
        # ascending, as np.interp needs to average the folds' curves
        thresholds = np.sort(np.asarray(n_thresholds, dtype=np.float64))
    scores = np.empty(len(thresholds))
    for i, t in enumerate(thresholds):
        y_pred = _rare_rule(proba, classes, rare_idx, t)
        scores[i] = scorer(_FixedPredictions(classes, y_pred, proba), X_val, y_val)
    return scores, thresholds


def _fit_and_curve(
    estimator, X, y, fit_params, train, val, rare, scorer, thresholds, keep
):
    """Fit on the training part, score the thresholds on the validation part;
    return the fitted estimator too where ``keep`` (refit=False)."""
    if train is None:  # prefit: score the given estimator on all of X
        return (*_curve(estimator, X, y, rare, scorer, thresholds), None)
    n = _num_samples(X)
    estimator.fit(
        _safe_indexing(X, train),
        _safe_indexing(y, train),
        **_slice_params(fit_params, n, train),
    )
    scores, grid = _curve(
        estimator,
        _safe_indexing(X, val),
        _safe_indexing(y, val),
        rare,
        scorer,
        thresholds,
    )
    return scores, grid, estimator if keep else None


class TunedRareThresholdClassifierCV(
    ClassifierMixin, MetaEstimatorMixin, BaseEstimator
):
    """Tune the decision threshold of the rare class of a classifier.

    Predicts the rare class when its predicted probability is at least
    ``best_threshold_``, otherwise the most probable of the other classes.
    The threshold maximises ``scoring`` on held-out parts of the training
    data: one stratified validation split (float ``cv``) or the folds of an
    inner cross-validation (int or splitter), whose score curves are averaged
    on a common grid of thresholds. The argmax rule of the wrapped
    classifier is the threshold that happens to sit where the classes'
    probabilities cross; on imbalanced data it usually under-predicts the
    rare class, and moving it is the first remedy to try before resampling
    (Elor and Averbuch-Elor, 2022).

    For a binary problem this is scikit-learn's
    :class:`~sklearn.model_selection.TunedThresholdClassifierCV` with
    ``response_method="predict_proba"`` and ``pos_label`` the rare class:
    same splits, same threshold grid, same scores, so the same
    ``best_threshold_`` and predictions. It also handles more than two
    classes, and its default objective is the rare class's F1.

    Parameters
    ----------
    estimator : classifier with ``fit`` and ``predict_proba``
        Cloned and fitted on every inner training part and (``refit=True``)
        on all of the data. With ``cv="prefit"`` it must be fitted already
        and is used as is.
    rare_class : label or None, default=None
        The class whose threshold is tuned. ``None``: the least frequent class
        of ``y`` seen in ``fit`` (the first in sorted order on a tie), kept in
        ``rare_class_``.
    scoring : str or callable, default="f1"
        What the threshold maximises, judged on the predicted labels.
        ``"f1"``, ``"precision"``, ``"recall"`` and ``"jaccard"`` score the
        rare class (rare versus the rest; no warning where it is never
        predicted, the score is then 0). Any other scikit-learn scorer name
        (e.g. ``"balanced_accuracy"``, ``"f1_macro"``,
        ``"matthews_corrcoef"``) or a scorer callable
        ``scorer(estimator, X, y)`` (e.g. from
        :func:`~sklearn.metrics.make_scorer`) scores all classes. A scorer
        that ignores the labels (``"roc_auc"``, ``"average_precision"``)
        gives the same score at every threshold and picks the lowest.
    thresholds : int or array-like, default=100
        The number of thresholds, evenly spaced between the smallest and the
        largest rare-class probability of each validation part (the mean
        score is read on a grid spanning all parts), or the thresholds
        themselves.
    cv : int, float, cross-validation generator, iterable or "prefit", \
            default=None
        ``None``: 5-fold stratified cross-validation; an int: that many
        stratified folds; a float in (0, 1): one stratified validation split
        of that fraction, drawn with ``random_state``; a splitter or an
        iterable of ``(train, validation)`` index pairs; ``"prefit"``: tune
        the already fitted ``estimator`` on the data passed to ``fit``
        (with ``refit=False``; that data must not be the estimator's
        training data, or the threshold is tuned on seen samples).
    refit : bool, default=True
        Refit ``estimator`` on all of the data after tuning. ``False`` (one
        split or ``"prefit"`` only) keeps the classifier fitted on the
        training part (no second fit), so the tuned threshold belongs to the
        very model that predicts.
    n_jobs : int or None, default=None
        Inner fits run in parallel (joblib).
    random_state : int, RandomState instance or None, default=None
        Draws the validation split of a float ``cv``.
    store_cv_results : bool, default=False
        Keep the threshold grid and the mean scores in ``cv_results_``.

    Attributes
    ----------
    estimator_ : classifier
        The fitted classifier whose probabilities ``predict`` thresholds.
    classes_ : ndarray of shape (n_classes,)
        Labels, as ``estimator_.classes_``.
    rare_class_ : label
        The class whose threshold was tuned.
    best_threshold_ : float
        The tuned threshold on the rare class's probability.
    best_score_ : float
        The mean validation score at ``best_threshold_``.
    cv_results_ : dict
        ``{"thresholds": ..., "scores": ...}`` (``store_cv_results=True``
        only).
    n_features_in_ : int
        As ``estimator_.n_features_in_``, where it has one.

    See Also
    --------
    sklearn.model_selection.TunedThresholdClassifierCV : the binary original.

    Notes
    -----
    ``predict_proba`` returns the wrapped classifier's probabilities
    unchanged (threshold-free metrics such as average precision read them);
    ``predict`` applies the tuned threshold, so it is not the argmax of
    ``predict_proba``.

    Fit parameters go to the estimator's ``fit``. Within the inner split,
    arrays with one row per sample (e.g. ``sample_weight``) are cut to the
    training part; parameters named ``X_val`` or ``y_val`` (or ending so,
    e.g. ``clf__X_val`` for a pipeline), the explicit validation set of the
    package's classifiers, are passed whole to every fit.

    References
    ----------
    .. [1] Elor and Averbuch-Elor (2022), "To SMOTE, or not to SMOTE?",
       arXiv:2201.08528.
    .. [2] scikit-learn, ``sklearn.model_selection.TunedThresholdClassifierCV``
       (version 1.5 and later).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_seismo.model_selection import TunedRareThresholdClassifierCV
    >>> X, y = make_classification(
    ...     n_samples=300, n_classes=3, n_informative=4, weights=[0.6, 0.3, 0.1],
    ...     random_state=0,
    ... )
    >>> clf = TunedRareThresholdClassifierCV(LogisticRegression(), cv=3).fit(X, y)
    >>> int(clf.rare_class_)
    2
    >>> bool(0 < clf.best_threshold_ < 1)
    True
    >>> clf.predict(X[:4]).shape
    (4,)
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "rare_class": "no_validation",  # any label of y; checked in fit
        "scoring": [StrOptions(set(get_scorer_names())), callable],
        "thresholds": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "cv": [
            "cv_object",
            StrOptions({"prefit"}),
            Interval(RealNotInt, 0.0, 1.0, closed="neither"),
        ],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "store_cv_results": ["boolean"],
    }

    def __init__(
        self,
        estimator,
        *,
        rare_class=None,
        scoring="f1",
        thresholds=100,
        cv=None,
        refit=True,
        n_jobs=None,
        random_state=None,
        store_cv_results=False,
    ):
        self.estimator = estimator
        self.rare_class = rare_class
        self.scoring = scoring
        self.thresholds = thresholds
        self.cv = cv
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.store_cv_results = store_cv_results

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator).input_tags
        tags.input_tags.sparse = inner.sparse
        tags.input_tags.allow_nan = inner.allow_nan
        tags.input_tags.three_d_array = inner.three_d_array
        return tags

    def fit(self, X, y, **fit_params):
        """Fit the classifier and tune the rare class's threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Training data, in any layout the estimator takes (n-D seismograms
            included).
        y : array-like of shape (n_samples,)
            Class labels, two or more classes.
        **fit_params : dict
            Passed to the estimator's ``fit`` (see Notes).

        Returns
        -------
        self : TunedRareThresholdClassifierCV
        """
        self._validate_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None. Pass the class labels of X."
            )
        X, y = indexable(X, y)
        self._check_not_empty(X)
        y_arr = np.asarray(y)
        check_classification_targets(y_arr)
        y_type = type_of_target(y_arr, input_name="y")
        if y_type not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} needs one label per sample (binary or "
                f"multiclass y), got {y_type} y."
            )
        labels, counts = np.unique(y_arr, return_counts=True)
        if len(labels) < 2:
            raise ValueError(
                f"y has only one class ({labels.tolist()}): a threshold needs at "
                "least 2 classes."
            )
        if self.rare_class is None:
            rare = labels[np.argmin(counts)]
        else:
            rare = self.rare_class
            _class_index(labels, rare, "y")
        self.rare_class_ = rare.item() if isinstance(rare, np.generic) else rare
        scorer = self._make_scorer(len(labels), self.rare_class_)

        if self.cv == "prefit":
            if self.refit:
                raise ValueError(
                    "cv='prefit' tunes an already fitted estimator, so it cannot "
                    "be refit: pass refit=False."
                )
            check_is_fitted(self.estimator, "classes_")
            classifier = self.estimator
            splits = [(None, None)]
        else:
            if isinstance(self.cv, float):
                cv = StratifiedShuffleSplit(
                    n_splits=1, test_size=self.cv, random_state=self.random_state
                )
            else:
                cv = check_cv(self.cv, y_arr, classifier=True)
            splits = list(cv.split(X, y_arr))
            if not self.refit and len(splits) > 1:
                raise ValueError(
                    f"refit=False keeps the classifier of the one training part, "
                    f"but cv has {len(splits)} splits. Pass refit=True, or one "
                    "split (e.g. cv=0.2)."
                )
            classifier = self.estimator

        jobs = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_and_curve)(
                classifier if train is None else clone(classifier),
                X,
                y_arr,
                fit_params,
                train,
                val,
                self.rare_class_,
                scorer,
                self.thresholds,
                not self.refit,
            )
            for train, val in splits
        )
        cv_scores, cv_thresholds, fitted = zip(*jobs)
        if any(np.isclose(t[0], t[-1]) for t in cv_thresholds) and isinstance(
            self.thresholds, Integral
        ):
            given = (
                f", and what the fit parameters {sorted(fit_params)} leave it to "
                "learn (e.g. a sample_weight of 0 on a class)"
                if fit_params
                else ""
            )
            raise ValueError(
                f"The estimator gives the rare class {self.rare_class_!r} the same "
                "probability on every validation sample, so no threshold can "
                "separate them. Check that it learns from X (e.g. more epochs or "
                f"a higher learning rate for a network){given}."
            )
        lo = min(t.min() for t in cv_thresholds)
        hi = max(t.max() for t in cv_thresholds)
        if isinstance(self.thresholds, Integral):
            grid = np.linspace(lo, hi, num=self.thresholds)
        else:
            grid = np.sort(np.asarray(self.thresholds, dtype=np.float64))
        mean_scores = np.mean(
            [np.interp(grid, t, s) for t, s in zip(cv_thresholds, cv_scores)], axis=0
        )
        best = int(np.argmax(mean_scores))
        self.best_threshold_ = float(grid[best])
        self.best_score_ = float(mean_scores[best])
        if self.store_cv_results:
            self.cv_results_ = {"thresholds": grid, "scores": mean_scores}

        if self.cv == "prefit":
            self.estimator_ = self.estimator
        elif self.refit:
            self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        else:
            # the one split's classifier: fitting again on the same part would
            # cost a second fit and, unseeded, give another model than the one
            # the threshold was tuned for
            self.estimator_ = fitted[0]
        self.classes_ = self.estimator_.classes_
        _class_index(self.classes_, self.rare_class_, "the fitted estimator")
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def _check_not_empty(self, X):
        # The wrapped estimator validates X, but the class checks on y come
        # first: an empty X gets scikit-learn's message, not one about y.
        shape = getattr(X, "shape", None)
        n = _num_samples(X)
        if n == 0 or (shape is not None and len(shape) > 1 and 0 in shape[1:]):
            what = "0 sample(s)" if n == 0 else "0 feature(s)"
            shown = tuple(shape) if shape is not None else (n,)
            raise ValueError(
                f"Found array with {what} (shape={shown}) while a minimum of 1 "
                f"is required by {type(self).__name__}."
            )

    def _make_scorer(self, n_classes, rare):
        if callable(self.scoring):
            return self.scoring
        metric = _RARE_CLASS_METRICS.get(self.scoring)
        if metric is None:
            return get_scorer(self.scoring)
        if n_classes == 2:
            return make_scorer(metric, pos_label=rare, zero_division=0.0)
        return make_scorer(metric, labels=[rare], average="macro", zero_division=0.0)

    def predict(self, X):
        """Predict with the tuned threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples, as the estimator takes them.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The rare class where its probability is at least
            ``best_threshold_``, else the most probable other class.
        """
        check_is_fitted(self, "estimator_")
        return self.predict_from_proba(self.estimator_.predict_proba(X))

    def predict_from_proba(self, proba):
        """Apply the tuned rule to probabilities already computed.

        ``predict(X)`` is ``predict_from_proba(predict_proba(X))``: a caller
        that needs both (e.g. threshold-free scores and labels) runs the
        wrapped classifier once.

        Parameters
        ----------
        proba : array-like of shape (n_samples, n_classes)
            Probabilities with columns in the order of ``classes_``, as
            ``predict_proba`` returns them.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The rare class where its probability is at least
            ``best_threshold_``, else the most probable other class.
        """
        check_is_fitted(self, "estimator_")
        proba = np.asarray(proba)
        if proba.ndim != 2 or proba.shape[1] != len(self.classes_):
            raise ValueError(
                f"proba must have shape (n_samples, {len(self.classes_)}) (one "
                f"column per class of classes_), got shape {proba.shape}."
            )
        rare_idx = _class_index(self.classes_, self.rare_class_, "estimator_")
        return _rare_rule(proba, self.classes_, rare_idx, self.best_threshold_)

    def predict_proba(self, X):
        """The wrapped classifier's class probabilities, unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Samples, as the estimator takes them.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)
