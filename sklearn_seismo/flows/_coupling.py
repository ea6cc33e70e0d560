"""The affine (or additive) coupling layer of the flows and its default
networks, for 1-D and 2-D signals.

:class:`AffineCoupling` has the contract of every flow layer
(``_layers.py``): ``forward(x) -> (y, logdet)`` and
``inverse(y) -> (x, logdet)``. It receives its network (any module mapping
the conditioning half to the shift and log-scale); :func:`coupling_network`
builds the default ones: a convolutional network, or a self-attention one.

Pure torch (no scikit-learn import).
"""

import torch
from torch import nn
from torch.nn import functional as F

from ._utils import _CONV, _check_input, _check_n_dim, soft_clamp

__all__ = ["AffineCoupling", "coupling_network"]

# Whether the 2-D convolutional network runs on channels-last activations
# (see _ConvNet.forward); a module flag so that a test can compare the fast
# path with the plain layout.
_CHANNELS_LAST = True


class _ConvNet(nn.Module):
    """3x3 conv -> ReLU -> 1x1 conv -> ReLU -> LayerNorm -> zero-init 3x3 conv,
    output times ``hidden_channels ** -0.5``."""

    def __init__(self, in_channels, out_channels, hidden_channels, n_dim):
        super().__init__()
        conv = _CONV[n_dim]
        last = conv(hidden_channels, out_channels, 3, padding=1)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.net = nn.Sequential(
            conv(in_channels, hidden_channels, 3, padding=1),
            nn.ReLU(inplace=True),
            conv(hidden_channels, hidden_channels, 1),
            nn.ReLU(inplace=True),
            # Layer norm over (C, *spatial) of each sample (Ba et al.):
            # batch-independent, so every sample's transformation stays a
            # function of that sample only.
            nn.GroupNorm(1, hidden_channels),
            last,
        )
        self.channels_last = n_dim == 2 and _CHANNELS_LAST
        # A plain attribute, not a buffer: the state_dict keys stay those of
        # the networks saved before the factor moved here from the coupling.
        self.output_scale = float(hidden_channels) ** -0.5

    def forward(self, x):
        if self.channels_last:
            # mkldnn's CPU convolutions are 1.5-3x faster on NHWC activations
            # for these shapes; only the thin input/output are converted.
            x = x.contiguous(memory_format=torch.channels_last)
            h = self.net(x).contiguous()
        else:
            h = self.net(x)
        return h * self.output_scale


class _AttentionNet(nn.Module):
    """1x1 projection -> multi-head self-attention (+ residual) -> LayerNorm ->
    3x3 conv + ReLU -> zero-init 3x3 conv, output times
    ``hidden_channels ** -0.5``."""

    def __init__(self, in_channels, out_channels, hidden_channels, n_dim, n_heads):
        super().__init__()
        if hidden_channels % n_heads:
            raise ValueError(
                f"hidden_channels={hidden_channels} must be divisible by "
                f"n_heads={n_heads} for multi-head attention; change one of them."
            )
        conv = _CONV[n_dim]
        self.proj = conv(in_channels, hidden_channels, 1)
        self.attn = nn.MultiheadAttention(hidden_channels, n_heads, batch_first=True)
        self.norm = nn.LayerNorm(hidden_channels)
        self.conv = conv(hidden_channels, hidden_channels, 3, padding=1)
        self.last = conv(hidden_channels, out_channels, 3, padding=1)
        nn.init.zeros_(self.last.weight)
        nn.init.zeros_(self.last.bias)
        self.output_scale = float(hidden_channels) ** -0.5

    def forward(self, x):
        h = self.proj(x)
        b, c = h.shape[:2]
        spatial = h.shape[2:]
        seq = h.flatten(2).transpose(1, 2)  # (B, positions, C)
        att, _ = self.attn(seq, seq, seq, need_weights=False)
        seq = self.norm(seq + att)
        h = seq.transpose(1, 2).reshape(b, c, *spatial)
        return self.last(F.relu(self.conv(h))) * self.output_scale


