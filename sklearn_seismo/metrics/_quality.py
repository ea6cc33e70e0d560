"""Diagnostics of synthetic samples that judge any oversampler.

Each function compares real samples of one class with the synthetic samples an
oversampler (SMOTE, ADASYN, GlowOversampler, ...) made from them:

* :func:`classifier_two_sample_test`: can a classifier tell them apart?
* :func:`novelty_ratio`: are they new, or copies of training samples?
* :func:`artefact_statistics` / :func:`artefact_ratios`: do they carry
  spikes or peaks that real samples do not, or lose the gaps and dead traces
  real samples have?
* :func:`likelihood_gap`: did the generator memorise its training samples?

All take n-D samples ``(n, *sample_shape)`` or flattened 2-D samples with
``sample_shape``, and never modify their inputs.
"""

import math
from numbers import Integral

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.base import BaseEstimator, clone
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, StratifiedGroupKFold
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline

from ..utils import validate_samples
from ..utils._artefacts import crest_factor, quiet_fraction, trace_kurtosis
from ..utils._batch import resolve_time_axis
from ..utils._random import seed_from_random_state
from ..utils._two_sample import two_sample_classifier

__all__ = [
    "artefact_ratios",
    "artefact_statistics",
    "classifier_two_sample_test",
    "likelihood_gap",
    "novelty_ratio",
]

# Components of the default PCA steps: enough for the large-scale structure of
# a gather (events, swell bands) while staying well below the few dozen
# minority samples an oversampler typically sees.
_N_COMPONENTS = 10


def _validate(X, name, func, sample_shape, min_samples=1):
    """``X`` as a read-only ``(n, *sample_shape)`` array; errors name ``name``."""
    # validate_samples wants an estimator; a throwaway one named after the
    # calling function makes scikit-learn's messages name that function.
    holder = type(func, (BaseEstimator,), {})()
    if X is None:
        raise ValueError(f"{func}: {name} is None; pass an array of samples.")
    try:
        X_nd, _ = validate_samples(
            holder,
            X,
            reset=True,
            sample_shape=sample_shape,
            ensure_min_samples=min_samples,
        )
    except ValueError as exc:
        raise ValueError(f"{func}: invalid {name}: {exc}") from exc
    return X_nd


def _validate_all(func, sample_shape, **arrays):
    """Validate several sample sets that must share one sample shape."""
    out = {}
    for name, (X, min_samples) in arrays.items():
        out[name] = _validate(X, name, func, sample_shape, min_samples)
    shapes = {name: X.shape[1:] for name, X in out.items()}
    if len(set(shapes.values())) > 1:
        raise ValueError(
            f"{func}: the sample sets have different sample shapes {shapes}; pass "
            "samples of one class and one layout (and the same sample_shape for "
            "flattened input)."
        )
    return out


def _flat(X):
    return np.asarray(X, dtype=np.float64).reshape(len(X), -1)


def _nearest_distance(reference, X, *, exclude_self=False):
    """Euclidean distance of every row of ``X`` to its nearest row of ``reference``."""
    # cdist subtracts before squaring, so an exact copy is at distance 0; the
    # dot-product shortcut of NearestNeighbors leaves round-off of ~1e-3 on
    # float32-sized data, which would make copies look slightly novel.
    dist = cdist(X, reference)
    if exclude_self:
        np.fill_diagonal(dist, np.inf)
    idx = np.argmin(dist, axis=1)
    return dist[np.arange(len(X)), idx], idx


def _scores(estimator, X):
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)[:, 1]
    if hasattr(estimator, "decision_function"):
        return estimator.decision_function(X)
    raise TypeError(
        f"estimator {type(estimator).__name__} has neither predict_proba nor "
        "decision_function; the two-sample test needs a score to rank samples."
    )


