"""The suite's report: significance statements, Markdown, CSV and the CD diagram.

Each data set's part is the study report of that data set
(:func:`~sklearn_seismo.study.write_report`, in a sub-folder); across data
sets the ranking table, the Friedman test and the Nemenyi diagram.
"""

import json
import os

import numpy as np
from scipy.stats import gmean

from ..metrics import format_markdown_table, format_p_value
from ._conclusion import conclusion_statements, suite_threshold_free_section
from ._report import write_report
from ._report_plots import save_critical_difference
from ._report_tables import (
    _write_csv,
    format_study_table,
    ranking_rows,
    write_ranking_csv,
)

__all__ = ["significance_statements", "write_suite_report"]


def _fit_cost(per_dataset, arms, reference="random"):
    """Each arm's fit CPU time over the ``reference`` arm's, per data set.

    Returns ``{arm: [ratio per data set]}``: the arm's summed
    ``fit_cpu_time`` over the splits where both it and the reference have
    one, divided by the reference's over the same splits (NaN where there is
    none); ``{}`` without the reference arm. CPU time, not wall time: on a
    shared machine a fit's wall time includes the time other jobs held the
    cores, its CPU time does not (one torch thread per fit).
    """
    if reference not in arms:
        return {}
    out = {arm: [] for arm in arms}
    for res in per_dataset.values():
        cpu = {arm: {} for arm in arms}
        for r in res.scores:
            t = r.get("fit_cpu_time", np.nan)
            if r["arm"] in cpu and np.isfinite(t):
                cpu[r["arm"]][r.get("split", r.get("fold"))] = t
        ref = cpu[reference]
        for arm in arms:
            common = set(cpu[arm]) & set(ref)
            den = sum(ref[k] for k in common)
            num = sum(cpu[arm][k] for k in common)
            out[arm].append(num / den if common and den > 0 else np.nan)
    return out


def _cost_lines(result):
    cost = _fit_cost(result.per_dataset, result.arms)
    if not cost:
        return []
    row = {"": "fit CPU time ÷ random's"}
    for arm, ratios in cost.items():
        r = np.asarray(ratios)
        r = r[np.isfinite(r) & (r > 0)]
        row[arm] = f"{gmean(r):.2f} ({r.min():.2f}-{r.max():.2f})" if len(r) else "n/a"
    return [
        "Fit cost: each arm's fit CPU time over the `random` arm's on the same "
        "training sets in this run; geometric mean over data sets (range; n/a "
        "where no fit recorded CPU time). "
        "With `--cache`, the glow arms of one training set share its flows: "
        "the first to run pays their training (`glow` starts first; two that "
        "run at once both train), so the other glow arms' costs leave it out.",
        "",
        format_markdown_table([row], ["", *cost]),
        "",
    ]


def _tests_table(res, alpha):
    key = f"f1_{res.minority}"
    shown = []
    for r in res.tests:
        if r["metric"] not in (key, "f1_macro", "balanced_accuracy"):
            continue
        shown.append(
            {
                "arm": r["arm"],
                "metric": r["metric"],
                "Δ vs none (pp)": f"{100 * r['mean_diff']:+.1f}"
                if np.isfinite(r["mean_diff"])
                else "n/a",
                f"{r['test']} p": format_p_value(r["p_value"]),
                "Holm p": format_p_value(r["p_holm"]),
                "Wilcoxon p": format_p_value(r["wilcoxon_p"]),
                "significant": "yes"
                if np.isfinite(r["p_holm"]) and r["p_holm"] < alpha
                else "no",
            }
        )
    return format_markdown_table(shown, list(shown[0])) if shown else ""


def significance_statements(result):
    """Plain sentences: which differences are significant, per data set and overall."""
    alpha = result.alpha
    lines = []
    for name, res in result.per_dataset.items():
        key = f"f1_{res.minority}"
        sig = [
            r
            for r in res.tests
            if r["metric"] == key and np.isfinite(r["p_holm"]) and r["p_holm"] < alpha
        ]
        test = res.tests[0]["test"] if res.tests else "t"
        if not res.tests:
            lines.append(f"- `{name}`: no `none` arm, nothing compared.")
        elif not sig:
            lines.append(
                f"- `{name}`: no arm differs significantly from `none` on "
                f"{key} ({test}-test, Holm-adjusted p < {alpha})."
            )
        else:
            parts = [
                f"`{r['arm']}` ({100 * r['mean_diff']:+.1f} pp, "
                f"p={format_p_value(r['p_holm'])})"
                for r in sig
            ]
            lines.append(
                f"- `{name}`: significantly different from `none` on {key} "
                f"({test}-test, Holm-adjusted p < {alpha}): " + ", ".join(parts) + "."
            )
    rk = result.ranking
    if rk.friedman is None:
        lines.append("- Across data sets: nothing to rank.")
    else:
        p = rk.friedman["p_value"]
        if not np.isfinite(p):
            lines.append(
                f"- Across data sets: no Friedman test ({rk.friedman['note']})."
            )
        elif p >= alpha:
            lines.append(
                f"- Across {len(rk.datasets)} data sets the Friedman test does not "
                f"reject that all arms rank alike (p={format_p_value(p)} ≥ "
                f"{alpha}): no difference of mean rank is significant."
            )
        elif not rk.significant_pairs:
            lines.append(
                f"- Across {len(rk.datasets)} data sets the Friedman test rejects "
                f"(p={format_p_value(p)}), but no pair of arms differs by the critical "
                f"difference {rk.cd:.2f} of mean rank (Nemenyi)."
            )
        else:
            pairs = ", ".join(f"`{a}` > `{b}`" for a, b in rk.significant_pairs)
            lines.append(
                f"- Across {len(rk.datasets)} data sets the Friedman test rejects "
                f"(p={format_p_value(p)}); pairs whose mean ranks differ by at "
                f"least the critical difference {rk.cd:.2f} (Nemenyi, α={alpha}): "
                f"{pairs}."
            )
    return lines


