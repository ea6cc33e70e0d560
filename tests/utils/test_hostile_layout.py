"""Hostile input to the one layout rule (``utils/_layout.py``), in every estimator.

Every estimator validates ``X`` and ``sample_shape`` through
``utils.validate_samples``: ``int()`` used to truncate ``sample_shape=(3.5,
64)`` to ``(3, 64)`` without a word (issue 25, item 7), and empty n-D input
gets scikit-learn's messages. Also the warning for flattened gathers without
``sample_shape``.
"""

import inspect
import math
import warnings

import numpy as np
import pytest

from sklearn_seismo.augmentation import TimeStretch
from sklearn_seismo.preprocessing import Bandpass
from sklearn_seismo.utils import (
    check_sample_shape,
    flatten_samples,
    warn_if_sample_shape_missing,
)
from tests._helpers import fitting_method, make_estimator, public_estimators

_WITH_SAMPLE_SHAPE = public_estimators(with_param="sample_shape")


def test_estimators_with_sample_shape_are_found():
    # the parametrization below must not shrink silently
    names = {name for name, _ in _WITH_SAMPLE_SHAPE}
    assert {"AddNoise", "Bandpass", "GlowOversampler", "ResNetClassifier"} <= names
    # ARCHITECTURE.md: every estimator takes sample_shape, except the
    # meta-estimators, which hand X to the `estimator` they wrap
    without = {n: cls for n, cls in public_estimators() if n not in names}
    assert set(without) == {
        "TestTimeAugmentationClassifier",
        "TunedRareThresholdClassifierCV",
    }
    for cls in without.values():
        assert "estimator" in inspect.signature(cls).parameters


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


# Moved from tests/test_hostile_inputs.py (hardening pass 1, cause 3 and
# new-user 7): empty input gets scikit-learn's messages through
# validate_samples; the sample_shape warning rule.


_EMPTY_CASES = [
    (np.empty((0, 3, 64)), None, r"0 sample\(s\)"),
    (np.empty((4, 3, 0)), None, r"0 feature\(s\)"),
    (np.empty((0, 192)), (3, 64), r"0 sample\(s\)"),
]


_ESTIMATORS = public_estimators(
    # a meta-estimator: its wrapped estimator validates X
    exclude=["TestTimeAugmentationClassifier"]
)


@pytest.mark.parametrize("name, cls", _ESTIMATORS, ids=[n for n, _ in _ESTIMATORS])
@pytest.mark.parametrize("X, sample_shape, match", _EMPTY_CASES)
def test_empty_input_gets_sklearn_message(name, cls, X, sample_shape, match):
    est = make_estimator(name, cls)
    if sample_shape is not None:
        if "sample_shape" not in est.get_params():
            pytest.skip(f"{name} has no sample_shape")
        est.set_params(sample_shape=sample_shape)
    y = np.zeros(len(X), dtype=int)
    with pytest.raises(ValueError, match=match):
        fitting_method(est)(X, y)


@pytest.mark.parametrize("est", [Bandpass(), TimeStretch(random_state=0)])
def test_empty_input_at_transform(est):
    est.fit(np.zeros((2, 3, 64)))
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        est.transform(np.empty((0, 3, 64)))


def test_sample_shape_helper_rules():
    est = Bandpass()
    with pytest.warns(UserWarning, match="1-D trace"):
        assert warn_if_sample_shape_missing(est, np.zeros((2, 4096)), None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        # not square, 1-D model; or sample_shape given; or n-D X
        assert not warn_if_sample_shape_missing(est, np.zeros((2, 3000)), None)
        assert not warn_if_sample_shape_missing(est, np.zeros((2, 4096)), (64, 64))
        assert not warn_if_sample_shape_missing(est, np.zeros((2, 64, 64)), None)
    with pytest.warns(UserWarning, match=r"1 x 3000 image"):
        warn_if_sample_shape_missing(est, np.zeros((2, 3000)), None, model_ndim=2)
    assert math.isqrt(4096) == 64
