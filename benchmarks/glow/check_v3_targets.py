"""Issue 23 targets: does a generative arm earn its place? Read off a suite run.

Reads the folder a study suite wrote (``--suite``: what ``python -m
sklearn_seismo.study suite --out DIR`` made, one sub-folder per data set with
its ``scores.csv``) and, optionally, the samples-only CSV of
``bench_glow_v3_screen.py --samples-only`` (``--samples``), and states each
target of issue 23 for every generative arm (``--arms``), met or not, with
its numbers:

1. **best mean rank** of all arms on the rare class's F1 *and* on its average
   precision (mean over data sets of the rank within each);
2. **better than none**: significantly (paired t-test over the training sets,
   Holm-adjusted over the arms, as the suite tests; p < ``--alpha``) on at
   least half of the data sets;
3. **never worse**: not significantly worse than any other arm on any data
   set (paired t-test over the training sets, Holm-adjusted over the arm's
   comparisons in that data set);
4. **real-looking samples**: two-sample AUC (default judge) at most 0.65 and
   quiet ratio within [0.7, 1.3] on every data set judged;
5. **cost**: fit CPU time at most 2.5 times the ``random`` arm's on the same
   training sets, on every data set that recorded it (the issue gives the
   old cost as a range over data sets, 2.1-2.3x; the report also shows the
   geometric mean). With a shared
   flow cache only the arm that ran first (``glow``) paid for the flows, so a
   glow variant's own cost is read as ``glow``'s.

Then, descriptive: each generative arm against ``none``, ``random``,
``augment``, the default ``glow`` (does a setting beat GlowOversampler's
defaults?) and the best-ranked arms, pooled over every training set (sign
test).

The suite's own tests against ``none`` are recomputed from ``scores.csv``
and checked against its ``tests.csv``, so a report from another version
cannot be misread.

Run: ``python benchmarks/glow/check_v3_targets.py --suite SUITE_OUT --samples
benchmarks/results/glow_v3_full_samples.csv`` (seconds; writes
``results/glow_v3_targets.md`` and ``.png``). ``--quick`` makes a tiny suite
run (one epoch, numbers meaningless) and checks it, into a temporary folder;
it takes no ``--suite``.
"""

import csv
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

# benchmarks/: the shared harness
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _harness import (  # noqa: E402
    argument_parser,
    command_line,
    header,
    read_suite,
    report_path,
    timed,
    write_report,
)

GENERATIVE = ("glow", "glow+augment", "glow_clean", "glow_quiet+augment")
#: The arm whose fit trains the flows when a cache shares them between arms.
FLOW_ARM = "glow"
AUC_MAX, QUIET_RANGE, COST_MAX = 0.65, (0.7, 1.3), 2.5


# ------------------------------------------------------------------ reading
def _values(entry, arm, key):
    return {
        s: float(r[key]) if r.get(key) not in (None, "") else math.nan
        for s, r in entry["scores"].get(arm, {}).items()
    }


def _paired_p(a, b):
    """The suite's paired t-test over training sets (no overlap term)."""
    from sklearn_seismo.metrics import corrected_ttest

    common = sorted(set(a) & set(b))
    x = [a[s] for s in common]
    y = [b[s] for s in common]
    res = corrected_ttest(x, y, n_train=1.0, n_test=0.0)
    return res["mean_diff"], res["p_value"]


# ------------------------------------------------------------------ targets
def mean_ranks(suite, key):
    """Mean over data sets of each arm's rank (1 = best mean score)."""
    from scipy.stats import rankdata

    arms = sorted({a for e in suite.values() for a in e["scores"]})
    ranks = []
    for entry in suite.values():
        k = key.format(m=entry["minority"])
        means = [
            np.nanmean(list(_values(entry, a, k).values()) or [np.nan]) for a in arms
        ]
        ranks.append(rankdata(-np.nan_to_num(means, nan=-np.inf)))
    return dict(zip(arms, np.mean(ranks, axis=0)))


