"""The printed conclusion states only what a rerun cannot reverse."""

import math

import pytest
from sklearn.utils import Bunch

from sklearn_seismo.metrics import compare_to_reference
from sklearn_seismo.study._report import conclusion_statements


def _test_row(arm, diff, p_holm, metric="f1_bad", n=6):
    return {
        "arm": arm,
        "reference": "none",
        "metric": metric,
        "n": n,
        "mean_diff": diff,
        "p_value": p_holm / 2,
        "p_holm": p_holm,
        "test": "paired t",
    }


def _suite(tests, friedman_p=0.2, pairs=()):
    ranking = Bunch(
        friedman={"p_value": friedman_p, "note": ""},
        datasets=["easy"],
        metric="f1_minority",
        significant_pairs=list(pairs),
        cd=2.5,
    )
    return Bunch(
        per_dataset={"easy": Bunch(tests=tests, minority="bad")}, ranking=ranking
    )


def test_three_verdicts_by_adjusted_p():
    res = _suite(
        [
            _test_row("random", 0.305, 0.0004),
            _test_row("smote", -0.12, 0.003),
            _test_row("glow", 0.252, 0.045),  # significant at 0.05, not robustly
            _test_row("class_weight", 0.02, 0.6),
            _test_row("augment", 0.15, 0.0999),
            _test_row("adasyn", math.nan, math.nan),
            # another metric is not this statement's business
            _test_row("random", 0.5, 0.9, metric="f1_macro"),
        ]
    )
    lines = conclusion_statements(res)
    assert "p < 0.01" in lines[0] and "p ≥ 0.1" in lines[0]
    easy = lines[1]
    assert easy.startswith("- `easy`: better than `none`: `random` (+30.5 pp")
    assert "worse than `none`: `smote` (-12.0 pp" in easy
    assert "no significant difference: `class_weight` (+2.0 pp, p=0.6);" in easy
    assert "not settled: `glow` (+25.2 pp, p=0.045), `augment`" in easy
    assert "no test (too few finite scores): `adasyn`" in easy
    assert "f1_macro" not in easy
    assert lines[2] == (
        "- Across 1 data sets: no significant difference of mean rank on "
        "f1_minority (Friedman p=0.2)."
    )


def test_no_difference_shows_the_effect_and_how_often_it_held():
    # 5 training sets, a Holm family of 14: a gain in 5 of 5 sets can stay
    # above p = 0.1, and the reader must see it
    row = dict(_test_row("random", 0.114, 0.2, n=5), n_wins=5)
    line = conclusion_statements(_suite([row]))[1]
    assert line == (
        "- `easy`: no significant difference: `random` (+11.4 pp, higher in 5 "
        "of 5, p=0.2)."
    )


@pytest.mark.parametrize(
    "p, word",
    [
        (0.009, "better than"),
        (0.011, "not settled"),
        (0.099, "not settled"),
        (0.1, "no significant difference"),
    ],
)
def test_the_band_bounds(p, word):
    line = conclusion_statements(_suite([_test_row("glow", 0.1, p)]))[1]
    assert word in line


def test_a_reversal_needs_the_p_value_to_cross_the_band():
    # p-values moved by a factor of 2.3 (the quick suite's largest move after a
    # last-bit change) never turn "better" into "no difference" or back
    verdicts = {}
    for p in (0.0005, 0.002, 0.004, 0.2, 0.5):
        for factor in (1 / 2.3, 1.0, 2.3):
            line = conclusion_statements(
                _suite([_test_row("glow", 0.1, min(1.0, p * factor))])
            )[1]
            verdicts.setdefault(p, set()).add(
                "better" if "better" in line else "none" if "no sig" in line else "?"
            )
    for p, seen in verdicts.items():
        assert not {"better", "none"} <= seen, (p, seen)


def test_the_ranking_statement_follows_the_band():
    lines = conclusion_statements(_suite([], friedman_p=0.001, pairs=[("a", "b")]))
    assert "differ (Friedman p=0.001)" in lines[-1] and "`a` > `b`" in lines[-1]
    lines = conclusion_statements(_suite([], friedman_p=0.055))
    assert "not settled (Friedman p=0.055)" in lines[-1]
    assert "no `none` arm" in lines[1]


def test_a_four_fold_study_says_it_cannot_test():
    rows = [
        {"arm": arm, "fold": k, "f1_bad": v}
        for arm, values in (
            ("none", [0.1, 0.0, 0.2, 0.1]),
            ("glow", [0.4, 0.3, 0.5, 0.6]),
            ("random", [0.1, 0.1, 0.1, 0.2]),
        )
        for k, v in enumerate(values)
    ]
    study = Bunch(
        comparisons=compare_to_reference(rows, reference="none", metrics=["f1_bad"]),
        minority="bad",
    )
    line = conclusion_statements(study)[1]
    # glow wins every fold, but 4 folds cannot give p < 0.01
    assert line.startswith("- `this data set`: not testable here: with 4 paired")
    assert "smallest reachable adjusted p is 0.25" in line
    assert "better" not in line
    assert len(conclusion_statements(study)) == 2  # no ranking line


