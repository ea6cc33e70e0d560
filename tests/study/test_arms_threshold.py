"""The threshold, augment+threshold, balanced_batches, focal and focal+threshold
arms."""

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from sklearn_seismo.augmentation import AugmentationSampler
from sklearn_seismo.metrics import fold_scores
from sklearn_seismo.study import ALL_ARMS, AddSamples, make_arms, run_study
from sklearn_seismo.study._arms import ARM_DESCRIPTIONS, THRESHOLD_CV
from sklearn_seismo.study._parallel import fit_and_score

from ._helpers import tiny_classifier, tiny_data

TunedRareThresholdClassifierCV = pytest.importorskip(
    "sklearn_seismo.model_selection"
).TunedRareThresholdClassifierCV

NEW_ARMS = (
    "threshold",
    "augment+threshold",
    "balanced_batches",
    "focal",
    "focal+threshold",
)


class Options(ClassifierMixin, BaseEstimator):
    """Stand-in with the classifiers' option names (logistic regression)."""

    def __init__(
        self,
        sample_shape=None,
        class_weight=None,
        balanced_batches=False,
        loss="cross_entropy",
        random_state=None,
    ):
        self.sample_shape = sample_shape
        self.class_weight = class_weight
        self.balanced_batches = balanced_batches
        self.loss = loss
        self.random_state = random_state

    # feature 0 is a row id in the spy tests: left out of the model
    def fit(self, X, y):
        self.lr_ = LogisticRegression(max_iter=300).fit(X[:, 1:], y)
        self.classes_ = self.lr_.classes_
        return self

    def predict_proba(self, X):
        return self.lr_.predict_proba(X[:, 1:])

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class Spy(Options):
    """Records the first feature (a row id) of every array it fits and scores.

    ``calls`` is a class attribute: the arms clone their classifier.
    """

    calls = []

    def fit(self, X, y):
        Spy.calls.append(("fit", np.array(X[:, 0], copy=True)))
        return super().fit(X, y)

    def predict_proba(self, X):
        Spy.calls.append(("predict_proba", np.array(X[:, 0], copy=True)))
        return super().predict_proba(X)


