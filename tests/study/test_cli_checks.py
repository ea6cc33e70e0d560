"""Bad options and data are usage errors found before any fit (exit status 2)."""

import csv
import json

import numpy as np
import pytest

from sklearn_seismo.study._checks import parse_minority
from sklearn_seismo.study._cli import main

from ._helpers import tiny_data

TINY = ["--folds", "2", "--n-synthetic", "10", "--epochs", "1", "--no-sweep", "-q"]


def usage_error(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert "Traceback" not in err
    return err


@pytest.fixture(scope="module")
def tiny_npz(tmp_path_factory):
    X, y = tiny_data()  # 12 'bad' samples
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    np.savez(path, X=X, y=y.astype(str))
    return path


@pytest.fixture(scope="module")
def waveform_files(tmp_path_factory):
    import obspy

    folder = tmp_path_factory.mktemp("waveforms")
    obspy.read().write(str(folder / "rjob.mseed"), format="MSEED")  # 3 x 30 s
    return folder / "rjob.mseed"


def write_labels(path, labels):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["label"])
        writer.writerows([[label] for label in labels])
    return path


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--folds", "1"], "2 folds or more"),
        (["--n-jobs", "0"], "not a number of workers"),
        (["--shape", "4x4"], "integers >= 8"),
        (["--torch-threads", "0"], "expected an integer >= 1"),
        (["--k-neighbors", "0"], "expected an integer >= 1"),
        (["--bandpass", "5", "1", "--sampling-rate", "100"], "FMIN must be < FMAX"),
        (["--bandpass", "1", "5"], "--sampling-rate"),
        (["--window", "4"], "waveform files"),
    ],
)
def test_bad_options_are_usage_errors(capsys, tmp_path, argv, message):
    out = tmp_path / "out"
    err = usage_error(capsys, [*argv, "--n-samples", "100", "--out", str(out)])
    assert message in err
    assert not out.exists()


def test_more_folds_than_minority_samples_is_rejected_before_any_fit(
    tiny_npz, tmp_path, capsys
):
    out = tmp_path / "out"
    err = usage_error(
        capsys, ["--data", str(tiny_npz), "--out", str(out), *TINY, "--folds", "61"]
    )
    assert "class 'bad' has only 12 samples" in err
    assert "--folds between 2 and 12" in err
    assert not out.exists()


def test_out_is_checked_before_the_study(tiny_npz, tmp_path, capsys):
    existing = tmp_path / "results.txt"
    existing.write_text("keep me")
    err = usage_error(capsys, ["--data", str(tiny_npz), "--out", str(existing), *TINY])
    assert "is an existing file" in err
    assert existing.read_text() == "keep me"
    err = usage_error(
        capsys, ["--data", str(tiny_npz), "--out", str(existing / "sub"), *TINY]
    )
    assert "is a file, not a folder" in err


def test_unreachable_scheduler_is_a_usage_error(tiny_npz, tmp_path, capsys):
    pytest.importorskip("distributed")
    err = usage_error(
        capsys,
        [
            "--data",
            str(tiny_npz),
            "--backend",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:9",  # the discard port: nothing listens there
            "--out",
            str(tmp_path / "out"),
            *TINY,
        ],
    )
    assert "cannot reach it" in err and "tcp://127.0.0.1:9" in err


def test_missing_gpu_is_a_usage_error(tiny_npz, tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is visible")
    err = usage_error(
        capsys,
        ["--data", str(tiny_npz), "--device", "cuda", "--out", str(tmp_path), *TINY],
    )
    assert "sees no CUDA GPU" in err and "--device cpu" in err
    err = usage_error(capsys, ["--device", "gpu0", "--out", str(tmp_path)])
    assert "not a torch device" in err


def test_waveform_labels_with_fewer_samples_than_folds(
    waveform_files, tmp_path, capsys
):
    # 30 s records cut into 4 s windows every 4 s: 7 windows
    labels = write_labels(tmp_path / "labels.csv", ["a"] * 5 + ["b"] * 2)
    argv = ["--data", str(waveform_files), "--labels", str(labels)]
    argv += ["--window", "4", "--step", "4", "--out", str(tmp_path / "o")]
    err = usage_error(capsys, [*argv, *TINY, "--folds", "3"])
    assert "class 'b' has only 2 samples" in err


def test_minority_is_parsed_with_the_label_dtype():
    assert parse_minority("2", np.array([0, 1, 2, 2])) == 2
    assert parse_minority("bad", np.array(["good", "bad"])) == "bad"
    with pytest.raises(ValueError, match=r"classes are \[0, 1\]"):
        parse_minority("2", np.array([0, 1]))
    with pytest.raises(ValueError, match="not a class"):
        parse_minority("x", np.array([0, 1]))


def test_integer_labels_and_minority_option(tmp_path, capsys):
    X, y = tiny_data()
    codes = {"good": 0, "medium": 1, "bad": 2}
    path = tmp_path / "ints.npz"
    np.savez(path, X=X, y=np.array([codes[c] for c in y]))
    out = tmp_path / "out"
    status = main(
        ["--data", str(path), "--arms", "none", "--minority", "1", "--out", str(out)]
        + TINY
    )
    assert status == 0
    assert json.loads((out / "config.json").read_text())["minority"] == 1


def test_string_labels_load_and_object_labels_are_explained(tmp_path, capsys):
    X, y = tiny_data()
    obj = tmp_path / "obj.npz"
    np.savez(obj, X=X, y=y.astype(object))
    err = usage_error(capsys, ["--data", str(obj), "--out", str(tmp_path / "o")])
    assert "object array" in err and "astype(str)" in err
    raw = tmp_path / "bytes.npz"
    np.savez(raw, X=X, y=y.astype("S"))
    out = tmp_path / "out"
    status = main(["--data", str(raw), "--arms", "none", "--out", str(out), *TINY])
    assert status == 0
    with open(out / "scores.csv", newline="") as fh:
        assert "f1_bad" in next(csv.reader(fh))


def test_arm_failing_on_every_fold_exits_nonzero(tmp_path, capsys):
    # ADASYN finds no majority sample among the minority's neighbours when the
    # minority lies far away from the rest, and refuses to run.
    rng = np.random.default_rng(0)
    y = np.array(["a"] * 30 + ["b"] * 10)
    X = rng.normal(size=(40, 16, 16)).astype(np.float32)
    X[y == "b"] += 100.0
    path = tmp_path / "far.npz"
    np.savez(path, X=X, y=y)
    out = tmp_path / "out"
    status = main(
        ["--data", str(path), "--arms", "none,adasyn", "--out", str(out)] + TINY
    )
    captured = capsys.readouterr()
    assert status == 1
    assert "adasyn failed on every fold" in captured.err
    report = (out / "report.md").read_text()
    assert "## Failed fits" in report and "ADASYN is not suited" in report
    with open(out / "scores.csv", newline="") as fh:
        errors = {r["arm"]: r["error"] for r in csv.DictReader(fh)}
    assert errors["none"] == ""  # only the failing arm failed


def test_sample_shape_too_small_for_the_classifier(tmp_path, capsys):
    path = tmp_path / "small.npz"
    np.savez(path, X=np.zeros((20, 8, 8)), y=np.array(["a", "b"] * 10))
    err = usage_error(capsys, ["--data", str(path), "--out", str(tmp_path / "o")])
    assert "(8, 8) do not fit MiniceptionClassifier" in err and "too small" in err
