"""GlowOversampler v2: pretraining path, early stopping, acceptance and edges.

Most tests use the exactly invertible stand-in flow (no learning needed)."""

import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neighbors import NearestNeighbors

from sklearn_seismo.over_sampling import GlowOversampler, _glow_latent, _glow_training

from ._standin import StandInFlow, api
from .test_glow import TINY, _data, _normalised, _rows


@pytest.fixture(autouse=True)
def standin(monkeypatch):
    monkeypatch.setattr(_glow_training, "_flows_api", api)
    StandInFlow.instances.clear()
    yield StandInFlow
    StandInFlow.instances.clear()


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
        np.testing.assert_array_equal(result["state_dict"][k], v.numpy())
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
    np.testing.assert_array_equal(result["state_dict"]["log_scale"], [0.25])


# ------------------------------------------------------------- unlabelled pool
def test_unlabelled_pool_reaches_pretraining_only():
    X, y = _data(counts=(30, 8))
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
    assert _rows(_normalised(pool), pre) and _rows(_normalised(X), pre)
    assert not _rows(_normalised(pool[:1]), seen["Glow[b]"][:, 0, :8, :6])


def test_pool_through_cross_validate_never_sees_test_folds(monkeypatch):
    X, y = _data(counts=(30, 12))
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
        assert _rows(_normalised(X[train]), pre) and _rows(_normalised(pool), pre)
        for i in test:  # no test-fold sample reached pretraining
            assert not _rows(_normalised(X[i : i + 1]), pre)


def test_pool_as_long_as_X_warns_about_cross_validation_slicing():
    X, y = _data(counts=(30, 8))
    with pytest.warns(UserWarning, match="sliced as if aligned with X"):
        GlowOversampler(**TINY, random_state=0).fit_resample(X, y, X_unlabeled=X)


# ------------------------------------------------------------------ acceptance
def test_artefact_statistics_flag_a_planted_spike():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(20, 1, 32, 8))
    crest, kurt = _glow_latent.artefact_stats(X)
    bounds = _glow_latent.acceptance_bounds(np.zeros(20), crest, kurt, 0.5)
    spiky = X[:3].copy()
    spiky[:, 0, 5, 2] = 40.0
    c2, k2 = _glow_latent.artefact_stats(spiky)
    assert not _glow_latent.accept(bounds, np.zeros(3), c2, k2).any()
    c3, k3 = _glow_latent.artefact_stats(X[:3])
    assert _glow_latent.accept(bounds, np.zeros(3), c3, k3).all()
    # dead traces are ignored by the kurtosis, and an all-dead sample is finite
    dead = X[:1].copy()
    dead[..., :4] = 0
    assert np.isfinite(_glow_latent.artefact_stats(dead)[1]).all()
    # bits/dim above the class's largest plus the margin is rejected
    assert not _glow_latent.accept(bounds, np.array([0.6]), c3[:1], k3[:1]).any()


def test_acceptance_attributes_and_no_nan():
    X, y = _data(counts=(30, 8))
    s = GlowOversampler(**TINY, random_state=0)
    X_res, _ = s.fit_resample(X, y)
    assert np.isfinite(X_res).all()
    assert set(s.acceptance_rate_) == {"b"} and 0 < s.acceptance_rate_["b"] <= 1
    lam = s.accepted_lambdas_["b"]
    assert lam.shape == (22,) and ((lam >= 0) & (lam <= 1)).all()
    assert set(s.acceptance_bounds_["b"]) == {"bits_per_dim", "crest", "kurtosis"}


def test_k_neighbors_accepts_a_neighbours_estimator():
    X, y = _data(counts=(30, 8))
    a, _ = GlowOversampler(**TINY, k_neighbors=3, random_state=0).fit_resample(X, y)
    b, _ = GlowOversampler(
        **TINY, k_neighbors=NearestNeighbors(n_neighbors=4), random_state=0
    ).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="asks for 20 neighbours"):
        GlowOversampler(
            **TINY, k_neighbors=NearestNeighbors(n_neighbors=20), random_state=0
        ).fit_resample(X, y)


