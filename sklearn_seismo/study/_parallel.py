"""Run (pipeline, split) fits in parallel with joblib: loky locally, dask beyond.

No scheduler of our own: the same ``joblib.Parallel`` call runs under
``joblib.parallel_config(backend="dask")`` with a ``distributed.Client`` when a
cluster is asked for. Each task caps torch's (and BLAS') thread pool so that
concurrent workers on one machine share its cores instead of oversubscribing
(:func:`sklearn_seismo.utils.torch_threads`), and records the warnings its fit
raised, so that they come back with the result instead of being printed by
whichever process happened to run the fit.
"""

import math
import os
import re
import sys
import time
import traceback
import warnings
from collections import Counter
from contextlib import contextmanager, nullcontext

import numpy as np
from sklearn.base import clone

from ..metrics import (
    fold_scores,
    rare_class_average_precision,
    rare_class_brier_score,
)
from ..utils._torch import limit_torch_threads, torch_threads
from ._dask import dask_client

BACKENDS = ("loky", "threading", "dask")


def _resolve_threads(spec):
    """Threads for this task: an int, or per dask worker address."""
    if not isinstance(spec, dict):
        return spec
    try:
        from distributed import get_worker

        return spec.get(get_worker().address, 1)
    except (ImportError, ValueError):
        return 1


def fit_and_score(
    pipe,
    X,
    y,
    train,
    test,
    *,
    labels,
    meta,
    fit_params=None,
    threads=None,
    on_error="record",
    rare_class=None,
):
    """Fit a clone of ``pipe`` on ``X[train]`` and score it on ``X[test]``.

    Returns one row (dict): ``meta``, ``n_train``, ``n_test``, ``fit_time``
    (wall seconds), ``fit_cpu_time`` (CPU seconds of the process: with loky,
    one fit per worker process, the fit's own, whatever else holds the
    cores; in a dask worker that runs several fits in threads, all of
    theirs), ``score_time``, ``error``, ``warnings``, the keys of
    :func:`sklearn_seismo.metrics.fold_scores`, and the rare class's
    threshold-free scores ``average_precision_<rare>`` and ``brier_<rare>``
    (:func:`~sklearn_seismo.metrics.rare_class_average_precision`,
    :func:`~sklearn_seismo.metrics.rare_class_brier_score`; NaN when the
    pipeline has no ``predict_proba``). With ``predict_proba`` the row also
    holds the test fold's ``rare_proba`` (probability of the rare class) and
    ``rare_true`` (``y[test] == rare``) as arrays, for the report's curves;
    they are not written to the CSV files. ``rare_class`` ``None`` is the
    least frequent class of ``y`` (ties: the first in sorted order), as the
    study picks its minority.

    A failure is recorded as NaN scores and the error message when
    ``on_error="record"``. ``warnings`` maps ``"Category: message"`` of every
    warning raised by the fit and the prediction to its count; nothing is
    printed.
    """
    row = dict(meta)
    row.update(n_train=int(len(train)), n_test=int(len(test)))
    y_test = y[test]
    if rare_class is None:
        counts = Counter(np.asarray(y).tolist())
        rare_class = min(sorted(counts), key=lambda c: counts[c])
    with (
        warnings.catch_warnings(record=True) as caught,
        limit_torch_threads(_resolve_threads(threads)),
    ):
        warnings.simplefilter("always")
        try:
            row.update(
                _fit_score(pipe, X, y, train, test, labels, fit_params, rare_class)
            )
        except Exception as exc:
            if on_error == "raise":
                raise
            scores = fold_scores(y_test, y_test, labels=labels)
            row.update(fit_time=math.nan, fit_cpu_time=math.nan, score_time=math.nan)
            row["error"] = f"{type(exc).__name__}: {exc}".strip()
            row["traceback"] = traceback.format_exc(limit=3)
            for key, value in scores.items():
                row[key] = value if key.startswith("support_") else math.nan
            row[f"average_precision_{rare_class}"] = math.nan
            row[f"brier_{rare_class}"] = math.nan
    row["warnings"] = dict(
        Counter(f"{w.category.__name__}: {w.message}" for w in caught)
    )
    return row


