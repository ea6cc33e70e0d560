"""Threshold-free and calibration scores of the rare class.

F1 at the argmax rule mixes two things: how well a model *ranks* rare samples
above the others, and where its decision boundary happens to sit. The rare
class's average precision (the area under its precision-recall curve) scores
the ranking alone, and its Brier score and reliability curve say whether its
predicted probability can be read as a frequency. Every function here takes
the labels of a test set, the predicted probability of one class (a column of
``predict_proba``) and that class, and hands the arithmetic to scikit-learn
(:func:`~sklearn.metrics.average_precision_score`,
:func:`~sklearn.metrics.brier_score_loss`,
:func:`~sklearn.metrics.precision_recall_curve`,
:func:`~sklearn.calibration.calibration_curve`) on ``y_true == rare_class``.
"""

import math

import numpy as np
from sklearn.utils import Bunch

__all__ = [
    "rare_class_average_precision",
    "rare_class_brier_score",
    "mean_precision_recall_curve",
    "pooled_reliability_curve",
]


def _binary(y_true, y_prob, rare_class):
    y_true = np.asarray(y_true)
    y_prob = np.asarray(y_prob, dtype=float)
    if y_prob.ndim != 1:
        raise ValueError(
            f"y_prob must be 1-D (the probability of the rare class), got shape "
            f"{y_prob.shape}; pass one column of predict_proba, e.g. "
            "proba[:, list(clf.classes_).index(rare_class)]."
        )
    if y_true.ndim != 1 or len(y_true) != len(y_prob):
        raise ValueError(
            "y_true and y_prob must be 1-D arrays of the same length, got shapes "
            f"{y_true.shape} and {y_prob.shape}; pass one label and one "
            "probability per test sample."
        )
    if not np.all(np.isfinite(y_prob)) or np.any((y_prob < 0) | (y_prob > 1)):
        raise ValueError(
            "y_prob must hold probabilities in [0, 1]; pass a column of "
            "predict_proba, not of decision_function."
        )
    return y_true == rare_class, y_prob


def rare_class_average_precision(y_true, y_prob, *, rare_class):
    """Average precision of one class against all others (threshold-free).

    The area under the rare class's precision-recall curve, as
    :func:`sklearn.metrics.average_precision_score` computes it (a step sum,
    no interpolation). Unlike F1 it does not depend on a decision threshold:
    it scores how well the probability ranks the rare samples first. A model
    that ranks at random scores the rare class's share of ``y_true``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels (any classes).
    y_prob : array-like of shape (n_samples,)
        Predicted probability of ``rare_class`` (a column of ``predict_proba``).
    rare_class : label
        The class scored; every other class is the negative class.

    Returns
    -------
    ap : float
        In [0, 1]; NaN when ``y_true`` holds no ``rare_class`` sample (the
        score is undefined; scikit-learn would warn and return 0).

    See Also
    --------
    sklearn.metrics.average_precision_score
    mean_precision_recall_curve : the curve over several test sets.

    Examples
    --------
    >>> y = ["good", "bad", "good", "bad", "medium"]
    >>> p_bad = [0.1, 0.8, 0.4, 0.35, 0.2]
    >>> round(rare_class_average_precision(y, p_bad, rare_class="bad"), 4)
    0.8333
    >>> rare_class_average_precision(["good", "good"], [0.1, 0.2], rare_class="bad")
    nan
    """
    from sklearn.metrics import average_precision_score

    pos, prob = _binary(y_true, y_prob, rare_class)
    if not pos.any():
        return math.nan
    return float(average_precision_score(pos, prob))


def rare_class_brier_score(y_true, y_prob, *, rare_class):
    """Brier score of the probability of one class (lower is better).

    The mean squared difference between the predicted probability of
    ``rare_class`` and the indicator ``y_true == rare_class``
    (:func:`sklearn.metrics.brier_score_loss`). 0 is perfect; always
    predicting the class's share ``q`` scores ``q (1 - q)``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels (any classes).
    y_prob : array-like of shape (n_samples,)
        Predicted probability of ``rare_class``.
    rare_class : label
        The class scored.

    Returns
    -------
    brier : float
        In [0, 1].

    See Also
    --------
    sklearn.metrics.brier_score_loss
    pooled_reliability_curve : where the probabilities are too high or too low.

    Examples
    --------
    >>> y = ["good", "bad", "good", "bad"]
    >>> rare_class_brier_score(y, [0.0, 1.0, 0.5, 0.5], rare_class="bad")
    0.125
    """
    from sklearn.metrics import brier_score_loss

    pos, prob = _binary(y_true, y_prob, rare_class)
    # labels: a test set without the class is still scored (against 0)
    return float(brier_score_loss(pos, prob, labels=[False, True]))


def _check_folds(folds):
    folds = [tuple(f) for f in folds]
    if not folds or any(len(f) != 2 for f in folds):
        raise ValueError(
            "folds must be a non-empty sequence of (y_true, y_prob) pairs, one "
            "per test set."
        )
    return folds


