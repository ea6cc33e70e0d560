"""Waveform files on the command line: every reader option as a flag, for both
commands, errors in flag words, several --data, window-matched --labels."""

import csv
import json
import random

import numpy as np
import pytest

from sklearn_seismo.study import _commands
from sklearn_seismo.study._cli import main
from sklearn_seismo.study._data import load_data

obspy = pytest.importorskip("obspy")

TINY = ["--folds", "2", "--epochs", "1", "--n-synthetic", "4", "-q"]
RUN = ["run", "--arms", "none", "--no-sweep", *TINY]
SUITE = ["suite", "--protocol", "cv", "--datasets", "gathers32_easy", "--arms"]
SUITE += ["none", "--n-samples", "120", "--repeats", "1", *TINY]


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """ObsPy's example record (3 x 30 s at 100 Hz) with and without faults."""
    folder = tmp_path_factory.mktemp("records")
    st = obspy.read()
    st.write(str(folder / "rjob.mseed"), format="MSEED")
    other = obspy.read()
    for tr in other:
        tr.stats.station = "OTHR"
    other.write(str(folder / "othr.mseed"), format="MSEED")
    z = st.select(component="Z")[0]
    t0 = z.stats.starttime
    gap = obspy.Stream(
        [z.slice(endtime=t0 + 10), z.slice(starttime=t0 + 12)]
        + [tr for tr in st if tr.stats.channel[-1] != "Z"]
    )
    gap.write(str(folder / "gap.mseed"), format="MSEED")
    st.select(component="Z").write(str(folder / "zonly.mseed"), format="MSEED")
    return folder


def labels_csv(path, n):
    path.write_text("label\n" + "\n".join(["a", "b"] * (n // 2) + ["a"] * (n % 2)))
    return path


@pytest.fixture
def no_fit(monkeypatch):
    def fit(*args, **kwargs):
        raise AssertionError("a fit started")

    monkeypatch.setattr(_commands, "run_study", fit)
    monkeypatch.setattr(_commands, "run_suite", fit)


def usage_error(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("command", [RUN, SUITE])
def test_gap_error_names_the_flag_and_the_flag_exists(
    command, records, tmp_path, capsys, no_fit
):
    argv = [*command, "--data", str(records / "gap.mseed"), "--window", "2"]
    argv += ["--labels", str(labels_csv(tmp_path / "l.csv", 15))]
    err = usage_error(capsys, [*argv, "--out", str(tmp_path / "o")])
    assert "--on-gap fill" in err and "on_gap=" not in err
    # with the flag the data load, and the run gets to its first fit
    with pytest.raises(AssertionError, match="a fit started"):
        main([*argv, "--on-gap", "fill", "--out", str(tmp_path / "o2")])


@pytest.mark.parametrize("command", [RUN, SUITE])
def test_missing_component_error_names_the_flag(
    command, records, tmp_path, capsys, no_fit
):
    argv = [*command, "--data", str(records / "zonly.mseed"), "--window", "2"]
    argv += ["--labels", str(labels_csv(tmp_path / "l.csv", 15))]
    err = usage_error(capsys, [*argv, "--out", str(tmp_path / "o")])
    assert "--on-missing skip" in err and "on_missing=" not in err
    with pytest.raises(AssertionError, match="a fit started"):
        main([*argv, "--on-missing", "fill", "--out", str(tmp_path / "o2")])


def test_reader_options_reach_load_waveforms(records, tmp_path):
    gap = str(records / "gap.mseed")
    filled = load_data(
        gap, labels=labels_csv(tmp_path / "a.csv", 15), window=2.0, on_gap="fill"
    )
    assert filled.X.shape == (15, 3, 200)
    with pytest.raises(ValueError, match="14 windows"):
        load_data(
            gap, labels=labels_csv(tmp_path / "b.csv", 15), window=2.0, on_gap="skip"
        )
    zonly = load_data(
        str(records / "zonly.mseed"),
        labels=labels_csv(tmp_path / "c.csv", 15),
        window=2.0,
        on_missing="fill",
    )
    assert zonly.X.shape == (15, 3, 200)
    assert not np.any(zonly.X[:, 1:])  # N and E filled with zeros


def test_mixed_rates_error_names_the_sampling_rate_flag(
    records, tmp_path, capsys, no_fit
):
    slow = obspy.read(str(records / "othr.mseed"))
    for tr in slow:
        tr.resample(50.0)
    slow.write(str(tmp_path / "slow.mseed"), format="MSEED")
    argv = [*RUN, "--data", str(records / "rjob.mseed"), str(tmp_path / "slow.mseed")]
    argv += ["--window", "2", "--labels", str(labels_csv(tmp_path / "l.csv", 30))]
    err = usage_error(capsys, [*argv, "--out", str(tmp_path / "o")])
    assert "--sampling-rate <Hz>" in err


def test_data_given_twice_reads_both(records, tmp_path, capsys, no_fit):
    one, two = str(records / "rjob.mseed"), str(records / "othr.mseed")
    labels = str(labels_csv(tmp_path / "l.csv", 15))  # the windows of one file
    argv = [*RUN, "--data", one, "--data", two, "--window", "2", "--labels", labels]
    err = usage_error(capsys, [*argv, "--out", str(tmp_path / "o")])
    assert "15 labels for 30 windows" in err and one in err and two in err
    data = load_data([one, two], labels=labels_csv(tmp_path / "m.csv", 30), window=2.0)
    assert data.X.shape == (30, 3, 200)


def test_a_npz_with_other_data_is_refused(records, tmp_path, capsys, no_fit):
    np.savez(tmp_path / "d.npz", X=np.zeros((4, 8, 8)), y=np.array(list("abab")))
    argv = [*RUN, "--data", str(tmp_path / "d.npz"), str(records / "rjob.mseed")]
    err = usage_error(capsys, [*argv, "--out", str(tmp_path / "o")])
    assert "give it alone" in err


def test_labels_from_the_window_list_match_by_window(records, tmp_path):
    from sklearn_seismo.datasets import list_windows, write_window_csv

    paths = [str(records / "rjob.mseed"), str(records / "othr.mseed")]
    windows = list_windows(paths, window=5.0)
    path = write_window_csv(windows, str(tmp_path / "windows.csv"))
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    wanted = {}
    for row in rows:  # a label a row-order reader could not guess
        row["label"] = f"{row['station']}-{float(row['starttime'][17:19]) > 20}"
        wanted[(row["station"], row["starttime"])] = row["label"]
    random.Random(0).shuffle(rows)  # sorted in a spreadsheet
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    data = load_data(paths, labels=path, window=5.0)
    expected = [wanted[(w.station, str(w.starttime))] for w in windows]
    assert data.y.tolist() == expected
    assert len(set(expected)) > 2


def test_suite_takes_the_waveform_options(records, tmp_path, capsys):
    labels = labels_csv(tmp_path / "l.csv", 29)
    out = tmp_path / "out"
    argv = [*SUITE, "--data", str(records / "rjob.mseed"), "--labels", str(labels)]
    argv += ["--window", "2", "--step", "1", "--channels", "ZN"]
    argv += ["--sampling-rate", "50", "--bandpass", "1", "10", "--normalize", "peak"]
    assert main([*argv, "--out", str(out)]) == 0
    report = (out / "report.md").read_text()
    # 2 components of 2 s at 50 Hz: the loader options were applied
    assert "29 samples of (2, 100)" in report
    config = json.loads((out / "config.json").read_text())
    assert "--bandpass 1 10" in config["command"]
