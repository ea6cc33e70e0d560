"""Tests of the synthetic-sample diagnostics: each separates a planted bad case
from a good one, rejects bad input clearly and leaves its inputs alone."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KernelDensity, KNeighborsClassifier

from sklearn_seismo.datasets import make_shot_gathers
from sklearn_seismo.metrics import (
    artefact_ratios,
    artefact_statistics,
    classifier_two_sample_test,
    likelihood_gap,
    novelty_ratio,
)

SHAPE = (16, 16)


@pytest.fixture(scope="module")
def gathers():
    """Medium-class gathers from three independent draws: train, held-out, fresh."""
    sets = []
    for seed in (0, 1, 2):
        X, y = make_shot_gathers(300, shape=SHAPE, random_state=seed)
        sets.append(X[y == "medium"][:80])
    return sets


def test_c2st_fresh_samples_are_indistinguishable(gathers):
    train, _, fresh = gathers
    auc = classifier_two_sample_test(train, fresh, random_state=0)
    assert 0.3 < auc < 0.7


def test_c2st_detects_noisy_samples(gathers):
    train, _, fresh = gathers
    rng = np.random.default_rng(0)
    noisy = fresh + 0.5 * rng.normal(size=fresh.shape).astype(fresh.dtype)
    assert classifier_two_sample_test(train, noisy, random_state=0) > 0.9


def test_c2st_keeps_copies_with_their_parent():
    # Near-copies of real samples: a 1-NN classifier that sees the parent in
    # training labels its copy "real" and the parent's copy "synthetic" on the
    # test fold, an AUC near 0 that measures memorisation, not realism. Grouped
    # folds keep each pair together, so nothing can be learnt: AUC near 0.5.
    rng = np.random.default_rng(0)
    real = rng.normal(size=(60, 8, 8))
    copies = real + 1e-3 * rng.normal(size=real.shape)
    knn = KNeighborsClassifier(n_neighbors=1)
    auc = classifier_two_sample_test(real, copies, estimator=knn, random_state=0)
    assert 0.3 < auc < 0.7

    X = np.concatenate([real, copies]).reshape(120, -1)
    y = np.r_[np.zeros(60), np.ones(60)]
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    ungrouped = cross_val_score(knn, X, y, cv=cv, scoring="roc_auc").mean()
    assert ungrouped < 0.2  # what the grouping protects against


def test_c2st_flat_input_matches_nd(gathers):
    train, _, fresh = gathers
    a = classifier_two_sample_test(train, fresh, random_state=3)
    b = classifier_two_sample_test(
        train.reshape(len(train), -1),
        fresh.reshape(len(fresh), -1),
        sample_shape=SHAPE,
        random_state=3,
    )
    assert a == b


def test_c2st_all_copies_of_one_sample_is_an_error():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(20, 16))
    synth = np.repeat(real[:1], 20, axis=0)
    with pytest.raises(ValueError, match="no fold holds both"):
        classifier_two_sample_test(real, synth, random_state=0)


def test_c2st_estimator_needs_scores():
    from sklearn.base import BaseEstimator, ClassifierMixin

    class NoScore(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            return self

    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="predict_proba nor decision_function"):
        classifier_two_sample_test(
            rng.normal(size=(20, 4)), rng.normal(size=(20, 4)), estimator=NoScore()
        )


@pytest.mark.parametrize("cv", [1, 2.5, True, 100])
def test_c2st_bad_cv(cv):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="cv"):
        classifier_two_sample_test(
            rng.normal(size=(20, 4)), rng.normal(size=(20, 4)), cv=cv
        )


def test_novelty_copies_and_fresh(gathers):
    train, heldout, fresh = gathers
    rng = np.random.default_rng(0)
    copies = train[rng.integers(0, len(train), size=50)]
    assert novelty_ratio(train, copies, heldout) < 1e-6
    assert 0.7 < novelty_ratio(train, fresh, heldout) < 1.4
    # leave-one-out reference when no held-out set exists
    assert 0.6 < novelty_ratio(train, fresh) < 1.4
    assert novelty_ratio(train, copies) < 1e-6


def test_novelty_smote_like_interpolation_is_in_between(gathers):
    train, heldout, _ = gathers
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, len(train), size=(2, 50))
    lam = rng.uniform(0.0, 0.1, size=(50, 1, 1))
    near = train[i] + lam * (train[j] - train[i])
    assert 0 < novelty_ratio(train, near, heldout) < 0.3


def test_novelty_duplicated_heldout_is_an_error(gathers):
    train = gathers[0]
    with pytest.raises(ValueError, match="no scale"):
        novelty_ratio(train, train[:5], train[:10])


def test_artefact_ratios_flag_spikes(gathers):
    train, _, fresh = gathers
    spiky = fresh.copy()
    rng = np.random.default_rng(0)
    for k in range(len(spiky)):  # speckle: one isolated spike per trace
        t = rng.integers(0, SHAPE[0], size=SHAPE[1])
        spiky[k, t, np.arange(SHAPE[1])] += 10.0 * np.abs(spiky[k]).max()
    ok = artefact_ratios(train, fresh, time_axis=1)
    bad = artefact_ratios(train, spiky, time_axis=1)
    assert 0.8 < ok["kurtosis"] < 1.25 and 0.8 < ok["crest_factor"] < 1.25
    assert bad["kurtosis"] > 2.0
    # one blown-up sample per gather: the crest factor flags it (dense speckle
    # raises the RMS as much as the peak, so the crest factor does not)
    peaky = fresh.copy()
    peaky[:, 3, 5] = 30.0 * np.abs(fresh).reshape(len(fresh), -1).max(axis=1)
    assert artefact_ratios(train, peaky, time_axis=1)["crest_factor"] > 2.0


def test_artefact_ratios_flag_filled_gaps(gathers):
    train, held_out, fresh = gathers
    # a fault class: every gather has two dead traces and a gap
    real, same, filled = train.copy(), fresh.copy(), fresh.copy()
    for X in (real, same, filled):
        X[:, :, 3:5] = 0.0
        X[:, 4:9, :] = 0.0
    # the generator's noise floor: 5 % of each gather's RMS where it was quiet
    rng = np.random.default_rng(0)
    rms = np.sqrt(np.mean(filled**2, axis=(1, 2), keepdims=True))
    quiet = filled == 0.0
    filled[quiet] = (0.05 * rms * rng.normal(size=filled.shape))[quiet]
    ok = artefact_ratios(real, same, time_axis=1)["quiet_fraction"]
    bad = artefact_ratios(real, filled, time_axis=1)["quiet_fraction"]
    assert 0.8 < ok < 1.25
    assert bad < 0.5
    # no quiet value among the real samples: defined, never NaN
    loud = held_out + np.sign(held_out + 1e-30) * np.abs(held_out).max()
    assert artefact_ratios(loud, loud, time_axis=1)["quiet_fraction"] == 1.0
    assert artefact_ratios(loud, real, time_axis=1)["quiet_fraction"] == np.inf


def test_artefact_statistics_follow_time_axis(gathers):
    X = gathers[0][:5]
    gathers_stats = artefact_statistics(X, time_axis=1)
    waveform_stats = artefact_statistics(np.swapaxes(X, 1, 2), time_axis=-1)
    np.testing.assert_allclose(gathers_stats["kurtosis"], waveform_stats["kurtosis"])
    np.testing.assert_allclose(
        gathers_stats["crest_factor"], waveform_stats["crest_factor"]
    )
    flat = artefact_statistics(X.reshape(5, -1), time_axis=1, sample_shape=SHAPE)
    np.testing.assert_array_equal(flat["kurtosis"], gathers_stats["kurtosis"])
    # the time axis matters: along the traces the values differ
    other = artefact_statistics(X, time_axis=2)
    assert not np.allclose(other["kurtosis"], gathers_stats["kurtosis"])


def test_artefact_statistics_known_values_and_dead_traces():
    X = np.zeros((2, 4, 3))
    X[0, :, 0] = [1.0, -1.0, 1.0, -1.0]  # square wave: kurtosis 1
    X[0, :, 1] = [0.0, 0.0, 0.0, 2.0]  # one spike: kurtosis (3/4) / (3/16) ...
    stats = artefact_statistics(X, time_axis=1)
    assert stats["kurtosis"][0, 0] == pytest.approx(1.0)
    c = np.array([-0.5, -0.5, -0.5, 1.5])
    expected = np.mean(c**4) / np.mean(c**2) ** 2
    assert stats["kurtosis"][0, 1] == pytest.approx(expected)
    # dead trace and silent sample: 0, not NaN
    assert stats["kurtosis"][0, 2] == 0.0
    assert stats["crest_factor"][1] == 0.0
    # the dead trace and the spike trace's zeros are quiet; a silent sample
    # is quiet everywhere
    assert stats["quiet_fraction"][0] == pytest.approx(7 / 12)
    assert stats["quiet_fraction"][1] == 1.0
    rms = np.sqrt(np.mean(X[0] ** 2))
    assert stats["crest_factor"][0] == pytest.approx(2.0 / rms)
    assert all(np.isfinite(v).all() for v in stats.values())


def test_artefact_ratios_silent_real_is_an_error():
    with pytest.raises(ValueError, match="no scale"):
        artefact_ratios(np.zeros((3, 8)), np.ones((3, 8)))


@pytest.mark.parametrize("time_axis", [0, 3, 1.5])
def test_artefact_statistics_bad_time_axis(time_axis):
    with pytest.raises(ValueError, match="time_axis"):
        artefact_statistics(np.ones((2, 4, 4)), time_axis=time_axis)


def test_likelihood_gap_memoriser_vs_fresh(gathers):
    train, heldout, fresh = gathers
    rng = np.random.default_rng(0)
    memorised = train[rng.integers(0, len(train), size=100)]
    memorised = memorised + 0.01 * rng.normal(size=memorised.shape)
    gap_memo = likelihood_gap(train, memorised, heldout, random_state=0)
    gap_fresh = likelihood_gap(train, fresh, heldout, random_state=0)
    assert gap_memo > gap_fresh + 0.5
    assert abs(gap_fresh) < 0.3


def test_likelihood_gap_custom_density(gathers):
    train, heldout, fresh = gathers
    rng = np.random.default_rng(0)
    memorised = train[rng.integers(0, len(train), size=100)]
    kde = KernelDensity(bandwidth=0.5)
    gap_memo = likelihood_gap(train, memorised, heldout, estimator=kde)
    gap_fresh = likelihood_gap(train, fresh, heldout, estimator=kde)
    assert gap_memo > gap_fresh + 0.2


def test_likelihood_gap_needs_a_density():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 4))
    with pytest.raises(TypeError, match="score_samples"):
        likelihood_gap(X, X, X, estimator=KNeighborsClassifier())


def test_likelihood_gap_non_finite_is_an_error():
    from sklearn.base import BaseEstimator

    class Degenerate(BaseEstimator):  # a density with zero mass off its data
        def fit(self, X, y=None):
            self.X_ = X.copy()
            return self

        def score_samples(self, X):
            hit = (X[:, None, :] == self.X_[None]).all(axis=2).any(axis=1)
            return np.where(hit, 0.0, -np.inf)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 4))
    with pytest.raises(ValueError, match="non-finite"):
        likelihood_gap(X, X, X + 1.0, estimator=Degenerate())


DIAGNOSTICS = [
    lambda a, b, c, **kw: classifier_two_sample_test(a, b, **kw),
    lambda a, b, c, **kw: novelty_ratio(a, b, c, **kw),
    lambda a, b, c, **kw: artefact_ratios(a, b, **kw),
    lambda a, b, c, **kw: likelihood_gap(a, b, c, **kw),
]


@pytest.mark.parametrize("diagnostic", DIAGNOSTICS)
def test_mismatched_shapes_are_an_error(diagnostic):
    rng = np.random.default_rng(0)
    a, c = rng.normal(size=(20, 4, 4)), rng.normal(size=(20, 4, 4))
    b = rng.normal(size=(20, 4, 5))
    with pytest.raises(ValueError, match="different sample shapes"):
        diagnostic(a, b, c)


@pytest.mark.parametrize("diagnostic", DIAGNOSTICS)
def test_nan_and_wrong_sample_shape_are_errors(diagnostic):
    rng = np.random.default_rng(0)
    a, b, c = (rng.normal(size=(20, 16)) for _ in range(3))
    b[3, 2] = np.nan
    with pytest.raises(ValueError, match="invalid X_synthetic.*NaN"):
        diagnostic(a, b, c)
    b[3, 2] = 0.0
    with pytest.raises(ValueError, match="sample_shape"):
        diagnostic(a, b, c, sample_shape=(3, 3))


@pytest.mark.parametrize("diagnostic", DIAGNOSTICS)
def test_inputs_are_not_modified(diagnostic):
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(30, 8, 8)).astype(np.float32) for _ in range(3)]
    copies = [a.copy() for a in arrays]
    for a in arrays:
        a.setflags(write=False)  # read-only input must work too
    diagnostic(*arrays)
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)


def test_likelihood_gap_of_few_exact_copies_is_finite_and_large(gathers):
    # random oversampling of 5 gathers: synthetic samples span 4 dimensions,
    # fewer than the default model's components
    train, heldout, fresh = gathers
    rng = np.random.default_rng(0)
    copies = train[:5][rng.integers(0, 5, size=100)]
    gap = likelihood_gap(train[:5], copies, heldout, random_state=0)
    assert np.isfinite(gap)
    assert gap > likelihood_gap(train[:5], fresh, heldout, random_state=0) + 1.0