def mean_precision_recall_curve(folds, *, rare_class, n_points=101):
    """Precision-recall curve of one class, averaged over test sets.

    Each test set's curve (:func:`sklearn.metrics.precision_recall_curve`) is
    read at a common grid of recall values with the step rule of average
    precision: the precision at recall ``r`` is that of the highest threshold
    whose recall reaches ``r``. The curves are then averaged point by point
    ("vertical" averaging), so the area under the mean curve is close to the
    mean of the test sets' average precisions, the number the study's tables
    report. Test sets without a ``rare_class`` sample are skipped.

    Parameters
    ----------
    folds : sequence of (y_true, y_prob)
        One pair per test set (fold or holdout set): true labels and the
        predicted probability of ``rare_class``.
    rare_class : label
        The class scored.
    n_points : int, default=101
        Recall grid ``numpy.linspace(0, 1, n_points)``.

    Returns
    -------
    curve : sklearn.utils.Bunch
        ``recall`` (n_points,), ``precision`` (mean over test sets),
        ``precision_std`` (population std over test sets),
        ``average_precision`` (per test set, as
        :func:`rare_class_average_precision`), ``n_folds`` (test sets used)
        and ``prevalence`` (mean share of the class: the precision of a
        random ranking).

    Examples
    --------
    >>> folds = [(["a", "b", "a", "b"], [0.9, 0.8, 0.3, 0.1]),
    ...          (["a", "b", "b", "b"], [0.7, 0.2, 0.6, 0.1])]
    >>> c = mean_precision_recall_curve(folds, rare_class="a", n_points=5)
    >>> c.recall.tolist(), c.precision.round(3).tolist()
    ([0.0, 0.25, 0.5, 0.75, 1.0], [1.0, 1.0, 1.0, 0.833, 0.833])
    >>> [round(ap, 3) for ap in c.average_precision], c.n_folds
    ([0.833, 1.0], 2)
    """
    from sklearn.metrics import precision_recall_curve

    if int(n_points) < 2:
        raise ValueError(f"n_points must be at least 2, got {n_points}.")
    grid = np.linspace(0.0, 1.0, int(n_points))
    curves, aps, shares = [], [], []
    for y_true, y_prob in _check_folds(folds):
        pos, prob = _binary(y_true, y_prob, rare_class)
        if not pos.any():
            continue
        precision, recall, _ = precision_recall_curve(pos, prob)
        # sklearn orders by increasing threshold (decreasing recall); reversed,
        # the first point reaching a recall is its highest threshold
        precision, recall = precision[::-1], recall[::-1]
        idx = np.searchsorted(recall, grid, side="left")
        curves.append(precision[np.minimum(idx, len(recall) - 1)])
        aps.append(rare_class_average_precision(y_true, y_prob, rare_class=rare_class))
        shares.append(float(pos.mean()))
    if not curves:
        nan = np.full_like(grid, np.nan)
        return Bunch(
            recall=grid,
            precision=nan,
            precision_std=nan.copy(),
            average_precision=[],
            n_folds=0,
            prevalence=math.nan,
        )
    curves = np.array(curves)
    return Bunch(
        recall=grid,
        precision=curves.mean(axis=0),
        precision_std=curves.std(axis=0),
        average_precision=aps,
        n_folds=len(curves),
        prevalence=float(np.mean(shares)),
    )


def pooled_reliability_curve(folds, *, rare_class, n_bins=10, strategy="uniform"):
    """Reliability (calibration) curve of one class, pooled over test sets.

    The test sets' predictions are concatenated, binned by predicted
    probability of ``rare_class``, and each bin's mean predicted probability
    is set against the observed share of the class
    (:func:`sklearn.calibration.calibration_curve`). Pooled rather than
    averaged because the rare class fills few bins of one test set. A
    calibrated model lies on the diagonal.

    Parameters
    ----------
    folds : sequence of (y_true, y_prob)
        One pair per test set: true labels and the probability of
        ``rare_class``.
    rare_class : label
        The class scored.
    n_bins : int, default=10
        Bins of :func:`~sklearn.calibration.calibration_curve`; empty bins
        are left out.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins or bins of equal counts.

    Returns
    -------
    curve : sklearn.utils.Bunch
        ``prob_pred`` (mean predicted probability per non-empty bin),
        ``prob_true`` (observed share of ``rare_class`` in it), ``count``
        (samples per bin) and ``brier`` (Brier score of the pooled
        predictions, :func:`rare_class_brier_score`).

    Examples
    --------
    >>> folds = [(["a", "b", "b", "b"], [0.9, 0.1, 0.2, 0.7]),
    ...          (["b", "a"], [0.15, 0.8])]
    >>> c = pooled_reliability_curve(folds, rare_class="a", n_bins=2)
    >>> c.prob_pred.round(3).tolist(), c.prob_true.round(3).tolist(), c.count.tolist()
    ([0.15, 0.8], [0.0, 0.667], [3, 3])
    """
    from sklearn.calibration import calibration_curve

    folds = _check_folds(folds)
    pairs = [_binary(y_true, y_prob, rare_class) for y_true, y_prob in folds]
    pos = np.concatenate([p for p, _ in pairs])
    prob = np.concatenate([q for _, q in pairs])
    prob_true, prob_pred = calibration_curve(
        pos, prob, n_bins=int(n_bins), strategy=strategy, pos_label=True
    )
    # the bins calibration_curve kept: the same edges, non-empty ones only
    if strategy == "quantile":
        edges = np.percentile(prob, np.linspace(0, 100, int(n_bins) + 1))
    else:
        edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    count = np.bincount(np.searchsorted(edges[1:-1], prob), minlength=len(edges) - 1)
    return Bunch(
        prob_pred=prob_pred,
        prob_true=prob_true,
        count=count[count > 0],
        brier=rare_class_brier_score(pos, prob, rare_class=True),
    )
