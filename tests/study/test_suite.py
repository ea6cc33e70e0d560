import csv
import json
import math
import warnings

import numpy as np
import pytest
from sklearn.utils import Bunch

from sklearn_seismo.datasets import BENCHMARKS, Benchmark
from sklearn_seismo.metrics import corrected_ttest, holm
from sklearn_seismo.study import _commands, _suite
from sklearn_seismo.study._cli import main as study_main
from sklearn_seismo.study._suite import _draws, _pair_tests, run_suite


def main(argv):
    """The suite command (``seismo-study suite ...``)."""
    return study_main(["suite", *argv])


TINY_CLF = {
    "max_epochs": 1,
    "n_blocks": 1,
    "alpha": 1,
    "n_filters": (4,),
    "kernel_sizes": (3,),
    "batch_size": 32,
}
TINY_GLOW = {"n_levels": 1, "n_steps": 1, "hidden_channels": 8, "max_epochs": 1}


def _fixed(X, y, holdout=None):
    return Benchmark(
        name="fixed",
        loader=lambda n, random_state: (X, y),
        n_samples=len(X),
        classifier="miniception",
        layout="gathers",
        holdout=holdout,
        description="fixed arrays",
    )


def test_repeated_folds_never_share_a_sample_between_train_and_test():
    bench = BENCHMARKS["gathers32_easy"]
    draws = list(
        _draws(
            bench, "cv", n_samples=180, n_test=0, folds=3, repeats=4, seeds=1, seed=0
        )
    )
    assert len(draws) == 12
    tests_by_repeat = {}
    for X, y, train, test, split in draws:
        assert len(X) == len(y) == 180
        assert not set(train) & set(test)
        assert sorted(set(train) | set(test)) == list(range(180))
        tests_by_repeat.setdefault(split["repeat"], []).append(test)
    for tests in tests_by_repeat.values():
        # one repeat's test folds partition the data
        assert sorted(np.concatenate(tests).tolist()) == list(range(180))
    # repeats reshuffle: the first fold of two repeats differs
    assert not np.array_equal(draws[0][3], draws[3][3])


def test_holdout_test_sets_are_independent_draws():
    bench = BENCHMARKS["gathers32_hard"]
    draws = list(
        _draws(
            bench,
            "holdout",
            n_samples=50,
            n_test=120,
            folds=0,
            repeats=0,
            seeds=3,
            seed=7,
        )
    )
    train_seeds = {d[4]["train_seed"] for d in draws}
    test_seeds = {d[4]["test_seed"] for d in draws}
    assert len(train_seeds) == len(test_seeds) == 3
    assert not train_seeds & test_seeds
    for X, y, train, test, split in draws:
        assert len(train) == 50 and len(test) == 120
        train_rows = {r.tobytes() for r in X[train]}
        assert not any(r.tobytes() in train_rows for r in X[test])
    # each seed has its own test set
    assert not np.array_equal(draws[0][0][draws[0][3]], draws[1][0][draws[1][3]])


def test_holdout_asserts_disjointness_and_needs_a_generator():
    X = np.random.default_rng(0).normal(size=(40, 16, 16)).astype(np.float32)
    y = np.array(["a"] * 30 + ["b"] * 10)
    same = _fixed(X, y, holdout=(lambda n, s: (X, y), lambda n, s: (X[:5], y[:5])))
    with pytest.raises(RuntimeError, match="also in the training set"):
        list(
            _draws(
                same,
                "holdout",
                n_samples=40,
                n_test=5,
                folds=0,
                repeats=0,
                seeds=1,
                seed=0,
            )
        )
    with pytest.raises(ValueError, match="protocol='cv'"):
        list(
            _draws(
                _fixed(X, y),
                "holdout",
                n_samples=40,
                n_test=5,
                folds=0,
                repeats=0,
                seeds=1,
                seed=0,
            )
        )


