"""Invertible layers of the (Seismo)Glow flow, for 1-D and 2-D signals.

Every layer works on channels-first tensors ``(batch, channels, *spatial)``
with ``len(spatial) == n_dim`` (1: ``(B, C, T)``, 2: ``(B, C, H, W)``) and
has one contract in both directions: ``forward(x) -> (y, logdet)`` with
``logdet = log|det dy/dx|`` of shape ``(batch,)`` and
``inverse(y) -> (x, logdet)`` with ``logdet = log|det dx/dy|`` (minus the
forward's at the matching point). A layer whose value is not one tensor
(:class:`Split`) returns a pair ``(h, z)`` as its value. One implementation
serves both dimensionalities: the convolution class and the squeeze reshapes
are picked from ``n_dim``.

The coupling layer (:class:`AffineCoupling`, which receives its network) and
:func:`coupling_network`, which builds the default ones, are in
``_coupling.py`` and imported here: :class:`FlowStep` uses them, and pickles of
flows made before they moved name this module.

This module is pure torch (no scikit-learn import).
"""

import torch
from torch import nn

# _AttentionNet and _ConvNet are unused here: pickles of flows made before the
# coupling moved to _coupling.py look them up in this module.
from ._coupling import (  # noqa: F401
    AffineCoupling,
    _AttentionNet,
    _ConvNet,
    coupling_network,
)
from ._utils import _CONV, _check_input, _check_n_dim, _spatial_size, soft_clamp

__all__ = [
    "ActNorm",
    "InvConv",
    "AffineCoupling",
    "Squeeze",
    "Split",
    "FlowStep",
    "coupling_network",
    "squeeze",
    "unsqueeze",
]


