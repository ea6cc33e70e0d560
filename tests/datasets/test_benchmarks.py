import numpy as np
import pytest

from sklearn_seismo.datasets import (
    BENCHMARKS,
    load_benchmark,
    make_shot_gathers,
    make_waveform_quality,
)


def test_waveform_quality_classes_and_reproducibility():
    X, y = make_waveform_quality(300, random_state=0)
    assert X.shape == (300, 3, 200) and X.dtype == np.float32
    assert np.isfinite(X).all()
    counts = {c: int((y == c).sum()) for c in ("good", "medium", "bad")}
    assert counts == {"good": 201, "medium": 90, "bad": 9}
    np.testing.assert_allclose(X.reshape(300, -1).std(axis=1), 1.0, rtol=1e-4)
    X2, y2 = make_waveform_quality(300, random_state=0)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make_waveform_quality(300, random_state=1)
    assert not np.array_equal(X, X3)


def test_waveform_quality_bad_windows_show_a_fault():
    X, y = make_waveform_quality(400, weights=(0.5, 0.0, 0.5), random_state=3)
    good, bad = X[y == "good"], X[y == "bad"]
    # every fault leaves a trace: a dead channel, a flat (clipped) top, a gap
    # of exact zeros, or a spike far above the rest of the window
    dead = (np.abs(bad).max(axis=-1) == 0).any(axis=1)
    zeros = (bad == 0).sum(axis=(1, 2)) >= 3
    peak = np.abs(bad).max(axis=(1, 2))
    flat = (np.isclose(np.abs(bad), peak[:, None, None]).sum(axis=(1, 2))) >= 3
    spike = peak > 4 * np.sort(np.abs(bad).reshape(len(bad), -1), axis=1)[:, -3]
    shows = dead | zeros | flat | spike
    assert shows.mean() > 0.9, shows.mean()
    # clean windows rarely look like that
    gpeak = np.abs(good).max(axis=(1, 2))
    gflat = (np.isclose(np.abs(good), gpeak[:, None, None]).sum(axis=(1, 2))) >= 3
    assert (((good == 0).sum(axis=(1, 2)) >= 3) | gflat).mean() < 0.1


def test_waveform_quality_rejects_bad_records():
    with pytest.raises(ValueError, match="records must be"):
        make_waveform_quality(10, records=("nope",))


def test_registry_entries_load_with_their_layout():
    for name, bench in BENCHMARKS.items():
        assert bench.classifier in ("miniception", "resnet")
        assert bench.layout in ("gathers", "waveforms")
        assert bench.description
        X, y = load_benchmark(name, 60, random_state=0)
        assert len(X) == len(y) == 60
        assert X.ndim == 3
        assert set(np.unique(y)) <= {"good", "medium", "bad"}
    X, y = load_benchmark("gathers64_hard", 50, random_state=4)
    X2, y2 = make_shot_gathers(50, shape=(64, 64), difficulty=0.75, random_state=4)
    np.testing.assert_array_equal(X, X2)
    _, y = load_benchmark("paper_count", random_state=0)
    assert len(y) == 5223 and int((y == "bad").sum()) == 92


def test_load_benchmark_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="gathers32_easy"):
        load_benchmark("gathers128")


def test_waveform_holdout_uses_other_records():
    train, test = BENCHMARKS["waveform_quality"].holdout
    Xa, _ = train(200, 0)
    Xb, _ = test(200, 0)
    rows = {r.tobytes() for r in Xa}
    assert not any(r.tobytes() in rows for r in Xb)
