"""Command line of the study: ``python -m sklearn_seismo.study`` / ``seismo-study``."""

import argparse
import csv
import os
import platform
import sys
import time
import zipfile
from datetime import datetime, timezone

import numpy as np
from sklearn.base import clone

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
                          (--window seconds); labels.csv has a 'label' column
                          with one row per window, in load order

examples:
  python -m sklearn_seismo.study
  python -m sklearn_seismo.study --arms none,glow,smote --folds 3 --n-jobs 2
  python -m sklearn_seismo.study --data gathers.npz --out results/
  python -m sklearn_seismo.study --backend dask --scheduler tcp://10.0.0.1:8786
  python -m sklearn_seismo.study --paper --n-jobs 1   # on a GPU machine
"""


def _shape(text):
    parts = text.replace("x", ",").replace("X", ",").split(",")
    try:
        shape = tuple(int(p) for p in parts if p.strip())
    except ValueError:
        shape = ()
    if not shape or any(s < 1 for s in shape):
        raise argparse.ArgumentTypeError(
            f"invalid shape {text!r}: give positive sizes such as 32x32 or 64,64"
        )
    return shape


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


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def build_parser():
    """The ``argparse`` parser of the command line."""
    p = argparse.ArgumentParser(
        prog="seismo-study",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--data",
        metavar="PATH",
        help="a .npz with X and y, or "
        "waveform files/glob read with load_waveforms (needs --labels)",
    )
    p.add_argument(
        "--labels",
        metavar="CSV",
        help="labels of the waveform "
        "windows: a CSV with a 'label' column, one row per window",
    )
    p.add_argument(
        "--window",
        type=float,
        metavar="SECONDS",
        help="window length for waveform files (load_waveforms)",
    )
    p.add_argument(
        "--layout",
        choices=("auto", "gathers", "waveforms"),
        default="auto",
        help="samples are gathers (n_time, n_traces) for MiniceptionClassifier, or "
        "waveforms (C, T) for ResNetClassifier; auto: waveform files and 1-D or "
        "<=3-row samples are waveforms, generated data and the rest gathers",
    )
    p.add_argument(
        "--paper",
        action="store_true",
        help="paper configuration: 5,223 gathers of 896x640, 10 folds, "
        "40 classifier epochs, 400 flow epochs (a GPU job)",
    )
    p.add_argument(
        "--arms",
        type=_arms,
        metavar="A,B,...",
        help=f"arms to run, comma separated (default: all of {','.join(ALL_ARMS)})",
    )
    p.add_argument(
        "--folds",
        type=_positive_int,
        metavar="K",
        help="number of stratified folds (quick: 4, paper: 10)",
    )
    p.add_argument(
        "--n-synthetic",
        type=_positive_int,
        metavar="N",
        help="synthetic minority samples per training fold (quick: 100, paper: 600)",
    )
    p.add_argument(
        "--n-samples",
        type=_positive_int,
        metavar="N",
        help="number of synthetic gathers when no --data is given "
        "(quick: 800, paper: 5223)",
    )
    p.add_argument(
        "--shape",
        type=_shape,
        metavar="HxW",
        help="gather shape when no --data is given (quick: 32x32, paper: 896x640)",
    )
    p.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help="classifier epochs, also caps the sweep's (quick: 8, sweep 12 with "
        "early stopping; paper: 40, sweep 100)",
    )
    p.add_argument(
        "--flow-epochs",
        type=_positive_int,
        metavar="N",
        help="GlowOversampler epochs (quick: 60, paper: 400)",
    )
    p.add_argument(
        "--minority",
        metavar="LABEL",
        help="class to oversample (default: the least frequent)",
    )
    p.add_argument(
        "--sweep",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run the number-of-synthetic-samples sweep "
        "(Figure 4) on a 70/10/20 split (default: on)",
    )
    p.add_argument(
        "--sweep-sizes",
        metavar="N,N,...",
        type=_sizes,
        help="sweep sizes (quick: 0,50,100,200; paper: 0,100,...,1000)",
    )
    p.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        metavar="N",
        help="fits run concurrently (-1: all cores); torch threads per "
        "worker are cores // workers (default: 1)",
    )
    p.add_argument(
        "--backend",
        choices=("loky", "dask"),
        default="loky",
        help="joblib backend; dask runs on a dask.distributed cluster",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address, e.g. tcp://10.0.0.1:8786",
    )
    p.add_argument(
        "--device",
        default="auto",
        help="torch device of classifier and flows (default: auto, "
        "a GPU when there is one)",
    )
    p.add_argument(
        "--out",
        default="study_results",
        metavar="DIR",
        help="output folder (default: study_results)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    return p


def _load_npz(parser, path):
    if not zipfile.is_zipfile(path):
        parser.error(
            f"--data {path}: not a readable .npz file (not a zip archive); save "
            "the data with np.savez(path, X=X, y=y)."
        )
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in ("X", "y") if k not in f.files]
            if missing:
                parser.error(
                    f"--data {path}: the .npz lacks array(s) {missing} (it has "
                    f"{f.files}); save it with np.savez(path, X=X, y=y)."
                )
            X, y = f["X"], f["y"]
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "pickle" in str(exc):
            parser.error(
                f"--data {path}: X or y is an object array; save labels as "
                "strings or ints, e.g. np.savez(path, X=X, y=y.astype(str))."
            )
        parser.error(f"--data {path}: not a readable .npz file ({exc}).")
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        parser.error(f"--data {path}: not a readable .npz file ({exc}).")
    if not np.issubdtype(X.dtype, np.number) or X.ndim < 2:
        parser.error(
            f"--data {path}: X must be a numeric array (n_samples, *sample_shape), "
            f"got dtype {X.dtype} and shape {X.shape}."
        )
    if y.ndim != 1 or len(y) != len(X):
        parser.error(
            f"--data {path}: y must hold one label per sample of X, got y of shape "
            f"{y.shape} for X of shape {X.shape}."
        )
    if not np.all(np.isfinite(X)):
        parser.error(f"--data {path}: X holds NaN or infinite values; clean them.")
    return X, y


def _load_waveform_files(parser, path, labels_path, window):
    from sklearn_seismo.datasets import load_waveforms

    if labels_path is None:
        parser.error(
            f"--data {path}: waveform files need --labels CSV (a 'label' column, "
            "one row per window); or pass a .npz with X and y."
        )
    try:
        bunch = load_waveforms(path, window=window)
    except Exception as exc:  # obspy raises many types for unreadable files
        parser.error(f"--data {path}: cannot read waveforms ({exc}).")
    try:
        with open(labels_path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        parser.error(f"--labels {labels_path}: cannot read it ({exc}).")
    if not rows or "label" not in rows[0]:
        parser.error(f"--labels {labels_path}: needs a header with a 'label' column.")
    y = np.array([r["label"] for r in rows])
    if len(y) != len(bunch.data):
        parser.error(
            f"--labels {labels_path}: {len(y)} labels for {len(bunch.data)} "
            f"windows read from {path}; give one label per window, in load order."
        )
    return bunch.data, y


def load_data(parser, args, cfg):
    """X, y and a description of where they come from."""
    if args.data is None:
        from sklearn_seismo.datasets import make_shot_gathers

        if args.layout == "auto":
            args.layout = "gathers"

        X, y = make_shot_gathers(
            cfg["n_samples"],
            shape=cfg["shape"],
            weights=cfg["weights"],
            random_state=args.seed,
        )
        return (
            X,
            y,
            (
                f"make_shot_gathers(n_samples={cfg['n_samples']}, "
                f"shape={cfg['shape']}, random_state={args.seed})"
            ),
        )
    path = args.data
    is_glob = any(c in path for c in "*?[")
    if not is_glob and not os.path.exists(path):
        parser.error(f"--data {path}: no such file.")
    if path.endswith(".npz"):
        X, y = _load_npz(parser, path)
    else:
        X, y = _load_waveform_files(parser, path, args.labels, args.window)
        if args.layout == "auto":
            args.layout = "waveforms"
    counts = {str(c): int(n) for c, n in zip(*np.unique(y, return_counts=True))}
    if len(counts) < 2:
        parser.error(f"--data {path}: y has a single class {counts}; need >= 2.")
    return X, y, f"{path} (classes: {counts})"


def _is_waveform(sample_shape, layout):
    if layout != "auto":
        return layout == "waveforms"
    # .npz data: (T,) or (C, T) with at most 3 components read as waveforms,
    # anything else as gathers; --layout overrides this guess
    return len(sample_shape) == 1 or (len(sample_shape) == 2 and sample_shape[0] <= 3)


def make_estimators(cfg, sample_shape, args):
    """Classifier and glow templates of the configuration."""
    from sklearn_seismo.over_sampling import GlowOversampler

    clf_params = dict(cfg["classifier"], device=args.device, random_state=args.seed)
    waveform = _is_waveform(sample_shape, args.layout)
    if waveform:
        from sklearn_seismo.neural import ResNetClassifier as Classifier
    else:
        from sklearn_seismo.neural import MiniceptionClassifier as Classifier
    known = Classifier().get_params(deep=False)
    clf = Classifier(**{k: v for k, v in clf_params.items() if k in known})
    # the flow follows the layout the classifier was chosen for, rather than
    # guessing it again from the sample shape (n_dim="auto")
    n_dim = 1 if waveform or len(sample_shape) == 1 else 2
    glow = GlowOversampler(
        **cfg["glow"], n_dim=n_dim, device=args.device, random_state=args.seed
    )
    return clf, glow


def _apply_overrides(cfg, args):
    for key, attr in (
        ("arms", "arms"),
        ("folds", "folds"),
        ("n_synthetic", "n_synthetic"),
        ("n_samples", "n_samples"),
        ("shape", "shape"),
        ("sweep", "sweep"),
        ("sweep_sizes", "sweep_sizes"),
    ):
        value = getattr(args, attr)
        if value is not None:
            cfg[key] = value
    if args.epochs is not None:
        cfg["classifier"]["max_epochs"] = args.epochs
        cfg["sweep_classifier"]["max_epochs"] = args.epochs
    if args.flow_epochs is not None:
        cfg["glow"]["max_epochs"] = args.flow_epochs
    return cfg


def main(argv=None):
    """Run the study from the command line; returns the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments (``sys.argv[1:]`` when None).

    Returns
    -------
    status : int
        0 on success. Bad arguments or unreadable data exit with status 2 and a
        message (``argparse``), never a traceback.
    """
    import warnings

    from . import _suite

    if _suite.wants_suite(sys.argv[1:] if argv is None else argv):
        return _suite.main(argv)

    from ._report import format_study_table, write_report
    from ._study import run_study
    from ._sweep import run_sweep

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.backend == "dask" and not args.scheduler:
        parser.error("--backend dask needs --scheduler tcp://host:port.")
    cfg = _apply_overrides(get_config("paper" if args.paper else "quick"), args)
    t_start = time.perf_counter()
    X, y, source = load_data(parser, args, cfg)
    sample_shape = tuple(X.shape[1:])
    minority = args.minority
    if minority is not None and minority not in set(np.asarray(y).tolist()):
        parser.error(f"--minority {minority!r} is not a class of y.")
    clf, glow = make_estimators(cfg, sample_shape, args)
    verbose = 0 if args.quiet else 1
    print(
        f"seismo-study ({cfg['name']} config): {len(X)} samples of {sample_shape} "
        f"from {source}; {cfg['folds']} folds x {len(cfg['arms'])} arms, "
        f"{cfg['n_synthetic']} synthetic per fold.",
        flush=True,
    )
    waveform = _is_waveform(sample_shape, args.layout)
    common = dict(
        classifier=clf,
        glow=glow,
        minority=minority,
        n_jobs=args.n_jobs,
        backend=args.backend,
        scheduler=args.scheduler,
        random_state=args.seed,
        verbose=verbose,
    )
    with warnings.catch_warnings():
        # failed folds are reported in the table and report.md
        warnings.simplefilter("ignore", UserWarning)
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
        "command": "seismo-study "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "config": cfg,
        "data": source,
        "sample_shape": sample_shape,
        "classifier": repr(clf),
        "glow": repr(glow),
        "n_jobs": args.n_jobs,
        "backend": args.backend,
        "seed": args.seed,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_time_s": round(wall, 1),
        "study_time_s": round(t_study, 1),
    }
    paths = write_report(result, args.out, sweep=sweep, config=config)
    print()
    print(format_study_table(result))
    if result.errors:
        print(f"\n{len(result.errors)} fit(s) failed (NaN scores), see report.md:")
        for row in result.errors:
            print(f"  {row['arm']} fold {row['fold']}: {row['error']}")
    names = ", ".join(sorted(paths))
    print(
        f"\nwall time {wall:.0f} s (study {t_study:.0f} s); files in {args.out}: "
        f"{names}"
    )
    return 0
