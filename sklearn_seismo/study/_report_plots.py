"""The study report's figures: per-class F1, precision-recall, reliability, sweep.

matplotlib is imported inside each function: it is optional, and
:func:`~sklearn_seismo.study.write_report` skips the PNG files without it.
"""

import numpy as np

from ..metrics import mean_precision_recall_curve, pooled_reliability_curve
from ._report_tables import _summary_by_arm

__all__ = [
    "plot_per_class_f1",
    "plot_precision_recall",
    "plot_reliability",
    "plot_sweep",
    "save_critical_difference",
]


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


def save_critical_difference(ranked, path, title):
    """Write the critical-difference diagram of a ranking to ``path``.

    Returns False, writing nothing, when there is no diagram to draw (fewer
    than 2 arms, or no finite critical difference) or matplotlib is not
    installed.
    """
    if len(ranked.arms) < 2 or not np.isfinite(ranked.cd):
        return False
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        from ..metrics import plot_critical_difference
    except ImportError:
        return False
    fig = plot_critical_difference(
        ranked.mean_ranks, ranked.arms, ranked.cd, title=title
    )
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return True
