"""F1 of every class against the number of synthetic samples (SeismoGlow Figure 4)."""

import inspect
import shutil
import tempfile

import numpy as np
from joblib import Memory
from sklearn.base import clone
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from ..metrics import summarize_folds
from ..utils import flatten_samples
from ._arms import make_arms
from ._parallel import collect_warnings, run_tasks
from ._study import _check_xy, _fit_neighbors, _pick_minority

__all__ = ["run_sweep", "train_valid_test_split"]


def train_valid_test_split(y, *, fractions=(0.7, 0.1, 0.2), random_state=0):
    """Stratified train / validation / test indices (the paper's 70/10/20).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    fractions : tuple of 3 floats, default=(0.7, 0.1, 0.2)
        Train, validation and test fractions; they must sum to 1.
    random_state : int, default=0

    Returns
    -------
    train, valid, test : ndarray of int

    Examples
    --------
    >>> y = ["a"] * 70 + ["b"] * 30
    >>> tr, va, te = train_valid_test_split(y)
    >>> len(tr), len(va), len(te)
    (70, 10, 20)
    >>> int(sum(np.asarray(y)[te] == "b"))
    6
    """
    f_train, f_valid, f_test = (float(f) for f in fractions)
    if min(fractions) <= 0 or not np.isclose(f_train + f_valid + f_test, 1.0):
        raise ValueError(
            f"fractions must be 3 positive numbers summing to 1, got {fractions}; "
            "the paper uses (0.7, 0.1, 0.2)."
        )
    y = np.asarray(y)
    idx = np.arange(len(y))
    # Integer sizes: ratios of fractions land just above an integer count and
    # train_test_split rounds test sizes up.
    n_test = int(round(f_test * len(y)))
    n_valid = int(round(f_valid * len(y)))
    rest, test = train_test_split(
        idx, test_size=n_test, stratify=y, random_state=random_state
    )
    train, valid = train_test_split(
        rest, test_size=n_valid, stratify=y[rest], random_state=random_state
    )
    return np.sort(train), np.sort(valid), np.sort(test)


def _accepts_validation(classifier):
    try:
        params = inspect.signature(classifier.fit).parameters
    except (TypeError, ValueError):
        return False
    return "X_val" in params and "y_val" in params