def test_same_seed_same_bits_and_default_is_minority():
    X, y = _data()
    a, ya = GlowOversampler(**TINY, random_state=3).fit_resample(X, y)
    b, _ = GlowOversampler(**TINY, random_state=3).fit_resample(X, y)
    assert a.tobytes() == b.tobytes()
    # "minority": only the rarest class is oversampled
    assert sorted(np.unique(ya[len(y) :])) == ["c"]


# ----------------------------------------------------------------------- edges
def test_class_without_energy_has_its_own_error():
    X, y = _data(counts=(30, 8))
    X[y == "b"] = 0.0
    with pytest.raises(ValueError, match="Class 'b' has no energy"):
        GlowOversampler(**TINY).fit_resample(X, y)
    X[y == "b"] = np.float32(1e-42)  # denormal
    with pytest.raises(ValueError, match="Class 'b' has no energy"):
        GlowOversampler(**TINY).fit_resample(X, y)


def test_half_dead_class_keeps_amplitudes_in_range():
    X, y = _data(counts=(30, 16))
    idx = np.flatnonzero(y == "b")
    X[idx[:8]] = 0.0  # half the class is dead
    s = GlowOversampler(**TINY, random_state=0)
    X_res, _ = s.fit_resample(X, y)
    new = X_res[len(X) :]
    rms = np.sqrt(np.mean(new.reshape(len(new), -1).astype(float) ** 2, axis=1))
    live = np.sqrt(np.mean(X[idx[8:]].reshape(8, -1).astype(float) ** 2, axis=1))
    assert rms.min() >= live.min() * (1 - 1e-5)
    assert rms.max() <= live.max() * (1 + 1e-5)


def test_sample_zero_is_empty():
    X, y = _data(counts=(30, 8))
    s = GlowOversampler(**TINY, random_state=0).fit(X, y)
    out = s.sample(0)
    assert out.shape == (0, 8, 6) and out.dtype == np.float32


def test_decode_and_interpolate_validate_their_inputs():
    X, y = _data(counts=(30, 8))
    s = GlowOversampler(**TINY, random_state=0).fit(X, y)
    Xb = X[y == "b"]
    zs = s.encode(Xb)
    with pytest.raises(ValueError, match="list of 2 arrays"):
        s.decode(zs[:1])
    with pytest.raises(ValueError, match="per-sample shapes"):
        s.decode([zs[0][:, :-1], zs[1]])
    with pytest.raises(ValueError, match="per-sample shapes"):
        s.decode([zs[0][:3], zs[1]])
    bad = [z.copy() for z in zs]
    bad[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        s.decode(bad)
    with pytest.raises(ValueError, match="scales must be a float or one value"):
        s.decode(zs, scales=np.ones(3))
    with pytest.raises(ValueError, match="lam must be finite"):
        s.interpolate(Xb[:2], Xb[2:4], np.nan)
    with pytest.raises(ValueError, match="lam must be a float or one value"):
        s.interpolate(Xb[:2], Xb[2:4], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="144 features.*expecting 48"):
        s.interpolate(np.zeros((2, 3, 8, 6)), Xb[2:4], 0.5)  # 3 channels, not 1


def test_cuda_without_cuda_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X, y = _data(counts=(30, 8))
    with pytest.raises(ValueError, match="CUDA is not available"):
        GlowOversampler(**TINY, device="cuda").fit_resample(X, y)


def test_float_counts_in_a_dict_strategy_are_refused():
    X, y = _data(counts=(30, 8))
    with pytest.raises(ValueError, match=r"sampling_strategy\['b'\] must be an int"):
        GlowOversampler(**TINY, sampling_strategy={"b": 20.0}).fit_resample(X, y)
