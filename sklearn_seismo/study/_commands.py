"""The two commands of the command line: ``run`` (one study) and ``suite``.

Each command checks its options (cheap checks first, then the data), builds
the estimators with :func:`build_estimators`, calls the library function
(:func:`run_study` and :func:`run_sweep`, or :func:`run_suite`) and writes its
report. The library functions import nothing from here.
"""

import copy
import math
import os
import platform
import re
import shutil
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from datetime import datetime, timezone

import joblib
import numpy as np
from joblib import Memory
from sklearn.base import clone

from ..utils._torch import torch_threads
from ..utils.environment import run_environment
from ._checks import (
    UsageError,
    check_allocation,
    check_device,
    check_folder,
    check_folds,
    check_sample_shape_fits,
    parse_minority,
)
from ._config import get_config
from ._dask import dask_client
from ._data import load_data, preprocess
from ._estimators import build_estimators, is_waveform
from ._outdir import OutputFolder, save_scores
from ._report import (
    conclusion_statements,
    format_study_table,
    format_warnings,
    write_report,
)
from ._study import run_study
from ._suite import SUITES, check_rank_metric, run_suite, user_benchmark
from ._suite_report import significance_statements, write_suite_report
from ._sweep import run_sweep

__all__ = ["run_command", "suite_command"]


# ---------------------------------------------------------------- checks


def _from_files(args):
    return bool(args.data) and not any(p.endswith(".npz") for p in args.data)


def _out_folder(args):
    # a cache folder kept inside --out is not an earlier run's output
    cache = getattr(args, "cache", None)
    ignore = ()
    if cache is not None and os.path.dirname(os.path.abspath(cache)) == os.path.abspath(
        args.out
    ):
        ignore = (os.path.basename(os.path.abspath(cache)),)
    return OutputFolder(args.out, overwrite=args.overwrite, ignore=ignore)


def check_common_options(args):
    """Checks of the options both commands take; no data is read."""
    _out_folder(args).check()
    if getattr(args, "cache", None) is not None:
        check_folder(args.cache, "--cache")
    check_device(args.device)
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler needs --backend dask.")
    files_only = [
        name
        for name in _READER_OPTIONS + ("labels",)
        if getattr(args, name) is not None
    ]
    if files_only and not _from_files(args):
        raise UsageError(
            f"--{files_only[0].replace('_', '-')} applies to waveform files "
            "(--data 'dir/*.mseed') only."
        )
    if args.step is not None and args.window is None:
        raise UsageError("--step needs --window (the window length in seconds).")
    if args.bandpass is not None:
        fmin, fmax = args.bandpass
        if fmin >= fmax:
            raise UsageError(f"--bandpass {fmin:g} {fmax:g}: FMIN must be < FMAX.")
        if args.sampling_rate is None and not _from_files(args):
            raise UsageError(
                "--bandpass needs the sampling rate: give --sampling-rate HZ for "
                ".npz or generated data."
            )


def _check_run_options(args, cfg):
    check_common_options(args)
    generated_only = [
        name for name in ("n_samples", "shape") if getattr(args, name) is not None
    ]
    if args.data is not None and generated_only:
        raise UsageError(
            f"--{generated_only[0].replace('_', '-')} applies to generated data "
            "only; drop it with --data."
        )
    if args.data is None:
        check_allocation(
            cfg["n_samples"],
            cfg["shape"],
            what="--n-samples/--shape",
            fix="lower --n-samples or --shape",
        )


# ----------------------------------------------------------------- helpers


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


def _n_workers(n_jobs, backend):
    if backend == "dask":
        return 1  # threads follow each dask worker's host (see run_study)
    return max(1, joblib.effective_n_jobs(n_jobs))


def _cli_dask_client(args, stack):
    """The client of --scheduler, or of a local cluster of --n-jobs workers."""
    n_workers = None if args.scheduler else joblib.effective_n_jobs(args.n_jobs)
    try:
        client, owned = dask_client(args.scheduler, n_workers=n_workers)
    except ImportError as exc:
        raise UsageError(f"--backend dask: {exc}") from None
    except ValueError as exc:
        raise UsageError(f"--scheduler {args.scheduler}: {exc}") from None
    if owned:
        stack.callback(client.close)
    return client


