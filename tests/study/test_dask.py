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
            elif key not in ("fit_time", "score_time"):
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
