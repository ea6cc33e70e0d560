import numpy as np
import pytest

from sklearn_seismo.study import run_study

from ._helpers import tiny_classifier, tiny_data

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is an optional dependency"
)


def test_dask_backend_gives_the_same_fold_scores_as_loky():
    X, y = tiny_data()
    kwargs = dict(
        arms=("none", "smote"),
        cv=2,
        n_synthetic=10,
        classifier=tiny_classifier(),
        verbose=0,
        on_error="raise",
    )
    loky = run_study(X, y, n_jobs=2, backend="loky", **kwargs)
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        dask = run_study(
            X, y, backend="dask", scheduler=cluster.scheduler_address, **kwargs
        )
    assert len(dask.scores) == len(loky.scores) == 4
    for a, b in zip(loky.scores, dask.scores):
        assert (a["arm"], a["fold"]) == (b["arm"], b["fold"])
        for key in a:
            if key in ("rare_proba", "rare_true"):  # the test fold's arrays
                np.testing.assert_array_equal(a[key], b[key], err_msg=key)
            elif key not in ("fit_time", "fit_cpu_time", "score_time"):
                assert a[key] == b[key], (a["arm"], a["fold"], key)


def test_cli_dask_backend_without_scheduler_starts_a_local_cluster(tmp_path, capsys):
    import json

    import numpy as np

    from sklearn_seismo.study._cli import main

    X, y = tiny_data()
    path = tmp_path / "tiny.npz"
    np.savez(path, X=X, y=y.astype(str))
    out = tmp_path / "out"
    argv = ["--data", str(path), "--arms", "none", "--folds", "2", "--epochs", "1"]
    argv += ["--backend", "dask", "--n-jobs", "2", "--no-sweep", "-q"]
    assert main([*argv, "--out", str(out)]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["backend"] == "dask"
    with open(out / "scores.csv") as fh:
        assert len(fh.read().splitlines()) == 3  # header + 2 folds


SUITE_CLF = {"max_epochs": 1, "n_blocks": 1, "alpha": 1, "batch_size": 32}


def _same_rows(a_rows, b_rows):
    assert [(r["arm"], r["fold"]) for r in a_rows] == [
        (r["arm"], r["fold"]) for r in b_rows
    ]
    for a, b in zip(a_rows, b_rows):
        for key in a:
            if isinstance(a[key], np.ndarray):  # the test set's probabilities
                np.testing.assert_array_equal(a[key], b[key], err_msg=key)
            elif key not in ("fit_time", "fit_cpu_time", "score_time"):
                assert a[key] == b[key], (a["arm"], a["fold"], key)


def test_suite_on_a_dask_cluster_gives_the_same_scores_as_loky(tmp_path):
    from sklearn_seismo.study import run_suite

    kwargs = dict(
        protocol="cv",
        arms=("none", "random"),
        n_samples=120,
        folds=2,
        repeats=1,
        n_synthetic=4,
        classifier=SUITE_CLF,
        device="cpu",
        verbose=0,
        on_error="raise",
    )
    loky = run_suite(["gathers32_easy"], n_jobs=2, **kwargs)
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        # the workers write the unit cache; a local cluster shares the disk
        dask = run_suite(
            ["gathers32_easy"],
            backend="dask",
            scheduler=cluster.scheduler_address,
            cache=str(tmp_path / "cache"),
            **kwargs,
        )
    rows = loky.per_dataset["gathers32_easy"].scores
    assert len(rows) == 4
    _same_rows(rows, dask.per_dataset["gathers32_easy"].scores)
    np.testing.assert_array_equal(loky.ranking.table, dask.ranking.table)
    assert any((tmp_path / "cache").rglob("output.pkl"))  # units were cached


def test_suite_cli_runs_on_a_local_dask_cluster(tmp_path, capsys):
    import json

    from sklearn_seismo.study._cli import main

    out = tmp_path / "out"
    argv = ["suite", "--protocol", "cv", "--datasets", "gathers32_easy"]
    argv += ["--arms", "none", "--n-samples", "120", "--folds", "2", "--epochs", "1"]
    argv += ["--backend", "dask", "--n-jobs", "2", "-q", "--out", str(out)]
    assert main(argv) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["backend"] == "dask"
    with open(out / "gathers32_easy" / "scores.csv") as fh:
        assert len(fh.read().splitlines()) == 3  # header + 2 folds
