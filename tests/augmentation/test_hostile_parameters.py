"""Extreme augmenter parameters: a finite output or a ValueError naming them.

Issue 25, item 7: ``amplitude=1e300``, ``sigma=1e300``, ``rate=1e300`` or
``angle=inf`` gave non-finite output, an ``OverflowError`` or numpy warnings.
Every numeric parameter of every augmenter is now bounded (finite, sensible
bounds in ``_parameter_constraints`` and for (low, high) pairs), and the
grid below goes through all of them, so a new parameter is covered too.
"""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

import sklearn_seismo.augmentation as augmentation
from sklearn_seismo.augmentation import (
    AddNoise,
    AugmentationSampler,
    ComponentScale,
    RandomBandpass,
    RandomShift,
    SuperimposeEvents,
    TimeMask,
)
from tests._helpers import EXTREME_VALUES, assert_finite_or_names
from tests.common import CHECK_PARAMS

# parameters that are not numbers (objects, labels, options, layouts)
_NOT_NUMERIC = {
    "augmenter",
    "components",
    "kinds",
    "mode",
    "noise",
    "random_state",
    "sample_shape",
    "transforms",
}
_AUGMENTERS = [
    name
    for name in augmentation.__all__
    if hasattr(getattr(augmentation, name), "augment_batch")
]
_CASES = [
    (name, param)
    for name in _AUGMENTERS
    for param in getattr(augmentation, name)._parameter_constraints
    if param not in _NOT_NUMERIC
]


def test_grid_covers_the_reported_parameters():
    cases = set(_CASES)
    for case in [
        ("AddFalsePositives", "amplitude"),
        ("ComponentScale", "sigma"),
        ("TimeStretch", "rate"),
        ("RotateHorizontal", "angle"),
        ("AddNoise", "snr_db"),
        ("OneOf", "p"),
    ]:
        assert case in cases


@pytest.mark.parametrize("value", EXTREME_VALUES, ids=repr)
@pytest.mark.parametrize("name, param", _CASES, ids=["-".join(c) for c in _CASES])
def test_extreme_parameter_gives_finite_output_or_names_it(name, param, value):
    X = np.random.default_rng(0).normal(size=(4, 3, 64))
    est = getattr(augmentation, name)(**CHECK_PARAMS.get(name, {}))
    assert_finite_or_names(est.set_params(random_state=0), param, value, X)


@pytest.mark.parametrize(
    "est, match",
    [
        (AddNoise(snr_db=-1e300), "snr_db"),  # was the identity (gain inf -> 0)
        (AddNoise(snr_db=(0.0, np.inf)), r"snr_db.*finite"),
        (TimeMask(n_masks=65), r"n_masks=65 exceeds the 64 time samples"),
    ],
)
def test_extreme_values_named_in_the_error(est, match):
    X = np.random.default_rng(0).normal(size=(4, 3, 64))
    with pytest.raises(ValueError, match=match):
        est.fit_transform(X)


@pytest.mark.parametrize(
    "est",
    [
        RandomShift(max_shift=1e300, sampling_rate=1e300),
        SuperimposeEvents(max_delay=1e300, sampling_rate=1e300),
    ],
)
def test_durations_past_the_window_are_the_whole_window(est):
    # seconds x Hz overflowed to inf (OverflowError); the longest shift or
    # delay is the window length, as for any duration past it
    X = np.random.default_rng(0).normal(size=(4, 3, 64))
    out = est.set_params(random_state=0).fit_transform(X)
    ref = clone(est).set_params(sampling_rate=None, random_state=0)
    ref.set_params(
        **{p: 63 for p in ("max_shift", "max_delay") if p in ref.get_params()}
    )
    np.testing.assert_array_equal(out, ref.fit_transform(X))


