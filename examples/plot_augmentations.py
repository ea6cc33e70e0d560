"""
Seismic augmentations on a real three-component record
========================================================

The augmentations of Zhu, Mousavi & Beroza (2020), sections 3 and 4, applied
to one real record: ObsPy's example event BW.RJOB..EH[ZNE] (30 s at 100 Hz),
read with ``load_example_waveforms``. Each row shows the record after one
augmentation (colour) over the original (grey), one column per component.

The noise superposed by ``AddNoise`` comes from a bank of real noise windows
cut from ObsPy's continuous records (``load_example_noise``), as the paper
recommends over Gaussian noise.

Run it as a plain script; the figure is written to
``examples/_figures/plot_augmentations.png``.
"""

# %%
# Load the record and a bank of real noise
# ----------------------------------------
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from sklearn_seismo.augmentation import (
    AddFalsePositives,
    AddNoise,
    ChannelDropout,
    Clip,
    ComponentScale,
    Compose,
    PolarityFlip,
    RandomBandpass,
    RandomShift,
    RotateHorizontal,
    SuperimposeEvents,
    TimeMask,
    TimeStretch,
)
from sklearn_seismo.datasets import load_example_noise, load_example_waveforms
from sklearn_seismo.preprocessing import Bandpass, Detrend, Normalize, Taper

record = load_example_waveforms("rjob")
fs = record.sampling_rate
X = record.data[:1]  # (1, 3, 3000), float32, components Z, N, E
print("record:", X.shape, record.channels, fs, "Hz")

# %%
# Deterministic preprocessing first
# ---------------------------------
# Detrend, taper, a 1-20 Hz zero-phase band-pass and peak normalisation of the
# whole record (keeping the amplitude ratios between components). These run on
# training and test data alike.
preprocess = Compose(
    [
        Detrend(),
        Taper(max_percentage=0.05),
        Bandpass(freqmin=1.0, freqmax=20.0, sampling_rate=fs),
        Normalize(per="sample"),
    ]
)
X = preprocess.augment_batch(X, None)
# The noise is prepared like the data so it adds no energy outside 1-20 Hz.
# Windows 10 s longer than the record are filtered and the filter's edge
# effects cut off; ``AddNoise`` takes a random 30 s crop of a random window.
long_noise = load_example_noise(n_times=X.shape[-1] + 1000, sampling_rate=fs)
noise_bank = Compose(
    [Detrend(), Taper(), Bandpass(freqmin=1.0, freqmax=20.0, sampling_rate=fs)]
).augment_batch(long_noise, None)[..., 500:-500]
# Noise windows must be free of events and glitches (section 3.3): drop the
# windows holding a transient above 8 standard deviations.
peak = np.abs(noise_bank).max(axis=-1) / noise_bank.std(axis=-1)
noise_bank = noise_bank[(peak < 8).all(axis=1)]

# %%
# One augmentation per row
# ------------------------
# Every augmenter is a transformer with a ``random_state``; here we call the
# batch hook ``augment_batch(X, rng)`` that the classifiers call on every
# training batch. ``SuperimposeEvents`` stacks another sample of the batch:
# with a single record, a delayed, weaker copy of itself.
augmenters = {
    "RandomShift (±10 s)": RandomShift(max_shift=10.0, sampling_rate=fs),
    "SuperimposeEvents": SuperimposeEvents(amplitude_ratio=(0.3, 0.6)),
    "AddNoise (real noise, 0-5 dB)": AddNoise(snr_db=(0, 5), noise=noise_bank),
    "AddFalsePositives (gap)": AddFalsePositives(kinds=["gap"]),
    "AddFalsePositives (spike/step)": AddFalsePositives(kinds=["spike", "step"]),
    "ChannelDropout": ChannelDropout(),
    "Clip (20-40 % of peak)": Clip(fraction=(0.2, 0.4)),
    "RandomBandpass": RandomBandpass(freq_range=(1.0, 8.0), sampling_rate=fs),
    "TimeStretch (x0.7-1.4)": TimeStretch(rate=(0.7, 1.4)),
    "TimeMask": TimeMask(max_width=0.2, n_masks=2),
    "PolarityFlip": PolarityFlip(p=1.0),
    "RotateHorizontal": RotateHorizontal(),
    "ComponentScale": ComponentScale(sigma=0.5),
}
print("noise bank:", noise_bank.shape)
rng = np.random.default_rng(1)
augmented = {name: aug.augment_batch(X, rng)[0] for name, aug in augmenters.items()}

# %%
# Plot the grid
# -------------
time = np.arange(X.shape[-1]) / fs
n_rows = len(augmented) + 1
fig, axes = plt.subplots(
    n_rows,
    3,
    figsize=(12, 1.15 * n_rows),
    sharex=True,
    sharey=True,
    layout="constrained",
)
rows = {"original": X[0], **augmented}
for r, (name, x) in enumerate(rows.items()):
    for c, channel in enumerate(record.channels):
        ax = axes[r, c]
        if r > 0:
            ax.plot(time, X[0, c], color="0.75", lw=0.5)
            # shade what a gap or mask zeroed
            zeroed = (x[c] == 0) & (X[0, c] != 0)
            edges = np.flatnonzero(np.diff(np.r_[0, zeroed.astype(int), 0]))
            for start, stop in zip(edges[::2], edges[1::2]):
                if stop - start > 5:
                    ax.axvspan(time[start], time[stop - 1], color="tab:red", alpha=0.2)
        ax.plot(time, x[c], color="k" if r == 0 else "tab:blue", lw=0.5)
        ax.set_ylim(-1.3, 1.3)
        ax.set_yticks([])
        if r == 0:
            ax.set_title(record.trace_ids[0][c])
        if c == 0:
            ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
for ax in axes[-1]:
    ax.set_xlabel("time (s)")
fig.suptitle(
    f"BW.RJOB, {record.starttimes[0].date}: Zhu et al. (2020) augmentations "
    "(blue) over the original (grey)"
)

out = Path(__file__).resolve().parent / "_figures"
out.mkdir(exist_ok=True)
fig.savefig(out / "plot_augmentations.png", dpi=90)
print("figure written to", out / "plot_augmentations.png")
if matplotlib.get_backend().lower() != "agg":
    plt.show()
