"""A tiny exactly invertible stand-in with the API of ``sklearn_seismo.flows.Glow``.

Used where a test needs no learning: it is fast, its inverse is exact, and it
records what it sees (a spy). Latents come in two "levels" (the two halves of
the flattened sample) so per-level mixing is exercised. :func:`use_standin`
puts it in place of the real flow (``_glow_training.Glow``, the one place
GlowOversampler builds a flow).
"""

import math

import torch

from sklearn_seismo.over_sampling import _glow_training


class StandInFlow(torch.nn.Module):
    """z = reverse(x) * exp(log_scale) + bias, split into two levels."""

    instances = []  # every flow built, in order (spy)

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
        coupling="affine",
        scale_clamp=2.0,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.n_dim = n_dim
        self.log_scale = torch.nn.Parameter(torch.zeros(1))
        self.bias = torch.nn.Parameter(torch.zeros(1))
        self.n_initialize = 0
        self.trained_on = []  # inputs of log_prob in train mode
        self.inverse_inputs = []  # latents given to inverse
        self.log_prob_hook = None  # callable(loss) -> loss, to force NaN
        self.inverse_hook = None
        StandInFlow.instances.append(self)

    def _check(self, x):
        assert x.ndim == 2 + self.n_dim and x.shape[1] == self.in_channels, x.shape

    def forward(self, x):
        self._check(x)
        flat = x.reshape(len(x), -1).flip(1)
        z = flat * torch.exp(self.log_scale) + self.bias
        half = z.shape[1] // 2
        logdet = self.log_scale.expand(len(x)) * z.shape[1]
        self._shape = x.shape[1:]
        return [z[:, :half], z[:, half:]], logdet

    def inverse(self, zs):
        self.inverse_inputs.append([z.clone() for z in zs])
        z = torch.cat(zs, dim=1)
        x = ((z - self.bias) * torch.exp(-self.log_scale)).flip(1)
        x = x.reshape(len(x), *self._shape)
        if self.inverse_hook is not None:
            x = self.inverse_hook(x)
        return x

    def log_prob(self, x):
        if self.training:
            self.trained_on.append(x.detach().clone())
        zs, logdet = self(x)
        z = torch.cat(zs, dim=1)
        lp = -0.5 * (z**2).sum(1) - 0.5 * z.shape[1] * math.log(2 * math.pi) + logdet
        if self.log_prob_hook is not None:
            lp = self.log_prob_hook(lp)
        return lp

    @torch.no_grad()
    def initialize(self, x):
        self._check(x)
        self.n_initialize += 1
        self._shape = x.shape[1:]

    @staticmethod
    def size_multiple(n_levels):
        return 2**n_levels

    def latent_shapes(self, input_shape):
        d = math.prod(input_shape)
        return [(d // 2,), (d - d // 2,)]


def use_standin(monkeypatch):
    """Make GlowOversampler build :class:`StandInFlow` s; returns the class."""
    monkeypatch.setattr(_glow_training, "Glow", StandInFlow)
    StandInFlow.instances.clear()
    return StandInFlow