def coupling_network(
    in_channels,
    out_channels,
    *,
    n_dim=2,
    hidden_channels=64,
    attention=False,
    n_heads=4,
):
    r"""The default network of an :class:`AffineCoupling`.

    As in SeismoGlow: 3x3 conv -> ReLU -> 1x1 conv -> ReLU -> layer norm ->
    zero-initialised 3x3 conv (``hidden_channels`` wide), or with
    ``attention=True``: a 1x1 input projection to ``hidden_channels``,
    ``n_heads``-head self-attention over all spatial positions (with a
    residual connection), layer norm, 3x3 conv + ReLU and a zero-initialised
    3x3 conv. The projection is needed because the attention embedding width
    must be divisible by the number of heads. The zero-initialised last layer
    makes the coupling start as the identity.

    The output is multiplied by ``1 / sqrt(hidden_channels)`` (an "equalised
    learning rate" for the zero-initialised last layer, Karras et al. 2018):
    Adam moves every weight by about ``lr`` per step whatever its gradient, so
    without the factor the first steps shift every coupling's log-scale and
    translation by ``O(lr * fan_in)`` at once, which made training at
    ``lr=1e-3`` without warm-up jump to a worse likelihood before recovering.
    On 2-D inputs the convolutional network runs on channels-last activations
    (faster oneDNN convolutions on CPU); results are the same.

    Parameters
    ----------
    in_channels : int
        Channels of the conditioning half ``C // 2``.
    out_channels : int
        ``C - C // 2`` for an additive coupling, twice that for an affine one
        (shift and raw log-scale).
    n_dim : {1, 2}, default=2
    hidden_channels : int, default=64
    attention : bool, default=False
    n_heads : int, default=4
        Attention heads (``hidden_channels`` must be divisible by it).

    Returns
    -------
    net : torch.nn.Module
        Maps ``(B, in_channels, *spatial)`` to ``(B, out_channels, *spatial)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_seismo.flows import coupling_network
    >>> net = coupling_network(2, 4, n_dim=1, hidden_channels=8)
    >>> net(torch.randn(3, 2, 16)).shape
    torch.Size([3, 4, 16])
    """
    n_dim = _check_n_dim(n_dim)
    if attention:
        return _AttentionNet(in_channels, out_channels, hidden_channels, n_dim, n_heads)
    return _ConvNet(in_channels, out_channels, hidden_channels, n_dim)


