"""Does ``GlowOversampler(quiet_level=0.01)`` help a classifier downstream?

``benchmarks/glow/diagnose_glow_quiet.py`` shows that the flow fills the gaps and
dead traces of the rare class with low-level signal; ``quiet_level`` copies the
nearer parent's quiet values into each synthetic sample instead. This script
runs the study suite's ``glow`` arm with that option on the data sets of
``--suite full`` (same holdout draws, same flows, same classifier seeds) and
pairs each training set's bad-class F1 with the ``glow``, ``random`` and
``none`` arms of a finished full-suite report (``--reference``, by default
``benchmarks/results/study_suite``): one paired observation per training set.

The pairing is only valid when the reference was made with the same draws and
settings. ``--check`` therefore refits the default ``glow`` arm on the first
training set of the first data set and stops unless it reproduces the
reference's score.

With ``--cache`` set to the cache folder of that ``--suite full`` run, the
flows come from the cache (``GlowOversampler`` caches its training on its
inputs, which ``quiet_level`` does not change) and only the classifiers are
trained. Writes ``glow_quiet_level.md`` and ``glow_quiet_level.png`` to
``benchmarks/results/``::

    OMP_NUM_THREADS=1 python benchmarks/glow/bench_glow_quiet_level.py --cache CACHE \\
        --check --n-jobs 1
    python benchmarks/glow/bench_glow_quiet_level.py --quick --check  # smoke run:
    # the quick preset on two training sets, paired with results/suite_quick
"""

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the harness
from _harness import (  # noqa: E402
    RESULTS,
    ROOT,
    argument_parser,
    command_line,
    header,
    parse_args,
    read_suite,
    report_path,
    write_report,
)
from _plots import grouped_bars  # noqa: E402

#: The finished suite run each preset's arms are paired with.
REFERENCES = {"full": RESULTS / "study_suite", "quick": RESULTS / "suite_quick"}
QUIET_LEVEL = 0.01
PEERS = ("glow", "random", "none")


def read_reference(folder, names):
    """Rare-class F1 per arm and training set of each named data set of a suite."""
    suite = read_suite(folder)
    missing = [name for name in names if name not in suite]
    if missing:
        raise SystemExit(
            f"no reference scores for {', '.join(missing)} in {folder}: run "
            "the suite with this preset on those data sets first, or pass "
            "--datasets without them."
        )
    out = {}
    for name in names:
        column = "f1_" + suite[name]["minority"]
        out[name] = {
            arm: {fold: float(row[column]) for fold, row in rows.items()}
            for arm, rows in suite[name]["scores"].items()
        }
    return out


def run_arm(name, glow_params, cache, n_jobs, seeds, preset="full"):
    from sklearn_seismo.study import SUITES, run_suite

    cfg = SUITES[preset]
    res = run_suite(
        [name],
        protocol=cfg["protocol"],
        arms=("glow",),
        n_samples=cfg["n_samples"],
        n_test=cfg["n_test"],
        seeds=seeds,
        n_synthetic=cfg["n_synthetic"],
        classifier=dict(cfg["classifier"]),
        glow={**cfg["glow"], **glow_params},
        cache=cache,
        n_jobs=n_jobs,
        device="cpu",
        verbose=0,
    )
    scores = res.per_dataset[name].scores
    # fit_time is stored with each unit, so it survives the cache
    return {r["fold"]: r["f1_bad"] for r in scores}, sum(r["fit_time"] for r in scores)


def paired(a, b):
    """Mean difference, wins, paired t-test p and Wilcoxon p (metrics)."""
    from sklearn_seismo.metrics import corrected_ttest, paired_comparison

    d = np.asarray(a) - np.asarray(b)
    # n_test=0: the plain paired t-test, as the training sets are independent
    t = (
        float(corrected_ttest(a, b, n_train=1, n_test=0)["p_value"])
        if np.ptp(d) > 0
        else float("nan")
    )
    res = paired_comparison(a, b)
    return res["mean_diff"], res["n_wins"], t, res["p_value"]


