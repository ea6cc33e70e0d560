"""Per-fold scores, cross-fold summaries and paired fold comparisons.

Everything is computed by scikit-learn, imbalanced-learn and SciPy; this module
only arranges their results the way the SeismoGlow paper reports them (per-class
mean +- std over folds, Tables 1 and 2) and pairs folds for a Wilcoxon test.
Results are plain lists of dicts so that no DataFrame library is needed; they
convert to one with ``pandas.DataFrame(rows)`` when pandas is at hand.
"""

import math
import warnings
from numbers import Integral

import numpy as np

__all__ = [
    "OVERALL_METRICS",
    "fold_scores",
    "summarize_folds",
    "per_class_table",
    "paired_comparison",
    "compare_to_reference",
    "format_mean_std",
    "format_markdown_table",
]

#: Names of the overall scores of :func:`fold_scores`. ``f1_macro`` is the
#: unweighted mean of the per-class F1; ``*_weighted`` weights by support, which
#: is how the paper's Table 2 overall numbers behave on an imbalanced set.
OVERALL_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "gmean",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "precision_weighted",
    "recall_weighted",
    "f1_weighted",
)
PER_CLASS_METRICS = ("precision", "recall", "f1", "support")


def _class_key(metric, label):
    return f"{metric}_{label}"


def fold_scores(y_true, y_pred, *, labels=None):
    """Scores of one cross-validation fold as a flat dict.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels of the test fold.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, default=None
        Classes to report, in this order. Give the classes of the whole data
        set so that every fold reports the same keys even when a class is
        missing from a fold. ``None`` uses the sorted union of ``y_true`` and
        ``y_pred``.

    Returns
    -------
    scores : dict
        ``accuracy``, ``balanced_accuracy``, ``gmean`` (geometric mean of the
        per-class recalls), ``precision_macro``, ``recall_macro``,
        ``f1_macro``, their ``*_weighted`` versions, and for every class
        ``precision_<label>``, ``recall_<label>``, ``f1_<label>`` and
        ``support_<label>``. Undefined ratios (no predicted or no true sample of
        a class) count as 0, as in scikit-learn with ``zero_division=0``.

    See Also
    --------
    sklearn.metrics.precision_recall_fscore_support
    imblearn.metrics.geometric_mean_score

    Examples
    --------
    >>> s = fold_scores(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    >>> round(s["f1_a"], 3), round(s["recall_b"], 3), s["support_a"]
    (0.667, 1.0, 2)
    >>> round(s["accuracy"], 2), round(s["gmean"], 3)
    (0.75, 0.707)
    """
    from imblearn.metrics import geometric_mean_score
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        precision_recall_fscore_support,
    )

    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            "y_true and y_pred must be 1-D arrays of the same length, got shapes "
            f"{y_true.shape} and {y_pred.shape}; pass the labels of one fold."
        )
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    labels = list(labels)
    p, r, f, s = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0.0
    )
    scores = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        # Classes absent from this fold's y_true would make sklearn warn and
        # ignore them; the per-class recalls below stay the reference.
        "balanced_accuracy": _quiet(balanced_accuracy_score, y_true, y_pred),
        "gmean": _quiet(
            geometric_mean_score, y_true, y_pred, labels=labels, average="multiclass"
        ),
    }
    for avg in ("macro", "weighted"):
        pa, ra, fa, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=avg, zero_division=0.0
        )
        scores[f"precision_{avg}"] = float(pa)
        scores[f"recall_{avg}"] = float(ra)
        scores[f"f1_{avg}"] = float(fa)
    for i, label in enumerate(labels):
        scores[_class_key("precision", label)] = float(p[i])
        scores[_class_key("recall", label)] = float(r[i])
        scores[_class_key("f1", label)] = float(f[i])
        scores[_class_key("support", label)] = int(s[i])
    return scores


#: What scikit-learn says of a class absent from y_true (and nothing else).
_ABSENT_CLASS = (
    r"y_pred contains classes not in y_true"
    r"|Recall is ill-defined and being set to 0\.0 in labels with no true samples"
)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_ABSENT_CLASS, category=UserWarning)
        return float(func(*args, **kwargs))


