"""Benchmark of ``sklearn_seismo.datasets.make_shot_gathers``.

Measures

1. generation time of the default data set (5,223 gathers of 64 x 64) against
   the 10 s target, with two peers timed in the same process, interleaved:
   ``sklearn.datasets.make_classification`` of the same size (5,223 x 4,096)
   and a naive generator that calls pylops' event functions once per gather;
2. what plain classifiers reach on the default data set (stratified 5-fold
   CV, per-class F1 and balanced accuracy), so users know the rare class is
   not solved without resampling.

Writes ``benchmarks/results/datasets.md`` and ``datasets.png``.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_datasets.py [--quick]``
"""

import numpy as np
from _harness import (
    argument_parser,
    command_line,
    header,
    report_path,
    timed,
    write_report,
)
from pylops.utils.seismicevents import hyperbolic2d, linear2d
from pylops.utils.wavelets import ricker
from scipy.signal import butter, sosfiltfilt
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_seismo.datasets import make_shot_gathers

CLASSES = ["good", "medium", "bad"]


def naive_generator(n, shape=(64, 64), seed=0):
    """Peer: pylops events and wavelet built once per gather (no bank)."""
    rng = np.random.default_rng(seed)
    nt, nx = shape
    t = np.arange(nt) * 3.584 / nt
    x = 150 + np.arange(nx) * 8000 / nx
    out = np.empty((n, nt, nx), dtype=np.float32)
    for i in range(n):
        w, _, _ = ricker(t[:21], f0=rng.uniform(1.5, 3.6))
        k = rng.integers(3, 9)
        t0 = np.sort(rng.uniform(0.2, 3.4, k + 2))
        v = np.maximum.accumulate(1500 + 700 * t0)
        _, d = hyperbolic2d(x, t, tuple(t0), tuple(v), tuple(np.ones(k + 2)), w)
        _, d2 = linear2d(x, t, 1500.0, 0.0, 90.0, 1.0, w)
        out[i] = (d + d2).T
    return out


def gather_features(X):
    """14 simple per-gather features (trace RMS, spikes, low-frequency power)."""
    n, nt, nx = X.shape
    rms = np.sqrt(np.mean(X**2, axis=1))  # (n, nx)
    med = np.median(rms, axis=1, keepdims=True) + 1e-6
    rel = rms / med
    peak = np.abs(X).max(axis=1) / (rms + 1e-6)
    sos = butter(4, 0.15, output="sos")
    low = sosfiltfilt(sos, X, axis=1)
    low_rms = np.sqrt(np.mean(low**2, axis=1))
    low_frac = low_rms / (rms + 1e-6)
    feats = [
        rms.mean(1),
        rms.max(1),
        rel.max(1),
        (rel > 2).sum(1),
        (rel < 0.05).sum(1),
        np.log(rel.min(1) + 1e-6),
        peak.max(1),
        (peak > 8).sum(1),
        low_rms.max(1),
        low_rms.mean(1),
        (low_rms > 1).sum(1),
        low_frac.max(1),
        np.abs(X).max(axis=(1, 2)),
        np.abs(np.diff(rms, axis=1)).max(1),
    ]
    return np.column_stack(feats)


def cpu_seconds(fn, *args, **kwargs):
    # CPU time of this process: robust to other jobs on the shared machine,
    # and equal to wall time for these single-threaded generators.
    return timed(fn, *args, **kwargs)[1].cpu_s


def bench_speed(repeats, n):
    times = {"make_shot_gathers": [], "make_classification": [], "naive": []}
    n_naive = min(n, 500)
    for r in range(repeats):
        # Interleaved A/B/C repeats: the CPU is shared with other jobs.
        times["make_shot_gathers"].append(
            cpu_seconds(make_shot_gathers, n, random_state=r)
        )
        times["make_classification"].append(
            cpu_seconds(
                make_classification,
                n,
                n_features=64 * 64,
                n_informative=20,
                n_classes=3,
                weights=[0.6668, 0.3154],
                random_state=r,
            )
        )
        times["naive"].append(
            cpu_seconds(naive_generator, n_naive, seed=r) * n / n_naive
        )
    return times