def against_none(suite, key):
    """``{data set: {arm: (mean diff, Holm p)}}`` as the suite tests."""
    from sklearn_seismo.metrics import holm

    out = {}
    for name, entry in suite.items():
        k = key.format(m=entry["minority"])
        ref = _values(entry, "none", k)
        arms = [a for a in entry["scores"] if a != "none"]
        tests = [_paired_p(_values(entry, a, k), ref) for a in arms]
        p_holm = holm([p for _, p in tests])
        out[name] = {a: (d, float(p)) for a, (d, _), p in zip(arms, tests, p_holm)}
    return out


def check_against_suite(suite, mine):
    """The recomputed F1 tests must be the suite's own (its tests.csv)."""
    for name, entry in suite.items():
        for row in entry["tests"]:
            if row["metric"] != f"f1_{entry['minority']}" or row["reference"] != "none":
                continue
            ours = mine[name][row["arm"]][1]
            theirs = float(row["p_holm"]) if row["p_holm"] else math.nan
            if not (np.isclose(ours, theirs) or (np.isnan(ours) and np.isnan(theirs))):
                raise SystemExit(
                    f"{name}, {row['arm']}: Holm p {ours} here, {theirs} in the "
                    "suite's tests.csv; the suite ran another test."
                )


def worse_than(suite, arm, key, alpha):
    """``[(data set, other arm, mean diff, Holm p)]`` where ``arm`` loses."""
    from sklearn_seismo.metrics import holm

    losses = []
    for name, entry in suite.items():
        k = key.format(m=entry["minority"])
        mine = _values(entry, arm, k)
        others = [a for a in entry["scores"] if a != arm]
        tests = [_paired_p(mine, _values(entry, o, k)) for o in others]
        for o, (d, _), p in zip(others, tests, holm([p for _, p in tests])):
            if p < alpha and d < 0:
                losses.append((name, o, d, float(p)))
    return losses


def costs(suite):
    """``{arm: [fit CPU time / random's, one per data set that recorded it]}``."""
    ratios = {}
    for entry in suite.values():
        ref = _values(entry, "random", "fit_cpu_time")
        for arm in entry["scores"]:
            own = _values(entry, arm, "fit_cpu_time")
            common = [s for s in own if s in ref and own[s] > 0 and ref[s] > 0]
            if common:
                ratio = sum(own[s] for s in common) / sum(ref[s] for s in common)
                ratios.setdefault(arm, []).append(ratio)
    return ratios


def read_samples(path):
    """``{(data set, arm): {"c2st": mean, "quiet": mean}}`` of a samples CSV."""
    if path is None:
        return {}
    acc = {}
    for row in csv.DictReader(open(path, newline="")):
        if row.get("error"):
            continue
        for k in ("c2st", "quiet"):
            if row.get(k):
                acc.setdefault((row["dataset"], row["arm"]), {}).setdefault(
                    k, []
                ).append(float(row[k]))
    return {key: {k: float(np.mean(v)) for k, v in d.items()} for key, d in acc.items()}


def judge(suite, samples, arms, alpha):
    """Each target's numbers and whether it is met, one row per arm; and the
    best mean rank of all arms, ``{"F1" | "AP": (rank, [arms at it])}``."""
    rank_f1 = mean_ranks(suite, "f1_{m}")
    rank_ap = mean_ranks(suite, "average_precision_{m}")
    # a tie for first is first
    top = {}
    for name, ranks in (("F1", rank_f1), ("AP", rank_ap)):
        best = min(ranks.values())
        top[name] = (best, [a for a, v in ranks.items() if v == best])
    f1_none = against_none(suite, "f1_{m}")
    check_against_suite(suite, f1_none)
    cost = costs(suite)
    n_sets = len(suite)
    rows = []
    for arm in arms:
        if arm not in rank_f1:
            continue
        better = [
            n
            for n, d in f1_none.items()
            if arm in d and d[arm][1] < alpha and d[arm][0] > 0
        ]
        losses = worse_than(suite, arm, "f1_{m}", alpha)
        judged = {n: samples.get((n, arm)) for n in suite if (n, arm) in samples}
        auc = {n: v.get("c2st", math.nan) for n, v in judged.items()}
        quiet = {n: v.get("quiet", math.nan) for n, v in judged.items()}
        own_cost = cost.get(FLOW_ARM if arm.startswith("glow") else arm, [])
        rows.append(
            {
                "arm": arm,
                "rank_f1": rank_f1[arm],
                "rank_ap": rank_ap[arm],
                "best": arm in top["F1"][1] and arm in top["AP"][1],
                "better": better,
                "better_met": len(better) >= math.ceil(n_sets / 2),
                "losses": losses,
                "auc": auc,
                "quiet": quiet,
                "samples_met": bool(judged)
                and all(a <= AUC_MAX for a in auc.values())
                and all(QUIET_RANGE[0] <= q <= QUIET_RANGE[1] for q in quiet.values()),
                "samples_sets": len(judged),
                "cost": own_cost,
            }
        )
    return rows, top


