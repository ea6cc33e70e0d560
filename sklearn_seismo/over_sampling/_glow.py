"""GlowOversampler: SeismoGlow latent-interpolation oversampling (imblearn sampler).

For every class to oversample a Glow normalizing flow (:mod:`sklearn_seismo.flows`)
is trained on that class's samples only; new samples are made by encoding two
real samples, mixing their latents at every level and decoding (Milidiú & Müller,
2021).
"""

import copy
import math
import numbers
import warnings

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy, check_target_type
from imblearn.utils._validation import ArraysTransformer
from sklearn.base import _fit_context
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import label_binarize
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_memory

from ..utils import restore_layout, validate_samples
from ..utils._torch import resolve_device

__all__ = ["GlowOversampler"]

# Width of the uniform dequantisation noise (eq. 2 of SeismoGlow), in units of the
# per-sample RMS the flow sees: 2**-8 RMS is far below any signal feature worth
# modelling yet keeps the continuous density (and bits/dim) well defined.
_BIN_SIZE = 2.0**-8
# Fresh optimiser restarts (with the learning rate halved each time) allowed after
# a non-finite loss or gradient before training gives up.
_MAX_RESTARTS = 4
# Gradient-norm clipping: a single outlier batch must not throw the flow into a
# region where exp(scale) overflows.
_MAX_GRAD_NORM = 100.0
# Redraws (new pair and coefficient) of a decoded sample that is non-finite or
# off the data, then halvings of its distance to the nearer parent.
_MAX_REDRAWS = 8
_MAX_SHRINKS = 12
# Every training sample has unit RMS once normalised: a decoded shape whose RMS
# is off by more than this factor is not a sample of the class.
_MAX_RMS_RATIO = 2.0
# Samples decoded or encoded at once (bounds the memory of generation).
_CHUNK = 64
# Relative floor of the per-sample scale: an all-zero sample must not divide by 0.
_SCALE_FLOOR = 1e-6


def _flows_api():
    """Return ``(Glow, dequantize, bits_per_dim)`` from :mod:`sklearn_seismo.flows`.

    A single indirection so tests can substitute a stand-in flow.
    """
    from ..flows import Glow, bits_per_dim, dequantize

    return Glow, dequantize, bits_per_dim


def _make_flow(in_channels, n_dim, flow_params):
    Glow = _flows_api()[0]
    return Glow(in_channels, n_dim=n_dim, **flow_params)


