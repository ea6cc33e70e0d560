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
def standin(monkeypatch, request):
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
