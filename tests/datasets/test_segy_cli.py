import os

import numpy as np
import obspy
import pytest
from obspy.core import AttribDict
from obspy.io.segy.segy import SEGYBinaryFileHeader, SEGYTraceHeader

from sklearn_seismo.datasets import make_shot_gathers, read_shot_gathers
from sklearn_seismo.datasets._cli import main


def _write_segy(path, gathers, records, shuffle_rng=None):
    st = obspy.Stream()
    for g, rec in zip(gathers, records):
        for j in range(g.shape[1]):
            tr = obspy.Trace(np.ascontiguousarray(g[:, j], dtype=np.float32))
            tr.stats.delta = 0.004
            header = SEGYTraceHeader()
            header.original_field_record_number = int(rec)
            header.trace_number_within_the_original_field_record = j + 1
            tr.stats.segy = AttribDict(trace_header=header)
            st.append(tr)
    if shuffle_rng is not None:
        st.traces = [st.traces[i] for i in shuffle_rng.permutation(len(st))]
    st.stats = AttribDict(binary_file_header=SEGYBinaryFileHeader())
    st.write(str(path), format="SEGY", data_encoding=5)


def test_read_shot_gathers_round_trip(tmp_path):
    X, _ = make_shot_gathers(3, shape=(32, 12), random_state=0)
    path = tmp_path / "shots.sgy"
    # Traces written in random order: grouping and ordering come from headers.
    _write_segy(path, X, [30, 10, 20], np.random.default_rng(0))
    out, records = read_shot_gathers(path, return_records=True)
    assert out.dtype == np.float32 and out.shape == (3, 32, 12)
    assert records.tolist() == [10, 20, 30]
    np.testing.assert_array_equal(out, X[[1, 2, 0]])
    np.testing.assert_array_equal(read_shot_gathers(str(path)), out)


def test_read_shot_gathers_errors(tmp_path):
    X, _ = make_shot_gathers(2, shape=(16, 8), random_state=0)
    path = tmp_path / "uneven.sgy"
    _write_segy(path, [X[0], X[1][:, :5]], [1, 2])
    with pytest.raises(ValueError, match=r"different numbers of traces.*1: 8, 2: 5"):
        read_shot_gathers(path)
    garbage = tmp_path / "garbage.sgy"
    garbage.write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="could not read .*garbage.sgy.* as SEG-Y"):
        read_shot_gathers(garbage)
    with pytest.raises(ValueError, match="does not exist"):
        read_shot_gathers(tmp_path / "none.sgy")


def test_main_prints_counts_and_writes_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the figure needs matplotlib")
    out = tmp_path / "figs"
    assert main(["--n-samples", "300", "--random-state", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    _, y = make_shot_gathers(300, random_state=1)
    for cls in ("good", "medium", "bad"):
        n = int((y == cls).sum())
        assert any(line.split()[:2] == [cls, str(n)] for line in text.splitlines()), (
            text
        )
    assert "rjob" in text and "(1, 3, 3000)" in text
    png = out / "shot_gathers_and_record.png"
    assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG"
    assert os.path.getsize(png) > 10_000


def test_main_without_figure(tmp_path, capsys):
    out = tmp_path / "none"
    main(["--n-samples", "50", "--shape", "16", "16", "--no-figure", "--out", str(out)])
    assert "(50, 16, 16)" in capsys.readouterr().out
    assert not out.exists()


def test_main_explains_missing_matplotlib(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(SystemExit, match="pip install matplotlib"):
        main(["--n-samples", "20", "--shape", "16", "16", "--out", str(tmp_path)])
