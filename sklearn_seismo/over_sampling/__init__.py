"""Oversampling of rare classes with generative flows (imbalanced-learn samplers)."""

from ._critic import CriticFilteredSampler
from ._glow import GlowOversampler

__all__ = ["CriticFilteredSampler", "GlowOversampler"]