def run_sweep(
    X,
    y,
    *,
    sizes=tuple(range(0, 1001, 100)),
    methods=("glow", "smote"),
    n_runs=1,
    classifier=None,
    glow=None,
    minority=None,
    sample_shape=None,
    fractions=(0.7, 0.1, 0.2),
    memory=None,
    k_neighbors=5,
    n_jobs=1,
    backend="loky",
    scheduler=None,
    n_threads=None,
    random_state=0,
    verbose=1,
):
    """Scores of every class against the number of synthetic minority samples.

    One stratified train / validation / test split (70/10/20 as the paper).
    For each method and size the pipeline of :func:`make_arms` is fitted on the
    training part, with the validation part routed to the classifier
    (``clf__X_val``, ``clf__y_val``, and ``early_stopping=True`` when the
    classifier has these), and scored on the test part. Size 0 is the baseline
    without a sampler, fitted once and shared by all methods. Flows are cached
    with ``joblib.Memory`` (``GlowOversampler(memory=...)``), so each flow is
    trained once per split and reused for every size.

    Parameters
    ----------
    X, y : arrays
        As in :func:`run_study`.
    sizes : sequence of int, default=(0, 100, ..., 1000)
        Numbers of synthetic minority samples.
    methods : sequence of str, default=("glow", "smote")
        Arms of :func:`make_arms` to sweep.
    n_runs : int, default=1
        Repeats with different classifier seeds (the paper's 10 runs); the
        split and the flows stay the same.
    classifier, glow : estimators, default=None
        Templates as in :func:`run_study`.
    minority : label, default=None
        Class to oversample; ``None``: the least frequent one.
    sample_shape : tuple of int, default=None
        Shape of one sample when ``X`` is 2-D.
    fractions : tuple of 3 floats, default=(0.7, 0.1, 0.2)
        Train, validation, test fractions.
    memory : None, str or joblib.Memory, default=None
        Cache of the fitted flows; ``None`` uses a temporary folder removed at
        the end.
    k_neighbors, n_jobs, backend, scheduler, n_threads : see :func:`run_study`.
    random_state : int, default=0
        Seed of the split, the samplers, and (plus the run index) the
        classifier.
    verbose : int, default=1
        Progress bar.

    Returns
    -------
    result : sklearn.utils.Bunch
        scores : list of dict
            One per (method, n_synthetic, run), with the keys of
            :func:`sklearn_seismo.metrics.fold_scores`.
        summary : list of dict
            Per (method, n_synthetic): mean and std over runs, plus
            ``method`` and ``n_synthetic``.

        labels, minority, sizes, methods, split (train, valid, test indices).

        warnings : dict of method -> {"Category: message": count}
            The warnings raised by the fits.
        skipped_methods : dict of method -> reason
            Methods that could not run.
        notes : list of str
            Changes made to fit the data.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator, ClassifierMixin
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> class Knn(ClassifierMixin, BaseEstimator):  # stand-in for the CNN
    ...     def __init__(self, sample_shape=None, class_weight=None,
    ...                  random_state=None):
    ...         self.sample_shape, self.class_weight = sample_shape, class_weight
    ...         self.random_state = random_state
    ...     def fit(self, X, y):
    ...         self.knn_ = KNeighborsClassifier(3).fit(X, y)
    ...         self.classes_ = self.knn_.classes_
    ...         return self
    ...     def predict(self, X):
    ...         return self.knn_.predict(X)
    >>> rng = np.random.default_rng(0)
    >>> y = np.array(["good"] * 80 + ["bad"] * 20)
    >>> X = rng.normal(size=(100, 3, 3)) + (y == "bad")[:, None, None]
    >>> res = run_sweep(X, y, sizes=(0, 10, 20), methods=("smote",),
    ...                 classifier=Knn(), verbose=0)
    >>> [(r["method"], r["n_synthetic"]) for r in res.summary]
    [('smote', 0), ('smote', 10), ('smote', 20)]
    """
    y = _check_xy(X, y)
    Xf, sample_shape = flatten_samples(X, sample_shape)
    labels = np.unique(y).tolist()
    minority = _pick_minority(y, minority)
    sizes = sorted({int(s) for s in sizes})
    if not sizes or sizes[0] < 0:
        raise ValueError(f"sizes must be non-negative ints, got {sizes}.")
    train, valid, test = train_valid_test_split(
        y, fractions=fractions, random_state=random_state
    )
    k_neighbors, notes, skipped_methods = _fit_neighbors(
        methods, k_neighbors, int(np.sum(y[train] == minority)), minority
    )
    methods = tuple(m for m in methods if m not in skipped_methods)
    tmpdir = None
    if memory is None:
        tmpdir = tempfile.mkdtemp(prefix="seismo_sweep_")
        memory = Memory(tmpdir, verbose=0)
    elif isinstance(memory, str):
        memory = Memory(memory, verbose=0)
    if glow is None and "glow" in methods:
        # neural and over_sampling import torch: only for the defaults
        from sklearn_seismo.over_sampling import GlowOversampler

        glow = GlowOversampler(random_state=random_state)
    if glow is not None and "memory" in glow.get_params(deep=False):
        glow = clone(glow).set_params(memory=memory)
    if classifier is None:
        from sklearn_seismo.neural import MiniceptionClassifier

        classifier = MiniceptionClassifier(random_state=random_state)
    clf_params = classifier.get_params(deep=False)
    if "early_stopping" in clf_params:
        classifier = clone(classifier).set_params(early_stopping=True)
    fit_params = {}
    if _accepts_validation(classifier):
        fit_params = {"clf__X_val": Xf[valid], "clf__y_val": y[valid]}

    def classifier_for(run):
        clf = clone(classifier)
        if "random_state" in clf_params:
            clf.set_params(random_state=random_state + run)
        return clf

    def task(pipe, meta):
        return (
            (pipe, Xf, y, train, test),
            dict(labels=labels, meta=meta, fit_params=fit_params, rare_class=minority),
        )

    # Warm-up tasks first: the first fit of each method trains (and caches) its
    # flow, so that the parallel rest find it in the cache instead of racing
    # to train the same flow.
    first, rest = [], []
    for run in range(int(n_runs)):
        clf = classifier_for(run)
        if 0 in sizes:
            (base,) = make_arms(
                minority=minority,
                sample_shape=sample_shape,
                arms=("none",),
                classifier=clf,
                random_state=random_state,
            ).values()
            for method in methods:
                rest.append(
                    task(base, {"method": method, "n_synthetic": 0, "run": run})
                )
        for method in methods:
            for i, size in enumerate(s for s in sizes if s > 0):
                (pipe,) = make_arms(
                    minority=minority,
                    sample_shape=sample_shape,
                    arms=(method,),
                    n_synthetic=size,
                    classifier=clf,
                    glow=glow,
                    k_neighbors=k_neighbors,
                    random_state=random_state,
                ).values()
                meta = {"method": method, "n_synthetic": size, "run": run}
                (first if i == 0 and run == 0 else rest).append(task(pipe, meta))
    # The size-0 baseline does not depend on the method: fit it once per run.
    unique, where = [], []
    seen = {}
    for args, kwargs in first + rest:
        meta = kwargs["meta"]
        key = (meta["n_synthetic"], meta["run"]) if meta["n_synthetic"] == 0 else None
        if key is not None and key in seen:
            where.append(seen[key])
            continue
        if key is not None:
            seen[key] = len(unique)
        where.append(len(unique))
        unique.append((args, kwargs))
    try:
        n_first = len(first)
        rows = run_tasks(
            unique[:n_first],
            n_jobs=n_jobs,
            backend=backend,
            scheduler=scheduler,
            verbose=verbose,
            desc="sweep (flows)",
            n_threads=n_threads,
        ) + run_tasks(
            unique[n_first:],
            n_jobs=n_jobs,
            backend=backend,
            scheduler=scheduler,
            verbose=verbose,
            desc="sweep",
            n_threads=n_threads,
        )
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
    scores = []
    for (_, kwargs), j in zip(first + rest, where):
        row = dict(rows[j])
        row.update(kwargs["meta"])
        scores.append(row)
    scores.sort(key=lambda r: (methods.index(r["method"]), r["n_synthetic"], r["run"]))
    summary = summarize_folds(
        scores,
        by=("method", "n_synthetic"),
        exclude=("run", "n_train", "n_test"),
    )
    for srow in summary:
        srow["n_runs"] = srow.pop("n_folds")
    return Bunch(
        scores=scores,
        summary=summary,
        labels=labels,
        minority=minority,
        sizes=sizes,
        methods=list(methods),
        split=(train, valid, test),
        sample_shape=sample_shape,
        warnings=collect_warnings(scores, "method"),
        skipped_methods=skipped_methods,
        notes=notes,
    )
