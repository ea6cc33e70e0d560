"""
Learning curves of the two CNN classifiers
==========================================

``MiniceptionClassifier`` (2-D shot gathers, the SeismoGlow baseline) and
``ResNetClassifier`` (1-D multi-component waveforms) are scikit-learn
classifiers built on skorch. Every fit records the loss of each epoch in
``history_``; with an explicit validation set (``fit(X, y, X_val=..., y_val=...)``)
the validation loss is recorded too, which gives learning curves for free.

The data are small so that the example runs in well under a minute on a
laptop CPU. Run it as a plain script; with ``MPLBACKEND=Agg`` the figure is
saved under ``examples/_figures/`` instead of being shown.
"""

# %%
# Shot gathers: Miniception
# -------------------------
# 400 synthetic gathers of 32 x 32 labelled good / medium / bad. The
# validation set is held out *before* any resampling, which is why ``fit``
# takes it explicitly (inside an imbalanced-learn pipeline it is routed as
# ``clf__X_val``). ``class_weight="balanced"`` keeps the rare *bad* class from
# being ignored; ``class_order`` fixes the quality order of ``classes_``.
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from sklearn_seismo.datasets import make_shot_gathers
from sklearn_seismo.neural import MiniceptionClassifier, ResNetClassifier

X, y = make_shot_gathers(n_samples=400, shape=(32, 32), random_state=0)
X_train, X_val, y_train, y_val = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
mini = MiniceptionClassifier(
    alpha=2,
    n_blocks=3,
    lr=3e-3,
    max_epochs=8,
    class_weight="balanced",
    class_order=["good", "medium", "bad"],
    random_state=0,
    verbose=1,
)
mini.fit(X_train, y_train, X_val=X_val, y_val=y_val)
print(
    "Miniception balanced accuracy on the validation set:",
    round(balanced_accuracy_score(y_val, mini.predict(X_val)), 3),
)

# %%
# Waveforms: ResNet
# -----------------
# Three-component windows of 400 samples: *event* windows hold a damped
# wavelet arriving at a random time on all components, *noise* windows only
# coloured noise. ``early_stopping=True`` stops when the validation loss has not
# improved for ``patience`` epochs and restores the best weights.
rng = np.random.default_rng(0)
n, n_times = 240, 400
t = np.arange(n_times) / 100.0
noise = np.cumsum(rng.normal(size=(n, 3, n_times)), axis=-1)
noise -= noise.mean(axis=-1, keepdims=True)
noise /= noise.std(axis=-1, keepdims=True)
labels = np.where(rng.random(n) < 0.5, "event", "noise")
onset = rng.uniform(0.5, 3.0, n)[:, None, None]
lag = np.clip(t - onset, 0, None)
wavelet = np.sin(2 * np.pi * 5 * lag) * np.exp(-3 * lag) * (t > onset)
amplitude = rng.uniform(0.5, 1.5, (n, 3, 1))
W = (noise + (labels == "event")[:, None, None] * amplitude * wavelet).astype(
    np.float32
)
W_train, W_val, l_train, l_val = train_test_split(
    W, labels, test_size=0.25, stratify=labels, random_state=0
)
resnet = ResNetClassifier(
    n_filters=(16, 32, 32),
    max_epochs=15,
    early_stopping=True,
    patience=4,
    random_state=0,
    verbose=1,
)
resnet.fit(W_train, l_train, X_val=W_val, y_val=l_val)
print(
    "ResNet balanced accuracy on the validation set:",
    round(balanced_accuracy_score(l_val, resnet.predict(W_val)), 3),
)

# %%
# Learning curves from ``history_``
# ---------------------------------
# ``history_[:, "train_loss"]`` and ``history_[:, "valid_loss"]`` hold one value
# per epoch (for Miniception both are the class-weighted cross-entropy, since
# ``class_weight="balanced"`` weights the loss). The star marks the epoch whose
# weights the early-stopped ResNet kept.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
for ax, clf, title in [
    (axes[0], mini, "MiniceptionClassifier, 32x32 gathers"),
    (axes[1], resnet, "ResNetClassifier, 3x400 waveforms"),
]:
    epochs = clf.history_[:, "epoch"]
    ax.plot(epochs, clf.history_[:, "train_loss"], "o-", label="train loss")
    ax.plot(epochs, clf.history_[:, "valid_loss"], "s-", label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.set_title(title, fontsize=10)
best = int(np.argmin(resnet.history_[:, "valid_loss"]))
axes[1].plot(
    resnet.history_[best, "epoch"],
    resnet.history_[best, "valid_loss"],
    "*",
    ms=14,
    color="k",
    label="restored",
)
for ax in axes:
    ax.legend(fontsize=8)
fig.tight_layout()

if os.environ.get("MPLBACKEND", "").lower() == "agg":
    out = Path(__file__).resolve().parent / "_figures"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "classifier_training.png", dpi=110)
else:
    plt.show()
