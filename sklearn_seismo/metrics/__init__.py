"""Scores of cross-validation folds and their summaries.

Per-fold precision / recall / F1 per class, macro and weighted averages,
balanced accuracy, G-mean and accuracy (all computed by scikit-learn and
imbalanced-learn), their mean +- std over folds shaped like Tables 1-2 of the
SeismoGlow paper, and paired Wilcoxon comparisons of methods across folds.
"""

from ._report import (
    compare_to_reference,
    fold_scores,
    format_markdown_table,
    format_mean_std,
    paired_comparison,
    per_class_table,
    summarize_folds,
)

__all__ = [
    "compare_to_reference",
    "fold_scores",
    "format_markdown_table",
    "format_mean_std",
    "paired_comparison",
    "per_class_table",
    "summarize_folds",
]
