"""GlowOversampler's sampling options of issue 23: ``sampling_temperature``
(Glow's reduced temperature), ``noise_source`` (a clean decode plus a real
sample's residual) and ``mode="translate"`` (samples of other classes moved
into the class in latent space).

The stand-in flow (exactly invertible, linear, a spy) replaces the real one."""

import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate

from sklearn_seismo.over_sampling import GlowOversampler, _glow_latent, _glow_model

from ._glow_helpers import TINY, make_data, normalised, rows

pytestmark = pytest.mark.usefixtures("standin")


# -------------------------------------------------------- sampling temperature
def test_sampling_temperature_one_is_the_plain_decode():
    X, y = make_data(counts=(30, 8))
    a, _ = GlowOversampler(**TINY, random_state=0).fit_resample(X, y)
    b, _ = GlowOversampler(
        **TINY, sampling_temperature=1.0, random_state=0
    ).fit_resample(X, y)
    assert a.tobytes() == b.tobytes()


def test_sampling_temperature_scales_the_decoded_latents():
    X, y = make_data(counts=(30, 16))
    decoded = {}
    for t in (1.0, 0.5):
        s = GlowOversampler(**TINY, sampling_temperature=t, random_state=0).fit(X, y)
        s.flows_["b"].inverse_inputs.clear()
        out = s.sample(12, "b", random_state=3)
        assert out.shape == (12, 8, 6) and np.isfinite(out).all()
        decoded[t] = s.flows_["b"].inverse_inputs[0]  # the first draw: same pairs
    for z1, zt in zip(decoded[1.0], decoded[0.5]):
        torch.testing.assert_close(zt, 0.5 * z1)
    with pytest.raises(ValueError, match="sampling_temperature"):
        GlowOversampler(**TINY, sampling_temperature=0.0).fit(X, y)


# ----------------------------------------------------------------- noise source
def _at_lambda(monkeypatch, value):
    """Every drawn pair mixes at ``lambda = value``."""
    real = _glow_latent.draw_pairs

    def fixed(rs, n, neigh, m):
        a, b, lam = real(rs, n, neigh, m)
        return a, b, np.full_like(lam, value)

    monkeypatch.setattr(_glow_latent, "draw_pairs", fixed)


def test_noise_source_parent_is_the_clean_decode_plus_the_parent_residual():
    X, y = make_data(counts=(30, 16))
    s = GlowOversampler(**TINY, random_state=0).fit(X, y)
    # no effect at temperature 1: the same bits as the default
    plain = s.sample(10, "b", random_state=3)
    same = s.set_params(noise_source="parent").sample(10, "b", random_state=3)
    assert plain.tobytes() == same.tobytes()
    model = s._models["b"]
    pairs = _glow_latent._Pairs(model, 5, np.random.RandomState(0))
    c = np.arange(len(model.data))
    res = pairs.residual(c, 0.5, model.decode)
    # the residual is what the reduced temperature removes from the sample
    smooth = model.decode([0.5 * z for z in model.latents])
    np.testing.assert_allclose(smooth + res, model.data, atol=1e-5)
    assert np.abs(res).max() > 0.1
    assert np.abs(pairs.residual(c, 1.0, model.decode)).max() < 1e-4
    with pytest.raises(ValueError, match="noise_source"):
        GlowOversampler(**TINY, noise_source="real").fit(X, y)


def test_noise_source_parent_at_lambda_zero_gives_the_parent_back(monkeypatch):
    X, y = make_data(counts=(30, 16))
    _at_lambda(monkeypatch, 0.0)
    real = normalised(X[y == "b"])
    out = {}
    for source in ("flow", "parent"):
        s = GlowOversampler(
            **TINY, sampling_temperature=0.5, noise_source=source, random_state=0
        ).fit(X, y)
        out[source] = normalised(s.sample(8, "b", random_state=1))
    # the parent's own residual restores it; the clean decode alone does not
    assert rows(out["parent"], real)
    assert not rows(out["flow"], real)


def test_interpolate_uses_the_sampling_temperature_and_noise_source():
    X, y = make_data(counts=(30, 16))
    Xb = X[y == "b"]
    a, b = Xb[:6], Xb[6:12]
    lam = np.array([0.0, 0.0, 0.2, 0.5, 0.8, 1.0])
    s = GlowOversampler(**TINY, random_state=0).fit(X, y)
    plain = s.interpolate(a, b, lam, cls="b")
    out = {}
    for source in ("flow", "parent"):
        s.set_params(sampling_temperature=0.5, noise_source=source)
        out[source] = s.interpolate(a, b, lam, cls="b")
    # the ends come back with the parent's residual, not from the clean decode
    ends = np.concatenate([a[:2], b[-1:]])
    np.testing.assert_allclose(out["parent"][[0, 1, 5]], ends, rtol=1e-4, atol=1e-4)
    assert not np.allclose(out["flow"][[0, 1, 5]], ends, rtol=1e-2, atol=1e-2)
    assert not np.allclose(out["flow"], plain, rtol=1e-2, atol=1e-2)
    # at temperature 1 the noise source changes nothing
    s.set_params(sampling_temperature=1.0, noise_source="parent")
    assert s.interpolate(a, b, lam, cls="b").tobytes() == plain.tobytes()


