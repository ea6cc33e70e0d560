import math
import warnings

import numpy as np
import pytest
from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import StratifiedKFold

from sklearn_seismo.augmentation import AugmentationSampler
from sklearn_seismo.neural import MiniceptionClassifier
from sklearn_seismo.over_sampling import GlowOversampler
from sklearn_seismo.study import (
    ALL_ARMS,
    SCORE_COLUMNS,
    AddSamples,
    default_augmenter,
    make_arms,
    run_study,
)

from ._helpers import SpySampler, tiny_classifier, tiny_data, tiny_glow

LABELS = ["bad", "good", "medium"]


@pytest.fixture(scope="module")
def data():
    return tiny_data()


@pytest.fixture(scope="module")
def full_study(data):
    X, y = data
    with warnings.catch_warnings():
        # an ADASYN fold without hard minority neighbours is recorded, not raised
        warnings.simplefilter("ignore", UserWarning)
        return run_study(
            X,
            y,
            cv=2,
            n_synthetic=20,
            classifier=tiny_classifier(),
            glow=tiny_glow(),
            verbose=0,
        )


def test_run_study_returns_documented_columns(full_study, data):
    X, y = data
    res = full_study
    assert res.arms == list(ALL_ARMS)
    assert res.labels == LABELS and res.minority == "bad"
    assert res.sample_shape == (16, 16)
    assert len(res.scores) == 2 * len(ALL_ARMS)
    per_class = [f"{m}_{c}" for c in LABELS for m in ("precision", "recall", "f1")]
    for row in res.scores:
        assert set(SCORE_COLUMNS) | set(per_class) <= set(row)
        assert row["n_train"] + row["n_test"] == len(y)
        assert row["support_bad"] == 6  # 12 bad samples, 2 stratified folds
        if not row["error"]:
            assert 0.0 <= row["f1_bad"] <= 1.0 and row["fit_time"] > 0
    # every arm other than ADASYN (which may legitimately fail) has real scores
    assert all(not r["error"] for r in res.scores if r["arm"] != "adasyn")
    for row in res.scores:
        if row["error"]:
            assert math.isnan(row["f1_bad"]) and math.isnan(row["fit_time"])
    # Table 1: one row per (arm, class); Table 2 numbers in the summary
    assert [(r["arm"], r["class"]) for r in res.per_class] == [
        (a, c) for a in ALL_ARMS for c in LABELS
    ]
    none = [r for r in res.scores if r["arm"] == "none"]
    (summary_none,) = [s for s in res.summary if s["arm"] == "none"]
    assert summary_none["f1_macro_mean"] == pytest.approx(
        np.mean([r["f1_macro"] for r in none])
    )
    # paired comparisons against none and glow, never against themselves
    refs = {(c["arm"], c["reference"]) for c in res.comparisons}
    assert ("glow", "none") in refs and ("none", "glow") in refs
    assert ("none", "none") not in refs and ("glow", "glow") not in refs
    assert {c["n"] for c in res.comparisons if c["arm"] != "adasyn"} == {2}


def test_every_arm_sees_the_same_folds(full_study, data):
    X, y = data
    expected = list(StratifiedKFold(2, shuffle=True, random_state=0).split(X, y))
    assert len(full_study.folds) == 2
    for (tr, te), (etr, ete) in zip(full_study.folds, expected):
        np.testing.assert_array_equal(tr, etr)
        np.testing.assert_array_equal(te, ete)


def test_no_test_fold_sample_reaches_a_sampler(data):
    X, y = data
    Xf = X.reshape(len(X), -1)
    index = {row.tobytes(): i for i, row in enumerate(Xf)}
    SpySampler.seen.clear()
    res = run_study(
        X,
        y,
        arms=("glow", "glow+augment"),
        cv=2,
        n_synthetic=10,
        classifier=tiny_classifier(),
        glow=SpySampler(random_state=0),
        verbose=0,
        on_error="raise",
    )
    assert len(SpySampler.seen) == 4  # 2 arms x 2 folds
    for k, (train, test) in enumerate(res.folds):
        for seen in SpySampler.seen[2 * k : 2 * k + 2]:
            rows = {index[r.tobytes()] for r in seen}
            assert rows == set(train.tolist())
            assert not rows & set(test.tolist())


