"""Tests of GlowOversampler that need no learning: a stand-in flow (exactly
invertible, a spy) replaces sklearn_seismo.flows.Glow."""

from collections import Counter

import joblib
import numpy as np
import pytest
import torch
from imblearn.utils import check_sampling_strategy

from sklearn_seismo.over_sampling import GlowOversampler, _glow_latent
from sklearn_seismo.utils._artefacts import quiet_mask

from ._glow_helpers import (
    TINY,
    make_data,
    normalised,
    rows,
    spy_fit_flow,
    trained_flows,
)
from ._standin import StandInFlow

pytestmark = pytest.mark.usefixtures("standin")


def test_fit_resample_appends_finite_new_samples_of_requested_counts():
    X, y = make_data()
    X_res, y_res = GlowOversampler(
        **TINY, sampling_strategy="auto", random_state=0
    ).fit_resample(X, y)
    assert Counter(y_res) == {"a": 30, "b": 30, "c": 30}
    assert X_res.shape == (90, 8, 6) and X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    new = X_res[len(X) :]
    assert np.isfinite(new).all()
    # not copies of training samples
    d = np.linalg.norm(new.reshape(len(new), 1, -1) - X.reshape(1, len(X), -1), axis=2)
    assert d.min() > 1e-3


def test_paper_mode_trains_each_flow_on_its_class_only(monkeypatch):
    X, y = make_data()
    seen = spy_fit_flow(monkeypatch)
    sampler = GlowOversampler(
        **TINY, pretrain="none", sampling_strategy="auto", random_state=0
    ).fit(X, y)
    assert set(seen) == {"Glow[b]", "Glow[c]"}  # the majority class gets no flow
    assert set(sampler.flows_) == {"b", "c"}
    assert sampler.pretrain_history_ == []
    for cls in "bc":
        train, val = seen[f"Glow[{cls}]"]
        got = np.concatenate([train, val])[:, 0, : X.shape[1], : X.shape[2]]
        # train + held-out split = the class's normalised samples, disjoint
        assert len(got) == np.sum(y == cls) and len(val) >= 1
        assert rows(got, normalised(X[y == cls]))
        assert not rows(val[:1], train)
    # the flows themselves were only ever fed their class's samples, plus
    # centred dequantisation noise of at most half the width
    for flow, cls in zip(trained_flows(), "bc"):
        batches = torch.cat(flow.trained_on)[:, 0, :8, :6].numpy()
        ref = normalised(X[y == cls])
        dist = np.abs(batches[:, None] - ref[None]).max(axis=(2, 3)).min(axis=1)
        assert dist.max() <= sampler.dequantization_width_[cls] / 2 + 1e-6


def test_pretraining_sees_every_sample_and_finetuning_one_class(monkeypatch):
    X, y = make_data()
    seen = spy_fit_flow(monkeypatch)
    sampler = GlowOversampler(**TINY, random_state=0).fit(X, y)
    assert set(seen) == {"Glow pretraining", "Glow[c]"}  # "minority" by default
    pre, pre_val = seen["Glow pretraining"]
    assert pre_val is None and len(pre) == len(X)
    assert rows(pre[:, 0, :8, :6], normalised(X))
    train, val = seen["Glow[c]"]
    got = np.concatenate([train, val])[:, 0, :8, :6]
    assert len(got) == np.sum(y == "c") and rows(got, normalised(X[y == "c"]))
    assert len(sampler.pretrain_history_) == 2
    assert len(sampler.val_history_["c"]) == 1 + len(sampler.history_["c"])