def _metric_names(rows, exclude):
    names = []
    for row in rows:
        for key, value in row.items():
            if key in exclude or key in names:
                continue
            if isinstance(value, (float, Integral, np.floating, np.integer)) and not (
                isinstance(value, bool)
            ):
                names.append(key)
    return names


def _group(rows, by):
    groups = {}
    for row in rows:
        key = row[by] if isinstance(by, str) else tuple(row[b] for b in by)
        groups.setdefault(key, []).append(row)
    return groups


def _group_keys(by, name):
    return {by: name} if isinstance(by, str) else dict(zip(by, name))


def summarize_folds(scores, *, by="arm", metrics=None, exclude=("fold",)):
    """Mean and standard deviation over folds of every numeric score.

    Parameters
    ----------
    scores : list of dict
        One dict per (group, fold), e.g. the ``scores`` of
        :func:`sklearn_seismo.study.run_study` or dicts from
        :func:`fold_scores` with a group key added.
    by : str or tuple of str, default="arm"
        Key(s) that name the group (one output row per group, in order of first
        appearance), e.g. ``("method", "n_synthetic")``.
    metrics : list of str, default=None
        Keys to summarize. ``None`` takes every numeric key except ``by`` and
        ``exclude``.
    exclude : tuple of str, default=("fold",)
        Numeric keys that are not scores.

    Returns
    -------
    rows : list of dict
        Per group: the ``by`` key(s), ``n_folds`` (folds with finite scores), and
        ``<metric>_mean`` / ``<metric>_std`` for every metric. Folds whose score
        is NaN (a failed fold) are left out of the mean; the standard deviation
        is the population one (``ddof=0``) over folds, as reported in the paper.

    Examples
    --------
    >>> nan = float("nan")
    >>> rows = [{"arm": "a", "fold": 0, "f1": 0.5}, {"arm": "a", "fold": 1, "f1": 0.7},
    ...         {"arm": "b", "fold": 0, "f1": 0.9}, {"arm": "b", "fold": 1, "f1": nan}]
    >>> s = summarize_folds(rows)
    >>> s[0]["f1_mean"], round(s[0]["f1_std"], 3), s[0]["n_folds"]
    (0.6, 0.1, 2)
    >>> s[1]["f1_mean"], s[1]["n_folds"]
    (0.9, 1)
    """
    rows = list(scores)
    if metrics is None:
        by_keys = {by} if isinstance(by, str) else set(by)
        metrics = _metric_names(rows, exclude=set(exclude) | by_keys)
    out = []
    for name, group in _group(rows, by).items():
        summary = _group_keys(by, name)
        n_ok = 0
        for metric in metrics:
            values = np.array([row.get(metric, np.nan) for row in group], dtype=float)
            finite = values[np.isfinite(values)]
            n_ok = max(n_ok, finite.size)
            ok = finite.size > 0
            summary[f"{metric}_mean"] = float(finite.mean()) if ok else math.nan
            summary[f"{metric}_std"] = float(finite.std()) if ok else math.nan
        summary["n_folds"] = n_ok
        out.append(summary)
    return out


def per_class_table(scores, labels, *, by="arm", metrics=("precision", "recall", "f1")):
    """Per-class mean +- std over folds, shaped like Table 1 of SeismoGlow.

    Parameters
    ----------
    scores : list of dict
        Per-fold scores holding ``<metric>_<label>`` keys (see
        :func:`fold_scores`) and a ``by`` key.
    labels : array-like
        Classes, one table row per (group, class).
    by : str, default="arm"
        Key that names the group.
    metrics : tuple of str, default=("precision", "recall", "f1")
        Per-class metrics to report.

    Returns
    -------
    rows : list of dict
        ``by``, ``class``, ``n_folds`` and ``<metric>_mean`` / ``<metric>_std``.

    Examples
    --------
    >>> rows = [{"arm": "none", "f1_bad": 0.4, "f1_good": 0.9},
    ...         {"arm": "none", "f1_bad": 0.6, "f1_good": 0.9}]
    >>> t = per_class_table(rows, ["good", "bad"], metrics=("f1",))
    >>> [(r["class"], r["f1_mean"], round(r["f1_std"], 2)) for r in t]
    [('good', 0.9, 0.0), ('bad', 0.5, 0.1)]
    """
    out = []
    for name, group in _group(list(scores), by).items():
        for label in labels:
            keys = [_class_key(m, label) for m in metrics]
            summary = summarize_folds(group, by=by, metrics=keys)[0]
            row = {by: name, "class": label, "n_folds": summary["n_folds"]}
            for metric, key in zip(metrics, keys):
                row[f"{metric}_mean"] = summary[f"{key}_mean"]
                row[f"{metric}_std"] = summary[f"{key}_std"]
            out.append(row)
    return out


