"""Write a study (and sweep) result as Markdown, CSV and PNG files."""

import csv
import json
import math
import os
import warnings

import numpy as np

from ..metrics import (
    compare_to_reference,
    format_markdown_table,
    format_mean_std,
    holm,
    mean_precision_recall_curve,
    pooled_reliability_curve,
)

__all__ = [
    "write_report",
    "conclusion_statements",
    "suite_threshold_free_section",
    "format_study_table",
    "format_threshold_free_table",
    "plot_per_class_f1",
    "plot_precision_recall",
    "plot_reliability",
    "plot_sweep",
    "format_warnings",
    "REPORT_FILES",
]

#: Files written by :func:`write_report` (the sweep ones only with a sweep, the
#: PNG ones only when matplotlib is installed, the precision-recall and
#: reliability ones and ``probabilities.npz`` only when the arms' classifiers
#: have ``predict_proba``).
REPORT_FILES = (
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
)


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
                f"{100 * cmp_['mean_diff']:+.1f} ({_fmt_p(cmp_['p_value'])})"
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


def _fmt_p(p):
    if p is None or not np.isfinite(p):
        return "p=n/a"
    return f"p={p:.3g}"


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
            "Wilcoxon p": _fmt_p(r["p_value"])[2:],
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
                f"{100 * cmp_['mean_diff']:+.1f} ({_fmt_p(cmp_['p_value'])})"
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


def _curve_folds(result, arm):
    """(is_minority, probability) of every fitted fold of one arm."""
    return [
        (r["rare_true"], r["rare_proba"])
        for r in result.scores
        if r["arm"] == arm and not r.get("error") and r.get("rare_proba") is not None
    ]


def _curve_arms(result):
    return [arm for arm in result.arms if _curve_folds(result, arm)]


