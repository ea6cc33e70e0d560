"""Multi-scale Glow for 1-D and 2-D signals, with invertible backpropagation.

The flow is a list of levels (squeeze -> steps -> split) and a top prior,
each a layer with the contract of ``_layers``: ``forward(x) -> (value,
logdet)`` and ``inverse(value) -> (x, logdet)``. :class:`Glow` only loops
over them. The memory-efficient backward relies on nothing but that contract.

Pure torch (no scikit-learn import).
"""

import math
import numbers

import torch
from torch import nn

from ._layers import ActNorm, FlowStep, Split, Squeeze, _check_n_dim, soft_clamp

__all__ = ["Glow", "dequantize", "bits_per_dim"]

_LOG_2PI = math.log(2 * math.pi)


def _per_level(value, n_levels, name):
    """A per-level list from a scalar or a list of ``n_levels`` values."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_levels:
            raise ValueError(
                f"{name} has {len(value)} entries but the flow has "
                f"n_levels={n_levels}; give one per level or a single value."
            )
        return list(value)
    return [value] * n_levels


def _std_normal_log_prob(z):
    return -0.5 * (z.pow(2) + _LOG_2PI).flatten(1).sum(1)


def _step_backward(step, y, grad_y, grad_logdet):
    """Back-propagate through one flow step knowing only its output.

    Uses nothing but the step's public contract: ``x = step.inverse(y)``
    under ``no_grad``, then ``step(x)`` again with grad enabled and one
    autograd pass through it (memcnn's ``InvertibleModuleWrapper``). Any
    layer with ``forward(x) -> (y, logdet)`` and ``inverse(y) -> (x, logdet)``
    works. Returns ``(x, grad_x, [(param, grad), ...])``.
    """
    params = [p for p in step.parameters() if p.requires_grad]
    with torch.no_grad():
        x, _ = step.inverse(y)
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        y_re, logdet = step(x)
        # The log-determinant depends on no input and no trainable parameter
        # for some layers (frozen ActNorm/InvConv, additive coupling); autograd
        # refuses an output that does not require grad.
        pairs = [(y_re, grad_y), (logdet, grad_logdet)]
        outputs, grads = zip(*((o, g) for o, g in pairs if o.requires_grad))
        grad_x, *g_params = torch.autograd.grad(
            outputs, (x, *params), grads, allow_unused=True
        )
    if grad_x is None:
        grad_x = torch.zeros_like(x)
    return x.detach(), grad_x, list(zip(params, g_params))


class _InvertibleChain(torch.autograd.Function):
    """Run a chain of flow steps without storing their activations.

    Forward runs every step under ``no_grad`` and keeps only the chain's
    output. Backward walks the steps in reverse through
    :func:`_step_backward`: each step's input is reconstructed from its
    output with the step's inverse, the step is re-run with grad enabled and
    back-propagated alone (RevNet / memcnn style). Peak memory is therefore
    that of one step, whatever the depth; the price is one inverse and one
    forward per step on top of the plain backward.
    """

    @staticmethod
    def forward(ctx, steps, x, *params):
        ctx.steps = steps
        ctx.params = params
        with torch.no_grad():
            logdet = x.new_zeros(x.shape[0])
            for step in steps:
                x, ld = step(x)
                logdet = logdet + ld
        ctx.save_for_backward(x)
        return x, logdet

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_y, grad_logdet):
        (y,) = ctx.saved_tensors
        params = ctx.params
        index = {id(p): i for i, p in enumerate(params)}
        grads = [None] * len(params)
        if grad_y is None:
            grad_y = torch.zeros_like(y)
        if grad_logdet is None:
            grad_logdet = y.new_zeros(y.shape[0])
        y = y.detach()
        for step in reversed(ctx.steps):
            y, grad_y, step_grads = _step_backward(step, y, grad_y, grad_logdet)
            for p, g in step_grads:
                if g is None:
                    continue
                i = index[id(p)]
                grads[i] = g if grads[i] is None else grads[i] + g
        grads = [
            torch.zeros_like(p) if g is None and p.requires_grad else g
            for p, g in zip(params, grads)
        ]
        return (None, grad_y, *grads)


class _TopPrior(nn.Module):
    """Learned per-channel Gaussian on the top latent, returned standardised.

    ``forward(h) -> (z, logdet)``, ``inverse(z) -> (h, logdet)``.
    """

    def __init__(self, channels, n_dim, learn_prior, prior_clamp=5.0):
        super().__init__()
        shape = (1, channels) + (1,) * n_dim
        self.learn_prior = learn_prior
        self.prior_clamp = prior_clamp
        if learn_prior:
            self.mean = nn.Parameter(torch.zeros(shape))
            self.log_std = nn.Parameter(torch.zeros(shape))

    def _log_std_logdet(self, h):
        log_std = soft_clamp(self.log_std, self.prior_clamp)
        logdet = math.prod(h.shape[2:]) * log_std.sum()
        return log_std, logdet.expand(h.shape[0])

    def forward(self, h):
        if not self.learn_prior:
            return h, h.new_zeros(h.shape[0])
        log_std, logdet = self._log_std_logdet(h)
        return (h - self.mean) * torch.exp(-log_std), -logdet

    def inverse(self, z):
        if not self.learn_prior:
            return z, z.new_zeros(z.shape[0])
        log_std, logdet = self._log_std_logdet(z)
        return z * torch.exp(log_std) + self.mean, logdet


class _Level(nn.Module):
    """One scale level: :class:`Squeeze` -> ``n_steps`` :class:`FlowStep` ->
    :class:`Split` (``split=False``: no split, for the last level).

    ``forward(x) -> ((x_kept, z), logdet)`` with ``z`` the factored-out
    latent, or ``None`` without split (then ``x_kept`` is all the squeezed
    channels); ``inverse((x_kept, z)) -> (x, logdet)``. With
    ``memory_efficient`` the steps run inside :class:`_InvertibleChain`
    whenever autograd records.
    """

    def __init__(
        self,
        channels,
        *,
        n_dim=2,
        n_steps=1,
        hidden_channels=64,
        attention=False,
        n_heads=4,
        split=True,
        learn_prior=True,
        coupling="affine",
        scale_clamp=2.0,
        memory_efficient=False,
    ):
        super().__init__()
        self.squeeze = Squeeze(n_dim=n_dim)
        c = channels * 2**n_dim
        self.steps = nn.ModuleList(
            FlowStep(
                c,
                n_dim=n_dim,
                hidden_channels=hidden_channels,
                attention=attention,
                n_heads=n_heads,
                coupling=coupling,
                scale_clamp=scale_clamp,
            )
            for _ in range(n_steps)
        )
        self.split = Split(c, n_dim=n_dim, learn_prior=learn_prior) if split else None
        self.out_channels = c // 2 if split else c
        self.memory_efficient = bool(memory_efficient)

    def _run_steps(self, x):
        params = list(self.steps.parameters())
        if (
            self.memory_efficient
            and torch.is_grad_enabled()
            and (x.requires_grad or any(p.requires_grad for p in params))
        ):
            return _InvertibleChain.apply(self.steps, x, *params)
        logdet = x.new_zeros(x.shape[0])
        for step in self.steps:
            x, ld = step(x)
            logdet = logdet + ld
        return x, logdet

    def forward(self, x):
        x, _ = self.squeeze(x)  # volume preserving: its logdet is 0
        x, logdet = self._run_steps(x)
        if self.split is None:
            return (x, None), logdet
        (x, z), ld = self.split(x)
        return (x, z), logdet + ld

    def inverse(self, value):
        x, z = value
        if self.split is None:
            if z is not None:
                raise ValueError(
                    "This level has no split, so it takes (x, None); got a latent."
                )
            logdet = x.new_zeros(x.shape[0])
        else:
            x, logdet = self.split.inverse((x, z))
        for step in reversed(self.steps):
            x, ld = step.inverse(x)
            logdet = logdet + ld
        x, _ = self.squeeze.inverse(x)
        return x, logdet


class Glow(nn.Module):
    r"""Multi-scale Glow normalizing flow for 1-D or 2-D signals (SeismoGlow).

    ``n_levels`` levels; each squeezes (spatial size / 2, channels
    x ``2**n_dim``), applies ``n_steps`` steps of flow (:class:`ActNorm` ->
    :class:`InvConv` -> :class:`AffineCoupling`) and, except the last,
    factors out half of its channels (:class:`Split`). The coupling networks
    of the last ``attention_levels`` levels use multi-head self-attention, as
    in SeismoGlow. Every returned latent is standardised by a learned Gaussian
    prior (conditional on the kept channels for factored-out latents,
    per-channel for the top one), so ``log_prob`` is a standard Normal
    log-density of the latents plus the log-determinant, and sampling draws
    standard Normal latents (scaled by ``temperature``).

    Parameters
    ----------
    in_channels : int
        Channels ``C`` of the input ``(batch, C, T)`` or ``(batch, C, H, W)``.
    n_dim : {1, 2}, default=2
        Number of spatial dimensions.
    n_levels : int, default=3
        Scale levels. Every spatial size must be divisible by
        ``2 ** n_levels`` (pad the input; the flow does not pad).
    n_steps : int, default=8
        Steps of flow per level.
    hidden_channels : int, default=64
        Width of the coupling networks.
    attention_levels : int, default=0
        Number of final levels whose couplings use self-attention
        (SeismoGlow: 1).
    n_heads : int, default=4
        Attention heads (``hidden_channels`` must be divisible by it).
    memory_efficient : bool, default=False
        Invertible backpropagation: the steps of each level run inside one
        autograd function that stores no intermediate activation and, in the
        backward pass, reconstructs each step's input from its output with the
        inverse and recomputes the step (Gomez et al. 2017). Same loss and, up
        to floating point rounding, the same gradients as the plain path;
        peak training memory hardly grows with ``n_steps``, at the cost of
        roughly one extra forward and one inverse per step. Only active when
        autograd records (training); inference is unchanged.
    learn_prior : bool, default=True
        Learned (zero-initialised, so initially standard) Gaussian priors on
        the latents; ``False`` uses a fixed standard Normal.
    coupling : {"affine", "additive"} or list of those, default="affine"
        Coupling of every step, or one per level (the first level is the
        finest). ``"additive"`` couplings have no scale, so decoding cannot
        amplify a latent perturbation through them; latent interpolation
        between samples of a flow trained on few samples blows up mostly in
        the inverse affine couplings of the finest levels.
    scale_clamp : float or list of float, default=2.0
        Log-scale bound of the affine couplings, or one per level: a tighter
        bound at the finest levels (e.g. ``[0.5, 2.0, 2.0]``) limits the
        amplification there while keeping affine couplings.

    Attributes
    ----------
    levels : torch.nn.ModuleList
        The scale levels, each a layer with ``forward(x) -> ((x_kept, z),
        logdet)`` and ``inverse((x_kept, z)) -> (x, logdet)`` (``z`` is
        ``None`` for the last level) made of ``squeeze``, ``steps``
        (:class:`FlowStep` list) and ``split`` (:class:`Split`, ``None`` for
        the last level).
    top_prior : torch.nn.Module
        Standardises the last level's output into the top latent, with the
        same ``(value, logdet)`` contract.
    input_spatial : torch.Tensor (long buffer)
        Spatial shape of the last input seen by :meth:`initialize` or
        :meth:`forward` (zeros before), used by :meth:`sample`; saved in the
        ``state_dict``.

    See Also
    --------
    dequantize, bits_per_dim

    References
    ----------
    .. [1] Kingma, D. P., & Dhariwal, P. (2018). Glow: Generative flow with
       invertible 1x1 convolutions. NeurIPS.
    .. [2] Dinh, L., Sohl-Dickstein, J., & Bengio, S. (2017). Density
       estimation using Real NVP. ICLR.
    .. [3] Gomez, A. N., Ren, M., Urtasun, R., & Grosse, R. B. (2017). The
       reversible residual network: backpropagation without storing
       activations. NeurIPS.
    .. [4] Milidiú, R. L., & Müller, L. (2021). SeismoFlow -- Data
       augmentation for the class imbalance problem.

    Examples
    --------
    >>> import torch
    >>> from sklearn_seismo.flows import Glow
    >>> _ = torch.manual_seed(0)
    >>> flow = Glow(1, n_dim=2, n_levels=2, n_steps=2, hidden_channels=8)
    >>> x = torch.randn(4, 1, 8, 8)
    >>> flow.initialize(x)
    >>> zs, logdet = flow(x)
    >>> [tuple(z.shape) for z in zs]
    [(4, 2, 4, 4), (4, 8, 2, 2)]
    >>> flow.latent_shapes((1, 8, 8))
    [(2, 4, 4), (8, 2, 2)]
    >>> torch.allclose(flow.inverse(zs), x, atol=1e-4)
    True
    >>> flow.log_prob(x).shape
    torch.Size([4])
    >>> flow.sample(3, temperature=0.7).shape
    torch.Size([3, 1, 8, 8])
    """

    def __init__(
        self,
        in_channels,
        *,
        n_dim=2,
        n_levels=3,
        n_steps=8,
        hidden_channels=64,
        attention_levels=0,
        n_heads=4,
        memory_efficient=False,
        learn_prior=True,
        coupling="affine",
        scale_clamp=2.0,
    ):
        super().__init__()
        self.n_dim = _check_n_dim(n_dim)
        for name, value, low in [
            ("in_channels", in_channels, 1),
            ("n_levels", n_levels, 1),
            ("n_steps", n_steps, 1),
            ("hidden_channels", hidden_channels, 1),
            ("attention_levels", attention_levels, 0),
            ("n_heads", n_heads, 1),
        ]:
            if (
                not isinstance(value, numbers.Integral)
                or isinstance(value, bool)
                or value < low
            ):
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
        if attention_levels > n_levels:
            raise ValueError(
                f"attention_levels={attention_levels} exceeds n_levels={n_levels}; "
                f"use at most n_levels."
            )
        if attention_levels and hidden_channels % n_heads:
            raise ValueError(
                f"hidden_channels={hidden_channels} must be divisible by "
                f"n_heads={n_heads} when attention_levels > 0."
            )
        self.in_channels = int(in_channels)
        self.n_levels = int(n_levels)
        self.n_steps = int(n_steps)
        self.hidden_channels = int(hidden_channels)
        self.attention_levels = int(attention_levels)
        self.n_heads = int(n_heads)
        self.learn_prior = bool(learn_prior)
        self.coupling = _per_level(coupling, n_levels, "coupling")
        self.scale_clamp = _per_level(scale_clamp, n_levels, "scale_clamp")
        for c in self.coupling:
            if c not in ("affine", "additive"):
                raise ValueError(
                    f"coupling must be 'affine', 'additive' or a list of those "
                    f"(one per level), got {coupling!r}."
                )
        for b in self.scale_clamp:
            if isinstance(b, bool) or not isinstance(b, numbers.Real) or not b > 0:
                raise ValueError(
                    f"scale_clamp must be a positive float or a list of those "
                    f"(one per level), got {scale_clamp!r}."
                )
        levels = []
        c = self.in_channels
        for i in range(self.n_levels):
            level = _Level(
                c,
                n_dim=self.n_dim,
                n_steps=self.n_steps,
                hidden_channels=self.hidden_channels,
                attention=i >= self.n_levels - self.attention_levels,
                n_heads=self.n_heads,
                split=i < self.n_levels - 1,
                learn_prior=self.learn_prior,
                coupling=self.coupling[i],
                scale_clamp=float(self.scale_clamp[i]),
            )
            levels.append(level)
            c = level.out_channels
        self.levels = nn.ModuleList(levels)
        self.memory_efficient = memory_efficient  # set on every level
        self.top_prior = _TopPrior(c, self.n_dim, self.learn_prior)
        self.register_buffer("input_spatial", torch.zeros(self.n_dim, dtype=torch.long))

    # ------------------------------------------------------------------ checks
    @staticmethod
    def size_multiple(n_levels):
        """Multiple that every spatial size of an input must be.

        Each level halves the spatial sizes (squeeze), so a flow of
        ``n_levels`` levels takes sizes divisible by ``2 ** n_levels``. A
        static method: a caller pads its data before it builds the flow.

        Parameters
        ----------
        n_levels : int

        Returns
        -------
        multiple : int

        Examples
        --------
        >>> from sklearn_seismo.flows import Glow
        >>> Glow.size_multiple(3)
        8
        """
        return 2 ** int(n_levels)

    def _check_spatial(self, spatial, what):
        f = self.size_multiple(self.n_levels)
        bad = [s for s in spatial if s % f or s == 0]
        if bad:
            padded = tuple(-(-max(s, 1) // f) * f for s in spatial)
            raise ValueError(
                f"{what} spatial shape {tuple(spatial)} is not divisible by "
                f"2**n_levels={f}; pad it to a multiple of {f} (e.g. to {padded}) "
                f"or use fewer levels."
            )

    def _check_x(self, x):
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"Glow expects a torch.Tensor, got {type(x).__name__}.")
        if x.ndim != self.n_dim + 2 or x.shape[1] != self.in_channels:
            layout = "(batch, C, T)" if self.n_dim == 1 else "(batch, C, H, W)"
            raise ValueError(
                f"Glow(in_channels={self.in_channels}, n_dim={self.n_dim}) expects "
                f"{layout} with C={self.in_channels}, got shape {tuple(x.shape)}; "
                f"reshape the input (channels first) or build the flow to match."
            )
        self._check_spatial(x.shape[2:], "Input")

    # ----------------------------------------------------------------- helpers
    def _actnorms(self):
        return [m for m in self.modules() if isinstance(m, ActNorm)]

    @property
    def memory_efficient(self):
        """Whether the levels back-propagate invertibly (see the parameter)."""
        return self._memory_efficient

    @memory_efficient.setter
    def memory_efficient(self, value):
        # The levels run the steps, so they hold the switch; the property
        # keeps ``flow.memory_efficient = ...`` working after construction.
        self._memory_efficient = bool(value)
        for level in self.levels:
            level.memory_efficient = self._memory_efficient

    def _forward(self, x):
        zs = []
        logdet = x.new_zeros(x.shape[0])
        for level in self.levels:
            (x, z), ld = level(x)
            logdet = logdet + ld
            if z is not None:
                zs.append(z)
        z, ld = self.top_prior(x)
        zs.append(z)
        return zs, logdet + ld

    # -------------------------------------------------------------- public API
    @torch.no_grad()
    def initialize(self, x):
        """Data-dependent initialisation of every :class:`ActNorm` from ``x``.

        Runs one forward pass without gradient in which each ActNorm sets its
        parameters from the activations reaching it. Use a large batch.
        Also records the spatial shape used by :meth:`sample`.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, C, *spatial)
        """
        self._check_x(x)
        for m in self._actnorms():
            m.initialized.fill_(False)
        self.input_spatial.copy_(torch.tensor(x.shape[2:], dtype=torch.long))
        self._forward(x)  # no_grad: the memory-efficient path stays off

    def forward(self, x):
        """Encode ``x``.

        Initialises the ActNorm layers from ``x`` first if :meth:`initialize`
        was never called.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, C, *spatial)

        Returns
        -------
        zs : list of torch.Tensor
            One standardised latent per level (``latent_shapes``), the last
            one is the top latent.
        logdet : torch.Tensor of shape (batch,)
            ``log |det dz/dx|`` in nats.
        """
        self._check_x(x)
        if not all(bool(m.initialized) for m in self._actnorms()):
            self.initialize(x)
        if tuple(self.input_spatial.tolist()) != tuple(x.shape[2:]):
            self.input_spatial.copy_(torch.tensor(x.shape[2:], dtype=torch.long))
        return self._forward(x)

    def inverse(self, zs):
        """Decode latents (as returned by :meth:`forward`) back to ``x``.

        Parameters
        ----------
        zs : list of torch.Tensor
            ``n_levels`` tensors with the shapes of :meth:`latent_shapes`
            (plus the batch axis).

        Returns
        -------
        x : torch.Tensor of shape (batch, C, *spatial)
            Only the value: unlike the layers' ``inverse``, this user-facing
            method drops the log-determinant (``log |det dx/dz|`` is minus the
            ``logdet`` :meth:`forward` returns for ``x``).
        """
        if len(zs) != self.n_levels:
            raise ValueError(
                f"inverse expects one latent per level ({self.n_levels}), got "
                f"{len(zs)}; pass the list returned by forward."
            )
        x, _ = self.top_prior.inverse(zs[-1])
        for i in reversed(range(self.n_levels)):
            level = self.levels[i]
            z = zs[i] if level.split is not None else None
            x, _ = level.inverse((x, z))
        return x

    def log_prob(self, x):
        """Log-density of ``x`` in nats, standard Normal prior included.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, C, *spatial)

        Returns
        -------
        log_prob : torch.Tensor of shape (batch,)
        """
        zs, logdet = self(x)
        return sum(_std_normal_log_prob(z) for z in zs) + logdet

    def latent_shapes(self, input_shape):
        """Per-sample shapes of the latents for a per-sample input shape.

        Parameters
        ----------
        input_shape : tuple of int
            ``(C, *spatial)`` without the batch axis.

        Returns
        -------
        shapes : list of tuple of int
        """
        input_shape = tuple(int(s) for s in input_shape)
        if len(input_shape) != self.n_dim + 1 or input_shape[0] != self.in_channels:
            raise ValueError(
                f"input_shape must be (C, *spatial) with C={self.in_channels} and "
                f"{self.n_dim} spatial dimension(s), got {input_shape}."
            )
        self._check_spatial(input_shape[1:], "Input")
        c, spatial = input_shape[0], input_shape[1:]
        shapes = []
        for level in self.levels:
            c *= 2**self.n_dim
            spatial = tuple(s // 2 for s in spatial)
            if level.split is not None:
                shapes.append((level.split.z_channels, *spatial))
                c = level.split.keep_channels
        shapes.append((c, *spatial))
        return shapes

    @torch.no_grad()
    def sample(self, n, *, temperature=1.0, generator=None, input_shape=None):
        """Draw ``n`` samples: decode standard Normal latents x ``temperature``.

        Parameters
        ----------
        n : int
        temperature : float, default=1.0
            Standard deviation of the latents (0 decodes the prior mode).
        generator : torch.Generator, optional
            On the flow's device.
        input_shape : tuple of int, optional
            Per-sample ``(C, *spatial)``; default: the shape of the data the
            flow was initialised/trained on.

        Returns
        -------
        x : torch.Tensor of shape (n, C, *spatial)
        """
        if input_shape is None:
            spatial = tuple(self.input_spatial.tolist())
            if not all(spatial):
                raise RuntimeError(
                    "The flow has not seen data yet, so the sample shape is "
                    "unknown; call initialize(x)/forward(x) first or pass "
                    "input_shape=(C, *spatial)."
                )
            input_shape = (self.in_channels, *spatial)
        param = next(self.parameters())
        device, dtype = param.device, param.dtype
        zs = [
            torch.randn(
                (int(n), *shape), generator=generator, device=device, dtype=dtype
            )
            * temperature
            for shape in self.latent_shapes(input_shape)
        ]
        return self.inverse(zs)


def dequantize(x, bin_size, generator=None, *, centered=False):
    """Uniform dequantisation ``x + U(0, bin_size)`` (eq. 2 of SeismoGlow).

    Turns data discretised with step ``bin_size`` into continuous data whose
    density lower-bounds the discrete likelihood. Returns a new tensor.

    Parameters
    ----------
    x : torch.Tensor
    bin_size : float
        Discretisation step ``a > 0``.
    generator : torch.Generator, optional
    centered : bool, default=False
        Add ``U(-a/2, a/2)`` instead: symmetric noise, which does not shift
        the data (floating-point recordings are not rounded down, and a
        one-sided shift moves exact zeros such as dead traces off zero).

    Returns
    -------
    x_tilde : torch.Tensor

    Examples
    --------
    >>> import torch
    >>> from sklearn_seismo.flows import dequantize
    >>> x = torch.zeros(1000)
    >>> xt = dequantize(x, 0.5, generator=torch.Generator().manual_seed(0))
    >>> bool((xt >= 0).all() and (xt < 0.5).all())
    True
    """
    if not bin_size > 0:
        raise ValueError(f"bin_size must be > 0, got {bin_size!r}.")
    noise = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    if centered:
        noise = noise - 0.5
    return x + bin_size * noise


def bits_per_dim(log_prob, n_dims, bin_size=1.0):
    """Negative log-likelihood in bits per dimension, discretisation included.

    ``(-log_prob + c) / (n_dims * ln 2)`` with ``c = -n_dims * log(bin_size)``
    (eq. 2 of SeismoGlow): the cost of coding data discretised with step
    ``bin_size`` from the continuous density of the dequantised data.

    Parameters
    ----------
    log_prob : torch.Tensor or float
        Log-density in nats (e.g. :meth:`Glow.log_prob`).
    n_dims : int
        Dimensionality ``M`` of one sample (``C * prod(spatial)``).
    bin_size : float, default=1.0
        Discretisation step ``a``; 1 gives the plain continuous NLL in bits.

    Returns
    -------
    bpd : torch.Tensor or float
        Same shape as ``log_prob``.

    Examples
    --------
    >>> import math
    >>> from sklearn_seismo.flows import bits_per_dim
    >>> bits_per_dim(-100 * math.log(2), 100)
    1.0
    >>> round(bits_per_dim(-100 * math.log(2), 100, bin_size=0.5), 6)
    2.0
    """
    if not bin_size > 0:
        raise ValueError(f"bin_size must be > 0, got {bin_size!r}.")
    if n_dims <= 0:
        raise ValueError(f"n_dims must be > 0, got {n_dims!r}.")
    c = -n_dims * math.log(bin_size)
    return (-log_prob + c) / (n_dims * math.log(2))