def paired_differences(a, b, *, unit="folds"):
    """``a - b`` over the pairs where both scores are finite.

    Parameters
    ----------
    a, b : array-like of shape (n,)
        Scores of two methods on the same ``n`` folds (or splits).
    unit : str, default="folds"
        What a pair is called in the error message.

    Returns
    -------
    d : ndarray of shape (n_finite,)

    Examples
    --------
    >>> paired_differences([0.5, 0.7, float("nan")], [0.4, 0.7, 0.1])
    array([0.1, 0. ])
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(
            f"paired scores need the same number of {unit}, got {a.size} and "
            f"{b.size}; score both methods on the same {unit}."
        )
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep] - b[keep]


def paired_comparison(a, b, *, alternative="two-sided"):
    """Compare two methods scored on the same folds: mean difference and Wilcoxon.

    Parameters
    ----------
    a, b : array-like of shape (n_folds,)
        Scores of two methods, fold ``i`` of ``a`` paired with fold ``i`` of
        ``b``. Pairs where either score is NaN (a failed fold) are dropped.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        Passed to :func:`scipy.stats.wilcoxon` (``"greater"``: ``a`` better).

    Returns
    -------
    result : dict
        ``n`` (paired folds used), ``mean_diff`` (mean of ``a - b``),
        ``std_diff``, ``n_wins`` / ``n_losses`` / ``n_ties``, ``statistic`` and
        ``p_value`` of the Wilcoxon signed-rank test, and ``note`` (empty string
        or why the p-value is what it is). All differences zero gives
        ``p_value=1.0`` (no evidence of a difference; SciPy cannot rank zero
        differences). Fewer than 2 pairs gives ``p_value=nan``. When the
        smallest p-value reachable with ``k`` non-zero differences
        (``2 / 2**k`` two-sided) is above 0.05, the note says so.

    See Also
    --------
    scipy.stats.wilcoxon

    Examples
    --------
    >>> r = paired_comparison([0.6, 0.7, 0.8, 0.9, 0.7, 0.8],
    ...                       [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    >>> round(r["mean_diff"], 3), round(r["p_value"], 5), r["n_wins"]
    (0.25, 0.03125, 6)
    >>> r = paired_comparison([0.5, 0.5], [0.5, 0.5])
    >>> r["p_value"], r["note"]
    (1.0, 'all paired differences are zero')
    """
    from scipy.stats import wilcoxon

    d = paired_differences(a, b)
    n = int(d.size)
    result = {
        "n": n,
        "mean_diff": float(d.mean()) if n else math.nan,
        "std_diff": float(d.std()) if n else math.nan,
        "n_wins": int((d > 0).sum()),
        "n_losses": int((d < 0).sum()),
        "n_ties": int((d == 0).sum()),
        "statistic": math.nan,
        "p_value": math.nan,
        "note": "",
    }
    notes = []
    if n < np.size(a):
        notes.append(f"{np.size(a) - n} fold(s) without a finite score dropped")
    if n < 2:
        notes.append(f"too few paired folds ({n}) for a Wilcoxon test")
    elif np.all(d == 0):
        result["p_value"] = 1.0
        notes.append("all paired differences are zero")
    else:
        res = wilcoxon(d, alternative=alternative)
        result["statistic"] = float(res.statistic)
        result["p_value"] = float(res.pvalue)
        n_nonzero = int((d != 0).sum())
        # the exact test's smallest p: every difference of one sign
        p_min = min(1.0, (2 if alternative == "two-sided" else 1) / 2**n_nonzero)
        if p_min >= 1:
            notes.append(
                f"only {n_nonzero} non-zero difference: the test cannot detect "
                "anything (p is 1 whatever the scores)"
            )
        elif p_min > 0.05:
            notes.append(
                f"only {n_nonzero} non-zero differences: the smallest reachable "
                f"p-value is {p_min:.3g}, so p < 0.05 is impossible"
            )
    result["note"] = "; ".join(notes)
    return result


def compare_to_reference(
    scores, *, reference, metrics, by="arm", fold_key="fold", alternative="two-sided"
):
    """Paired comparison of every group against a reference group, fold by fold.

    Parameters
    ----------
    scores : list of dict
        Per-fold scores with a ``by`` key and a ``fold_key``.
    reference : str
        Group every other group is compared with (e.g. ``"none"``).
    metrics : list of str
        Score keys to compare (e.g. ``["f1_bad", "f1_macro"]``).
    by : str, default="arm"
    fold_key : str, default="fold"
        Key that pairs the folds.
    alternative : str, default="two-sided"
        See :func:`paired_comparison`.

    Returns
    -------
    rows : list of dict
        One row per (group, metric): ``by``, ``reference``, ``metric`` and the
        keys of :func:`paired_comparison`. The reference itself is skipped;
        an empty list when the reference is absent.

    Examples
    --------
    >>> rows = [{"arm": arm, "fold": i, "f1": v}
    ...         for arm, vals in [("none", [.5, .5, .6]), ("glow", [.7, .6, .6])]
    ...         for i, v in enumerate(vals)]
    >>> r = compare_to_reference(rows, reference="none", metrics=["f1"])
    >>> r[0]["arm"], round(r[0]["mean_diff"], 3), r[0]["n"]
    ('glow', 0.1, 3)
    """
    groups = _group(list(scores), by)
    if reference not in groups:
        return []
    ref = {row[fold_key]: row for row in groups[reference]}
    out = []
    for name, group in groups.items():
        if name == reference:
            continue
        mine = {row[fold_key]: row for row in group}
        folds = [f for f in ref if f in mine]
        for metric in metrics:
            a = [mine[f].get(metric, math.nan) for f in folds]
            b = [ref[f].get(metric, math.nan) for f in folds]
            row = {by: name, "reference": reference, "metric": metric}
            row.update(paired_comparison(a, b, alternative=alternative))
            out.append(row)
    return out


def format_mean_std(mean, std, *, scale=100.0, digits=1):
    """Format ``mean +- std`` as in the paper's tables (percent by default).

    Examples
    --------
    >>> format_mean_std(0.9512, 0.0057)
    '95.1 ± 0.6'
    >>> format_mean_std(float("nan"), float("nan"))
    'n/a'
    """
    if not np.isfinite(mean):
        return "n/a"
    return f"{mean * scale:.{digits}f} ± {std * scale:.{digits}f}"


def format_markdown_table(rows, columns, *, headers=None):
    """Render rows (dicts) as a GitHub Markdown table.

    Parameters
    ----------
    rows : list of dict
    columns : list of str
        Keys to show, in order. Floats are shown with 4 significant digits.
    headers : list of str, default=None
        Column titles; defaults to ``columns``.

    Returns
    -------
    table : str

    Examples
    --------
    >>> print(format_markdown_table([{"arm": "glow", "p": 0.01234}], ["arm", "p"]))
    | arm | p |
    |---|---|
    | glow | 0.01234 |
    """
    headers = list(columns) if headers is None else list(headers)
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    for row in rows:
        cells = []
        for col in columns:
            value = row.get(col, "")
            if isinstance(value, (float, np.floating)):
                value = "n/a" if not np.isfinite(value) else f"{value:.4g}"
            cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
