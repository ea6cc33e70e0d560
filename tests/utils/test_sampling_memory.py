"""Every sampler refuses, before any work, a resampling that cannot fit in memory."""

import numpy as np
import pytest

from sklearn_seismo.augmentation import AddNoise, AugmentationSampler
from sklearn_seismo.over_sampling import (
    CriticFilteredSampler,
    GlowOversampler,
    _glow_training,
)
from sklearn_seismo.utils import environment
from sklearn_seismo.utils._sampling import check_new_samples_fit

TINY_GLOW = dict(
    n_levels=2, n_steps=1, hidden_channels=8, pretrain_epochs=1, max_epochs=1
)


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 8, 8)).astype(np.float32)
    y = np.array(["a"] * 34 + ["b"] * 6, dtype=object)
    return X, y


# each makes n new samples of class "b" (6 given): a dict strategy counts the
# class after resampling, n_copies per given sample
SAMPLERS = {
    "augment": lambda n: AugmentationSampler(
        AddNoise(snr_db=(5, 10)), sampling_strategy={"b": 6 + n}, random_state=0
    ),
    "augment_copies": lambda n: AugmentationSampler(
        AddNoise(snr_db=(5, 10)), n_copies=n // 6, classes=["b"], random_state=0
    ),
    "glow": lambda n: GlowOversampler(
        sampling_strategy={"b": 6 + n}, random_state=0, **TINY_GLOW
    ),
    "critic": lambda n: CriticFilteredSampler(
        AugmentationSampler(AddNoise(snr_db=(5, 10))),
        sampling_strategy={"b": 6 + n},
        random_state=0,
    ),
}


@pytest.fixture
def one_mib(monkeypatch):
    # a machine with 1 MiB free: 8 x 8 float32 samples are 256 bytes each
    monkeypatch.setattr(environment, "available_memory", lambda: 2**20)

    def no_training(*args, **kwargs):
        raise AssertionError("a flow was trained before the size was checked")

    monkeypatch.setattr(_glow_training, "fit_flow", no_training)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_too_many_new_samples_is_named_before_any_work(name, one_mib):
    X, y = _data()
    X_before = X.copy()
    # 9,996 or more new samples of 256 bytes: 2.4 MiB, more than the 1 MiB free
    with pytest.raises(ValueError, match=r"\d{4,} new: .*GiB.*ask for fewer"):
        SAMPLERS[name](9_996).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_before)


@pytest.mark.parametrize("name", ["augment", "augment_copies", "critic"])
def test_a_resampling_that_fits_is_not_refused(name, one_mib):
    X, y = _data()
    # 204 new samples (critic: 612 candidates): 163 KiB of the 1 MiB
    X_res, y_res = SAMPLERS[name](204).fit_resample(X, y)
    assert len(X_res) == len(X) + 204 and (y_res[len(X) :] == "b").all()
    assert np.isfinite(X_res).all()


def test_the_message_counts_what_the_caller_has(monkeypatch):
    monkeypatch.setattr(environment, "available_memory", lambda: 1000)
    X = np.zeros((3, 10), dtype=np.float64)  # 80 bytes a sample
    check_new_samples_fit(9, X, AugmentationSampler(AddNoise()))  # 960 bytes
    with pytest.raises(ValueError, match="AugmentationSampler: the 3 given and 10 "):
        check_new_samples_fit(10, X, AugmentationSampler(AddNoise()))  # 1,040
    monkeypatch.setattr(environment, "available_memory", lambda: None)
    check_new_samples_fit(10**15, X, AugmentationSampler(AddNoise()))  # unknown


def test_glow_sample_refuses_what_cannot_fit(monkeypatch):
    X, y = _data()
    glow = SAMPLERS["glow"](4).fit(X, y)
    assert glow.sample(3, "b").shape == (3, 8, 8)
    monkeypatch.setattr(environment, "available_memory", lambda: 2**20)
    with pytest.raises(ValueError, match=r"GlowOversampler\.sample: 10000 samples"):
        glow.sample(10_000, "b")
