"""CriticFilteredSampler: candidates from any over-sampler, filtered by a critic."""

from numbers import Real

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_seismo.augmentation import AddNoise, AugmentationSampler
from sklearn_seismo.over_sampling import CriticFilteredSampler, GlowOversampler

SHAPE = (4, 16)


class Planted(BaseOverSampler):
    """Stand-in over-sampler: noisy copies, with planted candidates.

    Candidate ``i`` of every class in ``bad`` is replaced by ``bad_value``
    alternating in sign (an absurd, spiky sample; NaN when asked).
    ``reverse=True`` breaks the over-sampler contract (originals first).
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "bad": [list, None],
        "bad_value": [Real],
        "reverse": ["boolean"],
    }

    def __init__(
        self,
        sampling_strategy="auto",
        random_state=None,
        bad=None,
        bad_value=8.0,
        reverse=False,
    ):
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.bad = bad
        self.bad_value = bad_value
        self.reverse = reverse

    def _fit_resample(self, X, y):
        rng = np.random.default_rng(self.random_state)
        X_out, y_out = [X], [y]
        for cls, n in self.sampling_strategy_.items():
            if n == 0:
                continue
            members = X[y == cls]
            cand = members[rng.integers(0, len(members), n)]
            cand = cand + 0.1 * rng.normal(size=cand.shape)
            sign = np.where(np.arange(X.shape[1]) % 2, 1.0, -1.0)
            for i in self.bad or []:
                cand[i] = self.bad_value * sign
            X_out.append(cand)
            y_out.append(np.full(n, cls))
        X_res, y_res = np.concatenate(X_out), np.concatenate(y_out)
        if self.reverse:
            return X_res[::-1], y_res[::-1]
        return X_res, y_res


def _data(n_major=80, n_minor=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_major + n_minor, int(np.prod(SHAPE))))
    y = np.r_[np.zeros(n_major, dtype=int), np.ones(n_minor, dtype=int)]
    return X, y


def _recorder():
    """A callable critic that records what it sees; score = first feature."""
    seen = []

    def critic(X_cand, X_class, X_rest):
        seen.append((X_cand.copy(), X_class.copy(), X_rest.copy()))
        return X_cand.reshape(len(X_cand), -1)[:, 0]

    return critic, seen


def _rows(X):
    X = np.asarray(X, dtype=np.float64)
    return {row.tobytes() for row in X.reshape(len(X), -1)}


# ----------------------------------------------------------------- selection
def test_kept_candidates_are_the_top_scored_in_sampler_order():
    X, y = _data()
    critic, seen = _recorder()
    sampler = CriticFilteredSampler(
        Planted(), critic=critic, sample_shape=SHAPE, random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    ((cand, X_class, X_rest),) = seen
    n_new = 60
    assert np.bincount(y_res).tolist() == [80, 80]
    assert len(cand) == 3 * n_new  # oversampling_factor=3
    scores = cand.reshape(len(cand), -1)[:, 0]
    top = np.sort(np.argsort(-scores)[:n_new])
    np.testing.assert_array_equal(sampler.selected_[1], top)
    np.testing.assert_array_equal(sampler.candidate_scores_[1], scores)
    np.testing.assert_array_equal(X_res[100:], cand[top].reshape(n_new, -1))
    # every kept score beats every rejected one
    rejected = np.setdiff1d(np.arange(len(cand)), top)
    assert scores[top].min() >= scores[rejected].max()
    # the critic saw the class's real samples and the rest, n-D
    np.testing.assert_array_equal(X_class.reshape(20, -1), X[y == 1])
    np.testing.assert_array_equal(X_rest.reshape(80, -1), X[y == 0])
    assert cand.shape[1:] == SHAPE


def test_planted_bad_candidate_is_rejected_by_a_callable_critic():
    X, y = _data()
    real = X[y == 1]

    def nearest_real(X_cand, X_class, X_rest):
        d = np.linalg.norm(X_cand.reshape(len(X_cand), 1, -1) - real[None], axis=2)
        return -d.min(axis=1)

    sampler = CriticFilteredSampler(
        Planted(bad=[7]), critic=nearest_real, sample_shape=SHAPE, random_state=0
    )
    sampler.fit_resample(X, y)
    assert 7 not in sampler.selected_[1]
    assert np.argmin(sampler.candidate_scores_[1]) == 7


@pytest.mark.parametrize("seed", range(3))
def test_classifier_critic_rejects_candidates_with_a_shared_artefact(seed):
    # The discriminative critic learns what sets the candidates apart from the
    # real samples; planted absurd candidates in every cross-fitting fold are
    # all rejected. (A single absurd candidate unlike all others is scored by
    # extrapolation: see the class Notes.)
    X, y = _data(seed=seed)
    bad = [3, 17, 29, 41, 55, 88, 130, 171]
    sampler = CriticFilteredSampler(
        Planted(bad=bad), sample_shape=SHAPE, random_state=seed
    )
    X_res, _ = sampler.fit_resample(X, y)
    assert not set(bad) & set(sampler.selected_[1].tolist())
    assert np.abs(X_res).max() < 8.0
    scores = sampler.candidate_scores_[1]
    assert scores[bad].max() < np.median(scores)


def test_nonfinite_candidates_are_never_kept():
    X, y = _data()
    critic, seen = _recorder()
    sampler = CriticFilteredSampler(
        Planted(bad=[0, 5], bad_value=np.nan),
        critic=critic,
        sample_shape=SHAPE,
        random_state=0,
    )
    X_res, _ = sampler.fit_resample(X, y)
    assert np.isfinite(X_res).all()
    assert sampler.candidate_scores_[1][[0, 5]].tolist() == [-np.inf, -np.inf]
    assert len(seen[0][0]) == 178  # the critic was not shown the NaN samples


def test_weighted_selection_draws_by_exp_score_and_is_seeded():
    X, y = _data()

    def half_impossible(X_cand, X_class, X_rest):
        scores = np.zeros(len(X_cand))
        scores[::2] = -np.inf
        return scores

    def run(seed):
        s = CriticFilteredSampler(
            Planted(),
            critic=half_impossible,
            selection="weighted",
            sample_shape=SHAPE,
            random_state=seed,
        )
        s.fit_resample(X, y)
        return s.selected_[1]

    a, b, c = run(0), run(0), run(1)
    assert (a % 2 == 1).all()  # zero weight: never drawn while others are left
    assert len(a) == len(np.unique(a)) == 60
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_factor_one_keeps_every_candidate():
    X, y = _data()
    critic, seen = _recorder()
    sampler = CriticFilteredSampler(
        Planted(random_state=3), critic=critic, oversampling_factor=1
    )
    X_res, y_res = sampler.fit_resample(X, y)
    X_ref, y_ref = Planted(random_state=3).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X_ref)
    np.testing.assert_array_equal(y_res, y_ref)
    assert not seen  # nothing to choose: the critic is not asked
    assert np.isnan(sampler.candidate_scores_[1]).all()


# ---------------------------------------------------------- classifier critic
class SpyLogistic(ClassifierMixin, BaseEstimator):
    """LogisticRegression that records the rows it is fitted on and scores."""

    log = []

    def fit(self, X, y):
        self.lr_ = LogisticRegression(max_iter=1000).fit(X, y)
        self.classes_ = self.lr_.classes_
        self.fitted_ = (_rows(X[y == 1]), _rows(X[y == 0]))
        SpyLogistic.log.append(self)
        self.scored_ = set()
        return self

    def decision_function(self, X):
        self.scored_ |= _rows(X)
        return self.lr_.decision_function(X)


def test_classifier_critic_is_cross_fitted():
    X, y = _data()
    SpyLogistic.log = []
    sampler = CriticFilteredSampler(
        RandomOverSampler(shrinkage=0.5),
        estimator=SpyLogistic(),
        cv=4,
        sample_shape=SHAPE,
        random_state=0,
    )
    sampler.fit_resample(X, y)
    models = SpyLogistic.log
    assert len(models) == 4
    real = _rows(X[y == 1])
    scored = set()
    for model in models:
        fitted_real, fitted_cand = model.fitted_
        assert fitted_real == real  # all real samples in every fold
        assert not model.scored_ & fitted_cand  # never scored what it saw
        assert not scored & model.scored_  # each candidate scored once
        scored |= model.scored_
    assert len(scored) == 180
    assert np.isfinite(sampler.candidate_scores_[1]).all()


def test_classifier_critic_with_predict_proba_only():
    X, y = _data()
    sampler = CriticFilteredSampler(
        SMOTE(k_neighbors=3), estimator=GaussianNB(), random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [80, 80]
    assert np.isfinite(sampler.candidate_scores_[1]).all()


# ---------------------------------------------------------------- test folds
def test_critic_and_sampler_never_see_a_test_fold_row():
    X, y = _data(n_major=60, n_minor=30)
    critic, seen = _recorder()
    pipe = Pipeline(
        [
            (
                "filter",
                CriticFilteredSampler(
                    SMOTE(k_neighbors=3),
                    critic=critic,
                    sample_shape=SHAPE,
                    random_state=0,
                ),
            ),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    cv = KFold(3, shuffle=True, random_state=0)
    cross_val_score(pipe, X, y, cv=cv, scoring="f1")
    assert len(seen) == 3  # one critic call per fit (one class to fill)
    for (_, test), (cand, X_class, X_rest) in zip(cv.split(X), seen):
        test_rows = _rows(X[test])
        seen_rows = _rows(X_class) | _rows(X_rest)
        assert not seen_rows & test_rows
        assert len(seen_rows) == len(X) - len(test)
        assert not _rows(cand) & test_rows


# ------------------------------------------------------------- reproducibility
def test_same_seed_same_bits_and_inputs_untouched():
    X, y = _data()
    X.setflags(write=False)
    y.setflags(write=False)
    X_copy, y_copy = X.copy(), y.copy()

    def run(seed):
        return CriticFilteredSampler(
            SMOTE(k_neighbors=3), sample_shape=SHAPE, random_state=seed
        ).fit_resample(X, y)[0]

    a, b, c = run(0), run(0), run(1)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_wrapped_sampler_is_cloned_and_its_seed_kept_when_set():
    X, y = _data()
    inner = SMOTE(k_neighbors=3, random_state=7)
    sampler = CriticFilteredSampler(inner, random_state=0)
    sampler.fit_resample(X, y)
    assert sampler.sampler_ is not inner
    assert inner.sampling_strategy == "auto"  # the user's sampler unchanged
    assert sampler.sampler_.random_state == 7
    assert sampler.sampler_.sampling_strategy == {1: 20 + 180}


# --------------------------------------------------------------------- layout
def test_nd_samples_with_an_nd_sampler():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3, 16)).astype(np.float32)
    y = np.array(["good"] * 30 + ["bad"] * 10)
    sampler = CriticFilteredSampler(
        AugmentationSampler(AddNoise(snr_db=(10.0, 20.0)), n_copies=2),
        sampling_strategy={"bad": 25},
        random_state=0,
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (55, 3, 16) and X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res[:40], X)
    assert (y_res[40:] == "bad").all()
    # n_copies mode reset: the dict of candidate counts drives the sampler
    assert sampler.sampler_.n_copies == 1
    assert sampler.sampler_.sampling_strategy == {"bad": 10 + 45}
    assert len(sampler.candidate_scores_["bad"]) == 45


def test_flattened_samples_give_the_sampler_their_shape():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3 * 16))
    y = np.r_[np.zeros(30, dtype=int), np.ones(10, dtype=int)]
    critic, seen = _recorder()
    sampler = CriticFilteredSampler(
        AugmentationSampler(AddNoise(snr_db=20.0)),
        critic=critic,
        sample_shape=(3, 16),
        random_state=0,
    )
    X_res, _ = sampler.fit_resample(X, y)
    assert X_res.shape == (60, 48)
    assert sampler.sampler_.sample_shape == (3, 16)
    assert seen[0][0].shape[1:] == (3, 16)


# --------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "params, match",
    [
        ({"oversampling_factor": 0.5}, "oversampling_factor"),
        ({"critic": "density"}, "critic"),
        ({"selection": "best"}, "selection"),
        ({"cv": 1}, "cv"),
    ],
)
def test_bad_params_are_refused(params, match):
    X, y = _data()
    with pytest.raises(InvalidParameterError, match=match):
        CriticFilteredSampler(SMOTE(), **params).fit_resample(X, y)


def test_bad_combinations_name_the_fix():
    X, y = _data()
    critic, _ = _recorder()
    with pytest.raises(ValueError, match="unused with critic="):
        CriticFilteredSampler(
            SMOTE(), critic=critic, estimator=LogisticRegression()
        ).fit_resample(X, y)
    with pytest.raises(ValueError, match="must be a GlowOversampler"):
        CriticFilteredSampler(SMOTE(), critic="flow").fit_resample(X, y)
    with pytest.raises(ValueError, match="neither decision_function nor"):
        CriticFilteredSampler(SMOTE(), estimator=_NoScore()).fit_resample(X, y)
    with pytest.raises(ValueError, match="original samples first"):
        CriticFilteredSampler(Planted(reverse=True)).fit_resample(X, y)
    with pytest.raises(ValueError, match="one score per candidate"):
        CriticFilteredSampler(
            Planted(), critic=lambda c, r, o: np.zeros(3)
        ).fit_resample(X, y)


class _NoScore(BaseEstimator):
    def fit(self, X, y):
        return self


class _NoStrategy(BaseEstimator):
    def fit_resample(self, X, y):
        return X, y


@pytest.mark.parametrize(
    "strategy, name",
    [({1: 50.5}, r"sampling_strategy\[1\]"), (lambda y: {1: 50.0}, r"strategy\(y\)")],
)
def test_non_integer_counts_are_refused(strategy, name):
    # imblearn would truncate 50.5 to 50 samples without a word
    X, y = _data()
    with pytest.raises(ValueError, match=name + ".* must be an int number"):
        CriticFilteredSampler(
            RandomOverSampler(), sampling_strategy=strategy
        ).fit_resample(X, y)


def test_sampler_without_sampling_strategy_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match="no sampling_strategy"):
        CriticFilteredSampler(_NoStrategy()).fit_resample(X, y)


def test_fewer_candidates_than_needed_warns_and_keeps_all():
    X, y = _data()

    class Short(Planted):
        def _fit_resample(self, X, y):
            X_res, y_res = super()._fit_resample(X, y)
            return X_res[:-170], y_res[:-170]

    with pytest.warns(UserWarning, match="fewer new samples"):
        X_res, y_res = CriticFilteredSampler(Short()).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [80, 30]


# ----------------------------------------------------------------------- glow
_GLOW = dict(
    n_levels=1,
    n_steps=1,
    hidden_channels=8,
    pretrain_epochs=1,
    max_epochs=1,
    batch_size=64,
    device="cpu",
)


def test_classifier_critic_on_glow_candidates():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 16)).astype(np.float32)
    y = np.array([0] * 24 + [1] * 6)
    sampler = CriticFilteredSampler(
        GlowOversampler(**_GLOW, sample_shape=(16,)), cv=3, random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [24, 24]
    assert len(sampler.candidate_scores_[1]) == 54
    assert set(sampler.sampler_.flows_) == {1}


def test_flow_critic_is_the_class_against_pretrained_log_likelihood_ratio():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 16)).astype(np.float32)
    y = np.array([0] * 24 + [1] * 6)
    critic, seen = _recorder()
    sampler = CriticFilteredSampler(
        GlowOversampler(**_GLOW, sample_shape=(16,)), critic="flow", random_state=0
    )
    X_res, _ = sampler.fit_resample(X, y)
    glow = sampler.sampler_
    kept = X_res[30:]
    expected = glow.score_samples(kept, 1) - glow.score_samples(
        kept, 1, flow="pretrained"
    )
    scores = sampler.candidate_scores_[1]
    np.testing.assert_allclose(np.sort(expected), np.sort(scores[sampler.selected_[1]]))
    assert (
        scores[sampler.selected_[1]].min()
        >= np.delete(scores, sampler.selected_[1]).max()
    )


def test_flow_critic_without_pretrained_flow_is_refused():
    X, y = _data()
    with pytest.raises(ValueError, match="pretrain='all'"):
        CriticFilteredSampler(
            GlowOversampler(pretrain="none"), critic="flow"
        ).fit_resample(X, y)
