"""``python -m sklearn_seismo.datasets``: data set summary and example figure."""

import argparse
import os
import time

import numpy as np

from ..utils._argparse import ShapeAction, int_at_least, parse_seed, positive_float
from ..utils.environment import available_memory
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


def _unit_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}")
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _summary_parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_seismo.datasets",
        description="Summary of make_shot_gathers and of the real records that "
        "ship inside ObsPy, plus an example figure. "
        "'python -m sklearn_seismo.datasets windows FILES... --out windows.csv' "
        "lists the windows of your own waveform files for labelling "
        "(see 'windows --help').",
    )
    parser.add_argument("--n-samples", type=int_at_least(1), default=5223)
    parser.add_argument(
        "--shape",
        nargs="+",
        action=ShapeAction,
        default=(64, 64),
        metavar="N",
        help="gather shape n_time x n_traces: 64x64 or 64 64 (default: 64x64)",
    )
    parser.add_argument(
        "--difficulty", type=_unit_float, default=0.5, help="between 0 and 1"
    )
    parser.add_argument(
        "--random-state", type=parse_seed, default=0, help="seed, 0 to 2**32 - 1"
    )
    parser.add_argument(
        "--out", default="sklearn_seismo_figures", help="folder for the PNG"
    )
    parser.add_argument("--no-figure", action="store_true")
    return parser


