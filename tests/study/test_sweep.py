import numpy as np
import pytest
from joblib import Memory

from sklearn_seismo.study import run_sweep
from sklearn_seismo.study._sweep import train_valid_test_split

from ._helpers import tiny_classifier, tiny_data, tiny_glow


def test_train_valid_test_split_is_stratified_and_disjoint():
    y = np.array(["good"] * 140 + ["bad"] * 60)
    tr, va, te = train_valid_test_split(y, random_state=3)
    assert (len(tr), len(va), len(te)) == (140, 20, 40)
    assert not (set(tr) & set(va) or set(tr) & set(te) or set(va) & set(te))
    assert (y[te] == "bad").sum() == 12 and (y[va] == "bad").sum() == 6
    with pytest.raises(ValueError, match="sum"):
        train_valid_test_split(y, fractions=(0.5, 0.1, 0.1))


def test_sweep_trains_each_flow_once_and_reports_every_size(tmp_path):
    X, y = tiny_data(n=80)
    memory = Memory(tmp_path / "cache", verbose=0)
    res = run_sweep(
        X,
        y,
        sizes=(0, 10, 20),
        methods=("glow", "smote"),
        classifier=tiny_classifier(),
        glow=tiny_glow(),
        memory=memory,
        verbose=0,
    )
    assert [(r["method"], r["n_synthetic"]) for r in res.summary] == [
        ("glow", 0),
        ("glow", 10),
        ("glow", 20),
        ("smote", 0),
        ("smote", 10),
        ("smote", 20),
    ]
    # size 0 is the same baseline fit for both methods
    base = [r for r in res.scores if r["n_synthetic"] == 0]
    assert base[0]["f1_bad"] == base[1]["f1_bad"]
    assert base[0]["fit_time"] == base[1]["fit_time"]
    tr, va, te = res.split
    assert all(r["n_train"] == len(tr) and r["n_test"] == len(te) for r in res.scores)
    assert all(not r["error"] for r in res.scores)
    # one pretraining and one fine-tuning (one class, one split) in the cache,
    # reused by both glow sizes (retraining per size would store four)
    cached = [p for p in (tmp_path / "cache").rglob("output.pkl")]
    assert len(cached) == 2
