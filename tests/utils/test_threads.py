"""The estimators follow SEISMO_TORCH_THREADS and give torch's setting back."""

import numpy as np
import pytest
import torch

from sklearn_seismo.neural import MiniceptionClassifier
from sklearn_seismo.over_sampling import GlowOversampler
from sklearn_seismo.utils import TORCH_THREADS_ENV
from sklearn_seismo.utils._torch import env_torch_threads


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 8, 8)).astype(np.float32)
    y = np.array([0] * 16 + [1] * 8)
    return X, y


def _estimators():
    return [
        MiniceptionClassifier(
            alpha=1,
            n_blocks=1,
            max_epochs=1,
            batch_size=8,
            device="cpu",
            random_state=0,
        ),
        GlowOversampler(
            n_levels=1,
            n_steps=1,
            hidden_channels=4,
            pretrain_epochs=1,
            max_epochs=1,
            n_dim=2,
            device="cpu",
            random_state=0,
        ),
    ]


def test_env_torch_threads_unset_and_invalid(monkeypatch):
    monkeypatch.delenv(TORCH_THREADS_ENV, raising=False)
    assert env_torch_threads() is None
    monkeypatch.setenv(TORCH_THREADS_ENV, "zero")
    with pytest.raises(ValueError, match=TORCH_THREADS_ENV):
        env_torch_threads()


@pytest.mark.parametrize("est", _estimators(), ids=lambda e: type(e).__name__)
def test_estimator_runs_with_env_threads(est, monkeypatch):
    seen = []

    def spy(n):
        seen.append(n)
        real(n)

    real = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", spy)
    monkeypatch.setenv(TORCH_THREADS_ENV, "1")
    before = torch.get_num_threads()
    X, y = _data()
    if hasattr(est, "fit_resample"):
        est.fit_resample(X, y)
    else:
        est.fit(X, y).predict_proba(X)
    assert 1 in seen
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("est", _estimators(), ids=lambda e: type(e).__name__)
def test_estimator_leaves_threads_alone_without_env(est, monkeypatch):
    seen = []
    monkeypatch.setattr(torch, "set_num_threads", seen.append)
    monkeypatch.delenv(TORCH_THREADS_ENV, raising=False)
    X, y = _data()
    if hasattr(est, "fit_resample"):
        est.fit_resample(X, y)
    else:
        est.fit(X, y)
    assert seen == []