@pytest.mark.parametrize(
    "strategy",
    [
        "auto",
        "minority",
        "not majority",
        "not minority",
        "all",
        {"b": 20, "c": 40},
        {"c": 6},
        lambda y: {"c": 9},
    ],
    ids=lambda s: repr(s) if not callable(s) else "callable",
)
def test_sampling_strategy_semantics_as_imblearn(strategy):
    X, y = make_data()
    expected = check_sampling_strategy(strategy, y, "over-sampling")
    sampler = GlowOversampler(**TINY, sampling_strategy=strategy, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    counts = Counter(y)
    assert Counter(y_res) == {c: counts[c] + expected.get(c, 0) for c in counts}
    assert set(sampler.flows_) == {c for c, n in expected.items() if n > 0}
    assert np.isfinite(X_res).all()


def test_float_strategy_binary():
    X, y = make_data(counts=(30, 6))
    X_res, y_res = GlowOversampler(
        **TINY, sampling_strategy=0.5, random_state=0
    ).fit_resample(X, y)
    assert Counter(y_res) == {"a": 30, "b": 15}


@pytest.mark.parametrize(
    "shape, n_dim, flow_shape",
    [
        ((13,), 1, (1, 16)),
        ((3, 21), 1, (3, 24)),
        ((10, 7), 2, (1, 12, 8)),
        ((2, 5, 9), 2, (2, 8, 12)),
    ],
)
def test_layouts_are_padded_and_cropped(shape, n_dim, flow_shape):
    X, y = make_data(shape=shape, counts=(10, 5))
    sampler = GlowOversampler(**TINY, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (20, *shape)
    assert sampler.n_dim_ == n_dim and sampler.flow_input_shape_ == flow_shape
    assert sampler.sample_shape_ == shape and sampler.n_features_in_ == np.prod(shape)
    # what the flow saw: mirrored padding at the end of each spatial axis
    Xn = sampler._models["b"].data
    assert Xn.shape[1:] == flow_shape
    last = flow_shape[-1] - 1
    np.testing.assert_array_equal(Xn[..., last], Xn[..., 2 * shape[-1] - 1 - last])
    # encode/decode round trip through padding, cropping and scaling
    Xb = X[y == "b"]
    zs = sampler.encode(Xb, "b")
    rms = np.sqrt(np.mean(Xb.reshape(len(Xb), -1) ** 2, axis=1))
    np.testing.assert_allclose(sampler.decode(zs, "b", scales=rms), Xb, atol=1e-4)

    # 2-D input + sample_shape gives 2-D output and the same samples
    flat = GlowOversampler(**TINY, sample_shape=shape, random_state=0)
    X_flat, y_flat = flat.fit_resample(X.reshape(len(X), -1), y)
    assert X_flat.shape == (20, int(np.prod(shape)))
    np.testing.assert_allclose(X_flat, X_res.reshape(20, -1), rtol=1e-5, atol=1e-6)


def test_explicit_n_dim_and_bad_n_dim():
    X, y = make_data(shape=(8, 6), counts=(10, 5))
    s = GlowOversampler(**TINY, n_dim=1, random_state=0).fit(X, y)
    assert s.n_dim_ == 1 and s.flow_input_shape_ == (8, 8)
    with pytest.raises(ValueError, match="n_dim=1 cannot model samples"):
        GlowOversampler(**TINY, n_dim=1).fit(np.zeros((15, 2, 3, 4)), y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_dtype_preserved(dtype):
    X, y = make_data(counts=(10, 5))
    X = (X * 10).astype(dtype)
    X_res, _ = GlowOversampler(**TINY, random_state=0).fit_resample(X, y)
    assert X_res.dtype == (np.float64 if dtype == np.int64 else dtype)
    assert np.isfinite(X_res).all()


def test_caller_arrays_unmodified_and_read_only_input_accepted():
    X, y = make_data(counts=(10, 5))
    X.setflags(write=False)
    X_copy, y_copy = X.copy(), y.copy()
    GlowOversampler(**TINY, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_random_state_reproducible():
    X, y = make_data(counts=(10, 5))
    a, _ = GlowOversampler(**TINY, random_state=0).fit_resample(X, y)
    b, _ = GlowOversampler(**TINY, random_state=0).fit_resample(X, y)
    c, _ = GlowOversampler(**TINY, random_state=1).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[15:], c[15:])


def test_memory_trains_each_flow_once(tmp_path):
    X, y = make_data(counts=(30, 6))
    # a str location: joblib lays out a pathlib.Path location differently
    memory = joblib.Memory(str(tmp_path), verbose=0)
    first = GlowOversampler(
        **TINY, sampling_strategy={"b": 10}, memory=memory, random_state=0
    )
    X1, y1 = first.fit_resample(X, y)
    assert len(trained_flows()) == 2  # pretraining and fine-tuning
    second = GlowOversampler(
        **TINY, sampling_strategy={"b": 25}, memory=str(tmp_path), random_state=0
    )
    X2, y2 = second.fit_resample(X, y)
    assert len(trained_flows()) == 2  # cache hit: no new training
    assert Counter(y2)["b"] == 25
    assert second.history_ == first.history_
    # a change of a training parameter misses the cache
    GlowOversampler(
        **{**TINY, "max_epochs": 3},
        sampling_strategy={"b": 10},
        memory=memory,
        random_state=0,
    ).fit(X, y)
    # the pretraining is shared (cache hit), the fine-tuning is new
    assert len(trained_flows()) == 3


def _nan_after(n_calls):
    count = [0]

    def hook(lp):
        count[0] += 1
        return lp * float("nan") if count[0] > n_calls else lp

    return hook


def test_divergence_restores_and_retries(monkeypatch):
    X, y = make_data(counts=(30, 16))
    calls = [0]
    real_init = StandInFlow.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        calls[0] += 1
        if calls[0] == 1:  # the first flow built is the one trained
            fired = [0]

            def hook(lp):
                fired[0] += 1
                # one non-finite loss, in the second epoch
                return lp * float("nan") if fired[0] == 3 else lp

            self.log_prob_hook = hook

    monkeypatch.setattr(StandInFlow, "__init__", init)
    sampler = GlowOversampler(
        **{**TINY, "max_epochs": 3}, pretrain="none", random_state=0
    )
    X_res, _ = sampler.fit_resample(X, y)
    assert sampler.n_restarts_ == {"b": 1}
    assert len(sampler.history_["b"]) == 3
    assert np.isfinite(sampler.history_["b"]).all()
    assert np.isfinite(X_res).all()


def test_persistent_divergence_raises_clear_error(monkeypatch):
    X, y = make_data(counts=(30, 16))
    real_init = StandInFlow.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.log_prob_hook = _nan_after(0)

    monkeypatch.setattr(StandInFlow, "__init__", init)
    with pytest.raises(RuntimeError, match=r"Glow\[b\]: training diverged.*Lower lr"):
        GlowOversampler(**TINY, pretrain="none", random_state=0).fit_resample(X, y)
    with pytest.raises(RuntimeError, match=r"Glow pretraining: training diverged"):
        GlowOversampler(**TINY, random_state=0).fit_resample(X, y)


def test_non_finite_or_exploded_decodes_are_redrawn_or_raise():
    X, y = make_data(counts=(30, 16))
    sampler = GlowOversampler(**TINY, random_state=0).fit(X, y)
    flow = sampler.flows_["b"]
    n_calls = [0]

    def once(x):  # first decode: NaN or spiky samples
        n_calls[0] += 1
        if n_calls[0] == 1:
            x = x.clone()
            x[::4] = float("nan")
            x[1::4, :, 2, 3] += 100.0
        return x

    flow.inverse_hook = once
    with pytest.warns(UserWarning, match="lay on the class's data.*redrawn"):
        out, info = sampler.sample(20, "b", return_diagnostics=True)
    assert out.shape == (20, 8, 6) and np.isfinite(out).all()
    assert n_calls[0] == 2  # the bad half was redrawn once
    # 20 decoded, 10 accepted; 10 redrawn, all accepted
    assert info["acceptance_rate"] == pytest.approx(20 / 30)
    assert np.abs(out).max() <= 2 * np.abs(X[y == "b"]).max()
    flow.inverse_hook = lambda x: x * float("inf")
    with pytest.raises(RuntimeError, match="off the class's data"):
        sampler.sample(5, "b")


def test_shrinks_towards_a_parent_when_interpolations_stay_off_the_data():
    X, y = make_data(counts=(30, 16))
    sampler = GlowOversampler(**TINY, random_state=0).fit(X, y)
    flow = sampler.flows_["b"]
    real = flow.forward

    latents = torch.cat(real(torch.from_numpy(sampler._models["b"].data))[0], 1)

    def hook(x):
        # distance of the decoded latent to the nearest training latent
        zs = torch.cat(flow.inverse_inputs[-1], dim=1)
        d = torch.cdist(zs, latents).min(dim=1).values
        spiked = x.clone()
        spiked[:, :, 2, 3] += 100.0
        return torch.where((d > 0.1)[:, None, None, None], spiked, x)

    flow.inverse_hook = hook
    with pytest.warns(UserWarning, match="redrawn.*near-copies"):
        out, info = sampler.sample(10, "b", return_diagnostics=True)
    assert (
        len(flow.inverse_inputs) > _glow_latent._MAX_REDRAWS + 1
    )  # shrinking was used
    lam = info["accepted_lambdas"]
    assert lam.shape == (10,) and (np.minimum(lam, 1 - lam) < 0.1).mean() > 0.5
    assert np.isfinite(out).all()
    rms = np.sqrt(np.mean(out.reshape(10, -1) ** 2, axis=1))
    scales = sampler.scales_["b"]
    assert (rms >= scales.min() * (1 - 1e-5)).all()
    assert (rms <= scales.max() * (1 + 1e-5)).all()


def test_slerp_keeps_latent_norms():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(50, 300, generator=g)
    b = torch.randn(50, 300, generator=g)
    b = b / b.norm(dim=1, keepdim=True) * a.norm(dim=1, keepdim=True)
    lam = torch.rand(50, generator=g)
    mixed = _glow_latent.slerp(a, b, lam)
    torch.testing.assert_close(mixed.norm(dim=1), a.norm(dim=1))
    torch.testing.assert_close(_glow_latent.slerp(a, b, torch.zeros(50)), a)
    torch.testing.assert_close(_glow_latent.slerp(a, b, torch.ones(50)), b)
    # linear mixing of near-orthogonal latents shrinks them, slerp does not
    lin = (1 - lam[:, None]) * a + lam[:, None] * b
    assert (lin.norm(dim=1) < mixed.norm(dim=1) - 1e-4).float().mean() > 0.9


def test_sampler_slerp_mixes_every_level_without_shrinking():
    X, y = make_data(counts=(30, 16))
    norms = {}
    for interp in ("linear", "slerp"):
        StandInFlow.instances.clear()
        s = GlowOversampler(**TINY, interpolation=interp, random_state=0).fit(X, y)
        s.sample(40, "b")
        zs = s.flows_["b"].inverse_inputs[-1]
        assert len(zs) == 2
        norms[interp] = [z.norm(dim=1) for z in zs]
    for lin, sl in zip(norms["linear"], norms["slerp"]):
        assert (sl >= lin - 1e-4).all() and (sl > lin + 1e-4).any()


def test_k_neighbors_none_and_large_k_and_temperature():
    X, y = make_data(counts=(30, 4))
    base = GlowOversampler(**TINY, random_state=0)
    out = {}
    for params in (
        {},
        {"k_neighbors": None},
        {"k_neighbors": 50},
        {"temperature": 0.5},
    ):
        X_res, _ = base.set_params(
            **{"k_neighbors": 5, "temperature": 0.0, **params}
        ).fit_resample(X, y)
        assert np.isfinite(X_res).all()
        out[repr(params)] = X_res[len(X) :]
    # k clipped to n - 1 = 3 neighbours: the same as the default k=5
    np.testing.assert_array_equal(out["{}"], out["{'k_neighbors': 50}"])
    assert not np.allclose(out["{}"], out["{'temperature': 0.5}"])


def test_new_samples_interpolate_amplitudes():
    X, y = make_data(counts=(30, 16))
    X[y == "b"] *= np.geomspace(1e-3, 1e3, 16).reshape(-1, 1, 1).astype(np.float32)
    s = GlowOversampler(**TINY, k_neighbors=None, random_state=0).fit(X, y)
    rms = np.sqrt(np.mean(s.sample(200, "b").reshape(200, -1) ** 2, axis=1))
    train = s.scales_["b"]
    # exactly the geometric interpolation of two training RMS: inside their range
    assert rms.min() >= train.min() * (1 - 1e-5) and rms.max() <= train.max() * (
        1 + 1e-5
    )
    assert np.ptp(np.log10(rms)) > 2  # the gain varies as in the data


def test_score_samples_encode_decode_api():
    X, y = make_data(counts=(30, 16, 8))
    s = GlowOversampler(**TINY, sampling_strategy="auto", random_state=0).fit(X, y)
    Xb = X[y == "b"]
    lp = s.score_samples(Xb, "b")
    assert lp.shape == (16,) and np.isfinite(lp).all()
    lp_flat = s.score_samples(Xb.reshape(16, -1), "b")
    np.testing.assert_allclose(lp, lp_flat, rtol=1e-6)
    zs = s.encode(Xb, "b")
    assert [z.shape[0] for z in zs] == [16, 16]
    dec = s.decode(zs, "b")
    np.testing.assert_allclose(
        np.sqrt(np.mean(dec.reshape(16, -1) ** 2, axis=1)), 1.0, rtol=1e-4
    )
    assert s.sample(3, "c").shape == (3, 8, 6)
    # interpolate: the ends give the samples back, amplitudes included
    for interp in ("linear", "slerp"):
        s.set_params(interpolation=interp)
        np.testing.assert_allclose(
            s.interpolate(Xb[:4], Xb[4:8], 0.0, "b"), Xb[:4], rtol=1e-4, atol=1e-5
        )
        np.testing.assert_allclose(
            s.interpolate(Xb[:4], Xb[4:8], 1.0, "b"), Xb[4:8], rtol=1e-4, atol=1e-5
        )
        mid = s.interpolate(Xb[:4], Xb[4:8], [0.5] * 4, "b")
        assert mid.shape == (4, 8, 6) and np.isfinite(mid).all()
    with pytest.raises(ValueError, match="as many samples"):
        s.interpolate(Xb[:4], Xb[:3], 0.5, "b")
    with pytest.raises(ValueError, match="No flow was trained for class 'a'"):
        s.sample(3, "a")
    with pytest.raises(ValueError, match="pass cls= to choose one"):
        s.score_samples(Xb)
    one = GlowOversampler(**TINY, sampling_strategy="minority", random_state=0)
    np.testing.assert_allclose(
        one.fit(X, y).score_samples(X[y == "c"]),
        one.score_samples(X[y == "c"], "c"),
    )
    with pytest.raises(ValueError, match="fitted on samples of shape"):
        s.score_samples(np.zeros((2, 6, 8)), "b")


def test_bad_inputs_give_clear_errors():
    X, y = make_data(counts=(30, 12, 1))
    with pytest.raises(ValueError, match=r"Class 'c' has 1 sample.*at least 2"):
        GlowOversampler(**TINY).fit_resample(X, y)
    # leaving the singleton class out works
    X_res, y_res = GlowOversampler(**TINY, sampling_strategy={"b": 30}).fit_resample(
        X, y
    )
    assert Counter(y_res)["b"] == 30
    Xn = X.copy()
    Xn[3, 2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GlowOversampler(**TINY).fit_resample(Xn, y)
    Xn[3, 2, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        GlowOversampler(**TINY).fit_resample(Xn, y)
    with pytest.raises(ValueError, match="should be greater or equal"):
        GlowOversampler(**TINY, sampling_strategy={"b": 5}).fit_resample(X, y)
    with pytest.raises(ValueError, match="sample_shape"):
        GlowOversampler(**TINY, sample_shape=(5, 5)).fit_resample(
            X.reshape(len(X), -1), y
        )
    with pytest.raises(ValueError, match="dimensions"):
        GlowOversampler(**TINY).fit_resample(np.zeros((43, 2, 2, 2, 2)), y)


def test_verbose_shows_progress(capsys):
    X, y = make_data(counts=(10, 5))
    GlowOversampler(**TINY, verbose=1, random_state=0).fit(X, y)
    assert "Glow[b]" in capsys.readouterr().err


def _gappy(counts=(30, 16), seed=0):
    """Class b: every gather has 2 dead traces, at another place in each."""
    X, y = make_data(shape=(8, 16), counts=counts, seed=seed)
    rng = np.random.RandomState(seed + 1)
    for i in np.flatnonzero(y == "b"):
        start = rng.randint(0, 15)
        X[i, :, start : start + 2] = 0.0
    return X, y


def test_quiet_level_carries_the_nearer_parents_gaps():
    X, y = _gappy()
    Xb = X[y == "b"]
    dead = Xb == 0
    off = GlowOversampler(**TINY, random_state=0).fit(X, y)
    on = GlowOversampler(**TINY, quiet_level=0.01, random_state=0).fit(X, y)
    a, b = Xb[:8], Xb[8:16]
    for lam, parent in ((0.3, dead[:8]), (0.7, dead[8:16])):
        mixed_on = on.interpolate(a, b, lam, "b")
        mixed_off = off.interpolate(a, b, lam, "b")
        assert np.all(mixed_on[parent] == 0)
        # without the option the flow's decode fills most of the parent's gaps
        assert np.mean(mixed_off[parent] == 0) < 0.5
        # elsewhere the decode is kept, up to each sample's renormalisation
        kept = ~quiet_mask(np.where(lam < 0.5, a, b))
        for k in range(8):
            ratio = mixed_on[k][kept[k]] / mixed_off[k][kept[k]]
            np.testing.assert_allclose(ratio, ratio[0], rtol=1e-4)
    # generated samples keep a real gap's share of dead values
    real_share = np.mean(dead.reshape(16, -1), axis=1)
    share_on = np.mean(on.sample(50, "b").reshape(50, -1) == 0, axis=1)
    share_off = np.mean(off.sample(50, "b").reshape(50, -1) == 0, axis=1)
    assert share_on.min() >= real_share.min()
    assert share_off.mean() < 0.5 * share_on.mean()
    assert not np.any(dead.reshape(16, -1).all(axis=1))  # the data had signal


def test_quiet_level_is_validated():
    X, y = _gappy()
    with pytest.raises(ValueError, match="quiet_level"):
        GlowOversampler(**TINY, quiet_level=1.5).fit(X, y)


def test_each_flow_is_built_once_and_no_state_passes_between_hooks():
    X, y = make_data(counts=(30, 8))
    s = GlowOversampler(**TINY, sample_shape=(8, 6), random_state=0)
    X_res, _ = s.fit_resample(X.reshape(len(X), -1), y)
    assert X_res.shape == (60, 48)  # flattened in, flattened out
    # pretraining and one fine-tuning; the fine-tuned flow is the one sampled
    assert len(StandInFlow.instances) == 2
    assert s.flows_["b"] is StandInFlow.instances[1]
    assert not [k for k in vars(s) if "flat" in k]


def test_the_flow_tells_the_padding_multiple(monkeypatch):
    monkeypatch.setattr(StandInFlow, "size_multiple", staticmethod(lambda n: 5))
    X, y = make_data(shape=(8, 6), counts=(10, 5))
    s = GlowOversampler(**TINY, random_state=0).fit(X, y)
    assert s.flow_input_shape_ == (1, 10, 10)
    assert s.sample(3, "b").shape == (3, 8, 6)


def test_score_samples_under_the_pretrained_flow():
    X, y = make_data(counts=(30, 8))
    s = GlowOversampler(**TINY, random_state=0).fit(X, y)
    pre = s.score_samples(X, flow="pretrained")
    assert pre.shape == (38,) and np.isfinite(pre).all()
    assert not np.allclose(pre, s.score_samples(X, "b"))
    with pytest.raises(ValueError, match="flow must be 'class' or 'pretrained'"):
        s.score_samples(X, flow="other")
    paper = GlowOversampler(**TINY, pretrain="none", random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="No pretrained flow.*pretrain='all'"):
        paper.score_samples(X, flow="pretrained")
