"""The fitted model of one class of GlowOversampler.

One :class:`ClassModel` per oversampled class holds everything fitting made
for it: the fine-tuned flow, the class's normalised samples and their scales,
the seed of its generation, its latents, acceptance bounds and training
history. The flows are only ever run here, in chunks, without autograd.
"""

from dataclasses import dataclass

import numpy as np
import torch

from ..flows import bits_per_dim
from . import _glow_latent as latent

# Samples encoded, decoded or scored at once (bounds the memory of generation).
_CHUNK = 64


def in_chunks(fn, n):
    """``[fn(s) ...]`` over consecutive slices ``s`` of ``_CHUNK`` of ``n`` rows,
    without autograd."""
    with torch.no_grad():
        return [fn(slice(i, i + _CHUNK)) for i in range(0, n, _CHUNK)]


def log_prob(flow, Xn, device):
    """Log-density in nats (float64) of flow inputs ``Xn`` under ``flow``."""
    parts = in_chunks(
        lambda s: flow.log_prob(torch.from_numpy(Xn[s]).to(device)).cpu(), len(Xn)
    )
    return torch.cat(parts).numpy().astype(np.float64)


@dataclass(eq=False)
class ClassModel:
    """A class's fine-tuned flow and what sampling from it needs.

    Attributes
    ----------
    label : object
        The class label.
    flow : torch.nn.Module
        Fine-tuned flow, in eval mode, on ``device``.
    data : ndarray of shape (n, C, *padded spatial), float32
        The class's training samples with energy, RMS-normalised and padded.
    scales : ndarray of shape (n,)
        Their RMS.
    seed : int
        Seed of the generation in ``fit_resample``.
    dequantization_width : float
    history, val_history : list of float
    best_epoch, n_restarts : int
    cpu_seconds : float
        Process CPU time of the flow's training (or of its cache load).
    device : str
    latents : list of torch.Tensor
        Per-level latents of ``data`` (set by :meth:`prepare_sampling`).
    bounds : dict
        Acceptance ranges (set by :meth:`prepare_sampling`).
    acceptance_rate : float or None
        Accepted share of the decodes of ``fit_resample`` (None after ``fit``).
    accepted_lambdas : ndarray or None
        Coefficients of the samples ``fit_resample`` returned.
    sources, source_scales : ndarray or None
        ``mode="translate"`` only: the normalised samples given to ``fit``
        that are not of this class (other classes and unlabelled pools) and
        their RMS.
    source_latents, shift : list of torch.Tensor or None
        Their latents under this class's flow, and the per-level difference
        of the class's latent mean and theirs (set by :meth:`prepare_sampling`).
    log_scale_shift : float or None
        Difference of the mean log-RMS of the class and of the sources.
    """

    label: object
    flow: torch.nn.Module
    data: np.ndarray
    scales: np.ndarray
    seed: int
    dequantization_width: float
    history: list
    val_history: list
    best_epoch: int
    n_restarts: int
    cpu_seconds: float
    device: str
    latents: list = None
    bounds: dict = None
    acceptance_rate: float = None
    accepted_lambdas: np.ndarray = None
    sources: np.ndarray = None
    source_scales: np.ndarray = None
    source_latents: list = None
    shift: list = None
    log_scale_shift: float = None

    def _tensor(self, Xn):
        return torch.from_numpy(Xn).to(self.device)

    def encode(self, Xn):
        """Per-level latents (CPU tensors) of flow inputs ``Xn``."""
        parts = in_chunks(
            lambda s: [z.cpu() for z in self.flow(self._tensor(Xn[s]))[0]], len(Xn)
        )
        return [torch.cat(level) for level in zip(*parts)]

    def decode(self, zs):
        """Flow outputs (numpy, flow layout) of per-level latents ``zs``."""
        parts = in_chunks(
            lambda s: self.flow.inverse([z[s].to(self.device) for z in zs]).cpu(),
            len(zs[0]),
        )
        return torch.cat(parts).numpy()

    def log_prob(self, Xn):
        """Log-density in nats of flow inputs ``Xn`` (float64)."""
        return log_prob(self.flow, Xn, self.device)

    def bits_per_dim(self, Xn):
        """Bits/dim of flow inputs ``Xn`` at the training dequantisation width."""
        n_dims = int(np.prod(Xn.shape[1:]))
        lp = self.log_prob(Xn)
        return np.asarray(
            bits_per_dim(lp, n_dims, self.dequantization_width), dtype=float
        )

    def prepare_sampling(self, layout, margin):
        """Encode the class (and any sources) once; set the acceptance bounds."""
        self.latents = self.encode(self.data)
        crest, kurt = latent.artefact_stats(layout.crop(self.data))
        self.bounds = latent.acceptance_bounds(
            self.bits_per_dim(self.data), crest, kurt, margin
        )
        if self.sources is not None:
            self.source_latents = self.encode(self.sources)
            self.shift = [
                zc.mean(dim=0) - zs.mean(dim=0)
                for zc, zs in zip(self.latents, self.source_latents)
            ]
            self.log_scale_shift = float(
                np.mean(np.log(self.scales)) - np.mean(np.log(self.source_scales))
            )
        return self
