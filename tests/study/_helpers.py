"""Tiny data and estimators shared by the study tests (real components)."""

import numpy as np
from imblearn.over_sampling import RandomOverSampler
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from sklearn_seismo.datasets import make_shot_gathers
from sklearn_seismo.neural import MiniceptionClassifier
from sklearn_seismo.over_sampling import GlowOversampler


def tiny_data(n=60, random_state=0):
    # 20 % minority so that 2-fold training parts keep >= 6 minority samples:
    # SMOTE/ADASYN need k_neighbors + 1 = 6.
    return make_shot_gathers(
        n, shape=(16, 16), weights=(0.5, 0.3, 0.2), random_state=random_state
    )


def tiny_classifier(**params):
    params = {"max_epochs": 1, "n_blocks": 1, "alpha": 1, "device": "cpu", **params}
    return MiniceptionClassifier(**params)


def tiny_glow(**params):
    params = {
        "n_levels": 1,
        "n_steps": 1,
        "hidden_channels": 8,
        "pretrain_epochs": 1,
        "max_epochs": 1,
        "device": "cpu",
        **params,
    }
    return GlowOversampler(**params)


class SpySampler(RandomOverSampler):
    """RandomOverSampler that records every training set it is given.

    ``seen`` is a class attribute: the study clones its samplers, so the
    clones must report somewhere shared (tests run the study in-process).
    """

    seen = []

    def _fit_resample(self, X, y):
        SpySampler.seen.append(np.array(X, copy=True))
        return super()._fit_resample(X, y)


class ProbaFlat(ClassifierMixin, BaseEstimator):
    """A fast stand-in for the CNN: logistic regression on the flat samples."""

    def __init__(self, sample_shape=None, class_weight=None, random_state=None):
        self.sample_shape = sample_shape
        self.class_weight = class_weight
        self.random_state = random_state

    def fit(self, X, y):
        self.lr_ = LogisticRegression(class_weight=self.class_weight, max_iter=200)
        self.lr_.fit(np.asarray(X).reshape(len(X), -1), y)
        self.classes_ = self.lr_.classes_
        return self

    def predict_proba(self, X):
        return self.lr_.predict_proba(np.asarray(X).reshape(len(X), -1))

    def predict(self, X):
        return self.lr_.predict(np.asarray(X).reshape(len(X), -1))
