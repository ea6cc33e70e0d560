"""Test signals shared by the preprocessing tests: tones and their amplitude."""

import numpy as np

FS = 100.0
T = 2000
t = np.arange(T) / FS


def tones(freqs, n=3, dtype=np.float64):
    x = sum(np.sin(2 * np.pi * f * t + k) for k, f in enumerate(freqs))
    return np.tile(x, (n, 1)).astype(dtype)


def amplitude_at(X, f):
    interior = X[..., 300:-300]
    spectrum = np.abs(np.fft.rfft(interior, axis=-1)) / (interior.shape[-1] / 2)
    freqs = np.fft.rfftfreq(interior.shape[-1], 1 / FS)
    return spectrum[..., np.argmin(np.abs(freqs - f))]
