"""The study suite: every arm on several data sets, with tests that can tell them apart.

One unit of work is one (data set, arm, split) fit, scored by the study's
``fit_and_score`` and cached with ``joblib.Memory``: an interrupted run
resumes where it stopped, and a finished one replays from the cache. Each
data set's scores are summarised by the study's own machinery (so its report
is the study report); across data sets the arms are ranked (Friedman test,
Nemenyi critical difference).
"""

import argparse
import copy
import hashlib
import math
import os
import platform
import sys
import time
from datetime import datetime, timezone

import numpy as np
from sklearn.utils import Bunch

from ..metrics import (
    compare_to_reference,
    corrected_ttest,
    critical_difference,
    format_markdown_table,
    friedman_test,
    mean_ranks,
)
from ..utils import flatten_samples
from ._arms import ALL_ARMS, default_augmenter, make_arms
from ._parallel import _progress, fit_and_score
from ._study import _pick_minority, _summarize, comparison_metrics

__all__ = [
    "SUITES",
    "PROTOCOLS",
    "rank_arms",
    "run_suite",
    "write_suite_report",
    "main",
]

PROTOCOLS = ("cv", "holdout")

#: Settings of ``--suite quick`` and ``--suite full``; CLI options override
#: single entries.
#:
#: ``quick`` (under 15 minutes on 2 CPU cores with ``--n-jobs 2``): holdout on
#: 3 data sets, 4 training sets of 600 samples each tested on its own 6,000
#: (about 105 *bad* gathers or 180 bad windows per test set, where a fold of
#: the old quick study held 3-4), 6 arms, 5 epochs, a ResNet of 32-64-64
#: filters. Measured on a shared 2-core machine in tiny runs of the same
#: settings: about 13.5 CPU-s per 32x32-gather unit and 17 CPU-s per waveform
#: unit; 72 units, so about 1,060 CPU-s, 9 minutes on 2 idle cores.
#:
#: ``full`` (a benchmark of hours): holdout on all 6 data sets with all 8 arms,
#: 5 training sets of each data set's default size (1,000 gathers, the paper's
#: 5,223, 2,000 windows), each tested on its own 6,000; 20 epochs, the default
#: Miniception and ResNet, 300 synthetic samples. Holdout rather than
#: repeated CV because CV cannot separate the arms at these sizes: a test fold
#: of 1,000 gathers holds 3-4 *bad* ones, and 5 x 2 CV on the 32 x 32 gathers
#: (measured, 160 fits) left bad-class F1 standard deviations of 12-23 points
#: and no arm significantly different from ``none``. Measured (2026-11-30,
#: 2 fits at a time, one torch thread each; summed fit time / 2): about 20
#: minutes per 32 x 32 data set, 76 per 64 x 64 one, 83 for the paper's count
#: and 3 hours for the waveform task; 58,000 s of fits, about 8 hours on 2
#: cores.
SUITES = {
    "quick": {
        "name": "quick",
        "protocol": "holdout",
        "datasets": ("gathers32_easy", "gathers32_hard", "waveform_quality"),
        "arms": ("none", "glow", "smote", "random", "class_weight", "augment"),
        "n_samples": 600,
        "n_test": 6000,
        "seeds": 4,
        "folds": 5,
        "repeats": 1,
        "n_synthetic": 60,
        "classifier": {
            "max_epochs": 5,
            "lr": 1e-3,
            "batch_size": 32,
            "n_filters": (32, 64, 64),  # ResNetClassifier only
        },
        "glow": {
            "n_levels": 3,
            "n_steps": 4,
            "hidden_channels": 32,
            "max_epochs": 40,
            "batch_size": 16,
        },
    },
    "full": {
        "name": "full",
        "protocol": "holdout",
        "datasets": (
            "gathers32_easy",
            "gathers32_hard",
            "gathers64_easy",
            "gathers64_hard",
            "paper_count",
            "waveform_quality",
        ),
        "arms": ALL_ARMS,
        "n_samples": None,  # each data set's default
        "n_test": 6000,
        "seeds": 5,
        "folds": 5,  # cv only
        "repeats": 2,  # cv only
        "n_synthetic": 300,
        "classifier": {"max_epochs": 20, "lr": 1e-3, "batch_size": 32},
        "glow": {
            "n_levels": 3,
            "n_steps": 8,
            "hidden_channels": 64,
            "max_epochs": 200,
            "batch_size": 16,
        },
    },
}


def _holm(p_values):
    """Holm's step-down adjustment of a family of p-values (NaN kept)."""
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


