"""The SeismoGlow cross-validation study (section 5.4, Tables 1-2) as a function."""

from collections import Counter
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import Bunch

from ..metrics import (
    OVERALL_METRICS,
    compare_to_reference,
    per_class_table,
    summarize_folds,
)
from ..utils import flatten_samples
from ._arms import ALL_ARMS, make_arms
from ._parallel import collect_warnings, run_tasks

__all__ = ["run_study", "SCORE_COLUMNS"]

#: Columns of every row of ``run_study(...).scores`` (then, per class ``c``,
#: ``precision_c``, ``recall_c``, ``f1_c``, ``support_c``).
SCORE_COLUMNS = (
    "arm",
    "fold",
    "n_train",
    "n_test",
    "fit_time",
    "fit_cpu_time",
    "score_time",
    "error",
    *OVERALL_METRICS,
)


def _check_xy(X, y):
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(
            f"y must be 1-D with one label per sample of X: got y of shape {y.shape} "
            f"for {len(X)} samples."
        )
    if np.asarray(X).dtype == object:
        raise TypeError("X must be a numeric array, got dtype=object.")
    return y


def _pick_minority(y, minority):
    counts = Counter(y.tolist())
    if minority is None:
        return min(sorted(counts), key=lambda c: counts[c])
    if minority not in counts:
        raise ValueError(
            f"minority={minority!r} is not a class of y; classes are {sorted(counts)}."
        )
    return minority


def _make_cv(cv, random_state):
    if cv is None:
        return StratifiedKFold(10, shuffle=True, random_state=random_state)
    if isinstance(cv, Integral):
        return StratifiedKFold(int(cv), shuffle=True, random_state=random_state)
    return cv


