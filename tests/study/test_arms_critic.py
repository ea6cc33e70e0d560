"""The ``augment+critic`` arm: augmented candidates filtered by a critic."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from sklearn_seismo.augmentation import AugmentationSampler
from sklearn_seismo.datasets import make_shot_gathers
from sklearn_seismo.over_sampling import CriticFilteredSampler
from sklearn_seismo.study import ALL_ARMS, make_arms


class _Clf(ClassifierMixin, BaseEstimator):
    def __init__(self, sample_shape=None, class_weight=None):
        self.sample_shape = sample_shape
        self.class_weight = class_weight


def _arms():
    return make_arms(
        minority="bad",
        sample_shape=(16, 16),
        classifier=_Clf(),
        arms=("augment", "augment+critic"),
        n_synthetic=20,
    )


def test_the_arm_is_listed_and_differs_from_augment_in_its_augment_step_only():
    assert "augment+critic" in ALL_ARMS
    pipes = _arms()
    plain, critic = pipes["augment"], pipes["augment+critic"]
    assert [n for n, _ in critic.steps] == [n for n, _ in plain.steps]
    assert critic.named_steps["oversample"] == "passthrough"
    assert repr(critic.named_steps["clf"]) == repr(plain.named_steps["clf"])
    step = critic.named_steps["augment"]
    assert isinstance(step, CriticFilteredSampler)
    assert isinstance(step.sampler, AugmentationSampler)
    assert repr(step.sampler.augmenter) == repr(plain.named_steps["augment"].augmenter)


def test_the_arm_adds_n_of_three_times_as_many_augmented_candidates():
    X, y = make_shot_gathers(n_samples=300, shape=(16, 16), random_state=0)
    X = X.reshape(len(X), -1)
    step = _arms()["augment+critic"].named_steps["augment"]
    X_res, y_res = step.fit_resample(X, y)
    assert np.sum(y_res == "bad") - np.sum(y == "bad") == 20
    np.testing.assert_array_equal(X_res[: len(X)], X)
    # the critic scored 3 x 20 candidates and kept 20 of them
    assert step.candidate_scores_["bad"].shape == (60,)
    assert len(step.selected_["bad"]) == 20
    candidates = step.candidate_scores_["bad"]
    kept = np.sort(candidates[step.selected_["bad"]])
    assert kept[0] >= np.max(np.delete(candidates, step.selected_["bad"]))