def test_pair_tests_use_the_corrected_t_test_of_the_splits():
    a = [0.8, 0.7, 0.9, 0.8, 0.75]
    b = [0.7, 0.7, 0.7, 0.6, 0.70]
    scores = []
    for k in range(5):
        for arm, v in (("none", b[k]), ("glow", a[k])):
            scores.append(
                {"arm": arm, "fold": k, "n_train": 80, "n_test": 20, "f1_bad": v}
            )
    res = Bunch(scores=scores, arms=["none", "glow"])
    (row,) = _pair_tests(res, "cv", "none", ["f1_bad"])
    ref = corrected_ttest(a, b, n_train=80, n_test=20)
    assert row["test"] == "corrected t"
    assert math.isclose(row["p_value"], ref["p_value"])
    assert math.isclose(row["t"], 0.11 / math.sqrt((1 / 5 + 0.25) * 0.008))
    (row,) = _pair_tests(res, "holdout", "none", ["f1_bad"])
    from scipy.stats import ttest_rel

    assert math.isclose(row["p_value"], ttest_rel(a, b).pvalue)
    # the effect next to the p-value: higher in 4 training sets, one tie
    assert row["n_wins"] == 4 and row["n"] == 5


def test_holm_adjustment():
    p = holm([0.01, 0.04, math.nan, 0.03])
    np.testing.assert_allclose(p[[0, 1, 3]], [0.03, 0.06, 0.06])
    assert math.isnan(p[2])


class _Interrupt(BaseException):
    """Stands for Ctrl-C: not an Exception, so fit_and_score does not record it."""


def _tiny_suite(cache, verbose=0):
    return run_suite(
        ["gathers32_easy", "waveform_quality"],
        protocol="cv",
        arms=("none", "random", "class_weight"),
        n_samples=120,
        folds=2,
        repeats=2,
        n_synthetic=5,
        classifier=TINY_CLF,
        glow=TINY_GLOW,
        cache=cache,
        device="cpu",
        verbose=verbose,
    )


def _numbers(result, times=False):
    skip = () if times else ("fit_time", "fit_cpu_time", "score_time")
    return {
        name: [{k: v for k, v in row.items() if k not in skip} for row in res.scores]
        for name, res in result.per_dataset.items()
    }


def test_interrupted_run_resumes_from_the_cache_with_identical_numbers(
    tmp_path, monkeypatch
):
    reference = _tiny_suite(cache=None)
    calls = []
    real = _suite.fit_and_score

    def interrupting(*args, **kwargs):
        if len(calls) == 7:
            raise _Interrupt
        calls.append(kwargs["meta"])
        return real(*args, **kwargs)

    cache = str(tmp_path / "cache")
    monkeypatch.setattr(_suite, "fit_and_score", interrupting)
    with pytest.raises(_Interrupt):
        _tiny_suite(cache)
    assert len(calls) == 7
    first = list(calls)

    calls.clear()
    monkeypatch.setattr(
        _suite,
        "fit_and_score",
        lambda *a, **k: calls.append(k["meta"]) or real(*a, **k),
    )
    resumed = _tiny_suite(cache)
    # 2 data sets x 3 arms x 4 splits = 24 units; the 7 done are not refitted
    assert len(calls) == 24 - 7
    assert not [m for m in calls if m in first]
    numbers = _numbers(resumed)
    assert not any(r["error"] for rows in numbers.values() for r in rows)
    np.testing.assert_equal(numbers, _numbers(reference))

    calls.clear()
    replay = _tiny_suite(cache)
    assert calls == []
    np.testing.assert_equal(_numbers(replay, times=True), _numbers(resumed, times=True))
    rk, rk_ref = replay.ranking, reference.ranking
    np.testing.assert_array_equal(rk.table, rk_ref.table)
    np.testing.assert_array_equal(rk.mean_ranks, rk_ref.mean_ranks)


def test_run_suite_rejects_unknown_names():
    with pytest.raises(ValueError, match="gathers32_easy.*waveform_quality"):
        run_suite(["gathers_huge"])
    with pytest.raises(ValueError, match=r"\['cv', 'holdout'\]"):
        run_suite(["gathers32_easy"], protocol="loo")


