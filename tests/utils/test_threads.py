"""Torch threads: 1 per fit by default; the user's explicit choice wins.

Default: 1 thread, because torch's OpenMP threads spin-wait for each other and
collapse when other jobs share the cores (``benchmarks/bench_threads.py``).
The user's choice: ``SEISMO_TORCH_THREADS``, ``OMP_NUM_THREADS`` /
``MKL_NUM_THREADS``, ``torch.set_num_threads`` or an enclosing
``limit_torch_threads`` block.
"""

import numpy as np
import pytest
import torch
from joblib import cpu_count
from skorch.callbacks import Callback

from sklearn_seismo.neural import MiniceptionClassifier
from sklearn_seismo.over_sampling import GlowOversampler
from sklearn_seismo.utils import (
    TORCH_THREADS_ENV,
    _torch,
    limit_torch_threads,
    torch_threads,
)
from sklearn_seismo.utils._torch import (
    DEFAULT_TORCH_THREADS,
    env_torch_threads,
    estimator_torch_threads,
)


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 8, 8)).astype(np.float32)
    y = np.array([0] * 16 + [1] * 8)
    return X, y


class _SeeThreads(Callback):
    """Records the torch thread count at each training epoch."""

    def __init__(self):
        self.seen = []

    def on_epoch_begin(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())


def _classifier(**kwargs):
    return MiniceptionClassifier(
        alpha=1,
        n_blocks=1,
        max_epochs=1,
        batch_size=8,
        device="cpu",
        random_state=0,
        **kwargs,
    )


def _glow():
    return GlowOversampler(
        n_levels=1,
        n_steps=1,
        hidden_channels=4,
        pretrain_epochs=1,
        max_epochs=1,
        n_dim=2,
        device="cpu",
        random_state=0,
    )


def _estimators():
    return [_classifier(), _glow()]


def _run(est):
    X, y = _data()
    if hasattr(est, "fit_resample"):
        est.fit_resample(X, y)
    else:
        est.fit(X, y).predict_proba(X)


@pytest.fixture
def nothing_set(monkeypatch):
    """No thread variable set, torch at 2 threads as if it had started there."""
    for name in (TORCH_THREADS_ENV, "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    monkeypatch.setattr(_torch, "_TORCH_START", [2])
    yield
    torch.set_num_threads(before)


def test_env_torch_threads_unset_auto_and_invalid(monkeypatch):
    monkeypatch.delenv(TORCH_THREADS_ENV, raising=False)
    assert env_torch_threads() is None
    monkeypatch.setenv(TORCH_THREADS_ENV, "auto")
    assert env_torch_threads() is None
    monkeypatch.setenv(TORCH_THREADS_ENV, "zero")
    with pytest.raises(ValueError, match=f"{TORCH_THREADS_ENV}.*'auto'"):
        env_torch_threads()


def test_torch_threads_rule(monkeypatch):
    monkeypatch.delenv(TORCH_THREADS_ENV, raising=False)
    # one thread per fit, however many fits run: more cores -> more fits
    assert torch_threads(1) == DEFAULT_TORCH_THREADS == 1
    assert torch_threads(cpu_count() * 4) == 1
    assert torch_threads(1, n_threads=3) == 3
    monkeypatch.setenv(TORCH_THREADS_ENV, "3")
    assert torch_threads(1) == 3
    assert torch_threads(1, n_threads=2) == 2
    # "auto": the former rule, cores shared between concurrent fits
    monkeypatch.setenv(TORCH_THREADS_ENV, "auto")
    assert torch_threads(1) == cpu_count()
    assert torch_threads(cpu_count() * 4) == 1


def test_estimator_threads_default_is_one(nothing_set):
    assert estimator_torch_threads() == 1


def test_estimator_threads_user_choice_wins(nothing_set, monkeypatch):
    monkeypatch.setenv(TORCH_THREADS_ENV, "3")
    assert estimator_torch_threads() == 3
    monkeypatch.setenv(TORCH_THREADS_ENV, "auto")
    assert estimator_torch_threads() is None
    monkeypatch.delenv(TORCH_THREADS_ENV)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert estimator_torch_threads() is None
    monkeypatch.delenv("OMP_NUM_THREADS")
    with limit_torch_threads(2):
        assert estimator_torch_threads() is None
    assert estimator_torch_threads() == 1
    torch.set_num_threads(3)  # the user's torch.set_num_threads
    assert estimator_torch_threads() is None


def test_classifier_trains_with_one_thread_by_default(nothing_set):
    # torch starts at 2 here; the fit still runs at 1 and gives 2 back
    see = _SeeThreads()
    _classifier(callbacks=[see]).fit(*_data())
    assert see.seen == [1]
    assert torch.get_num_threads() == 2


def test_classifier_keeps_the_users_torch_threads(nothing_set):
    torch.set_num_threads(3)
    see = _SeeThreads()
    _classifier(callbacks=[see]).fit(*_data())
    assert see.seen == [3]


def test_classifier_follows_an_enclosing_limit(nothing_set):
    see = _SeeThreads()
    with limit_torch_threads(2):
        _classifier(callbacks=[see]).fit(*_data())
    assert see.seen == [2]


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
    _run(est)
    assert 1 in seen
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("est", _estimators(), ids=lambda e: type(e).__name__)
def test_estimator_sets_one_thread_without_user_setting(est, nothing_set, monkeypatch):
    seen = []

    def spy(n):
        seen.append(n)
        real(n)

    real = torch.set_num_threads
    monkeypatch.setattr(torch, "set_num_threads", spy)
    _run(est)
    assert seen and seen[0] == 1
    assert torch.get_num_threads() == 2


@pytest.mark.parametrize("est", _estimators(), ids=lambda e: type(e).__name__)
def test_estimator_leaves_threads_alone_with_omp_num_threads(
    est, nothing_set, monkeypatch
):
    seen = []
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setattr(torch, "set_num_threads", seen.append)
    _run(est)
    assert seen == []
