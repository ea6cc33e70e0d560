import math

import numpy as np
import pytest
from scipy.stats import friedmanchisquare, rankdata, studentized_range

from sklearn_seismo.metrics import (
    corrected_ttest,
    critical_difference,
    friedman_test,
    mean_ranks,
    plot_critical_difference,
)

# rows: data sets, columns: methods
TABLE = np.array(
    [
        [0.80, 0.75, 0.70, 0.72],
        [0.60, 0.66, 0.55, 0.50],
        [0.91, 0.88, 0.88, 0.85],
        [0.45, 0.40, 0.47, 0.30],
        [0.70, 0.69, 0.60, 0.61],
    ]
)


def test_corrected_ttest_matches_hand_computation():
    a = [0.8, 0.7, 0.9, 0.8, 0.75]
    b = [0.7, 0.7, 0.7, 0.6, 0.70]
    # d = .1, 0, .2, .2, .05: mean .11, var(ddof=1) = .032 / 4 = .008
    d = np.array([0.1, 0.0, 0.2, 0.2, 0.05])
    assert math.isclose(d.var(ddof=1), 0.0080, rel_tol=1e-9)
    t_hand = 0.11 / math.sqrt((1 / 5 + 20 / 80) * 0.0080)  # = 1.8333...
    r = corrected_ttest(a, b, n_train=80, n_test=20)
    assert math.isclose(r["t"], t_hand, rel_tol=1e-9)
    assert math.isclose(r["t"], 1.8333333333, rel_tol=1e-6)
    assert r["df"] == 4 and r["n"] == 5
    from scipy.stats import t

    assert math.isclose(r["p_value"], 2 * t.sf(t_hand, 4), rel_tol=1e-9)
    # the correction makes it more conservative than the plain paired t-test
    from scipy.stats import ttest_rel

    assert r["p_value"] > ttest_rel(a, b).pvalue
    plain = corrected_ttest(a, b, n_train=80, n_test=0)
    assert math.isclose(plain["p_value"], ttest_rel(a, b).pvalue, rel_tol=1e-9)
    one = corrected_ttest(a, b, n_train=80, n_test=20, alternative="greater")
    assert math.isclose(one["p_value"], r["p_value"] / 2, rel_tol=1e-9)


def test_corrected_ttest_edge_cases():
    r = corrected_ttest([0.5, 0.5, 0.5], [0.5, 0.5, 0.5], n_train=9, n_test=1)
    assert r["p_value"] == 1.0 and "equal" in r["note"]
    r = corrected_ttest([0.6, 0.6, 0.6], [0.5, 0.5, 0.5], n_train=9, n_test=1)
    assert r["p_value"] == 0.0 and r["t"] == math.inf
    r = corrected_ttest([0.6, math.nan], [0.5, 0.5], n_train=9, n_test=1)
    assert r["n"] == 1 and math.isnan(r["p_value"]) and "too few" in r["note"]
    with pytest.raises(ValueError, match="same number of splits"):
        corrected_ttest([1, 2], [1], n_train=9, n_test=1)
    with pytest.raises(ValueError, match="n_train must be positive"):
        corrected_ttest([1, 2], [1, 2], n_train=0, n_test=1)


def test_mean_ranks_and_friedman_match_scipy():
    ranks, mean = mean_ranks(TABLE)
    expected = np.vstack([rankdata(-row) for row in TABLE])
    np.testing.assert_array_equal(ranks, expected)
    np.testing.assert_allclose(mean, expected.mean(axis=0))
    assert ranks[2].tolist() == [1.0, 2.5, 2.5, 4.0]  # a tie
    r = friedman_test(TABLE)
    ref = friedmanchisquare(*TABLE.T)
    assert math.isclose(r["statistic"], ref.statistic)
    assert math.isclose(r["p_value"], ref.pvalue)
    # lower-is-better ranks are the mirror image
    _, low = mean_ranks(TABLE, higher_is_better=False)
    np.testing.assert_allclose(low, TABLE.shape[1] + 1 - mean)


def test_friedman_needs_three_methods_and_rejects_nan():
    r = friedman_test(TABLE[:, :2])
    assert math.isnan(r["p_value"]) and "at least 3 methods" in r["note"]
    with pytest.raises(ValueError, match="NaN"):
        friedman_test([[0.5, math.nan, 0.2], [0.1, 0.2, 0.3]])


def test_critical_difference_matches_demsar():
    # Demsar (2006), Table 5: q_0.05 = 2.343 (k=3), 2.569 (k=4), 3.031 (k=8)
    for k, q in ((3, 2.343), (4, 2.569), (8, 3.031)):
        cd = critical_difference(k, 10)
        assert math.isclose(cd / math.sqrt(k * (k + 1) / 60), q, abs_tol=1e-3)
    q = studentized_range.ppf(0.9, 5, np.inf) / math.sqrt(2)
    assert math.isclose(critical_difference(5, 7, alpha=0.1), q * math.sqrt(5 * 6 / 42))
    with pytest.raises(ValueError, match="at least 2 methods"):
        critical_difference(1, 5)


def test_cd_diagram_groups(tmp_path):
    from sklearn_seismo.metrics._stats import _cliques

    groups, order = _cliques(np.array([1.0, 1.5, 3.0, 3.2]), cd=1.0)
    assert order.tolist() == [0, 1, 2, 3]
    assert [g.tolist() for g in groups] == [[0, 1], [2, 3]]
    fig = plot_critical_difference([1.0, 1.5, 3.0, 3.2], list("abcd"), 1.0)
    path = tmp_path / "cd.png"
    fig.savefig(path)
    assert path.stat().st_size > 1000
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "CD = 1.00" in texts and "a (1.00)" in texts