def _fit_score(pipe, X, y, train, test, labels, fit_params, rare_class):
    est = clone(pipe)
    t0, c0 = time.perf_counter(), time.process_time()
    est.fit(X[train], y[train], **(fit_params or {}))
    t1, c1 = time.perf_counter(), time.process_time()
    proba = None
    if hasattr(est, "predict_proba"):
        proba = est.predict_proba(X[test])
    final = est[-1] if hasattr(est, "steps") else est
    # the same labels as est.predict, without a second forward pass
    if proba is not None and _predict_is_argmax(est):
        y_pred = est.classes_[np.argmax(proba, axis=1)]
    elif proba is not None and hasattr(final, "predict_from_proba"):
        # a threshold-tuning wrapper: predict == predict_from_proba(predict_proba)
        y_pred = final.predict_from_proba(proba)
    else:
        y_pred = est.predict(X[test])
    t2 = time.perf_counter()
    y_test = y[test]
    scores = fold_scores(y_test, y_pred, labels=labels)
    extra = {
        f"average_precision_{rare_class}": math.nan,
        f"brier_{rare_class}": math.nan,
    }
    classes = list(getattr(est, "classes_", ()))
    if proba is not None and rare_class in classes:
        p_rare = np.asarray(proba[:, classes.index(rare_class)], dtype=float)
        extra[f"average_precision_{rare_class}"] = rare_class_average_precision(
            y_test, p_rare, rare_class=rare_class
        )
        extra[f"brier_{rare_class}"] = rare_class_brier_score(
            y_test, p_rare, rare_class=rare_class
        )
        extra["rare_proba"] = p_rare
        extra["rare_true"] = np.asarray(y_test == rare_class)
    return dict(
        fit_time=t1 - t0,
        fit_cpu_time=c1 - c0,
        score_time=t2 - t1,
        error="",
        **scores,
        **extra,
    )


def _predict_is_argmax(est):
    """Whether ``est.predict`` is documented as the argmax of ``predict_proba``.

    True for a pipeline ending in the package's classifiers (their ``predict``
    is ``classes_[argmax(predict_proba)]``, so one forward pass gives both).
    A final estimator with ``predict_from_proba`` (the threshold-tuning
    wrapper) applies its own rule to the same probabilities; any other (a
    scikit-learn model) keeps its own ``predict``.
    """
    final = est[-1] if hasattr(est, "steps") else est
    # not imported here: a study without the neural classifiers need not load
    # torch, and an estimator of a module never loaded cannot be one of them
    neural = sys.modules.get("sklearn_seismo.neural")
    if neural is None:
        return False
    argmax_predicts = {
        neural.MiniceptionClassifier.predict,
        neural.ResNetClassifier.predict,
    }
    return type(final).predict in argmax_predicts


def collect_warnings(rows, by):
    """Count the warnings of fitted rows per group: ``{group: {message: n}}``.

    Messages that differ only in their numbers (e.g. "7 of 67 decodes redrawn"
    in one fold, "6 of 70" in another) are counted together under the first
    one seen, marked with how many variants there were.
    """
    out = {}
    for row in rows:
        groups = out.setdefault(row[by], {})
        for message, n in (row.get("warnings") or {}).items():
            key = re.sub(r"\d+(?:\.\d+)?", "#", message)
            entry = groups.setdefault(key, [message, 0, set()])
            entry[1] += n
            entry[2].add(message)
    collected = {}
    for group, entries in out.items():
        counts = {}
        for message, n, variants in sorted(entries.values(), key=lambda e: -e[1]):
            if len(variants) > 1:
                message += f" [{len(variants)} variants of this message]"
            counts[message] = n
        if counts:
            collected[group] = counts
    return collected