def test_documented_limits_still_work():
    X = np.random.default_rng(0).normal(size=(4, 3, 64))
    # snr_db=inf is the identity, as documented
    np.testing.assert_array_equal(AddNoise(snr_db=np.inf).fit_transform(X), X)
    # a band past the Nyquist frequency stops below it: a finite result
    out = RandomBandpass(octaves=1e300, random_state=0).fit_transform(X)
    ref = RandomBandpass(octaves=50.0, random_state=0).fit_transform(X)
    np.testing.assert_array_equal(out, ref)
    assert TimeMask(n_masks=64, random_state=0).fit_transform(X).shape == X.shape


# ---------------------------------------------------------------------------
# AugmentationSampler: counts in sampling_strategy are ints
# ---------------------------------------------------------------------------
@pytest.fixture
def imbalanced():
    X = np.random.default_rng(0).normal(size=(20, 3, 16))
    return X, np.array(["good"] * 15 + ["bad"] * 5)


@pytest.mark.parametrize("count", [30.0, 30.5, np.float64(30), True])
def test_sampling_strategy_counts_must_be_ints(imbalanced, count):
    X, y = imbalanced
    sampler = AugmentationSampler(
        AddNoise(snr_db=10.0), sampling_strategy={"bad": count}, random_state=0
    )
    with pytest.raises(ValueError, match=r"sampling_strategy\['bad'\] must be an int"):
        sampler.fit_resample(X, y)


def test_sampling_strategy_callable_counts_must_be_ints(imbalanced):
    X, y = imbalanced
    sampler = AugmentationSampler(
        AddNoise(snr_db=10.0),
        sampling_strategy=lambda y: {"bad": 30.0},
        random_state=0,
    )
    with pytest.raises(ValueError, match=r"sampling_strategy\(y\)\['bad'\]"):
        sampler.fit_resample(X, y)


@pytest.mark.parametrize("count", [30, np.int64(30)])
def test_sampling_strategy_int_counts_resample(imbalanced, count):
    X, y = imbalanced
    sampler = AugmentationSampler(
        AddNoise(snr_db=10.0), sampling_strategy={"bad": count}, random_state=0
    )
    _, y_res = sampler.fit_resample(X, y)
    assert (y_res == "bad").sum() == 30


# ---------------------------------------------------------------------------
# AddNoise keeps its SNR for loud data and loud noise banks
# ---------------------------------------------------------------------------
def _snr_db(X, out):
    # RMS of scaled traces: squares of the loud cases overflow
    def rms(a):
        a = np.asarray(a, dtype=np.float64)
        peak = np.abs(a).max(axis=-1, keepdims=True)
        return peak[..., 0] * np.sqrt(np.mean((a / peak) ** 2, axis=-1))

    return 20 * np.log10(rms(X) / rms(out.astype(np.float64) - X))


@pytest.mark.parametrize(
    "scale, bank_scale, dtype",
    [
        (1e25, None, np.float32),  # float32 squares overflow: no noise was added
        (1e200, None, np.float64),
        (1.0, 1e30, np.float32),
        (1.0, 1e200, np.float64),  # the bank's power overflowed: no noise
        (1.0, 1e200, np.float32),  # the bank overflowed float32: inf output
    ],
)
def test_add_noise_keeps_its_snr_for_loud_data(scale, bank_scale, dtype):
    rng = np.random.default_rng(0)
    X = (rng.normal(size=(4, 3, 64)) * scale).astype(dtype)
    bank = None if bank_scale is None else rng.normal(size=(5, 64)) * bank_scale
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = AddNoise(snr_db=10.0, noise=bank, random_state=0).fit_transform(X)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(_snr_db(X.astype(np.float64), out), 10.0, atol=0.01)


def test_component_scale_on_loud_samples():
    # the covariance of samples near 1e300 overflowed: eigh raised LinAlgError
    X = np.random.default_rng(0).normal(size=(4, 3, 64))
    out = ComponentScale(sigma=0.1, random_state=0).fit_transform(X * 1e300)
    ref = ComponentScale(sigma=0.1, random_state=0).fit_transform(X)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out / 1e300, ref, rtol=1e-9, atol=1e-12)
