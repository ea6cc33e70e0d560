"""The study report's CSV files and Markdown tables.

Part of :func:`~sklearn_seismo.study.write_report` (``_report.py``), which
puts these tables into ``report.md``; the figures are in ``_report_plots.py``
and the conclusion in ``_conclusion.py``.
"""

import csv
import math

import numpy as np

from ..metrics import (
    compare_to_reference,
    format_markdown_table,
    format_mean_std,
    format_p_value,
)

__all__ = [
    "format_study_table",
    "format_threshold_free_table",
    "format_warnings",
    "ranking_rows",
    "write_ranking_csv",
]


#: Per-sample arrays of a fold row (:func:`fit_and_score`): kept in memory for
#: the curves and in ``probabilities.npz``, never in a CSV file.
_ARRAY_KEYS = ("rare_proba", "rare_true")


def _write_csv(path, rows, drop=("traceback", "warnings", *_ARRAY_KEYS)):
    fields = []
    for row in rows:
        fields += [k for k in row if k not in fields and k not in drop]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row.get(k, "")) for k in fields})


def _csv_value(value):
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else repr(float(value))
    if isinstance(value, np.generic):
        return value.item()
    return value


def _summary_by_arm(result):
    return {row["arm"]: row for row in result.summary}


def _p_vs(result, arm, reference, metric):
    for row in result.comparisons:
        if (
            row["arm"] == arm
            and row["reference"] == reference
            and row["metric"] == metric
        ):
            return row
    return None


def format_study_table(result):
    """The headline table of a study as Markdown (printed by the command line).

    One row per arm: F1 of every class, macro F1, balanced accuracy, G-mean
    (mean ± std over folds, in %), the minority class's average precision
    (``AP``, in %) and Brier score (lower is better) when the result holds
    them, the mean difference of the minority F1 against ``none`` with its
    Wilcoxon p-value, and the mean wall-clock time of a fit (``fit wall s``:
    on a shared machine it includes the time other jobs held the cores).

    Parameters
    ----------
    result : Bunch
        Output of :func:`run_study`.

    Returns
    -------
    table : str
    """
    summary = _summary_by_arm(result)
    minority = result.minority
    key = f"f1_{minority}"
    rows = []
    for arm in result.arms:
        s = summary[arm]
        row = {"arm": arm}
        for label in result.labels:
            row[f"F1 {label}"] = format_mean_std(
                s[f"f1_{label}_mean"], s[f"f1_{label}_std"]
            )
        row["macro F1"] = format_mean_std(s["f1_macro_mean"], s["f1_macro_std"])
        row["bal. acc."] = format_mean_std(
            s["balanced_accuracy_mean"], s["balanced_accuracy_std"]
        )
        row["G-mean"] = format_mean_std(s["gmean_mean"], s["gmean_std"])
        if _has_probabilities(result):
            row[f"AP {minority}"] = format_mean_std(
                s[f"average_precision_{minority}_mean"],
                s[f"average_precision_{minority}_std"],
            )
            row[f"Brier {minority}"] = _fmt_brier(s, minority)
        cmp_ = _p_vs(result, arm, "none", key)
        if cmp_ is None:
            row[f"Δ F1 {minority} vs none (p)"] = "—"
        elif not np.isfinite(cmp_["mean_diff"]):
            row[f"Δ F1 {minority} vs none (p)"] = f"n/a: {cmp_['note']}"
        else:
            row[f"Δ F1 {minority} vs none (p)"] = (
                f"{100 * cmp_['mean_diff']:+.1f} (p={format_p_value(cmp_['p_value'])})"
            )
        row["fit wall s"] = _fmt_seconds(s["fit_time_mean"])
        row["folds"] = str(s["n_folds"])
        rows.append(row)
    columns = list(rows[0]) if rows else ["arm"]
    return format_markdown_table(rows, columns)


def _has_probabilities(result):
    """Whether some arm has a finite AP of the minority (needs predict_proba)."""
    key = f"average_precision_{result.minority}_mean"
    return any(np.isfinite(s.get(key, math.nan)) for s in result.summary)


def _fmt_brier(s, minority):
    return format_mean_std(
        s.get(f"brier_{minority}_mean", math.nan),
        s.get(f"brier_{minority}_std", math.nan),
        scale=1.0,
        digits=3,
    )


def _fmt_seconds(t):
    return f"{t:.1f}" if np.isfinite(t) else "n/a"


def _metric_tables(result):
    summary = _summary_by_arm(result)
    parts = []
    for metric, title in (
        ("f1", "F1"),
        ("precision", "Precision"),
        ("recall", "Recall"),
    ):
        rows = []
        for arm in result.arms:
            s = summary[arm]
            row = {"arm": arm}
            for label in result.labels:
                row[str(label)] = format_mean_std(
                    s[f"{metric}_{label}_mean"], s[f"{metric}_{label}_std"]
                )
            rows.append(row)
        parts.append(
            f"### Per-class {title} (%, mean ± std over folds)\n\n"
            + format_markdown_table(rows, ["arm"] + [str(c) for c in result.labels])
        )
    overall = []
    for arm in result.arms:
        s = summary[arm]
        row = {"arm": arm}
        for key, name in (
            ("precision_macro", "precision (macro)"),
            ("recall_macro", "recall (macro)"),
            ("f1_macro", "F1 (macro)"),
            ("f1_weighted", "F1 (weighted)"),
            ("balanced_accuracy", "balanced acc."),
            ("gmean", "G-mean"),
            ("accuracy", "accuracy"),
        ):
            row[name] = format_mean_std(s[f"{key}_mean"], s[f"{key}_std"])
        row["fit time (s)"] = _fmt_seconds(s["fit_time_mean"])
        overall.append(row)
    parts.append(
        "### Overall (%, mean ± std over folds)\n\n"
        + format_markdown_table(overall, list(overall[0]))
    )
    return parts