def classifier_two_sample_test(
    X_real, X_synthetic, *, estimator=None, cv=5, sample_shape=None, random_state=None
):
    """Cross-validated ROC AUC of a classifier separating real from synthetic.

    The classifier two-sample test (C2ST, Lopez-Paz & Oquab 2017): a classifier
    learns to label real samples 0 and synthetic samples 1; its ROC AUC on
    held-out folds is 0.5 when the two sets are indistinguishable to it and 1
    when they are trivially separable. AUC does not depend on the ratio of
    real to synthetic samples, which oversampling makes very unequal.

    Oversamplers create samples next to (or on top of) real ones. A synthetic
    near-copy in a test fold whose real parent is in the training fold would
    make the test measure memorisation, not realism, so every synthetic sample
    is grouped with its nearest real sample (Euclidean distance) and groups
    never straddle folds (:class:`~sklearn.model_selection.StratifiedGroupKFold`).

    Parameters
    ----------
    X_real : array-like of shape (n_real, *sample_shape) or (n_real, n_features)
        Real samples (typically the training samples of the oversampled class).
    X_synthetic : array-like of shape (n_synthetic, ...)
        Synthetic samples, in the same layout as ``X_real``.
    estimator : classifier, default=None
        Cloned for every fold; fitted on the flattened samples and labels
        0 (real) / 1 (synthetic); needs ``predict_proba`` or
        ``decision_function``. ``None``: the values and their log-amplitudes
        ``log(1 + |x| / eps)`` (``eps`` = 1e-3 times the real samples' RMS),
        then ``StandardScaler`` + ``PCA`` (up to 10 components) +
        ``LogisticRegression(class_weight="balanced")``: cheap on a few
        thousand features, hard to overfit with a few dozen samples, and
        sensitive to changes of amplitude (noise, speckle, smoothing) as well
        as of mean, which raw values alone would not be for a linear model.
    cv : int, default=5
        Number of folds; at least 2, at most the number of real samples.
    sample_shape : tuple of int, default=None
        Shape of one sample when the inputs are flattened 2-D.
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds and seeds the default estimator.

    Returns
    -------
    auc : float
        Mean ROC AUC over the folds whose test part holds both real and
        synthetic samples.

    Raises
    ------
    ValueError
        If the inputs are invalid or no fold can be scored (e.g. every
        synthetic sample copies the same real sample, so that one group
        holds them all).

    See Also
    --------
    novelty_ratio : How far synthetic samples are from their nearest real one.

    References
    ----------
    .. [1] Lopez-Paz, D. and Oquab, M. (2017). Revisiting classifier two-sample
       tests. ICLR.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.metrics import classifier_two_sample_test
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(60, 8, 8))
    >>> fresh = rng.normal(size=(60, 8, 8))
    >>> shifted = rng.normal(loc=1.0, size=(60, 8, 8))
    >>> auc_fresh = classifier_two_sample_test(real, fresh, random_state=0)
    >>> auc_shifted = classifier_two_sample_test(real, shifted, random_state=0)
    >>> bool(auc_fresh < 0.7), bool(auc_shifted > 0.95)
    (True, True)
    """
    func = "classifier_two_sample_test"
    if isinstance(cv, bool) or not isinstance(cv, Integral) or cv < 2:
        raise ValueError(f"{func}: cv must be an int >= 2, got {cv!r}.")
    data = _validate_all(
        func, sample_shape, X_real=(X_real, 1), X_synthetic=(X_synthetic, 1)
    )
    counts = {name: len(X) for name, X in data.items()}
    if min(counts.values()) < cv:
        raise ValueError(
            f"{func}: cv={cv} folds need at least {cv} samples of each kind, got "
            f"{counts}. Pass a smaller cv or more samples."
        )
    real, synth = _flat(data["X_real"]), _flat(data["X_synthetic"])
    n_real = len(real)
    _, parent = _nearest_distance(real, synth)
    X = np.concatenate([real, synth])
    y = np.r_[np.zeros(n_real, dtype=int), np.ones(len(synth), dtype=int)]
    groups = np.r_[np.arange(n_real), parent]
    # floor of the log-amplitudes: a fixed fraction of the real samples' RMS,
    # so that the features do not depend on the data's units
    eps = 1e-3 * float(np.sqrt(np.mean(real**2))) + np.finfo(np.float64).tiny
    seed = seed_from_random_state(random_state)
    splitter = StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=seed)
    aucs = []
    for train, test in splitter.split(X, y, groups):
        if len(np.unique(y[train])) < 2 or len(np.unique(y[test])) < 2:
            continue
        if estimator is None:
            est = two_sample_classifier(len(train), 2 * X.shape[1], eps, seed)
        else:
            est = clone(estimator)
        est.fit(X[train], y[train])
        aucs.append(roc_auc_score(y[test], _scores(est, X[test])))
    if not aucs:
        raise ValueError(
            f"{func}: no fold holds both real and synthetic samples in its training "
            "and test parts, because the synthetic samples are grouped with too few "
            "real samples (they all lie next to the same few). Pass more distinct "
            "synthetic samples or a smaller cv."
        )
    return float(np.mean(aucs))


