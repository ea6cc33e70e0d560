"""Labelling real records: list_windows, the window CSV and labels read back."""

import csv

import numpy as np
import obspy
import pytest

import sklearn_seismo.datasets as ds
from sklearn_seismo.datasets import load_waveforms
from sklearn_seismo.datasets._cli import main
from sklearn_seismo.datasets._examples import (
    EXAMPLE_RECORDS,
    _example_path,
    available_example_records,
)

# the ObsPy example records with options that cut several windows from each
RECORDS = {
    "rjob": {"window": 10.0, "step": 5.0},
    "cer": {"window": 20.0, "step": 10.0},
    "mvo": {"window": 10.0, "on_missing": "skip"},
    "uh3": {"window": 30.0, "step": 20.0},
}


def _source(name):
    return obspy.read() if EXAMPLE_RECORDS[name][0] is None else _example_path(name)


@pytest.mark.parametrize("name", list(RECORDS))
def test_list_windows_has_the_count_and_order_of_load_waveforms(name):
    if name not in available_example_records():
        pytest.skip(f"{name} is not installed with this ObsPy")
    options = RECORDS[name]
    bunch = load_waveforms(_source(name), **options)
    windows = ds.list_windows(_source(name), **options)
    assert len(windows) == len(bunch.data) > 1
    assert [w.index for w in windows] == list(range(len(windows)))
    assert [w.starttime for w in windows] == bunch.starttimes
    assert [
        f"{w.network}.{w.station}.{w.location}.{w.channels[:2]}" for w in windows
    ] == [s for s in bunch.stations]
    for w, ids in zip(windows, bunch.trace_ids):
        assert w.channels.split() == [i.split(".")[-1] for i in ids]
        assert w.sampling_rate == bunch.sampling_rate
        n = bunch.data.shape[-1]
        assert abs((w.endtime - w.starttime) - (n - 1) / w.sampling_rate) < 1e-6
        if EXAMPLE_RECORDS[name][0] is not None:
            assert w.file  # the file(s) each window was read from
    assert len({w.key for w in windows}) == len(windows)
    # load_waveforms hands the same list back, so one read gives X and y
    assert bunch.windows == windows


def _label(windows):
    return [f"{w.station}-{i % 3}" for i, w in enumerate(windows)]


def test_csv_round_trip_matches_by_window_whatever_the_row_order(tmp_path):
    sources = [
        (n, RECORDS[n]) for n in ("rjob", "mvo") if n in available_example_records()
    ]
    for name, options in sources:
        windows = ds.list_windows(_source(name), **options)
        path = tmp_path / f"{name}.csv"
        assert ds.write_window_csv(windows, path) == str(path)
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == len(windows)
        assert all(r["label"] == "" for r in rows)
        # fill in labels, shuffle the rows, and read them back
        for r, lab in zip(rows, _label(windows)):
            r["label"] = lab
        order = np.random.default_rng(0).permutation(len(rows))
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows([rows[i] for i in order])
        y = ds.read_window_labels(path, windows)
        assert y.tolist() == _label(windows)
        # one load gives X, and the labels line up with it
        X = load_waveforms(_source(name), **options).data
        assert len(X) == len(y)


def _rows(windows, labels):
    return [
        {
            "network": w.network,
            "station": w.station,
            "location": w.location,
            "channels": w.channels,
            "starttime": str(w.starttime),
            "label": lab,
        }
        for w, lab in zip(windows, labels)
    ]


def _write_rows(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(
            fh,
            fieldnames=[
                "network",
                "station",
                "location",
                "channels",
                "starttime",
                "label",
            ],
        )
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_label_errors_name_missing_extra_duplicate_and_unlabelled(tmp_path):
    windows = ds.list_windows(obspy.read(), window=5.0)
    assert len(windows) == 6
    rows = _rows(windows, "abcdef")
    path = tmp_path / "labels.csv"
    with pytest.raises(ValueError, match=r"1 window\(s\) have no row: BW\.RJOB\."):
        ds.read_window_labels(_write_rows(path, rows[:-1]), windows)
    extra = dict(rows[0], starttime="2001-01-01T00:00:00.000000Z")
    with pytest.raises(ValueError, match=r"1 row\(s\) match no window"):
        ds.read_window_labels(_write_rows(path, rows + [extra]), windows)
    with pytest.raises(ValueError, match=r"1 window\(s\) have more than one row"):
        ds.read_window_labels(_write_rows(path, rows + [rows[2]]), windows)
    blank = [dict(r, label="") if i == 3 else r for i, r in enumerate(rows)]
    with pytest.raises(ValueError, match=r"1 window\(s\) have no label"):
        ds.read_window_labels(_write_rows(path, blank), windows)
    path.write_text("label\na\nb\n")
    with pytest.raises(ValueError, match=r"lacks network, station"):
        ds.read_window_labels(path, windows)
    path.write_bytes(b"label\n\xff\xfe\n")
    with pytest.raises(ValueError, match=r"not UTF-8"):
        ds.read_window_labels(path, windows)
    # times written by hand in another ISO form still match
    other = [dict(r, starttime=r["starttime"].replace(".000000Z", "Z")) for r in rows]
    assert ds.read_window_labels(_write_rows(path, other), windows).tolist() == list(
        "abcdef"
    )
    with pytest.raises(FileExistsError, match="overwrite=True"):
        ds.write_window_csv(windows, path)


def test_windows_command_writes_the_csv_read_window_labels_reads(tmp_path, capsys):
    st = obspy.read()
    for tr in st:
        tr.data = tr.data.astype(np.int32)
        tr.write(str(tmp_path / f"{tr.id} copy.mseed"), format="MSEED")
    out = tmp_path / "windows.csv"
    glob = str(tmp_path / "*.mseed")
    assert main(["windows", glob, "--window", "5", "--out", str(out)]) == 0
    assert "6 windows from 1 station(s)" in capsys.readouterr().out
    windows = ds.list_windows(glob, window=5.0)
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["starttime"] for r in rows] == [str(w.starttime) for w in windows]
    assert rows[0]["file"].count(".mseed") == 3  # the three channel files
    _write_rows(out, _rows(windows, "uvwxyz")[::-1])
    assert ds.read_window_labels(out, windows).tolist() == list("uvwxyz")