def _arm_styles(arms):
    # tab10 has 10 colours; arms beyond it change the line style instead
    styles = ("-", "--", ":")
    return {
        arm: {"color": f"C{i % 10}", "linestyle": styles[(i // 10) % 3]}
        for i, arm in enumerate(arms)
    }


def plot_precision_recall(result, ax=None, *, n_points=101):
    """Precision-recall curve of the minority class, one line per arm.

    Each arm's line is the mean over its folds of the fold's curve read at a
    common recall grid (:func:`sklearn_seismo.metrics.mean_precision_recall_curve`:
    vertical averaging, with the step rule of average precision), so the
    area under a line is close to the arm's mean AP of the tables, given in
    the legend. The dotted line is the precision of a random ranking (the
    class's share of the test folds).

    Parameters
    ----------
    result : Bunch
        Output of :func:`run_study` with the folds' probabilities
        (``rare_proba`` in its rows).
    ax : matplotlib Axes, default=None
    n_points : int, default=101
        Recall grid.

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(5.6, 4.2))
    else:
        fig = ax.figure
    arms = _curve_arms(result)
    styles = _arm_styles(result.arms)
    shares, n_folds = [], 0
    for arm in arms:
        curve = mean_precision_recall_curve(
            _curve_folds(result, arm), rare_class=True, n_points=n_points
        )
        if not curve.n_folds:
            continue
        n_folds = max(n_folds, curve.n_folds)
        shares.append(curve.prevalence)
        ax.plot(
            curve.recall,
            curve.precision,
            label=f"{arm} (AP {100 * np.mean(curve.average_precision):.1f})",
            **styles[arm],
        )
    if shares:
        ax.axhline(np.mean(shares), color="grey", linestyle=":", label="random ranking")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(f"recall of '{result.minority}'")
    ax.set_ylabel(f"precision of '{result.minority}'")
    ax.set_title(
        f"Precision-recall of '{result.minority}', mean over {n_folds} test sets"
    )
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def plot_reliability(result, ax=None, *, n_bins=10):
    """Reliability diagram of the minority class's probability, one line per arm.

    Each arm's test-fold predictions are pooled and binned by predicted
    probability (:func:`sklearn_seismo.metrics.pooled_reliability_curve`,
    ``n_bins`` equal-width bins, empty ones left out); a point is a bin's mean
    predicted probability against the observed share of the class in it. A
    calibrated model lies on the diagonal; the legend gives the Brier score of
    the pooled predictions.

    Parameters
    ----------
    result : Bunch
        Output of :func:`run_study` with the folds' probabilities.
    ax : matplotlib Axes, default=None
    n_bins : int, default=10

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(5.6, 4.2))
    else:
        fig = ax.figure
    styles = _arm_styles(result.arms)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="calibrated")
    n_folds = 0
    for arm in _curve_arms(result):
        folds = _curve_folds(result, arm)
        n_folds = max(n_folds, len(folds))
        curve = pooled_reliability_curve(folds, rare_class=True, n_bins=n_bins)
        ax.plot(
            curve.prob_pred,
            curve.prob_true,
            marker="o",
            markersize=3,
            label=f"{arm} (Brier {curve.brier:.3f})",
            **styles[arm],
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(f"predicted probability of '{result.minority}'")
    ax.set_ylabel(f"observed share of '{result.minority}'")
    ax.set_title(f"Reliability, {n_folds} test sets pooled, {n_bins} bins")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _write_probabilities(path, result):
    """``probabilities.npz``: the minority's probability of every test sample.

    Flat arrays, one entry per (arm, fold, test sample): ``arm``, ``fold``,
    ``rare_true`` and ``rare_proba``, plus ``rare_class``. Written with a
    fixed date in the zip entries (``numpy.savez`` stamps the current time),
    so that two identical runs write identical bytes.
    """
    import io
    import zipfile

    rows = [r for r in result.scores if r.get("rare_proba") is not None]
    sizes = [len(r["rare_proba"]) for r in rows]
    arrays = {
        "arm": np.repeat(np.array([str(r["arm"]) for r in rows]), sizes),
        "fold": np.repeat(np.array([r["fold"] for r in rows]), sizes),
        "rare_true": np.concatenate([r["rare_true"] for r in rows]).astype(bool),
        "rare_proba": np.concatenate([r["rare_proba"] for r in rows]).astype(float),
        "rare_class": np.asarray(result.minority),
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            buf = io.BytesIO()
            np.save(buf, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


def write_report(result, out_dir, *, sweep=None, config=None, timing=None, title=None):
    """Write a study result (and optionally a sweep) into ``out_dir``.

    Files: ``report.md`` (the tables, the conclusion of
    :func:`conclusion_statements`, paired comparisons, failures, setup),
    ``scores.csv`` (one row per arm and fold), ``summary.csv`` (mean and std
    per arm), ``per_class.csv`` (Table 1 layout), ``comparisons.csv``,
    ``f1_per_class.png`` (bar chart with error bars); when the folds carry
    the minority's probabilities (classifiers with ``predict_proba``) also
    ``precision_recall.png`` (:func:`plot_precision_recall`),
    ``reliability.png`` (:func:`plot_reliability`) and ``probabilities.npz``
    (arrays ``arm``, ``fold``, ``rare_true``, ``rare_proba`` per test sample,
    and ``rare_class``: the numbers behind the AP and Brier columns); with a sweep also
    ``sweep.csv``, ``sweep_summary.csv`` and ``sweep.png`` (F1 of every class
    against the number of synthetic samples); ``config.json`` with
    ``config`` and ``timing.json`` with ``timing``, kept apart so that two runs
    of the same configuration write identical files except ``timing.json``, the
    fit times of the CSV files and ``report.md``. PNG files need matplotlib;
    without it they are skipped with a warning.

    Parameters
    ----------
    result : Bunch
        Output of :func:`run_study`.
    out_dir : str or path
        Created if missing; existing files of the same names are replaced.
    sweep : Bunch, default=None
        Output of :func:`run_sweep`.
    config : dict, default=None
        The settings of the run, stored as ``config.json`` and in the report.
    timing : dict, default=None
        Date and wall times of the run, stored as ``timing.json`` and in the
        report.
    title : str, default=None
        Title of ``report.md``.

    Returns
    -------
    paths : dict of str -> str
        File name -> path of every file written.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = {}

    def path(name):
        paths[name] = os.path.join(out_dir, name)
        return paths[name]

    _write_csv(path("scores.csv"), result.scores)
    _write_csv(path("summary.csv"), result.summary)
    _write_csv(path("per_class.csv"), result.per_class)
    _write_csv(path("comparisons.csv"), result.comparisons)
    curves = bool(_curve_arms(result))
    if curves:
        _write_probabilities(path("probabilities.npz"), result)
    if sweep is not None:
        _write_csv(path("sweep.csv"), sweep.scores)
        _write_csv(path("sweep_summary.csv"), sweep.summary)
    for name, content in (("config.json", config), ("timing.json", timing)):
        if content is not None:
            with open(path(name), "w", encoding="utf-8") as fh:
                json.dump(content, fh, indent=2, default=str)

    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        warnings.warn("matplotlib is not installed: PNG plots skipped.")
        plt = None
    if plt is not None:
        fig = plot_per_class_f1(result)
        fig.savefig(path("f1_per_class.png"), dpi=120, bbox_inches="tight")
        plt.close(fig)
        if curves:
            for name, plot in (
                ("precision_recall.png", plot_precision_recall),
                ("reliability.png", plot_reliability),
            ):
                fig = plot(result)
                fig.savefig(path(name), dpi=120, bbox_inches="tight")
                plt.close(fig)
        if sweep is not None:
            fig = plot_sweep(sweep)
            fig.savefig(path("sweep.png"), dpi=120, bbox_inches="tight")
            plt.close(fig)

    md = [f"# {title or 'SeismoGlow study'}", ""]
    n_folds = len(getattr(result, "folds", ())) or "?"
    md.append(
        f"{len(result.scores) // max(len(result.arms), 1)} folds x "
        f"{len(result.arms)} arms; minority class `{result.minority}`, "
        f"{result.get('n_synthetic', '?')} synthetic samples per training fold, "
        f"sample shape {tuple(result.get('sample_shape', ()))}, folds: {n_folds}."
    )
    md += ["", "## Headline", "", format_study_table(result), ""]
    md += ["## Conclusion", "", *conclusion_statements(result), ""]
    md += ["## Tables", ""]
    for part in _metric_tables(result):
        md += [part, ""]
    for reference in ("none", "glow"):
        part = _comparison_table(result, reference)
        if part:
            md += [part, ""]
    threshold_free = format_threshold_free_table(result)
    if threshold_free:
        md += [
            f"## Threshold-free and calibration scores of `{result.minority}`",
            "",
            "Average precision (area under the class's precision-recall curve, "
            "%) does not depend on the decision threshold; the Brier score "
            "(lower is better) and the reliability diagram say whether the "
            "class's probability can be read as a frequency. The curves are "
            "the mean over folds of each fold's curve; the reliability diagram "
            "pools the folds' predictions. Per-sample probabilities: "
            "`probabilities.npz`.",
            "",
            threshold_free,
            "",
        ]
    md += _issues(result, sweep)
    if plt is not None:
        md += ["## Plots", "", "![per-class F1](f1_per_class.png)", ""]
        if curves:
            md += [
                "![precision-recall](precision_recall.png)",
                "",
                "![reliability](reliability.png)",
                "",
            ]
        if sweep is not None:
            md += ["![sweep](sweep.png)", ""]
    if sweep is not None:
        md += ["## Sweep (F1 per class, mean over runs)", "", _sweep_table(sweep), ""]
    for name, content in (("Setup", config), ("Timing", timing)):
        if content is not None:
            md += [
                f"## {name}",
                "",
                "```json",
                json.dumps(content, indent=2, default=str),
                "```",
                "",
            ]
    with open(path("report.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(md))
    return paths


def _issues(result, sweep=None):
    """Report sections on what did not run as asked, and the fits' warnings."""
    md = []
    skipped_arms = dict(result.get("skipped_arms") or {})
    notes = list(result.get("notes") or [])
    if sweep is not None:
        for method, reason in (sweep.get("skipped_methods") or {}).items():
            skipped_arms.setdefault(f"{method} (sweep)", reason)
        notes += [f"sweep: {n}" for n in sweep.get("notes") or []]
    if skipped_arms or result.get("skipped_folds") or notes:
        md += ["## Adjustments to the data", ""]
        md += [f"- arm `{arm}` skipped: {why}" for arm, why in skipped_arms.items()]
        md += [
            f"- fold {r['fold']} not fitted nor averaged: {r['reason']}"
            for r in result.get("skipped_folds") or []
        ]
        md += [f"- {note}" for note in notes]
        md.append("")
    if result.errors:
        md += ["## Failed fits (not averaged)", ""]
        for row in result.errors:
            md.append(f"- arm `{row['arm']}`, fold {row['fold']}: {row['error']}")
        md.append("")
    sources = [("", result.get("warnings") or {})]
    if sweep is not None:
        sources.append((" (sweep)", sweep.get("warnings") or {}))
    lines = format_warnings(sources)
    if lines:
        md += ["## Warnings raised by the fits (message: count)", ""]
        md += [f"- {line}" for line in lines]
        md.append("")
    return md


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


def plot_per_class_f1(result, ax=None):
    """Bar chart of the per-class F1 (mean, error bar = std over folds)."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(1.2 + 1.1 * len(result.arms), 3.6))
    else:
        fig = ax.figure
    summary = _summary_by_arm(result)
    n = len(result.labels)
    width = 0.8 / n
    x = np.arange(len(result.arms))
    for i, label in enumerate(result.labels):
        mean = [summary[a][f"f1_{label}_mean"] for a in result.arms]
        std = [summary[a][f"f1_{label}_std"] for a in result.arms]
        ax.bar(
            x + (i - (n - 1) / 2) * width,
            mean,
            width,
            yerr=std,
            capsize=2,
            label=str(label),
        )
    ax.set_xticks(x, result.arms, rotation=30, ha="right")
    ax.set_ylabel("F1 (mean ± std over folds)")
    ax.set_ylim(0, 1.05)
    ax.legend(
        title="class", fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0)
    )
    ax.set_title(f"Per-class F1, {len(result.scores) // len(result.arms)} folds")
    return fig


def plot_sweep(sweep):
    """F1 of every class against the number of synthetic samples (Figure 4)."""
    import matplotlib.pyplot as plt

    labels = sweep.labels
    fig, axes = plt.subplots(
        1, len(labels), figsize=(3.4 * len(labels), 3.2), sharey=False, squeeze=False
    )
    for ax, label in zip(axes[0], labels):
        for method in sweep.methods:
            rows = [s for s in sweep.summary if s["method"] == method]
            xs = np.array([r["n_synthetic"] for r in rows])
            m = np.array([r[f"f1_{label}_mean"] for r in rows])
            s = np.array([r[f"f1_{label}_std"] for r in rows])
            ax.plot(xs, m, marker="o", label=method)
            ax.fill_between(xs, m - s, m + s, alpha=0.2)
        ax.set_title(f"class {label}")
        ax.set_xlabel(f"synthetic samples of '{sweep.minority}'")
    axes[0][0].set_ylabel("F1 on the test split")
    axes[0][-1].legend(fontsize="small")
    fig.tight_layout()
    return fig


def _verdict(p, clear, no_evidence):
    if p is None or not np.isfinite(p):
        return "untested"
    if p < clear:
        return "clear"
    if p >= no_evidence:
        return "none"
    return "unsettled"


def _study_family(result, key, reference):
    """Holm-adjusted fold-paired Wilcoxon rows of a single study."""
    rows = [
        r
        for r in result.comparisons
        if r["reference"] == reference and r["metric"] == key
    ]
    adjusted = holm([r["p_value"] for r in rows]) if rows else []
    family = [dict(r, p_holm=float(p), test="Wilcoxon") for r, p in zip(rows, adjusted)]
    # the exact test's smallest two-sided p with n paired folds is 2 / 2**n;
    # Holm multiplies the smallest of m by m
    n = max((r["n"] for r in rows), default=0)
    floor = min(1.0, len(rows) * 2.0 / 2**n) if n else 1.0
    return family, floor


def conclusion_statements(
    result,
    *,
    metric="f1_minority",
    reference="none",
    alpha=0.05,
    clear=None,
    no_evidence=None,
):
    """What a run shows, stated only where a rerun cannot reverse it.

    Every arm is compared with ``reference`` on ``metric``: by the suite's
    paired t-test over its training sets (Holm-adjusted over the arms, as in
    its report), or, for a single study, by the fold-paired Wilcoxon test,
    Holm-adjusted here. A p-value near ``alpha`` says little: rerunning the
    job after a change of the last bits of arithmetic (another BLAS, another
    thread count, a reordered sum) retrains every network and moves it. In the
    quick suite such a change moved Holm-adjusted p-values by a factor of up
    to 2.3 (glow on the waveform task, 0.14 to 0.06). So three verdicts:

    * **better** or **worse** than ``reference``: adjusted p below ``clear``
      (default ``alpha / 5``);
    * **no significant difference**: adjusted p at least ``no_evidence``
      (default ``2 * alpha``);
    * **not settled**: in between; named, but no direction is claimed. More
      training sets (``--seeds``) settle it.

    A reversal (better to no difference, or back) would need the p-value to
    cross the whole band, a factor of ``no_evidence / clear`` (10 by
    default). Where the design cannot reach ``clear`` at all (a 4-fold study:
    the smallest Wilcoxon p is 0.125), the statement says so instead of
    claiming no difference.

    Parameters
    ----------
    result : Bunch
        Output of :func:`run_study` or :func:`run_suite`.
    metric : str, default="f1_minority"
        ``"f1_minority"``, ``"average_precision_minority"`` (each data set's
        least frequent class) or any key of the fold scores.
    reference : str, default="none"
    alpha : float, default=0.05
    clear, no_evidence : float, default=None
        The band's bounds; ``None``: ``alpha / 5`` and ``2 * alpha``.

    Returns
    -------
    lines : list of str
        Markdown bullet points, one per data set (and one across data sets
        for a suite), after a first line that states the rule.

    Examples
    --------
    >>> from sklearn.utils import Bunch
    >>> tests = [{"arm": "random", "metric": "f1_bad", "n": 6, "mean_diff": 0.3,
    ...           "p_holm": 0.002},
    ...          {"arm": "glow", "metric": "f1_bad", "n": 6, "mean_diff": 0.25,
    ...           "p_holm": 0.045},
    ...          {"arm": "smote", "metric": "f1_bad", "n": 6, "mean_diff": 0.02,
    ...           "p_holm": 0.7}]
    >>> suite = Bunch(per_dataset={"easy": Bunch(tests=tests, minority="bad")},
    ...               ranking=None)
    >>> print(conclusion_statements(suite)[1])
    - `easy`: better than `none`: `random` (+30.0 pp, p=0.002); no significant \
difference: `smote`; not settled: `glow` (+25.0 pp, p=0.045).
    """
    clear = alpha / 5 if clear is None else float(clear)
    no_evidence = 2 * alpha if no_evidence is None else float(no_evidence)
    if not 0 < clear <= alpha <= no_evidence <= 1:
        raise ValueError(
            f"need 0 < clear <= alpha <= no_evidence <= 1, got clear={clear}, "
            f"alpha={alpha}, no_evidence={no_evidence}."
        )
    suite = hasattr(result, "per_dataset")
    per_dataset = result.per_dataset if suite else {"this data set": result}
    families = {}
    for name, res in per_dataset.items():
        key = _metric_key(res, metric)
        if res.get("tests") is not None:
            # a data set of the suite: its own tests, already Holm-adjusted
            family = [
                r
                for r in res.tests
                if r["metric"] == key and r.get("reference", reference) == reference
            ]
            families[name] = (family, 0.0)
        else:
            families[name] = _study_family(res, key, reference)
    tests = {r.get("test") for family, _ in families.values() for r in family}
    tests.discard(None)
    lines = [
        f"Against `{reference}`, on {_metric_words(metric)} ({_test_words(tests)}, "
        "Holm-adjusted over the arms): "
        f"*better*/*worse* means p < {clear:g}, *no significant difference* "
        f"p ≥ {no_evidence:g}; in between is *not settled* (a rerun may move "
        "it either way; more training sets settle it)."
    ]
    for name, (family, floor) in families.items():
        if not family:
            lines.append(f"- `{name}`: no `{reference}` arm, nothing compared.")
            continue
        groups = {"clear": [], "none": [], "unsettled": [], "untested": []}
        for r in family:
            groups[_verdict(r["p_holm"], clear, no_evidence)].append(r)
        parts = []
        better = [r for r in groups["clear"] if r["mean_diff"] > 0]
        worse = [r for r in groups["clear"] if r["mean_diff"] < 0]
        for word, rows in (("better than", better), ("worse than", worse)):
            if rows:
                parts.append(f"{word} `{reference}`: " + _arm_list(rows))
        if groups["none"]:
            if floor >= clear:
                parts.append(
                    f"not testable here: with {max(r['n'] for r in family)} "
                    f"paired folds the smallest reachable adjusted p is "
                    f"{floor:.3g} (run more folds or the suite): "
                    + ", ".join(f"`{r['arm']}`" for r in groups["none"])
                )
            else:
                parts.append(
                    "no significant difference: "
                    + ", ".join(f"`{r['arm']}`" for r in groups["none"])
                )
        if groups["unsettled"]:
            parts.append("not settled: " + _arm_list(groups["unsettled"]))
        if groups["untested"]:
            parts.append(
                "no test (too few finite scores): "
                + ", ".join(f"`{r['arm']}`" for r in groups["untested"])
            )
        lines.append(f"- `{name}`: " + "; ".join(parts) + ".")
    if suite:
        lines.append(_ranking_statement(result, clear, no_evidence))
    return lines


def _metric_words(metric):
    names = {"f1": "F1", "average_precision": "average precision", "brier": "Brier"}
    if metric.endswith("_minority"):
        prefix = metric[: -len("_minority")]
        return f"the minority class's {names.get(prefix, prefix)}"
    return f"`{metric}`"


def _test_words(names):
    words = {
        "Wilcoxon": "fold-paired Wilcoxon test",
        "paired t": "paired t-test over the independent training sets",
        "corrected t": "Nadeau-Bengio corrected t-test over the splits",
    }
    return " / ".join(words.get(n, str(n)) for n in sorted(names, key=str)) or (
        "paired test"
    )


def _metric_key(res, metric):
    if metric.endswith("_minority"):
        return f"{metric[: -len('_minority')]}_{res.minority}"
    return metric


def _arm_list(rows):
    return ", ".join(
        f"`{r['arm']}` ({100 * r['mean_diff']:+.1f} pp, p={r['p_holm']:.2g})"
        for r in rows
    )


def _ranking_statement(result, clear, no_evidence):
    rk = result.get("ranking")
    if rk is None or rk.friedman is None:
        return "- Across data sets: nothing ranked."
    p = rk.friedman["p_value"]
    n = len(rk.datasets)
    verdict = _verdict(p, clear, no_evidence)
    if verdict == "untested":
        return f"- Across {n} data sets: no Friedman test ({rk.friedman['note']})."
    if verdict == "none":
        return (
            f"- Across {n} data sets: no significant difference of mean rank "
            f"on {rk.metric} (Friedman p={p:.2g})."
        )
    if verdict == "unsettled":
        return (
            f"- Across {n} data sets: the ranking on {rk.metric} is not settled "
            f"(Friedman p={p:.2g})."
        )
    pairs = ", ".join(f"`{a}` > `{b}`" for a, b in rk.significant_pairs)
    return (
        f"- Across {n} data sets the mean ranks on {rk.metric} differ (Friedman "
        f"p={p:.2g}); "
        + (
            f"pairs separated by the Nemenyi critical difference {rk.cd:.2f}: {pairs}."
            if pairs
            else f"no pair is separated by the Nemenyi critical difference {rk.cd:.2f}."
        )
    )


def suite_threshold_free_section(result, out_dir=None, paths=None):
    """The suite report's ranking on average precision, next to F1's.

    Ranks the arms on each data set's mean average precision of its minority
    class (``rank_arms(..., metric="average_precision_minority")``: mean
    ranks, Friedman test, Nemenyi critical difference) and sets its mean
    ranks next to those of the suite's own ranking (F1 by default). Average
    precision does not depend on the decision threshold, so an arm that
    ranks well on F1 but not on AP moved the boundary rather than the
    ranking of rare samples. Per-data-set AP tests against ``none`` are
    stated (:func:`conclusion_statements`) when the suite's tests include
    the AP metric.

    Parameters
    ----------
    result : Bunch
        Output of :func:`run_suite`.
    out_dir : str or path, default=None
        When given, ``ranking_average_precision.csv`` and (with matplotlib)
        ``cd_average_precision.png`` are written there.
    paths : dict, default=None
        Updated with the files written (name -> path).

    Returns
    -------
    lines : list of str
        Markdown lines; empty when no data set holds AP scores.
    """
    from ._suite import rank_arms

    ranked = rank_arms(
        result.per_dataset,
        arms=list(result.arms),
        metric="average_precision_minority",
        alpha=result.alpha,
    )
    if ranked.friedman is None:
        return []
    rk_f1 = result.get("ranking")
    md = [
        "## Across data sets: average precision",
        "",
        "Mean average precision of each data set's minority class over the "
        "splits, in % (rank within the data set; 1 = best). Average precision "
        "scores how well an arm ranks the rare samples, whatever the decision "
        "threshold:",
        "",
    ]
    rows = []
    for d, name in enumerate(ranked.datasets):
        row = {"data set": name}
        for a, arm in enumerate(ranked.arms):
            row[arm] = f"{100 * ranked.table[d, a]:.1f} ({ranked.ranks[d, a]:g})"
        rows.append(row)
    rows.append(
        {"data set": "**mean rank, AP**"}
        | {arm: f"**{m:.2f}**" for arm, m in zip(ranked.arms, ranked.mean_ranks)}
    )
    if rk_f1 is not None and rk_f1.mean_ranks is not None:
        f1_ranks = dict(zip(rk_f1.arms, rk_f1.mean_ranks))
        rows.append(
            {"data set": f"mean rank, {rk_f1.metric}"}
            | {
                arm: f"{f1_ranks[arm]:.2f}" if arm in f1_ranks else "—"
                for arm in ranked.arms
            }
        )
    md += [format_markdown_table(rows, ["data set", *ranked.arms]), ""]
    p = ranked.friedman["p_value"]
    md += [
        f"Friedman χ² = {ranked.friedman['statistic']:.3g}, p = {_fmt_p(p)[2:]} "
        f"({ranked.friedman['note'] or 'ok'}); Nemenyi critical difference "
        f"{ranked.cd:.2f} at α = {ranked.alpha}"
        + (
            ": " + ", ".join(f"`{a}` > `{b}`" for a, b in ranked.significant_pairs)
            if ranked.significant_pairs
            else "; no pair separated."
        ),
        "",
    ]
    if ranked.dropped:
        md += [f"Left out (no AP on some data set): {ranked.dropped}.", ""]
    has_tests = any(
        r["metric"].startswith("average_precision_")
        for res in result.per_dataset.values()
        for r in res.get("tests") or []
    )
    if has_tests:
        md += conclusion_statements(
            result, metric="average_precision_minority", alpha=result.alpha
        )[:-1]
        md.append("")
    if out_dir is not None:
        paths = {} if paths is None else paths
        name = "ranking_average_precision.csv"
        paths[name] = os.path.join(out_dir, name)
        _write_csv(
            paths[name],
            [
                {
                    "dataset": ds,
                    "arm": arm,
                    "score": ranked.table[d, a],
                    "rank": ranked.ranks[d, a],
                }
                for d, ds in enumerate(ranked.datasets)
                for a, arm in enumerate(ranked.arms)
            ],
        )
        md += [f"Scores and ranks: [{name}]({name})", ""]
        if len(ranked.arms) >= 2 and np.isfinite(ranked.cd):
            try:
                import matplotlib

                matplotlib.use("Agg", force=False)
                import matplotlib.pyplot as plt

                from ..metrics import plot_critical_difference
            except ImportError:
                return md
            fig = plot_critical_difference(
                ranked.mean_ranks,
                ranked.arms,
                ranked.cd,
                title=(
                    "mean rank of average precision over "
                    f"{len(ranked.datasets)} data sets"
                ),
            )
            name = "cd_average_precision.png"
            paths[name] = os.path.join(out_dir, name)
            fig.savefig(paths[name], dpi=120, bbox_inches="tight")
            plt.close(fig)
            md += [f"![critical difference, average precision]({name})", ""]
    return md
