"""Every bad option of ``seismo-study run|suite`` is exit 2 with a message, before
any fit; the output folder is safe to reuse and never loses computed scores."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from sklearn_seismo.study import _commands, _suite
from sklearn_seismo.study._cli import main
from sklearn_seismo.study._outdir import LOCK_NAME, OutputFolder

from ._helpers import tiny_data

RUN = ["run", "--folds", "2", "--n-synthetic", "4", "--epochs", "1", "-q"]
RUN += ["--arms", "none", "--no-sweep"]
SUITE = ["suite", "--protocol", "cv", "--datasets", "gathers32_easy"]
SUITE += ["--arms", "none", "--n-samples", "120", "--folds", "2", "--epochs", "1"]
SUITE += ["--n-synthetic", "4", "-q"]


@pytest.fixture(scope="module")
def tiny_npz(tmp_path_factory):
    X, y = tiny_data()
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    np.savez(path, X=X, y=y.astype(str))
    return path


@pytest.fixture
def no_fit(monkeypatch):
    """Any fit fails the test: the errors must come before."""

    def fit(*args, **kwargs):
        raise AssertionError("a fit started")

    monkeypatch.setattr(_commands, "run_study", fit)
    monkeypatch.setattr(_commands, "run_suite", fit)


def usage_error(capsys, argv):
    # "at once" is what the no_fit / no_unit fixtures check (no fit starts),
    # not a clock: a timed assertion fails on a busy machine
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "Traceback" not in err
    return err


# ------------------------------------------------------- outputs, before fits


@pytest.mark.parametrize("command", [RUN, SUITE])
def test_out_that_is_a_file_exits_2_at_once(command, tmp_path, capsys, no_fit):
    out = tmp_path / "results"
    out.write_text("not a folder")
    err = usage_error(capsys, [*command, "--out", str(out)])
    assert "--out" in err and "is an existing file" in err


@pytest.mark.parametrize("command", [RUN, SUITE])
def test_out_that_cannot_be_written_exits_2(command, capsys, no_fit):
    # os.access says yes to root even here: the check must try for real
    err = usage_error(capsys, [*command, "--out", "/proc/seismo/x"])
    assert "--out /proc/seismo/x: cannot write in /proc" in err


def test_cache_that_is_a_file_exits_2(tmp_path, capsys, no_fit):
    cache = tmp_path / "cache"
    cache.write_text("")
    argv = [*SUITE, "--cache", str(cache), "--out", str(tmp_path / "o")]
    err = usage_error(capsys, argv)
    assert "--cache" in err and "is an existing file" in err


@pytest.mark.parametrize("command", [RUN, SUITE])
def test_device_that_holds_no_data_exits_2(command, tmp_path, capsys, no_fit):
    out = tmp_path / "o"
    err = usage_error(capsys, [*command, "--device", "meta", "--out", str(out)])
    assert "--device meta" in err and "not 'meta'" in err
    assert not out.exists()


@pytest.mark.parametrize("command", [RUN, SUITE])
def test_non_empty_out_needs_overwrite(command, tmp_path, capsys, no_fit):
    out = tmp_path / "o"
    out.mkdir()
    (out / "report.md").write_text("an earlier run")
    err = usage_error(capsys, [*command, "--out", str(out)])
    assert "not empty" in err and "--overwrite" in err
    assert (out / "report.md").read_text() == "an earlier run"


@pytest.mark.parametrize("command", [RUN, SUITE])
def test_a_second_run_on_a_locked_out_is_refused(command, tmp_path, capsys, no_fit):
    out = tmp_path / "o"
    with OutputFolder(str(out)):  # stands for a run in progress
        assert (out / LOCK_NAME).exists()
        err = usage_error(capsys, [*command, "--out", str(out), "--overwrite"])
    assert "another run is writing to this folder" in err
    assert not (out / LOCK_NAME).exists()


def test_lock_is_held_by_another_process_and_released_when_it_dies(tmp_path):
    out = tmp_path / "o"
    code = (
        "import sys, time; from sklearn_seismo.study._outdir import OutputFolder; "
        f"f = OutputFolder({str(out)!r}).__enter__(); print('locked', flush=True); "
        "time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(ValueError, match="another run is writing"):
            OutputFolder(str(out)).__enter__()
    finally:
        proc.kill()  # as kill -9: no cleanup runs
        proc.wait()
    with OutputFolder(str(out), overwrite=True):
        pass


def test_overwrite_removes_the_earlier_runs_stale_files(tiny_npz, tmp_path, capsys):
    out = tmp_path / "o"
    argv = [*RUN, "--data", str(tiny_npz), "--out", str(out)]
    argv[argv.index("--no-sweep")] = "--sweep"
    argv += ["--sweep-sizes", "0,4"]
    assert main(argv) == 0
    assert (out / "sweep.csv").exists()
    (out / "notes.txt").write_text("mine")  # not the study's: left alone
    argv[argv.index("--sweep")] = "--no-sweep"
    assert main([*argv, "--overwrite"]) == 0
    names = set(os.listdir(out))
    assert "sweep.csv" not in names and "sweep.png" not in names
    assert {"report.md", "scores.csv", "notes.txt"} <= names
    assert not [n for n in names if n.startswith(".seismo-tmp")]
    assert LOCK_NAME not in names


def test_a_failed_report_keeps_the_scores_and_says_where(
    tiny_npz, tmp_path, capsys, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_commands, "write_report", broken)
    out = tmp_path / "o"
    status = main([*RUN, "--data", str(tiny_npz), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 1
    assert "writing the report" in err and "No space left on device" in err
    saved = err.split("the computed scores are saved in ")[1].split()[0].rstrip(".")
    rows = json.loads(open(saved).read())["scores"]
    assert [(r["arm"], r["fold"]) for r in rows] == [("none", 0), ("none", 1)]
    assert all(np.isfinite(r["f1_macro"]) for r in rows)
    assert not [n for n in os.listdir(out) if n.startswith(".seismo-tmp")]


# ---------------------------------------------------- options and data: exit 2


def test_labels_that_are_not_utf8(tmp_path, capsys, no_fit):
    import obspy

    data = tmp_path / "rjob.mseed"
    obspy.read().write(str(data), format="MSEED")
    labels = tmp_path / "labels.csv"
    labels.write_bytes(b"label\n\xff\xfe\xa0bad\n")
    argv = [*RUN, "--data", str(data), "--labels", str(labels)]
    err = usage_error(capsys, [*argv, "--window", "10", "--out", str(tmp_path / "o")])
    assert "--labels" in err and "not UTF-8" in err


@pytest.mark.parametrize("command", [RUN, SUITE])
def test_an_arm_named_twice(command, capsys, no_fit):
    err = usage_error(capsys, [*command, "--arms", "none,none"])
    assert "named twice" in err


@pytest.mark.parametrize("command", [RUN, SUITE])
def test_negative_seed(command, capsys, no_fit):
    err = usage_error(capsys, [*command, "--seed", "-1"])
    assert "--seed" in err and "2**32" in err


@pytest.mark.parametrize(
    "argv",
    [["--n-samples", "100000000"], ["--shape", "20000x20000"]],
)
def test_generated_data_beyond_memory(argv, tmp_path, capsys, no_fit):
    err = usage_error(capsys, [*RUN, *argv, "--out", str(tmp_path / "o")])
    assert "memory available" in err and "GiB" in err


@pytest.fixture
def no_unit(monkeypatch):
    """run_suite runs up to its first fit, which fails the test."""

    def fit(*args, **kwargs):
        raise AssertionError("a fit started")

    monkeypatch.setattr(_suite, "_run_units", fit)


def test_suite_test_set_beyond_memory(tmp_path, capsys, no_unit):
    argv = [*SUITE, "--protocol", "holdout", "--n-test", "100000000"]
    err = usage_error(capsys, [*argv, "--out", str(tmp_path / "o")])
    assert "gathers32_easy" in err and "memory available" in err


@pytest.mark.parametrize("command", [RUN, SUITE])
def test_empty_channels(command, capsys, no_fit):
    err = usage_error(capsys, [*command, "--channels", ""])
    assert "--channels" in err and "component letters" in err


def test_npz_values_beyond_float32(tmp_path, capsys, no_fit):
    X, y = tiny_data()
    path = tmp_path / "huge.npz"
    np.savez(path, X=X.astype(np.float64) * 1e300, y=y.astype(str))
    err = usage_error(capsys, [*RUN, "--data", str(path)])
    assert "float32" in err and "rescale" in err


def test_suite_unknown_rank_metric(tmp_path, capsys, no_fit):
    err = usage_error(capsys, [*SUITE, "--rank-metric", "bogus"])
    assert "unknown rank_metric 'bogus'" in err and "f1_macro" in err


def test_suite_holdout_training_sets_of_one_sample(tmp_path, capsys, no_unit):
    argv = [*SUITE, "--protocol", "holdout", "--n-samples", "1", "--n-test", "50"]
    err = usage_error(capsys, [*argv, "--out", str(tmp_path / "o")])
    assert "raise n_samples" in err and "--n-samples" in err
