"""GlowOversampler: SeismoGlow latent-interpolation oversampling (imblearn sampler).

A Glow normalizing flow (:mod:`sklearn_seismo.flows`) is pretrained on every
sample it is given and fine-tuned on each class to oversample (or, as in the
paper, trained on that class only); new samples are made by encoding two real
samples, mixing their latents at every level and decoding (Milidiú & Müller,
2021), and kept only if they lie on the class's data. Training lives in
``_glow_training``, pairing, mixing and acceptance in ``_glow_latent``.
"""

import numbers
import warnings

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy, check_target_type
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_memory

from ..utils import restore_layout, validate_samples, warn_if_sample_shape_missing
from ..utils._artefacts import quiet_mask
from ..utils._layout import is_waveform_shape
from ..utils._random import seed_from_random_state
from ..utils._torch import env_torch_threads, limit_torch_threads, resolve_device
from . import _glow_latent as latent
from . import _glow_training as training

__all__ = ["GlowOversampler"]

# Redraws (new pair and coefficient) of decoded samples that fail acceptance;
# what is still rejected after them is moved towards its nearer parent (halving
# its distance), which always ends on the data but yields near-copies (that
# share is reported in ``accepted_lambdas_`` and warned about).
_MAX_REDRAWS = 16
_MAX_SHRINKS = 12
# Acceptance below this warns (the flow is probably undertrained).
_MIN_ACCEPTANCE = 0.9
# Samples decoded or encoded at once (bounds the memory of generation).
_CHUNK = 64
# Relative floor of the per-sample scale: an all-zero sample must not divide by 0.
_SCALE_FLOOR = 1e-6
# A class whose largest RMS is below this carries no signal to model.
_MIN_ENERGY = float(np.finfo(np.float32).tiny)


