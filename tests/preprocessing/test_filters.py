"""Butterworth filters: the band kept, scipy's and ObsPy's result, phase, errors."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from obspy.signal.filter import bandpass as obspy_bandpass
from scipy import signal

from sklearn_seismo.preprocessing import Bandpass, Highpass, Lowpass

from ._signals import FS, T, amplitude_at, tones


@pytest.mark.parametrize(
    "est, kept, removed",
    [
        (Bandpass(freqmin=2.0, freqmax=10.0), [5.0], [0.3, 30.0]),
        (Highpass(freq=1.0), [5.0, 30.0], [0.1]),
        (Lowpass(freq=10.0), [0.5, 5.0], [30.0]),
    ],
)
def test_filters_remove_energy_outside_the_band(est, kept, removed):
    X = tones(kept + removed)
    Xf = est.fit_transform(X)
    for f in kept:
        assert_allclose(amplitude_at(Xf, f), 1.0, atol=0.05)
    for f in removed:
        assert (amplitude_at(Xf, f) < 0.02).all()


def test_bandpass_is_scipy_sosfiltfilt_and_matches_obspy_inside_the_window():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 3, T)).astype(np.float32)
    Xf = Bandpass(freqmin=1.0, freqmax=8.0, corners=4).fit_transform(X)
    sos = signal.butter(4, [1.0, 8.0], btype="bandpass", fs=FS, output="sos")
    assert_allclose(Xf, signal.sosfiltfilt(sos, X.astype(np.float64)), atol=1e-5)
    ref = obspy_bandpass(X[0, 0].astype(np.float64), 1.0, 8.0, FS, 4, True)
    assert_allclose(Xf[0, 0, 400:-400], ref[400:-400], atol=1e-3)


def test_zero_phase_keeps_the_pulse_in_place_and_causal_delays_it():
    x = np.zeros((1, 501))
    x[0, 250] = 1.0
    zero_phase = Lowpass(freq=5.0).fit_transform(x)[0]
    causal = Lowpass(freq=5.0, zerophase=False).fit_transform(x)[0]
    assert np.argmax(zero_phase) == 250
    assert_allclose(zero_phase[240:250], zero_phase[260:250:-1], atol=1e-9)
    assert np.argmax(causal) > 250


@pytest.mark.parametrize("n_times", [1, 2, 3, 5, 10])
def test_short_traces_are_filtered_without_error(n_times):
    X = np.random.default_rng(0).normal(size=(4, n_times))
    for est in [Bandpass(), Highpass(), Lowpass()]:
        Xf = est.fit_transform(X)
        assert Xf.shape == X.shape and np.isfinite(Xf).all()


def test_bad_frequencies():
    X = tones([1.0])
    with pytest.raises(ValueError, match="Nyquist"):
        Lowpass(freq=60.0).fit(X)
    with pytest.raises(ValueError, match="Nyquist"):
        Bandpass(freqmin=1.0, freqmax=20.0, sampling_rate=20.0).fit(X)
    with pytest.raises(ValueError, match="below freqmax"):
        Bandpass(freqmin=10.0, freqmax=5.0).fit(X)
