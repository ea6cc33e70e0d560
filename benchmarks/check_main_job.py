"""Does the README's first command state the same conclusion on another day?

The README's first command installs the package and runs the quick study
suite (``python -m sklearn_seismo.study suite --n-jobs 2``). Its Conclusion
is what a newcomer reads first, so it must not change from one run to the
next. This script compares one run of it with the committed run
(``benchmarks/results/suite_quick/``, ``--reference``) and adds the run to a
log, one row per run:

* **scores**: every per-training-set score (``<data set>/scores.csv``, the
  timing columns left out) and every predicted probability
  (``probabilities.npz``), identical to the bit or not, and the largest
  difference of the rare class's F1;
* **conclusion**: the Conclusion of ``report.md``, word for word, and its
  verdicts (which arm is *better*, *worse*, *not settled* or *no significant
  difference* against ``none``, and the ranking's), read with the numbers in
  brackets left out: a run states the same conclusion when its verdicts are
  the same;
* **environment**: the package versions the run recorded that differ from
  the reference's (a new release that pip picked up on another day is the
  likeliest reason for a change).

The report (rewritten from the log each time) says on how many different
days the runs stated the reference's conclusion.

To check a fresh install, as a newcomer would: clone the repository afresh,
make a new virtual environment, run the README's first command there, then,
from this checkout, ``python benchmarks/check_main_job.py --from
CLONE/suite_results --note "fresh clone and venv"``.

Run: ``python benchmarks/check_main_job.py`` (runs the suite here with this
checkout's environment: about 9 min on 2 cores), or ``--from DIR`` (a folder
a run already wrote; seconds). ``--quick`` runs a tiny suite twice (one
epoch, numbers meaningless) and compares the second with the first, into a
temporary folder; it takes neither ``--from`` nor ``--reference``.
Result: ``benchmarks/results/main_job_reproduces.md``, ``.csv``, ``.png``
"""

import csv
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _harness import (
    RESULTS,
    ROOT,
    argument_parser,
    command_line,
    header,
    read_suite,
    report_path,
    timed,
    write_report,
)
from _plots import grouped_bars

REFERENCE = RESULTS / "suite_quick"
#: The study part of the README's first command (the rest is ``pip install``).
README_COMMAND = ["-m", "sklearn_seismo.study", "suite", "--n-jobs", "2"]
#: Columns of scores.csv that measure time, not the model: they differ run to run.
TIME_COLUMNS = {"fit_time", "fit_cpu_time", "score_time"}
LOG_COLUMNS = [
    "run_date",
    "commit",
    "cpu",
    "note",
    "wall_time_s",
    "scores_identical",
    "n_scores",
    "max_abs_diff_rare_f1",
    "probabilities_identical",
    "conclusion_text_identical",
    "verdicts_same",
    "verdicts_changed",
    "versions_differing",
]


# ------------------------------------------------------------------ reading
def _config(folder):
    path = Path(folder) / "config.json"
    if not path.is_file():
        raise SystemExit(
            f"{folder}: no config.json; give the folder a study suite wrote "
            "(`python -m sklearn_seismo.study suite --out DIR`)"
        )
    return json.loads(path.read_text())


def _scores(suite):
    """``{(data set, arm, training set, column): text}`` of every score."""
    return {
        (name, arm, fold, column): value
        for name, entry in suite.items()
        for arm, rows in entry["scores"].items()
        for fold, row in rows.items()
        for column, value in row.items()
        if column not in TIME_COLUMNS | {"dataset", "arm", "fold"}
    }


def conclusion(folder):
    """The bullet points under ``## Conclusion`` in the run's ``report.md``."""
    path = Path(folder) / "report.md"
    if not path.is_file():
        raise SystemExit(f"{folder}: no report.md; is it a study suite's folder?")
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^## Conclusion\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        raise SystemExit(f"{folder}/report.md has no '## Conclusion' section")
    return [line for line in match.group(1).splitlines() if line.startswith("- ")]


def verdicts(lines):
    """The statements of a Conclusion without the numbers in brackets.

    ``- `easy`: better than `none`: `random` (+30.0 pp, p=0.002).`` reads as
    ``- `easy`: better than `none`: `random`.``: the verdicts, which a change
    of the last bits may not reverse, without the numbers, which it moves.
    """
    return [re.sub(r"\s*\([^()]*\)", "", line) for line in lines]


def _probabilities_identical(run, reference, names):
    for name in names:
        a, b = (
            Path(run) / name / "probabilities.npz",
            Path(reference) / name / "probabilities.npz",
        )
        if not (a.is_file() and b.is_file()):
            return None
        with np.load(a) as x, np.load(b) as y:
            if sorted(x.files) != sorted(y.files):
                return False
            if not all(np.array_equal(x[k], y[k]) for k in x.files):
                return False
    return True


def _git(folder, *args):
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True
        )
    except OSError:
        return None
    return out