def run_study(
    X,
    y,
    *,
    arms=ALL_ARMS,
    cv=None,
    n_synthetic=600,
    classifier=None,
    glow=None,
    augmenter=None,
    minority=None,
    sample_shape=None,
    memory=None,
    k_neighbors=5,
    n_jobs=1,
    backend="loky",
    scheduler=None,
    n_threads=None,
    random_state=0,
    on_error="record",
    verbose=1,
):
    """Cross-validate every way of handling the imbalance on the same folds.

    The data are flattened once; every arm (see :func:`make_arms`) is an
    imbalanced-learn pipeline whose samplers see only the training part of a
    fold, so synthetic samples never carry test information. All arms are fitted
    on the same folds with the same seeds, which makes the per-fold scores
    pairable (Wilcoxon signed-rank test against ``"none"`` and ``"glow"``).

    Parameters
    ----------
    X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
        Samples, e.g. shot gathers ``(n, n_time, n_traces)``. 2-D input needs
        ``sample_shape`` unless the samples are 1-D.
    y : array-like of shape (n_samples,)
        Class labels (any hashable values).
    arms : sequence of str, default=ALL_ARMS
        Among ``ALL_ARMS`` (``ARM_DESCRIPTIONS`` says what each changes):
        the paper's ``"none"``, ``"glow"``, ``"smote"``, ``"adasyn"``,
        ``"random"``, ``"class_weight"``, ``"augment"``, ``"glow+augment"``,
        and the threshold, classifier-option, critic and v3 glow arms.
    cv : int or cross-validation splitter, default=None
        ``None``: ``StratifiedKFold(10, shuffle=True, random_state=random_state)``
        as the paper; an int ``k``: the same with ``k`` folds.
    n_synthetic : int, default=600
        Synthetic minority samples every sampler adds per training fold (the
        paper's 600).
    classifier : estimator, default=None
        Classifier template (needs ``sample_shape``; ``class_weight`` for the
        ``class_weight`` arm). ``None``: ``MiniceptionClassifier``.
    glow : GlowOversampler, default=None
        Template for the glow arms; ``None`` uses the default GlowOversampler.
    augmenter : object with ``augment_batch``, default=None
        Augmentation of the augment arms; ``None``: :func:`default_augmenter`.
    minority : label, default=None
        Class to oversample; ``None``: the least frequent class.
    sample_shape : tuple of int, default=None
        Shape of one sample when ``X`` is 2-D.
    memory : None, str or joblib.Memory, default=None
        Cache for the flows of the glow arms (set on the glow template when it
        has none): ``glow`` and ``glow+augment`` then train one flow per fold
        instead of two. With ``n_jobs > 1`` both may still train it at once.
    k_neighbors : int, default=5
        Neighbours of SMOTE and ADASYN. Lowered to the minority count of the
        smallest training fold minus one when that is smaller (noted in
        ``notes``); with fewer than 2 minority samples in a training fold the
        two arms are skipped (``skipped_arms``) rather than failing.
    n_jobs : int, default=1
        Fits (folds x arms) run concurrently, each with ``n_threads`` torch
        threads. With ``backend="dask"``, 1 means every worker thread of the
        cluster.
    backend : {"loky", "threading", "dask"}, default="loky"
        joblib backend. ``"dask"`` runs the same joblib call on a
        ``dask.distributed`` cluster (``scheduler``); workers with a GPU use it
        (the package's estimators default to ``device="auto"``).
    n_threads : int, default=None
        Torch threads per fit; ``None``: :func:`sklearn_seismo.utils.torch_threads`
        (1, or ``SEISMO_TORCH_THREADS``; ``auto`` = cores // concurrent fits).
    scheduler : str or distributed.Client, default=None
        Scheduler address (``"tcp://host:8786"``) or client for
        ``backend="dask"``; ``None`` uses the current client.
    random_state : int, default=0
        Seed of the folds, the samplers and the classifiers.
    on_error : {"record", "raise"}, default="record"
        A fit that fails (e.g. ADASYN finding no minority sample next to
        another class: "No samples will be generated") is recorded as NaN
        scores with its message in ``error`` and a warning, or re-raised.
    verbose : int, default=1
        Show a progress bar over folds x arms.

    Returns
    -------
    result : sklearn.utils.Bunch
        scores : list of dict
            One row per (arm, fold), ordered by fold then arm, with
            ``SCORE_COLUMNS`` and per class ``precision_<c>``, ``recall_<c>``,
            ``f1_<c>``, ``support_<c>``. ``error`` is ``""`` for a successful fit.
        summary : list of dict
            Per arm, ``<score>_mean`` / ``<score>_std`` over folds and
            ``n_folds`` (Table 2 of the paper uses the overall scores).
        per_class : list of dict
            Per (arm, class), precision / recall / F1 mean and std (Table 1).
        comparisons : list of dict
            Paired comparisons of every arm against ``"none"`` and ``"glow"``
            (when run) on the minority F1 and recall, macro F1, balanced
            accuracy and G-mean: ``mean_diff``, ``p_value``, ``n``, ``note``.

        labels, minority, arms, sample_shape, n_synthetic : the setup.
        folds : list of (train_indices, test_indices).
        pipelines : dict of arm -> unfitted Pipeline.

        errors : list of dict
            The failed (arm, fold) rows.
        warnings : dict of arm -> {"Category: message": count}
            The warnings raised by the fits (collected in the workers, never
            printed).
        skipped_folds : list of dict
            Folds whose test part holds no minority sample: not fitted and not
            averaged (``fold``, ``reason``).
        skipped_arms : dict of arm -> reason
            Arms that could not run.
        notes : list of str
            Changes made to fit the data (e.g. a lowered ``k_neighbors``).

    See Also
    --------
    make_arms : the pipelines of the arms.
    run_sweep : the number-of-synthetic-samples sweep (Figure 4).
    write_report : Markdown, CSV and PNG output of a result.

    Examples
    --------
    A cheap classifier in place of the CNN keeps the example fast:

    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator, ClassifierMixin
    >>> from sklearn.linear_model import LogisticRegression
    >>> class Flat(ClassifierMixin, BaseEstimator):
    ...     def __init__(self, sample_shape=None, class_weight=None):
    ...         self.sample_shape, self.class_weight = sample_shape, class_weight
    ...     def fit(self, X, y):
    ...         self.lr_ = LogisticRegression(class_weight=self.class_weight)
    ...         self.lr_.fit(X, y)
    ...         self.classes_ = self.lr_.classes_
    ...         return self
    ...     def predict(self, X):
    ...         return self.lr_.predict(X)
    >>> rng = np.random.default_rng(0)
    >>> y = np.array(["good"] * 40 + ["bad"] * 16)
    >>> X = rng.normal(size=(56, 4, 4)) + (y == "bad")[:, None, None]
    >>> res = run_study(X, y, arms=("none", "smote", "class_weight"), cv=2,
    ...                 n_synthetic=20, classifier=Flat(), verbose=0)
    >>> len(res.scores), res.minority, res.sample_shape, res.errors
    (6, 'bad', (4, 4), [])
    >>> sorted({r["arm"] for r in res.comparisons})
    ['class_weight', 'smote']
    """
    if on_error not in ("record", "raise"):
        raise ValueError(f"on_error must be 'record' or 'raise', got {on_error!r}.")
    y = _check_xy(X, y)
    Xf, sample_shape = flatten_samples(X, sample_shape)
    labels = np.unique(y).tolist()
    if len(labels) < 2:
        raise ValueError(f"y needs at least 2 classes, got {labels}.")
    minority = _pick_minority(y, minority)
    cv = _make_cv(cv, random_state)
    folds, skipped_folds = [], []
    for k, (tr, te) in enumerate(cv.split(Xf, y)):
        tr, te = np.asarray(tr), np.asarray(te)
        if not np.any(y[te] == minority):
            # its minority F1 would be 0 by definition, not by the arm
            skipped_folds.append(
                {
                    "fold": k,
                    "reason": f"its test part holds no {minority!r} sample; use "
                    "fewer folds than minority samples",
                }
            )
        folds.append((tr, te))
    if len(skipped_folds) == len(folds):
        raise ValueError(
            f"no test fold holds a sample of the minority class {minority!r}; "
            "use fewer folds than it has samples."
        )
    if memory is not None:
        if glow is None:
            # imports torch: only when a flow is needed
            from sklearn_seismo.over_sampling import GlowOversampler

            glow = GlowOversampler(random_state=random_state)
        params = glow.get_params(deep=False)
        if "memory" in params and params["memory"] is None:
            glow = clone(glow).set_params(memory=memory)
    skip = {r["fold"] for r in skipped_folds}
    n_min_train = min(
        int(np.sum(y[tr] == minority))
        for k, (tr, _) in enumerate(folds)
        if k not in skip
    )
    k_neighbors, notes, skipped_arms = _fit_neighbors(
        arms, k_neighbors, n_min_train, minority
    )
    pipes = make_arms(
        minority=minority,
        sample_shape=sample_shape,
        arms=[a for a in arms if a not in skipped_arms],
        n_synthetic=n_synthetic,
        classifier=classifier,
        glow=glow,
        augmenter=augmenter,
        k_neighbors=k_neighbors,
        random_state=random_state,
    )
    tasks = [
        (
            (pipes[arm], Xf, y, train, test),
            dict(
                labels=labels,
                meta={"arm": arm, "fold": k},
                on_error=on_error,
                rare_class=minority,
            ),
        )
        for k, (train, test) in enumerate(folds)
        if k not in skip
        for arm in pipes
    ]
    scores = run_tasks(
        tasks,
        n_jobs=n_jobs,
        backend=backend,
        scheduler=scheduler,
        verbose=verbose,
        desc="folds x arms",
        n_threads=n_threads,
    )
    return _summarize(
        scores,
        labels=labels,
        minority=minority,
        arms=list(pipes),
        sample_shape=sample_shape,
        n_synthetic=n_synthetic,
        folds=folds,
        pipelines=pipes,
        skipped_folds=skipped_folds,
        skipped_arms=skipped_arms,
        notes=notes,
    )


