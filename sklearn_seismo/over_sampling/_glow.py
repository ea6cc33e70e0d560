"""GlowOversampler: SeismoGlow latent-interpolation oversampling (imblearn sampler).

A Glow normalizing flow (:mod:`sklearn_seismo.flows`) is pretrained on every
sample it is given and fine-tuned on each class to oversample (or, as in the
paper, trained on that class only); new samples are made by encoding two real
samples, mixing their latents at every level and decoding (Milidiú & Müller,
2021), and kept only if they lie on the class's data. The estimator holds one
``ClassModel`` per class (``_glow_model``); training lives in
``_glow_training``, pairing, mixing, acceptance and the generation loop in
``_glow_latent``, padding and cropping in ``_glow_layout``.
"""

import numbers
import warnings

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy, check_target_type
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_memory

from ..utils import (
    check_allocation,
    restore_layout,
    validate_samples,
    warn_if_sample_shape_missing,
)
from ..utils._layout import as_samples
from ..utils._sampling import check_new_samples_fit
from ..utils._torch import (
    estimator_torch_threads,
    limit_torch_threads,
    resolve_device,
)
from . import _glow_latent as latent
from . import _glow_training as training
from ._glow_inspect import LatentMethodsMixin, torch_threads
from ._glow_layout import FlowLayout, resolve_n_dim

__all__ = ["GlowOversampler"]

# Acceptance below this warns (the flow is probably undertrained).
_MIN_ACCEPTANCE = 0.9


def _per_class(name):
    """A fitted attribute ``{class: value}`` read from the per-class models.

    The models are the one copy of the fitted state; a class without the
    value (``acceptance_rate`` before any ``fit_resample``) is left out.
    """

    def get(self):
        values = ((c, getattr(m, name)) for c, m in self._models.items())
        return {c: v for c, v in values if v is not None}

    return property(get)


