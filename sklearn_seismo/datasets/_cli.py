"""``python -m sklearn_seismo.datasets``: data set summary and example figure."""

import argparse
import os
import time

import numpy as np

from ..utils._argparse import ShapeAction
from ._examples import (
    EXAMPLE_RECORDS,
    available_example_records,
    load_example_noise,
    load_example_waveforms,
)
from ._shot_gathers import CLASSES, make_shot_gathers


def _import_pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise SystemExit(
            "matplotlib is needed for the example figure: pip install "
            "matplotlib (or sklearn_seismo[plot]), or pass --no-figure."
        ) from exc
    if not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_overview(X, y, meta, record, path):
    """One gather per class and one real three-component record, to ``path``."""
    plt = _import_pyplot()
    fig = plt.figure(figsize=(12, 6.5))
    grid = fig.add_gridspec(2, 3, height_ratios=[1.4, 1])
    clip = 3.0
    for j, cls in enumerate(CLASSES):
        ax = fig.add_subplot(grid[0, j])
        members = np.flatnonzero(y == cls)
        if len(members) == 0:
            ax.set_axis_off()
            continue
        # The most typical member: severity closest to the class median.
        sev = meta.severity[members]
        i = members[np.argmin(np.abs(sev - np.median(sev)))]
        n_time, n_traces = X.shape[1:]
        extent = (
            meta.offsets[0] / 1000,
            meta.offsets[-1] / 1000,
            n_time * meta.dt,
            0,
        )
        ax.imshow(
            X[i], cmap="gray", aspect="auto", vmin=-clip, vmax=clip, extent=extent
        )
        ax.set_title(f"{cls}: {meta.artefact[i]}", fontsize=10)
        ax.set_xlabel("offset (km)")
        if j == 0:
            ax.set_ylabel("time (s)")
    ax = fig.add_subplot(grid[1, :])
    data = record.data[0]
    t = np.arange(data.shape[-1]) / record.sampling_rate
    scale = np.abs(data).max() or 1.0
    for c, comp in enumerate(record.channels):
        ax.plot(t, data[c] / scale - 2 * c, lw=0.6, label=comp)
    ax.set_yticks([-2 * c for c in range(len(record.channels))])
    ax.set_yticklabels(record.trace_ids[0])
    ax.set_xlabel(f"seconds after {record.starttimes[0]}")
    ax.set_title(record.description, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv=None):
    """Print a summary of a generated data set and of ObsPy's example records.

    Parameters
    ----------
    argv : list of str or None
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success.
    """
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_seismo.datasets",
        description="Summary of make_shot_gathers and of the real records that "
        "ship inside ObsPy, plus an example figure.",
    )
    parser.add_argument("--n-samples", type=int, default=5223)
    parser.add_argument(
        "--shape",
        nargs="+",
        action=ShapeAction,
        default=(64, 64),
        metavar="N",
        help="gather shape n_time x n_traces: 64x64 or 64 64 (default: 64x64)",
    )
    parser.add_argument("--difficulty", type=float, default=0.5)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument(
        "--out", default="sklearn_seismo_figures", help="folder for the PNG"
    )
    parser.add_argument("--no-figure", action="store_true")
    args = parser.parse_args(argv)

    tic = time.perf_counter()
    X, y, meta = make_shot_gathers(
        args.n_samples,
        shape=tuple(args.shape),
        difficulty=args.difficulty,
        return_metadata=True,
        random_state=args.random_state,
    )
    elapsed = time.perf_counter() - tic
    print(
        f"make_shot_gathers(n_samples={args.n_samples}, shape={tuple(args.shape)}, "
        f"difficulty={args.difficulty}, random_state={args.random_state})"
    )
    print(f"  X {X.shape} {X.dtype}, generated in {elapsed:.2f} s")
    kinds = ("none", "swell", "amplitude", "swell+amplitude")
    print(f"  {'class':<8}{'count':>7}{'share':>8}   artefacts: " + " / ".join(kinds))
    for cls in CLASSES:
        mask = y == cls
        n = int(mask.sum())
        art = " / ".join(str(int((meta.artefact[mask] == k).sum())) for k in kinds)
        print(f"  {cls:<8}{n:>7}{n / len(y):>8.2%}   {art}")

    print("Real records shipped inside ObsPy (load_example_waveforms):")
    available = available_example_records()
    for name in EXAMPLE_RECORDS:
        if name not in available:
            print(f"  {name:<6} not installed with this ObsPy")
            continue
        rec = load_example_waveforms(name)
        print(
            f"  {name:<6} data {rec.data.shape} at {rec.sampling_rate:g} Hz, "
            f"{len(set(rec.stations))} station(s): {rec.description}"
        )
    for record in ("uh3", "balst"):
        if record in available:
            noise = load_example_noise(record=record)
            print(
                f"  noise bank load_example_noise(record={record!r}): "
                f"{noise.shape} {noise.dtype}"
            )

    if not args.no_figure:
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "shot_gathers_and_record.png")
        plot_overview(X, y, meta, load_example_waveforms("rjob"), path)
        print(f"Figure written to {path}")
    return 0
