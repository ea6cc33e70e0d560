"""Classifier input checks: empty input, class_weight, flattened gathers.

Moved from tests/test_hostile_inputs.py (hardening pass 1, causes 3, 7 and
new-user 7).
"""

import warnings

import numpy as np
import pytest

from sklearn_seismo.neural import MiniceptionClassifier
from tests._helpers import tiny_images as make_tiny_images


@pytest.fixture
def tiny_images():
    return make_tiny_images()


def test_empty_input_at_predict(tiny_images):
    X, y = tiny_images
    clf = MiniceptionClassifier(
        alpha=1, n_blocks=2, max_epochs=1, device="cpu", random_state=0
    ).fit(X, y)
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        clf.predict(np.empty((0, 16, 16), dtype=np.float32))


@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({"a": 1.0, "zzz": 5.0}, r"keys \['zzz'\] that are not classes"),
        ({"a": -1.0, "b": 1.0, "c": 1.0}, "non-negative"),
        ({"a": float("nan")}, "non-negative"),
        ({"a": 0.0, "b": 0.0, "c": 0.0}, "every class weight 0"),
    ],
)
def test_class_weight_is_validated(tiny_images, class_weight, match):
    X, y = tiny_images
    clf = MiniceptionClassifier(
        alpha=1, n_blocks=2, max_epochs=1, device="cpu", class_weight=class_weight
    )
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_miniception_warns_on_flattened_gathers(tiny_images):
    X, y = tiny_images
    X_flat = X.reshape(len(X), -1)
    clf = MiniceptionClassifier(
        alpha=1, n_blocks=1, max_epochs=1, device="cpu", random_state=0
    )
    with pytest.warns(UserWarning, match=r"sample_shape=\(16, 16\)"):
        clf.fit(X_flat, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clf.set_params(sample_shape=(16, 16)).fit(X_flat, y)
        clf.set_params(sample_shape=None).fit(X, y)  # n-D input: no warning