def novelty_ratio(X_train, X_synthetic, X_heldout=None, *, sample_shape=None):
    """How novel synthetic samples are, relative to fresh real samples.

    Let :math:`d(x)` be the Euclidean distance from ``x`` to its nearest
    sample of ``X_train`` (the real samples the generator was fitted on). Then

    .. math::

        \\text{novelty} = \\frac{\\operatorname{median}_{s \\in
        \\text{synthetic}} d(s)}{\\operatorname{median}_{h \\in
        \\text{held-out}} d(h)}

    0 means every synthetic sample copies a training sample; about 1 means
    synthetic samples are as far from the training samples as new real
    samples of the class are; above 1 means farther (e.g. noise, or samples
    off the data). Medians make it robust to a few outliers on either side.

    Parameters
    ----------
    X_train : array-like of shape (n_train, *sample_shape) or (n_train, n_features)
        Real samples the generator was fitted on.
    X_synthetic : array-like of shape (n_synthetic, ...)
        Synthetic samples of the same class.
    X_heldout : array-like of shape (n_heldout, ...), default=None
        Real samples of the same class the generator never saw. ``None``:
        leave-one-out on ``X_train`` (each training sample's distance to its
        nearest *other* training sample), for when no held-out set exists;
        that reference is slightly larger because it searches ``n_train - 1``
        samples instead of ``n_train``.
    sample_shape : tuple of int, default=None
        Shape of one sample when the inputs are flattened 2-D.

    Returns
    -------
    ratio : float
        Non-negative novelty ratio.

    See Also
    --------
    likelihood_gap : Memorisation seen through a density model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.metrics import novelty_ratio
    >>> rng = np.random.default_rng(0)
    >>> train, heldout = rng.normal(size=(50, 16)), rng.normal(size=(50, 16))
    >>> copies = train[rng.integers(0, 50, size=40)]
    >>> print(round(novelty_ratio(train, copies, heldout), 2))
    0.0
    >>> fresh = rng.normal(size=(40, 16))
    >>> bool(0.8 < novelty_ratio(train, fresh, heldout) < 1.2)
    True
    """
    func = "novelty_ratio"
    arrays = {"X_train": (X_train, 2), "X_synthetic": (X_synthetic, 1)}
    if X_heldout is not None:
        arrays["X_heldout"] = (X_heldout, 1)
    data = _validate_all(func, sample_shape, **arrays)
    train = _flat(data["X_train"])
    d_synth, _ = _nearest_distance(train, _flat(data["X_synthetic"]))
    if X_heldout is None:
        d_ref, _ = _nearest_distance(train, train, exclude_self=True)
    else:
        d_ref, _ = _nearest_distance(train, _flat(data["X_heldout"]))
    ref = float(np.median(d_ref))
    if ref <= 0:
        raise ValueError(
            f"{func}: the median distance of the reference real samples to X_train "
            "is 0 (they duplicate training samples), so novelty has no scale. "
            "Pass held-out samples distinct from X_train."
        )
    return float(np.median(d_synth)) / ref


