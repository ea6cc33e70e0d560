"""Statistics for comparing methods across resamples and across data sets.

Within one data set, scores of repeated cross-validation splits are not
independent (training sets overlap): the corrected resampled t-test of Nadeau
and Bengio (2003) inflates the variance accordingly. Across data sets, methods
are compared by their mean ranks, the Friedman test and the Nemenyi critical
difference (Demšar 2006). SciPy does the distribution work.
"""

import math

import numpy as np

from ._report import paired_differences

__all__ = [
    "corrected_ttest",
    "critical_difference",
    "format_p_value",
    "friedman_test",
    "holm",
    "mean_ranks",
    "plot_critical_difference",
]


def corrected_ttest(a, b, *, n_train, n_test, alternative="two-sided"):
    """Nadeau-Bengio corrected resampled t-test of paired resampling scores.

    With ``d`` the ``J`` paired differences ``a - b`` (one per split, e.g.
    ``J = n_repeats * n_folds`` of repeated k-fold),

    ``t = mean(d) / sqrt((1 / J + n_test / n_train) * var(d, ddof=1))``

    with ``J - 1`` degrees of freedom. The ``n_test / n_train`` term accounts
    for the overlap of the training sets of different splits, which makes the
    plain paired t-test (and the Wilcoxon test) over-confident.

    Parameters
    ----------
    a, b : array-like of shape (n_splits,)
        Scores of two methods on the same splits. Pairs where either is NaN
        (a failed fit) are dropped.
    n_train, n_test : int
        Training and test sizes of one split (their mean for unequal splits).
        ``n_test=0`` drops the correction: the plain paired t-test, right for
        independent training sets (e.g. one fresh draw per seed).
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        ``"greater"``: ``a`` is better.

    Returns
    -------
    result : dict
        ``n`` (pairs used), ``mean_diff``, ``t``, ``df``, ``p_value`` and
        ``note``. Fewer than 2 pairs: ``t`` and ``p_value`` are NaN with a
        note. All differences equal: ``p_value`` is 1 when they are zero, 0
        otherwise (no variance to weigh them against), with a note.

    References
    ----------
    .. [1] Nadeau, C. and Bengio, Y. (2003). Inference for the generalization
       error. Machine Learning, 52(3), 239-281.
    .. [2] Bouckaert, R. R. and Frank, E. (2004). Evaluating the replicability
       of significance tests for comparing learning algorithms. PAKDD.

    See Also
    --------
    paired_comparison : The Wilcoxon signed-rank test of the same pairs.

    Examples
    --------
    >>> r = corrected_ttest([0.8, 0.7, 0.9, 0.8], [0.7, 0.7, 0.7, 0.6],
    ...                     n_train=90, n_test=10)
    >>> round(r["t"], 4), r["df"], round(r["p_value"], 4)
    (2.1726, 3, 0.1182)
    """
    from scipy.stats import t as student_t

    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(
            f"alternative must be 'two-sided', 'greater' or 'less', got "
            f"{alternative!r}."
        )
    if not (n_train > 0 and n_test >= 0):
        raise ValueError(
            f"n_train must be positive and n_test non-negative (sizes of one "
            f"split), got n_train={n_train}, n_test={n_test}."
        )
    d = paired_differences(a, b, unit="splits")
    J = int(d.size)
    result = {
        "n": J,
        "mean_diff": float(d.mean()) if J else math.nan,
        "t": math.nan,
        "df": J - 1,
        "p_value": math.nan,
        "note": "",
    }
    notes = []
    if J < np.size(a):
        notes.append(f"{np.size(a) - J} split(s) without a finite score dropped")
    if J < 2:
        notes.append(f"too few paired splits ({J}) for a t-test")
        result["note"] = "; ".join(notes)
        return result
    var = float(d.var(ddof=1))
    mean = result["mean_diff"]
    if var == 0.0:
        notes.append("all paired differences are equal")
        result["t"] = 0.0 if mean == 0 else math.copysign(math.inf, mean)
        if mean == 0:
            result["p_value"] = 1.0
        else:
            better = mean > 0
            wanted = {"two-sided": True, "greater": better, "less": not better}
            result["p_value"] = 0.0 if wanted[alternative] else 1.0
        result["note"] = "; ".join(notes)
        return result
    t = mean / math.sqrt((1.0 / J + n_test / n_train) * var)
    df = J - 1
    if alternative == "two-sided":
        p = 2.0 * student_t.sf(abs(t), df)
    elif alternative == "greater":
        p = student_t.sf(t, df)
    else:
        p = student_t.cdf(t, df)
    result.update(t=float(t), p_value=float(min(1.0, p)))
    result["note"] = "; ".join(notes)
    return result


