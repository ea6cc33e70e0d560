"""
=====================================================
SeismoGlow: latent interpolation of rare shot gathers
=====================================================

:class:`~sklearn_seismo.over_sampling.GlowOversampler` pretrains one Glow
normalizing flow on every sample it is given (all classes, labels unused),
fine-tunes a copy on each class it oversamples, and makes new samples of that
class by encoding two of its real samples, mixing their latents at every level
of the flow and decoding the mix. The SeismoGlow paper (Milidiú & Müller,
2021) trained one flow on each rare class only: ``pretrain="none",
coupling="affine"`` is that mode; by default pretrain is "all" and the
coupling "additive".

.. defaults: GlowOversampler pretrain='all' coupling='additive'

This example pretrains a small flow on all the gathers of
:func:`~sklearn_seismo.datasets.make_shot_gathers`, fine-tunes it on the rare
*bad* ones, shows the fine-tuning curve, compares linear and spherical
(``slerp``) interpolation between two real gathers, and shows a few synthetic
gathers appended by ``fit_resample``.

The flow here is deliberately small (32 x 32 gathers, 2 levels x 4 steps x 32
channels, 5 pretraining and at most 50 fine-tuning epochs) so that the example
runs in a minute or two on a laptop CPU.

.. settings: GlowOversampler n_levels=2 n_steps=4 hidden_channels=32
   pretrain_epochs=5 max_epochs=50

The defaults (3 x 8 x 64, 10 pretraining and at most 100 fine-tuning epochs)
and the paper's model (6 x 15 x 96 with attention in the last level, 400
epochs on a GPU) are meant for full-size gathers. An undertrained flow
decodes many interpolations far off the data; ``GlowOversampler`` redraws
those and warns (the warnings are printed after the fit).

.. defaults: GlowOversampler n_levels=3 n_steps=8 hidden_channels=64
   pretrain_epochs=10 max_epochs=100
"""

# %%
# Data: a rare class of "bad" gathers
# -----------------------------------
import warnings
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sklearn_seismo.datasets import make_shot_gathers
from sklearn_seismo.over_sampling import GlowOversampler

X, y = make_shot_gathers(n_samples=3000, shape=(32, 32), random_state=0)
print("class counts:", dict(Counter(y)))

figures = Path(__file__).resolve().parent / "_figures"
figures.mkdir(exist_ok=True)


def show(ax, gather, title):
    clip = np.quantile(np.abs(gather), 0.98)
    ax.imshow(gather, cmap="gray", aspect="auto", vmin=-clip, vmax=clip)
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])


# %%
# Pretrain a flow on all gathers, fine-tune it on the bad ones, oversample
# ------------------------------------------------------------------------
# ``sampling_strategy`` asks for 48 more bad gathers; the other classes are
# left alone (only the pretraining sees them; no flow is fine-tuned for them).
# Fine-tuning stops early on the held-out bits/dim of a split of the bad
# gathers, and decoded samples off the bad gathers' range are redrawn.
n_bad = int(np.sum(y == "bad"))
sampler = GlowOversampler(
    sampling_strategy={"bad": n_bad + 48},
    n_levels=2,
    n_steps=4,
    hidden_channels=32,
    pretrain_epochs=5,
    max_epochs=50,
    batch_size=8,
    lr=1e-3,
    warmup_steps=10,
    random_state=0,
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    X_res, y_res = sampler.fit_resample(X, y)
print("after resampling:", dict(Counter(y_res)))
for w in caught:
    print("warning:", w.message)
print("flows trained for:", list(sampler.flows_))
print(
    f"acceptance rate: {sampler.acceptance_rate_['bad']:.0%}, best fine-tuning "
    f"epoch: {sampler.best_epoch_['bad']} (0 = the pretrained flow)"
)

# %%
# Training curve
# --------------
# The loss is the negative log-likelihood of the RMS-normalised, dequantised
# gathers in bits per dimension (eq. 2 of the paper).
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(np.arange(1, len(sampler.history_["bad"]) + 1), sampler.history_["bad"], "o-")
ax.set_xlabel("epoch")
ax.set_ylabel("bits / dim")
ax.set_title("Glow fine-tuned on the bad gathers")
fig.tight_layout()
fig.savefig(figures / "glow_training_curve.png", dpi=100)

# %%
# Linear versus spherical interpolation between two real gathers
# --------------------------------------------------------------
# ``lambda = 0`` and ``1`` give the two real gathers back (the flow is
# invertible). A linear mix of two latents is shorter than either of them, so
# it decodes to a smoother, lower-contrast gather; ``slerp`` keeps the latent
# norm.
X_bad = X[y == "bad"]
a, b = X_bad[:1], X_bad[1:2]
lams = np.linspace(0.0, 1.0, 5)
fig, axes = plt.subplots(2, len(lams), figsize=(2 * len(lams), 4.4))
for row, interpolation in enumerate(["linear", "slerp"]):
    sampler.set_params(interpolation=interpolation)
    path = sampler.interpolate(
        np.repeat(a, len(lams), axis=0), np.repeat(b, len(lams), axis=0), lams, "bad"
    )
    for ax, lam, gather in zip(axes[row], lams, path):
        show(ax, gather, f"{interpolation}, lambda={lam:.2f}")
sampler.set_params(interpolation="linear")
fig.tight_layout()
fig.savefig(figures / "glow_interpolation.png", dpi=100)

# %%
# Real and synthetic bad gathers
# ------------------------------
# Synthetic gathers are appended after the original data by ``fit_resample``.
synthetic = X_res[len(X) :]
fig, axes = plt.subplots(2, 5, figsize=(10, 4.4))
for ax, gather in zip(axes[0], X_bad[:5]):
    show(ax, gather, "real")
for ax, gather in zip(axes[1], synthetic[:5]):
    show(ax, gather, "synthetic")
fig.tight_layout()
fig.savefig(figures / "glow_samples.png", dpi=100)

# %%
# Amplitudes: the flow models the shape of a gather, the RMS amplitude of a
# synthetic gather is the geometric interpolation of its parents'.
rms = np.sqrt(np.mean(synthetic**2, axis=(1, 2)))
print(
    f"RMS of real bad gathers: {sampler.scales_['bad'].min():.2f}-"
    f"{sampler.scales_['bad'].max():.2f}, of synthetic ones: "
    f"{rms.min():.2f}-{rms.max():.2f}"
)

# %%
# The flow also scores gathers (``score_samples``: log-likelihood in nats of
# the RMS-normalised gather). Flow likelihoods favour simple, smooth inputs
# (Nalisnick et al., 2019), so clean *good* gathers can score as high as the
# bad gathers the flow was fine-tuned on (we saw that on 64 x 64 gathers):
# compare scores of similar gathers, do not use them as a classifier.
print(
    "median log-likelihood under the 'bad' flow: "
    f"bad {np.median(sampler.score_samples(X_bad, 'bad')):.0f}, "
    f"good {np.median(sampler.score_samples(X[y == 'good'][:50], 'bad')):.0f}"
)