def artefact_statistics(X, *, time_axis=-1, sample_shape=None):
    """Per-sample crest factor and quiet share, per-trace kurtosis.

    Statistics that flag the artefacts of generated seismic samples
    (isolated spikes, speckle, blown-up amplitudes) and the faults they may
    fail to reproduce (gaps, dead traces):

    * ``crest_factor``: ``max |x| / RMS(x)`` over the whole sample;
    * ``kurtosis``: Pearson kurtosis ``m4 / m2**2`` of every trace along
      ``time_axis`` (3 for Gaussian noise, larger for spiky traces), where
      ``m2`` and ``m4`` are central moments;
    * ``quiet_fraction``: the share of the sample's values at or below 1 %
      of its RMS (-40 dB): zeros of gaps, dead traces and channels, or the
      silence before the first arrival.

    A silent sample has crest factor 0 and a constant trace kurtosis 0 (both
    would be 0 / 0), so dead traces never produce NaN.

    Parameters
    ----------
    X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
        Samples.
    time_axis : int, default=-1
        Time axis of the batch ``(n, *sample_shape)`` (axis 0 indexes the
        samples). ``-1`` for traces ``(n, T)`` and waveforms ``(n, C, T)``;
        ``1`` for gathers ``(n, n_time, n_traces)`` such as
        :func:`~sklearn_seismo.datasets.make_shot_gathers` makes.
    sample_shape : tuple of int, default=None
        Shape of one sample when ``X`` is flattened 2-D.

    Returns
    -------
    stats : dict
        ``"crest_factor"``: ndarray of shape (n_samples,);
        ``"kurtosis"``: ndarray of shape (n_samples, n_traces), the traces
        being every index of the non-time sample axes (flattened);
        ``"quiet_fraction"``: ndarray of shape (n_samples,), in [0, 1].

    See Also
    --------
    artefact_ratios : Synthetic-to-real ratios of these statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.metrics import artefact_statistics
    >>> X = np.zeros((1, 64, 2))  # one gather: 64 time samples, 2 traces
    >>> X[0, :, 0] = np.sin(np.arange(64))
    >>> X[0, 10, 1] = 5.0  # a single spike
    >>> stats = artefact_statistics(X, time_axis=1)
    >>> stats["kurtosis"].shape
    (1, 2)
    >>> bool(stats["kurtosis"][0, 1] > 20 > stats["kurtosis"][0, 0])
    True
    """
    X_nd = _validate(X, "X", "artefact_statistics", sample_shape)
    if isinstance(time_axis, bool) or not isinstance(time_axis, Integral):
        raise ValueError(
            f"artefact_statistics: time_axis must be an int, got {time_axis!r}."
        )
    axis = resolve_time_axis(time_axis, X_nd.ndim)
    X64 = np.asarray(X_nd, dtype=np.float64)
    crest = crest_factor(X64, silent=0.0)
    traces = np.moveaxis(X64, axis, -1).reshape(len(X64), -1, X64.shape[axis])
    # a trace is constant when its variance is at round-off level of its peak
    kurt = trace_kurtosis(traces, axis=-1, dead="trace")
    quiet = quiet_fraction(X64)
    return {"crest_factor": crest, "kurtosis": kurt, "quiet_fraction": quiet}


