"""The study's data: reading (or generating) it and its stateless preprocessing.

Used by both subcommands of the command line. Every problem is a
:class:`UsageError` that names the option and the fix, raised before any fit.
"""

import csv
import os
import zipfile

import numpy as np
from sklearn.utils import Bunch

from ..preprocessing import Bandpass, Normalize
from ._checks import UsageError

__all__ = ["load_data", "preprocess"]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _load_npz(path):
    if not zipfile.is_zipfile(path):
        raise UsageError(
            f"--data {path}: not a readable .npz file (not a zip archive); save "
            "the data with np.savez(path, X=X, y=y)."
        )
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in ("X", "y") if k not in f.files]
            if missing:
                raise UsageError(
                    f"--data {path}: the .npz lacks array(s) {missing} (it has "
                    f"{f.files}); save it with np.savez(path, X=X, y=y)."
                )
            X, y = f["X"], f["y"]
    except ValueError as exc:
        if isinstance(exc, UsageError):
            raise
        if "pickle" in str(exc):
            # Loading object arrays would unpickle, which can run any code.
            raise UsageError(
                f"--data {path}: X or y is an object array, which numpy loads "
                "only by unpickling (unsafe for files of unknown origin); save "
                "labels as a fixed-width array: "
                "np.savez(path, X=X, y=np.asarray(y).astype(str))."
            ) from None
        raise UsageError(f"--data {path}: not a readable .npz file ({exc}).") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise UsageError(f"--data {path}: not a readable .npz file ({exc}).") from None
    if y.dtype.kind == "S":
        y = np.char.decode(y, "utf-8")
    if not np.issubdtype(X.dtype, np.number) or X.ndim < 2:
        raise UsageError(
            f"--data {path}: X must be a numeric array (n_samples, *sample_shape), "
            f"got dtype {X.dtype} and shape {X.shape}."
        )
    if y.ndim != 1 or len(y) != len(X):
        raise UsageError(
            f"--data {path}: y must hold one label per sample of X, got y of shape "
            f"{y.shape} for X of shape {X.shape}."
        )
    if not np.all(np.isfinite(X)):
        raise UsageError(f"--data {path}: X holds NaN or infinite values; clean them.")
    peak = float(np.max(np.abs(X))) if X.size else 0.0
    if peak > _FLOAT32_MAX:
        # the networks and flows compute in float32: such values become inf
        raise UsageError(
            f"--data {path}: X holds values up to {peak:.3g}, beyond float32's "
            f"{_FLOAT32_MAX:.3g} (the precision the classifiers train in); "
            "rescale X, e.g. divide each sample by its peak."
        )
    return X, y


def _read_header(labels_path):
    try:
        with open(labels_path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"--labels {labels_path}: not UTF-8 text ({exc.reason} at byte "
            f"{exc.start}); save the CSV as UTF-8."
        ) from None
    except (OSError, csv.Error) as exc:
        raise UsageError(f"--labels {labels_path}: cannot read it ({exc}).") from None
    if not rows or "label" not in rows[0]:
        raise UsageError(
            f"--labels {labels_path}: needs a header with a 'label' column."
        )
    return rows


#: Columns that make a labels CSV a window list (``write_window_csv``),
#: matched by window rather than by row order.
_WINDOW_COLUMNS = ("network", "station", "starttime")


def _read_labels(labels_path, n_windows, shown, list_windows_of):
    rows = _read_header(labels_path)
    if all(c in rows[0] for c in _WINDOW_COLUMNS):
        from ..datasets import read_window_labels

        try:
            return read_window_labels(labels_path, list_windows_of())
        except ValueError as exc:
            raise UsageError(f"--labels {labels_path}: {exc}") from None
    y = np.array([r["label"] for r in rows])
    if len(y) != n_windows:
        raise UsageError(
            f"--labels {labels_path}: {len(y)} labels for {n_windows} "
            f"windows read from {shown}; give one label per window, in load "
            "order, or label the window list of `python -m "
            "sklearn_seismo.datasets windows` (matched by window)."
        )
    return y


def _reader_error(exc, shown):
    """A reader error in command-line words: the flag that fixes it, if any."""
    # ReaderOptionError names its fix as a flag (--on-gap fill); its class
    # comes with datasets, loaded here already
    from ..datasets import ReaderOptionError

    if isinstance(exc, ReaderOptionError):
        return UsageError(
            exc.cli_message(prefix=f"--data {shown}: cannot read waveforms: ")
        )
    return UsageError(f"--data {shown}: cannot read waveforms ({exc}).")