def _commit(folder):
    """The commit of the checkout that holds ``folder``; ``+changes`` where its
    package code differs from that commit (other files do not change a run)."""
    head = _git(folder, "log", "-1", "--format=%h")
    if head is None or head.returncode or not head.stdout.strip():
        return "unknown"
    changed = _git(folder, "diff", "--quiet", "HEAD", "--", ":/sklearn_seismo")
    dirty = changed is not None and changed.returncode == 1
    return head.stdout.strip() + ("+changes" if dirty else "")


def _cpu(config):
    """The CPU model a run recorded (torch's kernels, hence the last bits of
    every score, depend on it)."""
    return config.get("environment", {}).get("cpu") or "unknown"


# ------------------------------------------------------------------ comparing
def compare(run, reference):
    """One log row: how far ``run`` is from ``reference``."""
    run_cfg, ref_cfg = _config(run), _config(reference)
    if run_cfg.get("suite") != ref_cfg.get("suite"):
        raise SystemExit(
            f"{run} ran another suite than {reference} (its config.json's 'suite' "
            "differs): compare runs of the same command"
        )
    ref_suite = read_suite(reference)
    mine, theirs = _scores(read_suite(run)), _scores(ref_suite)
    if set(mine) != set(theirs):
        odd = sorted(set(theirs) ^ set(mine))[:3]
        raise SystemExit(
            f"{run} and {reference} scored different things, e.g. {odd} "
            "(data set, arm, training set, score) is in only one of them"
        )
    # the rare class's F1: the class whose recall the suite tested
    rare = {name: "f1_" + entry["minority"] for name, entry in ref_suite.items()}
    diffs = [
        abs(float(mine[k]) - float(theirs[k]))
        for k in theirs
        if k[3] == rare.get(k[0]) and theirs[k] != ""
    ]
    said, expected = conclusion(run), conclusion(reference)
    changed = [
        f"{old} -> {new}"
        for old, new in zip(verdicts(expected), verdicts(said))
        if old != new
    ]
    if len(said) != len(expected):
        changed.append(f"{len(expected)} statements -> {len(said)}")
    run_v = run_cfg.get("environment", {}).get("versions", {})
    ref_v = ref_cfg.get("environment", {}).get("versions", {})
    versions = [
        f"{name} {ref_v.get(name)} -> {run_v.get(name)}"
        for name in sorted(set(run_v) | set(ref_v))
        if run_v.get(name) != ref_v.get(name)
    ]
    return {
        "run_date": run_cfg.get("date", "unknown"),
        "cpu": _cpu(run_cfg),
        "scores_identical": sum(mine[k] == theirs[k] for k in theirs),
        "n_scores": len(theirs),
        "max_abs_diff_rare_f1": max(diffs, default=float("nan")),
        "probabilities_identical": _probabilities_identical(run, reference, ref_suite),
        "conclusion_text_identical": said == expected,
        "verdicts_same": not changed,
        "verdicts_changed": "; ".join(changed),
        "versions_differing": "; ".join(versions),
        "wall_time_s": run_cfg.get("wall_time_s", ""),
    }


# ------------------------------------------------------------------ the log
def read_log(path):
    if not Path(path).is_file():
        return []
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def add_to_log(path, row):
    """Append ``row``; a run already logged (the same date) is replaced."""
    rows = [r for r in read_log(path) if r["run_date"] != row["run_date"]]
    rows.append({k: row.get(k, "") for k in LOG_COLUMNS})
    rows.sort(key=lambda r: r["run_date"])
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=LOG_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _true(value):
    return str(value) == "True"


