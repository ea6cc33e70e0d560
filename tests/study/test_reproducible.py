"""Two runs of the same command in fresh processes write the same results."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import sklearn_seismo

ROOT = Path(sklearn_seismo.__file__).resolve().parent.parent

# The quick configuration scaled down: every option the default command uses,
# with a glow arm, tiny sizes and no sweep.
COMMAND = [
    "--n-samples",
    "300",
    "--shape",
    "16x16",
    "--folds",
    "2",
    "--n-synthetic",
    "8",
    "--epochs",
    "1",
    "--flow-epochs",
    "1",
    "--arms",
    "none,glow",
    "--no-sweep",
    "--torch-threads",
    "1",
    "-q",
]
# Wall-clock columns: the only entries allowed to differ between two runs
# (timing.json holds the date and wall times, report.md prints fit times).
TIME_COLUMNS = {"fit_time", "fit_cpu_time", "score_time"}
TIME_FILES = {"timing.json", "report.md", "f1_per_class.png"}


def run(folder):
    # the same command line (relative --out) from two folders, with the
    # package under test first on the path
    folder.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *sys.path]))
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_seismo.study", *COMMAND, "--out", "res"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=folder,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def read_csv(path):
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        {
            k: v
            for k, v in row.items()
            if k not in TIME_COLUMNS and k.rsplit("_", 1)[0] not in TIME_COLUMNS
        }
        for row in rows
    ]


def test_same_command_in_fresh_processes_gives_identical_results(tmp_path):
    run(tmp_path / "a")
    run(tmp_path / "b")
    first, second = tmp_path / "a" / "res", tmp_path / "b" / "res"
    files = {p.name for p in first.iterdir()}
    assert files == {p.name for p in second.iterdir()}
    assert {"scores.csv", "config.json", "timing.json"} <= files
    for name in sorted(files - TIME_FILES):
        if name.endswith(".csv"):
            assert read_csv(first / name) == read_csv(second / name), name
        else:
            assert (first / name).read_bytes() == (second / name).read_bytes(), name
    scores = read_csv(first / "scores.csv")
    assert {r["arm"] for r in scores} == {"none", "glow"}
    assert all(r["error"] == "" for r in scores)
    config = json.loads((first / "config.json").read_text())
    env = config["environment"]
    assert env["torch_threads_per_fit"] == 1
    for package in ("torch", "numpy", "scikit-learn", "imbalanced-learn", "skorch"):
        assert env["versions"][package], package
    assert env["cpu"] and config["command"].startswith("seismo-study --n-samples")
    timing = json.loads((first / "timing.json").read_text())
    assert {"date", "wall_time_s"} <= set(timing)