# Warnings of the main process that the CLIs report themselves: failed fits
# are listed in report.md (and on screen).
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


def _publish(out, write, scores):
    """Write the report through ``out``; on failure save ``scores`` and say where.

    Returns the written paths, or None when the report failed (the caller
    exits with status 1).
    """
    staging = None
    try:
        staging = out.staging()
        return out.publish(staging, write(staging))
    except Exception as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        saved = save_scores(scores, out.path)
        where = (
            f"the computed scores are saved in {saved}"
            if saved
            else "the scores could not be saved either"
        )
        print(
            f"\nerror: writing the report to {out.path} failed "
            f"({type(exc).__name__}: {exc}); {where}.",
            file=sys.stderr,
        )
        return None


#: load_waveforms options given as flags of the same name (--on-gap ...).
_READER_OPTIONS = (
    "window",
    "step",
    "channels",
    "on_gap",
    "on_missing",
    "format",
    "max_decompressed_bytes",
)


def _read_data(args, **generated):
    return load_data(
        args.data,
        labels=args.labels,
        sampling_rate=args.sampling_rate,
        **{name: getattr(args, name) for name in _READER_OPTIONS},
        **generated,
    )


# --------------------------------------------------------------------- run


def run_command(args, argv, stack):
    """``seismo-study run``: one cross-validated study (and the sweep)."""
    t_start = time.perf_counter()
    cfg = get_config("paper" if args.paper else "quick")
    changed = apply_overrides(cfg, args)
    _check_run_options(args, cfg)
    try:
        n_threads = torch_threads(
            _n_workers(args.n_jobs, args.backend), n_threads=args.torch_threads
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    data = _read_data(
        args,
        n_samples=cfg["n_samples"],
        shape=cfg["shape"],
        weights=cfg["weights"],
        seed=args.seed,
    )
    X, y = data.X, data.y
    sample_shape = tuple(X.shape[1:])
    layout = args.layout if args.layout != "auto" else data.layout
    waveform = is_waveform(sample_shape, layout)
    minority = parse_minority(args.minority, y)
    check_folds(cfg["folds"], y)
    X = preprocess(
        X,
        waveform=waveform,
        bandpass=args.bandpass,
        normalize=args.normalize,
        sampling_rate=data.sampling_rate,
    )
    clf, glow, augmenter = build_estimators(
        sample_shape,
        waveform=waveform,
        classifier=cfg["classifier"],
        glow=cfg["glow"],
        device=args.device,
        seed=args.seed,
    )
    check_sample_shape_fits(clf, sample_shape)
    out = stack.enter_context(_out_folder(args))
    scheduler = _cli_dask_client(args, stack) if args.backend == "dask" else None
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
            augmenter=augmenter,
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
        "environment": run_environment(n_threads),
    }
    timing = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "wall_time_s": round(wall, 1),
        "study_time_s": round(t_study, 1),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    paths = _publish(
        out,
        lambda folder: write_report(
            result, folder, sweep=sweep, config=config, timing=timing
        ),
        {
            "command": config["command"],
            "scores": result.scores,
            "sweep": None if sweep is None else sweep.scores,
        },
    )
    if paths is None:
        return 1
    print()
    print(format_study_table(result))
    print()
    print("\n".join(conclusion_statements(result)))
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


# ------------------------------------------------------------------- suite


def _suite_config(args):
    cfg = copy.deepcopy(SUITES[args.suite])
    for key in (
        "protocol",
        "datasets",
        "arms",
        "folds",
        "repeats",
        "seeds",
        "n_samples",
        "n_test",
        "n_synthetic",
    ):
        value = getattr(args, key)
        if value is not None:
            cfg[key] = value
    if args.epochs is not None:
        cfg["classifier"]["max_epochs"] = args.epochs
    if args.flow_epochs is not None:
        cfg["glow"]["max_epochs"] = args.flow_epochs
    return cfg


