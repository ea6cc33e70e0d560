"""No data file runs code: crafted pickles are refused, real formats read.

Moved from tests/test_hostile_inputs.py (hardening pass 1, causes 1 and
new-user 5).
"""

import gzip
import pickle

import numpy as np
import obspy
import pytest

from sklearn_seismo.datasets import (
    load_waveforms,
    make_shot_gathers,
    read_shot_gathers,
)


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


def test_make_shot_gathers_labels_savez_without_pickle(tmp_path):
    X, y = make_shot_gathers(30, shape=(16, 8), random_state=0)
    assert y.dtype == np.dtype("<U6")
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=y)
    with np.load(path, allow_pickle=False) as f:
        np.testing.assert_array_equal(f["y"], y)
        np.testing.assert_array_equal(f["X"], X)