@pytest.mark.parametrize("entry", [main])
def test_cli_lists_the_valid_data_sets_and_protocols(entry, capsys):
    with pytest.raises(SystemExit) as exc:
        entry(["--datasets", "gathers32_easy,nope"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown data set(s) ['nope']" in err
    for name in BENCHMARKS:
        assert name in err
    with pytest.raises(SystemExit) as exc:
        entry(["--protocol", "bootstrap"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "bootstrap" in err and "cv" in err and "holdout" in err


def _csv(path):
    with open(path / "scores.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_cli_runs_a_tiny_suite_with_user_data(tmp_path, capsys):
    rng = np.random.default_rng(0)
    y = np.array(["ok"] * 40 + ["noisy"] * 14 + ["broken"] * 6)
    X = rng.normal(size=(60, 16, 16)).astype(np.float32)
    X[y == "broken", :, :3] = 0.0
    np.savez(tmp_path / "mine.npz", X=X, y=y)
    out = tmp_path / "out"
    argv = [
        "--protocol", "cv", "--data", str(tmp_path / "mine.npz"),
        "--datasets", "gathers32_easy", "--n-samples", "60",
        "--folds", "2", "--repeats", "2", "--arms", "none,random,class_weight",
        "--n-synthetic", "4", "--epochs", "1", "--cache", str(tmp_path / "c"),
        "--out", str(out), "-q",
    ]  # fmt: skip
    assert main(argv) == 0
    written = {p.name for p in out.iterdir()}
    assert {"report.md", "ranking.csv", "tests.csv", "cd.png", "config.json"} <= written
    assert {"mine", "gathers32_easy"} <= written
    assert (out / "mine" / "report.md").exists()
    config = json.loads((out / "config.json").read_text())
    rows = [r for name in ("mine", "gathers32_easy") for r in _csv(out / name)]
    assert len(rows) == 2 * 4 * 3  # data sets x (2 folds x 2 repeats) x arms
    # a failed fit records no times
    fits = sum(float(r[k] or 0) for r in rows for k in ("fit_time", "score_time"))
    assert fits > 0
    assert config["fit_and_score_s"] == pytest.approx(fits, abs=0.1)
    # every fit records the CPU time of its worker (the cost the report ranks)
    fitted = [r for r in rows if r["fit_time"]]
    assert fitted and all(float(r["fit_cpu_time"]) > 0 for r in fitted)
    assert all(not r["fit_cpu_time"] for r in rows if not r["fit_time"])
    report = (out / "report.md").read_text()
    assert "## mine" in report and "## gathers32_easy" in report
    assert "Friedman" in report and "corrected t p" in report
    cost_row = next(ln for ln in report.splitlines() if "CPU time ÷ random" in ln)
    assert cost_row.split("|")[3].strip().startswith("1.00 (1.00-1.00)")  # random
    printed = capsys.readouterr().out
    assert "`mine`" in printed and "`gathers32_easy`" in printed
    with pytest.raises(SystemExit):
        main(["--protocol", "holdout", "--data", str(tmp_path / "mine.npz")])
    assert "use --protocol cv" in capsys.readouterr().err


def test_cli_silences_only_the_warnings_it_reports_itself(tmp_path, monkeypatch):
    # a stand-in run_suite: no training, just the two kinds of warning
    def fake_run_suite(datasets, **kwargs):
        warnings.warn("arm=glow, fold=0 failed, scores recorded as NaN: boom")
        warnings.warn("The flow is probably undertrained or overfitted", UserWarning)
        return Bunch(per_dataset={})

    monkeypatch.setattr(_commands, "run_suite", fake_run_suite)
    monkeypatch.setattr(
        _commands, "write_suite_report", lambda *a, **k: {"report.md": "report.md"}
    )
    monkeypatch.setattr(_commands, "significance_statements", lambda result: [])
    monkeypatch.setattr(_commands, "conclusion_statements", lambda *a, **k: [])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["--protocol", "cv", "--out", str(tmp_path), "-q"]) == 0
    assert [str(w.message) for w in caught] == [
        "The flow is probably undertrained or overfitted"
    ]


def test_cli_prints_failed_fits_and_fails_when_an_arm_never_fits(
    tmp_path, monkeypatch, capsys
):
    err = "ValueError: Expected n_neighbors <= n_samples"
    rows = [
        {"arm": "none", "fold": 0, "error": ""},
        {"arm": "none", "fold": 1, "error": ""},
        {"arm": "adasyn", "fold": 0, "error": err},
        {"arm": "adasyn", "fold": 1, "error": err},
        {"arm": "glow", "fold": 0, "error": ""},
        {"arm": "glow", "fold": 1, "error": "RuntimeError: diverged"},
    ]
    study = Bunch(
        arms=["none", "adasyn", "glow"],
        scores=rows,
        errors=[r for r in rows if r["error"]],
        skipped_arms={},
    )
    fine = Bunch(arms=["none"], scores=rows[:2], errors=[], skipped_arms={})

    def fake_run_suite(datasets, **kwargs):
        return Bunch(per_dataset={"mine": study, "other": fine})

    monkeypatch.setattr(_commands, "run_suite", fake_run_suite)
    monkeypatch.setattr(
        _commands, "write_suite_report", lambda *a, **k: {"report.md": "report.md"}
    )
    monkeypatch.setattr(_commands, "significance_statements", lambda result: [])
    monkeypatch.setattr(_commands, "conclusion_statements", lambda *a, **k: [])
    assert main(["--protocol", "cv", "--out", str(tmp_path), "-q"]) == 1
    out, stderr = capsys.readouterr()
    assert "3 fit(s) failed on mine" in out and "other" not in out
    assert "glow fold 1: RuntimeError: diverged" in out
    assert "adasyn on mine" in stderr and "glow" not in stderr

    study.errors, study.scores = [], rows[:2]
    argv = ["--protocol", "cv", "--out", str(tmp_path), "--overwrite", "-q"]
    assert main(argv) == 0
    assert "fit(s) failed" not in capsys.readouterr().out


def test_a_unit_cached_by_a_parallel_run_is_found_by_a_serial_one(tmp_path):
    # joblib gives parallel workers large arrays as read-only memmaps; a run
    # resumed with another n_jobs must still find every unit in the cache
    import joblib
    from sklearn.dummy import DummyClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 64))
    y = np.array(["a"] * 150 + ["b"] * 50)
    tr, te = np.arange(0, 200, 2), np.arange(1, 200, 2)
    func = _suite._cached_unit(joblib.Memory(tmp_path / "cache", verbose=0))
    kwargs = dict(labels=["a", "b"], meta={"arm": "none", "fold": 0}, on_error="raise")
    row = func(DummyClassifier(), X, y, tr, te, threads=1, **kwargs)
    np.save(tmp_path / "X.npy", X)
    X_mm = np.load(tmp_path / "X.npy", mmap_mode="r")
    assert isinstance(X_mm, np.memmap)
    args = (DummyClassifier(), X_mm, y, tr, te)
    assert func.check_call_in_cache(*args, threads=2, **kwargs)
    # rows hold arrays (the rare-class probabilities): compare element-wise
    np.testing.assert_equal(func(*args, threads=2, **kwargs), row)
    X_other = X.copy()
    X_other[0, 0] += 1.0
    args = (DummyClassifier(), X_other, y, tr, te)
    assert not func.check_call_in_cache(*args, threads=1, **kwargs)


def test_fit_cost_is_each_arm_s_cpu_time_over_random_s_on_the_same_splits():
    from sklearn_seismo.study._suite_report import _cost_lines, _fit_cost

    nan = float("nan")

    def res(**cpu):  # arm -> CPU seconds per split (wall times are noise here)
        return Bunch(
            scores=[
                {"arm": arm, "split": k, "fit_time": 99.0, "fit_cpu_time": t}
                for arm, times in cpu.items()
                for k, t in enumerate(times)
            ]
        )

    per_dataset = {
        "a": res(none=[2.0, 2.0], random=[4.0, 4.0], glow=[10.0, 10.0]),
        # glow failed on split 1: random's split 1 is left out of its ratio
        "b": res(none=[3.0, 3.0], random=[3.0, 9.0], glow=[6.0, nan]),
        # a run cached before CPU times were recorded
        "c": Bunch(scores=[{"arm": "random", "split": 0, "fit_time": 1.0}]),
    }
    arms = ["none", "random", "glow"]
    cost = _fit_cost(per_dataset, arms)
    assert cost["none"][:2] == [0.5, 0.5] and cost["random"][:2] == [1.0, 1.0]
    assert cost["glow"][:2] == [2.5, 2.0]
    assert all(np.isnan(v[2]) for v in cost.values())
    assert _fit_cost(per_dataset, ["none", "glow"]) == {}
    table = _cost_lines(Bunch(per_dataset=per_dataset, arms=arms))[2]
    # geometric mean over the data sets that have CPU times, then the range
    assert "| 0.50 (0.50-0.50) | 1.00 (1.00-1.00) | 2.24 (2.00-2.50) |" in table