def main(argv=None):
    from sklearn_seismo.study import SUITES

    parser = argument_parser(__doc__)
    parser.add_argument(
        "--datasets", default=None, help="comma-separated (default: the preset's)"
    )
    parser.add_argument(
        "--preset", default="full", choices=list(REFERENCES), help="the suite's"
    )
    parser.add_argument(
        "--seeds", type=int, default=None, help="training sets (default: the preset's)"
    )
    parser.add_argument(
        "--reference", default=None, help="default: the preset's committed run"
    )
    parser.add_argument("--cache", default=None, help="a suite run's cache folder")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--check", action="store_true")
    args = parse_args(parser, argv, preset="quick", datasets="gathers32_easy", seeds=2)
    path = report_path(args, "glow_quiet_level.md")
    preset = SUITES[args.preset]
    names = (args.datasets or ",".join(preset["datasets"])).split(",")
    seeds = args.seeds or preset["seeds"]
    reference = args.reference or REFERENCES[args.preset]
    refs = read_reference(reference, names)
    started = time.perf_counter()
    check = None
    if args.check:
        got = run_arm(names[0], {}, args.cache, args.n_jobs, 1, args.preset)[0][0]
        want = refs[names[0]]["glow"][0]
        check = (names[0], got, want)
        if abs(got - want) > 1e-9:
            raise SystemExit(
                f"the default glow arm gives F1 {got:.4f} on {names[0]} set 0, the "
                f"reference {want:.4f}: not the same draws or settings, so the "
                "pairing would be meaningless."
            )
        print(f"check: {names[0]} set 0 reproduces the reference ({got:.4f})")
    rows = []
    for name in names:
        t0 = time.perf_counter()
        quiet, fit_s = run_arm(
            name,
            {"quiet_level": QUIET_LEVEL},
            args.cache,
            args.n_jobs,
            seeds,
            args.preset,
        )
        folds = sorted(quiet)
        row = {"dataset": name, "quiet": [quiet[f] for f in folds]}
        for peer in PEERS:
            row[peer] = [refs[name][peer][f] for f in folds]
        row["seconds"] = time.perf_counter() - t0
        row["fit_s"] = fit_s
        rows.append(row)
        print(
            f"{name}: quiet_level {100 * np.mean(row['quiet']):.1f}, glow "
            f"{100 * np.mean(row['glow']):.1f}, random "
            f"{100 * np.mean(row['random']):.1f} ({row['seconds']:.0f} s)",
            flush=True,
        )
    write(rows, args, check, time.perf_counter() - started, path, argv, reference)


def write(rows, args, check, wall, path, argv, reference):
    # the cache is a local folder: its path says nothing to a reader
    command = command_line(__file__, argv, drop=("--cache",)) + (
        " --cache CACHE" if args.cache else ""
    )
    details = [
        "arms: the suite's `glow` arm with `quiet_level=0.01`, on the "
        f"`--suite {args.preset}` preset's holdout draws (each training set tested on "
        "its own 6,000 samples); `glow` (default, `quiet_level=None`), "
        "`random` and `none`: the same training sets in the reference report "
        f"`{os.path.relpath(reference, ROOT)}`"
    ]
    if args.cache:
        details.insert(
            0,
            f"CACHE: the cache folder of the `--suite {args.preset}` run, so the "
            "flows are the suite's own",
        )
    details.append(
        "time inside the quiet_level fits: "
        f"{sum(r['fit_s'] for r in rows):,.0f} s summed over "
        f"{sum(len(r['quiet']) for r in rows)} fits, 1 torch thread each (with "
        "--cache, fits of an earlier run come back from the cache, and the wall "
        "time above counts only the new ones)"
    )
    if check:
        details.append(
            f"pairing check: the default `glow` arm refitted on {check[0]} "
            f"set 0 gives F1 {check[1]:.4f}, the reference {check[2]:.4f}"
        )
    lines = header(
        "GlowOversampler(quiet_level=0.01) downstream, paired with the "
        f"{args.preset} suite",
        command,
        wall_s=wall,
        packages=("numpy", "torch", "scikit-learn", "imbalanced-learn", "skorch"),
        details=details,
    )
    lines += [
        "",
        "Bad-class F1 (%), mean over the training sets; differences paired by "
        "training set (paired t-test and Wilcoxon signed-rank; wins = sets "
        "where quiet_level scores higher).",
        "",
        "| data set | quiet_level=0.01 | glow | random | none | vs glow | wins "
        "| t p | Wilcoxon p | vs random | t p |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        d, wins, t, w = paired(r["quiet"], r["glow"])
        dr, _, tr, _ = paired(r["quiet"], r["random"])
        n = len(r["quiet"])
        lines.append(
            f"| {r['dataset']} | {100 * np.mean(r['quiet']):.1f} | "
            f"{100 * np.mean(r['glow']):.1f} | {100 * np.mean(r['random']):.1f} | "
            f"{100 * np.mean(r['none']):.1f} | {100 * d:+.1f} | {wins}/{n} | "
            f"{t:.3f} | {w:.3f} | {100 * dr:+.1f} | {tr:.3f} |"
        )
    lines += ["", "Per training set (bad-class F1 %, quiet_level / glow):", ""]
    for r in rows:
        pairs = ", ".join(
            f"{100 * q:.1f} / {100 * g:.1f}" for q, g in zip(r["quiet"], r["glow"])
        )
        lines.append(f"- {r['dataset']}: {pairs}")
    write_report(path, lines)
    plot(rows, path.with_suffix(".png"))


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_name = {r["dataset"]: r for r in rows}
    fig, ax = plt.subplots(figsize=(8, 3.5))
    grouped_bars(
        ax,
        list(by_name),
        ("quiet", *PEERS),
        lambda name, arm: 100 * np.asarray(by_name[name][arm]),
        labels={"quiet": "glow, quiet_level=0.01"},
        fontsize=7,
    )
    ax.set_ylabel("bad-class F1 (%)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
