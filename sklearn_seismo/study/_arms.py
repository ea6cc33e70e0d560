"""The arms of the study: one imbalanced-learn pipeline per way of handling imbalance.

Every arm is the same three-step pipeline ``oversample -> augment -> clf`` on the
FLATTENED layout (so SMOTE/ADASYN, which only take 2-D input, fit in), with the
classifier told the ``sample_shape``. Arms differ in which sampler fills the
two sampler slots (``"passthrough"`` otherwise), in one classifier option
(``class_weight``, ``balanced_batches``, ``focal``), or in a threshold-tuning
wrapper around the classifier (``threshold``, ``augment+threshold``,
``focal+threshold``).
``augment+critic`` fills the augment slot with the augmentation sampler inside
a ``CriticFilteredSampler`` (the best arm of the generative-oversampling
screen, ``benchmarks/glow/bench_glow_v3_screen.py``); ``glow_clean`` and
``glow_quiet+augment`` are the screen's best glow arms, alone and stacked on
augmentation.
"""

from collections import Counter

import numpy as np
from sklearn.base import clone

__all__ = [
    "ALL_ARMS",
    "ARM_DESCRIPTIONS",
    "AddSamples",
    "make_arms",
    "default_augmenter",
]

#: One line per arm: what it changes against ``none``. The keys, in this
#: order, are ``ALL_ARMS`` (the names ``--arms`` takes and lists).
ARM_DESCRIPTIONS = {
    "none": "the classifier alone",
    "glow": "GlowOversampler adds n synthetic minority samples",
    "smote": "SMOTE adds n minority samples",
    "adasyn": "ADASYN adds about n minority samples",
    "random": "RandomOverSampler adds n copies of minority samples",
    "class_weight": "the classifier with class_weight='balanced'",
    "augment": "AugmentationSampler adds n augmented minority samples",
    "glow+augment": "GlowOversampler adds n//2, AugmentationSampler the rest",
    "threshold": (
        "the minority's decision threshold tuned on an inner split of the "
        "training set (TunedRareThresholdClassifierCV, rare-class F1)"
    ),
    "augment+threshold": "the augment arm with its minority threshold tuned",
    "balanced_batches": "the classifier with balanced_batches=True",
    "focal": "the classifier with loss='focal'",
    "augment+critic": (
        "AugmentationSampler draws 3n augmented minority candidates, "
        "CriticFilteredSampler keeps the n its classifier critic finds most real"
    ),
    "glow_clean": (
        "GlowOversampler adds n samples decoded at temperature 0.6 that carry "
        "their nearer parent's residual and quiet parts"
    ),
    "glow_quiet+augment": (
        "GlowOversampler with the parents' quiet parts adds n//4, "
        "AugmentationSampler the rest"
    ),
    "focal+threshold": "the focal arm with its minority threshold tuned",
}

#: GlowOversampler settings of the ``glow_clean`` arm (a cleaner decode with
#: a real sample's noise and gaps) and of the glow share of
#: ``glow_quiet+augment``; the glow template's other settings are kept.
GLOW_CLEAN = {
    "sampling_temperature": 0.6,
    "noise_source": "parent",
    "quiet_level": 0.01,
}
GLOW_QUIET = {"quiet_level": 0.01}

ALL_ARMS = tuple(ARM_DESCRIPTIONS)

#: Inner cross-validation of the threshold arms: every training sample is in
#: one validation part, so the threshold is judged on all of the training
#: set's rare samples, for 2 inner fits on 2/3 of it plus the refit (about
#: 2.3 times the fit of ``none``; 5 folds would cost 5 times).
THRESHOLD_CV = 3