class GlowOversampler(BaseOverSampler):
    """Oversample with SeismoGlow: interpolation in the latent space of a Glow.

    A new sample of a class is made by encoding two real samples of the class
    (a sample and one of its ``k_neighbors`` nearest neighbours in latent
    space) with a Glow normalizing flow (:class:`sklearn_seismo.flows.Glow`),
    mixing their latents at every level of the multi-scale flow with one random
    coefficient ``lambda ~ U(0, 1)`` and decoding the mix (Milidiú & Müller,
    2021). New samples are appended after the original ones.

    **Pretrain, then adapt.** With ``pretrain="all"`` (default) one flow is
    first trained on every sample given to :meth:`fit_resample` -- all
    classes, labels unused -- plus an optional unlabelled pool
    (``X_unlabeled``); a copy is then fine-tuned on each class to oversample,
    with early stopping on the held-out bits/dim of a ``validation_fraction``
    split of that class's own samples (the best epoch is restored; epoch 0,
    the pretrained flow itself, may win). A flow trained on a few dozen rare
    samples only (``pretrain="none"``, the paper's mode) memorises them: its
    held-out likelihood drops as training goes on and its latent
    interpolations decode off the data.

    **Amplitude** is handled explicitly: each sample is divided by its RMS
    before the flow sees it, so the flow models the shape of a record, not its
    gain; a synthetic sample gets the geometric interpolation of the RMS of its
    two parents with the same ``lambda`` (all-zero samples are left out of
    training and pairing, so amplitudes stay within the class's range).

    **Dequantisation.** Training adds centred uniform noise whose width is the
    background-noise level of the training samples (a robust estimate from
    the first differences along the traces, clipped to ``[2**-10, 2**-3]``
    in RMS units; see ``dequantization_width_``): symmetric, so the data is
    not shifted, and at the data's own noise level, so exact zeros (dead
    traces, gaps) become noise that the flow cannot collapse onto for an
    unbounded likelihood, as it can onto the 2**-8 one-sided noise of
    discretised images.

    **Acceptance.** A decoded sample is kept only if it lies on the class's
    data: (a) its bits/dim under the class flow (after RMS normalisation, no
    noise) is at most the largest of the class's own samples plus
    ``acceptance_margin`` bits, and (b) its crest factor (max/RMS) and the
    largest kurtosis of its traces lie within the class's range widened by a
    factor ``1 + acceptance_margin``. A rejected sample is redrawn (new pair
    and ``lambda``, up to 16 times), then moved towards its nearer parent;
    ``acceptance_rate_`` and ``accepted_lambdas_`` report what happened, with
    a warning when fewer than 90 % of the decodes are accepted or when the
    accepted ``lambda`` crowd at the parents (near-copies). No NaN or
    exploded sample is ever returned.

    Samples of any size work: each spatial axis is padded at its end to a
    multiple of ``2**n_levels`` by mirroring the sample (numpy's
    ``"symmetric"`` mode), and synthetic samples are cropped back.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="minority"
        Which classes to oversample and to how many samples, as in
        :class:`imblearn.over_sampling.SMOTE`: ``"minority"`` (the rarest
        class only: each class needs its own fine-tuned flow), ``"auto"``
        (= ``"not majority"``), ``"not minority"``, ``"all"``, a float (binary
        problems only: desired minority/majority ratio), a dict ``{class:
        n_samples after resampling}`` (int counts) or a callable ``y -> dict``.
    pretrain : {"all", "none"}, default="all"
        ``"all"``: pretrain one flow on every sample (and ``X_unlabeled``),
        then fine-tune a copy per class. ``"none"``: train each class's flow
        from scratch on that class only (the paper), for ``max_epochs``
        epochs, still with early stopping.
    pretrain_epochs : int, default=10
        Epochs of pretraining.
    unlabeled_pool : array-like of shape (n_pool, *sample_shape), default=None
        Unlabelled samples added to pretraining (never to fine-tuning), e.g.
        the unlabelled gathers of a survey. A parameter rather than fit data so
        that it survives pipelines and cross-validation unchanged (see Notes).
    n_levels : int, default=3
        Scale levels of the flow (squeeze, ``n_steps`` steps, split). The paper
        used 6.
    n_steps : int, default=8
        Flow steps (ActNorm, invertible 1x1 convolution, coupling) per level.
        The paper used 15.
    hidden_channels : int, default=64
        Width of the coupling networks. The paper used 96.
    attention_levels : int, default=0
        Number of last levels whose coupling networks use multi-head
        self-attention. The paper used 1.
    coupling : {"affine", "additive"} or list of those, default="additive"
        Coupling of the flow, or one per level (the first is the finest).
        Additive couplings cannot amplify a latent perturbation when decoding.
    scale_clamp : float or list of float, default=2.0
        Log-scale bound of affine couplings (one per level or one for all).
    max_epochs : int, default=100
        Most epochs of each class's fine-tuning (or training, with
        ``pretrain="none"``); early stopping usually ends it sooner.
    patience : int, default=10
        Epochs without a better held-out bits/dim before fine-tuning stops.
    validation_fraction : float, default=0.2
        Share of a class's samples held out for early stopping (at least one;
        classes of fewer than 4 samples are not split and train all
        ``max_epochs``).
    batch_size : int, default=8
        Mini-batch size. The paper used 1 (memory bound on 896x640 gathers).
    lr : float, default=1e-3
        Peak learning rate of Adam, of pretraining and fine-tuning.
    warmup_steps : int, default=20
        Optimiser steps of linear warm-up; the rate then decays linearly
        to 0 at the last step.
    interpolation : {"linear", "slerp"}, default="linear"
        How two latents are mixed: ``"linear"`` is the paper's
        ``(1 - lambda) z_a + lambda z_b``; ``"slerp"`` rotates the direction
        of ``z_a`` towards ``z_b`` and interpolates the norms (a linear mix of
        two near-orthogonal Gaussian latents shrinks towards the origin).
    k_neighbors : int, object or None, default=5
        The second parent is one of the nearest neighbours of the first one in
        latent space (all levels concatenated), as SMOTE does in data space:
        an int (clipped to ``n_class_samples - 1``) or a neighbours estimator
        with ``kneighbors`` (e.g. :class:`~sklearn.neighbors.NearestNeighbors`,
        asked for one neighbour more, the sample itself). ``None`` draws a
        random pair of distinct samples.
    temperature : float, default=0.0
        Standard deviation of Gaussian noise added to the mixed latents.
    acceptance_margin : float, default=0.5
        How far beyond the class's own range a decoded sample may go and
        still be accepted (bits/dim: additive; crest factor and kurtosis: a
        factor ``1 + acceptance_margin``).
    quiet_level : float or None, default=None
        Carry the quiet parts of the nearer parent into each synthetic sample:
        where that parent's values are at or below ``quiet_level`` times its
        RMS (gaps, dead traces and dead channels), the sample takes the
        parent's values instead of the decoded ones, before the acceptance
        test. A continuous flow fills such runs of zeros with low-level
        signal (see Notes). ``None`` returns the decode as it is; ``0.01``
        (-40 dB) is the level of the quiet share that
        :func:`~sklearn_seismo.metrics.artefact_statistics` reports.
    memory : None, str or joblib.Memory, default=None
        Caches pretraining and each fine-tuning on their inputs (parameters,
        normalised data, seed, device), so two samplers that see the same
        data (the study's ``glow`` and ``glow+augment`` arms on one fold, or
        a sweep over ``sampling_strategy``) train once. A str is a directory.
        The cache directory is trusted code: joblib stores results as pickles
        and loads them back, so whoever can write to it can run code in your
        process; never point ``memory`` at a shared or untrusted folder.
    device : str, default="auto"
        torch device; ``"auto"`` takes a GPU when there is one.
    n_dim : {"auto", 1, 2}, default="auto"
        Whether samples are signals (1: convolutions along the last axis, the
        other axis being channels) or images (2). ``"auto"``: 1-D samples
        ``(T,)`` are 1-channel signals; 2-D samples ``(A, B)`` are
        ``A``-component signals when ``A <= 3`` and ``(H, W)`` images
        (gathers ``(n_time, n_traces)``) otherwise; 3-D samples ``(C, H, W)``
        are ``C``-channel images.
    sample_shape : tuple of int, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D. ``None``:
        the shape is read from ``X`` (2-D ``X`` is then a set of 1-D traces).
    random_state : int, RandomState instance or None, default=None
        Controls flow initialisation, training batches, validation splits and
        dequantisation noise, pair selection and interpolation coefficients.
    verbose : int, default=0
        ``1``: a tqdm progress bar over the epochs of every training.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of samples to generate per class.
    flows_ : dict
        Class label -> fine-tuned :class:`~sklearn_seismo.flows.Glow` (eval
        mode), for every class with samples to generate.
    pretrain_history_ : list of float
        Training bits/dim of each pretraining epoch (empty with
        ``pretrain="none"``).
    history_ : dict
        Class label -> training bits/dim of each fine-tuning epoch.
    val_history_ : dict
        Class label -> held-out bits/dim, before fine-tuning then after each
        epoch (empty when the class was too small to split).
    best_epoch_ : dict
        Class label -> restored epoch (0: the pretrained weights).
    dequantization_width_ : dict
        Class label -> width of the dequantisation noise its flow was trained
        with (in units of the per-sample RMS).
    acceptance_bounds_ : dict
        Class label -> ``{"bits_per_dim", "crest", "kurtosis"}`` -> ``(low,
        high)`` ranges a decoded sample must fall in.
    acceptance_rate_ : dict
        Class label -> accepted share of the decoded samples of the last
        :meth:`fit_resample` or :meth:`sample`.
    accepted_lambdas_ : dict
        Class label -> interpolation coefficient of each returned sample
        (after any move towards a parent).
    scales_ : dict
        Class label -> RMS of each training sample of the class.
    n_restarts_ : dict
        Class label -> number of training restarts after divergence.
    n_dim_ : int
        Dimension of the flows (1 or 2).
    flow_input_shape_ : tuple of int
        Shape of one padded sample as the flows see it ``(C, *spatial)``.
    sample_shape_ : tuple of int
        Shape of one sample.
    n_features_in_ : int
        Number of features of one flattened sample.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` is a DataFrame with string column names.

    See Also
    --------
    imblearn.over_sampling.SMOTE : Interpolation between neighbours in data space.
    imblearn.over_sampling.ADASYN : SMOTE focused on hard-to-learn samples.
    sklearn_seismo.flows.Glow : The flow.

    Notes
    -----
    Defaults (``pretrain="all"``, ``coupling="additive"``, 10 pretraining
    epochs, fine-tuning of at most 100 epochs with patience 10) were picked
    from ``benchmarks/bench_glow_ablation.py`` (synthetic shot gathers of
    32x32 and 64x64, 11 rare training gathers, 3 seeds, a 3x4x32 flow; see
    ``benchmarks/results/glow_ablation.md``). Only pretraining with additive
    couplings kept the rejection rate under 10 % at both sizes (2 % and 4 %;
    the paper's mode: 0 % and 20 %, pretraining with affine couplings: 7 % and
    34 %) and decoded raw interpolations with an RMS off by more than a
    factor 2 in 0 % and 4 % of draws (paper mode: 21 % and 70 %; affine after
    pretraining: 54 % and 80 %), with accepted samples as kurtosis-spiky as
    the real ones (ratio 1.05 and 0.91). Affine couplings reach a better
    held-out likelihood, but their inverse amplifies latent mixtures. A
    tighter log-scale bound at the finest level (``scale_clamp=[0.5, 2, 2]``)
    sits in between at 32x32 (5 % rejected, 26 % off). Pretraining costs
    about 25 CPU-seconds for 600 gathers of 32x32 (10 epochs, that flow);
    fine-tuning 2-4 seconds.

    **Unlabelled pool.** ``GlowOversampler(unlabeled_pool=pool)`` or, in a
    direct call, ``fit_resample(X, y, X_unlabeled=pool)`` adds ``pool`` to
    pretraining only. In a pipeline use the constructor parameter:
    imbalanced-learn 0.14.2's ``Pipeline`` does not forward
    ``glow__X_unlabeled=...`` to ``fit_resample`` (without metadata routing
    it fills only the ``fit``/``fit_transform``/``fit_predict`` parameters;
    with routing, samplers have no ``set_fit_resample_request``), and
    scikit-learn's cross-validation would slice any fit parameter whose length
    equals ``len(X)`` as if it were aligned with ``X`` (a warning says so when
    the lengths match). Inside cross-validation the flows see the training
    fold's ``X`` and the pool, never the test fold.

    **Gaps and dead traces.** The flow is trained on dequantised data and
    decodes continuous values, so the runs of zeros that make many fault
    samples (gaps, dead traces and channels) come back filled with low-level
    signal. In ``benchmarks/diagnose_glow_quiet.py`` (the study suite's own
    flows) the share of quiet values in the samples is 0.38-0.43 of the real
    one on synthetic gathers and 0.08-0.13 on the real-waveform task;
    ``quiet_level=0.01`` brings it to 0.94-1.36. Downstream
    (``benchmarks/bench_glow_quiet_level.py``: bad-class F1 of the suite's
    glow arm, 5 training sets each tested on 6,000 samples) it changed the
    score by -2.8 to +3.1 points on the suite's six data sets (mean +0.25,
    higher on 3 of 6), significantly only on the hard 32x32 gathers (+3.1,
    higher on 5 of 5 sets, paired t p = 0.013): not a reliable gain, so it
    is off by default. Measure both settings when the rare class is defined
    by gaps or dead channels.

    A non-finite loss or gradient restarts training from the end of the last
    finite epoch with half the learning rate (at most 4 times, then a
    ``RuntimeError``).

    References
    ----------
    .. [1] R. L. Milidiú and L. Müller, "SeismoGlow -- Data augmentation for the
       class imbalance problem", arXiv:2102.03806, 2021.
    .. [2] D. P. Kingma and P. Dhariwal, "Glow: Generative flow with invertible
       1x1 convolutions", NeurIPS, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.over_sampling import GlowOversampler
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(30, 16)).astype(np.float32)
    >>> y = np.array([0] * 24 + [1] * 6)
    >>> sampler = GlowOversampler(n_levels=1, n_steps=1, hidden_channels=8,
    ...                           pretrain_epochs=2, max_epochs=2, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, np.bincount(y_res)
    ((48, 16), dtype('float32'), array([24, 24]))
    >>> bool(np.array_equal(X_res[:30], X))
    True
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "pretrain": [StrOptions({"all", "none"})],
        "pretrain_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "unlabeled_pool": [None, "array-like"],
        "n_levels": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_channels": [Interval(numbers.Integral, 1, None, closed="left")],
        "attention_levels": [Interval(numbers.Integral, 0, None, closed="left")],
        "coupling": [StrOptions({"affine", "additive"}), list, tuple],
        "scale_clamp": [Interval(numbers.Real, 0, None, closed="neither"), list, tuple],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "patience": [Interval(numbers.Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "warmup_steps": [Interval(numbers.Integral, 0, None, closed="left")],
        "interpolation": [StrOptions({"linear", "slerp"})],
        "k_neighbors": [
            Interval(numbers.Integral, 1, None, closed="left"),
            HasMethods(["kneighbors", "fit"]),
            None,
        ],
        "temperature": [Interval(numbers.Real, 0, None, closed="left")],
        "acceptance_margin": [Interval(numbers.Real, 0, None, closed="left")],
        "quiet_level": [None, Interval(numbers.Real, 0, 1, closed="neither")],
        "memory": [None, str, HasMethods(["cache"])],
        "device": [str],
        "n_dim": [
            StrOptions({"auto"}),
            Interval(numbers.Integral, 1, 2, closed="both"),
        ],
        "sample_shape": [
            None,
            "array-like",
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="minority",
        pretrain="all",
        pretrain_epochs=10,
        unlabeled_pool=None,
        n_levels=3,
        n_steps=8,
        hidden_channels=64,
        attention_levels=0,
        coupling="additive",
        scale_clamp=2.0,
        max_epochs=100,
        patience=10,
        validation_fraction=0.2,
        batch_size=8,
        lr=1e-3,
        warmup_steps=20,
        interpolation="linear",
        k_neighbors=5,
        temperature=0.0,
        acceptance_margin=0.5,
        quiet_level=None,
        memory=None,
        device="auto",
        n_dim="auto",
        sample_shape=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.pretrain = pretrain
        self.pretrain_epochs = pretrain_epochs
        self.unlabeled_pool = unlabeled_pool
        self.n_levels = n_levels
        self.n_steps = n_steps
        self.hidden_channels = hidden_channels
        self.attention_levels = attention_levels
        self.coupling = coupling
        self.scale_clamp = scale_clamp
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.batch_size = batch_size
        self.lr = lr
        self.warmup_steps = warmup_steps
        self.interpolation = interpolation
        self.k_neighbors = k_neighbors
        self.temperature = temperature
        self.acceptance_margin = acceptance_margin
        self.quiet_level = quiet_level
        self.memory = memory
        self.device = device
        self.n_dim = n_dim
        self.sample_shape = sample_shape
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags

    # ------------------------------------------------------------------ validation
    def _check_X_y(self, X, y, accept_sparse=None):
        # imblearn's hook: n-D samples (or 2-D + sample_shape) instead of a
        # 2-D matrix; the layout is restored in _fit_resample.
        if isinstance(self.sampling_strategy, dict):
            for cls, count in self.sampling_strategy.items():
                if not isinstance(count, numbers.Integral) or isinstance(count, bool):
                    raise ValueError(
                        f"sampling_strategy[{cls!r}] must be an int number of "
                        f"samples after resampling, got {count!r}; round it "
                        "(e.g. int(round(count)))."
                    )
        check_classification_targets(y)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        warn_if_sample_shape_missing(
            self, X, self.sample_shape, model_ndim=2 if self.n_dim == 2 else None
        )
        X_nd, y, self._flat = validate_samples(
            self,
            X,
            y,
            reset=True,
            sample_shape=self.sample_shape,
            max_sample_ndim=3,
        )
        return X_nd, y, binarize_y

    # ------------------------------------------------------------------ layout
    def _resolve_n_dim(self, sample_shape):
        ndim = len(sample_shape)
        if self.n_dim == "auto":
            return 1 if is_waveform_shape(sample_shape) else 2
        n_dim = int(self.n_dim)
        if ndim not in (n_dim, n_dim + 1):
            raise ValueError(
                f"n_dim={n_dim} cannot model samples of shape {sample_shape}: a "
                f"{n_dim}-D flow takes samples of {n_dim} (one channel) or "
                f"{n_dim + 1} (channels first) dimensions. Set n_dim='auto' or "
                "reshape X."
            )
        return n_dim

    # ----------------------------------------------------------------- data prep
    def _prepare(self, X_nd, cls=None):
        """(n, *sample_shape) -> normalised, padded float32 (n, C, *spatial).

        Returns the array, the per-sample scales and the scale floor used
        (computed from the data when ``cls`` is None, the class's otherwise).
        """
        X = np.asarray(X_nd, dtype=np.float32)
        if X.ndim - 1 == self.n_dim_:  # no channel axis
            X = X[:, None]
        rms = np.sqrt(
            np.mean(np.square(X, dtype=np.float64), axis=tuple(range(1, X.ndim)))
        )
        if cls is None:
            floor = _SCALE_FLOOR * max(float(rms.max(initial=0.0)), 1e-30)
        else:
            floor = self._scale_floor[cls]
        scales = np.maximum(rms, floor)
        Xn = X / scales.astype(np.float32).reshape(-1, *([1] * (X.ndim - 1)))
        pad = [(0, p - s) for p, s in zip(self.flow_input_shape_, X.shape[1:])]
        if any(right for _, right in pad):
            Xn = np.pad(Xn, [(0, 0), *pad], mode="symmetric")
        return np.ascontiguousarray(Xn, dtype=np.float32), scales, floor

    def _from_flow_layout(self, Xp, scales=None):
        """Crop padded flow outputs back to ``(n, *sample_shape_)``, rescale."""
        spatial = self.sample_shape_[-self.n_dim_ :]
        X = Xp[(slice(None), slice(None), *(slice(0, s) for s in spatial))]
        if scales is not None:
            X = X * scales.reshape(-1, *([1] * (X.ndim - 1)))
        return X.reshape((len(X), *self.sample_shape_))

    def _crop(self, Xp):
        """Padded flow layout -> ``(n, C, *sample spatial)`` (channel axis kept)."""
        spatial = self.sample_shape_[-self.n_dim_ :]
        return Xp[(slice(None), slice(None), *(slice(0, s) for s in spatial))]

    def _pad(self, Xc):
        pad = [(0, p - s) for p, s in zip(self.flow_input_shape_, Xc.shape[1:])]
        if any(right for _, right in pad):
            Xc = np.pad(Xc, [(0, 0), *pad], mode="symmetric")
        return np.ascontiguousarray(Xc, dtype=np.float32)

    # -------------------------------------------------------------------- fitting
    def _fit_flows(self, X_nd, y, X_unlabeled=None):
        target_stats = dict(zip(*np.unique(y, return_counts=True)))
        to_fit = [c for c, n in self.sampling_strategy_.items() if n > 0]
        self.n_dim_ = self._resolve_n_dim(self.sample_shape_)
        shape = tuple(self.sample_shape_)
        if len(shape) == self.n_dim_:
            shape = (1, *shape)
        m = 2**self.n_levels
        self.flow_input_shape_ = (shape[0], *(s + (-s % m) for s in shape[1:]))

        # Per-class data; all-zero samples carry no shape to learn or mix.
        Xn_all, scales_all, floor = self._prepare(X_nd)
        live_all = scales_all > floor
        class_data = {}
        for cls in to_fit:
            mask = y == cls
            live = live_all[mask]
            if float(scales_all[mask].max(initial=0.0)) < _MIN_ENERGY or not live.any():
                raise ValueError(
                    f"Class {cls!r} has no energy: all its {target_stats[cls]} "
                    "samples are zero (or denormal), so there is no waveform "
                    "to learn or interpolate. Remove those samples or leave the "
                    "class out of sampling_strategy."
                )
            if live.sum() < 2:
                raise ValueError(
                    f"Class {cls!r} has {int(live.sum())} sample with energy; "
                    "GlowOversampler needs at least 2 samples of a class to "
                    "interpolate between them. Collect more samples of that "
                    "class or leave it out of sampling_strategy (e.g. a dict "
                    "naming only the other classes)."
                )
            class_data[cls] = (Xn_all[mask][live], scales_all[mask][live])

        device = resolve_device(self.device)
        memory = check_memory(self.memory)
        fit_flow = memory.cache(training.fit_flow, ignore=["verbose", "desc"])
        flow_params = {
            "n_levels": self.n_levels,
            "n_steps": self.n_steps,
            "hidden_channels": self.hidden_channels,
            "attention_levels": self.attention_levels,
            "coupling": self.coupling
            if isinstance(self.coupling, str)
            else list(self.coupling),
            "scale_clamp": float(self.scale_clamp)
            if isinstance(self.scale_clamp, numbers.Real)
            else [float(c) for c in self.scale_clamp],
        }
        common = dict(
            n_dim=self.n_dim_,
            flow_params=flow_params,
            batch_size=self.batch_size,
            lr=float(self.lr),
            warmup_steps=self.warmup_steps,
            device=device,
            verbose=self.verbose,
        )
        rs = check_random_state(self.random_state)
        pretrain_seed = seed_from_random_state(rs)
        init_state, self.pretrain_history_ = None, []
        if self.pretrain == "all" and to_fit:
            X_pre = [Xn_all[live_all]]
            for pool in (self.unlabeled_pool, X_unlabeled):
                if pool is not None:
                    Xp, sp, fp = self._prepare(self._validate_pool(pool, len(X_nd)))
                    X_pre.append(Xp[sp > fp])
            X_pre = np.concatenate(X_pre)
            bin_size = training.dequantization_width(self._crop(X_pre))
            result = fit_flow(
                X_pre,
                max_epochs=self.pretrain_epochs,
                seed=pretrain_seed,
                bin_size=bin_size,
                desc="Glow pretraining",
                **common,
            )
            init_state = result["state_dict"]
            self.pretrain_history_ = list(result["history"])
            self.pretrain_n_restarts_ = result["n_restarts"]

        self.flows_, self.history_, self.val_history_ = {}, {}, {}
        self.best_epoch_, self.scales_, self.n_restarts_ = {}, {}, {}
        self.dequantization_width_, self.acceptance_bounds_ = {}, {}
        self.acceptance_rate_, self.accepted_lambdas_ = {}, {}
        self._class_data, self._scale_floor, self._seeds = {}, {}, {}
        self._latents, self._class_bpd = {}, {}
        for cls in to_fit:
            seed = seed_from_random_state(rs)
            Xn, scales = class_data[cls]
            if init_state is None:
                bin_size = training.dequantization_width(self._crop(Xn))
            n = len(Xn)
            n_val = max(int(round(self.validation_fraction * n)), 1) if n >= 4 else 0
            perm = np.random.RandomState(seed).permutation(n)
            val, tr = perm[:n_val], perm[n_val:]
            result = fit_flow(
                Xn[np.sort(tr)],
                X_val=Xn[np.sort(val)] if n_val else None,
                patience=self.patience if n_val else None,
                init_state=init_state,
                max_epochs=self.max_epochs,
                seed=seed,
                bin_size=bin_size,
                desc=f"Glow[{cls}]",
                **common,
            )
            with torch.random.fork_rng(devices=[]):
                flow = training.make_flow(Xn.shape[1], self.n_dim_, flow_params)
            training.load_state(flow, result["state_dict"])
            self.flows_[cls] = flow.to(device).eval()
            self.history_[cls] = list(result["history"])
            self.val_history_[cls] = list(result["val_history"])
            self.best_epoch_[cls] = result["best_epoch"]
            self.n_restarts_[cls] = result["n_restarts"]
            self.dequantization_width_[cls] = bin_size
            self.scales_[cls] = scales
            self._scale_floor[cls] = floor
            self._class_data[cls] = Xn
            self._seeds[cls] = seed_from_random_state(rs)
        self._device = device
        for cls in to_fit:
            Xn = self._class_data[cls]
            bpd = self._bits_per_dim(cls, Xn)
            crest, kurt = latent.artefact_stats(self._crop(Xn))
            self.acceptance_bounds_[cls] = latent.acceptance_bounds(
                bpd, crest, kurt, float(self.acceptance_margin)
            )
        return self

    def _validate_pool(self, X_unlabeled, n_train):
        X_pool, _ = validate_samples(
            self,
            X_unlabeled,
            reset=False,
            sample_shape=self.sample_shape_ if np.ndim(X_unlabeled) == 2 else None,
        )
        if len(X_pool) == n_train:
            warnings.warn(
                f"X_unlabeled has as many samples as X ({n_train}): if it was "
                "passed through scikit-learn's cross-validation (params= of "
                "cross_validate), it has been sliced as if aligned with X. Give "
                "a pool of another length, or ignore this if it is intended.",
                UserWarning,
                stacklevel=4,
            )
        return X_pool

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, X_unlabeled=None):
        """Train the flows (pretraining, then one fine-tuned flow per class).

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Training samples; 2-D ``X`` is a set of 1-D traces unless
            ``sample_shape`` says how to unflatten it.
        y : array-like of shape (n_samples,)
            Class labels.
        X_unlabeled : array-like of shape (n_pool, *sample_shape), default=None
            Extra samples for pretraining only (``pretrain="all"``).

        Returns
        -------
        self : GlowOversampler
        """
        X_nd, y, _ = self._check_X_y(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type
        )
        with limit_torch_threads(env_torch_threads()):
            return self._fit_flows(X_nd, y, X_unlabeled)

    def _fit_resample(self, X, y, X_unlabeled=None):
        # imblearn's hook: X is validated (n, *sample_shape_) and
        # sampling_strategy_ set by BaseSampler.fit_resample.
        flat = self._flat
        X_new, y_new = [X], [y]
        with limit_torch_threads(env_torch_threads()):
            self._fit_flows(X, y, X_unlabeled)
            for cls, n_new in self.sampling_strategy_.items():
                if n_new == 0:
                    continue
                rs = np.random.RandomState(self._seeds[cls])
                X_syn = self._generate(cls, n_new, rs)
                X_new.append(X_syn.astype(X.dtype, copy=False))
                y_new.append(np.full(n_new, cls, dtype=y.dtype))
        return restore_layout(np.concatenate(X_new), flat), np.concatenate(y_new)

    # ------------------------------------------------------------------ latents
    def _check_class(self, cls):
        check_is_fitted(self, "flows_")
        if cls is None:
            if len(self.flows_) != 1:
                raise ValueError(
                    f"Flows were trained for {len(self.flows_)} classes "
                    f"{sorted(self.flows_, key=str)}: pass cls= to choose one."
                )
            cls = next(iter(self.flows_))
        if cls not in self.flows_:
            raise ValueError(
                f"No flow was trained for class {cls!r}; flows exist for "
                f"{sorted(self.flows_, key=str)}. Pass one of those, or include the "
                "class in sampling_strategy when fitting."
            )
        return cls, self.flows_[cls]

    def _encode_t(self, flow, Xn):
        zs = []
        with torch.no_grad():
            for i in range(0, len(Xn), _CHUNK):
                x = torch.from_numpy(Xn[i : i + _CHUNK]).to(self._device)
                zs.append([z.cpu() for z in flow(x)[0]])
        return [torch.cat(level) for level in zip(*zs)]

    def _decode_t(self, flow, zs):
        out = []
        with torch.no_grad():
            for i in range(0, len(zs[0]), _CHUNK):
                chunk = [z[i : i + _CHUNK].to(self._device) for z in zs]
                out.append(flow.inverse(chunk).cpu())
        return torch.cat(out).numpy()

    def _log_prob(self, flow, Xn):
        out = []
        with torch.no_grad():
            for i in range(0, len(Xn), _CHUNK):
                x = torch.from_numpy(Xn[i : i + _CHUNK]).to(self._device)
                out.append(flow.log_prob(x).cpu())
        return torch.cat(out).numpy().astype(np.float64)

    def _bits_per_dim(self, cls, Xn):
        bits_per_dim = training._flows_api()[2]
        n_dims = int(np.prod(Xn.shape[1:]))
        lp = self._log_prob(self.flows_[cls], Xn)
        return np.asarray(
            bits_per_dim(lp, n_dims, self.dequantization_width_[cls]), dtype=float
        )

    def _check_decoded(self, cls, x):
        """Renormalise decoded (padded) samples; test them for acceptance."""
        xc = self._crop(x).astype(np.float64)
        flat = xc.reshape(len(xc), -1)
        with np.errstate(all="ignore"):
            rms = np.sqrt(np.mean(flat**2, axis=1))
            finite = np.isfinite(flat).all(axis=1) & (rms > 0) & np.isfinite(rms)
            xn = xc / np.where(finite, rms, 1.0).reshape(-1, *([1] * (xc.ndim - 1)))
        xn[~finite] = 0.0
        bpd = self._bits_per_dim(cls, self._pad(xn))
        crest, kurt = latent.artefact_stats(xn)
        ok = finite & latent.accept(self.acceptance_bounds_[cls], bpd, crest, kurt)
        return xn, ok

    def _carry_quiet(self, x, parents):
        """Copy the quiet values of ``parents`` into decoded samples ``x``.

        Both are in the padded flow layout; ``x`` is changed in place. The
        callers skip it (and the parents' copy) when ``quiet_level`` is None.
        """
        xc, pc = self._crop(x), self._crop(parents)
        mask = quiet_mask(pc, level=self.quiet_level)
        xc[mask] = pc[mask]
        return x

    def _generate(self, cls, n_samples, rs):
        cls, flow = self._check_class(cls)
        if n_samples == 0:
            self.acceptance_rate_[cls] = float("nan")
            self.accepted_lambdas_[cls] = np.empty(0)
            return np.empty((0, *self.sample_shape_), dtype=np.float32)
        Xn = self._class_data[cls]
        scales = self.scales_[cls]
        log_s = np.log(scales)
        if cls not in self._latents:
            # Encoding the class is as costly as a training epoch: do it once.
            self._latents[cls] = self._encode_t(flow, Xn)
        zs = self._latents[cls]
        n = len(Xn)
        flat = torch.cat([z.reshape(n, -1) for z in zs], dim=1).numpy()
        neigh = latent.neighbours(self.k_neighbors, flat)
        out = np.empty((n_samples, *self.sample_shape_), dtype=np.float32)
        lam_out = np.empty(n_samples)
        todo = np.arange(n_samples)
        a, b, lam = latent.draw_pairs(rs, n, neigh, n_samples)
        n_decoded = n_first = 0
        for attempt in range(_MAX_REDRAWS + _MAX_SHRINKS + 1):
            if 0 < attempt <= _MAX_REDRAWS:
                a, b, lam = latent.draw_pairs(rs, n, neigh, len(todo))
            elif attempt > _MAX_REDRAWS:
                # Still off the data: move towards the nearer parent, whose own
                # latent decodes exactly (this makes near-copies; reported).
                lam = np.where(lam < 0.5, lam / 2, 1 - (1 - lam) / 2)
            gen = torch.Generator().manual_seed(seed_from_random_state(rs))
            mixed = latent.mix_latents(
                [z[a] for z in zs], [z[b] for z in zs], lam, self.interpolation
            )
            if self.temperature > 0:
                mixed = [
                    zm + self.temperature * torch.randn(zm.shape, generator=gen)
                    for zm in mixed
                ]
            x = self._decode_t(flow, mixed)
            if self.quiet_level is not None:
                x = self._carry_quiet(x, Xn[np.where(lam < 0.5, a, b)])
            xn, ok = self._check_decoded(cls, x)
            if attempt <= _MAX_REDRAWS:
                n_decoded += len(todo)
                n_first += int(ok.sum())
            s = np.exp((1 - lam) * log_s[a] + lam * log_s[b])
            x = xn * s.reshape(-1, *([1] * (xn.ndim - 1)))
            out[todo[ok]] = x[ok].reshape(-1, *self.sample_shape_)
            lam_out[todo[ok]] = lam[ok]
            todo, a, b, lam = todo[~ok], a[~ok], b[~ok], lam[~ok]
            if len(todo) == 0:
                break
        else:
            raise RuntimeError(
                f"The flow of class {cls!r} decoded {len(todo)} samples off the "
                "class's data even from latents next to real samples: it is "
                "numerically broken. Refit with a lower lr, more warmup_steps, "
                "coupling='additive' or a smaller model."
            )
        rate = n_first / max(n_decoded, 1)
        self.acceptance_rate_[cls] = rate
        self.accepted_lambdas_[cls] = lam_out
        if rate < _MIN_ACCEPTANCE:
            near = float(np.mean(np.minimum(lam_out, 1 - lam_out) < 0.1))
            warnings.warn(
                f"Only {rate:.0%} of the decoded interpolations for class {cls!r} "
                "lay on the class's data (bits/dim, crest factor and trace "
                "kurtosis within acceptance_bounds_); the others were redrawn. "
                f"{near:.0%} of the returned samples have lambda within 0.1 of a "
                "parent (near-copies; 20 % for uniform lambda). The flow is "
                "probably undertrained or overfitted: use pretrain='all' (with "
                "an unlabelled pool via X_unlabeled), coupling='additive', more "
                "pretrain_epochs, or a lower k_neighbors; or raise "
                "acceptance_margin.",
                UserWarning,
                stacklevel=3,
            )
        return out

    # ------------------------------------------------------------ public methods
    def sample(self, n_samples, cls=None, *, random_state=None):
        """Make ``n_samples`` synthetic samples of class ``cls``.

        Same procedure as :meth:`fit_resample` (latent interpolation between
        training samples of the class, then acceptance).

        Parameters
        ----------
        n_samples : int
        cls : class label, default=None
            A class a flow was trained for (a key of ``flows_``); may be
            omitted when there is only one.
        random_state : int, RandomState instance or None, default=None
            ``None`` uses the estimator's ``random_state``.

        Returns
        -------
        X : ndarray of shape (n_samples, *sample_shape_), float32
        """
        cls, _ = self._check_class(cls)
        if (
            not isinstance(n_samples, numbers.Integral)
            or isinstance(n_samples, bool)
            or n_samples < 0
        ):
            raise ValueError(
                f"n_samples must be a non-negative int, got {n_samples!r}."
            )
        rs = check_random_state(
            self.random_state if random_state is None else random_state
        )
        return self._generate(cls, int(n_samples), rs)

    def _check_lam_or_scales(self, values, n, name):
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim > 1 or (arr.ndim == 1 and len(arr) != n):
            raise ValueError(
                f"{name} must be a float or one value per sample ({n}), got "
                f"shape {arr.shape}."
            )
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} must be finite, got {values!r}.")
        return np.broadcast_to(arr, (n,))

    def interpolate(self, X_a, X_b, lam, cls=None):
        """Decode the latent interpolation between two sets of samples.

        The operation behind every synthetic sample, exposed for inspection:
        ``X_a[i]`` and ``X_b[i]`` are encoded by the flow of ``cls``, their
        latents mixed at every level with coefficient ``lam[i]`` (using
        ``interpolation``; no ``temperature`` noise), decoded, and rescaled to
        the geometric interpolation of their RMS amplitudes. Unlike
        :meth:`sample`, no acceptance test is applied.

        Parameters
        ----------
        X_a, X_b : array-like of shape (n_samples, *sample_shape_)
            The two ends (2-D flattened input is accepted as well).
        lam : float or array-like of shape (n_samples,)
            Finite mixing coefficients; 0 gives ``X_a`` back, 1 gives ``X_b``.
        cls : class label, default=None
            A key of ``flows_``; may be omitted when there is only one.

        Returns
        -------
        X : ndarray of shape (n_samples, *sample_shape_), float32
        """
        cls, flow, Xa, sa, _ = self._validate_X(X_a, cls)
        _, _, Xb, sb, _ = self._validate_X(X_b, cls)
        if len(Xa) != len(Xb):
            raise ValueError(
                f"X_a and X_b must hold as many samples, got {len(Xa)} and "
                f"{len(Xb)}. Pair each sample of X_a with one of X_b."
            )
        lam = self._check_lam_or_scales(lam, len(Xa), "lam")
        zs = latent.mix_latents(
            self._encode_t(flow, Xa), self._encode_t(flow, Xb), lam, self.interpolation
        )
        scales = np.exp((1.0 - lam) * np.log(sa) + lam * np.log(sb))
        x = self._decode_t(flow, zs)
        if self.quiet_level is not None:
            nearer = (lam < 0.5).reshape(-1, *([1] * (Xa.ndim - 1)))
            x = self._carry_quiet(x, np.where(nearer, Xa, Xb))
        x = self._from_flow_layout(x)
        rms = np.sqrt(np.mean(np.square(x.reshape(len(x), -1), dtype=np.float64), 1))
        with np.errstate(all="ignore"):
            factor = np.where(rms > 0, scales / rms, scales)
        return (x * factor.reshape(-1, *([1] * (x.ndim - 1)))).astype(np.float32)

    def _validate_X(self, X, cls):
        cls, flow = self._check_class(cls)
        X_nd, flat = validate_samples(
            self,
            X,
            reset=False,
            sample_shape=self.sample_shape_ if np.ndim(X) == 2 else None,
        )
        Xn, scales, _ = self._prepare(X_nd, cls)
        return cls, flow, Xn, scales, flat

    def score_samples(self, X, cls=None):
        """Log-likelihood of each sample under the flow of class ``cls``.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape_) or (n_samples, n_features)
        cls : class label, default=None
            A key of ``flows_``; may be omitted when there is only one.

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            ``log p(x / rms(x))`` in nats: the density of the RMS-normalised,
            padded sample (the flow models shape, not amplitude; the padded
            values are included), without dequantisation noise. Higher means
            more typical of the class.
        """
        _, flow, Xn, _, _ = self._validate_X(X, cls)
        return self._log_prob(flow, Xn)

    def encode(self, X, cls=None):
        """Latents of ``X`` under the flow of class ``cls``.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape_) or (n_samples, n_features)
        cls : class label, default=None
            A key of ``flows_``; may be omitted when there is only one.

        Returns
        -------
        zs : list of ndarray
            One array per level, ``(n_samples, *latent_shape)``, the last one the
            top latent, of the RMS-normalised, padded samples.
        """
        _, flow, Xn, _, _ = self._validate_X(X, cls)
        return [z.numpy() for z in self._encode_t(flow, Xn)]

    def decode(self, zs, cls=None, scales=None):
        """Samples from latents (inverse of :meth:`encode`).

        Parameters
        ----------
        zs : list of array-like
            One finite array per level, as returned by :meth:`encode`.
        cls : class label, default=None
            A key of ``flows_``; may be omitted when there is only one.
        scales : array-like of shape (n_samples,), default=None
            Amplitude (RMS) to give each sample; ``None`` returns the
            normalised (unit-RMS before cropping) samples the flow models.

        Returns
        -------
        X : ndarray of shape (n_samples, *sample_shape_), float32
        """
        cls, flow = self._check_class(cls)
        expected = flow.latent_shapes(self.flow_input_shape_)
        if not isinstance(zs, (list, tuple)) or len(zs) != len(expected):
            raise ValueError(
                f"zs must be a list of {len(expected)} arrays (one per level, as "
                f"returned by encode), got {type(zs).__name__} of "
                f"{len(zs) if isinstance(zs, (list, tuple)) else 'no'} entries."
            )
        zs = [np.asarray(z, dtype=np.float32) for z in zs]
        got = [tuple(z.shape[1:]) for z in zs]
        if got != [tuple(s) for s in expected] or len({len(z) for z in zs}) != 1:
            raise ValueError(
                f"zs must have per-sample shapes {expected} (one batch size for "
                f"all levels), got {[z.shape for z in zs]}; pass what encode "
                "returns (channels must match the flow)."
            )
        if not all(np.isfinite(z).all() for z in zs):
            raise ValueError("zs contains NaN or inf; latents must be finite.")
        x = self._decode_t(flow, [torch.from_numpy(z) for z in zs])
        if scales is not None:
            scales = self._check_lam_or_scales(scales, len(zs[0]), "scales")
        return self._from_flow_layout(x, scales).astype(np.float32, copy=False)