def _lr_factor(step, warmup_steps, total_steps, power=1.0):
    """Linear warm-up to 1 then polynomial decay towards 0 (SeismoGlow, 5.2)."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    decay_steps = max(total_steps - warmup_steps, 1)
    return max(1.0 - (step - warmup_steps) / decay_steps, 0.0) ** power


def _snapshot(flow, optimizer, scheduler):
    return (
        {k: v.detach().clone() for k, v in flow.state_dict().items()},
        copy.deepcopy(optimizer.state_dict()),
        scheduler.state_dict(),
    )


def _fit_flow(
    X,
    *,
    n_dim,
    flow_params,
    max_epochs,
    batch_size,
    lr,
    warmup_steps,
    seed,
    device="cpu",
    verbose=0,
    desc="Glow",
):
    """Train one Glow on ``X`` (already normalised and padded); pure function.

    It is the unit cached by ``GlowOversampler(memory=...)``: its result depends
    only on its arguments (``verbose`` and ``desc`` only change the display).

    Parameters
    ----------
    X : ndarray of shape (n_samples, C, *spatial), float32
    n_dim : {1, 2}
    flow_params : dict
        Keyword arguments of :class:`sklearn_seismo.flows.Glow`.
    max_epochs, batch_size : int
    lr : float
        Peak learning rate.
    warmup_steps : int
    seed : int
    device : str
    verbose : int
    desc : str

    Returns
    -------
    result : dict
        ``state_dict`` (CPU tensors), ``history`` (bits/dim per epoch),
        ``n_restarts`` and ``lr`` (the peak learning rate finally used).
    """
    from tqdm.auto import tqdm

    _, dequantize, bits_per_dim = _flows_api()
    devices = [torch.device(device).index or 0] if device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        flow = _make_flow(X.shape[1], n_dim, flow_params).to(device)
        flow.train()
        X_t = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        n = len(X_t)
        n_dims = int(np.prod(X.shape[1:]))
        batch_size = min(batch_size, n)
        steps_per_epoch = math.ceil(n / batch_size)
        total_steps = max_epochs * steps_per_epoch
        warmup = min(warmup_steps, total_steps)

        # ActNorm statistics from a batch as large as memory comfortably allows
        # (SeismoGlow 4.1): the whole class up to 256 samples.
        init_idx = torch.randperm(n, generator=gen)[:256]
        with torch.no_grad():
            flow.initialize(
                dequantize(X_t[init_idx], _BIN_SIZE, generator=gen).to(device)
            )

        lr_scale = [1.0]
        optimizer = torch.optim.Adam(flow.parameters(), lr=lr)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda step: lr_scale[0] * _lr_factor(step, warmup, total_steps),
        )
        good = _snapshot(flow, optimizer, scheduler)
        history, n_restarts, epoch = [], 0, 0
        bar = tqdm(total=max_epochs, desc=desc, disable=not verbose, leave=False)
        while epoch < max_epochs:
            perm = torch.randperm(n, generator=gen)
            losses, diverged = [], False
            for b in range(steps_per_epoch):
                idx = perm[b * batch_size : (b + 1) * batch_size]
                xb = dequantize(X_t[idx], _BIN_SIZE, generator=gen).to(device)
                loss = bits_per_dim(flow.log_prob(xb), n_dims, _BIN_SIZE).mean()
                if not torch.isfinite(loss):
                    diverged = True
                    break
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                grad_norm = torch.nn.utils.clip_grad_norm_(
                    flow.parameters(), _MAX_GRAD_NORM
                )
                if not torch.isfinite(grad_norm):
                    diverged = True
                    break
                optimizer.step()
                scheduler.step()
                losses.append(loss.item())
            if diverged:
                n_restarts += 1
                if n_restarts > _MAX_RESTARTS:
                    bar.close()
                    raise RuntimeError(
                        f"{desc}: training diverged (non-finite loss or gradient) "
                        f"{n_restarts} times, last at epoch {epoch + 1}, even with "
                        f"the learning rate lowered to {lr * lr_scale[0]:.3g}. "
                        "Lower lr, increase warmup_steps or batch_size, or use a "
                        "smaller model (n_steps, hidden_channels)."
                    )
                # Back to the end of the last finite epoch, at half the pace.
                flow.load_state_dict(good[0])
                optimizer.load_state_dict(good[1])
                scheduler.load_state_dict(good[2])
                lr_scale[0] *= 0.5
                for group, base in zip(optimizer.param_groups, scheduler.base_lrs):
                    group["lr"] = base * scheduler.lr_lambdas[0](scheduler.last_epoch)
                continue
            history.append(float(np.mean(losses)))
            good = _snapshot(flow, optimizer, scheduler)
            epoch += 1
            bar.update(1)
            bar.set_postfix(bits_per_dim=f"{history[-1]:.3f}")
        bar.close()
        state = {k: v.detach().cpu().clone() for k, v in flow.state_dict().items()}
    return {
        "state_dict": state,
        "history": history,
        "n_restarts": n_restarts,
        "lr": lr * lr_scale[0],
    }


def _slerp(a, b, lam):
    """Spherical interpolation of the directions of ``a`` and ``b`` (row-wise).

    The norm is interpolated linearly, so the result never shrinks towards the
    origin the way a linear mix of two near-orthogonal latents does.
    """
    shape = a.shape
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    lam = lam.reshape(-1, 1)
    na = a.norm(dim=1, keepdim=True)
    nb = b.norm(dim=1, keepdim=True)
    ua = a / na.clamp_min(1e-12)
    ub = b / nb.clamp_min(1e-12)
    cos = (ua * ub).sum(dim=1, keepdim=True).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    # Nearly parallel directions: slerp degenerates to the (normalised) lerp.
    small = sin < 1e-6
    safe = torch.where(small, torch.ones_like(sin), sin)
    wa = torch.where(small, 1.0 - lam, torch.sin((1.0 - lam) * omega) / safe)
    wb = torch.where(small, lam, torch.sin(lam * omega) / safe)
    u = wa * ua + wb * ub
    u = u / u.norm(dim=1, keepdim=True).clamp_min(1e-12)
    norm = (1.0 - lam) * na + lam * nb
    return (u * norm).reshape(shape)


class GlowOversampler(BaseOverSampler):
    """Oversample with SeismoGlow: interpolation in the latent space of a Glow.

    For every class to oversample, one Glow normalizing flow
    (:class:`sklearn_seismo.flows.Glow`) is trained on the samples of that class
    only. A new sample is made by encoding two real samples of the class (a
    sample and one of its ``k_neighbors`` nearest neighbours in latent space),
    mixing their latents at every level of the multi-scale flow with one random
    coefficient ``lambda ~ U(0, 1)`` and decoding the mix (Milidiú & Müller,
    2021). New samples are appended after the original ones.

    Amplitude is handled explicitly: each sample is divided by its RMS before the
    flow sees it, so the flow models the shape of a record, not its gain; a
    synthetic sample is rescaled to exactly the geometric interpolation of the
    RMS of its two parents with the same ``lambda``. A decoded shape that is
    non-finite or whose RMS is off the unit RMS of the training shapes by more
    than a factor 2 lies off the data: it is redrawn (new pair and ``lambda``;
    after 8 rounds, ``lambda`` is halved towards the nearer parent), with a
    warning when more than 10 % are redrawn (an undertrained flow).

    Samples of any size work: each spatial axis is padded at its end to a
    multiple of ``2**n_levels`` by mirroring the sample (numpy's ``"symmetric"``
    mode, the same for training, encoding and scoring), and synthetic samples are
    cropped back. Mirroring adds no artificial edge or silence the flow would
    have to model.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        Which classes to oversample and to how many samples, as in
        :class:`imblearn.over_sampling.SMOTE`: ``"auto"`` (= ``"not majority"``),
        ``"minority"``, ``"not minority"``, ``"all"``, a float (binary problems
        only: desired minority/majority ratio), a dict ``{class: n_samples
        after resampling}`` or a callable ``y -> dict``.
    n_levels : int, default=3
        Scale levels of the flow (squeeze, ``n_steps`` steps, split). The paper
        used 6.
    n_steps : int, default=8
        Flow steps (ActNorm, invertible 1x1 convolution, affine coupling) per
        level. The paper used 15.
    hidden_channels : int, default=64
        Width of the coupling networks. The paper used 96.
    attention_levels : int, default=0
        Number of last levels whose coupling networks use multi-head
        self-attention. The paper used 1.
    max_epochs : int, default=10
        Training epochs of each flow. The paper used 400 (on a GPU).
    batch_size : int, default=8
        Mini-batch size. The paper used 1 (memory bound on 896x640 gathers).
    lr : float, default=1e-3
        Peak learning rate of Adam. The paper used 1e-4 with batches of one
        sample; larger batches average the gradient noise and take a larger
        rate.
    warmup_steps : int, default=20
        Optimiser steps of linear warm-up; the rate then decays linearly
        (polynomial decay of power 1) to 0 at the last step.
    interpolation : {"linear", "slerp"}, default="linear"
        How two latents are mixed. ``"linear"`` is the paper's
        ``(1 - lambda) z_a + lambda z_b``; ``"slerp"`` rotates the direction
        of ``z_a`` towards ``z_b`` on the sphere and interpolates the norms,
        which keeps the latent norm that a linear mix of two near-orthogonal
        high-dimensional Gaussian latents shrinks (Gaussian latents live on a
        thin shell, so shrunk mixes decode to blurred, atypical samples).
        Applied at every level separately.
    k_neighbors : int or None, default=5
        The second parent is one of the ``k_neighbors`` nearest neighbours of
        the first one in latent space (all levels concatenated), as SMOTE does
        in data space. Clipped to ``n_class_samples - 1``. ``None`` draws a
        random pair of distinct samples.
    temperature : float, default=0.0
        Standard deviation of Gaussian noise added to the mixed latents (0: pure
        interpolation).
    memory : None, str or joblib.Memory, default=None
        Caches each trained flow on (training parameters, normalised class
        data, seed, device), so a sweep over ``sampling_strategy`` (the number
        of synthetic samples) trains each class's flow once per data set. A
        str is a cache directory.
    device : str, default="auto"
        torch device; ``"auto"`` takes a GPU when there is one.
    n_dim : {"auto", 1, 2}, default="auto"
        Whether samples are signals (1: convolutions along the last axis, the
        other axis being channels) or images (2). ``"auto"``: 1-D samples
        ``(T,)`` are 1-channel signals; 2-D samples ``(A, B)`` are
        ``A``-component signals when ``A <= 3`` (one- to three-component
        seismograms) and ``(H, W)`` images (gathers) otherwise; 3-D samples
        ``(C, H, W)`` are ``C``-channel images.
    sample_shape : tuple of int, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D. ``None``:
        the shape is read from ``X`` (2-D ``X`` is then a set of 1-D traces).
    random_state : int, RandomState instance or None, default=None
        Controls flow initialisation, training batches and dequantisation
        noise, pair selection and interpolation coefficients.
    verbose : int, default=0
        Show a progress bar over epochs while training.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of samples to generate per class.
    flows_ : dict
        Class label -> trained :class:`~sklearn_seismo.flows.Glow` (eval mode),
        for every class with samples to generate.
    history_ : dict
        Class label -> list of the mean training loss, in bits per dimension of
        the normalised, padded sample, of each epoch.
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
    Training cost grows with ``n_steps * hidden_channels**2``, the number of
    samples per class and ``max_epochs``. With the defaults, a class of 90
    gathers of 64x64 trained in 5-6 CPU-minutes (10 epochs, bits/dim
    8.5 -> 5.8; measured on a shared 2-core CPU, 864 s wall under a load of
    4-8); making 100 samples took about 10 CPU-seconds. The flow is still far
    from converged after 10 epochs: at 64x64 most interpolations then decode
    far off the data and are redrawn (see above), so give it more epochs (and
    ``memory=`` to train each flow once) for gathers of that size.
    The paper's model (``n_levels=6, n_steps=15, hidden_channels=96,
    attention_levels=1``, 400 epochs) needs a GPU.

    A non-finite loss or gradient restarts training from the end of the last
    finite epoch with half the learning rate (at most 4 times, then a
    ``RuntimeError``); decoded samples are checked (see above), so no NaN or
    exploded sample ever reaches the output.

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
    ...                           max_epochs=2, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, np.bincount(y_res)
    ((48, 16), dtype('float32'), array([24, 24]))
    >>> bool(np.array_equal(X_res[:30], X))
    True
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "n_levels": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_channels": [Interval(numbers.Integral, 1, None, closed="left")],
        "attention_levels": [Interval(numbers.Integral, 0, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "warmup_steps": [Interval(numbers.Integral, 0, None, closed="left")],
        "interpolation": [StrOptions({"linear", "slerp"})],
        "k_neighbors": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "temperature": [Interval(numbers.Real, 0, None, closed="left")],
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
        sampling_strategy="auto",
        n_levels=3,
        n_steps=8,
        hidden_channels=64,
        attention_levels=0,
        max_epochs=10,
        batch_size=8,
        lr=1e-3,
        warmup_steps=20,
        interpolation="linear",
        k_neighbors=5,
        temperature=0.0,
        memory=None,
        device="auto",
        n_dim="auto",
        sample_shape=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.n_levels = n_levels
        self.n_steps = n_steps
        self.hidden_channels = hidden_channels
        self.attention_levels = attention_levels
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.warmup_steps = warmup_steps
        self.interpolation = interpolation
        self.k_neighbors = k_neighbors
        self.temperature = temperature
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
    def _validate(self, X, y):
        check_classification_targets(y)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X_nd, y, flat = validate_samples(
            self,
            X,
            y,
            reset=True,
            sample_shape=self.sample_shape,
            max_sample_ndim=3,
        )
        return X_nd, y, flat, binarize_y

    def _resolve_n_dim(self, sample_shape):
        ndim = len(sample_shape)
        if self.n_dim == "auto":
            if ndim == 1:
                return 1
            if ndim == 2:
                return 1 if sample_shape[0] <= 3 else 2
            return 2
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

    # -------------------------------------------------------------------- fitting
    def _fit_flows(self, X_nd, y):
        target_stats = dict(zip(*np.unique(y, return_counts=True)))
        to_fit = [c for c, n in self.sampling_strategy_.items() if n > 0]
        for cls in to_fit:
            if target_stats[cls] < 2:
                raise ValueError(
                    f"Class {cls!r} has {target_stats[cls]} sample; GlowOversampler "
                    "needs at least 2 samples of a class to interpolate between "
                    "them. Collect more samples of that class or leave it out of "
                    "sampling_strategy (e.g. a dict naming only the other classes)."
                )
        self.n_dim_ = self._resolve_n_dim(self.sample_shape_)
        shape = tuple(self.sample_shape_)
        if len(shape) == self.n_dim_:
            shape = (1, *shape)
        m = 2**self.n_levels
        self.flow_input_shape_ = (shape[0], *(s + (-s % m) for s in shape[1:]))

        device = resolve_device(self.device)
        memory = check_memory(self.memory)
        fit_flow = memory.cache(_fit_flow, ignore=["verbose", "desc"])
        flow_params = {
            "n_levels": self.n_levels,
            "n_steps": self.n_steps,
            "hidden_channels": self.hidden_channels,
            "attention_levels": self.attention_levels,
        }
        rs = check_random_state(self.random_state)
        self.flows_, self.history_, self.scales_ = {}, {}, {}
        self.n_restarts_, self._class_data, self._scale_floor = {}, {}, {}
        self._seeds, self._latents = {}, {}
        for cls in to_fit:
            seed = int(rs.randint(np.iinfo(np.int32).max))
            Xn, scales, floor = self._prepare(X_nd[y == cls])
            result = fit_flow(
                Xn,
                n_dim=self.n_dim_,
                flow_params=flow_params,
                max_epochs=self.max_epochs,
                batch_size=self.batch_size,
                lr=float(self.lr),
                warmup_steps=self.warmup_steps,
                seed=seed,
                device=device,
                verbose=self.verbose,
                desc=f"Glow[{cls}]",
            )
            with torch.random.fork_rng(devices=[]):
                flow = _make_flow(Xn.shape[1], self.n_dim_, flow_params)
            flow.load_state_dict(result["state_dict"])
            self.flows_[cls] = flow.to(device).eval()
            self.history_[cls] = list(result["history"])
            self.n_restarts_[cls] = result["n_restarts"]
            self.scales_[cls] = scales
            self._scale_floor[cls] = floor
            self._class_data[cls] = Xn
            self._seeds[cls] = int(rs.randint(np.iinfo(np.int32).max))
        self._device = device
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train one flow per class to oversample.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Training samples; 2-D ``X`` is a set of 1-D traces unless
            ``sample_shape`` says how to unflatten it.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : GlowOversampler
        """
        X_nd, y, _, _ = self._validate(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type
        )
        return self._fit_flows(X_nd, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Train the flows and append synthetic samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Training samples; 2-D ``X`` is a set of 1-D traces unless
            ``sample_shape`` says how to unflatten it.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        X_resampled : ndarray of shape (n_samples_new, ...)
            ``X`` (unchanged, in the layout and dtype it was given) followed by
            the synthetic samples.
        y_resampled : ndarray of shape (n_samples_new,)
            ``y`` followed by the labels of the synthetic samples.
        """
        arrays_transformer = ArraysTransformer(X, y)
        X_nd, y_valid, flat, binarize_y = self._validate(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y_valid, self._sampling_type
        )
        X_res, y_res = self._fit_resample(X_nd, y_valid)
        X_res = restore_layout(X_res, flat)
        if binarize_y:
            y_res = label_binarize(y_res, classes=np.unique(y_valid))
        return arrays_transformer.transform(X_res, y_res)

    def _fit_resample(self, X, y):
        # X is already validated, (n, *sample_shape_), and sampling_strategy_ set.
        self._fit_flows(X, y)
        X_new, y_new = [X], [y]
        for cls, n_new in self.sampling_strategy_.items():
            if n_new == 0:
                continue
            rs = np.random.RandomState(self._seeds[cls])
            X_new.append(self._generate(cls, n_new, rs).astype(X.dtype, copy=False))
            y_new.append(np.full(n_new, cls, dtype=y.dtype))
        return np.concatenate(X_new), np.concatenate(y_new)

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

    def _generate(self, cls, n_samples, rs):
        cls, flow = self._check_class(cls)
        Xn = self._class_data[cls]
        log_s = np.log(self.scales_[cls])
        if cls not in self._latents:
            # Encoding the class is as costly as a training epoch: do it once.
            self._latents[cls] = self._encode_t(flow, Xn)
        zs = self._latents[cls]
        n = len(Xn)
        if self.k_neighbors is None:
            neighbours = None
        else:
            k = min(self.k_neighbors, n - 1)
            flat = torch.cat([z.reshape(n, -1) for z in zs], dim=1).numpy()
            nn = NearestNeighbors(n_neighbors=k + 1).fit(flat)
            neighbours = nn.kneighbors(flat, return_distance=False)[:, 1:]
        out = np.empty((n_samples, *self.sample_shape_), dtype=np.float32)
        todo = np.arange(n_samples)
        n_rejected = 0
        for attempt in range(_MAX_REDRAWS + _MAX_SHRINKS + 1):
            m = len(todo)
            if attempt <= _MAX_REDRAWS:
                a = rs.randint(n, size=m)
                if neighbours is None:
                    b = (a + 1 + rs.randint(n - 1, size=m)) % n
                else:
                    b = neighbours[a, rs.randint(neighbours.shape[1], size=m)]
                lam = rs.uniform(size=m)
            else:
                # Still implausible: move towards the nearer parent, whose own
                # latent decodes exactly.
                lam = np.where(lam < 0.5, lam / 2, 1 - (1 - lam) / 2)
            noise_seed = rs.randint(np.iinfo(np.int32).max)
            x = self._decode_t(flow, self._mix(zs, a, b, lam, noise_seed))
            x, ok = self._set_amplitude(
                x, np.exp((1 - lam) * log_s[a] + lam * log_s[b])
            )
            out[todo[ok]] = x[ok]
            n_rejected += int(np.sum(~ok))
            todo, a, b, lam = todo[~ok], a[~ok], b[~ok], lam[~ok]
            if len(todo) == 0:
                break
        else:
            raise RuntimeError(
                f"The flow of class {cls!r} decoded {len(todo)} non-finite or "
                "implausible samples even from latents next to real samples: it "
                "is numerically broken. Refit with a lower lr, more warmup_steps "
                "or a smaller model."
            )
        if n_rejected > 0.1 * n_samples:
            warnings.warn(
                f"{n_rejected} of {n_samples + n_rejected} decoded interpolations "
                f"for class {cls!r} were non-finite or far off the training data "
                f"(normalised RMS outside [1/{_MAX_RMS_RATIO:g}, {_MAX_RMS_RATIO:g}]) "
                "and were redrawn. The flow is probably undertrained: increase "
                "max_epochs (or lr), or lower k_neighbors to interpolate between "
                "closer samples.",
                UserWarning,
                stacklevel=3,
            )
        return out

    def _set_amplitude(self, x, scales):
        """Crop decoded normalised samples, check them, give them their RMS.

        The flow supplies the shape; the amplitude is set to ``scales``
        exactly. A decoded shape whose RMS is far from the unit RMS of every
        training sample lies off the data and is flagged (``ok`` False).
        """
        x = self._from_flow_layout(x).astype(np.float64)
        flat = x.reshape(len(x), -1)
        with np.errstate(all="ignore"):
            rms = np.sqrt(np.mean(flat**2, axis=1))
            ok = np.isfinite(flat).all(axis=1) & (rms <= _MAX_RMS_RATIO)
            ok &= rms >= 1 / _MAX_RMS_RATIO
            x = x * (scales / np.where(ok, rms, 1.0)).reshape(-1, *([1] * (x.ndim - 1)))
        return x.astype(np.float32), ok

    def _mix(self, zs, a, b, lam, noise_seed):
        gen = torch.Generator().manual_seed(int(noise_seed))
        mixed = self._interpolate_latents([z[a] for z in zs], [z[b] for z in zs], lam)
        if self.temperature > 0:
            mixed = [
                zm + self.temperature * torch.randn(zm.shape, generator=gen)
                for zm in mixed
            ]
        return mixed

    def _interpolate_latents(self, zs_a, zs_b, lam):
        lam_t = torch.from_numpy(np.asarray(lam, dtype=np.float32))
        mixed = []
        for za, zb in zip(zs_a, zs_b):
            if self.interpolation == "slerp":
                mixed.append(_slerp(za, zb, lam_t))
            else:
                lam_b = lam_t.reshape(-1, *([1] * (za.ndim - 1)))
                mixed.append((1.0 - lam_b) * za + lam_b * zb)
        return mixed

    # ------------------------------------------------------------ public methods
    def sample(self, n_samples, cls=None, *, random_state=None):
        """Make ``n_samples`` synthetic samples of class ``cls``.

        Same procedure as :meth:`fit_resample` (latent interpolation between
        training samples of the class).

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
        if not isinstance(n_samples, numbers.Integral) or n_samples < 0:
            raise ValueError(
                f"n_samples must be a non-negative int, got {n_samples!r}."
            )
        rs = check_random_state(
            self.random_state if random_state is None else random_state
        )
        return self._generate(cls, int(n_samples), rs)

    def interpolate(self, X_a, X_b, lam, cls=None):
        """Decode the latent interpolation between two sets of samples.

        The operation behind every synthetic sample, exposed for inspection:
        ``X_a[i]`` and ``X_b[i]`` are encoded by the flow of ``cls``, their
        latents mixed at every level with coefficient ``lam[i]`` (using
        ``interpolation``; no ``temperature`` noise), decoded, and rescaled to
        the geometric interpolation of their RMS amplitudes. Unlike
        :meth:`sample`, implausible decodes are returned as they are.

        Parameters
        ----------
        X_a, X_b : array-like of shape (n_samples, *sample_shape_)
            The two ends (2-D flattened input is accepted as well).
        lam : float or array-like of shape (n_samples,)
            Mixing coefficients; 0 gives ``X_a`` back, 1 gives ``X_b``.
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
        lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), (len(Xa),))
        zs = self._interpolate_latents(
            self._encode_t(flow, Xa), self._encode_t(flow, Xb), lam
        )
        scales = np.exp((1.0 - lam) * np.log(sa) + lam * np.log(sb))
        x = self._from_flow_layout(self._decode_t(flow, zs))
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
        out = []
        with torch.no_grad():
            for i in range(0, len(Xn), _CHUNK):
                x = torch.from_numpy(Xn[i : i + _CHUNK]).to(self._device)
                out.append(flow.log_prob(x).cpu())
        return torch.cat(out).numpy().astype(np.float64)

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
            One array per level, as returned by :meth:`encode`.
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
        zs = [torch.as_tensor(np.asarray(z, dtype=np.float32)) for z in zs]
        x = self._decode_t(flow, zs)
        if scales is not None:
            scales = np.asarray(scales, dtype=np.float64).reshape(-1)
        return self._from_flow_layout(x, scales).astype(np.float32, copy=False)
