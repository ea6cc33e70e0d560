"""The study suite: every arm on several data sets, with tests that can tell them apart.

One unit of work is one (data set, arm, split) fit, scored by the study's
``fit_and_score`` and cached with ``joblib.Memory``: an interrupted run
resumes where it stopped, and a finished one replays from the cache. Each
data set's scores are summarised by the study's own machinery (so its report
is the study report); across data sets the arms are ranked (Friedman test,
Nemenyi critical difference).
"""

import hashlib
import math
from contextlib import nullcontext

import joblib
import numpy as np
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.utils import Bunch

from ..metrics import (
    OVERALL_METRICS,
    compare_to_reference,
    corrected_ttest,
    critical_difference,
    fold_scores,
    friedman_test,
    holm,
    mean_ranks,
)
from ..utils import flatten_samples
from ..utils._torch import torch_threads
from ._arms import ALL_ARMS, make_arms
from ._checks import check_allocation
from ._dask import dask_client
from ._estimators import build_estimators
from ._parallel import _dask_threads, _progress, fit_and_score
from ._study import _pick_minority, _summarize, comparison_metrics

__all__ = [
    "SUITES",
    "PROTOCOLS",
    "rank_arms",
    "rank_metric_names",
    "run_suite",
    "user_benchmark",
]

PROTOCOLS = ("cv", "holdout")
BACKENDS = ("loky", "dask")

#: Scores of each data set's own rare class that ``rank_metric`` may name.
MINORITY_METRICS = (
    "f1_minority",
    "precision_minority",
    "recall_minority",
    "average_precision_minority",
    "brier_minority",
)

