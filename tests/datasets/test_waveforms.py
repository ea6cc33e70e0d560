import os

import numpy as np
import obspy
import pytest

from sklearn_seismo.datasets import (
    load_example_noise,
    load_example_waveforms,
    load_waveforms,
)
from sklearn_seismo.datasets._examples import available_example_records

OBSPY = os.path.dirname(obspy.__file__)
MVO = os.path.join(OBSPY, "io", "seisan", "tests", "data", "9701-30-1048-54S.MVO_21_1")
FFBX = os.path.join(OBSPY, "core", "tests", "data", "ffbx_unrotated_gaps.mseed")
needs_test_data = pytest.mark.skipif(
    not os.path.isfile(MVO), reason="ObsPy installed without its test data"
)


def test_channel_order_and_window_count():
    st = obspy.read()
    st.traces = st.traces[::-1]  # E, N, Z: order must come from channels
    b = load_waveforms(st, channels=("Z", "N", "E"), window=10.0, step=5.0)
    assert b.data.shape == (5, 3, 1000)
    assert b.data.dtype == np.float32
    assert b.trace_ids[0] == ("BW.RJOB..EHZ", "BW.RJOB..EHN", "BW.RJOB..EHE")
    ref = obspy.read().select(channel="EHN")[0].data
    np.testing.assert_allclose(b.data[1, 1], ref[500:1500], rtol=1e-6)
    assert b.starttimes[1] - b.starttimes[0] == pytest.approx(5.0)
    assert b.stations == ["BW.RJOB..EH"] * 5
    b = load_waveforms(st, channels=("E", "Z"))
    assert b.data.shape == (1, 2, 3000)
    np.testing.assert_allclose(b.data[0, 0], st.select(channel="EHE")[0].data)


def test_caller_stream_unchanged():
    st = obspy.read()
    before = [tr.copy() for tr in st]
    load_waveforms(st, window=5.0, sampling_rate=50.0, detrend=True, taper=True)
    for a, b in zip(st, before):
        assert a.stats == b.stats
        np.testing.assert_array_equal(a.data, b.data)


def test_resampling_detrend_taper():
    st = obspy.read()
    b = load_waveforms(st, sampling_rate=40.0, detrend=True, taper=True)
    assert b.sampling_rate == 40.0
    assert b.data.shape == (1, 3, 1200)
    assert np.abs(b.data[..., 0]).max() == 0  # taper end
    # Detrended (without taper): no linear trend left in the window.
    d = load_waveforms(st, sampling_rate=40.0, detrend=True).data[0, 0]
    slope = np.polyfit(np.arange(1200), d.astype(float), 1)[0]
    assert abs(slope) * 1200 < 1e-4 * np.abs(d).max()
    raw = load_waveforms(st, sampling_rate=40.0).data[0, 0]
    assert not np.allclose(raw, d)


def test_mixed_rates_need_target_rate_and_1_2_aliases():
    st = obspy.read()
    st[1].resample(50.0)
    with pytest.raises(ValueError, match=r"mixed sampling rates.*sampling_rate="):
        load_waveforms(st)
    b = load_waveforms(st, sampling_rate=50.0)
    assert b.data.shape == (1, 3, 1500)
    st = obspy.read()
    st[1].stats.channel = "EH1"
    st[2].stats.channel = "EH2"
    b = load_waveforms(st)
    assert b.trace_ids[0] == ("BW.RJOB..EHZ", "BW.RJOB..EH1", "BW.RJOB..EH2")


def test_missing_channel_policies():
    st = obspy.read()
    st.remove(st.select(channel="EHN")[0])
    with pytest.raises(ValueError, match=r"BW\.RJOB.*no N component.*on_missing"):
        load_waveforms(st)
    b = load_waveforms(st, on_missing="fill")
    assert b.trace_ids[0][1] is None
    assert np.abs(b.data[0, 1]).max() == 0
    with pytest.raises(ValueError, match="no station has all"):
        load_waveforms(st, on_missing="skip")


def _gappy():
    st = obspy.read().select(channel="EHZ")
    first, second = st[0].copy(), st[0].copy()
    first.trim(first.stats.starttime, first.stats.starttime + 10)
    second.trim(second.stats.starttime + 12, second.stats.endtime)
    return obspy.Stream([first, second])


