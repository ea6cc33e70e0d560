"""Diverging training stops with an error instead of NaN probabilities.

Moved from tests/test_hostile_inputs.py (hardening pass 1, cause 2).
"""

import numpy as np
import pytest

from sklearn_seismo.neural import MiniceptionClassifier, ResNetClassifier
from tests._helpers import tiny_images as make_tiny_images


@pytest.fixture
def tiny_images():
    return make_tiny_images()


def test_miniception_divergence_raises_and_names_lr(tiny_images):
    X, y = tiny_images
    clf = MiniceptionClassifier(
        alpha=1, n_blocks=2, lr=1e10, max_epochs=3, device="cpu", random_state=0
    )
    with pytest.raises(FloatingPointError, match=r"diverged.*Lower lr"):
        clf.fit(X, y)


def test_resnet_divergence_raises_and_names_lr():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 3, 64)).astype(np.float32)
    y = np.repeat([0, 1, 2], 8)
    clf = ResNetClassifier(
        n_filters=(4, 8, 8), lr=1e10, max_epochs=3, device="cpu", random_state=0
    )
    with pytest.raises(FloatingPointError, match=r"diverged.*Lower lr"):
        clf.fit(X, y)


def test_predict_proba_never_returns_nan(tiny_images):
    import torch

    X, y = tiny_images
    clf = MiniceptionClassifier(
        alpha=1, n_blocks=2, max_epochs=1, device="cpu", random_state=0
    ).fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()
    with torch.no_grad():
        for p in clf.module_.parameters():
            p.fill_(float("nan"))
    with pytest.raises(ValueError, match="non-finite probabilities"):
        clf.predict_proba(X)