#: Settings of ``--suite quick`` and ``--suite full``; CLI options override
#: single entries.
#:
#: ``quick`` (the README's main job; under 15 minutes on 2 CPU cores with
#: ``--n-jobs 2``): holdout on 3 data sets, 6 training sets of 600 samples
#: each tested on its own 6,000 (about 105 *bad* gathers or 180 bad windows
#: per test set, where a fold of the old quick study held 3-4), 6 arms, 5
#: epochs, a ResNet of 32-64-64 filters. 6 training sets rather than 4 so
#: that its Conclusion states results: with 4, every Holm-adjusted p against
#: ``none`` was above 0.01 (nothing *better*), with 6 seven arm-data set
#: pairs are below it. Measured 2026-12-06 on 2 idle AMD EPYC cores, 1 torch
#: thread per fit: 477 s wall (4 training sets: 322 s).
#:
#: ``full`` (a benchmark of hours): holdout on 7 data sets (the six of the
#: 2026-11-30 run plus the in-domain waveform test) with all 16 arms (the
#: measured run below had 15; ``focal+threshold`` came after it),
#: 5 training sets of each data set's default size (1,000 gathers, the paper's
#: 5,223, 2,000 windows), each tested on its own 6,000; 20 epochs, the default
#: Miniception and ResNet, 300 synthetic samples. Holdout rather than
#: repeated CV because CV cannot separate the arms at these sizes: a test fold
#: of 1,000 gathers holds 3-4 *bad* ones, and 5 x 2 CV on the 32 x 32 gathers
#: (measured, 160 fits) left bad-class F1 standard deviations of 12-23 points
#: and no arm significantly different from ``none``. Measured (2026-12-06,
#: 2 fits at a time, one torch thread each, on cores shared with other work;
#: fit CPU time / 2): about 1.5 hours per 64 x 64 data set, 1.8 for the
#: paper's count, 2.5 per waveform task, about 45 minutes of wall time per
#: 32 x 32 one; 94,000 s of fits, about 13 hours on 2 cores
#: (``benchmarks/results/study_suite.md``). The threshold arms cost 2.3-3.4
#: fits each; the glow arms share each training set's flows through the cache.
SUITES = {
    "quick": {
        "name": "quick",
        "protocol": "holdout",
        "datasets": ("gathers32_easy", "gathers32_hard", "waveform_quality"),
        "arms": ("none", "glow", "smote", "random", "class_weight", "augment"),
        "n_samples": 600,
        "n_test": 6000,
        "seeds": 6,
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
            # the same task tested on held-out time of the training records:
            # tells "helps the rare class" from "shifts a cross-record confusion"
            "waveform_quality_in_domain",
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


def user_benchmark(name, X, y, layout):
    """A :class:`~sklearn_seismo.datasets.Benchmark` of a user's arrays (cv only)."""
    from ..datasets import Benchmark  # pylops and torch: loaded on use

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
    from ..datasets import BENCHMARKS  # pylops and torch: loaded on use

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


def _check_classes(y, where, y_test=None):
    """``y`` holds 2 classes or more, and every class of ``y_test``."""
    counts = {str(c): int(n) for c, n in zip(*np.unique(y, return_counts=True))}
    missing = sorted(str(c) for c in np.unique(y_test if y_test is not None else y))
    missing = [c for c in missing if c not in counts]
    if len(counts) < 2 or missing:
        lacking = f"; no sample of {missing}" if missing else ""
        raise ValueError(
            f"{where} hold(s) the classes {counts}{lacking}: the arms cannot be "
            "compared on it; raise n_samples (--n-samples)."
        )


def _check_memory(bench, protocol, n_samples, n_test, seed):
    """Refuse draws whose arrays alone exceed the available memory."""
    n = bench.n_samples if n_samples is None else int(n_samples)
    n_total = n + (int(n_test) if protocol == "holdout" else 0)
    X, _ = bench.loader(2, seed)  # the sample shape and dtype, cheaply
    X = np.asarray(X)
    check_allocation(
        n_total,
        X.shape[1:],
        itemsize=X.dtype.itemsize,
        what=f"data set {bench.name!r}",
        fix="lower n_samples or n_test (--n-samples, --n-test)",
    )


def _draws(bench, protocol, *, n_samples, n_test, folds, repeats, seeds, seed):
    """Yield (X, y, train, test, split) per split; X stacks train and test."""
    n = bench.n_samples if n_samples is None else int(n_samples)
    if protocol == "cv":
        X, y = bench.loader(n, seed)
        y = np.asarray(y)
        _check_classes(y, f"the {len(y)} samples of {bench.name!r}")
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
        where = f"training set {i} of {bench.name!r} ({len(y_tr)} samples)"
        _check_classes(np.asarray(y_tr), where, np.asarray(y_te))
        _assert_disjoint(X_tr, X_te, bench.name)
        X = np.concatenate([X_tr, X_te])
        y = np.concatenate([np.asarray(y_tr), np.asarray(y_te)])
        tr = np.arange(len(X_tr))
        te = np.arange(len(X_tr), len(X))
        yield X, y, tr, te, {"split": i, "train_seed": s_tr, "test_seed": s_te}


def _unit(
    pipe, X, y, train, test, *, labels, meta, on_error, rare_class=None, threads=None
):
    return fit_and_score(
        pipe,
        X,
        y,
        train,
        test,
        labels=labels,
        meta=meta,
        on_error=on_error,
        rare_class=rare_class,
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


def _run_units(units, *, memory, n_jobs, verbose, desc, n_threads=None, client=None):
    """Run the units (loky, or dask with ``client``); rows in unit order."""
    func = _cached_unit(memory)
    if client is not None:
        # the same joblib call, on the cluster; the cache folder must be one
        # the workers can reach (any folder for a local cluster)
        threads = _dask_threads(client, n_threads)
        n_workers = -1 if n_jobs in (None, 1) else n_jobs
        context = joblib.parallel_config(backend="dask")
    else:
        n_workers = max(1, min(joblib.effective_n_jobs(n_jobs), len(units)))
        threads = torch_threads(n_workers, n_threads=n_threads)
        context = nullcontext()
    jobs = (
        joblib.delayed(_indexed)(func, i, args, dict(kwargs, threads=threads))
        for i, (args, kwargs) in enumerate(units)
    )
    rows = [None] * len(units)
    with context, _progress(len(units), verbose, desc) as bar:
        parallel = joblib.Parallel(n_jobs=n_workers, return_as="generator_unordered")
        for i, row in parallel(jobs):
            rows[i] = row
            bar.set_postfix_str(f"{row['arm']} split {row['fold']}")
            bar.update(1)
    return rows


def _indexed(func, i, args, kwargs):
    return i, func(*args, **kwargs)


def rows_by_arm(scores):
    """``{arm: {split: score row}}`` of a study's per-split score rows."""
    by_arm = {}
    for row in scores:
        by_arm.setdefault(row["arm"], {})[row["fold"]] = row
    return by_arm


def _pair_tests(result, protocol, reference, metrics):
    """Wilcoxon rows of the study plus the t-test of the protocol, per arm."""
    rows = []
    wilcoxon = {
        (r["arm"], r["metric"]): r
        for r in compare_to_reference(
            result.scores, reference=reference, metrics=metrics
        )
    }
    by_arm = rows_by_arm(result.scores)
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
                    # the effect next to its p: with 5 training sets and a
                    # Holm family of 14 arms, "higher in 5 of 5" can carry
                    # an adjusted p above 0.1 (the Wilcoxon row pairs the
                    # same splits)
                    "n_wins": w["n_wins"],
                    "test": name,
                    "t": test["t"],
                    "p_value": test["p_value"],
                    "wilcoxon_p": w["p_value"],
                    "note": "; ".join(x for x in (test["note"], w["note"]) if x),
                }
            )
        for row, p in zip(family, holm([r["p_value"] for r in family])):
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
    n_threads=None,
    backend="loky",
    scheduler=None,
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
        the per-split scores (e.g. ``"f1_macro"``, see
        :func:`rank_metric_names`) is used as is. An unknown name is an error
        before any fit.
    alpha : float, default=0.05
        Significance level of the statements in the report.
    cache : str or None, default=None
        Folder of the ``joblib.Memory`` cache of units (and of the flows).
    n_jobs : int, default=1
        Units run concurrently, each with ``n_threads`` torch threads. With
        ``backend="dask"``, 1 means every worker thread of the cluster.
    n_threads : int, default=None
        Torch threads per unit; ``None``: :func:`sklearn_seismo.utils.torch_threads`
        (1, or ``SEISMO_TORCH_THREADS``; ``auto`` = cores // concurrent units).
        On dask: cores // worker threads of each worker's machine.
    backend : {"loky", "dask"}, default="loky"
        ``"dask"`` runs the same joblib call on a dask.distributed cluster
        (``scheduler``); ``cache`` must then be a folder every worker can
        reach (a shared file system), since the workers read and write it.
    scheduler : None, str or distributed.Client, default=None
        With ``backend="dask"``: a scheduler address such as
        ``"tcp://10.0.0.1:8786"``, a ``Client``, or None for the client
        already active in this process.
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
    if protocol not in PROTOCOLS:
        raise ValueError(
            f"unknown protocol {protocol!r}; choose among {list(PROTOCOLS)}."
        )
    if backend not in BACKENDS:
        raise ValueError(
            f"backend must be one of {list(BACKENDS)}, got {backend!r}; use "
            "'dask' with scheduler='tcp://...' to run on a cluster."
        )
    check_rank_metric(rank_metric)
    benches = _resolve(datasets)
    for bench in benches:
        _check_memory(bench, protocol, n_samples, n_test, random_state)
    arms = tuple(arms)
    memory = None if cache is None else joblib.Memory(cache, verbose=0)
    client, owned = (None, False)
    if backend == "dask":
        client, owned = dask_client(scheduler)
    try:
        per_dataset = _run_benches(
            benches,
            protocol=protocol,
            arms=arms,
            draw=dict(
                n_samples=n_samples,
                n_test=n_test,
                folds=folds,
                repeats=repeats,
                seeds=seeds,
                seed=random_state,
            ),
            n_synthetic=n_synthetic,
            cfg={"classifier": dict(classifier or {}), "glow": dict(glow or {})},
            rank_metric=rank_metric,
            memory=memory,
            run=dict(
                n_jobs=n_jobs, n_threads=n_threads, verbose=verbose, client=client
            ),
            device=device,
            random_state=random_state,
            on_error=on_error,
        )
    finally:
        if owned:
            client.close()
    ranking = rank_arms(per_dataset, arms=list(arms), metric=rank_metric, alpha=alpha)
    return Bunch(
        per_dataset=per_dataset,
        ranking=ranking,
        protocol=protocol,
        arms=list(arms),
        datasets=[b.name for b in benches],
        alpha=alpha,
    )


def _run_benches(
    benches,
    *,
    protocol,
    arms,
    draw,
    n_synthetic,
    cfg,
    rank_metric,
    memory,
    run,
    device,
    random_state,
    on_error,
):
    per_dataset = {}
    for bench in benches:
        units, splits = [], []
        pipes = labels = minority = sample_shape = None
        for X, y, tr, te, split in _draws(bench, protocol, **draw):
            if pipes is None:
                Xf, sample_shape = flatten_samples(X, None)
                labels = np.unique(y).tolist()
                check_rank_metric(rank_metric, labels)
                minority = _pick_minority(y, None)
                clf, glow_t, aug = build_estimators(
                    sample_shape,
                    waveform=bench.layout == "waveforms",
                    classifier=cfg["classifier"],
                    glow=cfg["glow"],
                    device=device,
                    seed=random_state,
                    memory=None if memory is None else memory.location,
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
                        dict(
                            labels=labels,
                            meta=meta,
                            on_error=on_error,
                            rare_class=minority,
                        ),
                    )
                )
        rows = _run_units(units, memory=memory, desc=bench.name, **run)
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
    return per_dataset


def rank_metric_names(labels=None):
    """Names ``rank_metric`` accepts: ``f1_minority`` and the per-split scores.

    Parameters
    ----------
    labels : sequence, default=None
        Class labels of a data set; None lists the overall scores only (the
        per-class ones, such as ``f1_bad``, depend on the labels).

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from sklearn_seismo.study import rank_metric_names
    >>> names = rank_metric_names(["bad", "good"])
    >>> "f1_minority" in names and "f1_macro" in names and "recall_bad" in names
    True
    """
    names = [*MINORITY_METRICS, *OVERALL_METRICS]
    if labels is not None:
        labels = list(labels)
        names += [
            k for k in fold_scores(labels, labels, labels=labels) if k not in names
        ]
    return names


def check_rank_metric(metric, labels=None):
    """Raise a ValueError for a ``rank_metric`` that no split will score.

    Without ``labels`` only names that cannot be per-class scores are
    refused; with them, every name not in :func:`rank_metric_names`.
    """
    known = rank_metric_names(labels)
    per_class = isinstance(metric, str) and metric.startswith(_PER_CLASS_PREFIXES)
    if metric in known or (labels is None and per_class):
        return
    raise ValueError(
        f"unknown rank_metric {metric!r}; choose among {', '.join(known)}"
        + ("" if labels is not None else ", or a per-class score such as f1_<class>")
        + "."
    )


_PER_CLASS_PREFIXES = (
    "precision_",
    "recall_",
    "f1_",
    "support_",
    "average_precision_",
    "brier_",
)


def _metric_of(result, metric):
    # "<score>_minority" is that score of each data set's own rare class
    if metric.endswith("_minority"):
        return f"{metric[: -len('_minority')]}_{result.minority}"
    return metric


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
    # the Brier score is a loss: rank 1 goes to the lowest
    higher_is_better = not metric.startswith("brier_")
    out.ranks, out.mean_ranks = mean_ranks(out.table, higher_is_better=higher_is_better)
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
