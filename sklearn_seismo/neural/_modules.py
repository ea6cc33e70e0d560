"""Torch modules of the classifiers: Miniception (2-D), a 1-D ResNet, focal loss.

Pure torch on purpose (ARCHITECTURE.md): no scikit-learn import here, so the modules
can be reused in a plain PyTorch loop (``benchmarks/bench_classifiers.py``
trains them that way to measure skorch's overhead).
"""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "CumulativeLinkHead",
    "FocalLoss",
    "Miniception",
    "MiniceptionBlock",
    "ResNet1d",
    "ResidualBlock1d",
    "SqueezeExcitation",
    "miniception_min_size",
]


def miniception_min_size(n_blocks):
    """Smallest length of a non-degenerate spatial axis for ``n_blocks`` blocks.

    Every block halves the image (max-pool, stride 2). The input of the last
    block must still be at least 2 pixels long, otherwise its 3x3 and 5x5
    convolutions only ever see one pixel plus zero padding. Axes of length 1
    (a single trace or a single time sample) are allowed: they are degenerate,
    not too small.
    """
    return 2 ** (n_blocks - 1) + 1


class SqueezeExcitation(nn.Module):
    """Channel gate: global mean -> dense m/2 -> ReLU -> dense m -> sigmoid."""

    def __init__(self, channels):
        super().__init__()
        hidden = max(channels // 2, 1)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)

    def forward(self, x):
        s = x.mean(dim=(2, 3))
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s[:, :, None, None]


class MiniceptionBlock(nn.Module):
    """One Miniception block (Bucker et al., 2019).

    Parallel 3x3 and 5x5 convolutions with ``m1`` filters each (ReLU, same
    padding), concatenated, then a 3x3 convolution to ``m2`` filters; a residual
    1x1 convolution to ``m2`` gated by squeeze-and-excitation is added; then a
    5x5 max-pool with stride 2.
    """

    def __init__(self, in_channels, m1, m2):
        super().__init__()
        self.conv3 = nn.Conv2d(in_channels, m1, 3, padding=1)
        self.conv5 = nn.Conv2d(in_channels, m1, 5, padding=2)
        self.merge = nn.Conv2d(2 * m1, m2, 3, padding=1)
        self.residual = nn.Conv2d(in_channels, m2, 1)
        self.gate = SqueezeExcitation(m2)
        # padding=2 keeps an axis of length 1 at length 1 (ceil(n / 2) in general)
        self.pool = nn.MaxPool2d(5, stride=2, padding=2)

    def forward(self, x):
        branches = torch.cat([F.relu(self.conv3(x)), F.relu(self.conv5(x))], dim=1)
        out = F.relu(self.merge(branches)) + self.gate(self.residual(x))
        return self.pool(out)


class CumulativeLinkHead(nn.Module):
    """Ordinal output: one score and ``n_classes - 1`` ordered thresholds.

    ``P(y <= k) = sigmoid(theta_k - score)``; class probabilities are the
    differences of consecutive cumulative probabilities. Returns their log, so
    that ``CrossEntropyLoss`` on the output is the negative log-likelihood
    (``log_softmax`` of normalized log-probabilities is the identity) and a
    softmax of the output gives the probabilities back.
    """

    def __init__(self, in_features, n_classes):
        super().__init__()
        self.score = nn.Linear(in_features, 1)
        self.n_classes = n_classes
        n_thresholds = max(n_classes - 1, 0)
        # first threshold free, then positive gaps: ordered by construction
        init = torch.zeros(n_thresholds)
        if n_thresholds:
            init[0] = -(n_thresholds - 1) / 2
            init[1:] = 0.5413  # softplus(0.5413) == 1.0: unit gaps
        self.thresholds_raw = nn.Parameter(init)

    def thresholds(self):
        first, gaps = self.thresholds_raw[:1], F.softplus(self.thresholds_raw[1:])
        return torch.cat([first, first + torch.cumsum(gaps, 0)])

    def forward(self, h):
        score = self.score(h)
        if self.n_classes == 1:
            return torch.zeros_like(score)
        cum = torch.sigmoid(self.thresholds()[None, :] - score)
        ones = torch.ones_like(score)
        zeros = torch.zeros_like(score)
        cum = torch.cat([zeros, cum, ones], dim=1)
        proba = (cum[:, 1:] - cum[:, :-1]).clamp_min(1e-7)
        return torch.log(proba / proba.sum(dim=1, keepdim=True))


class Miniception(nn.Module):
    """Miniception CNN for 2-D inputs ``(batch, in_channels, H, W)``.

    Parameters
    ----------
    in_channels : int
    n_classes : int
    alpha : int, default=4
        Width multiplier: block ``n`` (1-based) has ``m1 = 2**n * alpha`` and
        ``m2 = 2**(n + 1) * alpha`` filters; the dense layer ``32 * alpha``.
    n_blocks : int, default=4
    head : {"softmax", "ordinal"}, default="softmax"
        ``"softmax"`` returns logits; ``"ordinal"`` returns class
        log-probabilities of a cumulative-link model.
    """

    def __init__(self, in_channels, n_classes, *, alpha=4, n_blocks=4, head="softmax"):
        super().__init__()
        blocks = []
        channels = in_channels
        for n in range(1, n_blocks + 1):
            m1, m2 = 2**n * alpha, 2 ** (n + 1) * alpha
            blocks.append(MiniceptionBlock(channels, m1, m2))
            channels = m2
        self.blocks = nn.Sequential(*blocks)
        self.dense = nn.Linear(channels, 32 * alpha)
        if head == "ordinal":
            self.out = CumulativeLinkHead(32 * alpha, n_classes)
        elif head == "softmax":
            self.out = nn.Linear(32 * alpha, n_classes)
        else:
            raise ValueError(f"head must be 'softmax' or 'ordinal', got {head!r}.")

    def forward(self, x):
        h = self.blocks(x).mean(dim=(2, 3))
        return self.out(F.relu(self.dense(h)))


class ResidualBlock1d(nn.Module):
    """Three same-padded conv-BN-ReLU layers plus a shortcut (Wang et al., 2017).

    The shortcut is a 1x1 convolution + batch norm when the number of channels
    changes, batch norm alone otherwise (as in Fawaz et al.'s reference code).
    """

    def __init__(self, in_channels, out_channels, kernel_sizes=(8, 5, 3)):
        super().__init__()
        layers = []
        channels = in_channels
        for i, k in enumerate(kernel_sizes):
            # explicit asymmetric "same" padding: torch's padding="same" copies
            # the input (and warns) for even kernels such as 8
            layers.append(nn.ConstantPad1d(((k - 1) // 2, k // 2), 0.0))
            layers.append(nn.Conv1d(channels, out_channels, k))
            layers.append(nn.BatchNorm1d(out_channels))
            if i < len(kernel_sizes) - 1:
                layers.append(nn.ReLU())
            channels = out_channels
        self.body = nn.Sequential(*layers)
        if in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv1d(in_channels, out_channels, 1), nn.BatchNorm1d(out_channels)
            )
        else:
            self.shortcut = nn.BatchNorm1d(out_channels)

    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))


class ResNet1d(nn.Module):
    """1-D ResNet for multi-channel waveforms ``(batch, in_channels, T)``.

    Parameters
    ----------
    in_channels : int
    n_classes : int
    n_filters : tuple of int, default=(64, 128, 128)
        Filters of each residual block (one block per entry).
    kernel_sizes : tuple of int, default=(8, 5, 3)
        Kernel sizes of the convolutions inside every block.
    """

    def __init__(
        self,
        in_channels,
        n_classes,
        *,
        n_filters=(64, 128, 128),
        kernel_sizes=(8, 5, 3),
    ):
        super().__init__()
        blocks = []
        channels = in_channels
        for f in n_filters:
            blocks.append(ResidualBlock1d(channels, f, tuple(kernel_sizes)))
            channels = f
        self.blocks = nn.Sequential(*blocks)
        self.out = nn.Linear(channels, n_classes)

    def forward(self, x):
        return self.out(self.blocks(x).mean(dim=2))


class FocalLoss(nn.Module):
    """Focal loss for multiclass logits (Lin et al., 2017), as ``CrossEntropyLoss``.

    ``loss_i = -w[y_i] * (1 - p_i)**gamma * log(p_i)`` with ``p_i`` the softmax
    probability of the true class. The factor ``(1 - p_i)**gamma`` shrinks the
    loss of well-classified samples, so the many easy samples of the frequent
    classes stop dominating the gradient. ``gamma=0`` is the cross-entropy:
    with ``reduction="mean"`` the weighted sum is divided by the sum of the
    samples' weights, exactly as ``CrossEntropyLoss(weight=...)`` does.

    Parameters
    ----------
    weight : tensor of shape (n_classes,) or None, default=None
        Weight of each class (a buffer: it moves with ``.to(device)``).
    gamma : float, default=2.0
        Focusing parameter, ``>= 0``; Lin et al. found 2 best.
    reduction : {"mean", "sum", "none"}, default="mean"
    """

    def __init__(self, weight=None, gamma=2.0, reduction="mean"):
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}."
            )
        if not gamma >= 0:
            raise ValueError(f"gamma must be >= 0, got {gamma!r}.")
        self.register_buffer(
            "weight", None if weight is None else torch.as_tensor(weight)
        )
        self.gamma = float(gamma)
        self.reduction = reduction

    def forward(self, input, target):
        log_pt = F.log_softmax(input, dim=1).gather(1, target[:, None]).squeeze(1)
        # 1 - p_t without cancellation; floored at the smallest normal number so
        # that the gradient of x**gamma stays finite where p_t rounds to 1.
        easy = (-torch.expm1(log_pt)).clamp_min(torch.finfo(log_pt.dtype).tiny)
        loss = -(easy**self.gamma) * log_pt
        if self.weight is None:
            w = torch.ones_like(loss)
        else:
            w = self.weight.to(loss.dtype)[target]
        loss = w * loss
        if self.reduction == "none":
            return loss
        if self.reduction == "sum":
            return loss.sum()
        return loss.sum() / w.sum()
