"""Properties and physics of the random augmenters."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import signal
from sklearn.base import clone

from sklearn_seismo.augmentation import (
    AddFalsePositives,
    AddNoise,
    ChannelDropout,
    Clip,
    ComponentScale,
    Compose,
    OneOf,
    PolarityFlip,
    RandomApply,
    RandomBandpass,
    RandomShift,
    RotateHorizontal,
    SuperimposeEvents,
    TimeMask,
    TimeStretch,
)
from sklearn_seismo.augmentation._spectral import _butterworth_zero_phase_gain

N, C, T = 8, 3, 256
FS = 100.0


def _waveforms(n=N, c=C, t=T, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    time = np.arange(t) / FS
    envelope = np.exp(-(((time - 1.2) / 0.3) ** 2))
    X = rng.normal(size=(n, c, t)) * envelope + 0.1 * rng.normal(size=(n, c, t))
    return X.astype(dtype)


# every augmenter (random settings) and, where defined, its zero-strength twin
AUGMENTERS = {
    "RandomShift": (RandomShift(max_shift=50), RandomShift(max_shift=0)),
    "RandomShift-zeros": (
        RandomShift(max_shift=0.5, mode="zeros", sampling_rate=FS),
        RandomShift(max_shift=0.0, mode="zeros", sampling_rate=FS),
    ),
    "SuperimposeEvents": (
        SuperimposeEvents(),
        SuperimposeEvents(amplitude_ratio=0.0),
    ),
    "AddNoise": (AddNoise(snr_db=(0, 10)), AddNoise(snr_db=np.inf)),
    "AddFalsePositives": (AddFalsePositives(), AddFalsePositives(p=0.0)),
    "ChannelDropout": (ChannelDropout(), ChannelDropout(p=0.0)),
    "Clip": (Clip(), Clip(fraction=1.0)),
    "RandomBandpass": (RandomBandpass(sampling_rate=FS), None),
    "TimeStretch": (TimeStretch(), TimeStretch(rate=1.0)),
    "TimeMask": (TimeMask(max_width=0.2, n_masks=2), TimeMask(max_width=0.0)),
    "PolarityFlip": (PolarityFlip(), PolarityFlip(p=0.0)),
    "RotateHorizontal": (RotateHorizontal(), RotateHorizontal(angle=0.0)),
    "ComponentScale": (ComponentScale(sigma=0.3), ComponentScale(sigma=0.0)),
    "Compose": (
        Compose([RandomShift(max_shift=20), AddNoise(snr_db=(5, 10))]),
        Compose([RandomShift(max_shift=0), AddNoise(snr_db=np.inf)]),
    ),
    "OneOf": (
        OneOf([PolarityFlip(p=1.0), Clip(fraction=0.5)]),
        OneOf([PolarityFlip(p=0.0), Clip(fraction=1.0)], p=[1, 3]),
    ),
    "RandomApply": (
        RandomApply(TimeMask(max_width=0.3), p=0.7),
        RandomApply(TimeMask(max_width=0.3), p=0.0),
    ),
}
NAMES = sorted(AUGMENTERS)
TIME_AUGMENTERS = [
    "RandomShift",
    "RandomShift-zeros",
    "SuperimposeEvents",
    "AddNoise",
    "AddFalsePositives",
    "RandomBandpass",
    "TimeStretch",
    "TimeMask",
]


def _aug(name, random_state=0, zero=False):
    return clone(AUGMENTERS[name][1 if zero else 0]).set_params(
        random_state=random_state
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_properties(name, dtype):
    X = _waveforms(dtype=dtype)
    X.setflags(write=False)  # any in-place write raises
    X_before = X.copy()
    aug = _aug(name, random_state=0)
    Xt = aug.fit_transform(X)
    assert Xt.shape == X.shape and Xt.dtype == X.dtype
    assert not np.shares_memory(Xt, X)
    assert_array_equal(X, X_before)
    assert np.isfinite(Xt).all()
    assert not np.allclose(Xt, X), "the augmenter did nothing"
    # reproducible with the same seed, different with another one
    assert_array_equal(_aug(name, random_state=0).transform(X), Xt)
    assert not np.array_equal(_aug(name, random_state=1).transform(X), Xt)
    # flattened input + sample_shape: same numbers, 2-D layout back
    flat = _aug(name, random_state=0).set_params(sample_shape=(C, T))
    assert_array_equal(flat.fit_transform(X.reshape(N, -1)), Xt.reshape(N, -1))
    # pickles and clones into an equivalent augmenter
    assert_array_equal(pickle.loads(pickle.dumps(aug)).transform(X), Xt)
    # fit returns self, records the layout and rejects another one later
    assert aug.fit(X) is aug
    assert aug.n_features_in_ == C * T and aug.sample_shape_ == (C, T)
    with pytest.raises(ValueError, match="features"):
        aug.transform(X[..., : T // 2])


@pytest.mark.parametrize("name", [n for n in NAMES if AUGMENTERS[n][1] is not None])
def test_identity_at_zero_strength(name):
    X = _waveforms()
    assert_allclose(_aug(name, zero=True).fit_transform(X), X, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_augment_batch_hook(name):
    X = _waveforms()
    X.setflags(write=False)
    aug = clone(AUGMENTERS[name][0])  # never fitted
    out1 = aug.augment_batch(X, np.random.default_rng(3))
    out2 = aug.augment_batch(X, np.random.default_rng(3))
    assert out1.shape == X.shape and out1.dtype == np.float32
    assert_array_equal(out1, out2)
    assert not hasattr(aug, "n_features_in_"), "the hook must not fit"
    # one generator for a whole run gives fresh draws at every call
    rng = np.random.default_rng(3)
    assert not np.array_equal(aug.augment_batch(X, rng), aug.augment_batch(X, rng))
    assert aug.augment_batch(X[:0], rng).shape == (0, C, T)


@pytest.mark.parametrize("name", TIME_AUGMENTERS)
def test_time_axis_of_gathers(name):
    # (n, n_time, n_traces) gathers with time_axis=1 give the transpose of the
    # same augmentation of (n, n_traces, n_time)
    X = _waveforms(c=5)
    aug = _aug(name)
    ref = aug.transform(X)
    gathers = np.ascontiguousarray(X.transpose(0, 2, 1))
    out = clone(aug).set_params(time_axis=1).transform(gathers)
    assert_allclose(out, ref.transpose(0, 2, 1), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="time_axis=0"):
        clone(aug).set_params(time_axis=0).transform(X)


@pytest.mark.parametrize("name", NAMES)
def test_nan_input_is_rejected(name):
    X = _waveforms()
    X[1, 0, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _aug(name).fit_transform(X)


def test_add_noise_reaches_target_snr():
    X = _waveforms()
    for snr in [-5.0, 0.0, 12.0]:
        noise = AddNoise(snr_db=snr, random_state=0).fit_transform(X) - X
        measured = 10 * np.log10((X**2).mean(-1) / (noise**2).mean(-1))
        assert_allclose(measured, snr, atol=0.5)
    noise = AddNoise(snr_db=(3.0, 9.0), random_state=0).fit_transform(X) - X
    measured = 10 * np.log10((X**2).mean(-1) / (noise**2).mean(-1))
    assert (measured > 2.5).all() and (measured < 9.5).all()
    # one SNR per sample, shared by its traces
    assert_allclose(measured, measured[:, :1].repeat(C, axis=1), atol=0.5)
    assert measured[:, 0].std() > 0.5


def test_add_noise_from_a_bank_of_real_windows():
    X = _waveforms()
    bank = np.random.default_rng(5).normal(size=(4, C, T + 40)).astype(np.float32)
    noise = AddNoise(snr_db=6.0, noise=bank, random_state=0).fit_transform(X) - X
    measured = 10 * np.log10((X**2).mean(-1) / (noise**2).mean(-1))
    assert_allclose(measured, 6.0, atol=0.5)
    # every added trace is a scaled crop of the matching channel of one window
    for i in range(N):
        for c in range(C):
            trace = noise[i, c] / np.abs(noise[i, c]).max()
            windows = np.lib.stride_tricks.sliding_window_view(bank[:, c], T, axis=1)
            windows = windows / np.abs(windows).max(axis=-1, keepdims=True)
            assert np.isclose(windows, trace, atol=1e-4).all(-1).any()
    # a 2-D bank of single traces
    traces = bank[:, 0]
    noise = AddNoise(snr_db=6.0, noise=traces, random_state=0).fit_transform(X) - X
    measured = 10 * np.log10((X**2).mean(-1) / (noise**2).mean(-1))
    assert_allclose(measured, 6.0, atol=0.5)


def test_add_noise_bad_input():
    X = _waveforms()
    with pytest.raises(ValueError, match="inverted range"):
        AddNoise(snr_db=(20, 10)).fit_transform(X)
    short = np.zeros((3, C, T - 1), dtype=np.float32)
    with pytest.raises(ValueError, match="at least as long"):
        AddNoise(noise=short).fit_transform(X)
    with pytest.raises(ValueError, match="at least as long"):
        AddNoise(noise=np.zeros((3, 2, T))).fit_transform(X)
    bad = np.ones((3, C, T))
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        AddNoise(noise=bad).augment_batch(X, np.random.default_rng(0))


def test_butterworth_gain_matches_scipy_filtfilt_response():
    freqs = np.linspace(0.1, 49.9, 200)
    sos = signal.butter(4, [2.0, 8.0], btype="bandpass", fs=FS, output="sos")
    _, h = signal.sosfreqz(sos, worN=freqs, fs=FS)
    gain = _butterworth_zero_phase_gain(
        freqs[None], np.array([2.0]), np.array([8.0]), FS, 4
    )
    assert_allclose(gain[0], np.abs(h) ** 2, atol=1e-9)


def test_random_bandpass_removes_energy_outside_the_band():
    t = np.arange(2000) / FS
    x = sum(np.sin(2 * np.pi * f * t) for f in [0.2, 4.0, 35.0])
    X = np.tile(x, (4, 1)).astype(np.float32)
    # band edges: lower in [3, 3.5] Hz, upper = lower * 2 ** 0.5
    aug = RandomBandpass(freq_range=(3.0, 3.5), octaves=0.5, random_state=0)
    Xt = aug.fit_transform(X)
    spectrum = np.abs(np.fft.rfft(Xt[:, 200:-200], axis=-1))
    ref = np.abs(np.fft.rfft(X[:, 200:-200], axis=-1))
    freqs = np.fft.rfftfreq(1600, 1 / FS)
    for f, kept in [(0.2, False), (4.0, True), (35.0, False)]:
        k = np.argmin(np.abs(freqs - f))
        ratio = spectrum[:, k] / ref[:, k]
        assert ((ratio > 0.5) if kept else (ratio < 1e-2)).all(), (f, ratio)


def test_rotation_preserves_horizontal_energy():
    X = _waveforms()
    Xt = RotateHorizontal(random_state=0).fit_transform(X)
    assert_array_equal(Xt[:, 0], X[:, 0])
    energy = (X[:, 1:] ** 2).sum(axis=(1, 2))
    assert_allclose((Xt[:, 1:] ** 2).sum(axis=(1, 2)), energy, rtol=1e-5)
    assert not np.allclose(Xt[:, 1], X[:, 1])
    # custom (N, E) indices for (N, E) data
    NE = X[:, 1:]
    out = RotateHorizontal(angle=180.0, components=(0, 1)).fit_transform(NE)
    assert_allclose(out, -NE, atol=1e-6)


def test_channel_augmenters_bad_channel_counts():
    X = _waveforms()
    with pytest.raises(ValueError, match="at least 3 channels"):
        RotateHorizontal().fit(X[:, :2])
    with pytest.raises(ValueError, match="single traces"):
        RotateHorizontal().fit(X[:, 0])
    with pytest.raises(ValueError, match="at least 2 channels"):
        ChannelDropout().fit(X[:, :1])
    with pytest.raises(ValueError, match="single traces"):
        ChannelDropout().augment_batch(X[:, 0], np.random.default_rng(0))
    with pytest.raises(ValueError, match="max_drop <= 2"):
        ChannelDropout(max_drop=3).fit(X)
    with pytest.raises(ValueError, match="two different"):
        RotateHorizontal(components=(1, 1)).fit(X)


def test_channel_dropout_keeps_at_least_one_component():
    X = _waveforms(n=200)
    Xt = ChannelDropout(random_state=0).fit_transform(X)
    dropped = (Xt == 0).all(axis=-1)
    assert set(dropped.sum(axis=1)) == {1, 2}
    assert_array_equal(Xt[~dropped], X[~dropped])
    single = ChannelDropout(max_drop=1, random_state=0).fit_transform(X)
    assert ((single == 0).all(axis=-1).sum(axis=1) == 1).all()


def test_clip_bounds_the_peak():
    X = _waveforms()
    Xt = Clip(fraction=(0.3, 0.6), random_state=0).fit_transform(X)
    peak = np.abs(X).max(axis=(1, 2))
    out_peak = np.abs(Xt).max(axis=(1, 2))
    assert (out_peak <= 0.6 * peak + 1e-6).all() and (out_peak >= 0.3 * peak).all()
    unclipped = np.abs(X) < out_peak[:, None, None]
    assert_array_equal(Xt[unclipped], X[unclipped])


@pytest.mark.parametrize(
    "aug", [TimeMask(max_width=0.25), AddFalsePositives(kinds=["gap"], max_gap=0.25)]
)
def test_gaps_are_where_the_mask_says(aug):
    rng = np.random.default_rng(0)
    X = (1.0 + rng.random((50, C, T))).astype(np.float32)  # no zeros
    Xt = clone(aug).set_params(random_state=0).fit_transform(X)
    gap = Xt == 0
    assert (gap == gap[:, :1]).all(), "all components are gapped together"
    widths = gap[:, 0].sum(axis=1)
    assert widths.max() <= round(0.25 * T) and widths.max() > 0
    for row in gap[:, 0]:  # one contiguous segment
        idx = np.flatnonzero(row)
        assert idx.size == 0 or idx[-1] - idx[0] + 1 == idx.size
    assert_array_equal(Xt[~gap], X[~gap])


def test_false_positive_spikes_and_steps():
    X = _waveforms()
    peak = np.abs(X).max(axis=(1, 2))
    spikes = AddFalsePositives(kinds=["spike"], amplitude=3.0, random_state=0)
    diff = spikes.fit_transform(X) - X
    changed = (diff != 0).any(axis=1).sum(axis=1)
    assert (changed == 1).all(), "a spike is one time sample"
    assert (np.abs(diff).max(axis=(1, 2)) > 2 * peak).all()
    steps = AddFalsePositives(kinds=["step"], amplitude=1.0, random_state=0)
    diff = steps.fit_transform(X) - X
    # a step: zero, then a constant offset to the end of the window
    assert_allclose(diff[..., -1], diff[..., -1][:, :1].repeat(C, 1), rtol=1e-5)
    assert_allclose(np.abs(diff[:, 0, -1]), peak, rtol=1e-5)
    with pytest.raises(ValueError, match="kinds"):
        AddFalsePositives(kinds=["glitch"]).fit(X)


def test_superimpose_events_adds_another_sample():
    X = _waveforms()
    Xt = SuperimposeEvents(amplitude_ratio=0.5, max_delay=0).fit_transform(X)
    added = (Xt - X) / 0.5
    for i in range(N):
        matches = [j for j in range(N) if np.allclose(added[i], X[j], atol=1e-5)]
        assert matches and i not in matches


def test_shift_moves_the_waveform():
    X = _waveforms()
    Xt = RandomShift(max_shift=30, random_state=0).fit_transform(X)
    for i in range(N):
        lags = [
            k for k in range(-30, 31) if np.array_equal(np.roll(X[i], k, -1), Xt[i])
        ]
        assert len(lags) == 1
    zeros = RandomShift(max_shift=30, mode="zeros", random_state=0).fit_transform(X)
    rolled_back = [np.flatnonzero((zeros[i] == 0).all(0)).size for i in range(N)]
    assert max(rolled_back) > 0 and max(rolled_back) <= 30
    with pytest.raises(ValueError, match="integer"):
        RandomShift(max_shift=0.5).fit_transform(X)


def test_time_stretch_compresses_and_stretches():
    t = np.arange(T, dtype=np.float32)
    X = np.tile(t, (3, 1))
    out = TimeStretch(rate=(0.5, 2.0), random_state=0).fit_transform(X)
    rates = out[:, 1]  # out(1) = x(rate * 1) = rate on a ramp
    assert ((rates >= 0.5 - 1e-6) & (rates <= 2.0 + 1e-6)).all()
    inside = np.arange(T)[None] * rates[:, None] <= T - 1
    assert_allclose(out[inside], (np.arange(T)[None] * rates[:, None])[inside])
    assert (out[~inside] == 0).all()


def test_component_scale_keeps_principal_axes():
    X = _waveforms()
    Xt = ComponentScale(sigma=0.5, random_state=0).fit_transform(X)
    for i in range(N):
        _, v0 = np.linalg.eigh(X[i] @ X[i].T)
        cov1 = v0.T @ (Xt[i] @ Xt[i].T) @ v0
        off_diag = cov1 - np.diag(np.diag(cov1))
        assert np.abs(off_diag).max() < 1e-3 * np.abs(cov1).max()
    assert not np.allclose(Xt, X)


def test_combinators():
    X = _waveforms(n=400)
    flipped = OneOf([PolarityFlip(p=1.0), Clip(fraction=0.5)], p=[1.0, 0.0])
    assert_array_equal(flipped.fit_transform(X), -X)
    frac = (
        RandomApply(PolarityFlip(p=1.0), p=0.25, random_state=0).fit_transform(X)[
            :, 0, 0
        ]
        != X[:, 0, 0]
    ).mean()
    assert 0.18 < frac < 0.32
    with pytest.raises(ValueError, match="one non-negative weight"):
        OneOf([PolarityFlip(), Clip()], p=[1.0]).fit(X)
    with pytest.raises(TypeError, match="augment_batch"):
        Compose([PolarityFlip(), "not an augmenter"]).fit(X)
    # combinators validate their children's layout requirements
    with pytest.raises(ValueError, match="single traces"):
        Compose([RotateHorizontal()]).fit(X[:, 0])


def test_generator_and_seed_arguments_of_the_hook():
    X = _waveforms()
    aug = AddNoise(snr_db=5.0)
    assert_array_equal(aug.augment_batch(X, 7), aug.augment_batch(X, 7))
    with pytest.raises(TypeError, match="Generator"):
        aug.augment_batch(X, "seed")
    with pytest.raises(ValueError, match="n_samples"):
        aug.augment_batch(X[0, 0], np.random.default_rng(0))


def test_threaded_noise_does_not_depend_on_the_thread_count(monkeypatch):
    from sklearn_seismo.augmentation import _base

    X = np.ones((2, 3, 2**19), dtype=np.float32)  # 3 blocks of random numbers
    aug = AddNoise(snr_db=0.0)
    monkeypatch.setattr(_base, "_n_threads", lambda: 1)
    one = aug.augment_batch(X, np.random.default_rng(0))
    monkeypatch.setattr(_base, "_n_threads", lambda: 3)
    three = aug.augment_batch(X, np.random.default_rng(0))
    assert_array_equal(one, three)
    noise = (three - X).ravel()
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 1.0) < 0.01
    # blocks are independent streams, not copies of one another
    block = _base._NOISE_BLOCK
    assert not np.allclose(noise[:100], noise[block : block + 100])


def test_noise_bank_is_checked_once_per_array():
    X = _waveforms()
    bank = np.random.default_rng(5).normal(size=(4, C, T)).astype(np.float32)
    aug = AddNoise(snr_db=6.0, noise=bank)
    first = aug.augment_batch(X, np.random.default_rng(0))
    assert aug._noise_cache[0] is bank
    assert_array_equal(aug.augment_batch(X, np.random.default_rng(0)), first)
    assert "_noise_cache" not in pickle.loads(pickle.dumps(aug)).__dict__
    # a new bank given through set_params is checked again
    bad = bank.copy()
    bad[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        aug.set_params(noise=bad).augment_batch(X, np.random.default_rng(0))