# ------------------------------------------------------------------- report
def _yes(flag):
    return "**met**" if flag else "missed"


def _span(values, digits=2):
    v = [x for x in values if np.isfinite(x)]
    if not v:
        return "n/a"
    return f"{min(v):.{digits}f}–{max(v):.{digits}f}"


def _cost(ratios):
    """Met only when every data set that recorded a cost is within the bound."""
    if not ratios:
        return "not recorded"
    from scipy.stats import gmean

    return (
        f"{_span(ratios)} on {len(ratios)} data set(s), geometric mean "
        f"{gmean(ratios):.2f}: {_yes(max(ratios) <= COST_MAX)}"
    )


def pooled_lines(suite, arms, references):
    """Each generative arm against the references over every training set.

    Descriptive (no target asks for it): wins and losses of the paired
    differences pooled over all data sets, their mean, and a two-sided sign
    test, unadjusted.
    """
    from scipy.stats import binomtest

    lines = [
        "Pooled over the training sets of every data set (paired differences; "
        "sign test, two-sided, ties left out, not adjusted):",
        "",
        "| arm | against | F1: higher / lower, mean (pp), p | "
        "AP: higher / lower, mean (pp), p |",
        "|---|---|---|---|",
    ]
    for arm in arms:
        for ref in references:
            if ref == arm:
                continue
            cells = []
            for key in ("f1_{m}", "average_precision_{m}"):
                d = []
                for entry in suite.values():
                    k = key.format(m=entry["minority"])
                    a, b = _values(entry, arm, k), _values(entry, ref, k)
                    d += [a[s] - b[s] for s in sorted(set(a) & set(b))]
                d = np.asarray([x for x in d if np.isfinite(x)])
                if not len(d):
                    cells.append("n/a")
                    continue
                up, down = int((d > 0).sum()), int((d < 0).sum())
                p = binomtest(up, up + down).pvalue if up + down else math.nan
                cells.append(f"{up} / {down}, {100 * d.mean():+.1f}, {p:.2g}")
            lines.append(f"| {arm} | {ref} | {cells[0]} | {cells[1]} |")
    return lines