def squeeze(x, n_dim):
    """Trade each spatial factor 2 for channels: ``C -> C * 2**n_dim``.

    ``(B, C, H, W) -> (B, 4C, H/2, W/2)`` (RealNVP's squeeze) and
    ``(B, C, T) -> (B, 2C, T/2)``. Output channel ``c * 2**n_dim + k`` holds
    offset ``k`` (row-major over the 2x...x2 patch) of input channel ``c``.
    """
    b, c = x.shape[:2]
    spatial = x.shape[2:]
    for s in spatial:
        if s % 2:
            raise ValueError(
                f"squeeze needs even spatial sizes, got {tuple(spatial)}; pad the "
                f"input to a multiple of 2."
            )
    shape = [b, c]
    for s in spatial:
        shape += [s // 2, 2]
    perm = (
        [0, 1] + [3 + 2 * i for i in range(n_dim)] + [2 + 2 * i for i in range(n_dim)]
    )
    x = x.reshape(shape).permute(perm)
    return x.reshape(b, c * 2**n_dim, *(s // 2 for s in spatial))


def unsqueeze(x, n_dim):
    """Inverse of :func:`squeeze`."""
    b, c = x.shape[:2]
    spatial = x.shape[2:]
    f = 2**n_dim
    if c % f:
        raise ValueError(f"unsqueeze needs a channel count divisible by {f}, got {c}.")
    x = x.reshape(b, c // f, *([2] * n_dim), *spatial)
    perm = [0, 1]
    for i in range(n_dim):
        perm += [2 + n_dim + i, 2 + i]
    x = x.permute(perm)
    return x.reshape(b, c // f, *(2 * s for s in spatial))


class ActNorm(nn.Module):
    r"""Per-channel affine normalisation with data-dependent initialisation.

    ``y = (x + bias) * exp(log_scale)``, with ``bias`` and ``log_scale``
    set by :meth:`initialize` so that ``y`` has zero mean and unit variance per
    channel on a first (preferably large) batch; afterwards they are ordinary
    parameters. Log-determinant (eq. 10 of SeismoGlow):
    ``spatial_size * sum(log_scale)``.

    A channel whose initial batch has (near) zero variance -- a constant
    channel, zero padding -- gets scale 1 instead of ``1 / std``: dividing by
    a zero standard deviation is a classic source of NaN/inf in Glow
    implementations.

    Parameters
    ----------
    channels : int
        Number of channels ``C``.
    n_dim : {1, 2}, default=2
        Number of spatial dimensions.
    eps : float, default=1e-6
        Standard deviations at or below ``eps`` count as zero variance.

    Attributes
    ----------
    bias, log_scale : torch.nn.Parameter of shape (1, C, 1[, 1])
    initialized : torch.Tensor (bool buffer)
        Whether the data-dependent initialisation happened (saved in the
        ``state_dict``). An uninitialised layer initialises itself from the
        first batch it sees in :meth:`forward`.

    References
    ----------
    .. [1] Kingma, D. P., & Dhariwal, P. (2018). Glow: Generative flow with
       invertible 1x1 convolutions. NeurIPS.

    Examples
    --------
    >>> import torch
    >>> from sklearn_seismo.flows import ActNorm
    >>> layer = ActNorm(3, n_dim=1)
    >>> x = torch.randn(16, 3, 8) * 5 + 2
    >>> layer.initialize(x)
    >>> y, logdet = layer(x)
    >>> bool(y.mean().abs() < 1e-5), logdet.shape
    (True, torch.Size([16]))
    >>> x_rec, inv_logdet = layer.inverse(y)
    >>> torch.allclose(x_rec, x, atol=1e-5), torch.equal(inv_logdet, -logdet)
    (True, True)
    """

    def __init__(self, channels, *, n_dim=2, eps=1e-6):
        super().__init__()
        self.n_dim = _check_n_dim(n_dim)
        self.channels = int(channels)
        self.eps = float(eps)
        shape = (1, self.channels) + (1,) * self.n_dim
        self.bias = nn.Parameter(torch.zeros(shape))
        self.log_scale = nn.Parameter(torch.zeros(shape))
        self.register_buffer("initialized", torch.tensor(False))

    @torch.no_grad()
    def initialize(self, x):
        """Set bias and scale from the batch ``x`` (no gradient)."""
        _check_input(x, self.n_dim, self.channels, "ActNorm")
        if not torch.isfinite(x).all():
            raise ValueError(
                "ActNorm initialisation batch contains NaN or inf; clean the "
                "data (or the previous layers diverged)."
            )
        flat = x.detach().transpose(0, 1).reshape(self.channels, -1)
        mean = flat.mean(dim=1)
        std = flat.std(dim=1, unbiased=False)
        safe = std > self.eps
        log_scale = torch.where(safe, -torch.log(torch.where(safe, std, 1.0)), 0.0)
        shape = self.bias.shape
        self.bias.copy_((-mean).reshape(shape))
        self.log_scale.copy_(log_scale.reshape(shape))
        self.initialized.fill_(True)

    def forward(self, x):
        _check_input(x, self.n_dim, self.channels, "ActNorm")
        if not bool(self.initialized):
            self.initialize(x)
        y = (x + self.bias) * torch.exp(self.log_scale)
        return y, self._logdet(x)

    def inverse(self, y):
        _check_input(y, self.n_dim, self.channels, "ActNorm.inverse")
        return y * torch.exp(-self.log_scale) - self.bias, -self._logdet(y)

    def _logdet(self, x):
        logdet = _spatial_size(x) * self.log_scale.sum()
        return logdet.expand(x.shape[0])


class InvConv(nn.Module):
    r"""Invertible 1x1 convolution with an LU-decomposed weight.

    ``W = P L (U + diag(sign_s * exp(log_s)))`` with ``P`` a fixed
    permutation, ``L`` unit lower triangular, ``U`` strictly upper triangular
    and the diagonal's signs fixed; ``L``, ``U`` and ``log_s`` are learned.
    ``W`` starts as a random rotation (QR of a Gaussian matrix, eq. 11), so the
    initial log-determinant is 0; the log-determinant costs
    ``spatial_size * sum(log_s)`` instead of an O(C^3) determinant. The
    inverse weight is cached for inference (eval mode, no autograd recording);
    the cache is dropped by ``train()``/``.to()`` and ignored as soon as the
    parameters differ from those it was computed from.

    Parameters
    ----------
    channels : int
    n_dim : {1, 2}, default=2
    generator : torch.Generator, optional
        Source of the random rotation (default: torch's global generator).

    References
    ----------
    .. [1] Kingma, D. P., & Dhariwal, P. (2018). Glow: Generative flow with
       invertible 1x1 convolutions. NeurIPS.

    Examples
    --------
    >>> import torch
    >>> from sklearn_seismo.flows import InvConv
    >>> layer = InvConv(4, n_dim=2, generator=torch.Generator().manual_seed(0))
    >>> x = torch.randn(2, 4, 8, 8)
    >>> y, logdet = layer(x)
    >>> bool(logdet.abs().max() < 1e-4)  # a rotation preserves volume
    True
    >>> x_rec, _ = layer.inverse(y)
    >>> torch.allclose(x_rec, x, atol=1e-5)
    True
    """

    def __init__(self, channels, *, n_dim=2, generator=None):
        super().__init__()
        self.n_dim = _check_n_dim(n_dim)
        c = self.channels = int(channels)
        q, _ = torch.linalg.qr(
            torch.randn(c, c, generator=generator, dtype=torch.float64)
        )
        p, lower, upper = torch.linalg.lu(q)
        s = torch.diagonal(upper)
        self.register_buffer("perm", p.float())
        self.register_buffer("sign_s", torch.sign(s).float())
        self.register_buffer("l_mask", torch.tril(torch.ones(c, c), -1))
        self.register_buffer("eye", torch.eye(c))
        self.lower = nn.Parameter(torch.tril(lower, -1).float())
        self.upper = nn.Parameter(torch.triu(upper, 1).float())
        self.log_s = nn.Parameter(torch.log(torch.abs(s)).float())
        self._inv_cache = None

    def _factors(self):
        lower = self.lower * self.l_mask + self.eye
        upper = self.upper * self.l_mask.T + torch.diag(
            self.sign_s * torch.exp(self.log_s)
        )
        return lower, upper

    def weight(self):
        """The ``(C, C)`` weight matrix ``W``."""
        lower, upper = self._factors()
        return self.perm @ lower @ upper

    def _snapshot(self):
        return tuple(t.detach().clone() for t in (self.lower, self.upper, self.log_s))

    def inverse_weight(self):
        """``W^{-1} = U^{-1} L^{-1} P^T`` by triangular solves (cached in eval)."""
        use_cache = not self.training and not torch.is_grad_enabled()
        if use_cache and self._inv_cache is not None:
            # Comparing the (C, C) factors is cheap and, unlike version
            # counters, also catches edits through ``param.data``.
            snapshot, w_inv = self._inv_cache
            current = (self.lower, self.upper, self.log_s)
            if all(
                a.shape == b.shape and a.device == b.device and torch.equal(a, b)
                for a, b in zip(snapshot, current)
            ):
                return w_inv
        lower, upper = self._factors()
        eye = self.eye
        l_inv = torch.linalg.solve_triangular(
            lower, eye, upper=False, unitriangular=True
        )
        u_inv = torch.linalg.solve_triangular(upper, eye, upper=True)
        w_inv = u_inv @ l_inv @ self.perm.T
        if use_cache:
            self._inv_cache = (self._snapshot(), w_inv)
        return w_inv

    def train(self, mode=True):
        self._inv_cache = None
        return super().train(mode)

    def _apply(self, fn, *args, **kwargs):
        self._inv_cache = None
        return super()._apply(fn, *args, **kwargs)

    def _conv(self, x, w):
        # A 1x1 convolution is a (C, C) matrix product over the positions.
        # As a batched matmul it trains 3-4x faster than F.conv2d at the few
        # channels of a Glow's first levels (oneDNN's convolution backward
        # has a large fixed cost there; see benchmarks/results/flows_profile.md).
        # bmm, not matmul: matmul folds the batch differently with and
        # without autograd, which would change the last bits between the
        # plain and the memory-efficient (no-grad) forward.
        x3 = x.flatten(2)
        return torch.bmm(w.expand(x.shape[0], -1, -1), x3).view(x.shape)

    def _logdet(self, x):
        logdet = _spatial_size(x) * self.log_s.sum()
        return logdet.expand(x.shape[0])

    def forward(self, x):
        _check_input(x, self.n_dim, self.channels, "InvConv")
        return self._conv(x, self.weight()), self._logdet(x)

    def inverse(self, y):
        _check_input(y, self.n_dim, self.channels, "InvConv.inverse")
        return self._conv(y, self.inverse_weight()), -self._logdet(y)


class Squeeze(nn.Module):
    """Squeeze layer (volume preserving, log-determinant 0); see :func:`squeeze`.

    Examples
    --------
    >>> import torch
    >>> from sklearn_seismo.flows import Squeeze
    >>> y, logdet = Squeeze(n_dim=1)(torch.randn(2, 3, 8))
    >>> tuple(y.shape), logdet.tolist()
    ((2, 6, 4), [0.0, 0.0])
    >>> x, _ = Squeeze(n_dim=1).inverse(y)
    >>> tuple(x.shape)
    (2, 3, 8)
    """

    def __init__(self, *, n_dim=2):
        super().__init__()
        self.n_dim = _check_n_dim(n_dim)

    def forward(self, x):
        _check_input(x, self.n_dim, None, "Squeeze")
        return squeeze(x, self.n_dim), x.new_zeros(x.shape[0])

    def inverse(self, y):
        _check_input(y, self.n_dim, None, "Squeeze.inverse")
        return unsqueeze(y, self.n_dim), y.new_zeros(y.shape[0])


class Split(nn.Module):
    r"""Factor out half of the channels, standardised by a learned prior.

    ``x`` is split into the kept channels ``h = x[:, :C//2]`` and the factored
    out ``z_raw = x[:, C//2:]``. ``z_raw`` is modelled by a Gaussian whose
    mean and log-std come from ``h`` (a zero-initialised 3x3 conv, Glow's
    learned conditional prior), and returned *standardised*:
    ``z = (z_raw - mean(h)) * exp(-log_std(h))`` with log-determinant
    ``-sum(log_std)``. So every latent the flow returns has a standard Normal
    prior (the SeismoGlow paper standardises all factored-out variables),
    which is what latent interpolation and temperature sampling expect, while
    the prior is still learned. At initialisation the prior is the standard
    Normal itself (``z = z_raw``). ``log_std`` is soft-clamped to
    ``(-prior_clamp, prior_clamp)`` for numerical stability.

    The layer's value is the pair ``(h, z)``: ``forward(x) -> ((h, z),
    logdet)`` and ``inverse((h, z)) -> (x, logdet)``, the bijection being
    ``x <-> concatenate(h, z)``.

    Parameters
    ----------
    channels : int
        Channels of the input (at least 2).
    n_dim : {1, 2}, default=2
    learn_prior : bool, default=True
        ``False`` uses a fixed standard Normal prior (``z = z_raw``).
    prior_clamp : float, default=5.0

    Examples
    --------
    >>> import torch
    >>> from sklearn_seismo.flows import Split
    >>> split = Split(4, n_dim=1)
    >>> x = torch.randn(2, 4, 8)
    >>> (h, z), logdet = split(x)
    >>> tuple(h.shape), tuple(z.shape)
    ((2, 2, 8), (2, 2, 8))
    >>> x_rec, _ = split.inverse((h, z))
    >>> torch.equal(x_rec, x)
    True
    """

    def __init__(self, channels, *, n_dim=2, learn_prior=True, prior_clamp=5.0):
        super().__init__()
        self.n_dim = _check_n_dim(n_dim)
        self.channels = int(channels)
        if self.channels < 2:
            raise ValueError(f"Split needs at least 2 channels, got {self.channels}.")
        self.keep_channels = self.channels // 2
        self.z_channels = self.channels - self.keep_channels
        self.prior_clamp = float(prior_clamp)
        if learn_prior:
            self.prior = _CONV[self.n_dim](
                self.keep_channels, 2 * self.z_channels, 3, padding=1
            )
            nn.init.zeros_(self.prior.weight)
            nn.init.zeros_(self.prior.bias)
        else:
            self.prior = None

    def _mean_log_std(self, h):
        mean, raw = self.prior(h).chunk(2, dim=1)
        return mean, soft_clamp(raw, self.prior_clamp)

    def forward(self, x):
        _check_input(x, self.n_dim, self.channels, "Split")
        h, z = x[:, : self.keep_channels], x[:, self.keep_channels :]
        if self.prior is None:
            return (h, z), x.new_zeros(x.shape[0])
        mean, log_std = self._mean_log_std(h)
        z = (z - mean) * torch.exp(-log_std)
        return (h, z), -log_std.flatten(1).sum(1)

    def inverse(self, value):
        h, z = value
        _check_input(h, self.n_dim, self.keep_channels, "Split.inverse (h)")
        _check_input(z, self.n_dim, self.z_channels, "Split.inverse (z)")
        if self.prior is None:
            return torch.cat([h, z], dim=1), h.new_zeros(h.shape[0])
        mean, log_std = self._mean_log_std(h)
        z = z * torch.exp(log_std) + mean
        return torch.cat([h, z], dim=1), log_std.flatten(1).sum(1)


class FlowStep(nn.Module):
    """One flow step: :class:`ActNorm` -> :class:`InvConv` -> :class:`AffineCoupling`.

    The coupling's network is built by :func:`coupling_network`.

    Parameters
    ----------
    channels : int
    n_dim : {1, 2}, default=2
    hidden_channels : int, default=64
    attention : bool, default=False
    n_heads : int, default=4
    coupling : {"affine", "additive"}, default="affine"
        :class:`AffineCoupling` with a learned scale, or its additive
        (volume-preserving) variant.
    scale_clamp : float, default=2.0
        Log-scale bound of the affine coupling.

    Examples
    --------
    >>> import torch
    >>> from sklearn_seismo.flows import FlowStep
    >>> step = FlowStep(4, n_dim=1, hidden_channels=8)
    >>> x = torch.randn(8, 4, 16)
    >>> y, logdet = step(x)
    >>> x_rec, inv_logdet = step.inverse(y)
    >>> torch.allclose(x_rec, x, atol=1e-5), torch.allclose(inv_logdet, -logdet)
    (True, True)
    """

    def __init__(
        self,
        channels,
        *,
        n_dim=2,
        hidden_channels=64,
        attention=False,
        n_heads=4,
        coupling="affine",
        scale_clamp=2.0,
    ):
        super().__init__()
        if coupling not in ("affine", "additive"):
            raise ValueError(
                f"coupling must be 'affine' or 'additive', got {coupling!r}."
            )
        additive = coupling == "additive"
        self.actnorm = ActNorm(channels, n_dim=n_dim)
        self.invconv = InvConv(channels, n_dim=n_dim)
        half = channels // 2
        net = coupling_network(
            half,
            (1 if additive else 2) * (channels - half),
            n_dim=n_dim,
            hidden_channels=hidden_channels,
            attention=attention,
            n_heads=n_heads,
        )
        self.coupling = AffineCoupling(
            channels,
            net,
            n_dim=n_dim,
            scale_clamp=scale_clamp,
            additive=additive,
        )

    def forward(self, x):
        x, ld1 = self.actnorm(x)
        x, ld2 = self.invconv(x)
        x, ld3 = self.coupling(x)
        return x, ld1 + ld2 + ld3

    def inverse(self, y):
        y, ld3 = self.coupling.inverse(y)
        y, ld2 = self.invconv.inverse(y)
        x, ld1 = self.actnorm.inverse(y)
        # Summed in the forward's order, so the result is exactly minus it
        # when the terms are (negation commutes with rounding).
        return x, ld1 + ld2 + ld3
