"""TestTimeAugmentationClassifier."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from sklearn_seismo.augmentation import RandomShift
from sklearn_seismo.ensemble import TestTimeAugmentationClassifier
from sklearn_seismo.preprocessing import Highpass, Normalize


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 80))
    y = np.array(["noise", "event"] * 30, dtype=object)
    X[y == "event"] += 2 * np.sin(np.arange(80) * 2 * np.pi * 0.15)
    X += np.linspace(0, 5, 80) * rng.normal(size=(60, 1))  # low-frequency drift
    return X, y


def test_averages_probabilities_over_transforms():
    X, y = _data()
    transforms = ["passthrough", Highpass(freq=2.0), Normalize()]
    tta = TestTimeAugmentationClassifier(LogisticRegression(), transforms).fit(X, y)
    est = tta.estimator_
    expected = np.mean(
        [
            est.predict_proba(X),
            est.predict_proba(Highpass(freq=2.0).transform(X)),
            est.predict_proba(Normalize().transform(X)),
        ],
        axis=0,
    )
    assert_allclose(tta.predict_proba(X), expected)
    assert_array_equal(tta.classes_, ["event", "noise"])
    assert_array_equal(tta.predict(X), tta.classes_[expected.argmax(axis=1)])
    assert tta.score(X, y) > 0.9


def test_fit_fits_a_clone_on_untransformed_data():
    X, y = _data()
    base = LogisticRegression()
    tta = TestTimeAugmentationClassifier(base, [Highpass(freq=2.0)]).fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(base)
    ref = LogisticRegression().fit(X, y)
    assert_allclose(tta.estimator_.coef_, ref.coef_)


def test_prefitted_estimator_needs_no_fit():
    X, y = _data()
    fitted = LogisticRegression().fit(X, y)
    tta = TestTimeAugmentationClassifier(fitted, [None, Highpass(freq=2.0)])
    check_is_fitted(tta)
    expected = (
        fitted.predict_proba(X) + fitted.predict_proba(Highpass(freq=2.0).transform(X))
    ) / 2
    assert_allclose(tta.predict_proba(X), expected)
    assert_array_equal(tta.classes_, fitted.classes_)


def test_errors():
    X, y = _data()
    unfitted = TestTimeAugmentationClassifier(LogisticRegression(), ["passthrough"])
    with pytest.raises(NotFittedError, match="pass a fitted estimator"):
        unfitted.predict(X)
    with pytest.raises(ValueError, match="transforms is empty"):
        TestTimeAugmentationClassifier(LogisticRegression(), []).fit(X, y)
    with pytest.raises(TypeError, match="transformers"):
        TestTimeAugmentationClassifier(LogisticRegression(), ["raw"]).fit(X, y)


# Moved from tests/test_hostile_inputs.py (hardening pass 1, cause 8).


def test_tta_refuses_unseeded_random_transform():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 50)), np.repeat([0, 1], 20)
    tta = TestTimeAugmentationClassifier(
        LogisticRegression(), ["passthrough", RandomShift(max_shift=5)]
    )
    with pytest.raises(ValueError, match=r"transforms\[1\].*random_state"):
        tta.fit(X, y)
    tta.set_params(transforms=["passthrough", RandomShift(max_shift=5, random_state=0)])
    tta.fit(X, y)
    np.testing.assert_array_equal(tta.predict_proba(X), tta.predict_proba(X))