def artefact_ratios(X_real, X_synthetic, *, time_axis=-1, sample_shape=None):
    """Synthetic-to-real ratios of the artefact statistics.

    For each statistic of :func:`artefact_statistics`, the median over the
    synthetic samples divided by the median over the real samples; the
    kurtosis of a sample is first averaged over its traces (a mean, so that a
    single spiky trace shows). 1 means the synthetic samples are as peaky as
    the real ones; well above 1 flags spikes or speckle the real samples do
    not have. The quiet share is compared by its mean instead (often only
    some samples of a fault class have a gap, so the median can be 0): well
    below 1 means the generator filled the gaps and dead traces of the real
    samples with signal or noise.

    Parameters
    ----------
    X_real : array-like of shape (n_real, *sample_shape) or (n_real, n_features)
        Real samples of the class.
    X_synthetic : array-like of shape (n_synthetic, ...)
        Synthetic samples of the class.
    time_axis : int, default=-1
        Time axis of a batch, as in :func:`artefact_statistics`.
    sample_shape : tuple of int, default=None
        Shape of one sample when the inputs are flattened 2-D.

    Returns
    -------
    ratios : dict of str -> float
        ``"crest_factor"``, ``"kurtosis"`` and ``"quiet_fraction"``. When no
        real value is quiet, the quiet ratio is 1.0 if no synthetic value is
        either, else ``inf``.

    Raises
    ------
    ValueError
        If the real samples' median statistic is 0 (silent or constant
        samples), which leaves the ratio without a scale.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.metrics import artefact_ratios
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(20, 4, 128))  # waveforms, time last
    >>> spiky = rng.normal(size=(20, 4, 128))
    >>> spiky[:, :, ::32] *= 30.0
    >>> ratios = artefact_ratios(real, spiky)
    >>> bool(ratios["kurtosis"] > 3), bool(ratios["crest_factor"] > 2)
    (True, True)

    Real samples with a gap, synthetic ones without:

    >>> gappy = real.copy()
    >>> gappy[:, :, 40:80] = 0.0
    >>> bool(artefact_ratios(gappy, real)["quiet_fraction"] < 0.1)
    True
    """
    func = "artefact_ratios"
    data = _validate_all(
        func, sample_shape, X_real=(X_real, 1), X_synthetic=(X_synthetic, 1)
    )
    real = artefact_statistics(data["X_real"], time_axis=time_axis)
    synth = artefact_statistics(data["X_synthetic"], time_axis=time_axis)
    out = {}
    for name in ("crest_factor", "kurtosis"):
        r, s = real[name], synth[name]
        if r.ndim > 1:
            r, s = r.mean(axis=1), s.mean(axis=1)
        denominator = float(np.median(r))
        if denominator <= 0:
            raise ValueError(
                f"{func}: the median {name} of the real samples is 0 (silent or "
                "constant samples), so the ratio has no scale. Pass real samples "
                "with signal."
            )
        out[name] = float(np.median(s)) / denominator
    real_quiet = float(np.mean(real["quiet_fraction"]))
    synth_quiet = float(np.mean(synth["quiet_fraction"]))
    if real_quiet > 0:
        out["quiet_fraction"] = synth_quiet / real_quiet
    else:
        out["quiet_fraction"] = 1.0 if synth_quiet == 0 else math.inf
    return out


def _default_density(synth, random_state):
    """Whitening PCA of the synthetic samples + Gaussian KDE, and its dimension."""
    n_components = min(_N_COMPONENTS, len(synth) - 1, synth.shape[1])
    pca = PCA(n_components=n_components, random_state=random_state).fit(synth)
    variances = pca.explained_variance_
    # Copies of a few samples span fewer dimensions than asked for, and
    # whitening a direction of (almost) no variance would blow up every
    # distance along it: keep the directions with at least 0.1 % of the
    # leading variance.
    rank = int(np.sum(variances > 1e-3 * variances[0])) if variances[0] > 0 else 0
    if rank == 0:
        raise ValueError(
            "likelihood_gap: all synthetic samples are identical, so no density "
            "can be fitted to them."
        )
    # bandwidth by cross-validated likelihood on the synthetic samples: copies
    # of one another pull it down to the grid's floor, as memorisation should
    search = GridSearchCV(
        KernelDensity(),
        {"bandwidth": np.logspace(-2, 1, 16)},
        cv=KFold(min(5, len(synth)), shuffle=True, random_state=random_state),
    )
    model = make_pipeline(
        PCA(n_components=rank, whiten=True, random_state=random_state), search
    )
    return model, rank