def _comparison_table(result, reference):
    rows = [r for r in result.comparisons if r["reference"] == reference]
    if not rows:
        return None
    shown = [
        {
            "arm": r["arm"],
            "metric": r["metric"],
            "mean diff (pp)": f"{100 * r['mean_diff']:+.2f}"
            if np.isfinite(r["mean_diff"])
            else "n/a",
            "wins/ties/losses": f"{r['n_wins']}/{r['n_ties']}/{r['n_losses']}",
            "Wilcoxon p": format_p_value(r["p_value"]),
            "note": r["note"],
        }
        for r in rows
    ]
    return (
        f"### Paired comparison against `{reference}` (fold by fold)\n\n"
        + format_markdown_table(shown, list(shown[0]))
    )


def format_threshold_free_table(result):
    """The minority class's threshold-free and calibration scores as Markdown.

    One row per arm: average precision of the minority class (``AP``, in %,
    mean ± std over folds; it does not depend on the decision threshold),
    its mean difference against ``none`` with the fold-paired Wilcoxon
    p-value, the F1 of the same class at the classifier's own decision rule
    for comparison, and the Brier score of the class's probability (lower is
    better). A random ranking's AP is the class's share of the test folds,
    given under the table.

    Parameters
    ----------
    result : Bunch
        Output of :func:`run_study` (or one data set of :func:`run_suite`)
        whose fold rows hold ``average_precision_<minority>`` and
        ``brier_<minority>`` (:func:`fit_and_score` adds them when the
        pipeline has ``predict_proba``).

    Returns
    -------
    table : str
        Empty when the result holds no such scores.
    """
    if not _has_probabilities(result):
        return ""
    summary = _summary_by_arm(result)
    minority = result.minority
    ap = f"average_precision_{minority}"
    paired = {
        r["arm"]: r
        for r in compare_to_reference(result.scores, reference="none", metrics=[ap])
    }
    rows = []
    for arm in result.arms:
        s = summary[arm]
        row = {
            "arm": arm,
            f"AP {minority}": format_mean_std(s[f"{ap}_mean"], s[f"{ap}_std"]),
        }
        cmp_ = paired.get(arm)
        if cmp_ is None:
            row["Δ AP vs none (p)"] = "—"
        elif not np.isfinite(cmp_["mean_diff"]):
            row["Δ AP vs none (p)"] = f"n/a: {cmp_['note']}"
        else:
            row["Δ AP vs none (p)"] = (
                f"{100 * cmp_['mean_diff']:+.1f} (p={format_p_value(cmp_['p_value'])})"
            )
        row[f"F1 {minority}"] = format_mean_std(
            s[f"f1_{minority}_mean"], s[f"f1_{minority}_std"]
        )
        row[f"Brier {minority}"] = _fmt_brier(s, minority)
        rows.append(row)
    table = format_markdown_table(rows, list(rows[0]))
    shares = [
        float(np.mean(r["rare_true"]))
        for r in result.scores
        if r.get("rare_true") is not None and not r.get("error")
    ]
    if shares:
        table += (
            f"\n\nA random ranking scores an AP of {100 * np.mean(shares):.1f} % "
            f"(the share of `{minority}` in the test folds)."
        )
    return table


def ranking_rows(ranked, mean_label):
    """Markdown rows of a cross-data-set ranking: "score % (rank)" per arm and
    data set, then the bold mean-rank row labelled ``mean_label``."""
    rows = []
    for d, name in enumerate(ranked.datasets):
        row = {"data set": name}
        for a, arm in enumerate(ranked.arms):
            row[arm] = f"{100 * ranked.table[d, a]:.1f} ({ranked.ranks[d, a]:g})"
        rows.append(row)
    rows.append(
        {"data set": f"**{mean_label}**"}
        | {arm: f"**{m:.2f}**" for arm, m in zip(ranked.arms, ranked.mean_ranks)}
    )
    return rows


def write_ranking_csv(path, ranked):
    """One row per (data set, arm): its mean score and its rank."""
    _write_csv(
        path,
        [
            {
                "dataset": name,
                "arm": arm,
                "score": ranked.table[d, a],
                "rank": ranked.ranks[d, a],
            }
            for d, name in enumerate(ranked.datasets)
            for a, arm in enumerate(ranked.arms)
        ],
    )


def format_warnings(sources):
    """One line per (group, message) with its count, e.g. for the CLI."""
    lines = []
    for suffix, by_group in sources:
        for group, counts in by_group.items():
            for message, n in counts.items():
                lines.append(f"{group}{suffix}: {message} (x{n})")
    return lines


def _sweep_table(sweep):
    rows = []
    for s in sweep.summary:
        row = {"method": s["method"], "n_synthetic": s["n_synthetic"]}
        for label in sweep.labels:
            row[f"F1 {label}"] = format_mean_std(
                s[f"f1_{label}_mean"], s[f"f1_{label}_std"]
            )
        rows.append(row)
    return format_markdown_table(rows, list(rows[0]))
