"""The SeismoGlow study: cross-validated comparison of imbalance handling.

``run_study`` fits one imbalanced-learn pipeline per arm (no oversampling,
GlowOversampler, SMOTE, ADASYN, random oversampling, class weights, waveform
augmentation, glow + augmentation) on the same stratified folds and reports
per-class mean +- std tables and paired Wilcoxon comparisons (Tables 1-2 of
SeismoGlow). ``run_sweep`` varies the number of synthetic samples (Figure 4).
``write_report`` writes Markdown, CSV and PNG files. ``run_suite`` repeats the
comparison on several data sets (repeated folds or an independent holdout
test set) and ranks the arms across them; ``write_suite_report`` writes its
report. The command line is ``seismo-study`` (or ``python -m
sklearn_seismo.study``) with two commands: ``run`` (one study, the default)
and ``suite`` (``seismo-study suite --suite quick``).
"""

from ._arms import ALL_ARMS, AddSamples, default_augmenter, make_arms
from ._config import get_config
from ._report import format_study_table, plot_per_class_f1, plot_sweep, write_report
from ._study import SCORE_COLUMNS, run_study
from ._suite import SUITES, rank_arms, rank_metric_names, run_suite
from ._suite_report import significance_statements, write_suite_report
from ._sweep import run_sweep

__all__ = [
    "ALL_ARMS",
    "AddSamples",
    "SCORE_COLUMNS",
    "SUITES",
    "default_augmenter",
    "format_study_table",
    "get_config",
    "make_arms",
    "plot_per_class_f1",
    "plot_sweep",
    "rank_arms",
    "rank_metric_names",
    "run_study",
    "run_suite",
    "run_sweep",
    "significance_statements",
    "write_report",
    "write_suite_report",
]
