"""Command line of the study: ``python -m sklearn_seismo.study`` / ``seismo-study``."""

import argparse
import csv
import os
import platform
import re
import sys
import tempfile
import time
import warnings
import zipfile
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone

import numpy as np
from joblib import Memory
from sklearn.base import clone
from sklearn.utils import Bunch

from ..utils._argparse import ShapeAction
from ..utils._layout import is_waveform_shape
from ._arms import ALL_ARMS, default_augmenter
from ._config import get_config

__all__ = ["main", "build_parser"]

DESCRIPTION = """\
Cross-validated comparison of ways to handle a rare class for a CNN classifier
(the SeismoGlow study): no oversampling, GlowOversampler, SMOTE, ADASYN, random
oversampling, class weights, waveform augmentation, glow + augmentation. Every
arm sees the same stratified folds; synthetic samples come from each training
fold only. Prints the per-class table and writes Markdown, CSV and PNG files.

Without --data it runs on synthetic shot gathers (make_shot_gathers) with a
quick configuration meant to finish in under 15 minutes on 2 CPU cores;
--paper uses the paper's sizes (a GPU job).
"""

EPILOG = """\
data files:
  --data X.npz            arrays X (n, *sample_shape) numeric and y (n,) labels
                          (save string labels as a str array, not object)
  --data 'dir/*.mseed' --labels labels.csv
                          windows read by sklearn_seismo.datasets.load_waveforms
                          (--window, --step, --channels, --sampling-rate);
                          labels.csv has a 'label' column with one row per
                          window, in load order

exit status: 0 success; 1 an arm failed on every fold (see report.md);
2 bad options or data (checked before any fit).

threads: every concurrent fit gets max(1, cores // fits) torch threads;
--torch-threads N or the environment variable SEISMO_TORCH_THREADS=N override.

examples:
  python -m sklearn_seismo.study
  python -m sklearn_seismo.study --arms none,glow,smote --folds 3 --n-jobs 2
  python -m sklearn_seismo.study --data gathers.npz --out results/
  python -m sklearn_seismo.study --backend dask --n-jobs 2   # local cluster
  python -m sklearn_seismo.study --backend dask --scheduler tcp://10.0.0.1:8786
  python -m sklearn_seismo.study --paper --n-jobs 1   # on a GPU machine
"""


def _sizes(text):
    try:
        sizes = tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 0:
        raise argparse.ArgumentTypeError(
            f"invalid sizes {text!r}: give non-negative ints such as 0,100,200"
        )
    return sizes


def _arms(text):
    arms = tuple(a.strip() for a in text.split(",") if a.strip())
    unknown = [a for a in arms if a not in ALL_ARMS]
    if not arms or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown arm(s) {unknown or text!r}; choose among {','.join(ALL_ARMS)}"
        )
    return arms


def _int_at_least(low, hint=""):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {low}, got {text!r}{hint}"
            )
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


_positive_int = _int_at_least(1)


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of workers: give N >= 1, or -1 for all "
            "cores (-2 all but one, ...)"
        )
    return value


class UsageError(ValueError):
    """Bad options or data, found before any fit; the CLI exits with status 2."""


