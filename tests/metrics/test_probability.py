"""Rare-class average precision, Brier score and curves against scikit-learn."""

import math

import numpy as np
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    precision_recall_curve,
)

from sklearn_seismo.metrics import (
    mean_precision_recall_curve,
    pooled_reliability_curve,
    rare_class_average_precision,
    rare_class_brier_score,
)

# hand-made: three classes, the rare one "bad"; ties in the probabilities
Y = np.array(["good", "bad", "medium", "bad", "good", "medium", "bad", "good"])
P_BAD = np.array([0.10, 0.90, 0.40, 0.40, 0.05, 0.70, 0.20, 0.40])


def test_average_precision_is_sklearns_on_the_binarised_labels():
    ours = rare_class_average_precision(Y, P_BAD, rare_class="bad")
    assert ours == average_precision_score(Y == "bad", P_BAD)
    # by hand: ranks 0.9 (bad), 0.7, then a tie of three at 0.4 holding one
    # bad, then 0.2 (bad): 1/3 * (1 + 2/5 + 3/6)
    assert ours == pytest.approx((1 + 2 / 5 + 3 / 6) / 3)


def test_average_precision_of_another_class_and_int_labels():
    y = np.array([0, 1, 2, 1, 0, 2])
    p = np.array([0.2, 0.3, 0.9, 0.1, 0.6, 0.5])
    assert rare_class_average_precision(y, p, rare_class=2) == (
        average_precision_score(y == 2, p)
    )


def test_average_precision_without_the_class_is_nan_and_silent(recwarn):
    assert math.isnan(
        rare_class_average_precision(["a", "a"], [0.2, 0.9], rare_class="b")
    )
    assert not recwarn.list


def test_brier_is_sklearns_on_the_binarised_labels():
    ours = rare_class_brier_score(Y, P_BAD, rare_class="bad")
    assert ours == brier_score_loss(Y == "bad", P_BAD)
    by_hand = np.mean((P_BAD - (Y == "bad")) ** 2)
    assert ours == pytest.approx(by_hand)


def test_brier_without_the_class_scores_against_zero():
    assert rare_class_brier_score(["a", "a"], [0.0, 0.5], rare_class="b") == 0.125


@pytest.mark.parametrize(
    "y_prob, match",
    [
        (np.full((8, 2), 0.5), "1-D"),
        (P_BAD[:5], "same length"),
        (P_BAD * 3, r"\[0, 1\]"),
        (np.where(P_BAD > 0.5, np.nan, P_BAD), r"\[0, 1\]"),
    ],
)
def test_bad_probabilities_name_the_fix(y_prob, match):
    with pytest.raises(ValueError, match=match):
        rare_class_average_precision(Y, y_prob, rare_class="bad")


def test_inputs_are_not_modified():
    y, p = Y.copy(), P_BAD.copy()
    rare_class_average_precision(y, p, rare_class="bad")
    rare_class_brier_score(y, p, rare_class="bad")
    mean_precision_recall_curve([(y, p)], rare_class="bad")
    pooled_reliability_curve([(y, p)], rare_class="bad")
    np.testing.assert_array_equal(y, Y)
    np.testing.assert_array_equal(p, P_BAD)


def test_mean_curve_of_one_fold_steps_through_sklearns_points():
    curve = mean_precision_recall_curve([(Y, P_BAD)], rare_class="bad", n_points=7)
    precision, recall, _ = precision_recall_curve(Y == "bad", P_BAD)
    # at a recall the fold reaches exactly, the highest precision with it
    for r in np.unique(recall):
        on_grid = np.isclose(curve.recall, r)
        if on_grid.any():
            assert curve.precision[on_grid][0] == precision[recall == r].max()
    # between points: the precision of the next point up (AP's step rule)
    assert curve.recall[1] == pytest.approx(1 / 6)
    assert curve.precision[1] == 1.0  # recall 1/6 is first reached at p=0.9
    assert curve.precision[3] == pytest.approx(2 / 5)  # recall 1/2 -> the tie
    assert curve.average_precision == [average_precision_score(Y == "bad", P_BAD)]
    assert curve.prevalence == pytest.approx(3 / 8)
    assert curve.n_folds == 1


def test_mean_curve_area_is_close_to_the_mean_average_precision():
    rng = np.random.default_rng(0)
    folds = []
    for _ in range(3):
        y = np.where(rng.random(400) < 0.1, "bad", "good")
        p = np.clip(0.3 * (y == "bad") + rng.random(400) * 0.7, 0, 1)
        folds.append((y, p))
    curve = mean_precision_recall_curve(folds, rare_class="bad", n_points=20001)
    area = np.sum(np.diff(curve.recall) * curve.precision[1:])
    expected = [average_precision_score(y == "bad", p) for y, p in folds]
    assert curve.average_precision == expected
    assert area == pytest.approx(np.mean(expected), abs=2e-3)
    singles = [
        mean_precision_recall_curve([f], rare_class="bad", n_points=101).precision
        for f in folds
    ]
    again = mean_precision_recall_curve(folds, rare_class="bad", n_points=101)
    np.testing.assert_allclose(again.precision, np.mean(singles, axis=0))
    np.testing.assert_allclose(again.precision_std, np.std(singles, axis=0))


def test_mean_curve_skips_a_fold_without_the_class():
    folds = [(Y, P_BAD), (np.array(["good", "good"]), np.array([0.3, 0.6]))]
    curve = mean_precision_recall_curve(folds, rare_class="bad")
    assert curve.n_folds == 1
    none = mean_precision_recall_curve(folds[1:], rare_class="bad")
    assert none.n_folds == 0 and np.isnan(none.precision).all()


@pytest.mark.parametrize("folds", [[], [(Y,)], [(Y, P_BAD, Y)]])
def test_curves_need_pairs(folds):
    with pytest.raises(ValueError, match="pairs"):
        mean_precision_recall_curve(folds, rare_class="bad")
    with pytest.raises(ValueError, match="pairs"):
        pooled_reliability_curve(folds, rare_class="bad")


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_reliability_is_sklearns_calibration_curve_on_pooled_folds(strategy):
    rng = np.random.default_rng(1)
    y2 = np.where(rng.random(50) < 0.3, "bad", "good")
    p2 = rng.random(50)
    curve = pooled_reliability_curve(
        [(Y, P_BAD), (y2, p2)], rare_class="bad", n_bins=4, strategy=strategy
    )
    pos = np.concatenate([Y == "bad", y2 == "bad"])
    prob = np.concatenate([P_BAD, p2])
    prob_true, prob_pred = calibration_curve(pos, prob, n_bins=4, strategy=strategy)
    np.testing.assert_array_equal(curve.prob_true, prob_true)
    np.testing.assert_array_equal(curve.prob_pred, prob_pred)
    assert curve.count.sum() == len(pos) and np.all(curve.count > 0)
    assert len(curve.count) == len(prob_true)
    assert curve.brier == brier_score_loss(pos, prob)
