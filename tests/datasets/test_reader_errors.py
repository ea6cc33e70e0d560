"""Reader and generator errors name the real problem (and the file).

Moved from tests/test_hostile_inputs.py (hardening pass 1, causes 9, 10 and
new-user 8).
"""

import os
import re

import numpy as np
import obspy
import pytest

from sklearn_seismo.datasets import (
    load_waveforms,
    make_shot_gathers,
    read_shot_gathers,
)


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