def report_lines(rows, top, n_sets):
    lines = [
        "| arm | mean rank F1 / AP (best: met?) | better than none (≥ half) | "
        "never significantly worse | AUC ≤ 0.65 and quiet in [0.7, 1.3] | "
        "cost ≤ 2.5x random |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        losses = r["losses"]
        lost = (
            "; ".join(
                f"{n}: to {o} ({100 * d:+.1f} pp, p={p:.2g})" for n, o, d, p in losses
            )
            if losses
            else "none"
        )
        # met only when every data set was judged
        every = r["samples_met"] and r["samples_sets"] == n_sets
        samples = (
            f"AUC {_span(r['auc'].values())}, quiet {_span(r['quiet'].values())} "
            f"on {r['samples_sets']} of {n_sets}: {_yes(every)}"
            if r["samples_sets"]
            else "not judged"
        )
        ranks = f"{r['rank_f1']:.2f} / {r['rank_ap']:.2f}"
        lines.append(
            f"| {r['arm']} | {ranks}: {_yes(r['best'])} "
            f"| {len(r['better'])} of {n_sets}: {_yes(r['better_met'])} "
            f"| {_yes(not losses)} ({lost}) | {samples} "
            f"| {_cost(r['cost'])} |"
        )
    best = ", ".join(
        f"{name} {', '.join(f'`{a}`' for a in arms)} ({rank:.2f})"
        for name, (rank, arms) in top.items()
    )
    lines += ["", f"Best mean rank of all arms: {best}."]
    return lines


def plot(rows, top, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3))
    x = np.arange(len(rows))
    ax.bar(x - 0.2, [r["rank_f1"] for r in rows], 0.4, label="mean rank F1")
    ax.bar(x + 0.2, [r["rank_ap"] for r in rows], 0.4, label="mean rank AP")
    for (rank, _), style in zip(top.values(), ("C0", "C1")):
        ax.axhline(rank, color=style, ls="--", lw=1)
    ax.set_xticks(x)
    ax.set_xticklabels([r["arm"] for r in rows], fontsize=8)
    ax.set_ylabel("mean rank (1 = best)")
    ax.set_title("generative arms; dashed: the best arm of all", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _tiny_suite(folder):
    from sklearn_seismo.study import run_suite, write_suite_report

    res = run_suite(
        ["gathers32_easy"],
        protocol="holdout",
        arms=("none", "random", "glow"),
        n_samples=300,
        n_test=300,
        seeds=2,
        n_synthetic=6,
        classifier={"max_epochs": 1, "n_blocks": 1, "alpha": 1},
        glow={"n_levels": 2, "n_steps": 1, "hidden_channels": 8, "max_epochs": 1},
        device="cpu",
        verbose=0,
    )
    write_suite_report(res, folder)
    return folder


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--suite", default=None, help="a suite run's output folder")
    parser.add_argument("--samples", default=None, help="a samples-only CSV")
    parser.add_argument("--arms", nargs="+", default=list(GENERATIVE))
    parser.add_argument("--alpha", type=float, default=0.05)
    args = parser.parse_args(argv)
    if args.quick and args.suite is not None:
        # --quick makes its own suite; reading it in place of the one named
        # would report a smoke run where the user expected their own
        parser.error("--quick makes a tiny suite of its own; drop --suite")
    if args.quick:
        tmp = Path(tempfile.mkdtemp(prefix="glow_v3_targets_"))
        folder = _tiny_suite(tmp / "suite")
    elif args.suite is None:
        parser.error("--suite is required (or --quick)")
    else:
        folder = args.suite
    path = report_path(args, "glow_v3_targets.md")
    suite = read_suite(folder)
    (rows, top), t = timed(
        judge, suite, read_samples(args.samples), args.arms, args.alpha
    )
    if not rows:
        raise SystemExit(f"none of {args.arms} ran in {folder}")
    command = command_line(__file__, argv)
    lines = header(
        "Issue 23 targets, read off a suite run"
        + (" (smoke run, numbers meaningless)" if args.quick else ""),
        command,
        wall_s=t.wall_s,
        packages=("numpy", "scipy"),
        details=[
            f"suite: `{folder}` ({len(suite)} data sets: {', '.join(suite)})",
            f"samples: `{args.samples}`" if args.samples else "samples: not given",
            f"α = {args.alpha}; tests as the suite's (paired t over the training "
            "sets, Holm over the arms), recomputed and checked against its tests.csv",
        ],
    )
    lines += ["", *report_lines(rows, top, len(suite))]
    judged = [r["arm"] for r in rows]
    # "glow" is GlowOversampler at its defaults: whether another setting
    # should replace them is read off the same pooled comparison
    refs = ["none", "random", "augment", "glow", *top["F1"][1], *top["AP"][1]]
    refs = [
        a for a in dict.fromkeys(refs) if any(a in e["scores"] for e in suite.values())
    ]
    lines += ["", *pooled_lines(suite, judged, refs)]
    plot(rows, top, Path(path).with_suffix(".png"))
    write_report(path, lines)


if __name__ == "__main__":
    main()