def build_parser():
    """The ``argparse`` parser of the command line."""
    p = argparse.ArgumentParser(
        prog="seismo-study",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    data = p.add_argument_group("data")
    data.add_argument(
        "--data",
        metavar="PATH",
        help="a .npz with X and y, or "
        "waveform files/glob read with load_waveforms (needs --labels)",
    )
    data.add_argument(
        "--labels",
        metavar="CSV",
        help="labels of the waveform "
        "windows: a CSV with a 'label' column, one row per window",
    )
    data.add_argument(
        "--window",
        type=_positive_float,
        metavar="SECONDS",
        help="window length for waveform files (load_waveforms)",
    )
    data.add_argument(
        "--step",
        type=_positive_float,
        metavar="SECONDS",
        help="step between window starts for waveform files (default: --window)",
    )
    data.add_argument(
        "--channels",
        metavar="ZNE",
        help="component letters of waveform files, in output order (default: ZNE)",
    )
    data.add_argument(
        "--sampling-rate",
        type=_positive_float,
        metavar="HZ",
        help="waveform files: resample to this rate; .npz data: its rate "
        "(needed by --bandpass)",
    )
    data.add_argument(
        "--bandpass",
        type=_positive_float,
        nargs=2,
        metavar=("FMIN", "FMAX"),
        help="Butterworth band-pass (sklearn_seismo.preprocessing.Bandpass) "
        "applied to every sample before the study",
    )
    data.add_argument(
        "--normalize",
        choices=("peak", "std"),
        help="divide every trace by its peak or standard deviation "
        "(sklearn_seismo.preprocessing.Normalize), after --bandpass",
    )
    data.add_argument(
        "--layout",
        choices=("auto", "gathers", "waveforms"),
        default="auto",
        help="samples are gathers (n_time, n_traces) for MiniceptionClassifier, or "
        "waveforms (C, T) for ResNetClassifier; auto: waveform files and 1-D or "
        "<=3-row samples are waveforms, generated data and the rest gathers",
    )
    data.add_argument(
        "--n-samples",
        type=_positive_int,
        metavar="N",
        help="number of synthetic gathers when no --data is given "
        "(quick: 800, paper: 5223)",
    )
    data.add_argument(
        "--shape",
        nargs="+",
        action=ShapeAction,
        metavar="N",
        help="gather shape when no --data is given: 32x32 or 32 32 "
        "(quick: 32x32, paper: 896x640)",
    )
    data.add_argument(
        "--minority",
        metavar="LABEL",
        help="class to oversample (default: the least frequent)",
    )

    study = p.add_argument_group("study")
    study.add_argument(
        "--paper",
        action="store_true",
        help="paper configuration: 5,223 gathers of 896x640, 10 folds, "
        "40 classifier epochs, 400 flow epochs (a GPU job)",
    )
    study.add_argument(
        "--arms",
        type=_arms,
        metavar="A,B,...",
        help=f"arms to run, comma separated (default: all of {','.join(ALL_ARMS)})",
    )
    study.add_argument(
        "--folds",
        type=_int_at_least(2, "; cross-validation needs 2 folds or more"),
        metavar="K",
        help="number of stratified folds, 2 to the size of the smallest class "
        "(quick: 4, paper: 10)",
    )
    study.add_argument(
        "--n-synthetic",
        type=_positive_int,
        metavar="N",
        help="synthetic minority samples per training fold (quick: 100, paper: 600)",
    )
    study.add_argument(
        "--k-neighbors",
        type=_positive_int,
        default=5,
        metavar="K",
        help="neighbours of SMOTE and ADASYN (default: 5; lowered, with a note "
        "in the report, when a training fold has too few minority samples)",
    )
    study.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help="classifier epochs, also caps the sweep's (quick: 8, sweep 12 with "
        "early stopping; paper: 40, sweep 100)",
    )
    study.add_argument(
        "--lr", type=_positive_float, metavar="RATE", help="classifier learning rate"
    )
    study.add_argument(
        "--batch-size", type=_positive_int, metavar="N", help="classifier batch size"
    )
    study.add_argument(
        "--flow-epochs",
        type=_positive_int,
        metavar="N",
        help="most epochs of each flow's training (GlowOversampler max_epochs; "
        "quick: 100 with early stopping, paper: 400)",
    )
    study.add_argument(
        "--sweep",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run the number-of-synthetic-samples sweep "
        "(Figure 4) on a 70/10/20 split (default: on)",
    )
    study.add_argument(
        "--sweep-sizes",
        metavar="N,N,...",
        type=_sizes,
        help="sweep sizes (quick: 0,50,100,200; paper: 0,100,...,1000)",
    )
    study.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")

    run = p.add_argument_group("execution")
    run.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="fits run concurrently (-1: all cores; default: 1)",
    )
    run.add_argument(
        "--torch-threads",
        type=_positive_int,
        metavar="N",
        help="torch threads per fit (default: cores // concurrent fits, or "
        "$SEISMO_TORCH_THREADS)",
    )
    run.add_argument(
        "--backend",
        choices=("loky", "dask"),
        default="loky",
        help="joblib backend; dask runs on a dask.distributed cluster: "
        "--scheduler, or a local one (127.0.0.1, --n-jobs worker processes)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address, e.g. tcp://10.0.0.1:8786",
    )
    run.add_argument(
        "--device",
        default="auto",
        help="torch device of classifier and flows (default: auto, "
        "a GPU when there is one)",
    )
    run.add_argument(
        "--out",
        default="study_results",
        metavar="DIR",
        help="output folder (default: study_results)",
    )
    noise = run.add_mutually_exclusive_group()
    noise.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bars, no warning summary",
    )
    noise.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print every warning the fits raised (default: a count; "
        "report.md lists them)",
    )
    return p


