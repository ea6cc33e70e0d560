"""Extreme preprocessing parameters: a finite output or a ValueError naming them.

The grid of tests/augmentation/test_hostile_parameters.py on the deterministic
transformers. Found by it: a Butterworth corner far below the Nyquist
frequency (``Highpass(freq=1e-300)``, ``sampling_rate=1e300``) failed with
numpy's bare "Singular matrix", ``corners=100000`` overflowed and
``corners=10**12`` asked for terabytes, and ``Resample`` by a huge factor
tried to allocate terabytes (issue 25, item 7: every edge a clear error).
"""

import numpy as np
import pytest

import sklearn_seismo.preprocessing as preprocessing
from sklearn_seismo.preprocessing import Bandpass, Highpass, Lowpass, Resample
from tests._helpers import EXTREME_VALUES, assert_finite_or_names

# parameters that are not numbers (options, flags, layouts, windows)
_NOT_NUMERIC = {"method", "per", "sample_shape", "type", "window", "zerophase"}
# Resample needs a target to run at all; Crop its length
_BASE_PARAMS = {"Crop": {"length": 32}, "Resample": {"target_length": 48}}
_CASES = [
    (name, param)
    for name in preprocessing.__all__
    for param in getattr(preprocessing, name)._parameter_constraints
    if param not in _NOT_NUMERIC
]


@pytest.mark.parametrize("value", [*EXTREME_VALUES, 10**12], ids=repr)
@pytest.mark.parametrize("name, param", _CASES, ids=["-".join(c) for c in _CASES])
def test_extreme_parameter_gives_finite_output_or_names_it(name, param, value):
    X = np.random.default_rng(0).normal(size=(4, 3, 64))
    est = getattr(preprocessing, name)(**_BASE_PARAMS.get(name, {}))
    if name == "Resample" and param == "target_sampling_rate":
        est.set_params(target_length=None)
    assert_finite_or_names(est, param, value, X)


@pytest.mark.parametrize(
    "est",
    [
        Highpass(freq=1e-300),
        Highpass(freq=1e-9),
        Lowpass(freq=1e-300),
        Bandpass(freqmin=1e-300),
        Highpass(sampling_rate=1e300),
        # scipy's band transform overflows (OverflowError)
        Bandpass(freqmin=1e-6, freqmax=49.999999, corners=100),
    ],
)
def test_unstable_butterworth_design_is_named(est):
    X = np.random.default_rng(0).normal(size=(2, 3, 100))
    with pytest.raises(ValueError, match=r"No stable Butterworth filter with corners"):
        est.fit_transform(X)


def test_filters_near_the_limits_still_work():
    X = np.random.default_rng(0).normal(size=(2, 3, 100))
    for est in [Highpass(freq=1e-6), Highpass(corners=100), Lowpass(corners=100)]:
        assert np.isfinite(est.fit_transform(X)).all()
    with pytest.raises(ValueError, match=r"corners.*\[1, 100\]"):
        Bandpass(corners=101).fit(X)


@pytest.mark.parametrize(
    "est, ok",
    [
        (Resample(target_length=100_000), True),  # 1000 times the 100 samples
        (Resample(target_length=100_001), False),
        (Resample(target_length=1), True),
        (Resample(target_sampling_rate=100_000.0), True),
        (Resample(target_sampling_rate=100_100.0), False),
        (Resample(target_sampling_rate=0.1), True),
        (Resample(target_sampling_rate=1e-300), False),
        (Resample(target_sampling_rate=1e300), False),
        # the ratio overflows to inf (was an OverflowError from Fraction)
        (Resample(sampling_rate=1e-300, target_sampling_rate=1e300), False),
    ],
)
def test_resample_changes_the_length_by_at_most_1000(est, ok):
    X = np.zeros((1, 1, 100))
    if ok:
        assert 1 <= est.fit_transform(X).shape[-1] <= 100_000
    else:
        with pytest.raises(ValueError, match=r"target_\w+=.* more than 1000 times"):
            est.fit(X)
