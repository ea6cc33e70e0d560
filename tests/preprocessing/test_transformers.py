"""Deterministic transformers: layouts, dtypes; detrend, taper, normalize, resample.

Crop, and the composition with augmenters, too.
The filters' own tests are in test_filters.py.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import signal
from sklearn.base import clone

from sklearn_seismo.augmentation import AddNoise, Compose
from sklearn_seismo.preprocessing import (
    Bandpass,
    Crop,
    Detrend,
    Highpass,
    Lowpass,
    Normalize,
    Resample,
    Taper,
)

from ._signals import FS, T, t, tones

ALL = {
    "Bandpass": Bandpass(freqmin=2.0, freqmax=10.0),
    "Highpass": Highpass(freq=1.0),
    "Lowpass": Lowpass(freq=10.0),
    "Detrend": Detrend(),
    "Taper": Taper(),
    "Normalize": Normalize(method="std"),
    "Resample": Resample(target_sampling_rate=40.0),
    "Crop": Crop(300, start=20),
}


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layouts_dtype_and_no_mutation(name, dtype):
    rng = np.random.default_rng(1)
    X = (rng.normal(size=(4, 3, 400)) + np.linspace(0, 3, 400)).astype(dtype)
    X.setflags(write=False)
    est = clone(ALL[name])
    Xt = est.fit_transform(X)
    assert Xt.dtype == dtype and Xt.shape[:2] == (4, 3)
    assert not np.shares_memory(Xt, X)
    # transform works unfitted (stateless) and equals fit_transform
    assert_array_equal(clone(est).transform(X), Xt)
    # flattened input with sample_shape comes back flattened
    flat = clone(est).set_params(sample_shape=(3, 400))
    assert_allclose(flat.fit_transform(X.reshape(4, -1)), Xt.reshape(4, -1))
    # gathers (n, n_time, n_traces) with time_axis=1
    gathers = np.ascontiguousarray(X.transpose(0, 2, 1))
    out = clone(est).set_params(time_axis=1).fit_transform(gathers)
    assert_allclose(out, Xt.transpose(0, 2, 1), rtol=1e-5, atol=1e-5)
    # the batch hook gives the same as transform
    assert_allclose(est.augment_batch(X, None), Xt)
    X_nan = X.copy()
    X_nan[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clone(est).fit_transform(X_nan)


def test_detrend():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=(3, 500))
    noise = signal.detrend(noise, axis=-1)
    X = noise + 4.0 + 0.01 * np.arange(500)
    assert_allclose(Detrend().fit_transform(X), noise, atol=1e-10)
    demeaned = Detrend(type="constant").fit_transform(X)
    assert_allclose(demeaned.mean(axis=1), 0.0, atol=1e-10)


def test_taper():
    X = np.ones((2, 200))
    Xt = Taper(max_percentage=0.1).fit_transform(X)
    assert_allclose(Xt[:, [0, -1]], 0.0)
    assert_array_equal(Xt[:, 20:180], 1.0)
    assert (np.diff(Xt[0, :20]) > 0).all()
    assert_array_equal(Taper(max_percentage=0.0).fit_transform(X), X)


def test_normalize():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 3, 100)) * np.array([1.0, 10.0, 100.0])[:, None]
    X[0, 2] = 0.0  # a dead channel
    peak = Normalize().fit_transform(X)
    assert_allclose(np.abs(peak[1:]).max(axis=-1), 1.0)
    assert_array_equal(peak[0, 2], 0.0)
    std = Normalize(method="std").fit_transform(X)
    assert_allclose(std[1:].std(axis=-1), 1.0)
    sample = Normalize(per="sample").fit_transform(X)
    assert_allclose(np.abs(sample).max(axis=(1, 2)), 1.0)
    # amplitude ratios between components are kept per sample
    assert_allclose(sample[1, 2] / sample[1, 1], X[1, 2] / X[1, 1])
    for est in [Normalize(), Normalize(method="std", per="sample")]:
        Xt, scale = est.transform(X, return_scale=True)
        assert_allclose(Xt * scale, X)
        assert_array_equal(scale, est.get_scale(X))
    # flattened input: X back flat, scale in the n-D layout
    flat = Normalize(sample_shape=(3, 100))
    Xt, scale = flat.fit_transform(X.reshape(5, -1)), flat.get_scale(X.reshape(5, -1))
    assert Xt.shape == (5, 300) and scale.shape == (5, 3, 1)


def test_resample():
    x = np.sin(2 * np.pi * 3.0 * t)[None]
    down = Resample(sampling_rate=FS, target_sampling_rate=40.0).fit_transform(x)
    assert down.shape == (1, 800)
    t_new = np.arange(800) / 40.0
    assert_allclose(down[0, 50:-50], np.sin(2 * np.pi * 3.0 * t_new)[50:-50], atol=1e-2)
    up = Resample(target_length=3000).fit_transform(x)
    assert up.shape == (1, 3000)
    assert_allclose(Resample(target_length=T).fit_transform(x), x)
    # a 40 Hz tone is above the 20 Hz Nyquist of the output: anti-aliased away
    alias = Resample(target_sampling_rate=40.0).fit_transform(tones([40.0], n=1))
    assert np.abs(alias[:, 50:-50]).max() < 0.05
    with pytest.raises(ValueError, match="exactly one"):
        Resample().fit(x)
    with pytest.raises(ValueError, match="exactly one"):
        Resample(target_sampling_rate=50.0, target_length=10).fit(x)


def test_preprocessing_steps_compose_with_augmenters():
    X = tones([0.2, 5.0], n=4).astype(np.float32)
    aug = Compose([Highpass(freq=1.0), AddNoise(snr_db=np.inf)])
    assert_allclose(
        aug.augment_batch(X, np.random.default_rng(0)), Highpass().fit_transform(X)
    )


def test_roll_then_crop_is_a_random_crop_without_padding():
    from sklearn_seismo.augmentation import AugmentationSampler, RandomShift

    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 3, 900)).astype(np.float32)  # 9 s windows, 3 s kept
    y = np.arange(5)
    # what Pipeline([sampler, Crop(300), clf]) feeds the classifier in fit
    sampler = AugmentationSampler(RandomShift(max_shift=300), random_state=0)
    X_res, yt = sampler.fit_resample(X, y)
    Xt = Crop(300).fit_transform(X_res)
    assert Xt.shape == (10, 3, 300)
    assert_array_equal(Xt[:5], X[..., 300:600])
    for x, label in zip(Xt[5:], yt[5:]):
        # a contiguous 300-sample piece of its own source window, no zeros
        windows = np.lib.stride_tricks.sliding_window_view(X[label], 300, axis=-1)
        assert (windows == x[:, None, :]).all(axis=(0, 2)).any()
    with pytest.raises(ValueError, match="at least 1000 samples"):
        Crop(1000).fit(X)
