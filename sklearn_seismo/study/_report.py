"""Write a study (and sweep) result as Markdown, CSV and PNG files.

:func:`write_report` puts together the tables (``_report_tables.py``), the
figures (``_report_plots.py``) and the conclusion (``_conclusion.py``). The
names of those modules stay importable from here, where the other modules
and the tests import them.
"""

import json
import os
import warnings

import numpy as np

from ._conclusion import conclusion_statements, suite_threshold_free_section
from ._report_plots import (
    _curve_arms,
    plot_per_class_f1,
    plot_precision_recall,
    plot_reliability,
    plot_sweep,
)
from ._report_tables import (
    _comparison_table,
    _metric_tables,
    _sweep_table,
    _write_csv,
    format_study_table,
    format_threshold_free_table,
    format_warnings,
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