# ---------------------------------------------------------------- validation


def check_options(args):
    """Checks that need no data: output folder, device, option combinations."""
    check_out_dir(args.out)
    check_device(args.device)
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler needs --backend dask.")
    generated_only = [
        name for name in ("n_samples", "shape") if getattr(args, name) is not None
    ]
    if args.data is not None and generated_only:
        raise UsageError(
            f"--{generated_only[0].replace('_', '-')} applies to generated data "
            "only; drop it with --data."
        )
    files_only = [
        name
        for name in ("labels", "window", "step", "channels")
        if getattr(args, name) is not None
    ]
    if files_only and (args.data is None or args.data.endswith(".npz")):
        raise UsageError(
            f"--{files_only[0]} applies to waveform files (--data 'dir/*.mseed') only."
        )
    if args.step is not None and args.window is None:
        raise UsageError("--step needs --window (the window length in seconds).")
    if args.bandpass is not None:
        fmin, fmax = args.bandpass
        if fmin >= fmax:
            raise UsageError(f"--bandpass {fmin:g} {fmax:g}: FMIN must be < FMAX.")
        from_files = args.data is not None and not args.data.endswith(".npz")
        if args.sampling_rate is None and not from_files:
            raise UsageError(
                "--bandpass needs the sampling rate: give --sampling-rate HZ for "
                ".npz or generated data."
            )


def check_out_dir(out):
    """``out`` is, or can become, a writable folder."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"--out {out}: is an existing file; give a folder.")
    parent = os.path.abspath(out)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise UsageError(f"--out {out}: {parent} is a file, not a folder.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(
            f"--out {out}: {parent} is not writable; choose another folder."
        )


def check_device(device):
    """The torch device exists on this machine."""
    import torch

    if device == "auto":
        return
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError) as exc:
        raise UsageError(
            f"--device {device}: not a torch device ({exc}); use auto, cpu or cuda."
        ) from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise UsageError(
            f"--device {device}: torch {torch.__version__} sees no CUDA GPU here; "
            "use --device cpu (or auto)."
        )
    if kind == "cuda" and ":" in device:
        index = torch.device(device).index or 0
        if index >= torch.cuda.device_count():
            raise UsageError(
                f"--device {device}: only {torch.cuda.device_count()} GPU(s) here."
            )
    if kind == "mps" and not torch.backends.mps.is_available():
        raise UsageError(f"--device {device}: MPS is not available; use cpu.")


def parse_minority(text, y):
    """The label ``text`` names, in the dtype of ``y`` (``"2"`` -> 2 for ints)."""
    if text is None:
        return None
    y = np.asarray(y)
    try:
        value = np.array([text]).astype(y.dtype)[0].item()
    except (ValueError, TypeError):
        value = None
    classes = np.unique(y).tolist()
    if value is None or value not in classes:
        raise UsageError(
            f"--minority {text!r} is not a class of y; classes are {classes}."
        )
    return value


def check_folds(folds, y):
    """Every class must give each test fold at least one sample."""
    labels, counts = np.unique(y, return_counts=True)
    smallest = int(counts.min())
    if folds > smallest:
        label = labels[int(np.argmin(counts))]
        label = label.item() if isinstance(label, np.generic) else label
        raise UsageError(
            f"--folds {folds}: class {label!r} has only {smallest} samples, so some "
            f"test folds would hold none of it (its F1 would be 0 by construction); "
            f"use --folds between 2 and {smallest}."
        )


def check_sample_shape_fits(classifier, sample_shape):
    """The classifier's network takes samples of this shape (no fit needed)."""
    check = getattr(classifier, "_module_input_shape", None)
    if check is None:
        return
    try:
        check(tuple(sample_shape))
    except ValueError as exc:
        raise UsageError(
            f"samples of shape {tuple(sample_shape)} do not fit "
            f"{type(classifier).__name__}: {exc}"
        ) from None


