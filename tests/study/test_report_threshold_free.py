"""AP, Brier score, precision-recall and reliability in the study report."""

import csv
import math

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.metrics import average_precision_score, brier_score_loss

from sklearn_seismo.metrics import fold_scores
from sklearn_seismo.study import run_study, write_report
from sklearn_seismo.study._parallel import fit_and_score

from ._helpers import ProbaFlat, tiny_classifier, tiny_data


class NoProba(ProbaFlat):
    predict_proba = property()  # hasattr(est, "predict_proba") is False


def _data():
    rng = np.random.default_rng(0)
    y = np.array(["good"] * 40 + ["medium"] * 24 + ["bad"] * 16)
    X = rng.normal(size=(80, 4, 4)) + 0.6 * (y == "bad")[:, None, None]
    return X, y


@pytest.fixture(scope="module")
def study():
    X, y = _data()
    return run_study(
        X,
        y,
        arms=("none", "random", "class_weight"),
        cv=3,
        n_synthetic=10,
        classifier=ProbaFlat(),
        verbose=0,
    )


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_fold_rows_hold_ap_brier_and_the_probabilities(study):
    for row in study.scores:
        assert row["rare_true"].dtype == bool
        assert len(row["rare_proba"]) == len(row["rare_true"]) == row["n_test"]
        assert row["average_precision_bad"] == average_precision_score(
            row["rare_true"], row["rare_proba"]
        )
        assert row["brier_bad"] == brier_score_loss(row["rare_true"], row["rare_proba"])
    summary = {s["arm"]: s for s in study.summary}
    aps = [r["average_precision_bad"] for r in study.scores if r["arm"] == "none"]
    assert summary["none"]["average_precision_bad_mean"] == pytest.approx(np.mean(aps))


