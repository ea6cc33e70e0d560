"""GlowOversampler's acceptance test: artefact statistics, bounds, redraws,
neighbours, and the same bits for the same seed.

The stand-in flow (exactly invertible, a spy) replaces the real one."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from sklearn_seismo.over_sampling import GlowOversampler, _glow_latent

from ._glow_helpers import (
    TINY,
    make_data,
)

pytestmark = pytest.mark.usefixtures("standin")


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
    X, y = make_data(counts=(30, 8))
    s = GlowOversampler(**TINY, random_state=0)
    X_res, _ = s.fit_resample(X, y)
    assert np.isfinite(X_res).all()
    assert set(s.acceptance_rate_) == {"b"} and 0 < s.acceptance_rate_["b"] <= 1
    lam = s.accepted_lambdas_["b"]
    assert lam.shape == (22,) and ((lam >= 0) & (lam <= 1)).all()
    assert set(s.acceptance_bounds_["b"]) == {"bits_per_dim", "crest", "kurtosis"}


def test_k_neighbors_accepts_a_neighbours_estimator():
    X, y = make_data(counts=(30, 8))
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
    X, y = make_data()
    a, ya = GlowOversampler(**TINY, random_state=3).fit_resample(X, y)
    b, _ = GlowOversampler(**TINY, random_state=3).fit_resample(X, y)
    assert a.tobytes() == b.tobytes()
    # "minority": only the rarest class is oversampled
    assert sorted(np.unique(ya[len(y) :])) == ["c"]


def test_sample_leaves_the_fitted_attributes_alone():
    X, y = make_data(counts=(30, 8))
    s = GlowOversampler(**TINY, random_state=0)
    s.fit_resample(X, y)
    rate, lam = s.acceptance_rate_, s.accepted_lambdas_["b"].copy()
    out, info = s.sample(7, "b", random_state=1, return_diagnostics=True)
    assert info["accepted_lambdas"].shape == (7,) and 0 < info["acceptance_rate"] <= 1
    np.testing.assert_array_equal(s.sample(7, "b", random_state=1), out)
    assert s.acceptance_rate_ == rate
    np.testing.assert_array_equal(s.accepted_lambdas_["b"], lam)
    # fit alone generates nothing, so it reports no acceptance
    fitted = GlowOversampler(**TINY, random_state=0).fit(X, y)
    fitted.sample(5, "b")
    assert fitted.acceptance_rate_ == {} and fitted.accepted_lambdas_ == {}