def holm(p_values):
    """Holm's step-down adjustment of a family of p-values.

    The ``m`` finite p-values are sorted, the ``i``-th smallest (from 0) is
    multiplied by ``m - i``, a running maximum keeps the adjusted values in
    the order of the raw ones, and the result is capped at 1. Comparing the
    adjusted values with ``alpha`` controls the family-wise error rate at
    ``alpha`` (Holm 1979) without assuming independent tests. NaN entries (a
    test that could not run) stay NaN and do not count in ``m``.

    Parameters
    ----------
    p_values : array-like of shape (n_tests,)
        Raw p-values of one family of tests, e.g. every arm against the
        reference on one metric.

    Returns
    -------
    adjusted : ndarray of shape (n_tests,)
        Holm-adjusted p-values, in the order of ``p_values``.

    References
    ----------
    .. [1] Holm, S. (1979). A simple sequentially rejective multiple test
       procedure. Scandinavian Journal of Statistics, 6(2), 65-70.

    See Also
    --------
    corrected_ttest : The test whose p-values the study suite adjusts.

    Examples
    --------
    >>> holm([0.01, 0.04, float("nan"), 0.03]).round(4).tolist()
    [0.03, 0.06, nan, 0.06]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if ok.size == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = ok.size
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


def format_p_value(p, digits=3):
    """A p-value for a report: ``digits`` significant digits, or ``"n/a"``.

    Parameters
    ----------
    p : float or None
        The p-value; None or NaN (a test that could not run) gives ``"n/a"``.
    digits : int, default=3
        Significant digits.

    Returns
    -------
    text : str

    Examples
    --------
    >>> format_p_value(0.012345), format_p_value(1.0), format_p_value(None)
    ('0.0123', '1', 'n/a')
    """
    if p is None or not np.isfinite(p):
        return "n/a"
    return f"{p:.{digits}g}"


def _check_table(table):
    table = np.asarray(table, dtype=float)
    if table.ndim != 2 or min(table.shape) < 1:
        raise ValueError(
            "table must be 2-D with one row per data set and one column per "
            f"method, got shape {table.shape}."
        )
    if not np.all(np.isfinite(table)):
        raise ValueError(
            "table holds NaN or infinite scores; drop the data sets (rows) "
            "where a method failed, or fill them with the method's worst score."
        )
    return table


def mean_ranks(table, *, higher_is_better=True):
    """Rank the methods within every data set and average the ranks.

    Parameters
    ----------
    table : array-like of shape (n_datasets, n_methods)
        One score per (data set, method), e.g. the mean minority F1.
    higher_is_better : bool, default=True
        Rank 1 goes to the highest score (``False``: the lowest, for errors).

    Returns
    -------
    ranks : ndarray of shape (n_datasets, n_methods)
        Rank of each method within each data set; ties get the average rank
        (:func:`scipy.stats.rankdata`).
    mean : ndarray of shape (n_methods,)
        Mean rank of each method over the data sets.

    Examples
    --------
    >>> ranks, mean = mean_ranks([[0.9, 0.8, 0.8], [0.7, 0.9, 0.6]])
    >>> ranks
    array([[1. , 2.5, 2.5],
           [2. , 1. , 3. ]])
    >>> mean
    array([1.5 , 1.75, 2.75])
    """
    from scipy.stats import rankdata

    table = _check_table(table)
    ranks = rankdata(-table if higher_is_better else table, axis=1)
    return ranks, ranks.mean(axis=0)


def friedman_test(table):
    """Friedman test that all methods perform alike over several data sets.

    Parameters
    ----------
    table : array-like of shape (n_datasets, n_methods)
        One score per (data set, method).

    Returns
    -------
    result : dict
        ``statistic`` and ``p_value`` of :func:`scipy.stats.friedmanchisquare`
        (chi-square with ``n_methods - 1`` degrees of freedom), ``n_datasets``,
        ``n_methods`` and ``note``. It needs at least 3 methods and 2 data
        sets; otherwise ``statistic`` and ``p_value`` are NaN and ``note``
        says why. With fewer than about 10 data sets the chi-square
        approximation is rough (Demšar 2006).

    Examples
    --------
    >>> r = friedman_test([[0.9, 0.8, 0.7], [0.8, 0.7, 0.6], [0.7, 0.8, 0.6]])
    >>> round(r["statistic"], 3), round(r["p_value"], 4)
    (4.667, 0.097)
    """
    from scipy.stats import friedmanchisquare

    table = _check_table(table)
    n, k = table.shape
    result = {
        "statistic": math.nan,
        "p_value": math.nan,
        "n_datasets": n,
        "n_methods": k,
        "note": "",
    }
    if k < 3 or n < 2:
        result["note"] = (
            f"the Friedman test needs at least 3 methods and 2 data sets, got "
            f"{k} and {n}"
        )
        return result
    if np.all(table == table[:, :1]):
        result.update(statistic=0.0, p_value=1.0)
        result["note"] = "all methods score the same on every data set"
        return result
    res = friedmanchisquare(*table.T)
    result.update(statistic=float(res.statistic), p_value=float(res.pvalue))
    if n < 10:
        result["note"] = f"only {n} data sets: the chi-square approximation is rough"
    return result


def critical_difference(n_methods, n_datasets, *, alpha=0.05):
    """Nemenyi critical difference of mean ranks (Demšar 2006).

    Two methods differ significantly when their mean ranks differ by at least
    ``CD = q_alpha * sqrt(k (k + 1) / (6 N))``, with ``q_alpha`` the
    studentized range quantile over ``sqrt(2)``:
    ``studentized_range.ppf(1 - alpha, k, inf) / sqrt(2)``.

    Parameters
    ----------
    n_methods : int
        ``k``, at least 2.
    n_datasets : int
        ``N``, at least 1.
    alpha : float, default=0.05
        Family-wise significance level.

    Returns
    -------
    cd : float

    Examples
    --------
    >>> round(critical_difference(4, 14), 3)  # Demsar's q_0.05 = 2.569
    1.254
    """
    from scipy.stats import studentized_range

    if int(n_methods) < 2 or int(n_datasets) < 1:
        raise ValueError(
            f"the critical difference needs at least 2 methods and 1 data set, "
            f"got n_methods={n_methods}, n_datasets={n_datasets}."
        )
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}.")
    k, n = int(n_methods), int(n_datasets)
    q = studentized_range.ppf(1 - alpha, k, np.inf) / math.sqrt(2)
    return float(q * math.sqrt(k * (k + 1) / (6.0 * n)))


def _cliques(mean, cd):
    """Maximal groups of methods (sorted by rank) within ``cd`` of each other."""
    order = np.argsort(mean, kind="stable")
    r = mean[order]
    groups = []
    for i in range(len(r)):
        j = i
        while j + 1 < len(r) and r[j + 1] - r[i] < cd:
            j += 1
        if j > i and not any(lo <= i and j <= hi for lo, hi in groups):
            groups.append((i, j))
    return [order[lo : hi + 1] for lo, hi in groups], order


def plot_critical_difference(mean, names, cd, *, ax=None, title=None):
    """Critical-difference diagram of mean ranks (Demšar 2006, Figure 1).

    The methods hang from a rank axis (1 = best, left); a thick bar joins
    groups of methods whose mean ranks differ by less than ``cd`` (not
    significantly different); the ``CD`` interval is drawn above the axis.

    Parameters
    ----------
    mean : array-like of shape (n_methods,)
        Mean ranks (see :func:`mean_ranks`).
    names : sequence of str
        Method names.
    cd : float
        Critical difference (see :func:`critical_difference`).
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> fig = plot_critical_difference([1.2, 2.0, 2.8], ["a", "b", "c"], 1.0)
    >>> len(fig.axes)
    1
    """
    import matplotlib.pyplot as plt

    mean = np.asarray(mean, dtype=float)
    names = [str(n) for n in names]
    if mean.ndim != 1 or len(names) != mean.size:
        raise ValueError(
            f"mean must be 1-D with one rank per name, got {mean.size} ranks "
            f"for {len(names)} names."
        )
    k = mean.size
    groups, order = _cliques(mean, cd)
    n_left = (k + 1) // 2
    height = 1.0 + 0.3 * max(n_left, k - n_left) + 0.2 * len(groups)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, height))
    else:
        fig = ax.figure
    lo, hi = 1, max(k, 2)
    ax.set_xlim(lo - 0.5, hi + 0.5)
    n_rows = max(n_left, k - n_left)
    ax.set_ylim(-0.4 - 0.4 * len(groups) - 0.55 * (n_rows - 1) - 0.4, 1.8)
    ax.axis("off")
    ax.hlines(0, lo, hi, color="black", lw=1)
    for r in range(lo, hi + 1):
        ax.vlines(r, 0, 0.15, color="black", lw=1)
        ax.text(r, 0.25, str(r), ha="center", va="bottom", fontsize=9)
    if np.isfinite(cd):
        ax.hlines(1.1, lo, lo + cd, color="black", lw=1.5)
        ax.vlines([lo, lo + cd], 1.0, 1.2, color="black", lw=1.5)
        ax.text(lo + cd / 2, 1.25, f"CD = {cd:.2f}", ha="center", va="bottom")
    base = -0.4 - 0.4 * len(groups)
    for i, idx in enumerate(order):
        left = i < n_left
        row = i if left else k - 1 - i
        y = base - 0.55 * row
        x_end = lo - 0.3 if left else hi + 0.3
        ax.plot([mean[idx], mean[idx], x_end], [0, y, y], color="black", lw=0.8)
        ax.text(
            x_end + (-0.05 if left else 0.05),
            y,
            f"{names[idx]} ({mean[idx]:.2f})",
            ha="right" if left else "left",
            va="center",
            fontsize=9,
        )
    for g, members in enumerate(groups):
        y = -0.25 - 0.4 * g
        ax.hlines(
            y, mean[members].min() - 0.03, mean[members].max() + 0.03, lw=4, color="k"
        )
    if title:
        ax.set_title(title)
    return fig