def bench_difficulty(n, n_splits, difficulties=(0.0, 0.25, 0.5, 0.75, 1.0)):
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=0)
    rows = []
    for d in difficulties:
        X, y = make_shot_gathers(n, difficulty=d, random_state=0)
        pred = cross_val_predict(
            HistGradientBoostingClassifier(random_state=0), gather_features(X), y, cv=cv
        )
        f1 = f1_score(y, pred, labels=CLASSES, average=None)
        rows.append((d, *f1, balanced_accuracy_score(y, pred)))
    return rows


def bench_quality(n, n_splits):
    X, y = make_shot_gathers(n, random_state=0)
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=0)
    models = {
        "HistGradientBoosting on 14 gather features": (
            HistGradientBoostingClassifier(random_state=0),
            gather_features(X),
        ),
        "LogisticRegression on flattened 64x64": (
            make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=300)),
            X.reshape(len(X), -1),
        ),
    }
    rows = []
    for name, (model, feats) in models.items():
        pred = cross_val_predict(model, feats, y, cv=cv)
        f1 = f1_score(y, pred, labels=CLASSES, average=None)
        rows.append((name, *f1, balanced_accuracy_score(y, pred)))
    return rows


def main(argv=None):
    args = argument_parser(__doc__).parse_args(argv)  # --quick: fewer repeats
    repeats = 1 if args.quick else 3
    n = 5223
    times = bench_speed(repeats, n)
    rows = bench_quality(n, 5)
    sweep = bench_difficulty(n, 5)

    best = {k: min(v) for k, v in times.items()}
    cmd = command_line(__file__, argv)
    lines = [
        *header(
            "make_shot_gathers benchmark",
            cmd,
            packages=("numpy", "scipy", "pylops", "obspy"),
        ),
        f"- repeats: {repeats} interleaved, best reported (all: see below)",
        "",
        "## Generation time, 5,223 gathers of 64 x 64 (target < 10 s)",
        "",
        "| generator | best CPU time (s) | ratio to make_shot_gathers |",
        "|---|---|---|",
    ]
    for k, v in best.items():
        lines.append(f"| {k} | {v:.2f} | {v / best['make_shot_gathers']:.2f} |")
    lines += [
        "",
        "`naive` = pylops `hyperbolic2d`/`linear2d` + `ricker` per gather "
        "(events only, no artefacts), timed on 500 gathers and scaled to 5,223. "
        "`make_classification` draws the same number of float64 values "
        "(5,223 x 4,096).",
        "",
        "All times (s): "
        + "; ".join(
            f"{k}: {', '.join(f'{t:.2f}' for t in v)}" for k, v in times.items()
        ),
        "",
        "## Plain classifiers on the default data set (stratified 5-fold CV)",
        "",
        "`make_shot_gathers(5223, random_state=0)` (difficulty=0.5), no resampling.",
        "",
        "| model | F1 good | F1 medium | F1 bad | balanced accuracy |",
        "|---|---|---|---|---|",
    ]
    for name, *vals in rows:
        lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    lines += [
        "",
        "## Effect of `difficulty` (HistGradientBoosting on 14 gather features)",
        "",
        "| difficulty | F1 good | F1 medium | F1 bad | balanced accuracy |",
        "|---|---|---|---|---|",
    ]
    for d, *vals in sweep:
        lines.append(f"| {d:.2f} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    lines += [
        "",
        "The features: trace-RMS statistics (dead and over-amplified traces), "
        "peak-to-RMS ratios (spikes) and low-pass (< 15 % of Nyquist) trace "
        "power (swell); see `gather_features` in the script.",
        "",
    ]
    out = report_path(args, "datasets.md")
    write_report(out, lines)
    print("\n".join(lines))

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no PNG written (pip install matplotlib)")
        return
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 2.8))
    names = list(best)
    ax.barh(names, [best[k] for k in names], color=["C0", "C7", "C3"])
    ax.axvline(10, color="k", ls="--", lw=1, label="10 s target")
    ax.set_xlabel("CPU s for 5,223 x 64 x 64 (best of repeats)")
    ax.legend(loc="lower right", fontsize=8)
    d = [r[0] for r in sweep]
    for k, cls in enumerate(CLASSES):
        ax2.plot(d, [r[1 + k] for r in sweep], "o-", label=f"F1 {cls}")
    ax2.plot(d, [r[4] for r in sweep], "k--", label="balanced acc.")
    ax2.set_xlabel("difficulty (HistGradientBoosting, 5-fold CV)")
    ax2.set_ylim(0, 1.02)
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=80)


if __name__ == "__main__":
    main()