def test_gap_policies():
    st = _gappy()
    with pytest.raises(ValueError, match=r"EHZ.*has a gap.*on_gap='fill'"):
        load_waveforms(st, channels="Z")
    skip = load_waveforms(st, channels="Z", window=2.0, on_gap="skip")
    fill = load_waveforms(st, channels="Z", window=2.0, on_gap="fill")
    assert len(fill.data) == 15
    assert len(skip.data) == 14  # the window over 10-12 s is dropped
    starts = [t - st[0].stats.starttime for t in skip.starttimes]
    assert 10.0 not in [round(s, 2) for s in starts]
    assert np.isfinite(fill.data).all()


def test_nan_and_long_window_and_bad_files(tmp_path):
    st = obspy.read()
    st[0].data = st[0].data.astype(np.float64)
    st[0].data[10] = np.nan
    with pytest.raises(ValueError, match=r"BW\.RJOB\.\.EHZ.*NaN"):
        load_waveforms(st)
    with pytest.raises(ValueError, match=r"longer than the record.*shorter window"):
        load_waveforms(obspy.read(), window=31.0)
    garbage = tmp_path / "garbage.mseed"
    garbage.write_bytes(b"this is not a seismogram" * 10)
    with pytest.raises(ValueError, match=r"could not read waveform file.*garbage"):
        load_waveforms(str(garbage))
    with pytest.raises(ValueError, match="does not exist"):
        load_waveforms(tmp_path / "missing.mseed")
    with pytest.raises(ValueError, match="is a folder.*pass a glob"):
        load_waveforms(tmp_path)
    with pytest.raises(ValueError, match="matches no file"):
        load_waveforms(str(tmp_path / "*.sac"))


def test_files_list_and_glob(tmp_path):
    for tr in obspy.read():
        tr.write(str(tmp_path / f"{tr.id}.mseed"), format="MSEED")
    b1 = load_waveforms(str(tmp_path / "*.mseed"), window=30.0)
    b2 = load_waveforms(sorted(tmp_path.glob("*.mseed")), window=30.0)
    np.testing.assert_array_equal(b1.data, b2.data)
    np.testing.assert_allclose(
        b1.data[0, 0], obspy.read().select(channel="EHZ")[0].data, rtol=1e-6
    )


@needs_test_data
def test_real_multistation_and_mixed_rate_files():
    b = load_waveforms(MVO, window=20.0, on_missing="skip")
    assert b.data.shape == (10, 3, 1504)
    assert len(set(b.stations)) == 5
    for ids in b.trace_ids:
        assert [i[-1] for i in ids] == ["Z", "N", "E"]
    with pytest.raises(ValueError, match=r"mixed sampling rates"):
        load_waveforms(FFBX)
    b = load_waveforms(FFBX, sampling_rate=100.0, on_gap="fill")
    assert b.sampling_rate == 100.0
    assert b.trace_ids[0][1].endswith("1") and b.trace_ids[0][2].endswith("2")


def test_example_waveforms():
    rec = load_example_waveforms()
    assert rec.data.shape == (1, 3, 3000)
    assert "RJOB" in rec.description
    assert "rjob" in available_example_records()
    with pytest.raises(ValueError, match="name"):
        load_example_waveforms("nope")


@needs_test_data
def test_example_records_and_noise():
    assert set(available_example_records()) == {"rjob", "cer", "mvo", "uh3", "balst"}
    cer = load_example_waveforms("cer", sampling_rate=50.0)
    assert cer.sampling_rate == 50.0 and cer.data.shape[:2] == (1, 3)
    uh3 = load_example_waveforms("uh3")
    assert uh3.trace_ids[0] == ("BW.UH3..SHZ", "BW.UH3..SHN", "BW.UH3..SHE")

    noise = load_example_noise()
    assert noise.shape[1:] == (3, 3000) and noise.dtype == np.float32
    assert 10 < len(noise) < 35  # 30 s windows every 5 s, events dropped
    # The two local events (200-600 x the noise RMS) are not in the bank.
    rms = np.sqrt(np.mean(noise**2, axis=-1))
    assert (rms / np.median(rms, axis=0)).max() < 3
    assert not np.allclose(noise[0], noise[1])
    # Three true components: Z, N and E differ.
    assert not np.allclose(noise[:, 1], noise[:, 2])

    few = load_example_noise(
        n_times=500, sampling_rate=10.0, record="balst", n_windows=6
    )
    assert few.shape == (6, 3, 500) and np.isfinite(few).all()
    # balst: N is E shifted by half a day, so it differs from E.
    assert not np.allclose(few[:, 1], few[:, 2])
    with pytest.raises(ValueError, match="longer than the 230"):
        load_example_noise(n_times=30000)
    with pytest.raises(ValueError, match="n_times"):
        load_example_noise(n_times=2)
