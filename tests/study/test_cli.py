import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from sklearn_seismo.study._cli import main
from sklearn_seismo.study._estimators import build_estimators, is_waveform

from ._helpers import tiny_data

TINY = ["--folds", "2", "--n-synthetic", "10", "--epochs", "1", "-q"]


@pytest.fixture(scope="module")
def tiny_npz(tmp_path_factory):
    X, y = tiny_data()
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    np.savez(path, X=X, y=y.astype(str))
    return path


def test_cli_writes_the_documented_files(tiny_npz, tmp_path, capsys):
    out = tmp_path / "res"
    status = main(
        [
            "--data",
            str(tiny_npz),
            "--arms",
            "none,smote",
            "--sweep-sizes",
            "0,10",
            "--out",
            str(out),
            *TINY,
        ]
    )
    assert status == 0
    written = {p.name for p in out.iterdir()}
    assert written == {
        "report.md",
        "scores.csv",
        "summary.csv",
        "per_class.csv",
        "comparisons.csv",
        "f1_per_class.png",
        "precision_recall.png",
        "reliability.png",
        "probabilities.npz",
        "sweep.csv",
        "sweep_summary.csv",
        "sweep.png",
        "config.json",
        "timing.json",
        ".seismo-study-files.json",  # the run's file list (--overwrite)
    }
    with open(out / "scores.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["arm"], r["fold"]) for r in rows] == [
        ("none", "0"),
        ("smote", "0"),
        ("none", "1"),
        ("smote", "1"),
    ]
    assert {"f1_bad", "recall_good", "fit_time", "gmean"} <= set(rows[0])
    with open(out / "sweep.csv", newline="") as fh:
        sweep = list(csv.DictReader(fh))
    assert [(r["method"], r["n_synthetic"]) for r in sweep] == [
        ("smote", "0"),
        ("smote", "10"),
    ]
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["folds"] == 2 and config["sample_shape"] == [16, 16]
    report = (out / "report.md").read_text()
    assert "Paired comparison against `none`" in report
    printed = capsys.readouterr().out
    assert "| arm | F1 bad | F1 good | F1 medium |" in printed
    assert "| smote |" in printed


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"this is not a zip archive", "not a readable .npz"),
        ("missing_y", "lacks array(s) ['y']"),
        ("bad_length", "one label per sample"),
    ],
)
def test_cli_rejects_missing_or_malformed_data(tmp_path, capsys, content, message):
    path = tmp_path / "data.npz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "missing_y":
        np.savez(path, X=np.zeros((4, 8, 8)))
    elif content == "bad_length":
        np.savez(path, X=np.zeros((4, 8, 8)), y=np.array(["a", "b"]))
    with pytest.raises(SystemExit) as exc:
        main(["--data", str(path), "--out", str(tmp_path / "o"), *TINY])
    assert exc.value.code != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_module_entry_point_exits_nonzero_without_traceback(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sklearn_seismo.study",
            "--data",
            str(tmp_path / "absent.npz"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_rejects_bad_options(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--arms", "none,gan"])
    assert exc.value.code == 2 and "unknown arm" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--shape", "32xfoo"])
    assert "invalid shape" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--scheduler", "tcp://127.0.0.1:8786"])
    assert "--backend dask" in capsys.readouterr().err


def test_cli_waveform_files_need_labels_and_readable_files(tmp_path, capsys):
    path = tmp_path / "record.mseed"
    path.write_bytes(b"not a seismogram")
    with pytest.raises(SystemExit) as exc:
        main(["--data", str(path), *TINY])
    assert exc.value.code == 2 and "--labels" in capsys.readouterr().err
    labels = tmp_path / "labels.csv"
    labels.write_text("label\nbad\n")
    with pytest.raises(SystemExit) as exc:
        main(["--data", str(path), "--labels", str(labels), *TINY])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "cannot read waveforms" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "sample_shape, layout, expected",
    [
        ((3, 100), "auto", True),
        ((32, 32), "auto", False),
        ((100,), "auto", True),
        ((3, 100), "gathers", False),
        ((32, 32), "waveforms", True),
    ],
)
def test_layout_option_overrides_the_shape_rule(sample_shape, layout, expected):
    assert is_waveform(sample_shape, layout) is expected


@pytest.mark.parametrize(
    "sample_shape, layout, classifier, n_dim",
    [
        ((3, 40), "gathers", "MiniceptionClassifier", 2),
        ((3, 40), "waveforms", "ResNetClassifier", 1),
        ((32, 32), "auto", "MiniceptionClassifier", 2),
        ((40,), "auto", "ResNetClassifier", 1),
    ],
)
def test_flow_and_classifier_follow_the_same_layout(
    sample_shape, layout, classifier, n_dim
):
    from sklearn_seismo.study._config import get_config

    cfg = get_config("quick")
    clf, glow, _ = build_estimators(
        sample_shape,
        waveform=is_waveform(sample_shape, layout),
        classifier=cfg["classifier"],
        glow=cfg["glow"],
        device="cpu",
    )
    assert type(clf).__name__ == classifier
    assert glow.n_dim == n_dim


def test_cli_waveform_options_reach_the_loader_and_preprocessing(tmp_path, capsys):
    import obspy

    path = tmp_path / "rjob.mseed"
    obspy.read().write(str(path), format="MSEED")  # 3 components, 30 s at 100 Hz
    labels = tmp_path / "labels.csv"
    # 2 s windows every 1 s: 29 windows
    labels.write_text("label\n" + "\n".join(["a", "b"] * 14 + ["a"]) + "\n")
    out = tmp_path / "out"
    status = main(
        ["--data", str(path), "--labels", str(labels), "--window", "2"]
        + ["--step", "1", "--channels", "ZN", "--sampling-rate", "50"]
        + ["--bandpass", "1", "10", "--normalize", "peak", "--arms", "none"]
        + ["--lr", "0.01", "--batch-size", "8", "--out", str(out), *TINY]
        + ["--no-sweep"]
    )
    assert status == 0
    config = json.loads((out / "config.json").read_text())
    # 2 components of 2 s at 50 Hz: the loader options were applied
    assert config["sample_shape"] == [2, 100]
    assert config["layout"] == "waveforms"
    assert config["preprocessing"] == {"bandpass": [1.0, 10.0], "normalize": "peak"}
    assert "lr=0.01" in config["classifier"] and "batch_size=8" in config["classifier"]
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith("seismo-study (quick config with ")
    assert "lr=0.01" in header and "batch-size=8" in header


def test_shape_accepts_both_syntaxes():
    from sklearn_seismo.study._cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["run", "--shape", "32x16"]).shape == (32, 16)
    assert parser.parse_args(["run", "--shape", "32", "16"]).shape == (32, 16)
    assert parser.parse_args(["run", "--shape", "32 x 16"]).shape == (32, 16)


@pytest.mark.parametrize("text", ["3x", "x3", "32,,32", "32xx32", "", "32x-1"])
def test_shape_refuses_a_size_left_out(text):
    from sklearn_seismo.utils._argparse import parse_shape

    # a dangling separator is a typo: "3x" must not become the shape (3,)
    with pytest.raises(ValueError, match="invalid shape"):
        parse_shape(text)


def test_datasets_command_accepts_both_shape_syntaxes(tmp_path, capsys):
    from sklearn_seismo.datasets._cli import main as datasets_main

    for shape in (["16x8"], ["16", "8"]):
        datasets_main(["--n-samples", "4", "--shape", *shape, "--no-figure"])
        assert "X (4, 16, 8)" in capsys.readouterr().out