def write_suite_report(result, out_dir, *, config=None):
    """Write ``report.md``, ``ranking.csv``, ``tests.csv``, ``cd.png`` and one
    study report per data set (sub-folders, :func:`write_report`).

    Returns
    -------
    paths : dict of str -> str
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    rk = result.ranking
    md = ["# Study suite", ""]
    md.append(
        f"Protocol `{result.protocol}`; arms {', '.join(result.arms)}; data sets "
        f"{', '.join(result.datasets)}."
    )
    test = (
        "the Nadeau-Bengio corrected resampled t-test over the splits (it "
        "accounts for the overlap of their training sets)"
        if result.protocol == "cv"
        else "the paired t-test over the independent training sets"
    )
    md += [
        "",
        "## Significance",
        "",
        f"Per data set, each arm is compared with `none` by {test}; p-values "
        "are Holm-adjusted over the arms and *significant* means adjusted p < "
        f"{result.alpha}. The Wilcoxon signed-rank p is shown for reference"
        + (
            " only: it ignores the overlap of training sets and is too optimistic."
            if result.protocol == "cv"
            else "."
        ),
        "",
    ]
    md += significance_statements(result) + [""]
    md += ["## Conclusion", "", *conclusion_statements(result, alpha=result.alpha), ""]
    tests_rows = []
    for name, res in result.per_dataset.items():
        sub = os.path.join(out_dir, name)
        write_report(res, sub, config=config, title=f"Study: {name}")
        paths[name] = sub
        n = len(res.splits)
        what = (
            f"{n} splits (repeated stratified k-fold)"
            if result.protocol == "cv"
            else f"{n} independent training sets, each with its own test set"
        )
        md += [f"## {name}", "", f"{res.description}; {what}.", ""]
        md += [format_study_table(res), ""]
        md += [_tests_table(res, result.alpha), ""]
        md += [f"Full tables: [{name}/report.md]({name}/report.md)", ""]
        tests_rows += [dict(dataset=name, **r) for r in res.tests]
    md += ["## Across data sets", ""]
    if rk.friedman is not None:
        rows = ranking_rows(rk, "mean rank")
        md += [
            f"Mean {rk.metric} over splits, in % (rank within the data set; 1 = best):",
            "",
            format_markdown_table(rows, ["data set", *rk.arms]),
            "",
            f"Friedman χ² = {rk.friedman['statistic']:.3g}, "
            f"p = {format_p_value(rk.friedman['p_value'])} "
            f"({rk.friedman['note'] or 'ok'}); "
            f"Nemenyi critical difference {rk.cd:.2f} at α = {rk.alpha}.",
            "",
        ]
        if rk.dropped:
            md += [f"Left out (no finite score on some data set): {rk.dropped}.", ""]
        md += _cost_lines(result)
        paths["ranking.csv"] = os.path.join(out_dir, "ranking.csv")
        write_ranking_csv(paths["ranking.csv"], rk)
        title = f"mean rank of {rk.metric} over {len(rk.datasets)} data sets"
        if save_critical_difference(rk, os.path.join(out_dir, "cd.png"), title):
            paths["cd.png"] = os.path.join(out_dir, "cd.png")
            md += ["![critical-difference diagram](cd.png)", ""]
    md += suite_threshold_free_section(result, out_dir, paths)
    paths["tests.csv"] = os.path.join(out_dir, "tests.csv")
    _write_csv(paths["tests.csv"], tests_rows)
    if config is not None:
        paths["config.json"] = os.path.join(out_dir, "config.json")
        with open(paths["config.json"], "w", encoding="utf-8") as fh:
            json.dump(config, fh, indent=2, default=str)
        md += [
            "## Setup",
            "",
            "```json",
            json.dumps(config, indent=2, default=str),
            "```",
            "",
        ]
    paths["report.md"] = os.path.join(out_dir, "report.md")
    with open(paths["report.md"], "w", encoding="utf-8") as fh:
        fh.write("\n".join(md))
    return paths
