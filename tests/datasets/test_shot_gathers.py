import numpy as np
import pytest
from scipy.signal import welch

from sklearn_seismo.datasets import make_shot_gathers


@pytest.fixture(scope="module")
def data():
    return make_shot_gathers(
        600, weights=(0.5, 0.3, 0.2), return_metadata=True, random_state=3
    )


def test_shapes_dtypes_labels(data):
    X, y, meta = data
    assert X.shape == (600, 64, 64)
    assert X.dtype == np.float32
    assert y.dtype == np.dtype("<U6")
    assert set(y) == {"good", "medium", "bad"}
    assert np.all(np.isfinite(X))
    for key in ("severity", "artefact", "peak_frequency", "n_reflections"):
        assert len(meta[key]) == 600
    assert meta.swell_mask.shape == meta.bad_trace_mask.shape == (600, 64)


def test_determinism_and_seed_sensitivity():
    X1, y1 = make_shot_gathers(40, shape=(32, 16), random_state=7)
    X2, y2 = make_shot_gathers(40, shape=(32, 16), random_state=7)
    X3, _ = make_shot_gathers(40, shape=(32, 16), random_state=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


def test_exact_class_counts_and_shuffled():
    _, y = make_shot_gathers(5223, shape=(8, 8), random_state=0)
    counts = [int((y == c).sum()) for c in ("good", "medium", "bad")]
    assert sum(counts) == 5223
    np.testing.assert_allclose(
        np.array(counts) / 5223,
        np.array([0.6668, 0.3154, 0.0176]) / 0.9998,
        atol=1 / 5223,
    )
    # Shuffled: the rare class is not bunched at the end.
    bad_pos = np.flatnonzero(y == "bad")
    assert bad_pos.min() < 2000


def test_any_shape_and_large_single_gather():
    X, y = make_shot_gathers(3, shape=(40, 17), random_state=0)
    assert X.shape == (3, 40, 17)
    X, y = make_shot_gathers(1, shape=(896, 640), random_state=0)
    assert X.shape == (1, 896, 640)
    assert np.isfinite(X).all() and X.std() > 0


def test_dead_traces_are_zero_and_anomalies_stand_out(data):
    X, _, meta = data
    dead = meta.trace_anomaly == 1
    assert dead.any()
    assert np.abs(X.transpose(0, 2, 1)[dead]).max() == 0
    healthy = ~meta.bad_trace_mask & ~meta.swell_mask
    assert (np.abs(X.transpose(0, 2, 1)[healthy]).max(axis=1) > 0).all()
    # Spiky traces hold a sample far above the trace's median amplitude.
    spiky = X.transpose(0, 2, 1)[meta.trace_anomaly == 2]
    ratio = np.abs(spiky).max(1) / np.median(np.abs(spiky), axis=1)
    assert np.median(ratio) > 20
    assert list(meta.trace_anomaly_names) == [
        "none",
        "dead",
        "spiky",
        "over-amplified",
    ]


def test_swell_band_has_strong_low_frequency_energy(data):
    X, _, meta = data
    strong = np.flatnonzero((meta.swell_strength > 3) & (meta.n_anomalous_traces == 0))
    assert len(strong) > 5
    fs = 1 / meta.dt
    for i in strong[:10]:
        band = meta.swell_mask[i]
        assert band.sum() == meta.swell_stop[i] - meta.swell_start[i]
        inside = X[i][:, band].T
        outside = X[i][:, ~band].T
        if len(outside) == 0:
            continue
        f, p_in = welch(inside, fs=fs, nperseg=64, axis=-1)
        _, p_out = welch(outside, fs=fs, nperseg=64, axis=-1)
        low = f <= 1.5 * meta.swell_frequency[i] + 1e-9
        # Band traces carry far more low-frequency power than the others.
        assert p_in[:, low].mean() > 5 * p_out[:, low].mean()
        assert meta.swell_frequency[i] < meta.peak_frequency[i]


def test_metadata_consistent_with_labels(data):
    _, y, meta = data
    sev = {c: meta.severity[y == c].mean() for c in ("good", "medium", "bad")}
    assert sev["good"] < sev["medium"] < sev["bad"]
    clean = meta.artefact == "none"
    assert (meta.swell_strength[clean] == 0).all()
    assert (meta.n_anomalous_traces[clean] == 0).all()
    has_amp = np.isin(meta.artefact, ["amplitude", "swell+amplitude"])
    assert (meta.n_anomalous_traces[has_amp] >= 1).all()
    assert (meta.swell_start[meta.swell_strength == 0] == -1).all()
    assert ((meta.n_reflections >= 3) & (meta.n_reflections <= 8)).all()


def test_difficulty_controls_overlap():
    def spread(d):
        _, y, m = make_shot_gathers(
            900,
            shape=(8, 8),
            weights=(1 / 3,) * 3,
            difficulty=d,
            return_metadata=True,
            random_state=0,
        )
        return np.mean([m.severity[y == c].std() for c in ("good", "medium", "bad")])

    assert spread(0.0) < 0.5 * spread(1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"shape": (64,)}, "shape must be"),
        ({"shape": (4, 64)}, "shape must be"),
        ({"weights": (0.5, 0.5)}, "weights must be"),
        ({"weights": (0.5, -0.1, 0.6)}, "weights must be"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_shot_gathers(5, **kwargs)


def test_difficulty_out_of_range():
    with pytest.raises(ValueError, match="difficulty"):
        make_shot_gathers(5, difficulty=1.5)
