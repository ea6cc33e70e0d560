"""GlowOversampler's training: early stopping, the pretrained start, and the
unlabelled pool reaching pretraining only (never a test fold).

The stand-in flow (exactly invertible, a spy) replaces the real one."""

import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate

from sklearn_seismo.over_sampling import GlowOversampler, _glow_training

from ._glow_helpers import (
    TINY,
    make_data,
    normalised,
    rows,
)

pytestmark = pytest.mark.usefixtures("standin")


# ------------------------------------------------------------ early stopping
def test_early_stopping_restores_the_best_epoch(monkeypatch):
    scripted = iter([5.0, 4.0, 3.0, 3.5, 3.6, 3.7, 3.8, 9.0, 9.0])
    states = []

    def fake_bpd(flow, *args, **kwargs):
        states.append({k: v.clone() for k, v in flow.state_dict().items()})
        return next(scripted)

    monkeypatch.setattr(_glow_training, "_mean_bpd", fake_bpd)
    X = np.random.RandomState(0).normal(size=(12, 1, 4, 4)).astype(np.float32)
    result = _glow_training.fit_flow(
        X[:9],
        X_val=X[9:],
        patience=3,
        n_dim=2,
        flow_params={},
        max_epochs=20,
        batch_size=4,
        lr=0.1,
        warmup_steps=0,
        seed=0,
        bin_size=0.01,
    )
    # best at epoch 2; epochs 3, 4, 5 do not improve: stop after epoch 5
    assert result["best_epoch"] == 2
    assert result["val_history"] == [5.0, 4.0, 3.0, 3.5, 3.6, 3.7]
    assert len(result["history"]) == 5
    for k, v in states[2].items():
        torch.testing.assert_close(result["flow"].state_dict()[k], v, rtol=0, atol=0)
    assert any(not torch.equal(states[2][k], states[-1][k]) for k in states[2])


def test_pretrained_weights_win_when_finetuning_never_helps(monkeypatch):
    scripted = iter([1.0] + [2.0] * 10)
    monkeypatch.setattr(
        _glow_training, "_mean_bpd", lambda *a, **k: float(next(scripted))
    )
    X = np.random.RandomState(0).normal(size=(12, 1, 4, 4)).astype(np.float32)
    init = {"log_scale": np.array([0.25], np.float32), "bias": np.zeros(1, np.float32)}
    result = _glow_training.fit_flow(
        X[:9],
        X_val=X[9:],
        patience=2,
        init_state=init,
        n_dim=2,
        flow_params={},
        max_epochs=20,
        batch_size=4,
        lr=0.1,
        warmup_steps=0,
        seed=0,
        bin_size=0.01,
    )
    assert result["best_epoch"] == 0 and len(result["history"]) == 2
    assert result["flow"].log_scale.item() == 0.25
    assert not result["flow"].training  # returned ready to sample


# ------------------------------------------------------------- unlabelled pool
def test_unlabelled_pool_reaches_pretraining_only():
    X, y = make_data(counts=(30, 8))
    pool = np.random.RandomState(5).normal(size=(11, 8, 6)).astype(np.float32)
    seen = {}
    real = _glow_training.fit_flow

    def spy(Xn, **kwargs):
        seen[kwargs["desc"]] = Xn.copy()
        return real(Xn, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_glow_training, "fit_flow", spy)
        GlowOversampler(**TINY, random_state=0).fit_resample(X, y, X_unlabeled=pool)
    pre = seen["Glow pretraining"][:, 0, :8, :6]
    assert len(pre) == len(X) + len(pool)
    assert rows(normalised(pool), pre) and rows(normalised(X), pre)
    assert not rows(normalised(pool[:1]), seen["Glow[b]"][:, 0, :8, :6])


def test_pool_through_cross_validate_never_sees_test_folds(monkeypatch):
    X, y = make_data(counts=(30, 12))
    pool = np.random.RandomState(7).normal(size=(9, 8, 6)).astype(np.float32)
    pretrain_sets = []
    real = _glow_training.fit_flow

    def spy(Xn, **kwargs):
        if kwargs["desc"] == "Glow pretraining":
            pretrain_sets.append(Xn[:, 0, :8, :6].copy())
        return real(Xn, **kwargs)

    monkeypatch.setattr(_glow_training, "fit_flow", spy)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    sampler = GlowOversampler(
        **TINY, unlabeled_pool=pool.reshape(9, -1), sample_shape=(8, 6), random_state=0
    )
    pipe = Pipeline([("glow", sampler), ("clf", DummyClassifier())])
    Xf = X.reshape(len(X), -1)
    cross_validate(pipe, Xf, y, cv=cv)
    assert len(pretrain_sets) == 3
    for (train, test), pre in zip(cv.split(Xf, y), pretrain_sets):
        assert len(pre) == len(train) + len(pool)
        assert rows(normalised(X[train]), pre) and rows(normalised(pool), pre)
        for i in test:  # no test-fold sample reached pretraining
            assert not rows(normalised(X[i : i + 1]), pre)


def test_pool_as_long_as_X_warns_about_cross_validation_slicing():
    X, y = make_data(counts=(30, 8))
    with pytest.warns(UserWarning, match="^X_unlabeled has.*sliced as if aligned"):
        GlowOversampler(**TINY, random_state=0).fit_resample(X, y, X_unlabeled=X)
    # the warning names the parameter the pool came through
    with pytest.warns(UserWarning, match="^unlabeled_pool has as many samples"):
        GlowOversampler(**TINY, unlabeled_pool=X, random_state=0).fit(X, y)


def test_training_cpu_seconds_are_recorded_per_phase():
    X, y = make_data(counts=(30, 8, 6))
    s = GlowOversampler(**TINY, sampling_strategy="auto", random_state=0).fit(X, y)
    assert set(s.training_cpu_seconds_) == set(s.flows_) == {"b", "c"}
    assert all(t >= 0 for t in s.training_cpu_seconds_.values())
    assert s.pretrain_cpu_seconds_ > 0
    paper = GlowOversampler(**TINY, pretrain="none", random_state=0).fit(X, y)
    assert paper.pretrain_cpu_seconds_ == 0.0


def test_public_methods_run_at_the_estimator_thread_count(monkeypatch):
    X, y = make_data(counts=(30, 8))
    s = GlowOversampler(**TINY, random_state=0).fit(X, y)
    seen = []

    def record(x):
        seen.append(torch.get_num_threads())
        return x

    s.flows_["b"].inverse_hook = record
    monkeypatch.setenv("SEISMO_TORCH_THREADS", "1")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        s.sample(3)
        s.decode(s.encode(X[y == "b"][:2]))
        assert seen and set(seen) == {1}
        assert torch.get_num_threads() == 2  # restored
    finally:
        torch.set_num_threads(before)
