"""``benchmarks/check_main_job.py``: the day-to-day check of the README's first
command must see a changed score, a changed verdict and a second day.

It runs on copies of the committed quick-suite run, changed by hand, so what
it compares is the real layout the study suite writes.
"""

import csv
import json
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
REFERENCE = BENCHMARKS / "results" / "suite_quick"


@pytest.fixture
def check(monkeypatch):
    # the script imports its siblings (_harness, _plots) as top-level modules
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import check_main_job

    return check_main_job


@pytest.fixture
def reference(tmp_path):
    """A copy of the committed run (figures left out: the check reads none)."""
    return Path(
        shutil.copytree(
            REFERENCE, tmp_path / "reference", ignore=shutil.ignore_patterns("*.png")
        )
    )


def _another_run(reference, tmp_path, date="2026-12-09 08:00 UTC"):
    run = Path(shutil.copytree(reference, tmp_path / f"run {date}"))
    config = json.loads((run / "config.json").read_text())
    config["date"] = date
    (run / "config.json").write_text(json.dumps(config))
    return run


def _rare_f1(check, run):
    """(path, column) of the first data set's rare-class F1."""
    name, entry = sorted(check.read_suite(run).items())[0]
    return run / name / "scores.csv", "f1_" + entry["minority"]


def _edit_first_score(path, column, change):
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0][column] = change(rows[0][column])
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _edit_conclusion(run, old, new):
    report = run / "report.md"
    text = report.read_text(encoding="utf-8")
    head, sep, tail = text.partition("## Conclusion")
    assert old in tail.partition("\n## ")[0], f"{old!r} not in the Conclusion"
    report.write_text(head + sep + tail.replace(old, new, 1), encoding="utf-8")


def test_a_copy_is_identical_in_every_score_and_verdict(check, reference, tmp_path):
    run = _another_run(reference, tmp_path)
    row = check.compare(run, reference)
    assert row["n_scores"] > 100
    assert row["scores_identical"] == row["n_scores"]
    assert row["max_abs_diff_rare_f1"] == 0
    assert row["probabilities_identical"] is True
    assert row["conclusion_text_identical"] and row["verdicts_same"]
    assert row["versions_differing"] == ""
    assert row["run_date"] == "2026-12-09 08:00 UTC"


def test_a_moved_score_is_counted_and_a_moved_number_is_not_a_verdict(
    check, reference, tmp_path
):
    run = _another_run(reference, tmp_path)
    path, column = _rare_f1(check, run)
    _edit_first_score(path, column, lambda v: repr(float(v) + 0.01))
    # a p-value in brackets moves, the verdict it supports does not
    _edit_conclusion(run, "p=0.", "p=0.0")
    row = check.compare(run, reference)
    assert row["scores_identical"] == row["n_scores"] - 1
    assert row["max_abs_diff_rare_f1"] == pytest.approx(0.01)
    assert not row["conclusion_text_identical"]
    assert row["verdicts_same"] and row["verdicts_changed"] == ""


def test_a_changed_verdict_is_named(check, reference, tmp_path):
    run = _another_run(reference, tmp_path)
    _edit_conclusion(run, "better than `none`", "worse than `none`")
    row = check.compare(run, reference)
    assert not row["verdicts_same"]
    assert "better than `none`" in row["verdicts_changed"]
    assert "worse than `none`" in row["verdicts_changed"]
    # scores untouched: the verdict alone fails the check
    assert row["scores_identical"] == row["n_scores"]