def test_average_precision_and_bad_bounds():
    res = _suite([_test_row("glow", 0.1, 0.001, metric="average_precision_bad")])
    assert (
        "better than"
        in conclusion_statements(res, metric="average_precision_minority")[1]
    )
    assert "no `none` arm" in conclusion_statements(res)[1]
    with pytest.raises(ValueError, match="clear <= alpha"):
        conclusion_statements(res, clear=0.1)


def test_the_study_report_carries_the_conclusion(tmp_path):
    import numpy as np

    from sklearn_seismo.study import run_study, write_report

    from ._helpers import ProbaFlat

    rng = np.random.default_rng(0)
    y = np.array(["good"] * 40 + ["bad"] * 16)
    X = rng.normal(size=(56, 4, 4)) + (y == "bad")[:, None, None]
    res = run_study(
        X, y, arms=("none", "random"), cv=3, classifier=ProbaFlat(), verbose=0
    )
    write_report(res, tmp_path)
    md = (tmp_path / "report.md").read_text()
    conclusion = md.split("## Conclusion")[1].split("## Tables")[0]
    assert "fold-paired Wilcoxon test" in conclusion
    assert "not testable here: with 3 paired folds" in conclusion
    # a data set of the suite states its own (t-test) verdicts, not Wilcoxon's
    suite_res = Bunch(**res, tests=[_test_row("random", 0.2, 0.004, n=6)])
    write_report(suite_res, tmp_path / "suite")
    md = (tmp_path / "suite" / "report.md").read_text()
    conclusion = md.split("## Conclusion")[1].split("## Tables")[0]
    assert "paired t-test over the independent training sets" in conclusion
    assert "better than `none`: `random` (+20.0 pp, p=0.004)" in conclusion


def _holdout_suite(protocol="holdout", n_sets=2, seeds=4, gain=0.1):
    per_dataset = {}
    for d in range(n_sets):
        scores = []
        for k in range(seeds):
            base = 0.1 * k
            # random beats none in every training set, smote in every other
            scores += [
                {"arm": "none", "fold": k, "f1_bad": base},
                {"arm": "random", "fold": k, "f1_bad": base + gain},
                {"arm": "smote", "fold": k, "f1_bad": base + (0.01, -0.01)[k % 2]},
            ]
        tests = [_test_row("random", gain, 0.5), _test_row("smote", -0.005, 0.9)]
        per_dataset[f"d{d}"] = Bunch(tests=tests, minority="bad", scores=scores)
    return Bunch(per_dataset=per_dataset, ranking=None, protocol=protocol)


def test_pooled_sign_test_over_every_training_set():
    lines = conclusion_statements(_holdout_suite(seeds=6))
    pooled = [line for line in lines if line.startswith("- Pooled")]
    # 12 wins of 12: two-sided sign-test p = 2 / 2**12, Holm over 2 arms
    # doubles it; smote: 6 of 12, p = 1
    assert pooled == [
        "- Pooled over the 12 training sets of the 2 data sets (sign test of the "
        "paired differences, Holm-adjusted over the arms): better than `none`: "
        "`random` (+10.0 pp, higher in 12 of 12, p=0.00098); no significant "
        "difference: `smote` (+0.0 pp, higher in 6 of 12, p=1)."
    ]


def test_pooled_sign_test_says_when_the_counts_cannot_decide():
    # 8 training sets: the smallest Holm-adjusted p is 2 * 2 / 2**8 = 0.0156,
    # above the 0.01 that "better" needs, so "no difference" is not claimed
    pooled = [
        line
        for line in conclusion_statements(_holdout_suite(seeds=4))
        if line.startswith("- Pooled")
    ][0]
    assert "not testable here: with 8 training sets" in pooled
    assert "0.0156 (more training sets (--seeds) or data sets): `smote`" in pooled
    assert "not settled: `random` (+10.0 pp, higher in 8 of 8, p=0.016)" in pooled


@pytest.mark.parametrize(
    "kwargs", [{"protocol": "cv"}, {"n_sets": 1}], ids=["cv", "one data set"]
)
def test_no_pooled_test_without_independent_training_sets(kwargs):
    # cross-validation splits share samples; one data set is its own line
    lines = conclusion_statements(_holdout_suite(**kwargs))
    assert not any(line.startswith("- Pooled") for line in lines)
