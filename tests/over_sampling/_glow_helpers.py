"""Shared data and spies of the GlowOversampler tests."""

import numpy as np

from sklearn_seismo.over_sampling import _glow_training

from ._standin import StandInFlow

# A flow small enough for tests (2 levels: samples are padded to multiples of 4).
TINY = dict(
    n_levels=2,
    n_steps=1,
    hidden_channels=8,
    pretrain_epochs=2,
    max_epochs=2,
    batch_size=8,
)


def make_data(shape=(8, 6), counts=(30, 12, 6), dtype=np.float32, seed=0):
    """Classes "a", "b", "c" of ``counts`` Gaussian samples, of growing scale."""
    rng = np.random.RandomState(seed)
    X = np.concatenate(
        [(k + 1.0) * rng.normal(loc=k, size=(n, *shape)) for k, n in enumerate(counts)]
    ).astype(dtype)
    y = np.repeat(np.array(["a", "b", "c"][: len(counts)], dtype=object), counts)
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


def trained_flows():
    """Stand-in flows that were trained (fed samples in train mode)."""
    return [f for f in StandInFlow.instances if f.trained_on]


def normalised(Xc):
    """Samples ``(n, H, W)`` divided by their RMS."""
    return Xc / np.sqrt(np.mean(Xc.reshape(len(Xc), -1) ** 2, axis=1))[:, None, None]


def spy_fit_flow(monkeypatch):
    """Record ``{desc: (X, X_val)}`` of every flow training."""
    seen = {}
    real = _glow_training.fit_flow

    def spy(Xn, **kwargs):
        val = kwargs.get("X_val")
        seen[kwargs["desc"]] = (Xn.copy(), None if val is None else val.copy())
        return real(Xn, **kwargs)

    monkeypatch.setattr(_glow_training, "fit_flow", spy)
    return seen


def rows(A, B):
    """Whether every row of A is a row of B (up to float rounding)."""
    a, b = A.reshape(len(A), -1), B.reshape(len(B), -1)
    return bool((np.abs(a[:, None] - b[None]).max(axis=2).min(axis=1) < 1e-5).all())