def _load_waveform_files(paths, labels_path, **options):
    shown = " ".join(paths)
    if labels_path is None:
        raise UsageError(
            f"--data {shown}: waveform files need --labels CSV (a 'label' column, "
            "one row per window); or pass a .npz with X and y."
        )
    # datasets loads pylops and torch (seconds): only when data is read, so
    # that the option checks answer at once
    from ..datasets import list_windows, load_waveforms

    options = {k: v for k, v in options.items() if v is not None}
    source = paths[0] if len(paths) == 1 else list(paths)
    try:
        bunch = load_waveforms(source, **options)
    except Exception as exc:  # obspy raises many types for unreadable files
        raise _reader_error(exc, shown) from None

    def windows():
        # load_waveforms returns the windows it cut; list_windows (a second
        # read of the files) only for a loader without them
        if getattr(bunch, "windows", None) is not None:
            return bunch.windows
        try:
            return list_windows(source, **options)
        except Exception as exc:
            raise _reader_error(exc, shown) from None

    y = _read_labels(labels_path, len(bunch.data), shown, windows)
    return bunch.data, y, bunch.sampling_rate


def _as_paths(path):
    if path is None:
        return []
    return [path] if isinstance(path, (str, os.PathLike)) else list(path)


def load_data(
    path=None,
    *,
    labels=None,
    window=None,
    step=None,
    channels=None,
    sampling_rate=None,
    on_gap=None,
    on_missing=None,
    format=None,
    max_decompressed_bytes=None,
    n_samples=800,
    shape=(32, 32),
    weights=None,
    seed=0,
):
    """Read (or generate) the study's data.

    Parameters
    ----------
    path : None, str or list of str
        None generates shot gathers; one ``.npz`` (``X``, ``y``); or waveform
        files and globs, all read together by ``load_waveforms`` with the
        reader options (``window`` ... ``max_decompressed_bytes``, None for
        its defaults) and labelled by the CSV ``labels``.

    Returns
    -------
    data : Bunch
        ``X``, ``y``, ``source`` (a description), ``layout`` (``"gathers"``,
        ``"waveforms"`` or ``"auto"`` when only the shape can tell) and
        ``sampling_rate`` (None when unknown).
    """
    paths = [os.fspath(p) for p in _as_paths(path)]
    if not paths:
        from ..datasets import make_shot_gathers  # pylops and torch: see above

        try:
            X, y = make_shot_gathers(
                n_samples, shape=shape, weights=weights, random_state=seed
            )
        except ValueError as exc:
            raise UsageError(f"--shape/--n-samples: {exc}") from None
        source = (
            f"make_shot_gathers(n_samples={n_samples}, shape={tuple(shape)}, "
            f"random_state={seed})"
        )
        return Bunch(
            X=X, y=y, source=source, layout="gathers", sampling_rate=sampling_rate
        )
    npz = [p for p in paths if p.endswith(".npz")]
    if npz and len(paths) > 1:
        raise UsageError(
            f"--data {' '.join(paths)}: a .npz holds a whole data set; give it "
            "alone (several --data are waveform files read together)."
        )
    for p in paths:
        # a name that is a file is that file, whatever its characters
        if not os.path.exists(p) and not any(c in p for c in "*?["):
            raise UsageError(f"--data {p}: no such file.")
    shown = " ".join(paths)
    if npz:
        X, y = _load_npz(paths[0])
        layout, rate = "auto", sampling_rate
    else:
        X, y, rate = _load_waveform_files(
            paths,
            labels,
            window=window,
            step=step,
            channels=tuple(channels) if channels else None,
            sampling_rate=sampling_rate,
            on_gap=on_gap,
            on_missing=on_missing,
            format=format,
            max_decompressed_bytes=max_decompressed_bytes,
        )
        layout = "waveforms"
    counts = {str(c): int(n) for c, n in zip(*np.unique(y, return_counts=True))}
    if len(counts) < 2:
        raise UsageError(f"--data {shown}: y has a single class {counts}; need >= 2.")
    return Bunch(
        X=X,
        y=y,
        source=f"{shown} (classes: {counts})",
        layout=layout,
        sampling_rate=rate,
    )


def preprocess(X, *, waveform, bandpass=None, normalize=None, sampling_rate=None):
    """Stateless per-sample filtering and scaling (no information across samples)."""
    time_axis = -1 if waveform else 1
    if bandpass is not None:
        fmin, fmax = bandpass
        if fmax >= sampling_rate / 2:
            raise UsageError(
                f"--bandpass {fmin:g} {fmax:g}: FMAX must be below the Nyquist "
                f"frequency {sampling_rate / 2:g} Hz."
            )
        X = Bandpass(
            fmin, fmax, sampling_rate=sampling_rate, time_axis=time_axis
        ).fit_transform(X)
    if normalize is not None:
        X = Normalize(method=normalize, time_axis=time_axis).fit_transform(X)
    return X