def _fit_and_score_s(result):
    times = [
        row.get(key, math.nan)
        for res in result.per_dataset.values()
        for row in res.scores
        for key in ("fit_time", "score_time")
    ]
    return math.fsum(t for t in times if np.isfinite(t))


def _check_suite_options(args, cfg):
    check_common_options(args)
    if not 0 < args.alpha < 1:
        raise UsageError(f"--alpha must lie in (0, 1), got {args.alpha}.")
    try:
        check_rank_metric(args.rank_metric)
    except ValueError as exc:
        raise UsageError(f"--rank-metric: {exc}") from None
    if args.data is not None and cfg["protocol"] != "cv":
        raise UsageError(
            "--data has no independent test set: use --protocol cv with it."
        )


def _user_dataset(args):
    data = _read_data(args)
    X = data.X
    guess = args.layout if args.layout != "auto" else data.layout
    layout = "waveforms" if is_waveform(X.shape[1:], guess) else "gathers"
    X = preprocess(
        X,
        waveform=layout == "waveforms",
        bandpass=args.bandpass,
        normalize=args.normalize,
        sampling_rate=data.sampling_rate,
    )
    one = args.data[0] if len(args.data) == 1 else ""
    name = os.path.splitext(os.path.basename(one))[0] if os.path.isfile(one) else ""
    return user_benchmark(name or "data", X, data.y, layout)


def suite_command(args, argv, stack):
    """``seismo-study suite``: every arm on several data sets, ranked."""
    cfg = _suite_config(args)
    _check_suite_options(args, cfg)
    datasets = list(cfg["datasets"])
    if args.data is not None:
        datasets = [_user_dataset(args)] + (
            list(args.datasets) if args.datasets is not None else []
        )
    out = stack.enter_context(_out_folder(args))
    scheduler = _cli_dask_client(args, stack) if args.backend == "dask" else None
    t0 = time.perf_counter()
    # failed fits are listed in each data set's report.md
    with _silence_reported_elsewhere():
        try:
            result = run_suite(
                datasets,
                protocol=cfg["protocol"],
                arms=cfg["arms"],
                n_samples=cfg["n_samples"],
                n_test=cfg["n_test"],
                folds=cfg["folds"],
                repeats=cfg["repeats"],
                seeds=cfg["seeds"],
                n_synthetic=cfg["n_synthetic"],
                classifier=cfg["classifier"],
                glow=cfg["glow"],
                rank_metric=args.rank_metric,
                alpha=args.alpha,
                cache=args.cache,
                n_jobs=args.n_jobs,
                n_threads=args.torch_threads,
                backend=args.backend,
                scheduler=scheduler,
                device=args.device,
                random_state=args.seed,
                verbose=0 if args.quiet else 1,
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    wall = time.perf_counter() - t0
    config = {
        "command": "seismo-study " + " ".join(argv),
        "suite": cfg,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_time_s": round(wall, 1),
        # a resumed run's wall time misses the fits read from the cache; each
        # fit's own times, recorded when it ran, do not
        "fit_and_score_s": round(_fit_and_score_s(result), 1),
        "n_jobs": args.n_jobs,
        "backend": args.backend,
        "cache": args.cache,
        "environment": run_environment(),
    }
    paths = _publish(
        out,
        lambda folder: write_suite_report(result, folder, config=config),
        {
            "command": config["command"],
            "scores": {name: res.scores for name, res in result.per_dataset.items()},
        },
    )
    if paths is None:
        return 1
    print("\n".join(significance_statements(result)))
    print("\n".join(conclusion_statements(result, alpha=args.alpha)))
    dead = []
    for name, res in result.per_dataset.items():
        _print_failed_fits(res, where=f" on {name}")
        dead += [f"{arm} on {name}" for arm in _failed_arms(res)]
    print(f"\nwall time {wall:.0f} s; report: {paths['report.md']}")
    if dead:
        print(
            f"\nerror: arm(s) failed on every split: {', '.join(dead)}; see the "
            "messages above and report.md.",
            file=sys.stderr,
        )
        return 1
    return 0
