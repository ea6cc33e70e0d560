"""Random waveform augmentations for training (Zhu, Mousavi & Beroza, 2020).

Every augmenter is a scikit-learn transformer (``fit``/``transform`` with
``random_state``; stateless, so ``transform`` needs no ``fit``) and implements
the **batch hook** used by the classifiers and by :class:`AugmentationSampler`::

    X_aug = augmenter.augment_batch(X, rng)

* ``X``: float ndarray ``(n_samples, *sample_shape)`` (float32 in the
  classifiers), e.g. ``(n, T)`` traces, ``(n, C, T)`` components (channels on
  axis 1) or ``(n, n_time, n_traces)`` gathers (pass ``time_axis=1`` to the
  time-based augmenters);
* ``rng``: a :class:`numpy.random.Generator`, the only source of randomness
  (the augmenter's ``random_state`` is ignored) so a caller that passes one
  generator for the whole training run gets fresh draws every batch and epoch
  and a reproducible run;
* returns a new array of the same shape and dtype; ``X`` is never modified;
* needs no ``fit`` and validates the layout (e.g. channel count) but does not
  scan the batch for NaN: use ``transform`` for untrusted input.

Any object with such a method (including the deterministic transformers of
:mod:`sklearn_seismo.preprocessing`) can go into :class:`Compose`,
:class:`OneOf`, :class:`RandomApply` and :class:`AugmentationSampler`.
Augmentations are for training only: in a pipeline use them through
:class:`AugmentationSampler` (appends copies at fit time) or a classifier's
``augmentation=`` parameter, never as a plain pipeline step.
"""

from ._amplitude import Clip, PolarityFlip
from ._channels import ChannelDropout, ComponentScale, RotateHorizontal
from ._compose import Compose, OneOf, RandomApply
from ._noise import AddFalsePositives, AddNoise
from ._sampler import AugmentationSampler
from ._spectral import RandomBandpass
from ._time import RandomShift, SuperimposeEvents, TimeMask, TimeStretch

__all__ = [
    "AddFalsePositives",
    "AddNoise",
    "AugmentationSampler",
    "ChannelDropout",
    "Clip",
    "ComponentScale",
    "Compose",
    "OneOf",
    "PolarityFlip",
    "RandomApply",
    "RandomBandpass",
    "RandomShift",
    "RotateHorizontal",
    "SuperimposeEvents",
    "TimeMask",
    "TimeStretch",
]