def _dask_threads(client, n_threads=None):
    """Torch threads per dask worker: the host's cores over its worker threads."""
    if n_threads is not None:
        return n_threads
    nthreads = client.nthreads()
    cores = client.run(os.cpu_count)
    per_host = {}
    for addr, n in nthreads.items():
        host = addr.rsplit(":", 1)[0]
        per_host[host] = per_host.get(host, 0) + n
    return {
        addr: max(1, (cores.get(addr) or 1) // per_host[addr.rsplit(":", 1)[0]])
        for addr in nthreads
    }


def run_tasks(
    tasks,
    *,
    n_jobs=1,
    backend="loky",
    scheduler=None,
    verbose=1,
    desc="fits",
    n_threads=None,
):
    """Run ``fit_and_score`` tasks; return rows in task order.

    ``tasks`` is a list of ``(args, kwargs)`` for :func:`fit_and_score`
    (without ``threads``). Each task's torch threads follow
    :func:`sklearn_seismo.utils.torch_threads` (``n_threads`` overrides it).
    """
    import joblib

    if backend not in BACKENDS:
        raise ValueError(
            f"backend must be one of {list(BACKENDS)}, got {backend!r}; use "
            "'dask' with scheduler='tcp://...' to run on a cluster."
        )
    if not tasks:
        return []
    client = None
    owns_client = False
    if backend == "dask":
        client, owns_client = dask_client(scheduler)
        threads = _dask_threads(client, n_threads)
        if n_jobs in (None, 1):
            n_jobs = -1
        context = joblib.parallel_config(backend="dask")
    else:
        n_workers = joblib.effective_n_jobs(n_jobs)
        n_workers = max(1, min(n_workers, len(tasks)))
        threads = torch_threads(n_workers, n_threads=n_threads)
        context = nullcontext()
    try:
        with context:
            parallel = joblib.Parallel(
                n_jobs=n_jobs,
                backend=None if backend == "dask" else backend,
                return_as="generator_unordered",
            )
            jobs = (
                joblib.delayed(_indexed)(i, args, dict(kwargs, threads=threads))
                for i, (args, kwargs) in enumerate(tasks)
            )
            rows = [None] * len(tasks)
            with _progress(len(tasks), verbose, desc) as bar:
                for i, row in parallel(jobs):
                    rows[i] = row
                    bar.update(1)
    finally:
        if owns_client:
            client.close()
    failed = [r for r in rows if r.get("error")]
    for row in failed:
        where = ", ".join(
            f"{k}={row[k]}"
            for k in ("arm", "method", "n_synthetic", "fold", "run")
            if k in row
        )
        warnings.warn(f"{where} failed, scores recorded as NaN: {row['error']}")
    return rows


def _indexed(i, args, kwargs):
    return i, fit_and_score(*args, **kwargs)


class _NoProgress:
    def update(self, n):
        pass

    def set_postfix_str(self, s):
        pass


class _LineProgress:
    """One plain line per finished fit, for a stream that is not a terminal.

    tqdm redraws its bar with carriage returns, which in the log file of an
    hours-long ``nohup`` run is a single line megabytes long.
    """

    def __init__(self, total, desc, stream):
        self.total, self.desc, self.stream = total, desc, stream
        self.n, self.postfix = 0, ""
        self._start = time.perf_counter()

    def set_postfix_str(self, s):
        self.postfix = s

    def update(self, n):
        self.n += n
        minutes = (time.perf_counter() - self._start) / 60
        what = f" ({self.postfix})" if self.postfix else ""
        print(
            f"{self.desc}: {self.n}/{self.total} fits{what}, {minutes:.1f} min",
            file=self.stream,
            flush=True,
        )


@contextmanager
def _progress(total, verbose, desc):
    """A progress bar on a terminal, plain lines in a log, nothing if quiet."""
    if not verbose:
        yield _NoProgress()
        return
    if not sys.stderr.isatty():
        yield _LineProgress(total, desc, sys.stderr)
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=desc, unit="fit") as bar:
        yield bar
