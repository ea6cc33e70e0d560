"""Warnings, thread counts, neighbour counts and skipped folds of the study."""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import KFold

from sklearn_seismo.metrics import paired_comparison, summarize_folds
from sklearn_seismo.study import plot_sweep, run_study, write_report
from sklearn_seismo.utils import torch_threads


class WarningClassifier(ClassifierMixin, BaseEstimator):
    """Majority-class stand-in that warns like an undertrained model."""

    def __init__(self, sample_shape=None, class_weight=None, random_state=None):
        self.sample_shape = sample_shape
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X, y):
        warnings.warn("undertrained: 3 decodes redrawn", UserWarning)
        self.dummy_ = DummyClassifier().fit(X, y)
        self.classes_ = self.dummy_.classes_
        return self

    def predict(self, X):
        return self.dummy_.predict(X)


def flat_data(n_minority=12, n=48, seed=0):
    rng = np.random.default_rng(seed)
    y = np.array(["bad"] * n_minority + ["good"] * (n - n_minority))
    X = rng.normal(size=(n, 4, 4)) + (y == "bad")[:, None, None]
    return X, y


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_warnings_of_the_fits_are_collected_not_printed(n_jobs, tmp_path):
    X, y = flat_data()
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        res = run_study(
            X,
            y,
            arms=("none", "class_weight"),
            cv=3,
            n_synthetic=4,
            classifier=WarningClassifier(),
            n_jobs=n_jobs,
            verbose=0,
        )
    assert not [w for w in leaked if "undertrained" in str(w.message)]
    message = "UserWarning: undertrained: 3 decodes redrawn"
    assert res.warnings == {"none": {message: 3}, "class_weight": {message: 3}}
    write_report(res, tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert f"- none: {message} (x3)" in report
    assert "warnings" not in (tmp_path / "scores.csv").read_text().splitlines()[0]


def test_folds_without_minority_test_samples_are_not_averaged(tmp_path):
    X, y = flat_data(n_minority=6)  # unshuffled: the minority sits in fold 0
    res = run_study(
        X,
        y,
        arms=("none",),
        cv=KFold(4),
        n_synthetic=4,
        classifier=WarningClassifier(),
        verbose=0,
    )
    assert [r["fold"] for r in res.skipped_folds] == [1, 2, 3]
    assert [r["fold"] for r in res.scores] == [0]
    assert res.summary[0]["n_folds"] == 1
    write_report(res, tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert "fold 1 not fitted nor averaged: its test part holds no 'bad'" in report


def test_smote_neighbours_are_lowered_to_the_smallest_training_fold(tmp_path):
    X, y = flat_data(n_minority=6)  # 3 minority samples per 2-fold training part
    res = run_study(
        X,
        y,
        arms=("none", "smote", "adasyn"),
        cv=2,
        n_synthetic=4,
        classifier=WarningClassifier(),
        verbose=0,
    )
    assert res.pipelines["smote"].named_steps["oversample"].k_neighbors == 2
    assert res.pipelines["adasyn"].named_steps["oversample"].n_neighbors == 2
    assert res.notes == [
        "smote/adasyn: k_neighbors lowered from 5 to 2, as the smallest training "
        "fold holds 3 'bad' samples"
    ]
    smote = [r for r in res.scores if r["arm"] == "smote"]
    assert all(r["error"] == "" for r in smote)
    assert all(np.isfinite(r["f1_bad"]) for r in smote)
    write_report(res, tmp_path)
    assert "k_neighbors lowered from 5 to 2" in (tmp_path / "report.md").read_text()


def test_smote_is_skipped_with_a_reason_when_a_fold_has_one_minority_sample():
    X, y = flat_data(n_minority=2)
    res = run_study(
        X,
        y,
        arms=("none", "smote"),
        cv=2,
        n_synthetic=4,
        classifier=WarningClassifier(),
        verbose=0,
    )
    assert res.arms == ["none"]
    assert "holds 1 'bad' sample(s)" in res.skipped_arms["smote"]


def test_torch_threads_rule_and_overrides(monkeypatch):
    from joblib import cpu_count

    monkeypatch.delenv("SEISMO_TORCH_THREADS", raising=False)
    # 1 thread per fit: 2 threads spin-wait on a loaded machine (bench_threads)
    assert torch_threads(1) == 1
    assert torch_threads(cpu_count() * 4) == 1
    monkeypatch.setenv("SEISMO_TORCH_THREADS", "auto")
    assert torch_threads(1) == cpu_count()
    monkeypatch.setenv("SEISMO_TORCH_THREADS", "3")
    assert torch_threads(1) == 3
    assert torch_threads(1, n_threads=2) == 2
    monkeypatch.setenv("SEISMO_TORCH_THREADS", "many")
    with pytest.raises(ValueError, match="SEISMO_TORCH_THREADS"):
        torch_threads(1)


def test_each_fit_runs_with_the_rule_s_thread_count(monkeypatch):
    import torch

    class ThreadSpy(WarningClassifier):
        def fit(self, X, y):
            warnings.warn(f"threads={torch.get_num_threads()}")
            return super().fit(X, y)

    X, y = flat_data()
    before = torch.get_num_threads()
    res = run_study(
        X, y, arms=("none",), cv=2, classifier=ThreadSpy(), n_threads=1, verbose=0
    )
    assert "UserWarning: threads=1" in res.warnings["none"]
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    "n_nonzero, expected",
    [
        (1, "the test cannot detect anything (p is 1 whatever the scores)"),
        (3, "the smallest reachable p-value is 0.25, so p < 0.05 is impossible"),
    ],
)
def test_p_value_note_states_the_true_minimum(n_nonzero, expected):
    a = [0.5] * 4
    b = [0.5] * (4 - n_nonzero) + [0.4] * n_nonzero
    note = paired_comparison(a, b)["note"]
    assert expected in note and "cannot go below 1" not in note


def test_summaries_group_by_structured_keys():
    rows = [
        {"method": m, "n_synthetic": n, "run": r, "f1": 0.1 * n + r}
        for m in ("glow", "smote")
        for n in (0, 10)
        for r in (0, 1)
    ]
    s = summarize_folds(rows, by=("method", "n_synthetic"), exclude=("run",))
    assert [(r["method"], r["n_synthetic"]) for r in s] == [
        ("glow", 0),
        ("glow", 10),
        ("smote", 0),
        ("smote", 10),
    ]
    assert s[1]["f1_mean"] == pytest.approx(1.5)


def test_sweep_axis_label_has_no_markup():
    from sklearn.utils import Bunch

    summary = [
        {"method": "smote", "n_synthetic": n, "f1_bad_mean": 0.5, "f1_bad_std": 0.1}
        for n in (0, 10)
    ]
    sweep = Bunch(labels=["bad"], methods=["smote"], summary=summary, minority="bad")
    fig = plot_sweep(sweep)
    assert fig.axes[0].get_xlabel() == "synthetic samples of 'bad'"


def test_messages_differing_in_numbers_are_counted_together():
    from sklearn_seismo.study._parallel import collect_warnings

    rows = [
        {"arm": "glow", "warnings": {"UserWarning: 7 of 67 redrawn": 1}},
        {"arm": "glow", "warnings": {"UserWarning: 6 of 70 redrawn": 2}},
        {"arm": "none", "warnings": {}},
    ]
    assert collect_warnings(rows, "arm") == {
        "glow": {"UserWarning: 7 of 67 redrawn [2 variants of this message]": 3}
    }


def test_progress_in_a_log_is_one_plain_line_per_fit(capsys):
    # under pytest's capture stderr is not a terminal, as in a nohup log
    X, y = flat_data()
    run_study(X, y, arms=("none",), cv=3, classifier=WarningClassifier(), verbose=1)
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = [line for line in err.splitlines() if " fits" in line]
    assert [line.split(": ")[1].split()[0] for line in lines] == ["1/3", "2/3", "3/3"]
