"""
Synthetic shot gathers and a real three-component record
========================================================

``make_shot_gathers`` stands in for the private SeismoGlow data set: marine
shot gathers labelled *good*, *medium* or *bad* by a geophysicist from swell
noise and anomalous amplitudes.  This example shows one gather of each class,
the per-gather metadata that explain the labels, and a real seismogram that
ships inside ObsPy, read with ``load_example_waveforms``.

Run it as a plain script; with ``MPLBACKEND=Agg`` the figures are saved under
``examples/_figures/`` instead of being shown.
"""

# %%
# Generate a data set
# -------------------
# The defaults reproduce the paper's size and class shares (66.68 / 31.54 /
# 1.76 %).  ``return_metadata=True`` adds what the generator drew for every
# gather: artefact type, swell band, anomalous traces, wavelet, ...
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sklearn_seismo.datasets import load_example_waveforms, make_shot_gathers

X, y, meta = make_shot_gathers(n_samples=5223, return_metadata=True, random_state=0)
print("X:", X.shape, X.dtype)
for cls in ("good", "medium", "bad"):
    print(f"{cls:>6}: {np.sum(y == cls):5d} gathers")

# %%
# One gather per class
# --------------------
# Time runs down, offset (150 m to 8.15 km) along the streamer to the right:
# the direct wave is the steep line, then the sea-floor reflection, its
# multiple and the primaries.  Red marks the swell band, blue the anomalous
# (dead, spiky or over-amplified) traces.
fig, axes = plt.subplots(1, 3, figsize=(12, 4.5), sharey=True)
extent = (meta.offsets[0] / 1e3, meta.offsets[-1] / 1e3, X.shape[1] * meta.dt, 0)
trace_km = meta.offsets / 1e3
for ax, cls in zip(axes, ("good", "medium", "bad")):
    members = np.flatnonzero(y == cls)
    # The gather whose severity is the class median: a typical member.
    i = members[np.argsort(meta.severity[members])[len(members) // 2]]
    ax.imshow(X[i], cmap="gray", aspect="auto", vmin=-3, vmax=3, extent=extent)
    for k in np.flatnonzero(meta.swell_mask[i]):
        ax.axvline(trace_km[k], ymin=0.97, ymax=1.0, color="tab:red", lw=3)
    for k in np.flatnonzero(meta.bad_trace_mask[i]):
        ax.axvline(trace_km[k], ymin=0.0, ymax=0.03, color="tab:blue", lw=3)
    ax.set_title(
        f"{cls}: {meta.artefact[i]}\nseverity {meta.severity[i]:.2f}, "
        f"{meta.n_anomalous_traces[i]} anomalous traces",
        fontsize=9,
    )
    ax.set_xlabel("offset (km)")
axes[0].set_ylabel("two-way time (s)")
fig.tight_layout()

# %%
# The classes overlap
# -------------------
# Labels come from a latent severity whose class-conditional spread grows with
# ``difficulty``: neighbouring classes share gathers of similar appearance,
# which is what keeps the rare class hard to learn without resampling.
fig2, ax2 = plt.subplots(figsize=(6, 3))
for cls in ("good", "medium", "bad"):
    ax2.hist(
        meta.severity[y == cls],
        bins=40,
        range=(0, 1),
        alpha=0.6,
        density=True,
        label=cls,
    )
ax2.set_xlabel("latent artefact severity")
ax2.set_ylabel("density")
ax2.legend()
fig2.tight_layout()

# %%
# A real three-component record
# -----------------------------
# ``load_example_waveforms`` reads records that ship inside ObsPy (no
# download) through ``load_waveforms``: components are ordered Z, N, E and
# the result is a ``(n_windows, n_channels, n_times)`` array.
rec = load_example_waveforms("rjob", detrend=True)
print(rec.description, rec.data.shape, rec.sampling_rate, "Hz")
fig3, ax3 = plt.subplots(figsize=(10, 3.5))
t = np.arange(rec.data.shape[-1]) / rec.sampling_rate
for c, trace_id in enumerate(rec.trace_ids[0]):
    trace = rec.data[0, c]
    ax3.plot(t, trace / np.abs(rec.data[0]).max() - 2 * c, lw=0.6)
ax3.set_yticks([0, -2, -4], rec.trace_ids[0])
ax3.set_xlabel(f"seconds after {rec.starttimes[0]}")
fig3.tight_layout()

# %%
# Save or show
# ------------
if os.environ.get("MPLBACKEND", "").lower() == "agg":
    out = Path(__file__).resolve().parent / "_figures"
    out.mkdir(exist_ok=True)
    for name, f in (("gathers", fig), ("severity", fig2), ("record", fig3)):
        f.savefig(out / f"plot_shot_gathers_{name}.png", dpi=90)
    print("figures written to", out)
else:
    plt.show()
