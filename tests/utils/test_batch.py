"""The batch rules of ``utils/_batch.py``: blocks of samples and their size."""

import numpy as np
import pytest

from sklearn_seismo.augmentation import RandomBandpass, RandomShift, TimeStretch
from sklearn_seismo.preprocessing import Bandpass
from sklearn_seismo.utils import _batch, chunk_memory


def test_chunk_memory_sets_and_restores_the_block_size():
    default = _batch._CHUNK_BYTES
    with chunk_memory(8 * 3 * 100 * 4):
        assert len(_batch.chunk_slices(10, 3 * 100)) == 3  # 4 + 4 + 2 samples
        with chunk_memory(None):
            assert _batch.chunk_slices(10, 3 * 100) == [slice(0, 10)]
        assert _batch._CHUNK_BYTES == 8 * 3 * 100 * 4
    assert _batch._CHUNK_BYTES == default
    with pytest.raises(RuntimeError), chunk_memory(1):
        raise RuntimeError("restored on error too")
    assert _batch._CHUNK_BYTES == default


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "8"])
def test_chunk_memory_refuses_non_positive_ints(bad):
    with pytest.raises(ValueError, match="n_bytes must be a positive int"):
        with chunk_memory(bad):
            pass


def test_chunk_memory_changes_no_result():
    X = np.random.default_rng(0).normal(size=(9, 3, 200)).astype(np.float32)
    with chunk_memory(8 * 3 * 200):  # one sample per block
        small = Bandpass().fit_transform(X)
    with chunk_memory(None):
        whole = Bandpass().fit_transform(X)
    np.testing.assert_allclose(small, whole, rtol=0, atol=1e-6)


# Moved from tests/test_hostile_inputs.py (hardening pass 1, cause 6; the
# RSS target lives in benchmarks/bench_memory.py).


@pytest.fixture
def waveforms():
    return np.random.default_rng(0).normal(size=(37, 3, 300)).astype(np.float32)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Bandpass(1.0, 20.0),
        lambda: RandomBandpass(random_state=0),
        lambda: TimeStretch(random_state=0),
        lambda: RandomShift(max_shift=250, random_state=0),
        lambda: RandomShift(max_shift=250, mode="zeros", random_state=0),
    ],
    ids=["Bandpass", "RandomBandpass", "TimeStretch", "RandomShift", "ShiftZeros"],
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