def likelihood_gap(
    X_train,
    X_synthetic,
    X_heldout,
    *,
    estimator=None,
    sample_shape=None,
    random_state=None,
):
    """Held-out likelihood gap of a density fitted to the synthetic samples.

    A density model is fitted to the synthetic samples; the gap is the mean
    log-likelihood, in bits per dimension, of the real samples the generator
    was trained on minus that of real samples it never saw:

    .. math::

        \\text{gap} = \\frac{1}{D \\ln 2}\\Big(\\overline{\\log p(x_\\text{train})}
        - \\overline{\\log p(x_\\text{held-out})}\\Big)

    with :math:`D` the number of dimensions the density is defined on. A
    generator that memorises its training samples puts its synthetic mass on
    them, so they score far higher than held-out samples (large positive
    gap); a generator that samples the class distribution gives a gap near 0
    (up to sampling noise, which is large with a handful of real samples). It
    needs nothing from the generator but its samples, so it works for any
    oversampler.

    The default density is a Gaussian kernel density estimate
    (:class:`~sklearn.neighbors.KernelDensity`) of the synthetic samples
    projected on their first principal components and whitened
    (:class:`~sklearn.decomposition.PCA`, up to 10 components, only those with
    at least 0.1 % of the leading variance); :math:`D` is then the number of
    components. Its bandwidth, between 0.01 and 10 (whitened units), maximises
    the 5-fold cross-validated likelihood of the synthetic samples. A kernel
    density is multimodal, so it rewards points that sit on synthetic
    samples, which is what memorisation does; the projection keeps it
    meaningful with a few dozen samples of thousands of values.

    Parameters
    ----------
    X_train : array-like of shape (n_train, *sample_shape) or (n_train, n_features)
        Real samples the generator was fitted on.
    X_synthetic : array-like of shape (n_synthetic, ...)
        Synthetic samples; at least 2.
    X_heldout : array-like of shape (n_heldout, ...)
        Real samples of the same class the generator never saw.
    estimator : density estimator, default=None
        Cloned and fitted on the flattened synthetic samples; its
        ``score_samples`` must return the log-density (nats) of the full
        flattened sample, whose number of values is then :math:`D` (e.g.
        :class:`~sklearn.neighbors.KernelDensity`,
        :class:`~sklearn.mixture.GaussianMixture`). ``None``: the PCA +
        kernel density above.
    sample_shape : tuple of int, default=None
        Shape of one sample when the inputs are flattened 2-D.
    random_state : int, RandomState instance or None, default=None
        Seeds the default estimator.

    Returns
    -------
    gap : float
        Bits per dimension; finite.

    Raises
    ------
    ValueError
        If the inputs are invalid or the density model gives a non-finite
        log-likelihood (choose a smoother model).

    See Also
    --------
    novelty_ratio : Memorisation seen through nearest-neighbour distances.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.metrics import likelihood_gap
    >>> rng = np.random.default_rng(0)
    >>> train, heldout = rng.normal(size=(30, 64)), rng.normal(size=(30, 64))
    >>> copies = train[rng.integers(0, 30, size=100)]
    >>> copies = copies + 0.01 * rng.normal(size=copies.shape)
    >>> fresh = rng.normal(size=(100, 64))
    >>> gap_copies = likelihood_gap(train, copies, heldout, random_state=0)
    >>> gap_fresh = likelihood_gap(train, fresh, heldout, random_state=0)
    >>> bool(gap_copies > 1.0), bool(abs(gap_fresh) < 0.3)
    (True, True)
    """
    func = "likelihood_gap"
    data = _validate_all(
        func,
        sample_shape,
        X_train=(X_train, 1),
        X_synthetic=(X_synthetic, 2),
        X_heldout=(X_heldout, 1),
    )
    synth = _flat(data["X_synthetic"])
    if estimator is None:
        seed = seed_from_random_state(random_state)
        est, n_dims = _default_density(synth, seed)
    else:
        if not hasattr(estimator, "score_samples"):
            raise TypeError(
                f"{func}: estimator {type(estimator).__name__} has no score_samples; "
                "pass a density model such as KernelDensity or GaussianMixture."
            )
        est, n_dims = clone(estimator), synth.shape[1]
    est.fit(synth)
    ll_train = np.asarray(est.score_samples(_flat(data["X_train"])), dtype=float)
    ll_held = np.asarray(est.score_samples(_flat(data["X_heldout"])), dtype=float)
    gap = (ll_train.mean() - ll_held.mean()) / (n_dims * math.log(2))
    if not np.isfinite(gap):
        raise ValueError(
            f"{func}: the density model gave a non-finite log-likelihood "
            f"(train mean {ll_train.mean()}, held-out mean {ll_held.mean()}); use a "
            "smoother density (e.g. a larger KernelDensity bandwidth)."
        )
    return float(gap)
