"""Scores of cross-validation folds and their summaries.

Per-fold precision / recall / F1 per class, macro and weighted averages,
balanced accuracy, G-mean and accuracy (all computed by scikit-learn and
imbalanced-learn), their mean +- std over folds shaped like Tables 1-2 of the
SeismoGlow paper, and paired Wilcoxon comparisons of methods across folds.
Across resamples and data sets: the Nadeau-Bengio corrected resampled t-test,
Holm's adjustment of a family of p-values,
mean ranks, the Friedman test and the Nemenyi critical-difference diagram.
Diagnostics of the synthetic samples of any oversampler: classifier
two-sample test, novelty, artefact statistics, held-out likelihood gap.
Threshold-free and calibration scores of the rare class: average precision,
Brier score, a precision-recall curve averaged over test sets and a pooled
reliability curve.
"""

from ._probability import (
    mean_precision_recall_curve,
    pooled_reliability_curve,
    rare_class_average_precision,
    rare_class_brier_score,
)
from ._quality import (
    artefact_ratios,
    artefact_statistics,
    classifier_two_sample_test,
    likelihood_gap,
    novelty_ratio,
)
from ._report import (
    OVERALL_METRICS,
    compare_to_reference,
    fold_scores,
    format_markdown_table,
    format_mean_std,
    paired_comparison,
    per_class_table,
    summarize_folds,
)
from ._stats import (
    corrected_ttest,
    critical_difference,
    format_p_value,
    friedman_test,
    holm,
    mean_ranks,
    plot_critical_difference,
)

__all__ = [
    "OVERALL_METRICS",
    "artefact_ratios",
    "artefact_statistics",
    "classifier_two_sample_test",
    "likelihood_gap",
    "mean_precision_recall_curve",
    "pooled_reliability_curve",
    "rare_class_average_precision",
    "rare_class_brier_score",
    "novelty_ratio",
    "compare_to_reference",
    "corrected_ttest",
    "critical_difference",
    "format_p_value",
    "friedman_test",
    "holm",
    "mean_ranks",
    "plot_critical_difference",
    "fold_scores",
    "format_markdown_table",
    "format_mean_std",
    "paired_comparison",
    "per_class_table",
    "summarize_folds",
]
