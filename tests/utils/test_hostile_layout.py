"""Hostile ``sample_shape`` values: a clear error from the one layout rule.

Every estimator validates ``sample_shape`` through ``utils.validate_samples``
(``check_sample_shape``); ``int()`` used to truncate ``(3.5, 64)`` to
``(3, 64)`` without a word (issue 25, item 7).
"""

import numpy as np
import pytest

from sklearn_seismo.utils import check_sample_shape, flatten_samples
from tests._helpers import fitting_method, make_estimator, public_estimators

_WITH_SAMPLE_SHAPE = public_estimators(with_param="sample_shape")


def test_estimators_with_sample_shape_are_found():
    # the parametrization below must not shrink silently
    names = {name for name, _ in _WITH_SAMPLE_SHAPE}
    assert {"AddNoise", "Bandpass", "GlowOversampler", "ResNetClassifier"} <= names


@pytest.mark.parametrize(
    "name, cls", _WITH_SAMPLE_SHAPE, ids=[n for n, _ in _WITH_SAMPLE_SHAPE]
)
@pytest.mark.parametrize("sample_shape", [(3.5, 64), (3.0, 64), (np.float64(3), 64)])
def test_float_sample_shape_is_refused_not_truncated(name, cls, sample_shape):
    est = make_estimator(name, cls, sample_shape=sample_shape)
    X = np.random.default_rng(0).normal(size=(20, 192)).astype(np.float32)
    y = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match=r"sample_shape.*is not an integer"):
        fitting_method(est)(X, y)
    assert not hasattr(est, "sample_shape_")


@pytest.mark.parametrize(
    "bad, error",
    [
        ((3.5, 64), ValueError),
        ((True, 64), ValueError),
        ("64", TypeError),  # would iterate into (6, 4)
        (("3", 64), TypeError),
        (3.5, TypeError),
        ((0, 64), ValueError),
        ((), ValueError),
    ],
)
def test_check_sample_shape_refuses(bad, error):
    with pytest.raises(error, match="sample_shape"):
        check_sample_shape(bad)
    with pytest.raises(error, match="sample_shape"):
        flatten_samples(np.zeros((2, 192)), bad)


@pytest.mark.parametrize(
    "good", [(3, 64), [3, 64], np.array([3, 64]), (np.int32(3), np.int64(64))]
)
def test_check_sample_shape_accepts_integers(good):
    assert check_sample_shape(good) == (3, 64)
    assert all(type(s) is int for s in check_sample_shape(good))
    assert check_sample_shape(np.int64(7)) == (7,)