def test_arms_differ_only_in_the_sampler_step():
    pipes = make_arms(
        minority="bad",
        sample_shape=(16, 16),
        n_synthetic=30,
        classifier=tiny_classifier(),
        glow=tiny_glow(),
        random_state=3,
    )
    assert list(pipes) == list(ALL_ARMS)
    expected = {
        "none": (str, str),
        "glow": (GlowOversampler, str),
        "smote": (SMOTE, str),
        "adasyn": (ADASYN, str),
        "random": (RandomOverSampler, str),
        "class_weight": (str, str),
        "augment": (str, AugmentationSampler),
        "glow+augment": (GlowOversampler, AugmentationSampler),
    }
    base = pipes["none"].named_steps["clf"].get_params()
    assert base["sample_shape"] == (16, 16) and base["class_weight"] is None
    # the threshold and classifier-option arms: tests/study/test_arms_threshold.py
    for arm in expected:
        pipe = pipes[arm]
        assert [name for name, _ in pipe.steps] == ["oversample", "augment", "clf"]
        over, aug = pipe.named_steps["oversample"], pipe.named_steps["augment"]
        assert isinstance(over, expected[arm][0]), arm
        assert isinstance(aug, expected[arm][1]), arm
        clf = pipe.named_steps["clf"]
        assert isinstance(clf, MiniceptionClassifier)
        params = clf.get_params()
        if arm == "class_weight":
            assert params.pop("class_weight") == "balanced"
            params["class_weight"] = None
        assert params == base, arm
        for sampler in (over, aug):
            if not isinstance(sampler, str):
                assert sampler.random_state == 3
    assert pipes["smote"].named_steps["oversample"].sampling_strategy == AddSamples(
        "bad", 30
    )
    glow_aug = pipes["glow+augment"]
    # the combined arm splits the same budget of synthetic samples
    assert glow_aug.named_steps["oversample"].sampling_strategy.n == 15
    assert glow_aug.named_steps["augment"].sampling_strategy.n == 15


def test_make_arms_rejects_unknown_arms():
    with pytest.raises(ValueError, match="unknown arm"):
        make_arms(minority="bad", sample_shape=(4,), arms=("none", "gan"))


def test_add_samples_adds_exactly_n():
    assert AddSamples("bad", 5)(np.array(["bad", "good", "bad"])) == {"bad": 7}
    with pytest.raises(ValueError, match="absent"):
        AddSamples("bad", 5)(np.array(["good"]))


def test_same_seed_gives_identical_results(data):
    X, y = data
    kwargs = dict(
        arms=("none", "glow"),
        cv=2,
        n_synthetic=10,
        classifier=tiny_classifier(),
        glow=tiny_glow(),
        verbose=0,
        random_state=1,
        on_error="raise",
    )
    a = run_study(X, y, **kwargs)
    b = run_study(X, y, **kwargs)
    for ra, rb in zip(a.scores, b.scores):
        for key, value in ra.items():
            if isinstance(value, np.ndarray):  # the test fold's probabilities
                np.testing.assert_array_equal(rb[key], value, err_msg=key)
            elif key not in ("fit_time", "fit_cpu_time", "score_time"):
                assert rb[key] == value, key


class _RejectsWeights(ClassifierMixin, BaseEstimator):
    def __init__(self, sample_shape=None, class_weight=None, random_state=None):
        self.sample_shape = sample_shape
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X, y):
        if self.class_weight is not None:
            raise ValueError("class weights are not supported")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_failed_fit_is_recorded_not_raised(data):
    X, y = data
    with pytest.warns(UserWarning, match="class_weight.*failed"):
        res = run_study(
            X,
            y,
            arms=("none", "class_weight"),
            cv=2,
            classifier=_RejectsWeights(),
            verbose=0,
        )
    failed = [r for r in res.scores if r["arm"] == "class_weight"]
    assert all(r["error"].startswith("ValueError: class weights") for r in failed)
    assert all(math.isnan(r["f1_macro"]) for r in failed)
    assert len(res.errors) == 2
    summary = {s["arm"]: s for s in res.summary}
    assert summary["class_weight"]["n_folds"] == 0
    assert summary["none"]["n_folds"] == 2
    (cmp_,) = [
        c
        for c in res.comparisons
        if c["arm"] == "class_weight" and c["metric"] == "f1_macro"
    ]
    assert cmp_["n"] == 0 and "too few" in cmp_["note"]
    with pytest.raises(ValueError, match="class weights"):
        run_study(
            X,
            y,
            arms=("class_weight",),
            cv=2,
            classifier=_RejectsWeights(),
            verbose=0,
            on_error="raise",
        )


def test_input_validation(data):
    X, y = data
    with pytest.raises(ValueError, match="one label per sample"):
        run_study(X, y[:-1], verbose=0)
    with pytest.raises(ValueError, match="not a class"):
        run_study(X, y, minority="awful", verbose=0)
    with pytest.raises(ValueError, match="but sample_shape="):
        run_study(X, y, sample_shape=(8, 32), verbose=0)
    with pytest.raises(ValueError, match="backend"):
        run_study(
            X, y, arms=("none",), cv=2, backend="spark", classifier=tiny_classifier()
        )


@pytest.mark.parametrize(
    "sample_shape, time_axis", [((40, 3), 1), ((3, 40), -1), ((40,), 1)]
)
def test_default_augmenter_acts_along_the_given_time_axis(sample_shape, time_axis):
    # (40, 3) gathers and (3, 40) waveforms are both 2-D samples: only the
    # explicit time_axis tells the augmenter where time runs.
    aug = default_augmenter(sample_shape, time_axis=time_axis)
    axes = [t.time_axis for t in aug.transforms if hasattr(t, "time_axis")]
    assert axes and all(axis == time_axis for axis in axes)
    shift = aug.transforms[0]
    n_time = (1, *sample_shape)[time_axis]
    assert shift.max_shift == max(1, n_time // 20)
    X = np.random.default_rng(0).normal(size=(5, *sample_shape)).astype(np.float32)
    out = aug.augment_batch(X, np.random.default_rng(1))
    assert out.shape == X.shape and out.dtype == X.dtype