class GlowOversampler(LatentMethodsMixin, BaseOverSampler):
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
    (``unlabeled_pool``); a copy is then fine-tuned on each class to oversample,
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
        ``"all"``: pretrain one flow on every sample (and ``unlabeled_pool``),
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
        random pair of distinct samples. With ``mode="translate"``: the
        class sample is one of the ``k_neighbors`` nearest to the translated
        source (``None``: a random one).
    mode : {"interpolate", "translate"}, default="interpolate"
        ``"interpolate"``: both parents are samples of the class.
        ``"translate"``: the first is a sample of another class or of the
        unlabelled pool moved into the class in latent space, the second its
        nearest sample of the class (see Notes).
    temperature : float, default=0.0
        Standard deviation of Gaussian noise added to the mixed latents (not
        Glow's sampling temperature: see ``sampling_temperature``).
    sampling_temperature : float, default=1.0
        Factor on the mixed latents before decoding: Glow's reduced
        temperature (the latents are standard Normal at every level), which
        below 1 decodes smoother samples, with less of the noise floor the
        flow learned. The amplitude is restored afterwards. 1 decodes the
        mix as it is; moves towards a parent (after 16 rejections) decode
        at 1.
    noise_source : {"flow", "parent"}, default="flow"
        Where a sample's noise and fine detail come from when
        ``sampling_temperature`` is below 1. ``"flow"``: the reduced-
        temperature decode alone (smoother). ``"parent"``: the decode plus
        the residual of the parent whose quiet parts it carries (the nearer
        one; with ``mode="translate"`` the class's sample): what the same
        temperature removes from that real sample, ``x_p - f^-1(t z_p)``.
        A sample at ``lambda = 0`` is then its parent again. No effect at
        temperature 1.
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
        Class label -> accepted share of the decoded samples of
        :meth:`fit_resample` (:meth:`sample` leaves it alone and returns its
        own with ``return_diagnostics=True``).
    accepted_lambdas_ : dict
        Class label -> interpolation coefficient of each returned sample
        (after any move towards a parent; with ``mode="translate"``, the
        weight of the class's own sample).
    scales_ : dict
        Class label -> RMS of each training sample of the class.
    n_restarts_ : dict
        Class label -> number of training restarts after divergence.
    pretrain_cpu_seconds_ : float
        CPU time of the process (all threads) spent pretraining (0 without
        pretraining; a ``memory`` cache hit costs only the load).
    training_cpu_seconds_ : dict
        Class label -> CPU time of the process spent on that class's flow
        (fine-tuning, or training with ``pretrain="none"``).
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
    from ``benchmarks/glow/bench_glow_ablation.py`` (synthetic shot gathers of
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
    signal. In ``benchmarks/glow/diagnose_glow_quiet.py`` (the study suite's own
    flows) the share of quiet values in the samples is 0.38-0.43 of the real
    one on synthetic gathers and 0.08-0.13 on the real-waveform task;
    ``quiet_level=0.01`` brings it to 0.94-1.36. Downstream
    (``benchmarks/glow/bench_glow_quiet_level.py``: bad-class F1 of the suite's
    glow arm, 5 training sets each tested on 6,000 samples) it changed the
    score by -2.8 to +3.1 points on the suite's six data sets (mean +0.25,
    higher on 3 of 6), significantly only on the hard 32x32 gathers (+3.1,
    higher on 5 of 5 sets, paired t p = 0.013): not a reliable gain, so it
    is off by default. Measure both settings when the rare class is defined
    by gaps or dead channels.

    **Translation** (``mode="translate"``, issue 23). Interpolating between
    a few dozen rare samples cannot add variation the rare class does not
    show. A translated sample starts from a sample ``x_s`` of another class
    (or of ``unlabeled_pool``; only what ``fit`` was given, never a test
    fold) and keeps its nuisance variation (noise, moveout, amplitude
    pattern): under the class's flow ``f``, its latent ``z_s = f(x_s)`` is
    moved by ``delta``, the difference of the class's mean latent and the
    sources' (per level), and mixed with ``z_r``, one of the nearest class
    latents to ``z_s + delta``: ``z = (1 - lambda) (z_s + delta) + lambda
    z_r``, ``lambda ~ U(0, 1)``. ``lambda = 0`` is the translated source,
    ``lambda = 1`` the class's own sample; rejected draws move towards the
    latter, and the quiet values (``quiet_level``) always come from it. The
    flow stays exactly invertible: the move is a shift in latent space, and
    ``f^-1`` decodes it exactly. The log-amplitude moves by the difference of
    the class means too, clipped to the class's range. The shift carries
    what separates the class on average; the mix carries a real sample's
    particulars (a dead trace at its place). Whether either helps is for
    the screen of ``benchmarks/glow/bench_glow_v3_screen.py`` to tell; the
    default stays ``"interpolate"``.

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
    ...                           pretrain_epochs=2, max_epochs=2,
    ...                           sample_shape=(16,), random_state=0)
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
        "mode": [StrOptions({"interpolate", "translate"})],
        "temperature": [Interval(numbers.Real, 0, None, closed="left")],
        "sampling_temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "noise_source": [StrOptions({"flow", "parent"})],
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
        mode="interpolate",
        temperature=0.0,
        sampling_temperature=1.0,
        noise_source="flow",
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
        self.mode = mode
        self.temperature = temperature
        self.sampling_temperature = sampling_temperature
        self.noise_source = noise_source
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

    # Fitted per-class attributes (documented above), views of ``_models``.
    flows_ = _per_class("flow")
    history_ = _per_class("history")
    val_history_ = _per_class("val_history")
    best_epoch_ = _per_class("best_epoch")
    n_restarts_ = _per_class("n_restarts")
    training_cpu_seconds_ = _per_class("cpu_seconds")
    scales_ = _per_class("scales")
    dequantization_width_ = _per_class("dequantization_width")
    acceptance_bounds_ = _per_class("bounds")
    acceptance_rate_ = _per_class("acceptance_rate")
    accepted_lambdas_ = _per_class("accepted_lambdas")

    # ------------------------------------------------------------------ validation
    def _check_X_y(self, X, y, accept_sparse=None):
        # imblearn's hook: n-D samples (or 2-D + sample_shape) instead of a
        # 2-D matrix. X goes back in the caller's layout, flattened or not, so
        # that _fit_resample reads the layout from the array (as_samples).
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
        X_nd, y, flat = validate_samples(
            self, X, y, reset=True, sample_shape=self.sample_shape, max_sample_ndim=3
        )
        return restore_layout(X_nd, flat), y, binarize_y

    def _validate_pool(self, pool, n_train, name):
        X_pool, _ = validate_samples(
            self,
            pool,
            reset=False,
            sample_shape=self.sample_shape_ if np.ndim(pool) == 2 else None,
        )
        if len(X_pool) == n_train:
            warnings.warn(
                f"{name} has as many samples as X ({n_train}): if it was "
                "passed through scikit-learn's cross-validation (params= of "
                "cross_validate), it has been sliced as if aligned with X. Give "
                "a pool of another length, or ignore this if it is intended.",
                UserWarning,
                stacklevel=4,
            )
        return X_pool

    # -------------------------------------------------------------------- fitting
    def _training_settings(self):
        coupling, clamp = self.coupling, self.scale_clamp
        return {
            "flow_params": {
                "n_levels": self.n_levels,
                "n_steps": self.n_steps,
                "hidden_channels": self.hidden_channels,
                "attention_levels": self.attention_levels,
                "coupling": coupling if isinstance(coupling, str) else list(coupling),
                "scale_clamp": float(clamp)
                if isinstance(clamp, numbers.Real)
                else [float(c) for c in clamp],
            },
            "pretrain": self.pretrain,
            "pretrain_epochs": self.pretrain_epochs,
            "max_epochs": self.max_epochs,
            "patience": self.patience,
            "validation_fraction": self.validation_fraction,
            "batch_size": self.batch_size,
            "lr": float(self.lr),
            "warmup_steps": self.warmup_steps,
        }

    def _fit_models(self, X_nd, y, X_unlabeled=None):
        classes = [c for c, n in self.sampling_strategy_.items() if n > 0]
        self.n_dim_ = resolve_n_dim(self.n_dim, self.sample_shape_)
        multiple = training.size_multiple(self.n_levels)
        self._layout = FlowLayout.fit(X_nd, self.n_dim_, multiple)
        self.flow_input_shape_ = self._layout.flow_shape
        pools = []
        if (self.pretrain == "all" or self.mode == "translate") and classes:
            named = (
                ("unlabeled_pool", self.unlabeled_pool),
                ("X_unlabeled", X_unlabeled),
            )
            pools = [
                self._validate_pool(pool, len(X_nd), name)
                for name, pool in named
                if pool is not None
            ]
        self._device = resolve_device(self.device)
        pretrained, models = training.fit_models(
            X_nd,
            y,
            classes,
            self._layout,
            pools=pools,
            settings=self._training_settings(),
            rs=check_random_state(self.random_state),
            memory=check_memory(self.memory),
            device=self._device,
            verbose=self.verbose,
            sources=self.mode == "translate",
        )
        self.pretrain_history_, self.pretrain_cpu_seconds_ = [], 0.0
        self._pretrained_flow = None
        if pretrained is not None:
            self.pretrain_history_ = list(pretrained["history"])
            self.pretrain_cpu_seconds_ = pretrained["cpu_seconds"]
            self.pretrain_n_restarts_ = pretrained["n_restarts"]
            self._pretrained_flow = pretrained["flow"]
        margin = float(self.acceptance_margin)
        for model in models.values():
            model.prepare_sampling(self._layout, margin)
        self._models = models
        return self

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
        X, y, _ = self._check_X_y(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type
        )
        with limit_torch_threads(estimator_torch_threads()):
            return self._fit_models(
                as_samples(X, self.sample_shape_)[0], y, X_unlabeled
            )

    def _fit_resample(self, X, y, X_unlabeled=None):
        # imblearn's hook: X is validated (in the caller's layout) and
        # sampling_strategy_ set by BaseSampler.fit_resample.
        X_nd, flat = as_samples(X, self.sample_shape_)
        # before the flows are trained, not after
        check_new_samples_fit(sum(self.sampling_strategy_.values()), X_nd, self)
        X_new, y_new = [X_nd], [y]
        with limit_torch_threads(estimator_torch_threads()):
            self._fit_models(X_nd, y, X_unlabeled)
            for cls, model in self._models.items():
                n_new = self.sampling_strategy_[cls]
                rs = np.random.RandomState(model.seed)
                X_syn, rate, lambdas = self._generate(model, n_new, rs)
                # what fitting made is kept on the model (sample() does not)
                model.acceptance_rate, model.accepted_lambdas = rate, lambdas
                X_new.append(X_syn.astype(X_nd.dtype, copy=False))
                y_new.append(np.full(n_new, cls, dtype=y.dtype))
        return restore_layout(np.concatenate(X_new), flat), np.concatenate(y_new)

    # ------------------------------------------------------------------- sampling
    def _check_class(self, cls):
        check_is_fitted(self, "flows_")
        if cls is None:
            if len(self._models) != 1:
                raise ValueError(
                    f"Flows were trained for {len(self._models)} classes "
                    f"{sorted(self._models, key=str)}: pass cls= to choose one."
                )
            cls = next(iter(self._models))
        if cls not in self._models:
            raise ValueError(
                f"No flow was trained for class {cls!r}; flows exist for "
                f"{sorted(self._models, key=str)}. Pass one of those, or include the "
                "class in sampling_strategy when fitting."
            )
        return self._models[cls]

    def _generate(self, model, n_samples, rs):
        if self.mode == "translate" and model.sources is None:
            raise ValueError(
                "mode='translate' translates samples kept when fitting, and "
                "this sampler was fitted with mode='interpolate': refit it after "
                "set_params(mode='translate')."
            )
        params = {
            "mode": self.mode,
            "sampling_temperature": self.sampling_temperature,
            "noise_source": self.noise_source,
            "k_neighbors": self.k_neighbors,
            "interpolation": self.interpolation,
            "temperature": self.temperature,
            "quiet_level": self.quiet_level,
        }
        X, rate, lambdas = latent.generate(
            model, self._layout, n_samples, rs, params=params
        )
        if rate < _MIN_ACCEPTANCE:
            self._warn_low_acceptance(model.label, rate, lambdas)
        return X, rate, lambdas

    def _warn_low_acceptance(self, cls, rate, lambdas):
        if self.mode == "translate":  # near-copies are at the class's end only
            near, share = float(np.mean(lambdas > 0.9)), "10 %"
        else:
            near, share = float(np.mean(np.minimum(lambdas, 1 - lambdas) < 0.1)), "20 %"
        warnings.warn(
            f"Only {rate:.0%} of the decoded interpolations for class {cls!r} "
            "lay on the class's data (bits/dim, crest factor and trace "
            "kurtosis within acceptance_bounds_); the others were redrawn. "
            f"{near:.0%} of the returned samples have lambda within 0.1 of a "
            f"parent (near-copies; {share} for uniform lambda). The flow is "
            "probably undertrained or overfitted: "
            + "; or ".join(latent.acceptance_advice(self.get_params(deep=False)))
            + ".",
            UserWarning,
            stacklevel=4,
        )

    # ------------------------------------------------------------ public methods
    @torch_threads
    def sample(
        self, n_samples, cls=None, *, random_state=None, return_diagnostics=False
    ):
        """Make ``n_samples`` synthetic samples of class ``cls``.

        Same procedure as :meth:`fit_resample` (latent interpolation between
        training samples of the class, then acceptance). The fitted attributes
        are left alone: ``acceptance_rate_`` and ``accepted_lambdas_`` describe
        the samples of :meth:`fit_resample`; ask for this call's with
        ``return_diagnostics=True``.

        Parameters
        ----------
        n_samples : int
        cls : class label, default=None
            A class a flow was trained for (a key of ``flows_``); may be
            omitted when there is only one.
        random_state : int, RandomState instance or None, default=None
            ``None`` uses the estimator's ``random_state``.
        return_diagnostics : bool, default=False
            Also return ``{"acceptance_rate": float, "accepted_lambdas":
            ndarray}`` of this call.

        Returns
        -------
        X : ndarray of shape (n_samples, *sample_shape_), float32
        diagnostics : dict
            Only with ``return_diagnostics=True``.
        """
        model = self._check_class(cls)
        if (
            not isinstance(n_samples, numbers.Integral)
            or isinstance(n_samples, bool)
            or n_samples < 0
        ):
            raise ValueError(
                f"n_samples must be a non-negative int, got {n_samples!r}."
            )
        check_allocation(
            n_samples,
            self.sample_shape_,
            what="GlowOversampler.sample",
            fix="ask for fewer samples, or call sample() in chunks",
        )
        rs = check_random_state(
            self.random_state if random_state is None else random_state
        )
        X, rate, lambdas = self._generate(model, int(n_samples), rs)
        if return_diagnostics:
            return X, {"acceptance_rate": rate, "accepted_lambdas": lambdas}
        return X
