"""Oversampling of rare classes with generative flows (imbalanced-learn samplers)."""

from ._glow import GlowOversampler

__all__ = ["GlowOversampler"]