def test_report_has_ap_columns_curves_and_the_stored_probabilities(study, tmp_path):
    paths = write_report(study, tmp_path)
    for name in ("precision_recall.png", "reliability.png", "probabilities.npz"):
        assert name in paths
    for name in ("precision_recall.png", "reliability.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (tmp_path / "report.md").read_text()
    headline = md.split("## Headline")[1].split("## Tables")[0]
    assert "| AP bad |" in headline and "| Brier bad |" in headline
    assert "## Threshold-free and calibration scores of `bad`" in md
    assert "Δ AP vs none (p)" in md
    assert "![precision-recall](precision_recall.png)" in md
    # the CSV files hold the scores, never the per-sample arrays
    scores = _read(tmp_path / "scores.csv")
    assert "rare_proba" not in scores[0] and "rare_true" not in scores[0]
    assert "average_precision_bad_mean" in _read(tmp_path / "summary.csv")[0]
    # AP and Brier of scores.csv are sklearn's on the stored probabilities
    stored = np.load(tmp_path / "probabilities.npz")
    assert stored["rare_class"].item() == "bad"
    assert len(scores) == len(study.scores) == 9
    for row in scores:
        mask = (stored["arm"] == row["arm"]) & (stored["fold"] == int(row["fold"]))
        assert mask.sum() == int(row["n_test"])
        y_true, p = stored["rare_true"][mask], stored["rare_proba"][mask]
        assert float(row["average_precision_bad"]) == average_precision_score(y_true, p)
        assert float(row["brier_bad"]) == brier_score_loss(y_true, p)


def test_two_reports_of_one_result_are_byte_identical(study, tmp_path):
    # the study's reproducibility test compares the files of two runs byte by
    # byte: the new files must not carry a date
    write_report(study, tmp_path / "a")
    write_report(study, tmp_path / "b")
    for name in ("probabilities.npz", "precision_recall.png", "reliability.png"):
        assert (tmp_path / "a" / name).read_bytes() == (
            tmp_path / "b" / name
        ).read_bytes(), name


def test_a_classifier_without_predict_proba_keeps_the_old_report(tmp_path):
    X, y = _data()
    res = run_study(
        X, y, arms=("none", "random"), cv=2, classifier=NoProba(), verbose=0
    )
    assert all(math.isnan(r["average_precision_bad"]) for r in res.scores)
    assert not any("rare_proba" in r for r in res.scores)
    paths = write_report(res, tmp_path)
    assert "precision_recall.png" not in paths and "probabilities.npz" not in paths
    md = (tmp_path / "report.md").read_text()
    assert "AP bad" not in md and "Threshold-free" not in md


def test_fit_and_score_takes_the_labels_from_one_forward_pass(monkeypatch):
    from sklearn_seismo.neural import MiniceptionClassifier

    X, y = tiny_data(40)
    Xf = X.reshape(len(X), -1)
    pipe = Pipeline(
        [
            ("oversample", "passthrough"),
            ("augment", "passthrough"),
            ("clf", tiny_classifier(sample_shape=X.shape[1:], random_state=0)),
        ]
    )
    train, test = np.arange(0, 40, 2), np.arange(1, 40, 2)
    labels = np.unique(y).tolist()
    calls = []
    original = MiniceptionClassifier.predict_proba

    def counting(self, X):
        calls.append(len(X))
        return original(self, X)

    monkeypatch.setattr(MiniceptionClassifier, "predict_proba", counting)
    row = fit_and_score(
        pipe, Xf, y, train, test, labels=labels, meta={}, on_error="raise"
    )
    assert calls == [len(test)]  # predict_proba once, predict never
    # the labels are those of predict on an identical fit (seeded)
    again = pipe.fit(Xf[train], y[train]).predict(Xf[test])
    expected = fold_scores(y[test], again, labels=labels)
    assert {k: row[k] for k in expected} == expected
    assert np.isfinite(row["average_precision_bad"])


def test_fit_and_score_keeps_a_custom_predict():
    class Shifted(ProbaFlat):
        def predict(self, X):  # not the argmax of predict_proba
            return np.full(len(X), self.classes_[0])

    X, y = _data()
    Xf = X.reshape(len(X), -1)
    train, test = np.arange(0, 80, 2), np.arange(1, 80, 2)
    row = fit_and_score(
        Shifted(), Xf, y, train, test, labels=["bad", "good", "medium"], meta={}
    )
    assert row["recall_bad"] == 1.0 and row["recall_good"] == 0.0
    assert np.isfinite(row["average_precision_bad"])


def test_fit_and_score_rare_class_default_and_explicit():
    X, y = _data()
    Xf = X.reshape(len(X), -1)
    train, test = np.arange(0, 80, 2), np.arange(1, 80, 2)
    kw = dict(labels=["bad", "good", "medium"], meta={})
    default = fit_and_score(ProbaFlat(), Xf, y, train, test, **kw)
    assert "average_precision_bad" in default
    medium = fit_and_score(ProbaFlat(), Xf, y, train, test, rare_class="medium", **kw)
    assert medium["average_precision_medium"] == average_precision_score(
        y[test] == "medium", medium["rare_proba"]
    )
    assert "average_precision_bad" not in medium


def test_a_failed_fit_records_nan_ap_and_brier():
    class Broken(ProbaFlat):
        def fit(self, X, y):
            raise RuntimeError("boom")

    X, y = _data()
    row = fit_and_score(
        Broken(),
        X.reshape(80, -1),
        y,
        np.arange(40),
        np.arange(40, 80),
        labels=["bad", "good", "medium"],
        meta={},
    )
    assert row["error"] == "RuntimeError: boom"
    assert math.isnan(row["average_precision_bad"]) and math.isnan(row["brier_bad"])
    assert "rare_proba" not in row


def test_the_suite_section_ranks_average_precision_next_to_f1(study, tmp_path):
    from sklearn.utils import Bunch

    from sklearn_seismo.study import rank_arms
    from sklearn_seismo.study._report import suite_threshold_free_section

    X, y = _data()
    other = run_study(
        X[::-1],
        y[::-1],
        arms=("none", "random", "class_weight"),
        cv=2,
        n_synthetic=10,
        classifier=ProbaFlat(),
        verbose=0,
    )
    per_dataset = {"a": study, "b": other}
    arms = ["none", "random", "class_weight"]
    result = Bunch(
        per_dataset=per_dataset,
        arms=arms,
        alpha=0.05,
        ranking=rank_arms(per_dataset, arms=arms, metric="f1_minority"),
    )
    paths = {}
    md = "\n".join(suite_threshold_free_section(result, tmp_path, paths))
    assert "## Across data sets: average precision" in md
    assert "**mean rank, AP**" in md and "mean rank, f1_minority" in md
    rows = _read(tmp_path / "ranking_average_precision.csv")
    assert len(rows) == 6
    for row in rows:
        s = {r["arm"]: r for r in per_dataset[row["dataset"]].summary}[row["arm"]]
        assert float(row["score"]) == s["average_precision_bad_mean"]
    assert (tmp_path / "cd_average_precision.png").exists()
    assert set(paths) == {"ranking_average_precision.csv", "cd_average_precision.png"}
    # the AP of "a" in the table is the mean of sklearn's AP over its folds
    ap_none = np.mean(
        [
            average_precision_score(r["rare_true"], r["rare_proba"])
            for r in study.scores
            if r["arm"] == "none"
        ]
    )
    assert f"| a | {100 * ap_none:.1f} (" in md


def test_the_suite_section_states_ap_tests_when_the_suite_has_them(study):
    from sklearn.utils import Bunch

    from sklearn_seismo.study._report import suite_threshold_free_section

    tests = [
        {
            "arm": "random",
            "reference": "none",
            "metric": "average_precision_bad",
            "n": 3,
            "mean_diff": 0.2,
            "p_holm": 0.001,
        }
    ]
    res = Bunch(**study, tests=tests)
    result = Bunch(per_dataset={"a": res}, arms=list(study.arms), alpha=0.05)
    md = "\n".join(suite_threshold_free_section(result))
    assert "on the minority class's average precision" in md
    assert "- `a`: better than `none`: `random` (+20.0 pp, p=0.001)" in md
