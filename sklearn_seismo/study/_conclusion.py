"""What a run shows: the conclusion statements and the suite's AP ranking.

:func:`conclusion_statements` is the ``Conclusion`` section of both reports and
what the command line prints; :func:`suite_threshold_free_section` is the
suite report's ranking on average precision, next to the one on F1.
"""

import os

import numpy as np

from ..metrics import format_markdown_table, format_p_value, holm
from ._report_plots import save_critical_difference
from ._report_tables import ranking_rows, write_ranking_csv

# _suite imports no report module, so this top-level import makes no cycle
# (tests/study/test_layout.py checks the study modules' import graph)
from ._suite import rank_arms, rows_by_arm

__all__ = ["conclusion_statements", "suite_threshold_free_section"]


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

    A suite run under the holdout protocol adds one line pooled over the
    training sets of all its data sets: a sign test of the paired
    differences (how many training sets an arm beat ``reference`` in),
    Holm-adjusted over the arms, in the same band. Each data set's few
    training sets show little on their own; their count over all data sets
    can. Cross-validation splits share samples, so a cv suite has no such line.

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
difference: `smote` (+2.0 pp, p=0.7); not settled: `glow` (+25.0 pp, p=0.045).
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
        parts = _family_parts(family, floor, reference, clear, no_evidence)
        lines.append(f"- `{name}`: " + parts + ".")
    if suite:
        pooled = _pooled_family(result, metric, reference)
        if pooled:
            family, floor, n_sets = pooled
            n = max(r["n"] for r in family)
            parts = _family_parts(
                family,
                floor,
                reference,
                clear,
                no_evidence,
                unit="training sets",
                more="more training sets (--seeds) or data sets",
            )
            lines.append(
                f"- Pooled over the {n} training sets of the {n_sets} data sets "
                "(sign test of the paired differences, Holm-adjusted over the "
                "arms): " + parts + "."
            )
        lines.append(_ranking_statement(result, clear, no_evidence))
    return lines


def _family_parts(
    family,
    floor,
    reference,
    clear,
    no_evidence,
    unit="paired folds",
    more="run more folds or the suite",
):
    """The verdicts of one family of tests against ``reference``, as a phrase."""
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
                f"{unit} the smallest reachable adjusted p is "
                f"{floor:.3g} ({more}): "
                + ", ".join(f"`{r['arm']}`" for r in groups["none"])
            )
        else:
            # with the effect: few training sets and a large Holm family
            # leave even a consistent gain without significance
            parts.append("no significant difference: " + _arm_list(groups["none"]))
    if groups["unsettled"]:
        parts.append("not settled: " + _arm_list(groups["unsettled"]))
    if groups["untested"]:
        parts.append(
            "no test (too few finite scores): "
            + ", ".join(f"`{r['arm']}`" for r in groups["untested"])
        )
    return "; ".join(parts)


def _pooled_family(result, metric, reference):
    """Sign tests of every arm against ``reference`` over all training sets.

    Only for the holdout protocol, whose training sets are independent draws
    (cross-validation splits share samples). Each data set's few training
    sets cannot show much on their own; pooled, the count of training sets
    where an arm beat ``reference`` can. Returns ``(rows, floor, n_sets)``
    (``floor``: the smallest Holm-adjusted p the counts can reach), or None.
    """
    from scipy.stats import binomtest

    if result.get("protocol") != "holdout" or len(result.per_dataset) < 2:
        return None
    diffs = {}
    for res in result.per_dataset.values():
        key = _metric_key(res, metric)
        by_arm = rows_by_arm(res.scores)
        ref = by_arm.get(reference)
        if ref is None:
            continue
        for arm, rows in by_arm.items():
            if arm != reference:
                d = [
                    rows[s].get(key, np.nan) - ref[s].get(key, np.nan)
                    for s in sorted(set(rows) & set(ref))
                ]
                diffs.setdefault(arm, []).extend(x for x in d if np.isfinite(x))
    rows = []
    for arm, d in diffs.items():
        d = np.asarray(d, dtype=float)
        wins, losses = int((d > 0).sum()), int((d < 0).sum())
        rows.append(
            {
                "arm": arm,
                "n": len(d),
                "n_wins": wins,
                "mean_diff": float(d.mean()) if len(d) else np.nan,
                "p_value": binomtest(wins, wins + losses).pvalue
                if wins + losses
                else np.nan,
            }
        )
    if not rows:
        return None
    for row, p in zip(rows, holm([r["p_value"] for r in rows])):
        row["p_holm"] = float(p)
    n = max(r["n"] for r in rows)
    floor = min(1.0, len(rows) * 2 * 0.5**n)
    return rows, floor, len(result.per_dataset)


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
        f"`{r['arm']}` ({100 * r['mean_diff']:+.1f} pp"
        + (f", higher in {r['n_wins']} of {r['n']}" if "n_wins" in r else "")
        + f", p={r['p_holm']:.2g})"
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
    rows = ranking_rows(ranked, "mean rank, AP")
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
        f"Friedman χ² = {ranked.friedman['statistic']:.3g}, p = {format_p_value(p)} "
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
        write_ranking_csv(paths[name], ranked)
        md += [f"Scores and ranks: [{name}]({name})", ""]
        name = "cd_average_precision.png"
        title = f"mean rank of average precision over {len(ranked.datasets)} data sets"
        if save_critical_difference(ranked, os.path.join(out_dir, name), title):
            paths[name] = os.path.join(out_dir, name)
            md += [f"![critical difference, average precision]({name})", ""]
    return md
