"""AugmentationSampler: counts, chosen classes, layouts, fit-time only."""

from collections import Counter

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from numpy.testing import assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin

from sklearn_seismo.augmentation import (
    AddNoise,
    AugmentationSampler,
    Compose,
    RandomShift,
)


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(14, 3, 40)).astype(np.float32)
    y = np.array(["good"] * 8 + ["medium"] * 4 + ["bad"] * 2, dtype=object)
    return X, y


def test_n_copies_of_chosen_classes():
    X, y = _data()
    X_before = X.copy()
    sampler = AugmentationSampler(
        AddNoise(snr_db=(5, 10)), n_copies=3, classes=["bad"], random_state=0
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res) == {"good": 8, "medium": 4, "bad": 2 + 6}
    assert sampler.sampling_strategy_ == {"bad": 6, "good": 0, "medium": 0}
    assert_array_equal(X_res[:14], X)  # originals first, unchanged
    assert_array_equal(X, X_before)
    new = X_res[14:]
    assert X_res.dtype == X.dtype and new.shape == (6, 3, 40)
    # each copy is a noisy version of one of the "bad" samples, 3 copies each
    sources = [int(np.argmin(((X[12:] - x) ** 2).sum(axis=(1, 2)))) for x in new]
    assert Counter(sources) == {0: 3, 1: 3}
    assert not np.isclose(new, X[12:][sources]).all()


def test_all_classes_by_default():
    X, y = _data()
    X_res, y_res = AugmentationSampler(AddNoise(), random_state=0).fit_resample(X, y)
    assert Counter(y_res) == {k: 2 * v for k, v in Counter(y).items()}


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {"good": 8, "medium": 8, "bad": 8}),
        ("minority", {"good": 8, "medium": 4, "bad": 8}),
        ({"bad": 7}, {"good": 8, "medium": 4, "bad": 7}),
    ],
)
def test_sampling_strategy_like_other_over_samplers(strategy, expected):
    X, y = _data()
    sampler = AugmentationSampler(
        AddNoise(), sampling_strategy=strategy, random_state=0
    )
    _, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res) == expected


def test_flattened_layout_is_returned_flat():
    X, y = _data()
    sampler = AugmentationSampler(
        Compose([RandomShift(max_shift=5), AddNoise()]),
        sample_shape=(3, 40),
        random_state=0,
    )
    X_res, _ = sampler.fit_resample(X.reshape(14, -1), y)
    ref, _ = sampler.set_params(sample_shape=None).fit_resample(X, y)
    assert X_res.shape == (28, 120)
    assert_array_equal(X_res, ref.reshape(28, -1))


@pytest.mark.parametrize(
    "params", [{"n_copies": 2, "classes": ["bad"]}, {"sampling_strategy": "auto"}]
)
def test_fit_and_fit_resample_agree_and_return_the_input_types(params):
    # fit_resample is imblearn's: n-D nested lists come back as lists, as
    # imblearn's samplers and GlowOversampler return them; extra params pass
    X, y = _data()
    X = X.astype(np.float64)  # what a list of Python floats validates to
    sampler = AugmentationSampler(AddNoise(), random_state=0, **params)
    X_ref, y_ref = sampler.fit_resample(X, y)
    strategy = dict(sampler.sampling_strategy_)
    assert dict(sampler.fit(X, y).sampling_strategy_) == strategy
    X_list, y_list = sampler.fit_resample(X.tolist(), y.tolist(), unused=1)
    assert type(X_list) is list and type(y_list) is list
    assert_array_equal(np.asarray(X_list), X_ref)
    assert_array_equal(y_list, y_ref)


def test_bad_parameters():
    X, y = _data()
    with pytest.raises(ValueError, match="not in y"):
        AugmentationSampler(AddNoise(), classes=["ugly"]).fit_resample(X, y)
    with pytest.raises(ValueError, match="either sampling_strategy"):
        AugmentationSampler(
            AddNoise(), classes=["bad"], sampling_strategy="auto"
        ).fit_resample(X, y)
    with pytest.raises(ValueError, match="either sampling_strategy"):
        AugmentationSampler(AddNoise(), n_copies=2, sampling_strategy="auto").fit(X, y)
    X_nan = X.copy()
    X_nan[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        AugmentationSampler(AddNoise()).fit_resample(X_nan, y)


class _RecordingClassifier(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.fit_X_, self.fit_y_ = X, y
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        self.predict_X_ = X
        return np.full(len(X), self.classes_[0])


def test_pipeline_augments_only_at_fit():
    X, y = _data()
    pipe = Pipeline(
        [
            ("aug", AugmentationSampler(AddNoise(), classes=["bad"], n_copies=2)),
            ("clf", _RecordingClassifier()),
        ]
    ).fit(X, y)
    clf = pipe.named_steps["clf"]
    assert len(clf.fit_X_) == 14 + 4
    assert Counter(clf.fit_y_)["bad"] == 6
    pipe.predict(X)
    assert_array_equal(clf.predict_X_, X)  # no augmentation at predict
