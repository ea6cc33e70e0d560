"""GlowOversampler at its edges: classes without energy, bad inputs to
sample/encode/decode/interpolate, devices, strategies (issues 24-26).

The stand-in flow (exactly invertible, a spy) replaces the real one unless a
test says otherwise."""

import numpy as np
import pytest
import torch

from sklearn_seismo.over_sampling import GlowOversampler

from ._glow_helpers import TINY, make_data
from ._standin import use_standin


@pytest.fixture
def real_glow():
    """Keep the real flow: the stand-in below steps aside."""


@pytest.fixture(autouse=True)
def stand_in_unless_real_glow(monkeypatch, request):
    if "real_glow" not in request.fixturenames:
        use_standin(monkeypatch)


# ----------------------------------------------------------------------- edges
def test_class_without_energy_has_its_own_error():
    X, y = make_data(counts=(30, 8))
    X[y == "b"] = 0.0
    with pytest.raises(ValueError, match="Class 'b' has no energy"):
        GlowOversampler(**TINY).fit_resample(X, y)
    X[y == "b"] = np.float32(1e-42)  # denormal
    with pytest.raises(ValueError, match="Class 'b' has no energy"):
        GlowOversampler(**TINY).fit_resample(X, y)


def test_half_dead_class_keeps_amplitudes_in_range():
    X, y = make_data(counts=(30, 16))
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
    X, y = make_data(counts=(30, 8))
    s = GlowOversampler(**TINY, random_state=0).fit(X, y)
    out = s.sample(0)
    assert out.shape == (0, 8, 6) and out.dtype == np.float32


def test_decode_and_interpolate_validate_their_inputs():
    X, y = make_data(counts=(30, 8))
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
    X, y = make_data(counts=(30, 8))
    with pytest.raises(ValueError, match="CUDA is not available"):
        GlowOversampler(**TINY, device="cuda").fit_resample(X, y)


def test_float_counts_in_a_dict_strategy_are_refused():
    X, y = make_data(counts=(30, 8))
    with pytest.raises(ValueError, match=r"sampling_strategy\['b'\] must be an int"):
        GlowOversampler(**TINY, sampling_strategy={"b": 20.0}).fit_resample(X, y)


# ------------------------------------------- issue 25: non-finite and negative
def _real_sampler():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 8, 8)).astype(np.float32)
    y = np.array([0] * 22 + [1] * 8)
    X[y == 1] *= np.geomspace(0.5, 4, 8).reshape(-1, 1, 1).astype(np.float32)
    params = dict(TINY, n_steps=2, pretrain_epochs=1, max_epochs=1)
    return GlowOversampler(**params, random_state=0).fit(X, y), X[y == 1]


def test_decode_of_far_latents_is_an_error_not_silent_nan(real_glow):
    s, Xb = _real_sampler()
    zs = s.encode(Xb[:3])
    assert np.isfinite(s.decode(zs)).all()
    with pytest.raises(
        ValueError,
        match=r"decode: 3 of 3 samples are not finite.*"
        r"scale encode returns",
    ):
        s.decode([z * 1e19 for z in zs])


def test_interpolate_far_outside_0_1_is_an_error(real_glow):
    s, Xb = _real_sampler()
    assert np.isfinite(s.interpolate(Xb[:3], Xb[3:6], 0.5)).all()
    with pytest.raises(ValueError, match=r"interpolate: .*not finite.*within \[0, 1\]"):
        s.interpolate(Xb[:3], Xb[3:6], 1000.0)


def test_negative_decode_scales_are_an_error():
    X, y = make_data(counts=(30, 8))
    s = GlowOversampler(**TINY, random_state=0).fit(X, y)
    zs = s.encode(X[y == "b"][:3])
    with pytest.raises(ValueError, match="scales must be >= 0"):
        s.decode(zs, scales=-1)
    with pytest.raises(ValueError, match="scales must be >= 0"):
        s.decode(zs, scales=[1.0, -2.0, 1.0])
    out = s.decode(zs, scales=[1.0, 2.0, 0.0])  # zero amplitude is allowed
    assert np.isfinite(out).all() and not out[2].any()


def test_float_sample_shape_is_refused_not_truncated():
    # on 85ba0d4, (3.5, 64) was silently read as (3, 64), the shape of this X
    X, y = make_data(shape=(3, 64), counts=(30, 8))
    with pytest.raises(ValueError, match=r"sample_shape.*3\.5"):
        GlowOversampler(**TINY, sample_shape=(3.5, 64)).fit_resample(
            X.reshape(len(X), -1), y
        )


# ------------------------------------------- issue 26: advice that applies
def _low_acceptance_message(**params):
    X, y = make_data(counts=(30, 16))
    s = GlowOversampler(**TINY, **params, random_state=0).fit(X, y)
    calls = [0]

    def half_nan_once(x):
        calls[0] += 1
        if calls[0] == 1:
            x = x.clone()
            x[::2] = float("nan")
        return x

    s.flows_["b"].inverse_hook = half_nan_once
    with pytest.warns(UserWarning, match="lay on the class's data") as record:
        s.sample(20, "b")
    return str(record[0].message)


def test_low_acceptance_advice_names_only_settings_that_differ():
    msg = _low_acceptance_message()  # the defaults: pretrain="all", additive
    assert "pretrain='all'" not in msg and "coupling='additive'" not in msg
    assert "X_unlabeled" not in msg and "unlabeled_pool=" in msg
    assert "pretrain_epochs (now 2)" in msg and "acceptance_margin (now 0.5)" in msg
    msg = _low_acceptance_message(pretrain="none", coupling=["affine", "additive"])
    assert "pretrain='all'" in msg and "coupling='additive'" in msg
    assert "pretrain_epochs" not in msg and "max_epochs (now 2)" in msg
    pool = np.zeros((3, 8, 6), np.float32) + 1.0
    msg = _low_acceptance_message(unlabeled_pool=pool, k_neighbors=None)
    assert "unlabeled_pool" not in msg and "an int k_neighbors" in msg
