"""Regression tests for hostile and degenerate inputs (one block per cause).

Each test reproduces a failure found by running bad inputs against the
package and asserts the clear error (or the safe behaviour) that replaced it.
"""

import gzip
import math
import os
import pickle
import re
import warnings

import numpy as np
import obspy
import pytest
from scipy import signal

from sklearn_seismo.augmentation import RandomBandpass, RandomShift, TimeStretch
from sklearn_seismo.datasets import (
    load_waveforms,
    make_shot_gathers,
    read_shot_gathers,
)
from sklearn_seismo.ensemble import TestTimeAugmentationClassifier
from sklearn_seismo.neural import MiniceptionClassifier, ResNetClassifier
from sklearn_seismo.preprocessing import Bandpass
from sklearn_seismo.utils import _batch, warn_if_sample_shape_missing
from sklearn_seismo.utils.discovery import all_estimators
from tests.common import CHECK_PARAMS


# ---------------------------------------------------------------------------
# 1. A crafted data file must never run code
# ---------------------------------------------------------------------------
class _Payload:
    """Unpickling this creates ``marker``: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _crafted_pickle(marker):
    # the first bytes name obspy.core.stream, as ObsPy's PICKLE check expects
    return pickle.dumps((obspy.Stream, _Payload(marker)), protocol=2)


def test_crafted_pickle_file_is_refused_and_runs_no_code(tmp_path):
    marker = tmp_path / "code_ran"
    path = tmp_path / "x.mseed"
    path.write_bytes(_crafted_pickle(marker))
    with pytest.raises(ValueError, match=r"x\.mseed.*no waveform format.*pickle"):
        load_waveforms(path)
    assert not marker.exists()


def test_crafted_pickle_inside_gzip_is_refused_and_runs_no_code(tmp_path):
    marker = tmp_path / "code_ran"
    path = tmp_path / "x.mseed.gz"
    path.write_bytes(gzip.compress(_crafted_pickle(marker)))
    with pytest.raises(ValueError, match="no waveform format"):
        load_waveforms(str(path))
    assert not marker.exists()


def test_pickle_format_is_refused_even_when_asked_for(tmp_path):
    marker = tmp_path / "code_ran"
    path = tmp_path / "x.pickle"
    path.write_bytes(_crafted_pickle(marker))
    with pytest.raises(ValueError, match=r"format='PICKLE' is refused"):
        load_waveforms(path, format="pickle")
    assert not marker.exists()


def test_read_shot_gathers_never_unpickles(tmp_path):
    marker = tmp_path / "code_ran"
    path = tmp_path / "x.sgy"
    path.write_bytes(_crafted_pickle(marker))
    with pytest.raises(ValueError, match="could not read"):
        read_shot_gathers(path)
    assert not marker.exists()


def test_explicit_format_still_reads(tmp_path):
    path = tmp_path / "rjob.sac"
    obspy.read()[0].write(str(path), format="SAC")
    bunch = load_waveforms(path, channels=("Z",), format="SAC")
    np.testing.assert_allclose(bunch.data[0, 0], obspy.read()[0].data, rtol=1e-6)
    with pytest.raises(ValueError, match="not a waveform format"):
        load_waveforms(path, format="NOPE")


# ---------------------------------------------------------------------------
# 2. Diverging training stops with an error instead of NaN probabilities
# ---------------------------------------------------------------------------
@pytest.fixture
def tiny_images():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 16, 16)).astype(np.float32)
    y = np.array(["a", "b", "c"] * 8)
    return X, y


def test_miniception_divergence_raises_and_names_lr(tiny_images):
    X, y = tiny_images
    clf = MiniceptionClassifier(
        alpha=1, n_blocks=2, lr=1e10, max_epochs=3, device="cpu", random_state=0
    )
    with pytest.raises(FloatingPointError, match=r"diverged.*Lower lr"):
        clf.fit(X, y)


def test_resnet_divergence_raises_and_names_lr():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 3, 64)).astype(np.float32)
    y = np.repeat([0, 1, 2], 8)
    clf = ResNetClassifier(
        n_filters=(4, 8, 8), lr=1e10, max_epochs=3, device="cpu", random_state=0
    )
    with pytest.raises(FloatingPointError, match=r"diverged.*Lower lr"):
        clf.fit(X, y)


def test_predict_proba_never_returns_nan(tiny_images):
    import torch

    X, y = tiny_images
    clf = MiniceptionClassifier(
        alpha=1, n_blocks=2, max_epochs=1, device="cpu", random_state=0
    ).fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()
    with torch.no_grad():
        for p in clf.module_.parameters():
            p.fill_(float("nan"))
    with pytest.raises(ValueError, match="non-finite probabilities"):
        clf.predict_proba(X)


# ---------------------------------------------------------------------------
# 3. Empty and degenerate n-D input gets scikit-learn's messages
# ---------------------------------------------------------------------------
_EMPTY_CASES = [
    (np.empty((0, 3, 64)), None, r"0 sample\(s\)"),
    (np.empty((4, 3, 0)), None, r"0 feature\(s\)"),
    (np.empty((0, 192)), (3, 64), r"0 sample\(s\)"),
]
_ESTIMATORS = [
    (name, cls)
    for name, cls in all_estimators()
    # a meta-estimator: its wrapped estimator validates X
    if name != "TestTimeAugmentationClassifier"
]


@pytest.mark.parametrize("name, cls", _ESTIMATORS, ids=[n for n, _ in _ESTIMATORS])
@pytest.mark.parametrize("X, sample_shape, match", _EMPTY_CASES)
def test_empty_input_gets_sklearn_message(name, cls, X, sample_shape, match):
    est = cls(**CHECK_PARAMS.get(name, {}))
    if sample_shape is not None:
        if "sample_shape" not in est.get_params():
            pytest.skip(f"{name} has no sample_shape")
        est.set_params(sample_shape=sample_shape)
    y = np.zeros(len(X), dtype=int)
    method = getattr(est, "fit_resample", None) or est.fit
    with pytest.raises(ValueError, match=match):
        method(X, y)


@pytest.mark.parametrize("est", [Bandpass(), TimeStretch(random_state=0)])
def test_empty_input_at_transform(est):
    est.fit(np.zeros((2, 3, 64)))
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        est.transform(np.empty((0, 3, 64)))


def test_empty_input_at_predict(tiny_images):
    X, y = tiny_images
    clf = MiniceptionClassifier(
        alpha=1, n_blocks=2, max_epochs=1, device="cpu", random_state=0
    ).fit(X, y)
    with pytest.raises(ValueError, match=r"0 sample\(s\)"):
        clf.predict(np.empty((0, 16, 16), dtype=np.float32))


# ---------------------------------------------------------------------------
# 6. Chunked filters give the unchunked result (the RSS target lives in
#    benchmarks/bench_memory.py)
# ---------------------------------------------------------------------------
@pytest.fixture
def waveforms():
    return np.random.default_rng(0).normal(size=(37, 3, 300)).astype(np.float32)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Bandpass(1.0, 20.0),
        lambda: RandomBandpass(random_state=0),
        lambda: TimeStretch(random_state=0),
    ],
    ids=["Bandpass", "RandomBandpass", "TimeStretch"],
)
def test_chunked_equals_unchunked(make, waveforms, monkeypatch):
    # blocks of a few samples against one block holding the whole batch
    monkeypatch.setattr(_batch, "_CHUNK_BYTES", 2 * 8 * 3 * 700)
    assert len(_batch.chunk_slices(37, 3 * 700)) == 19
    small = make().fit_transform(waveforms)
    monkeypatch.setattr(_batch, "_CHUNK_BYTES", 2**40)
    whole = make().fit_transform(waveforms)
    assert small.dtype == waveforms.dtype
    np.testing.assert_allclose(small, whole, rtol=0, atol=1e-6)


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


# ---------------------------------------------------------------------------
# 7. class_weight keys and signs are validated
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({"a": 1.0, "zzz": 5.0}, r"keys \['zzz'\] that are not classes"),
        ({"a": -1.0, "b": 1.0, "c": 1.0}, "non-negative"),
        ({"a": float("nan")}, "non-negative"),
        ({"a": 0.0, "b": 0.0, "c": 0.0}, "every class weight 0"),
    ],
)
def test_class_weight_is_validated(tiny_images, class_weight, match):
    X, y = tiny_images
    clf = MiniceptionClassifier(
        alpha=1, n_blocks=2, max_epochs=1, device="cpu", class_weight=class_weight
    )
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


# ---------------------------------------------------------------------------
# 8. Test-time augmentation is reproducible
# ---------------------------------------------------------------------------
def test_tta_refuses_unseeded_random_transform():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 50)), np.repeat([0, 1], 20)
    tta = TestTimeAugmentationClassifier(
        LogisticRegression(), ["passthrough", RandomShift(max_shift=5)]
    )
    with pytest.raises(ValueError, match=r"transforms\[1\].*random_state"):
        tta.fit(X, y)
    tta.set_params(transforms=["passthrough", RandomShift(max_shift=5, random_state=0)])
    tta.fit(X, y)
    np.testing.assert_array_equal(tta.predict_proba(X), tta.predict_proba(X))


# ---------------------------------------------------------------------------
# 9. Truncated MiniSEED names the file
# ---------------------------------------------------------------------------
@pytest.fixture
def mseed_bytes(tmp_path):
    st = obspy.read()
    for tr in st:
        tr.data = tr.data.astype(np.int32)
    path = tmp_path / "full.mseed"
    st.write(str(path), format="MSEED", reclen=512)
    return path.read_bytes()


@pytest.mark.parametrize("cut", [300, None], ids=["last-record", "mid-file"])
def test_truncated_mseed_names_the_file(tmp_path, mseed_bytes, cut):
    size = len(mseed_bytes)
    keep = size - cut if cut else size // 2 + 100
    path = tmp_path / "cut.mseed"
    path.write_bytes(mseed_bytes[:keep])
    with pytest.raises(ValueError, match=r"cut\.mseed.*truncated") as info:
        load_waveforms(path)
    assert "on_missing" not in str(info.value)
    # the intact file reads
    (tmp_path / "ok.mseed").write_bytes(mseed_bytes)
    assert load_waveforms(tmp_path / "ok.mseed").data.shape == (1, 3, 3000)


# ---------------------------------------------------------------------------
# 10. Messages name the real problem
# ---------------------------------------------------------------------------
def test_load_waveforms_non_path_source():
    with pytest.raises(TypeError, match="source must be a path.*got int 123"):
        load_waveforms(123)


def test_read_shot_gathers_directory(tmp_path):
    with pytest.raises(ValueError, match="is a folder, not a SEG-Y file"):
        read_shot_gathers(tmp_path)


@pytest.mark.parametrize("weights", [(np.nan, 1, 1), (np.inf, 1, 1)])
def test_make_shot_gathers_non_finite_weights(weights):
    with pytest.raises(ValueError, match="weights must be finite") as info:
        make_shot_gathers(10, weights=weights)
    assert "repeats" not in str(info.value)


# ---------------------------------------------------------------------------
# New-user 5: labels round-trip through np.savez without pickle
# ---------------------------------------------------------------------------
def test_make_shot_gathers_labels_savez_without_pickle(tmp_path):
    X, y = make_shot_gathers(30, shape=(16, 8), random_state=0)
    assert y.dtype == np.dtype("<U6")
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=y)
    with np.load(path, allow_pickle=False) as f:
        np.testing.assert_array_equal(f["y"], y)
        np.testing.assert_array_equal(f["X"], X)


# ---------------------------------------------------------------------------
# New-user 7: flattened X without sample_shape
# ---------------------------------------------------------------------------
def test_miniception_warns_on_flattened_gathers(tiny_images):
    X, y = tiny_images
    X_flat = X.reshape(len(X), -1)
    clf = MiniceptionClassifier(
        alpha=1, n_blocks=1, max_epochs=1, device="cpu", random_state=0
    )
    with pytest.warns(UserWarning, match=r"sample_shape=\(16, 16\)"):
        clf.fit(X_flat, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clf.set_params(sample_shape=(16, 16)).fit(X_flat, y)
        clf.set_params(sample_shape=None).fit(X, y)  # n-D input: no warning


def test_sample_shape_helper_rules():
    est = Bandpass()
    with pytest.warns(UserWarning, match="1-D trace"):
        assert warn_if_sample_shape_missing(est, np.zeros((2, 4096)), None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        # not square, 1-D model; or sample_shape given; or n-D X
        assert not warn_if_sample_shape_missing(est, np.zeros((2, 3000)), None)
        assert not warn_if_sample_shape_missing(est, np.zeros((2, 4096)), (64, 64))
        assert not warn_if_sample_shape_missing(est, np.zeros((2, 64, 64)), None)
    with pytest.warns(UserWarning, match=r"1 x 3000 image"):
        warn_if_sample_shape_missing(est, np.zeros((2, 3000)), None, model_ndim=2)
    assert math.isqrt(4096) == 64


# ---------------------------------------------------------------------------
# New-user 8: the channel suggestion names channels the file has
# ---------------------------------------------------------------------------
def test_missing_channel_suggests_present_channels(tmp_path):
    path = tmp_path / "ehe.mseed"
    obspy.read().select(channel="EHE").write(str(path), format="MSEED")
    with pytest.raises(ValueError) as info:
        load_waveforms(path, channels=("Z",))
    msg = str(info.value)
    assert "channels=('E',)" in msg
    assert "channels=('Z',)" not in msg
    assert re.search(r"channels present: \['EHE'\]", msg)
    assert os.path.exists(path)