def test_changed_probabilities_and_versions_are_reported(check, reference, tmp_path):
    run = _another_run(reference, tmp_path)
    name = sorted(check.read_suite(run))[0]
    path = run / name / "probabilities.npz"
    with np.load(path) as data:
        arrays = {k: data[k].copy() for k in data.files}
    first = next(k for k in sorted(arrays) if arrays[k].dtype.kind == "f")
    # the smallest change a float can have: identical means to the bit
    arrays[first].flat[0] = np.nextafter(arrays[first].flat[0], 2)
    np.savez(path, **arrays)
    config = json.loads((run / "config.json").read_text())
    config["environment"]["versions"]["numpy"] = "99.0"
    config["environment"]["cpu"] = "Another CPU"
    (run / "config.json").write_text(json.dumps(config))
    row = check.compare(run, reference)
    assert row["probabilities_identical"] is False
    assert row["versions_differing"].startswith("numpy ")
    assert row["versions_differing"].endswith("-> 99.0")
    # the run's CPU is logged and shown next to the reference's: the last bits
    # of torch's kernels, hence bit-identical scores, depend on it
    assert row["cpu"] == "Another CPU"
    log = tmp_path / "log.csv"
    text = _report(check, reference, log, [row | {"commit": "abc", "note": "x"}])
    ref_cpu = json.loads((reference / "config.json").read_text())["environment"]["cpu"]
    assert f"CPU {ref_cpu})" in text
    assert "| `abc` | Another CPU | x |" in text
    # a log written before the CPU was logged still reads
    with open(log, newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(log, "w", newline="") as fh:
        names = [k for k in rows[0] if k != "cpu"]
        writer = csv.DictWriter(fh, fieldnames=names, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    assert "| `abc` | not logged | x |" in "\n".join(
        check.report_lines(check.read_log(log), reference)
    )


def test_runs_of_another_suite_or_layout_are_refused(check, reference, tmp_path):
    run = _another_run(reference, tmp_path)
    config = json.loads((run / "config.json").read_text())
    config["suite"] = "paper"
    (run / "config.json").write_text(json.dumps(config))
    with pytest.raises(SystemExit, match="another suite"):
        check.compare(run, reference)
    with pytest.raises(SystemExit, match="no config.json"):
        check.compare(tmp_path / "nowhere", reference)


def _report(check, reference, log, rows):
    for row in rows:
        check.add_to_log(log, row)
    return "\n".join(check.report_lines(check.read_log(log), reference))


def test_across_days_needs_a_run_on_another_day_with_the_same_verdicts(
    check, reference, tmp_path
):
    ref_day = json.loads((reference / "config.json").read_text())["date"][:10]
    log = tmp_path / "log.csv"
    same_day = check.compare(reference, reference) | {"note": "same day"}
    assert "Across days: not yet checked" in _report(check, reference, log, [same_day])

    later = check.compare(_another_run(reference, tmp_path), reference)
    text = _report(check, reference, log, [later | {"note": "later"}])
    assert "Across days: met" in text
    assert f"{ref_day}, 2026-12-09" in text

    # the same run logged again replaces its row, it is not a second run
    assert len(check.add_to_log(log, later | {"note": "again"})) == 2

    changed = _another_run(reference, tmp_path, date="2026-12-10 08:00 UTC")
    _edit_conclusion(changed, "better than `none`", "worse than `none`")
    text = _report(
        check, reference, log, [check.compare(changed, reference) | {"note": "x"}]
    )
    assert "the conclusion changed" in text
    assert "Across days: met" not in text
    assert "2026-12-10 08:00 UTC" in text


def test_main_logs_a_finished_run_and_quick_refuses_folders_it_would_ignore(
    check, reference, tmp_path, capsys
):
    run = _another_run(reference, tmp_path)
    out = tmp_path / "log" / "reproduces.md"
    out.parent.mkdir()
    check.main(["--from", str(run), "--reference", str(reference), "--out", str(out)])
    rows = check.read_log(out.with_suffix(".csv"))
    assert [row["note"] for row in rows] == ["read from a finished run"]
    report = out.read_text(encoding="utf-8")
    assert "Across days: met" in report
    # the report states the arguments main() was given, not pytest's
    assert (
        f"python benchmarks/check_main_job.py --from {shlex.quote(str(run))} " in report
    )

    # --quick runs both suites itself: a folder it was given would be ignored
    for extra in (["--from", str(run)], ["--reference", str(reference)]):
        with pytest.raises(SystemExit) as exc:
            check.main(["--quick", *extra])
        assert exc.value.code == 2
        assert "drop --from and --reference" in capsys.readouterr().err