def _data(n=90):
    rng = np.random.default_rng(0)
    y = np.array(["good"] * (n // 2) + ["medium"] * (n // 3) + ["bad"] * 0)
    y = np.concatenate([y, ["bad"] * (n - len(y))])
    X = rng.normal(size=(n, 2, 4)) + 0.8 * (y == "bad")[:, None, None]
    X[:, 0, 0] = 1000.0 + np.arange(n)  # a row id the spy can read back
    return X.reshape(n, -1), y


def test_the_registry_lists_the_new_arms():
    assert set(NEW_ARMS) <= set(ALL_ARMS)
    assert tuple(ARM_DESCRIPTIONS) == ALL_ARMS
    assert all(ARM_DESCRIPTIONS[a] for a in ALL_ARMS)
    assert ALL_ARMS[:8] == (
        "none",
        "glow",
        "smote",
        "adasyn",
        "random",
        "class_weight",
        "augment",
        "glow+augment",
    )


def test_each_new_arm_builds_its_option_with_the_common_seed():
    pipes = make_arms(
        minority="bad",
        sample_shape=(2, 4),
        arms=("none", *NEW_ARMS),
        n_synthetic=7,
        classifier=Options(),
        random_state=3,
    )
    base = pipes["none"].named_steps["clf"]
    assert base.random_state == 3 and base.sample_shape == (2, 4)

    tuned = pipes["threshold"].named_steps["clf"]
    assert isinstance(tuned, TunedRareThresholdClassifierCV)
    assert tuned.rare_class == "bad" and tuned.cv == THRESHOLD_CV
    assert tuned.random_state == 3
    # the wrapped classifier is the other arms' one: same seed, same options
    assert tuned.estimator.get_params() == base.get_params()
    assert tuned.estimator is not base

    tuned_aug = pipes["augment+threshold"].named_steps["clf"]
    assert isinstance(tuned_aug, TunedRareThresholdClassifierCV)
    assert tuned_aug.rare_class == "bad"
    inner = tuned_aug.estimator
    assert isinstance(inner, Pipeline)
    assert [name for name, _ in inner.steps] == ["augment", "clf"]
    sampler = inner.named_steps["augment"]
    assert isinstance(sampler, AugmentationSampler)
    assert sampler.sampling_strategy == AddSamples("bad", 7)
    assert sampler.random_state == 3
    assert inner.named_steps["clf"].get_params() == base.get_params()
    for arm in ("threshold", "augment+threshold"):
        steps = pipes[arm].named_steps
        assert steps["oversample"] == "passthrough" == steps["augment"]

    for arm, option in (
        ("balanced_batches", {"balanced_batches": True}),
        ("focal", {"loss": "focal"}),
    ):
        clf = pipes[arm].named_steps["clf"]
        assert clf.get_params() == {**base.get_params(), **option}
        steps = pipes[arm].named_steps
        assert steps["oversample"] == "passthrough" == steps["augment"]

    # focal+threshold: the focal arm's classifier, its threshold tuned
    tuned_focal = pipes["focal+threshold"].named_steps["clf"]
    assert isinstance(tuned_focal, TunedRareThresholdClassifierCV)
    assert tuned_focal.rare_class == "bad" and tuned_focal.cv == THRESHOLD_CV
    assert tuned_focal.random_state == 3
    focal = pipes["focal"].named_steps["clf"]
    assert tuned_focal.estimator.get_params() == focal.get_params()
    assert tuned_focal.estimator is not focal
    steps = pipes["focal+threshold"].named_steps
    assert steps["oversample"] == "passthrough" == steps["augment"]


def test_a_threshold_template_keeps_its_settings():
    template = TunedRareThresholdClassifierCV(
        LogisticRegression(), scoring="balanced_accuracy", cv=0.25, random_state=9
    )
    pipes = make_arms(
        minority="bad",
        sample_shape=(2, 4),
        arms=("threshold",),
        classifier=Options(),
        threshold=template,
        random_state=3,
    )
    tuned = pipes["threshold"].named_steps["clf"]
    assert tuned.scoring == "balanced_accuracy" and tuned.cv == 0.25
    assert tuned.random_state == 9  # the user's seed wins
    assert isinstance(tuned.estimator, Options) and tuned.rare_class == "bad"
    assert template.rare_class is None  # the template is not modified


@pytest.mark.parametrize(
    "arm, option",
    [
        ("balanced_batches", "balanced_batches"),
        ("focal", "loss"),
        ("focal+threshold", "loss"),
    ],
)
def test_an_option_arm_names_a_classifier_without_the_option(arm, option):
    class Plain(ClassifierMixin, BaseEstimator):
        def __init__(self, sample_shape=None, class_weight=None):
            self.sample_shape, self.class_weight = sample_shape, class_weight

    with pytest.raises(ValueError, match=f"no parameter '{option}'.*Miniception"):
        make_arms(minority="bad", sample_shape=(2, 4), arms=(arm,), classifier=Plain())


@pytest.mark.parametrize("arm", ["threshold", "augment+threshold", "focal+threshold"])
def test_threshold_tuning_never_sees_the_test_fold(arm):
    X, y = _data()
    pipe = make_arms(
        minority="bad",
        sample_shape=(2, 4),
        arms=(arm,),
        n_synthetic=6,
        classifier=Spy(),
        augmenter=_NoNoise(),
        random_state=0,
    )[arm]
    test = np.arange(1, len(y), 3)
    train = np.setdiff1d(np.arange(len(y)), test)
    ids = X[:, 0]
    Spy.calls.clear()
    row = fit_and_score(
        pipe,
        X,
        y,
        train,
        test,
        labels=["bad", "good", "medium"],
        meta={},
        on_error="raise",
    )
    assert np.isfinite(row["f1_bad"]) and np.isfinite(row["average_precision_bad"])
    fits = [x for kind, x in Spy.calls if kind == "fit"]
    # THRESHOLD_CV inner fits and the refit
    assert len(fits) == THRESHOLD_CV + 1
    # the last predict_proba calls are the scoring of the test fold
    # (predict_proba, then the wrapper's predict): everything before is fit
    n_fit_calls = next(
        i
        for i, (kind, x) in enumerate(Spy.calls)
        if kind == "predict_proba" and np.array_equal(x, ids[test])
    )
    during_fit = Spy.calls[:n_fit_calls]
    assert len(during_fit) == 2 * THRESHOLD_CV + 1
    for kind, seen in during_fit:
        # augmented copies carry a shifted id: none may be a test row's
        assert not np.isin(seen, ids[test]).any(), kind
    # the inner validation parts together are the training fold, once each
    validated = np.concatenate([x for k, x in during_fit if k == "predict_proba"])
    assert sorted(validated) == sorted(ids[train])
    # one forward pass over the test fold: the labels come from the wrapper's
    # predict_from_proba, and they are those of its predict
    assert len(Spy.calls) == n_fit_calls + 1
    again = pipe.fit(X[train], y[train]).predict(X[test])
    expected = fold_scores(y[test], again, labels=["bad", "good", "medium"])
    assert {k: row[k] for k in expected} == expected


class _NoNoise:
    """An augmenter that shifts the row id, so augmented copies are recognisable."""

    def augment_batch(self, X, rng):
        out = np.array(X, dtype=float, copy=True)
        out[:, 0, 0] += 0.5
        return out


def test_the_new_arms_run_in_the_study_with_the_real_classifier():
    X, y = tiny_data(60)
    res = run_study(
        X,
        y,
        arms=("none", *NEW_ARMS),
        cv=2,
        n_synthetic=6,
        classifier=tiny_classifier(max_epochs=2),
        verbose=0,
    )
    assert res.errors == [], res.errors
    assert res.arms == ["none", *NEW_ARMS]
    by = {(r["arm"], r["fold"]): r for r in res.scores}
    for fold in (0, 1):
        # refit on the whole training fold with the same seed: the threshold
        # arm's classifier is none's, so are its probabilities (and its AP)
        np.testing.assert_array_equal(
            by[("threshold", fold)]["rare_proba"], by[("none", fold)]["rare_proba"]
        )
        assert (
            by[("threshold", fold)]["average_precision_bad"]
            == by[("none", fold)]["average_precision_bad"]
        )
        # the options change the training
        for arm in ("balanced_batches", "focal"):
            assert not np.array_equal(
                by[(arm, fold)]["rare_proba"], by[("none", fold)]["rare_proba"]
            ), arm
