"""Helpers shared by the flow layers (``_layers.py``, ``_coupling.py``) and
the Glow (``_glow.py``): the checks of ``n_dim`` and of a layer's input, the
convolution class per ``n_dim`` and the soft clamp of log-scales.

Pure torch (no scikit-learn import).
"""

import math

import torch
from torch import nn

__all__ = []

_CONV = {1: nn.Conv1d, 2: nn.Conv2d}


def _check_n_dim(n_dim):
    if n_dim not in (1, 2):
        raise ValueError(
            f"n_dim must be 1 (signals (B, C, T)) or 2 (images (B, C, H, W)), "
            f"got {n_dim!r}."
        )
    return n_dim


def _check_input(x, n_dim, channels, name):
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} expects a torch.Tensor, got {type(x).__name__}.")
    if x.ndim != n_dim + 2:
        layout = "(batch, C, T)" if n_dim == 1 else "(batch, C, H, W)"
        raise ValueError(
            f"{name} with n_dim={n_dim} expects a {n_dim + 2}-D tensor {layout}, "
            f"got shape {tuple(x.shape)}; add the batch/channel axes with "
            f"x.unsqueeze(...) or build the layer with the matching n_dim."
        )
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"{name} was built for {channels} channels but the input has "
            f"{x.shape[1]} (shape {tuple(x.shape)}); build it with "
            f"in_channels={x.shape[1]} or fix the channel axis (channels first)."
        )


def _spatial_size(x):
    return math.prod(x.shape[2:])


def soft_clamp(h, bound):
    """Smoothly bound ``h`` to ``(-bound, bound)``: ``bound * tanh(h / bound)``.

    Identity near 0 (slope 1), so zero-initialised networks still start as
    the identity transformation.
    """
    return bound * torch.tanh(h / bound)