def _user_benchmark(name, X, y, layout):
    from sklearn_seismo.datasets import Benchmark

    X, y = np.asarray(X), np.asarray(y)
    return Benchmark(
        name=name,
        loader=lambda n_samples, random_state: (X, y),
        n_samples=len(X),
        classifier="resnet" if layout == "waveforms" else "miniception",
        layout=layout,
        holdout=None,
        description=f"user data {name}: {len(X)} samples of {X.shape[1:]}",
    )


def _resolve(datasets):
    from sklearn_seismo.datasets import BENCHMARKS

    out = []
    for d in datasets:
        if isinstance(d, str):
            if d not in BENCHMARKS:
                raise ValueError(
                    f"unknown data set {d!r}; choose among {sorted(BENCHMARKS)}."
                )
            d = BENCHMARKS[d]
        out.append(d)
    names = [d.name for d in out]
    if len(set(names)) != len(names) or not names:
        raise ValueError(f"data sets must be unique and non-empty, got {names}.")
    return out


def _row_digests(X):
    X = np.ascontiguousarray(X)
    return {hashlib.sha1(row.tobytes()).digest() for row in X.reshape(len(X), -1)}


def _assert_disjoint(X_train, X_test, name):
    shared = _row_digests(X_train) & _row_digests(X_test)
    if shared:
        raise RuntimeError(
            f"holdout of {name!r}: {len(shared)} test sample(s) also in the "
            "training set; the test set must be independent of training."
        )


def _holdout_seeds(random_state, n_seeds):
    train = [random_state + 2 * i for i in range(n_seeds)]
    test = [random_state + 2 * i + 1 for i in range(n_seeds)]
    # the test generator must never replay a training draw
    assert not set(train) & set(test)
    return train, test