class AffineCoupling(nn.Module):
    r"""Affine coupling layer with a channel-wise split (eq. 12-14).

    The first ``C // 2`` channels ``x_a`` pass unchanged and parametrise an
    affine map of the others: ``y_b = x_b * exp(s) + t`` with
    ``(t, h) = net(x_a)`` and a *bounded* log-scale
    ``s = scale_clamp * tanh(h / scale_clamp)``; log-determinant ``sum(s)``.

    Why this soft clamp rather than Glow's ``scale = sigmoid(h + 2)``: with the
    zero-initialised last layer ``h = 0`` gives ``s = 0``, so each coupling
    starts as the exact identity (Glow's sigmoid starts at scale 0.88), and
    the scale is bounded on *both* sides (``exp(+-scale_clamp)``), so neither
    the forward pass nor the inverse (which divides by the scale; sigmoid can
    approach 0) can blow up. This is what keeps long training runs free of
    NaN/inf.

    The layer knows nothing about its network beyond the channel counts: pass
    any module as ``net``, or let :func:`coupling_network` build the
    SeismoGlow one (``hidden_channels``, ``attention`` and ``n_heads`` are
    only used then).

    Parameters
    ----------
    channels : int
        Number of channels ``C`` (at least 2).
    net : torch.nn.Module, optional
        Maps ``x_a`` of shape ``(B, C // 2, *spatial)`` to
        ``(B, out, *spatial)`` with ``out = C - C // 2`` for an additive
        coupling (the shift) and ``2 * (C - C // 2)`` otherwise (the shift,
        then the raw log-scale ``h``). Zero-initialise its last layer to start
        from the identity. Default: ``coupling_network(C // 2, out, ...)``.
    n_dim : {1, 2}, default=2
    hidden_channels : int, default=64
        Width of the default network.
    attention : bool, default=False
        Self-attention default network.
    n_heads : int, default=4
        Attention heads of the default network.
    scale_clamp : float, default=2.0
        Bound of the log-scale: each coupling multiplies ``x_b`` by at most
        ``exp(scale_clamp)`` and its inverse divides by at most that. A smaller
        bound limits how much a chain of inverse couplings can amplify a
        perturbation of the latents (a chain of ``n`` couplings amplifies by up
        to ``exp(n * scale_clamp)``).
    additive : bool, default=False
        Additive (NICE) coupling ``y_b = x_b + t``: no scale at all, so the
        coupling is volume preserving (log-determinant 0) and neither direction
        can amplify; ``scale_clamp`` is then unused.

    Attributes
    ----------
    net : torch.nn.Module
        The network, given or default.
    split_channels : int
        ``C // 2``, the channels of ``x_a``.
    net_out_channels : int
        The channel count ``net`` must return.

    See Also
    --------
    coupling_network : The default network.

    References
    ----------
    .. [1] Dinh, L., Sohl-Dickstein, J., & Bengio, S. (2017). Density
       estimation using Real NVP. ICLR.
    .. [2] Milidiú, R. L., & Müller, L. (2021). SeismoFlow -- Data
       augmentation for the class imbalance problem.

    Examples
    --------
    >>> import torch
    >>> from sklearn_seismo.flows import AffineCoupling
    >>> layer = AffineCoupling(4, n_dim=1, hidden_channels=8)
    >>> x = torch.randn(3, 4, 16)
    >>> y, logdet = layer(x)
    >>> torch.equal(y, x), logdet.tolist()  # identity at initialisation
    (True, [0.0, 0.0, 0.0])

    Any network mapping the 2 conditioning channels to 2 * 2 channels:

    >>> net = torch.nn.Sequential(
    ...     torch.nn.Conv1d(2, 16, 3, padding=1), torch.nn.ReLU(),
    ...     torch.nn.Conv1d(16, 4, 3, padding=1))
    >>> layer = AffineCoupling(4, net, n_dim=1)
    >>> y, logdet = layer(x)
    >>> x_rec, inv_logdet = layer.inverse(y)
    >>> torch.allclose(x_rec, x, atol=1e-5), torch.equal(inv_logdet, -logdet)
    (True, True)
    """

    def __init__(
        self,
        channels,
        net=None,
        *,
        n_dim=2,
        hidden_channels=64,
        attention=False,
        n_heads=4,
        scale_clamp=2.0,
        additive=False,
    ):
        super().__init__()
        self.n_dim = _check_n_dim(n_dim)
        self.channels = int(channels)
        if not (additive or scale_clamp > 0):
            raise ValueError(
                f"scale_clamp must be > 0, got {scale_clamp!r}; use additive=True "
                "for a coupling without scale."
            )
        self.additive = bool(additive)
        if self.channels < 2:
            raise ValueError(
                f"AffineCoupling needs at least 2 channels to split, got "
                f"{self.channels}; squeeze the input first."
            )
        self.split_channels = self.channels // 2
        self.net_out_channels = (1 if self.additive else 2) * (
            self.channels - self.split_channels
        )
        self.scale_clamp = float(scale_clamp)
        if net is None:
            net = coupling_network(
                self.split_channels,
                self.net_out_channels,
                n_dim=self.n_dim,
                hidden_channels=hidden_channels,
                attention=attention,
                n_heads=n_heads,
            )
        elif not isinstance(net, nn.Module):
            raise TypeError(
                f"net must be a torch.nn.Module (or None for the default "
                f"network), got {type(net).__name__}."
            )
        self.net = net

    def _shift_log_scale(self, xa):
        h = self.net(xa)
        if (
            not isinstance(h, torch.Tensor)
            or h.shape[:2] != (xa.shape[0], self.net_out_channels)
            or h.shape[2:] != xa.shape[2:]
        ):
            kind = "additive" if self.additive else "affine"
            got = tuple(h.shape) if isinstance(h, torch.Tensor) else type(h).__name__
            raise ValueError(
                f"The {kind} coupling's network must map {tuple(xa.shape)} to "
                f"{(xa.shape[0], self.net_out_channels, *xa.shape[2:])} "
                f"(C - C//2 = {self.channels - self.split_channels} shift channels"
                f"{'' if self.additive else ' then as many log-scale channels'}, "
                f"same spatial size), got {got}; fix the network's output layer."
            )
        if self.additive:
            return h, torch.zeros_like(h)
        shift, raw = h.chunk(2, dim=1)
        return shift, soft_clamp(raw, self.scale_clamp)

    def forward(self, x):
        _check_input(x, self.n_dim, self.channels, "AffineCoupling")
        xa, xb = x[:, : self.split_channels], x[:, self.split_channels :]
        shift, log_s = self._shift_log_scale(xa)
        yb = xb * torch.exp(log_s) + shift
        return torch.cat([xa, yb], dim=1), log_s.flatten(1).sum(1)

    def inverse(self, y):
        _check_input(y, self.n_dim, self.channels, "AffineCoupling.inverse")
        ya, yb = y[:, : self.split_channels], y[:, self.split_channels :]
        shift, log_s = self._shift_log_scale(ya)
        xb = (yb - shift) * torch.exp(-log_s)
        return torch.cat([ya, xb], dim=1), -log_s.flatten(1).sum(1)
