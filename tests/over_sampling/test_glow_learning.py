"""GlowOversampler with the real sklearn_seismo.flows.Glow: small learning tests."""

import numpy as np
import pytest

from sklearn_seismo.over_sampling import GlowOversampler

T = 16


def _two_modes(n_per_mode=40, noise=0.05, seed=0):
    """A rare class made of two well-separated waveform shapes with random gains."""
    rng = np.random.RandomState(seed)
    t = np.arange(T) / T
    modes = np.stack([np.sin(2 * np.pi * t), np.sin(2 * np.pi * 3 * t + 0.5)])
    modes /= np.sqrt(np.mean(modes**2, axis=1, keepdims=True))
    shapes = np.repeat(modes, n_per_mode, axis=0)
    shapes = shapes + noise * rng.normal(size=shapes.shape)
    gains = rng.uniform(0.5, 2.0, size=(len(shapes), 1))
    X_rare = (gains * shapes).astype(np.float32)
    X_major = rng.normal(size=(3 * len(X_rare), T)).astype(np.float32)
    X = np.concatenate([X_major, X_rare])
    y = np.array([0] * len(X_major) + [1] * len(X_rare))
    return X, y, modes


def _normalise(X):
    return X / np.sqrt(np.mean(X**2, axis=1, keepdims=True))


@pytest.mark.parametrize("interpolation", ["linear", "slerp"])
def test_interpolated_samples_lie_on_the_data(interpolation):
    X, y, modes = _two_modes()
    sampler = GlowOversampler(
        sampling_strategy={1: 200},
        n_levels=2,
        n_steps=2,
        hidden_channels=16,
        pretrain="none",
        max_epochs=15,
        patience=15,
        batch_size=16,
        lr=2e-3,
        warmup_steps=10,
        interpolation=interpolation,
        sample_shape=(T,),  # rows are traces (no layout warning)
        random_state=0,
    )
    X_res, y_res = sampler.fit_resample(X, y)
    history = sampler.history_[1]
    assert len(history) == 15 and history[-1] < history[0] - 0.5  # it learned
    new = X_res[len(X) :]
    assert new.shape == (120, T) and np.isfinite(new).all()

    shape_new, shape_train = _normalise(new), _normalise(X[y == 1])
    # each synthetic shape is close to one of the two modes, as the data are ...
    d_new = np.linalg.norm(shape_new[:, None] - modes[None], axis=2).min(axis=1)
    d_train = np.linalg.norm(shape_train[:, None] - modes[None], axis=2).min(axis=1)
    separation = np.linalg.norm(modes[0] - modes[1])
    assert np.median(d_new) < 0.25 * separation
    assert np.quantile(d_new, 0.9) < 0.5 * separation
    assert np.median(d_new) < 3 * np.median(d_train) + 0.1
    # ... and inside the range of the data, coordinate by coordinate
    lo, hi = shape_train.min(axis=0), shape_train.max(axis=0)
    margin = 0.1 * (hi - lo)
    inside = ((shape_new >= lo - margin) & (shape_new <= hi + margin)).all(axis=1)
    assert inside.mean() >= 0.9
    # gains stay within the data's gains
    rms_new = np.sqrt(np.mean(new**2, axis=1))
    rms_train = sampler.scales_[1]
    assert rms_new.min() >= rms_train.min() * 0.99
    assert rms_new.max() <= rms_train.max() * 1.01

    # the class's flow finds its own data more likely than white noise
    noise = np.random.RandomState(1).normal(size=(40, T)).astype(np.float32)
    assert np.median(sampler.score_samples(X[y == 1], 1)) > np.median(
        sampler.score_samples(noise, 1)
    )


@pytest.mark.parametrize(
    "pretrain, coupling", [("all", "additive"), ("all", "affine"), ("none", "affine")]
)
def test_real_glow_layouts_and_round_trip(pretrain, coupling):
    """Pretraining and fine-tuning keep the flow exactly invertible."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(24, 2, 10, 7)).astype(np.float64)
    y = np.array([0] * 16 + [1] * 8)
    sampler = GlowOversampler(
        n_levels=2,
        n_steps=1,
        hidden_channels=8,
        pretrain=pretrain,
        pretrain_epochs=2,
        max_epochs=2,
        coupling=coupling,
        random_state=0,
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (32, 2, 10, 7) and X_res.dtype == np.float64
    assert sampler.flow_input_shape_ == (2, 12, 8)
    Xb = X[y == 1]
    zs = sampler.encode(Xb, 1)
    assert [z.shape[1:] for z in zs] == [
        tuple(s) for s in sampler.flows_[1].latent_shapes((2, 12, 8))
    ]
    rms = np.sqrt(np.mean(Xb.reshape(8, -1) ** 2, axis=1))
    np.testing.assert_allclose(sampler.decode(zs, 1, scales=rms), Xb, atol=1e-3)
    assert not sampler.flows_[1].training
