"""Chunked filters give scipy's one-call result, for waveforms and gathers.

Moved from tests/test_hostile_inputs.py (hardening pass 1, cause 6).
"""

import numpy as np
import pytest
from scipy import signal

from sklearn_seismo.preprocessing import Bandpass
from sklearn_seismo.utils import _batch


@pytest.fixture
def waveforms():
    return np.random.default_rng(0).normal(size=(37, 3, 300)).astype(np.float32)


def test_chunked_bandpass_equals_one_sosfiltfilt(waveforms, monkeypatch):
    monkeypatch.setattr(_batch, "_CHUNK_BYTES", 8 * 3 * 300 * 4)
    out = Bandpass(1.0, 20.0).fit_transform(waveforms)
    sos = signal.butter(4, [1.0, 20.0], "bandpass", fs=100.0, output="sos")
    ref = signal.sosfiltfilt(sos, waveforms.astype(np.float64), axis=-1)
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-6)
    # gathers: time on axis 1
    gathers = np.ascontiguousarray(waveforms.transpose(0, 2, 1))
    out_g = Bandpass(1.0, 20.0, time_axis=1).fit_transform(gathers)
    np.testing.assert_allclose(out_g, ref.transpose(0, 2, 1), rtol=0, atol=1e-6)
