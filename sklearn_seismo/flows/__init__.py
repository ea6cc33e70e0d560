"""Normalizing flows (pure torch): the SeismoGlow multi-scale Glow.

Invertible layers for 1-D ``(batch, C, T)`` and 2-D ``(batch, C, H, W)``
signals, each with ``forward(x) -> (y, logdet)`` and
``inverse(y) -> (x, logdet)``; the coupling layer takes any network
(:func:`coupling_network` builds the default ones). The multi-scale
:class:`Glow` (optionally with attention couplings and memory-efficient
invertible backpropagation) and the dequantisation / bits per dimension
helpers of the SeismoGlow paper. No scikit-learn import here: the
scikit-learn facing estimator is ``sklearn_seismo.over_sampling.GlowOversampler``.
"""

from ._glow import Glow, bits_per_dim, dequantize
from ._layers import (
    ActNorm,
    AffineCoupling,
    FlowStep,
    InvConv,
    Split,
    Squeeze,
    coupling_network,
)

__all__ = [
    "ActNorm",
    "AffineCoupling",
    "FlowStep",
    "Glow",
    "InvConv",
    "Split",
    "Squeeze",
    "bits_per_dim",
    "coupling_network",
    "dequantize",
]