class AddSamples:
    """A ``sampling_strategy`` callable: add ``n`` samples to one class.

    imbalanced-learn samplers take a dict of *target* counts; the count of the
    class differs from one training fold to the next, so a fixed dict would add
    a different number of synthetic samples per fold. This callable reads the
    count from the ``y`` the sampler is given, so every fold gets exactly ``n``
    new samples of ``cls`` (ADASYN may deviate by a few: it rounds per sample).

    Parameters
    ----------
    cls : label
        Class to oversample.
    n : int
        Number of samples to add.

    Examples
    --------
    >>> AddSamples("bad", 600)(["good", "bad", "bad"])
    {'bad': 602}
    >>> AddSamples("bad", 600)
    AddSamples('bad', 600)
    """

    def __init__(self, cls, n):
        self.cls = cls
        self.n = int(n)

    def __call__(self, y):
        count = Counter(np.asarray(y).tolist())[_py(self.cls)]
        if count == 0:
            raise ValueError(
                f"class {self.cls!r} is absent from the training data given to the "
                "sampler; pass an existing class as `minority`."
            )
        return {self.cls: count + self.n}

    def __repr__(self):
        return f"AddSamples({self.cls!r}, {self.n})"

    def __eq__(self, other):
        return (
            isinstance(other, AddSamples)
            and self.cls == other.cls
            and self.n == other.n
        )

    def __hash__(self):
        return hash((AddSamples, self.cls, self.n))


def _py(value):
    return value.item() if isinstance(value, np.generic) else value