# ------------------------------------------------------------------- translate
def _spy_sources(monkeypatch):
    seen = []
    real = _glow_model.ClassModel.prepare_sampling

    def spy(self, layout, margin):
        seen.append((self.label, None if self.sources is None else self.sources.copy()))
        return real(self, layout, margin)

    monkeypatch.setattr(_glow_model.ClassModel, "prepare_sampling", spy)
    return seen


def test_translate_makes_the_requested_finite_reproducible_samples(monkeypatch):
    X, y = make_data(counts=(30, 12, 6))
    seen = _spy_sources(monkeypatch)
    s = GlowOversampler(
        **TINY, mode="translate", sampling_strategy="auto", random_state=0
    )
    X_res, y_res = s.fit_resample(X, y)
    assert dict(zip(*np.unique(y_res, return_counts=True))) == {
        "a": 30,
        "b": 30,
        "c": 30,
    }
    assert np.isfinite(X_res).all()
    again, _ = GlowOversampler(
        **TINY, mode="translate", sampling_strategy="auto", random_state=0
    ).fit_resample(X, y)
    assert X_res.tobytes() == again.tobytes()
    interp, _ = GlowOversampler(
        **TINY, sampling_strategy="auto", random_state=0
    ).fit_resample(X, y)
    assert not np.allclose(interp[len(X) :], X_res[len(X) :])
    # each class translates from the samples of the other classes, only
    for cls, sources in seen[:2]:
        assert len(sources) == np.sum(y != cls)
        assert rows(sources[:, 0, :8, :6], normalised(X[y != cls]))
    # amplitudes stay within the class's range
    for cls in "bc":
        new = X_res[len(X) :][y_res[len(X) :] == cls]
        rms = np.sqrt(np.mean(new.reshape(len(new), -1).astype(float) ** 2, axis=1))
        assert rms.min() >= s.scales_[cls].min() * (1 - 1e-5)
        assert rms.max() <= s.scales_[cls].max() * (1 + 1e-5)


def test_translation_is_a_latent_shift_the_flow_inverts_exactly():
    X, y = make_data(counts=(30, 8))
    s = GlowOversampler(**TINY, mode="translate", random_state=0).fit(X, y)
    model = s._models["b"]
    pairs = _glow_latent._Translations(model, 5, np.random.RandomState(0))
    a, b, lam = pairs.draw(6)
    src_end, cls_end = pairs.ends(a, b)
    # end a is the source's latent plus the class-mean shift, at every level
    for z, zs, d in zip(src_end, model.source_latents, model.shift):
        torch.testing.assert_close(z, zs[a] + d)
    # taking the shift back decodes the source sample itself (exact inverse)
    back = model.decode([z - d for z, d in zip(src_end, model.shift)])
    np.testing.assert_allclose(back, model.sources[a], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model.decode(cls_end), model.data[b], atol=1e-5)
    # the class end is a nearest class latent of the translated source
    assert set(b) <= set(range(len(model.data)))


def test_translate_never_sees_test_folds_and_uses_the_pool(monkeypatch):
    X, y = make_data(counts=(30, 12))
    pool = np.random.RandomState(7).normal(size=(9, 8, 6)).astype(np.float32)
    seen = _spy_sources(monkeypatch)
    sampler = GlowOversampler(
        **TINY,
        mode="translate",
        pretrain="none",  # the pool still serves as sources
        unlabeled_pool=pool.reshape(9, -1),
        sample_shape=(8, 6),
        random_state=0,
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    Xf = X.reshape(len(X), -1)
    cross_validate(
        Pipeline([("glow", sampler), ("clf", DummyClassifier())]), Xf, y, cv=cv
    )
    assert len(seen) == 3
    for (train, test), (cls, sources) in zip(cv.split(Xf, y), seen):
        src = sources[:, 0, :8, :6]
        other = train[y[train] != cls]
        assert len(src) == len(other) + len(pool)
        assert rows(normalised(X[other]), src) and rows(normalised(pool), src)
        for i in test:  # no test-fold sample is ever a source
            assert not rows(normalised(X[i : i + 1]), src)


def test_translate_without_other_samples_is_a_clear_error():
    X, y = make_data(counts=(30, 8))
    X[y == "a"] = 0.0  # no other sample with energy
    with pytest.raises(ValueError, match="mode='translate' has no sample"):
        GlowOversampler(**TINY, mode="translate", sampling_strategy={"b": 20}).fit(X, y)


def test_translate_after_an_interpolate_fit_asks_for_a_refit():
    X, y = make_data(counts=(30, 8))
    s = GlowOversampler(**TINY, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="refit it after set_params"):
        s.set_params(mode="translate").sample(3)
    # the other way round works: the class's own samples are always kept
    s = GlowOversampler(**TINY, mode="translate", random_state=0).fit(X, y)
    assert s.set_params(mode="interpolate").sample(3).shape == (3, 8, 6)