def _fit_neighbors(arms, k_neighbors, n_minority, minority):
    """SMOTE/ADASYN neighbours that the smallest training fold can provide."""
    users = [a for a in arms if a in ("smote", "adasyn")]
    k_neighbors = int(k_neighbors)
    if k_neighbors < 1:
        raise ValueError(f"k_neighbors must be a positive int, got {k_neighbors}.")
    if not users or n_minority - 1 >= k_neighbors:
        return k_neighbors, [], {}
    if n_minority < 2:
        reason = (
            f"a training fold holds {n_minority} {minority!r} sample(s); "
            "interpolating between neighbours needs at least 2"
        )
        return k_neighbors, [], {a: reason for a in users}
    note = (
        f"{'/'.join(users)}: k_neighbors lowered from {k_neighbors} to "
        f"{n_minority - 1}, as the smallest training fold holds {n_minority} "
        f"{minority!r} samples"
    )
    return n_minority - 1, [note], {}


def comparison_metrics(minority):
    """Scores compared between arms: minority F1/recall and overall ones."""
    return [
        f"f1_{minority}",
        f"recall_{minority}",
        "f1_macro",
        "balanced_accuracy",
        "gmean",
    ]


def _summarize(scores, *, labels, minority, arms, **setup):
    metrics = comparison_metrics(minority)
    comparisons = []
    for reference in ("none", "glow"):
        comparisons += compare_to_reference(
            scores, reference=reference, metrics=metrics
        )
    summary = summarize_folds(scores, exclude=("fold", "n_train", "n_test"))
    for srow in summary:
        # a failed fold keeps its test supports: count the fitted folds
        srow["n_folds"] = sum(
            1 for r in scores if r["arm"] == srow["arm"] and not r.get("error")
        )
    return Bunch(
        scores=scores,
        summary=summary,
        per_class=per_class_table(scores, labels),
        comparisons=comparisons,
        labels=labels,
        minority=minority,
        arms=arms,
        errors=[r for r in scores if r.get("error")],
        warnings=collect_warnings(scores, "arm"),
        **setup,
    )
