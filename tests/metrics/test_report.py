import math
import warnings

import numpy as np
import pytest

from sklearn_seismo.metrics import (
    compare_to_reference,
    fold_scores,
    format_markdown_table,
    format_mean_std,
    paired_comparison,
    per_class_table,
    summarize_folds,
)


def test_fold_scores_match_hand_computed_values():
    y_true = np.array(["good"] * 6 + ["bad"] * 2)
    y_pred = np.array(["good"] * 5 + ["bad"] + ["bad", "good"])
    s = fold_scores(y_true, y_pred, labels=["good", "bad", "medium"])
    # good: tp=5, fp=1, fn=1 ; bad: tp=1, fp=1, fn=1 ; medium: nothing
    assert s["precision_good"] == pytest.approx(5 / 6)
    assert s["recall_good"] == pytest.approx(5 / 6)
    assert s["f1_bad"] == pytest.approx(0.5)
    assert s["support_bad"] == 2 and s["support_medium"] == 0
    assert s["f1_medium"] == 0.0
    assert s["accuracy"] == pytest.approx(6 / 8)
    assert s["f1_macro"] == pytest.approx((5 / 6 + 0.5 + 0.0) / 3)
    assert s["f1_weighted"] == pytest.approx((6 * 5 / 6 + 2 * 0.5) / 8)
    # balanced accuracy and G-mean over the classes present in y_true
    assert s["balanced_accuracy"] == pytest.approx((5 / 6 + 0.5) / 2)
    assert s["gmean"] == pytest.approx(0.0)  # medium has zero recall


def test_fold_scores_silence_only_the_absent_class_warnings(monkeypatch):
    # a class absent from y_true (predicted or only in labels) is what the
    # per-class scores report; scikit-learn's two warnings of it are noise
    y_true = np.array([0, 0, 0, 1])
    y_pred = np.array([0, 2, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = fold_scores(y_true, y_pred, labels=[0, 1, 2])
    assert s["support_2"] == 0 and s["recall_2"] == 0.0
    assert s["balanced_accuracy"] == pytest.approx((2 / 3 + 1) / 2)

    # any other warning of the metrics reaches the user
    import sklearn.metrics

    def loud(y_true, y_pred, **kwargs):
        warnings.warn("something else went wrong", UserWarning)
        return 0.5

    monkeypatch.setattr(sklearn.metrics, "balanced_accuracy_score", loud)
    with pytest.warns(UserWarning, match="something else"):
        assert fold_scores(y_true, y_pred)["balanced_accuracy"] == 0.5


def test_fold_scores_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        fold_scores([0, 1], [0])


def test_summarize_folds_mean_std_and_failed_folds():
    rows = [
        {"arm": "a", "fold": 0, "f1": 0.2, "fit_time": 1.0},
        {"arm": "a", "fold": 1, "f1": 0.4, "fit_time": 3.0},
        {"arm": "a", "fold": 2, "f1": 0.9, "fit_time": 2.0},
        {"arm": "b", "fold": 0, "f1": math.nan, "fit_time": 1.0},
        {"arm": "b", "fold": 1, "f1": 0.5, "fit_time": 1.0},
    ]
    out = summarize_folds(rows)
    assert [r["arm"] for r in out] == ["a", "b"]
    assert "fold_mean" not in out[0]
    assert out[0]["f1_mean"] == pytest.approx(0.5)
    # population std of (0.2, 0.4, 0.9): sqrt(((-.3)**2 + (-.1)**2 + .4**2) / 3)
    assert out[0]["f1_std"] == pytest.approx(math.sqrt(0.26 / 3))
    assert out[0]["fit_time_mean"] == pytest.approx(2.0)
    assert out[1]["f1_mean"] == pytest.approx(0.5) and out[1]["f1_std"] == 0.0


def test_per_class_table_rows_follow_labels():
    rows = [
        {"arm": "none", "fold": 0, "f1_bad": 0.1, "recall_bad": 0.2, "f1_good": 0.8},
        {"arm": "none", "fold": 1, "f1_bad": 0.3, "recall_bad": 0.4, "f1_good": 1.0},
    ]
    t = per_class_table(rows, ["good", "bad"], metrics=("f1",))
    assert [(r["arm"], r["class"]) for r in t] == [("none", "good"), ("none", "bad")]
    assert t[1]["f1_mean"] == pytest.approx(0.2)
    assert t[1]["f1_std"] == pytest.approx(0.1)
    assert t[0]["f1_std"] == pytest.approx(0.1)


def test_paired_comparison_against_hand_computed_wilcoxon():
    # differences 0.1, -0.2, 0.3, 0.4, 0.5 -> ranks 1, 2, 3, 4, 5; W+ = 13, W- = 2.
    # Exact two-sided p = 2 * P(W- <= 2) = 2 * #{subsets of 1..5 with sum <= 2} / 32
    # subsets with sum <= 2: {}, {1}, {2} -> p = 2 * 3 / 32
    a = np.array([0.6, 0.3, 0.8, 0.9, 1.0])
    b = np.array([0.5, 0.5, 0.5, 0.5, 0.5])
    r = paired_comparison(a, b)
    assert r["mean_diff"] == pytest.approx(np.mean(a - b))
    assert r["statistic"] == pytest.approx(2.0)
    assert r["p_value"] == pytest.approx(6 / 32)
    assert (r["n_wins"], r["n_losses"], r["n_ties"]) == (4, 1, 0)
    assert "smallest reachable p-value is 0.0625" in r["note"]


def test_paired_comparison_edge_cases():
    r = paired_comparison([0.5, 0.7, 0.1], [0.5, 0.7, 0.1])
    assert r["p_value"] == 1.0 and r["mean_diff"] == 0.0
    assert "all paired differences are zero" in r["note"]
    r = paired_comparison([0.5], [0.4])
    assert math.isnan(r["p_value"]) and "too few" in r["note"]
    r = paired_comparison([0.5, math.nan, 0.9], [0.4, 0.5, 0.5])
    assert r["n"] == 2 and "1 fold(s)" in r["note"]
    assert r["mean_diff"] == pytest.approx((0.1 + 0.4) / 2)
    with pytest.raises(ValueError, match="same number of folds"):
        paired_comparison([1, 2], [1])


def test_compare_to_reference_pairs_by_fold_key():
    rows = [
        {"arm": "none", "fold": 0, "f1": 0.5},
        {"arm": "none", "fold": 1, "f1": 0.6},
        # listed in another order: pairing must use the fold key, not position
        {"arm": "glow", "fold": 1, "f1": 0.9},
        {"arm": "glow", "fold": 0, "f1": 0.5},
    ]
    (r,) = compare_to_reference(rows, reference="none", metrics=["f1"])
    assert r["arm"] == "glow" and r["reference"] == "none"
    assert r["mean_diff"] == pytest.approx(0.15)
    assert r["n_ties"] == 1 and r["n_wins"] == 1
    assert compare_to_reference(rows, reference="smote", metrics=["f1"]) == []


def test_formatting():
    assert format_mean_std(0.653, 0.0451) == "65.3 ± 4.5"
    assert format_mean_std(0.5, 0.1, scale=1, digits=2) == "0.50 ± 0.10"
    table = format_markdown_table(
        [{"arm": "x", "v": math.nan}, {"arm": "y", "v": 0.5}], ["arm", "v"]
    )
    assert table.splitlines()[2] == "| x | n/a |"
    assert table.splitlines()[3] == "| y | 0.5 |"