def _shown(path):
    """``path`` relative to the repository root where it lies inside it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def report_lines(rows, reference):
    days = sorted({r["run_date"][:10] for r in rows})
    changed = [r["run_date"] for r in rows if not _true(r["verdicts_same"])]
    same_days = sorted(set(days) - {date[:10] for date in changed})
    ref_cfg = _config(reference)
    ref_date, ref_cpu = ref_cfg.get("date", "unknown"), _cpu(ref_cfg)
    ref_day = ref_date[:10]
    all_days = sorted(set(same_days) | {ref_day})
    if changed:
        verdict = (
            "**Across runs: the conclusion changed** in the run(s) of "
            + ", ".join(changed)
            + "."
        )
    elif len(all_days) >= 2:
        verdict = (
            f"**Across days: met.** The runs of {len(all_days)} different days "
            f"({', '.join(all_days)}) state the same conclusion."
        )
    else:
        verdict = (
            f"**Across days: not yet checked.** Every run so far is from {ref_day}, "
            "the reference's day; a run on another day is needed."
        )
    lines = [
        f"Reference: `{_shown(reference)}` (run {ref_date}, CPU {ref_cpu}). "
        f"{len(rows)} run(s) logged, made on {len(days)} day(s); days whose runs all "
        f"state the reference's verdicts: {', '.join(same_days) or 'none'}.",
        "",
        verdict,
        "",
        "| run (UTC) | commit | CPU | how | wall | scores identical | max Δ rare F1 | "
        "probabilities identical | Conclusion word for word | same verdicts | "
        "versions that differ |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        wall = float(r["wall_time_s"]) if r["wall_time_s"] else float("nan")
        verdict = (
            "yes" if _true(r["verdicts_same"]) else f"**no**: {r['verdicts_changed']}"
        )
        lines.append(
            f"| {r['run_date']} | `{r['commit']}` | {r.get('cpu') or 'not logged'} | "
            f"{r['note']} | "
            f"{wall / 60:.1f} min | {r['scores_identical']} of {r['n_scores']} | "
            f"{float(r['max_abs_diff_rare_f1']):.2g} | "
            f"{r['probabilities_identical']} | "
            f"{r['conclusion_text_identical']} | {verdict} | "
            f"{r['versions_differing'] or 'none'} |"
        )
    lines += [
        "",
        "*wall*: the suite's own time (config.json), without the install. "
        "*Scores*: every score of every arm and training set, timing columns left "
        "out; identical to the bit only where torch runs the same kernels (the same "
        "kind of CPU): on another CPU the last bits of a fit differ, training "
        "amplifies them, and the scores move. *Same verdicts*: the Conclusion read "
        "without the numbers in brackets (better / worse / not settled / no "
        "significant difference, and the ranking's statement): what must hold on "
        "any machine and day.",
    ]
    return lines


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_run = {f"{r['run_date']}\n{r['commit']}": r for r in rows}
    measures = {
        "scores identical (share)": lambda r: (
            int(r["scores_identical"]) / max(int(r["n_scores"]), 1)
        ),
        "same verdicts (1 = yes)": lambda r: float(_true(r["verdicts_same"])),
    }
    fig, ax = plt.subplots(figsize=(max(4, 1.6 * len(rows)), 3.2))
    grouped_bars(
        ax,
        list(by_run),
        list(measures),
        lambda run, m: [measures[m](by_run[run])],
        fontsize=7,
    )
    ax.set_ylim(0, 1.15)
    ax.set_title("README's first command against the committed run", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ------------------------------------------------------------------ running
def run_suite_here(out, extra=()):
    """Run the suite as the README's first command does, into ``out``."""
    cmd = [sys.executable, *README_COMMAND, *extra, "--out", str(out)]
    # as a newcomer types it: the environment as it is, no thread settings
    subprocess.run(cmd, check=True)
    return out


#: A tiny suite for ``--quick``: one data set, two arms, one epoch.
TINY = [
    "--datasets", "gathers32_easy", "--arms", "none,random", "--seeds", "2",
    "--n-samples", "300", "--n-test", "300", "--epochs", "1",
]  # fmt: skip


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument(
        "--from",
        dest="from_",
        type=Path,
        default=None,
        help="a folder a run of the suite already wrote",
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=None,
        help="the run to compare against (default: benchmarks/results/suite_quick)",
    )
    parser.add_argument("--note", default=None, help="how the run was made")
    parser.add_argument(
        "--commit", default=None, help="the run's commit (default: git, in its folder)"
    )
    args = parser.parse_args(argv)
    if args.quick and (args.from_ is not None or args.reference is not None):
        # --quick makes both runs itself; ignoring the folders named would log
        # a smoke run where the user expected their own
        parser.error("--quick runs a tiny suite twice; drop --from and --reference")
    reference = args.reference or REFERENCE
    log = report_path(args, "main_job_reproduces.md")
    if args.from_ is not None:
        run, t = args.from_, None
        # a finished run ran the code of the checkout it lies in
        code, note = run, args.note or "read from a finished run"
    else:
        tmp = Path(tempfile.mkdtemp(prefix="main_job_"))
        if args.quick:
            # a smoke run is compared with a first tiny run (and logged in a
            # temporary folder, by report_path)
            reference = run_suite_here(tmp / "first", TINY)
        else:
            # before a 9-minute run: a reference that cannot be read fails now
            # (with --from, compare reads it straight away)
            for read in (_config, conclusion, read_suite):
                read(reference)
        run, t = timed(
            run_suite_here, tmp / "suite_results", TINY if args.quick else ()
        )
        code = Path(__file__).parent
        note = args.note or (
            "tiny suite, second run against the first (smoke)"
            if args.quick
            else "this checkout's environment"
        )
    reference, log = reference.resolve(), log.with_suffix(".csv")
    row, t_cmp = timed(compare, run, reference)
    row.update(commit=args.commit or _commit(code), note=note)
    rows = add_to_log(log, row)
    command = command_line(__file__, argv)
    lines = header(
        "Does the README's first command state the same conclusion?"
        + (" (smoke run, numbers meaningless)" if args.quick else ""),
        command,
        wall_s=t_cmp.wall_s + (t.wall_s if t else 0),
        packages=("numpy", "torch", "scikit-learn", "imbalanced-learn", "skorch"),
        details=[
            f"this run: `{run}`, {row['run_date']}, commit `{row['commit']}`",
            f"log: `{log.name}` (every run checked so far, one row each)",
        ],
    )
    plot(rows, log.with_suffix(".png"))
    write_report(
        log.with_suffix(".md"),
        lines + ["", *report_lines(rows, reference)],
    )
    if not row["verdicts_same"]:
        print(f"the conclusion changed: {row['verdicts_changed']}", file=sys.stderr)


if __name__ == "__main__":
    main()