def _draws(bench, protocol, *, n_samples, n_test, folds, repeats, seeds, seed):
    """Yield (X, y, train, test, split) per split; X stacks train and test."""
    n = bench.n_samples if n_samples is None else int(n_samples)
    if protocol == "cv":
        from sklearn.model_selection import RepeatedStratifiedKFold

        X, y = bench.loader(n, seed)
        y = np.asarray(y)
        cv = RepeatedStratifiedKFold(
            n_splits=folds, n_repeats=repeats, random_state=seed
        )
        for k, (tr, te) in enumerate(cv.split(np.zeros(len(y)), y)):
            split = {"split": k, "repeat": k // folds, "fold": k % folds}
            yield X, y, tr, te, split
        return
    if bench.holdout is None:
        raise ValueError(
            f"data set {bench.name!r} has no independent test set (it is not "
            "drawn from a generator); use protocol='cv' for it."
        )
    train_loader, test_loader = bench.holdout
    for i, (s_tr, s_te) in enumerate(zip(*_holdout_seeds(seed, seeds))):
        X_tr, y_tr = train_loader(n, s_tr)
        X_te, y_te = test_loader(int(n_test), s_te)
        _assert_disjoint(X_tr, X_te, bench.name)
        X = np.concatenate([X_tr, X_te])
        y = np.concatenate([np.asarray(y_tr), np.asarray(y_te)])
        tr = np.arange(len(X_tr))
        te = np.arange(len(X_tr), len(X))
        yield X, y, tr, te, {"split": i, "train_seed": s_tr, "test_seed": s_te}


def _estimators(bench, sample_shape, cfg, device, seed, memory):
    from sklearn_seismo.over_sampling import GlowOversampler

    from ._cli import _flow_n_dim

    if bench.classifier == "resnet":
        from sklearn_seismo.neural import ResNetClassifier as Classifier
    else:
        from sklearn_seismo.neural import MiniceptionClassifier as Classifier
    waveforms = bench.layout == "waveforms"
    known = Classifier().get_params(deep=False)
    params = dict(cfg["classifier"], device=device, random_state=seed)
    clf = Classifier(**{k: v for k, v in params.items() if k in known})
    glow = GlowOversampler(
        **cfg["glow"],
        n_dim=_flow_n_dim(sample_shape, waveforms),
        device=device,
        memory=None if memory is None else memory.location,
        random_state=seed,
    )
    augmenter = default_augmenter(sample_shape, time_axis=-1 if waveforms else 1)
    return clf, glow, augmenter


def _unit(pipe, X, y, train, test, *, labels, meta, on_error, threads=None):
    return fit_and_score(
        pipe,
        X,
        y,
        train,
        test,
        labels=labels,
        meta=meta,
        on_error=on_error,
        threads=threads,
    )


def _cached_unit(memory):
    if memory is None:
        return _unit
    # With n_jobs > 1 joblib hands large arrays to the workers as memmaps, and
    # the cache key then differs from the same array's in one process unless
    # memmaps hash as arrays (what mmap_mode turns on); without it a run
    # resumed with another --n-jobs would refit every unit.
    return memory.cache(_unit, ignore=["threads"], mmap_mode="r")


def _run_units(units, *, memory, n_jobs, verbose, desc):
    import joblib

    func = _cached_unit(memory)
    n_workers = max(1, min(joblib.effective_n_jobs(n_jobs), len(units)))
    threads = None if n_workers == 1 else max(1, joblib.cpu_count() // n_workers)
    jobs = (
        joblib.delayed(_indexed)(func, i, args, dict(kwargs, threads=threads))
        for i, (args, kwargs) in enumerate(units)
    )
    rows = [None] * len(units)
    parallel = joblib.Parallel(n_jobs=n_workers, return_as="generator_unordered")
    with _progress(len(units), verbose, desc) as bar:
        for i, row in parallel(jobs):
            rows[i] = row
            bar.set_postfix_str(f"{row['arm']} split {row['fold']}")
            bar.update(1)
    return rows


def _indexed(func, i, args, kwargs):
    return i, func(*args, **kwargs)


def _pair_tests(result, protocol, reference, metrics):
    """Wilcoxon rows of the study plus the t-test of the protocol, per arm."""
    rows = []
    wilcoxon = {
        (r["arm"], r["metric"]): r
        for r in compare_to_reference(
            result.scores, reference=reference, metrics=metrics
        )
    }
    by_arm = {}
    for row in result.scores:
        by_arm.setdefault(row["arm"], {})[row["fold"]] = row
    ref = by_arm.get(reference)
    if ref is None:
        return rows
    for metric in metrics:
        family = []
        for arm in result.arms:
            if arm == reference:
                continue
            splits = sorted(set(ref) & set(by_arm[arm]))
            a = [by_arm[arm][s].get(metric, math.nan) for s in splits]
            b = [ref[s].get(metric, math.nan) for s in splits]
            if protocol == "cv":
                n_train = np.mean([ref[s]["n_train"] for s in splits])
                n_test = np.mean([ref[s]["n_test"] for s in splits])
                test = corrected_ttest(a, b, n_train=n_train, n_test=n_test)
                name = "corrected t"
            else:
                # independent training and test sets per seed: the plain
                # paired t-test (no overlap term)
                test = corrected_ttest(a, b, n_train=1.0, n_test=0.0)
                name = "paired t"
            w = wilcoxon[(arm, metric)]
            family.append(
                {
                    "arm": arm,
                    "reference": reference,
                    "metric": metric,
                    "n": test["n"],
                    "mean_diff": test["mean_diff"],
                    "test": name,
                    "t": test["t"],
                    "p_value": test["p_value"],
                    "wilcoxon_p": w["p_value"],
                    "note": "; ".join(x for x in (test["note"], w["note"]) if x),
                }
            )
        for row, p in zip(family, _holm([r["p_value"] for r in family])):
            row["p_holm"] = float(p)
        rows += family
    return rows


def run_suite(
    datasets,
    *,
    protocol="cv",
    arms=ALL_ARMS,
    n_samples=None,
    n_test=6000,
    folds=5,
    repeats=1,
    seeds=3,
    n_synthetic=100,
    classifier=None,
    glow=None,
    rank_metric="f1_minority",
    alpha=0.05,
    cache=None,
    n_jobs=1,
    device="auto",
    random_state=0,
    on_error="record",
    verbose=1,
):
    """Compare the arms on several data sets under one protocol.

    Parameters
    ----------
    datasets : sequence of str or Benchmark
        Names of :data:`sklearn_seismo.datasets.BENCHMARKS` or
        :class:`~sklearn_seismo.datasets.Benchmark` objects (a user's data).
    protocol : {"cv", "holdout"}, default="cv"
        ``"cv"``: ``RepeatedStratifiedKFold(folds, repeats)`` on one draw of
        ``n_samples``; arms are compared with the Nadeau-Bengio corrected
        t-test and the Wilcoxon test over the ``folds * repeats`` splits.
        ``"holdout"``: ``seeds`` independent training sets of ``n_samples``,
        each tested on its own independent test set of ``n_test`` samples
        drawn with another seed (asserted disjoint); one paired observation
        per seed (paired t-test and Wilcoxon).
    arms : sequence of str, default=ALL_ARMS
    n_samples : int, default=None
        Samples per draw (``None``: each data set's default).
    n_test : int, default=6000
        Holdout test-set size.
    folds, repeats : int, default=5, 1
        Repeated stratified k-fold of ``"cv"``.
    seeds : int, default=3
        Training sets of ``"holdout"``.
    n_synthetic : int, default=100
        Synthetic minority samples each sampler adds per training set.
    classifier, glow : dict, default=None
        Parameters of the classifier (``MiniceptionClassifier`` for gathers,
        ``ResNetClassifier`` for waveforms, as the data set's registry entry
        says) and of the ``GlowOversampler``.
    rank_metric : str, default="f1_minority"
        Score ranked across data sets (mean over splits); ``"f1_minority"``
        is the F1 of each data set's least frequent class, any other key of
        the per-split scores (e.g. ``"f1_macro"``) is used as is.
    alpha : float, default=0.05
        Significance level of the statements in the report.
    cache : str or None, default=None
        Folder of the ``joblib.Memory`` cache of units (and of the flows).
    n_jobs : int, default=1
        Units run concurrently (loky); torch threads per worker are
        ``cores // workers``.
    device : str, default="auto"
    random_state : int, default=0
        Seed of the draws, the splits, the samplers and the classifiers.
    on_error : {"record", "raise"}, default="record"
    verbose : int, default=1
        One progress bar per data set over arms x splits.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``per_dataset`` (dict name -> study result as :func:`run_study`'s,
        plus ``tests``: the t-test / Wilcoxon rows against ``none``,
        ``splits`` and ``description``), ``ranking`` (see
        :func:`rank_arms`), ``protocol``, ``arms``, ``datasets``.

    See Also
    --------
    run_study : One data set, plain k-fold.
    write_suite_report : Markdown, CSV and PNG output of a result.
    sklearn_seismo.metrics.corrected_ttest : The test of the ``"cv"`` protocol.

    Examples
    --------
    A deliberately tiny run (one epoch): the numbers mean nothing.

    >>> from sklearn_seismo.study import run_suite
    >>> res = run_suite(["gathers32_easy", "gathers32_hard"], protocol="cv",
    ...                 arms=("none", "random", "class_weight"), n_samples=120,
    ...                 folds=2, repeats=1, n_synthetic=4, device="cpu",
    ...                 classifier={"max_epochs": 1, "n_blocks": 1, "alpha": 1},
    ...                 verbose=0)
    >>> sorted(res.per_dataset), res.ranking.table.shape
    (['gathers32_easy', 'gathers32_hard'], (2, 3))
    >>> res.per_dataset["gathers32_easy"].tests[0]["test"]
    'corrected t'
    """
    import joblib

    if protocol not in PROTOCOLS:
        raise ValueError(
            f"unknown protocol {protocol!r}; choose among {list(PROTOCOLS)}."
        )
    benches = _resolve(datasets)
    arms = tuple(arms)
    memory = None if cache is None else joblib.Memory(cache, verbose=0)
    cfg = {"classifier": dict(classifier or {}), "glow": dict(glow or {})}
    per_dataset = {}
    for bench in benches:
        units, splits = [], []
        pipes = labels = minority = sample_shape = None
        for X, y, tr, te, split in _draws(
            bench,
            protocol,
            n_samples=n_samples,
            n_test=n_test,
            folds=folds,
            repeats=repeats,
            seeds=seeds,
            seed=random_state,
        ):
            if pipes is None:
                Xf, sample_shape = flatten_samples(X, None)
                labels = np.unique(y).tolist()
                minority = _pick_minority(y, None)
                clf, glow_t, aug = _estimators(
                    bench, sample_shape, cfg, device, random_state, memory
                )
                pipes = make_arms(
                    minority=minority,
                    sample_shape=sample_shape,
                    arms=arms,
                    n_synthetic=n_synthetic,
                    classifier=clf,
                    glow=glow_t,
                    augmenter=aug,
                    random_state=random_state,
                )
            else:
                Xf, _ = flatten_samples(X, None)
            splits.append(split)
            for arm, pipe in pipes.items():
                meta = {"dataset": bench.name, "arm": arm, "fold": split["split"]}
                units.append(
                    (
                        (pipe, Xf, y, tr, te),
                        dict(labels=labels, meta=meta, on_error=on_error),
                    )
                )
        rows = _run_units(
            units, memory=memory, n_jobs=n_jobs, verbose=verbose, desc=bench.name
        )
        # rows in split-then-arm order, as run_study's
        res = _summarize(
            rows,
            labels=labels,
            minority=minority,
            arms=list(pipes),
            sample_shape=sample_shape,
            n_synthetic=n_synthetic,
            folds=splits,
            pipelines=pipes,
        )
        res.splits = splits
        res.description = bench.description
        res.protocol = protocol
        res.tests = _pair_tests(res, protocol, "none", comparison_metrics(minority))
        per_dataset[bench.name] = res
    ranking = rank_arms(per_dataset, arms=list(arms), metric=rank_metric, alpha=alpha)
    return Bunch(
        per_dataset=per_dataset,
        ranking=ranking,
        protocol=protocol,
        arms=list(arms),
        datasets=[b.name for b in benches],
        alpha=alpha,
    )


def _metric_of(result, metric):
    return f"f1_{result.minority}" if metric == "f1_minority" else metric


def rank_arms(per_dataset, *, arms, metric="f1_minority", alpha=0.05):
    """Mean score table, mean ranks, Friedman test and Nemenyi CD over data sets.

    Returns a Bunch: ``table`` (n_datasets, n_arms) of mean scores,
    ``datasets``, ``arms`` (those ranked: an arm without a finite score on
    some data set is left out, listed in ``dropped``), ``ranks``,
    ``mean_ranks``,
    ``friedman`` (see :func:`~sklearn_seismo.metrics.friedman_test`), ``cd``
    (NaN with fewer than 2 arms or data sets), ``significant_pairs`` (arm
    pairs whose mean ranks differ by at least ``cd``; reported only when the
    Friedman test rejects at ``alpha``), ``metric`` and ``alpha``.
    """
    names = list(per_dataset)
    table = np.full((len(names), len(arms)), np.nan)
    for d, name in enumerate(names):
        res = per_dataset[name]
        key = _metric_of(res, metric)
        summary = {r["arm"]: r for r in res.summary}
        for a, arm in enumerate(arms):
            table[d, a] = summary[arm].get(f"{key}_mean", math.nan)
    # Ranks need a score of every arm on every data set: an arm that failed
    # on all splits of one data set (e.g. ADASYN finding no neighbour) is
    # left out of the ranking rather than the data set.
    keep = np.all(np.isfinite(table), axis=0)
    dropped = [a for a, k in zip(arms, keep) if not k]
    arms = [a for a, k in zip(arms, keep) if k]
    table = table[:, keep]
    out = Bunch(
        table=table,
        datasets=names,
        dropped=dropped,
        arms=list(arms),
        metric=metric,
        alpha=alpha,
        ranks=None,
        mean_ranks=None,
        friedman=None,
        cd=math.nan,
        significant_pairs=[],
    )
    if not names or not arms:
        return out
    out.ranks, out.mean_ranks = mean_ranks(out.table)
    out.friedman = friedman_test(out.table)
    if len(arms) >= 2:
        out.cd = critical_difference(len(arms), len(names), alpha=alpha)
    p = out.friedman["p_value"]
    if np.isfinite(p) and p < alpha:
        for i in range(len(arms)):
            for j in range(i + 1, len(arms)):
                diff = out.mean_ranks[j] - out.mean_ranks[i]
                if abs(diff) >= out.cd:
                    better, worse = (i, j) if diff > 0 else (j, i)
                    out.significant_pairs.append((arms[better], arms[worse]))
    return out


def _fmt_p(p):
    return "n/a" if p is None or not np.isfinite(p) else f"{p:.3g}"


def _tests_table(res, alpha):
    key = f"f1_{res.minority}"
    shown = []
    for r in res.tests:
        if r["metric"] not in (key, "f1_macro", "balanced_accuracy"):
            continue
        shown.append(
            {
                "arm": r["arm"],
                "metric": r["metric"],
                "Δ vs none (pp)": f"{100 * r['mean_diff']:+.1f}"
                if np.isfinite(r["mean_diff"])
                else "n/a",
                f"{r['test']} p": _fmt_p(r["p_value"]),
                "Holm p": _fmt_p(r["p_holm"]),
                "Wilcoxon p": _fmt_p(r["wilcoxon_p"]),
                "significant": "yes"
                if np.isfinite(r["p_holm"]) and r["p_holm"] < alpha
                else "no",
            }
        )
    return format_markdown_table(shown, list(shown[0])) if shown else ""


def significance_statements(result):
    """Plain sentences: which differences are significant, per data set and overall."""
    alpha = result.alpha
    lines = []
    for name, res in result.per_dataset.items():
        key = f"f1_{res.minority}"
        sig = [
            r
            for r in res.tests
            if r["metric"] == key and np.isfinite(r["p_holm"]) and r["p_holm"] < alpha
        ]
        test = res.tests[0]["test"] if res.tests else "t"
        if not res.tests:
            lines.append(f"- `{name}`: no `none` arm, nothing compared.")
        elif not sig:
            lines.append(
                f"- `{name}`: no arm differs significantly from `none` on "
                f"{key} ({test}-test, Holm-adjusted p < {alpha})."
            )
        else:
            parts = [
                f"`{r['arm']}` ({100 * r['mean_diff']:+.1f} pp, "
                f"p={_fmt_p(r['p_holm'])})"
                for r in sig
            ]
            lines.append(
                f"- `{name}`: significantly different from `none` on {key} "
                f"({test}-test, Holm-adjusted p < {alpha}): " + ", ".join(parts) + "."
            )
    rk = result.ranking
    if rk.friedman is None:
        lines.append("- Across data sets: nothing to rank.")
    else:
        p = rk.friedman["p_value"]
        if not np.isfinite(p):
            lines.append(
                f"- Across data sets: no Friedman test ({rk.friedman['note']})."
            )
        elif p >= alpha:
            lines.append(
                f"- Across {len(rk.datasets)} data sets the Friedman test does not "
                f"reject that all arms rank alike (p={_fmt_p(p)} ≥ {alpha}): no "
                "difference of mean rank is significant."
            )
        elif not rk.significant_pairs:
            lines.append(
                f"- Across {len(rk.datasets)} data sets the Friedman test rejects "
                f"(p={_fmt_p(p)}), but no pair of arms differs by the critical "
                f"difference {rk.cd:.2f} of mean rank (Nemenyi)."
            )
        else:
            pairs = ", ".join(f"`{a}` > `{b}`" for a, b in rk.significant_pairs)
            lines.append(
                f"- Across {len(rk.datasets)} data sets the Friedman test rejects "
                f"(p={_fmt_p(p)}); pairs whose mean ranks differ by at least the "
                f"critical difference {rk.cd:.2f} (Nemenyi, α={alpha}): {pairs}."
            )
    return lines


def write_suite_report(result, out_dir, *, config=None):
    """Write ``report.md``, ``ranking.csv``, ``tests.csv``, ``cd.png`` and one
    study report per data set (sub-folders, :func:`write_report`).

    Returns
    -------
    paths : dict of str -> str
    """
    import json

    from ._report import _write_csv, format_study_table, write_report

    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    rk = result.ranking
    md = ["# Study suite", ""]
    md.append(
        f"Protocol `{result.protocol}`; arms {', '.join(result.arms)}; data sets "
        f"{', '.join(result.datasets)}."
    )
    test = (
        "the Nadeau-Bengio corrected resampled t-test over the splits (it "
        "accounts for the overlap of their training sets)"
        if result.protocol == "cv"
        else "the paired t-test over the independent training sets"
    )
    md += [
        "",
        "## Significance",
        "",
        f"Per data set, each arm is compared with `none` by {test}; p-values "
        "are Holm-adjusted over the arms and *significant* means adjusted p < "
        f"{result.alpha}. The Wilcoxon signed-rank p is shown for reference"
        + (
            " only: it ignores the overlap of training sets and is too optimistic."
            if result.protocol == "cv"
            else "."
        ),
        "",
    ]
    md += significance_statements(result) + [""]
    tests_rows = []
    for name, res in result.per_dataset.items():
        sub = os.path.join(out_dir, name)
        write_report(res, sub, config=config, title=f"Study: {name}")
        paths[name] = sub
        n = len(res.splits)
        what = (
            f"{n} splits (repeated stratified k-fold)"
            if result.protocol == "cv"
            else f"{n} independent training sets, each with its own test set"
        )
        md += [f"## {name}", "", f"{res.description}; {what}.", ""]
        md += [format_study_table(res), ""]
        md += [_tests_table(res, result.alpha), ""]
        md += [f"Full tables: [{name}/report.md]({name}/report.md)", ""]
        tests_rows += [dict(dataset=name, **r) for r in res.tests]
    md += ["## Across data sets", ""]
    if rk.friedman is not None:
        rows = []
        for d, name in enumerate(rk.datasets):
            row = {"data set": name}
            for a, arm in enumerate(rk.arms):
                row[arm] = f"{100 * rk.table[d, a]:.1f} ({rk.ranks[d, a]:g})"
            rows.append(row)
        rows.append(
            {"data set": "**mean rank**"}
            | {arm: f"**{m:.2f}**" for arm, m in zip(rk.arms, rk.mean_ranks)}
        )
        md += [
            f"Mean {rk.metric} over splits, in % (rank within the data set; 1 = best):",
            "",
            format_markdown_table(rows, ["data set", *rk.arms]),
            "",
            f"Friedman χ² = {rk.friedman['statistic']:.3g}, "
            f"p = {_fmt_p(rk.friedman['p_value'])} ({rk.friedman['note'] or 'ok'}); "
            f"Nemenyi critical difference {rk.cd:.2f} at α = {rk.alpha}.",
            "",
        ]
        if rk.dropped:
            md += [f"Left out (no finite score on some data set): {rk.dropped}.", ""]
        ranking_rows = [
            {
                "dataset": name,
                "arm": arm,
                "score": rk.table[d, a],
                "rank": rk.ranks[d, a],
            }
            for d, name in enumerate(rk.datasets)
            for a, arm in enumerate(rk.arms)
        ]
        paths["ranking.csv"] = os.path.join(out_dir, "ranking.csv")
        _write_csv(paths["ranking.csv"], ranking_rows)
        if len(rk.arms) >= 2 and np.isfinite(rk.cd):
            try:
                import matplotlib

                matplotlib.use("Agg", force=False)
                import matplotlib.pyplot as plt

                from ..metrics import plot_critical_difference
            except ImportError:
                plt = None
            if plt is not None:
                fig = plot_critical_difference(
                    rk.mean_ranks,
                    rk.arms,
                    rk.cd,
                    title=f"mean rank of {rk.metric} over {len(rk.datasets)} data sets",
                )
                paths["cd.png"] = os.path.join(out_dir, "cd.png")
                fig.savefig(paths["cd.png"], dpi=120, bbox_inches="tight")
                plt.close(fig)
                md += ["![critical-difference diagram](cd.png)", ""]
    paths["tests.csv"] = os.path.join(out_dir, "tests.csv")
    _write_csv(paths["tests.csv"], tests_rows)
    if config is not None:
        paths["config.json"] = os.path.join(out_dir, "config.json")
        with open(paths["config.json"], "w", encoding="utf-8") as fh:
            json.dump(config, fh, indent=2, default=str)
        md += [
            "## Setup",
            "",
            "```json",
            json.dumps(config, indent=2, default=str),
            "```",
            "",
        ]
    paths["report.md"] = os.path.join(out_dir, "report.md")
    with open(paths["report.md"], "w", encoding="utf-8") as fh:
        fh.write("\n".join(md))
    return paths


# ---------------------------------------------------------------- command line

SUITE_OPTIONS = (
    "--suite",
    "--protocol",
    "--datasets",
    "--repeats",
    "--seeds",
    "--n-test",
    "--cache",
)


def wants_suite(argv):
    """Whether command-line arguments ask for the suite rather than the study."""
    return any(a.split("=", 1)[0] in SUITE_OPTIONS for a in argv)


def _datasets(text):
    from sklearn_seismo.datasets import BENCHMARKS

    names = tuple(d.strip() for d in text.split(",") if d.strip())
    if names == ("all",):
        return tuple(BENCHMARKS)
    unknown = [d for d in names if d not in BENCHMARKS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown data set(s) {unknown or text!r}; choose among "
            f"{','.join(BENCHMARKS)} (or all)"
        )
    return names


def build_parser():
    """The ``argparse`` parser of the suite's command line."""
    from sklearn_seismo.datasets import BENCHMARKS

    from ._cli import _arms, _positive_int

    listing = "\n".join(
        f"  {name:<17} {b.description}" for name, b in BENCHMARKS.items()
    )
    p = argparse.ArgumentParser(
        prog="seismo-study",
        description=(
            "Study suite: every arm on several data sets, with repeated "
            "folds or an independent test set, paired tests per data set and "
            "rankings (Friedman, Nemenyi critical difference) across them."
        ),
        epilog=f"data sets (--datasets):\n{listing}\n\n"
        "exit status: 0 success; 1 an arm failed on every split of a data set "
        "(the report is still written); 2 bad options or data.\n\n"
        "examples:\n"
        "  seismo-study --suite quick --n-jobs 2 --cache .suite_cache\n"
        "  seismo-study --suite full --n-jobs 2 --cache .suite_cache\n"
        "  seismo-study --protocol cv --folds 5 --repeats 3 --datasets "
        "gathers32_easy,waveform_quality\n"
        "  seismo-study --protocol cv --data mine.npz --datasets gathers32_hard",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--suite",
        choices=tuple(SUITES),
        default="quick",
        help="preset (default: quick); the options below override it",
    )
    p.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        help="cv: repeated stratified k-fold; holdout: independent "
        "training sets and test sets drawn with other seeds",
    )
    p.add_argument(
        "--datasets",
        type=_datasets,
        metavar="A,B,...",
        help="registered data sets, comma separated, or 'all'",
    )
    p.add_argument(
        "--data",
        metavar="PATH",
        help="your own data (.npz with X and y, or waveform files "
        "with --labels), added to --datasets (cv only)",
    )
    p.add_argument("--labels", metavar="CSV", help="labels of waveform files")
    p.add_argument(
        "--window",
        type=float,
        metavar="SECONDS",
        help="window length for waveform files",
    )
    p.add_argument(
        "--layout",
        choices=("auto", "gathers", "waveforms"),
        default="auto",
        help="layout of --data (as the study's)",
    )
    p.add_argument("--arms", type=_arms, metavar="A,B,...")
    p.add_argument("--folds", type=_positive_int, metavar="K")
    p.add_argument("--repeats", type=_positive_int, metavar="R")
    p.add_argument(
        "--seeds",
        type=_positive_int,
        metavar="S",
        help="holdout: number of training sets",
    )
    p.add_argument(
        "--n-samples",
        type=_positive_int,
        metavar="N",
        help="samples per draw (holdout: training-set size)",
    )
    p.add_argument(
        "--n-test",
        type=_positive_int,
        metavar="N",
        help="holdout test-set size (default 6000)",
    )
    p.add_argument("--n-synthetic", type=_positive_int, metavar="N")
    p.add_argument("--epochs", type=_positive_int, metavar="N")
    p.add_argument("--flow-epochs", type=_positive_int, metavar="N")
    p.add_argument(
        "--rank-metric",
        default="f1_minority",
        help="score ranked across data sets (default: f1_minority)",
    )
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument(
        "--cache", metavar="DIR", help="joblib cache: a rerun resumes where it stopped"
    )
    p.add_argument("--n-jobs", type=int, default=1, metavar="N")
    p.add_argument("--device", default="auto")
    p.add_argument("--out", default="suite_results", metavar="DIR")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-q", "--quiet", action="store_true")
    return p


def _config(args):
    cfg = copy.deepcopy(SUITES[args.suite])
    for key in (
        "protocol",
        "datasets",
        "arms",
        "folds",
        "repeats",
        "seeds",
        "n_samples",
        "n_test",
        "n_synthetic",
    ):
        value = getattr(args, key)
        if value is not None:
            cfg[key] = value
    if args.epochs is not None:
        cfg["classifier"]["max_epochs"] = args.epochs
    if args.flow_epochs is not None:
        cfg["glow"]["max_epochs"] = args.flow_epochs
    return cfg


def _fit_and_score_s(result):
    times = [
        row.get(key, math.nan)
        for res in result.per_dataset.values()
        for row in res.scores
        for key in ("fit_time", "score_time")
    ]
    return math.fsum(t for t in times if np.isfinite(t))


def main(argv=None):
    """Run the suite from the command line; returns the exit status."""
    from ._cli import _failed_arms, _print_failed_fits, _silence_reported_elsewhere

    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if not 0 < args.alpha < 1:
        parser.error(f"--alpha must lie in (0, 1), got {args.alpha}.")
    cfg = _config(args)
    datasets = list(cfg["datasets"])
    if args.data is not None:
        from ._cli import UsageError, _is_waveform, load_data

        if cfg["protocol"] != "cv":
            parser.error(
                "--data has no independent test set: use --protocol cv with it."
            )
        try:
            data = load_data(args.data, labels=args.labels, window=args.window)
        except UsageError as exc:
            parser.error(str(exc))
        X, y = data.X, data.y
        guess = args.layout if args.layout != "auto" else data.layout
        layout = "waveforms" if _is_waveform(X.shape[1:], guess) else "gathers"
        name = os.path.splitext(os.path.basename(args.data))[0] or "data"
        datasets = [_user_benchmark(name, X, y, layout)] + (
            list(args.datasets) if args.datasets is not None else []
        )
    t0 = time.perf_counter()
    # failed fits are listed in each data set's report.md
    with _silence_reported_elsewhere():
        try:
            result = run_suite(
                datasets,
                protocol=cfg["protocol"],
                arms=cfg["arms"],
                n_samples=cfg["n_samples"],
                n_test=cfg["n_test"],
                folds=cfg["folds"],
                repeats=cfg["repeats"],
                seeds=cfg["seeds"],
                n_synthetic=cfg["n_synthetic"],
                classifier=cfg["classifier"],
                glow=cfg["glow"],
                rank_metric=args.rank_metric,
                alpha=args.alpha,
                cache=args.cache,
                n_jobs=args.n_jobs,
                device=args.device,
                random_state=args.seed,
                verbose=0 if args.quiet else 1,
            )
        except ValueError as exc:
            parser.error(str(exc))
    wall = time.perf_counter() - t0
    config = {
        "command": "seismo-study " + " ".join(argv),
        "suite": cfg,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_time_s": round(wall, 1),
        # a resumed run's wall time misses the fits read from the cache; each
        # fit's own times, recorded when it ran, do not
        "fit_and_score_s": round(_fit_and_score_s(result), 1),
        "n_jobs": args.n_jobs,
        "cache": args.cache,
    }
    paths = write_suite_report(result, args.out, config=config)
    print("\n".join(significance_statements(result)))
    dead = []
    for name, res in result.per_dataset.items():
        _print_failed_fits(res, where=f" on {name}")
        dead += [f"{arm} on {name}" for arm in _failed_arms(res)]
    print(f"\nwall time {wall:.0f} s; report: {paths['report.md']}")
    if dead:
        print(
            f"\nerror: arm(s) failed on every split: {', '.join(dead)}; see the "
            "messages above and report.md.",
            file=sys.stderr,
        )
        return 1
    return 0