def default_augmenter(sample_shape, *, time_axis=1):
    """Seismic augmentations used by the ``augment`` arms.

    A small random time shift (up to 5 % of the window, zero-padded), mild
    additive Gaussian noise (20-40 dB SNR) and a polarity flip with
    probability 1/2 (Zhu, Mousavi & Beroza 2020). None of them turns a gather
    of one quality class into another: the noise stays well below the swell
    noise that makes a gather *bad*.

    Parameters
    ----------
    sample_shape : tuple of int
        Shape of one sample.
    time_axis : int, default=1
        Time axis of a batch ``(n, *sample_shape)``. The default suits gathers
        ``(n, n_time, n_traces)`` as :func:`~sklearn_seismo.datasets.make_shot_gathers`
        makes them (and single traces ``(n, T)``); pass ``-1`` for
        multi-component waveforms ``(n, C, T)``. A 2-D sample shape cannot tell
        the two apart, so this is explicit rather than guessed.

    Returns
    -------
    augmenter : sklearn_seismo.augmentation.Compose
        Implements ``augment_batch(X, rng)``.
    """
    from sklearn_seismo.augmentation import AddNoise, Compose, PolarityFlip, RandomShift

    sample_shape = tuple(sample_shape)
    n_time = (1, *sample_shape)[time_axis]
    return Compose(
        [
            RandomShift(
                max_shift=max(1, n_time // 20), mode="zeros", time_axis=time_axis
            ),
            AddNoise(snr_db=(20.0, 40.0), time_axis=time_axis),
            PolarityFlip(p=0.5),
        ]
    )


def _default_classifier(random_state):
    from sklearn_seismo.neural import MiniceptionClassifier

    return MiniceptionClassifier(random_state=random_state)


def _default_glow(random_state):
    from sklearn_seismo.over_sampling import GlowOversampler

    return GlowOversampler(random_state=random_state)


def _set_if_has(estimator, **params):
    names = estimator.get_params(deep=False)
    estimator.set_params(**{k: v for k, v in params.items() if k in names})
    return estimator


def _with_option(estimator, arm, **params):
    """A clone of the classifier with the options that define an arm."""
    names = estimator.get_params(deep=False)
    missing = [k for k in params if k not in names]
    if missing:
        options = ", ".join(f"{k}={v!r}" for k, v in params.items())
        raise ValueError(
            f"arm {arm!r} sets {options} on the classifier, but "
            f"{type(estimator).__name__} has no parameter {missing[0]!r}; use "
            "MiniceptionClassifier or ResNetClassifier, or leave the arm out."
        )
    return clone(estimator).set_params(**params)


def _seed_if_unset(estimator, random_state):
    # A template left unseeded would make the arms (and two runs of the study)
    # differ by chance; an explicit seed of the user's wins.
    params = estimator.get_params(deep=False)
    if "random_state" in params and params["random_state"] is None:
        estimator.set_params(random_state=random_state)
    return estimator


def make_arms(
    *,
    minority,
    sample_shape,
    arms=ALL_ARMS,
    n_synthetic=600,
    classifier=None,
    glow=None,
    augmenter=None,
    threshold=None,
    k_neighbors=5,
    random_state=0,
):
    """Build the study's pipelines, one per arm.

    Each pipeline is ``Pipeline([("oversample", ...), ("augment", ...),
    ("clf", classifier)])`` and takes the flattened data
    ``X.reshape(len(X), -1)``; the classifier gets ``sample_shape`` to restore
    the n-D layout. Unused sampler slots are ``"passthrough"``.

    ================== ========================== ===============================
    arm                ``oversample``             ``augment`` / ``clf``
    ================== ========================== ===============================
    none               passthrough                passthrough / clf
    glow               GlowOversampler (+n)       passthrough / clf
    smote              SMOTE (+n)                 passthrough / clf
    adasyn             ADASYN (+n, approximately) passthrough / clf
    random             RandomOverSampler (+n)     passthrough / clf
    class_weight       passthrough                passthrough /
                                                  clf(class_weight="balanced")
    augment            passthrough                AugmentationSampler (+n) / clf
    glow+augment       GlowOversampler (+n//2)    AugmentationSampler
                                                  (+n - n//2) / clf
    threshold          passthrough                passthrough / Tuned(clf)
    augment+threshold  passthrough                passthrough / Tuned(Pipeline(
                                                  [AugmentationSampler (+n),
                                                  clf]))
    balanced_batches   passthrough                passthrough /
                                                  clf(balanced_batches=True)
    focal              passthrough                passthrough / clf(loss="focal")
    augment+critic     passthrough                Critic(AugmentationSampler)
                                                  (+n of 3n) / clf
    glow_clean         GlowOversampler(clean)     passthrough / clf
                       (+n)
    glow_quiet+augment GlowOversampler(quiet)     AugmentationSampler
                       (+n//4)                    (+n - n//4) / clf
    focal+threshold    passthrough                passthrough /
                                                  Tuned(clf(loss="focal"))
    ================== ========================== ===============================

    ``GlowOversampler(clean)`` is the glow template with
    ``sampling_temperature=0.6, noise_source="parent", quiet_level=0.01``
    (a decode at reduced temperature plus the nearer parent's residual, with
    its gaps and dead traces), ``GlowOversampler(quiet)`` with
    ``quiet_level=0.01``: the best glow arms of the issue-23 screen.

    ``Critic(sampler)`` is
    :class:`~sklearn_seismo.over_sampling.CriticFilteredSampler` with its
    defaults: ``sampler`` draws three times the ``n`` samples, and the ``n``
    that a cross-fitted classifier finds hardest to tell from the real
    minority samples are kept.

    ``+n`` means ``n_synthetic`` new samples of ``minority`` per training
    fold (through :class:`AddSamples`); ``glow+augment`` splits the same budget
    so that it does not win by sample count alone.

    ``Tuned(est)`` is
    :class:`~sklearn_seismo.model_selection.TunedRareThresholdClassifierCV`
    with ``rare_class=minority``: it fits ``est`` on an inner split of the
    training fold, picks the minority's probability threshold that maximises
    its score on the inner validation part, and refits ``est`` on the whole
    training fold. It never sees the test fold (the pipeline is fitted on the
    training part only). In ``augment+threshold`` the augmentation sampler sits
    inside the wrapper, so the threshold is chosen on real held-out samples,
    never on augmented copies of the samples the model trained on. The refit
    model is the one of ``none`` (``augment``, ``focal``): same data, same
    seed, so the arm differs from it by its threshold alone. A focal loss
    ranks the rare class well but leaves its probabilities low, which is what
    a tuned threshold corrects.

    Parameters
    ----------
    minority : label
        Class to oversample.
    sample_shape : tuple of int
        Shape of one sample; given to the classifier (and to the package's
        samplers).
    arms : sequence of str, default=ALL_ARMS
        Arms to build, among ``ALL_ARMS``.
    n_synthetic : int, default=600
        Number of synthetic minority samples each sampler adds per fit.
    classifier : estimator, default=None
        Classifier template with ``sample_shape`` and ``class_weight``
        parameters; cloned per arm. ``None``: ``MiniceptionClassifier``.
        Its ``random_state``, when ``None``, is set to ``random_state``.
    glow : GlowOversampler, default=None
        Template for the glow arms (its ``sampling_strategy`` and
        ``sample_shape`` are replaced, its ``random_state`` set when ``None``).
        ``None``: ``GlowOversampler(random_state=random_state)``.
    augmenter : object with ``augment_batch``, default=None
        Augmentation for the augment arms. ``None``: :func:`default_augmenter`.
    threshold : TunedRareThresholdClassifierCV, default=None
        Template of the threshold arms (its ``estimator`` and ``rare_class``
        are replaced, its ``random_state`` set when ``None``; set e.g.
        ``scoring`` or ``cv`` on it). ``None``:
        ``TunedRareThresholdClassifierCV(cv=3, random_state=random_state)``
        (rare-class F1, 3 inner stratified folds, then a refit on the whole
        training set).
    k_neighbors : int, default=5
        Neighbours of SMOTE (``k_neighbors``) and ADASYN (``n_neighbors``);
        both need more minority samples than neighbours in every training set
        (:func:`run_study` lowers it to fit the smallest training fold).
    random_state : int, default=0
        Seed given to every sampler, to the classifier and to the threshold
        wrapper's inner split (unless the templates carry their own). The
        classifier inside a threshold wrapper is the same (seeded) template
        as every other arm's.

    Returns
    -------
    arms : dict of str -> imblearn.pipeline.Pipeline

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.base import BaseEstimator, ClassifierMixin
    >>> class Clf(ClassifierMixin, BaseEstimator):  # stand-in with the API
    ...     def __init__(self, sample_shape=None, class_weight=None):
    ...         self.sample_shape, self.class_weight = sample_shape, class_weight
    >>> pipes = make_arms(minority="bad", sample_shape=(8, 8), classifier=Clf(),
    ...                   arms=("none", "smote", "class_weight"), n_synthetic=10)
    >>> [name for name, _ in pipes["smote"].steps]
    ['oversample', 'augment', 'clf']
    >>> pipes["smote"].named_steps["oversample"]
    SMOTE(random_state=0, sampling_strategy=AddSamples('bad', 10))
    >>> pipes["class_weight"].named_steps["clf"].class_weight
    'balanced'
    """
    from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler
    from imblearn.pipeline import Pipeline

    arms = tuple(arms)
    unknown = [a for a in arms if a not in ALL_ARMS]
    if unknown:
        raise ValueError(f"unknown arm(s) {unknown}; choose among {list(ALL_ARMS)}.")
    if len(set(arms)) != len(arms):
        raise ValueError(f"arms must be unique, got {list(arms)}.")
    n_synthetic = int(n_synthetic)
    if n_synthetic < 1:
        raise ValueError(
            f"n_synthetic must be a positive int, got {n_synthetic}; it is the "
            "number of minority samples each sampler adds."
        )
    sample_shape = tuple(int(s) for s in sample_shape)
    if classifier is None:
        classifier = _default_classifier(random_state)
    clf = _set_if_has(clone(classifier), sample_shape=sample_shape)
    clf = _seed_if_unset(clf, random_state)

    def glow_sampler(n, **settings):
        template = _default_glow(random_state) if glow is None else glow
        sampler = _set_if_has(
            clone(template).set_params(**settings),
            sampling_strategy=AddSamples(minority, n),
            sample_shape=sample_shape,
        )
        return _seed_if_unset(sampler, random_state)

    def augment_sampler(n):
        from sklearn_seismo.augmentation import AugmentationSampler

        aug = default_augmenter(sample_shape) if augmenter is None else augmenter
        return AugmentationSampler(
            aug,
            sampling_strategy=AddSamples(minority, n),
            sample_shape=sample_shape,
            random_state=random_state,
        )

    def critic_augment_sampler(n):
        from sklearn_seismo.over_sampling import CriticFilteredSampler

        inner = augment_sampler(n)
        # The critic sets the inner sampler's count (3n) itself.
        inner.set_params(sampling_strategy="auto")
        return CriticFilteredSampler(
            inner,
            sampling_strategy=AddSamples(minority, n),
            sample_shape=sample_shape,
            random_state=random_state,
        )

    def tuned(estimator):
        if threshold is None:
            from sklearn_seismo.model_selection import (
                TunedRareThresholdClassifierCV,
            )

            template = TunedRareThresholdClassifierCV(estimator, cv=THRESHOLD_CV)
        else:
            template = clone(threshold)
        template.set_params(estimator=estimator, rare_class=minority)
        return _seed_if_unset(template, random_state)

    def augment_then_clf():
        return Pipeline(
            [("augment", augment_sampler(n_synthetic)), ("clf", clone(clf))]
        )

    strategy = AddSamples(minority, n_synthetic)
    half = n_synthetic // 2
    quarter = max(n_synthetic // 4, 1)
    builders = {
        "none": lambda: ("passthrough", "passthrough", clone(clf)),
        "glow": lambda: (glow_sampler(n_synthetic), "passthrough", clone(clf)),
        "smote": lambda: (
            SMOTE(
                sampling_strategy=strategy,
                k_neighbors=k_neighbors,
                random_state=random_state,
            ),
            "passthrough",
            clone(clf),
        ),
        "adasyn": lambda: (
            ADASYN(
                sampling_strategy=strategy,
                n_neighbors=k_neighbors,
                random_state=random_state,
            ),
            "passthrough",
            clone(clf),
        ),
        "random": lambda: (
            RandomOverSampler(sampling_strategy=strategy, random_state=random_state),
            "passthrough",
            clone(clf),
        ),
        "class_weight": lambda: (
            "passthrough",
            "passthrough",
            clone(clf).set_params(class_weight="balanced"),
        ),
        "augment": lambda: ("passthrough", augment_sampler(n_synthetic), clone(clf)),
        "glow+augment": lambda: (
            glow_sampler(max(half, 1)),
            augment_sampler(max(n_synthetic - half, 1)),
            clone(clf),
        ),
        "threshold": lambda: ("passthrough", "passthrough", tuned(clone(clf))),
        "augment+threshold": lambda: (
            "passthrough",
            "passthrough",
            tuned(augment_then_clf()),
        ),
        "balanced_batches": lambda: (
            "passthrough",
            "passthrough",
            _with_option(clf, "balanced_batches", balanced_batches=True),
        ),
        "focal": lambda: (
            "passthrough",
            "passthrough",
            _with_option(clf, "focal", loss="focal"),
        ),
        "augment+critic": lambda: (
            "passthrough",
            critic_augment_sampler(n_synthetic),
            clone(clf),
        ),
        "glow_clean": lambda: (
            glow_sampler(n_synthetic, **GLOW_CLEAN),
            "passthrough",
            clone(clf),
        ),
        "glow_quiet+augment": lambda: (
            glow_sampler(quarter, **GLOW_QUIET),
            augment_sampler(max(n_synthetic - quarter, 1)),
            clone(clf),
        ),
        "focal+threshold": lambda: (
            "passthrough",
            "passthrough",
            tuned(_with_option(clf, "focal", loss="focal")),
        ),
    }
    pipes = {}
    for arm in arms:
        over, aug, est = builders[arm]()
        pipes[arm] = Pipeline([("oversample", over), ("augment", aug), ("clf", est)])
    return pipes