# ----------------------------------------------------------------------- data


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
    return X, y


def _load_waveform_files(path, labels_path, **options):
    from sklearn_seismo.datasets import load_waveforms

    if labels_path is None:
        raise UsageError(
            f"--data {path}: waveform files need --labels CSV (a 'label' column, "
            "one row per window); or pass a .npz with X and y."
        )
    options = {k: v for k, v in options.items() if v is not None}
    try:
        bunch = load_waveforms(path, **options)
    except Exception as exc:  # obspy raises many types for unreadable files
        raise UsageError(f"--data {path}: cannot read waveforms ({exc}).") from None
    try:
        with open(labels_path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise UsageError(f"--labels {labels_path}: cannot read it ({exc}).") from None
    if not rows or "label" not in rows[0]:
        raise UsageError(
            f"--labels {labels_path}: needs a header with a 'label' column."
        )
    y = np.array([r["label"] for r in rows])
    if len(y) != len(bunch.data):
        raise UsageError(
            f"--labels {labels_path}: {len(y)} labels for {len(bunch.data)} "
            f"windows read from {path}; give one label per window, in load order."
        )
    return bunch.data, y, bunch.sampling_rate


def load_data(
    path=None,
    *,
    labels=None,
    window=None,
    step=None,
    channels=None,
    sampling_rate=None,
    n_samples=800,
    shape=(32, 32),
    weights=None,
    seed=0,
):
    """Read (or generate) the study's data.

    Returns
    -------
    data : Bunch
        ``X``, ``y``, ``source`` (a description), ``layout`` (``"gathers"``,
        ``"waveforms"`` or ``"auto"`` when only the shape can tell) and
        ``sampling_rate`` (None when unknown).
    """
    if path is None:
        from sklearn_seismo.datasets import make_shot_gathers

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
    is_glob = any(c in path for c in "*?[")
    if not is_glob and not os.path.exists(path):
        raise UsageError(f"--data {path}: no such file.")
    if path.endswith(".npz"):
        X, y = _load_npz(path)
        layout, rate = "auto", sampling_rate
    else:
        X, y, rate = _load_waveform_files(
            path,
            labels,
            window=window,
            step=step,
            channels=tuple(channels) if channels else None,
            sampling_rate=sampling_rate,
        )
        layout = "waveforms"
    counts = {str(c): int(n) for c, n in zip(*np.unique(y, return_counts=True))}
    if len(counts) < 2:
        raise UsageError(f"--data {path}: y has a single class {counts}; need >= 2.")
    return Bunch(
        X=X,
        y=y,
        source=f"{path} (classes: {counts})",
        layout=layout,
        sampling_rate=rate,
    )


def preprocess(X, *, waveform, bandpass=None, normalize=None, sampling_rate=None):
    """Stateless per-sample filtering and scaling (no information across samples)."""
    from sklearn_seismo.preprocessing import Bandpass, Normalize

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


def _is_waveform(sample_shape, layout):
    if layout != "auto":
        return layout == "waveforms"
    # --layout overrides the guess GlowOversampler(n_dim="auto") makes too
    return is_waveform_shape(sample_shape)


def _flow_n_dim(sample_shape, waveform):
    # the flow follows the layout the classifier was chosen for, rather than
    # guessing it again from the sample shape (n_dim="auto")
    return 1 if waveform or len(sample_shape) == 1 else 2


def make_estimators(cfg, sample_shape, *, layout="auto", device="auto", seed=0):
    """Classifier and glow templates of the configuration ``cfg``."""
    from sklearn_seismo.over_sampling import GlowOversampler

    clf_params = dict(cfg["classifier"], device=device, random_state=seed)
    waveform = _is_waveform(sample_shape, layout)
    if waveform:
        from sklearn_seismo.neural import ResNetClassifier as Classifier
    else:
        from sklearn_seismo.neural import MiniceptionClassifier as Classifier
    known = Classifier().get_params(deep=False)
    clf = Classifier(**{k: v for k, v in clf_params.items() if k in known})
    n_dim = _flow_n_dim(sample_shape, waveform)
    glow = GlowOversampler(**cfg["glow"], n_dim=n_dim, device=device, random_state=seed)
    return clf, glow


def apply_overrides(cfg, args):
    """Copy the options given on the command line into ``cfg``.

    Returns the names of the entries changed (for the header).
    """
    changed = []
    for key in ("arms", "folds", "n_synthetic", "n_samples", "shape", "sweep"):
        value = getattr(args, key)
        if value is not None and value != cfg[key]:
            cfg[key] = value
            changed.append(key)
    if args.sweep_sizes is not None and tuple(args.sweep_sizes) != tuple(
        cfg["sweep_sizes"]
    ):
        cfg["sweep_sizes"] = args.sweep_sizes
        changed.append("sweep_sizes")
    for option, section, key in (
        ("epochs", "classifier", "max_epochs"),
        ("lr", "classifier", "lr"),
        ("batch_size", "classifier", "batch_size"),
        ("flow_epochs", "glow", "max_epochs"),
    ):
        value = getattr(args, option)
        if value is not None and value != cfg[section].get(key):
            cfg[section][key] = value
            changed.append(option)
    if args.epochs is not None:
        cfg["sweep_classifier"]["max_epochs"] = args.epochs
    if args.k_neighbors != 5:
        changed.append("k_neighbors")
    cfg["k_neighbors"] = args.k_neighbors
    return changed


def _describe_config(cfg, changed, args):
    name = f"{cfg['name']} config"
    if args.data is not None:
        changed = [c for c in changed if c not in ("n_samples", "shape")]
    if not changed:
        return name
    shown = []
    for key in changed:
        value = getattr(args, key, None)
        if key in ("shape",):
            value = "x".join(map(str, value))
        elif isinstance(value, (tuple, list)):
            value = ",".join(map(str, value))
        shown.append(f"{key.replace('_', '-')}={value}")
    return f"{name} with {' '.join(shown)}"


# ----------------------------------------------------------- reproducibility


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(n_threads):
    """Versions, threads and machine: what a rerun needs to match bit for bit."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for package in (
        "sklearn-seismo",
        "torch",
        "numpy",
        "scipy",
        "scikit-learn",
        "imbalanced-learn",
        "skorch",
        "obspy",
    ):
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return {
        "versions": versions,
        "torch_threads_per_fit": n_threads,
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.machine()}",
    }


# ----------------------------------------------------------------- execution


def _dask_client(args, stack):
    """A client of the given scheduler, or of a local cluster on 127.0.0.1."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(
            "--backend dask needs dask.distributed: pip install 'dask[distributed]'."
        ) from None
    if args.scheduler:
        try:
            client = Client(args.scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(
                f"--scheduler {args.scheduler}: cannot reach it ({exc}); start one "
                "with `dask scheduler`, or drop --scheduler for a local cluster."
            ) from None
        return stack.enter_context(client)
    import joblib

    n_workers = joblib.effective_n_jobs(args.n_jobs)
    cluster = stack.enter_context(
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    )
    return stack.enter_context(Client(cluster))


# Warnings of the main process that the CLIs report themselves: failed fits
# are listed in report.md (and on screen by the study CLI).
_REPORTED_ELSEWHERE = r".* failed, scores recorded as NaN"


@contextmanager
def _silence_reported_elsewhere():
    """Ignore the main process's warnings that the CLIs report themselves.

    Only the messages of ``_REPORTED_ELSEWHERE``: any other warning (the
    flow's "undertrained" one, a user's) still reaches the user. The fits'
    own warnings are recorded per fit by ``fit_and_score`` and listed in the
    reports.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_REPORTED_ELSEWHERE)
        yield


def main(argv=None):
    """Run the study from the command line; returns the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments (``sys.argv[1:]`` when None).

    Returns
    -------
    status : int
        0 on success; 1 when an arm failed on every fold (the report is still
        written). Bad options or data are found before any fit and exit with
        status 2 and a message (``argparse``), never a traceback.
    """
    from . import _suite

    if _suite.wants_suite(sys.argv[1:] if argv is None else argv):
        return _suite.main(argv)

    parser = build_parser()
    args = parser.parse_args(argv)
    argv = list(sys.argv[1:] if argv is None else argv)
    with ExitStack() as stack:
        try:
            return _run(args, argv, stack)
        except UsageError as exc:
            parser.error(str(exc))


def _run(args, argv, stack):
    from sklearn_seismo.utils import torch_threads

    from ._report import format_study_table, format_warnings, write_report
    from ._study import run_study
    from ._sweep import run_sweep

    t_start = time.perf_counter()
    cfg = get_config("paper" if args.paper else "quick")
    changed = apply_overrides(cfg, args)
    check_options(args)
    try:
        n_threads = torch_threads(
            _n_workers(args.n_jobs, args.backend), n_threads=args.torch_threads
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    data = load_data(
        args.data,
        labels=args.labels,
        window=args.window,
        step=args.step,
        channels=args.channels,
        sampling_rate=args.sampling_rate,
        n_samples=cfg["n_samples"],
        shape=cfg["shape"],
        weights=cfg["weights"],
        seed=args.seed,
    )
    X, y = data.X, data.y
    sample_shape = tuple(X.shape[1:])
    layout = args.layout if args.layout != "auto" else data.layout
    waveform = _is_waveform(sample_shape, layout)
    minority = parse_minority(args.minority, y)
    check_folds(cfg["folds"], y)
    X = preprocess(
        X,
        waveform=waveform,
        bandpass=args.bandpass,
        normalize=args.normalize,
        sampling_rate=data.sampling_rate,
    )
    clf, glow = make_estimators(
        cfg, sample_shape, layout=layout, device=args.device, seed=args.seed
    )
    check_sample_shape_fits(clf, sample_shape)
    scheduler = _dask_client(args, stack) if args.backend == "dask" else None
    verbose = 0 if args.quiet else 1
    print(
        f"seismo-study ({_describe_config(cfg, changed, args)}): {len(X)} samples "
        f"of {sample_shape} from {data.source}; {cfg['folds']} folds x "
        f"{len(cfg['arms'])} arms, {cfg['n_synthetic']} synthetic per fold; "
        f"{n_threads} torch thread(s) per fit.",
        flush=True,
    )
    # one pretraining per fold, shared by the glow arms and the sweep's sizes
    # (a private folder: joblib's cache pickles are trusted code)
    flow_cache = stack.enter_context(tempfile.TemporaryDirectory(prefix="seismo-"))
    common = dict(
        classifier=clf,
        glow=glow,
        memory=Memory(flow_cache, verbose=0),
        minority=minority,
        k_neighbors=cfg["k_neighbors"],
        n_jobs=args.n_jobs,
        backend=args.backend,
        scheduler=scheduler,
        n_threads=n_threads,
        random_state=args.seed,
        verbose=verbose,
    )
    # failed fits are listed below and in report.md
    with _silence_reported_elsewhere():
        result = run_study(
            X,
            y,
            arms=cfg["arms"],
            cv=cfg["folds"],
            n_synthetic=cfg["n_synthetic"],
            augmenter=default_augmenter(sample_shape, time_axis=-1 if waveform else 1),
            **common,
        )
        t_study = time.perf_counter() - t_start
        sweep = None
        if cfg["sweep"]:
            sweep_clf = clone(clf).set_params(
                **{
                    k: v
                    for k, v in cfg["sweep_classifier"].items()
                    if k in clf.get_params(deep=False)
                }
            )
            sweep = run_sweep(
                X,
                y,
                sizes=cfg["sweep_sizes"],
                methods=[m for m in ("glow", "smote") if m in cfg["arms"]]
                or ["glow", "smote"],
                n_runs=cfg["sweep_runs"],
                **dict(common, classifier=sweep_clf),
            )
    wall = time.perf_counter() - t_start
    config = {
        "command": "seismo-study " + " ".join(argv),
        "config": cfg,
        "data": data.source,
        "preprocessing": {"bandpass": args.bandpass, "normalize": args.normalize},
        "sample_shape": sample_shape,
        "layout": "waveforms" if waveform else "gathers",
        "minority": result.minority,
        "classifier": repr(clf),
        "glow": repr(glow),
        "n_jobs": args.n_jobs,
        "backend": args.backend,
        "seed": args.seed,
        "environment": environment(n_threads),
    }
    timing = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "wall_time_s": round(wall, 1),
        "study_time_s": round(t_study, 1),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    paths = write_report(result, args.out, sweep=sweep, config=config, timing=timing)
    print()
    print(format_study_table(result))
    skipped = dict(result.skipped_arms)
    notes = list(result.notes)
    if sweep is not None:
        skipped.update({f"{m} (sweep)": r for m, r in sweep.skipped_methods.items()})
        notes += [f"sweep: {note}" for note in sweep.notes]
    for arm, reason in skipped.items():
        print(f"\narm {arm} skipped: {reason}")
    for note in notes:
        print(f"\nnote: {note}")
    _print_failed_fits(result)
    lines = format_warnings(
        [("", result.warnings)] + ([(" (sweep)", sweep.warnings)] if sweep else [])
    )
    if lines and args.verbose:
        print("\nwarnings raised by the fits (message: count):")
        print("\n".join(f"  {line}" for line in lines))
    elif lines and not args.quiet:
        n = sum(int(re.search(r"\(x(\d+)\)$", line).group(1)) for line in lines)
        print(
            f"\n{n} warning(s) raised by the fits, listed in report.md (-v prints them)"
        )
    names = ", ".join(sorted(paths))
    print(
        f"\nwall time {wall:.0f} s (study {t_study:.0f} s); files in {args.out}: "
        f"{names}"
    )
    dead = _failed_arms(result)
    if dead:
        print(
            f"\nerror: arm(s) {', '.join(dead)} failed on every fold; see the "
            "messages above and report.md.",
            file=sys.stderr,
        )
        return 1
    return 0


def _n_workers(n_jobs, backend):
    import joblib

    if backend == "dask":
        return 1  # threads follow each dask worker's host (see run_study)
    return max(1, joblib.effective_n_jobs(n_jobs))


def _print_failed_fits(result, where=""):
    """Print the failed fits of one study result (the CLIs silence their warnings)."""
    if result.errors:
        print(
            f"\n{len(result.errors)} fit(s) failed{where} (not averaged), "
            "see report.md:"
        )
        for row in result.errors:
            print(f"  {row['arm']} fold {row['fold']}: {row['error']}")


def _failed_arms(result):
    dead = []
    for arm in result.arms:
        rows = [r for r in result.scores if r["arm"] == arm]
        if rows and all(r.get("error") for r in rows):
            dead.append(arm)
    return dead + list(result.get("skipped_arms") or {})