def _windows_parser():
    from ._io import MAX_DECOMPRESSED_BYTES

    parser = argparse.ArgumentParser(
        prog="python -m sklearn_seismo.datasets windows",
        description="List the windows that load_waveforms makes from waveform "
        "files (file, network, station, location, channels, start and end "
        "time, sampling rate), in load order, as a CSV with an empty 'label' "
        "column to fill in. The labels are matched back to the windows by "
        "station, channels and start time, whatever the row order "
        "(read_window_labels; the study's --labels).",
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE_OR_GLOB",
        help="waveform files in any format ObsPy reads, or glob patterns "
        "(quote them); a name that exists as a file is read as that file",
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="CSV",
        help="the CSV to write; '-' for standard output. An existing file is "
        "refused unless --overwrite is given",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace --out")
    parser.add_argument(
        "--window",
        type=positive_float,
        metavar="SECONDS",
        help="window length (default: one window over each record)",
    )
    parser.add_argument(
        "--step",
        type=positive_float,
        metavar="SECONDS",
        help="step between window starts (default: --window)",
    )
    parser.add_argument(
        "--channels",
        default="ZNE",
        metavar="ZNE",
        help="component letters, in output order (default: ZNE)",
    )
    parser.add_argument(
        "--sampling-rate",
        type=positive_float,
        metavar="HZ",
        help="resample every trace to this rate (needed for mixed rates)",
    )
    parser.add_argument(
        "--on-gap",
        choices=("raise", "skip", "fill"),
        default="raise",
        help="gaps: an error, drop the windows over them, or interpolate",
    )
    parser.add_argument(
        "--on-missing",
        choices=("raise", "skip", "fill"),
        default="raise",
        help="a station without a component: an error, drop it, or zeros",
    )
    parser.add_argument("--format", metavar="FORMAT", help="ObsPy format name")
    parser.add_argument(
        "--max-decompressed-bytes",
        type=int_at_least(1),
        default=MAX_DECOMPRESSED_BYTES,
        metavar="BYTES",
        help=f"cap per compressed file (default: {MAX_DECOMPRESSED_BYTES})",
    )
    return parser


def _windows_main(argv):
    import csv
    import sys

    from ._errors import ReaderOptionError
    from ._labels import COLUMNS, write_window_csv
    from ._waveforms import list_windows

    parser = _windows_parser()
    args = parser.parse_args(argv)
    if args.out != "-":
        if os.path.isdir(args.out):
            parser.error(f"--out {args.out}: is a folder; pass a CSV file name.")
        if os.path.lexists(args.out) and not args.overwrite:
            parser.error(
                f"--out {args.out}: exists (it may hold labels already typed "
                "in); pass another name or --overwrite."
            )
        folder = os.path.dirname(os.path.abspath(args.out))
        if not os.path.isdir(folder):
            parser.error(f"--out {args.out}: folder {folder} does not exist.")
    try:
        windows = list_windows(
            args.files,
            channels=args.channels,
            window=args.window,
            step=args.step,
            sampling_rate=args.sampling_rate,
            on_gap=args.on_gap,
            on_missing=args.on_missing,
            format=args.format,
            max_decompressed_bytes=args.max_decompressed_bytes,
        )
    except ReaderOptionError as exc:
        parser.error(exc.cli_message())
    except (ValueError, TypeError) as exc:
        parser.error(str(exc))
    if args.out == "-":
        writer = csv.writer(sys.stdout)
        writer.writerow(COLUMNS)
        for w in windows:
            writer.writerow(
                [w.index, w.file, w.network, w.station, w.location, w.channels]
                + [str(w.starttime), str(w.endtime), f"{w.sampling_rate:g}", ""]
            )
        return 0
    try:
        write_window_csv(windows, args.out, overwrite=args.overwrite)
    except OSError as exc:
        parser.error(f"--out {args.out}: cannot write it ({exc}).")
    stations = sorted({f"{w.network}.{w.station}.{w.location}" for w in windows})
    print(
        f"{len(windows)} windows from {len(stations)} station(s) written to "
        f"{args.out}; fill in its 'label' column, then pass it as --labels."
    )
    return 0


def main(argv=None):
    """Data set summary and example figure, or the ``windows`` command.

    Parameters
    ----------
    argv : list of str or None
        Command-line arguments (default: ``sys.argv[1:]``). When the first is
        ``windows``, the rest are those of the window-listing command.

    Returns
    -------
    status : int
        0 on success; bad options exit with status 2 and a message.
    """
    import sys

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "windows":
        return _windows_main(argv[1:])
    parser = _summary_parser()
    args = parser.parse_args(argv)
    if len(args.shape) != 2 or min(args.shape) < 8:
        parser.error(
            f"--shape: a gather is n_time x n_traces, two sizes of at least 8, "
            f"got {'x'.join(map(str, args.shape))}; pass e.g. --shape 64x64."
        )
    # the float32 gathers and one float32 copy made while generating them
    needed = 2.0 * 4 * args.n_samples * args.shape[0] * args.shape[1]
    available = available_memory()
    if available is not None and needed > available:
        parser.error(
            f"--n-samples {args.n_samples} --shape {args.shape[0]}x{args.shape[1]}"
            f": generating them needs at least {needed / 2**30:.3g} GiB, more "
            f"than the {available / 2**30:.3g} GiB of memory available here; "
            "pass fewer samples or a smaller shape."
        )
    if not args.no_figure:
        if os.path.exists(args.out) and not os.path.isdir(args.out):
            parser.error(
                f"--out {args.out}: exists and is not a folder; pass a folder "
                "for the figure (or --no-figure)."
            )
        try:  # before the work, so that a bad --out costs nothing
            os.makedirs(args.out, exist_ok=True)
        except OSError as exc:
            parser.error(f"--out {args.out}: cannot create the folder ({exc}).")

    tic = time.perf_counter()
    try:
        X, y, meta = make_shot_gathers(
            args.n_samples,
            shape=tuple(args.shape),
            difficulty=args.difficulty,
            return_metadata=True,
            random_state=args.random_state,
        )
    except MemoryError:
        parser.error(
            f"--n-samples {args.n_samples} --shape {args.shape}: not enough "
            "memory; pass fewer samples or a smaller shape."
        )
    except ValueError as exc:
        parser.error(str(exc))
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
        path = os.path.join(args.out, "shot_gathers_and_record.png")
        plot_overview(X, y, meta, load_example_waveforms("rjob"), path)
        print(f"Figure written to {path}")
    return 0
