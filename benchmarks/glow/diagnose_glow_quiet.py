"""Do GlowOversampler's samples keep the gaps and dead traces of the rare class?

The rare class of a seismic quality task is often defined by faults that are
runs of (near) zeros: dead traces, gaps, dead channels. This script measures
how much of that quiet a generator keeps, with
``artefact_ratios(real, synthetic)["quiet_fraction"]``: the mean share of
values at or below 1 % of a sample's RMS among the synthetic samples, divided
by that share among the real rare-class training samples (1 = kept, 0 = all
filled in).

For each data set of the study suite and each of its first ``--seeds``
training sets (the draws of ``--suite full``'s holdout protocol), it fits the
full preset's ``GlowOversampler`` on the training set and compares 300 of its
samples with 300 of SMOTE's and of random oversampling's. On the first
training set it also decodes latent interpolations of random pairs of real
rare samples at several ``lam`` (``GlowOversampler.interpolate``; 0 gives the
first parent back) against the data-space midpoint of the same pairs: how far
from a training point the quiet is lost. The same flows are also sampled with
``quiet_level=0.01`` ("glow quiet"), which copies the nearer parent's quiet
values into each sample.

With ``--cache`` set to the cache folder of a ``--suite full`` run, the flows
come from that cache (seconds); without it every flow is trained (minutes per
training set on 2 cores). Writes ``glow_quiet.md`` and ``glow_quiet.png`` to
``benchmarks/results/``::

    OMP_NUM_THREADS=1 python benchmarks/glow/diagnose_glow_quiet.py --cache CACHE
    python benchmarks/glow/diagnose_glow_quiet.py --quick  # smoke run, report in /tmp
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the harness
from _harness import (  # noqa: E402
    argument_parser,
    command_line,
    header,
    parse_args,
    report_path,
    write_report,
)
from _plots import grouped_bars  # noqa: E402

DATASETS = ("gathers32_easy", "gathers32_hard", "gathers64_easy", "waveform_quality")
SAMPLERS = ("glow", "glow quiet", "smote", "random")
QUIET_LEVEL = 0.01
LAMBDAS = (0.0, 0.01, 0.1, 0.5)
N_SYNTHETIC = 300
N_PAIRS = 200
MINORITY = "bad"


def _glow(bench, sample_shape, cache, preset):
    from sklearn_seismo.over_sampling import GlowOversampler
    from sklearn_seismo.study import SUITES

    # the suite's own glow (its preset, n_dim by layout, seed 0), so that
    # the cache of a suite run with that preset is hit
    waveforms = bench.layout == "waveforms" or len(sample_shape) == 1
    return GlowOversampler(
        **SUITES[preset]["glow"],
        n_dim=1 if waveforms else 2,
        device="cpu",
        memory=cache,
        random_state=0,
    )


def run(name, seed, cache, sweep, preset="full"):
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from sklearn.base import clone

    from sklearn_seismo.datasets import BENCHMARKS
    from sklearn_seismo.metrics import artefact_ratios, artefact_statistics
    from sklearn_seismo.study import AddSamples
    from sklearn_seismo.utils import flatten_samples

    bench = BENCHMARKS[name]
    X, y = bench.holdout[0](bench.n_samples, seed)
    y = np.asarray(y)
    Xf, shape = flatten_samples(np.asarray(X, dtype=np.float32), None)
    time_axis = -1 if bench.layout == "waveforms" else 1
    real = Xf[y == MINORITY].reshape(-1, *shape)
    n_real = len(real)
    strategy = AddSamples(MINORITY, N_SYNTHETIC)
    glow = _glow(bench, shape, cache, preset).set_params(
        sampling_strategy=strategy, sample_shape=shape
    )
    samplers = {
        "glow": glow,
        # same flows (the cache is keyed on the training inputs), other decoding
        "glow quiet": clone(glow).set_params(quiet_level=QUIET_LEVEL),
        "smote": SMOTE(
            sampling_strategy={MINORITY: n_real + N_SYNTHETIC}, random_state=0
        ),
        "random": RandomOverSampler(
            sampling_strategy={MINORITY: n_real + N_SYNTHETIC}, random_state=0
        ),
    }
    row = {"dataset": name, "seed": seed, "n_real": n_real}
    t0 = time.perf_counter()
    for tag, sampler in samplers.items():
        X_res, _ = sampler.fit_resample(Xf, y)
        synth = X_res[len(Xf) :].reshape(-1, *shape)
        ratios = artefact_ratios(real, synth, time_axis=time_axis)
        row[f"{tag} quiet"] = ratios["quiet_fraction"]
        row[f"{tag} crest"] = ratios["crest_factor"]
        row[f"{tag} kurtosis"] = ratios["kurtosis"]
    row["seconds"] = time.perf_counter() - t0
    row["real quiet share"] = float(
        np.mean(artefact_statistics(real, time_axis=time_axis)["quiet_fraction"])
    )
    if sweep:
        rng = np.random.default_rng(0)
        a = rng.integers(n_real, size=N_PAIRS)
        b = (a + 1 + rng.integers(n_real - 1, size=N_PAIRS)) % n_real
        for lam in LAMBDAS:
            decoded = glow.interpolate(real[a], real[b], lam, cls=MINORITY)
            row[f"lam {lam}"] = artefact_ratios(real, decoded, time_axis=time_axis)[
                "quiet_fraction"
            ]
        midpoint = 0.5 * real[a] + 0.5 * real[b]
        row["data midpoint"] = artefact_ratios(real, midpoint, time_axis=time_axis)[
            "quiet_fraction"
        ]
    return row


def main(argv=None):
    from sklearn_seismo.study import SUITES

    parser = argument_parser(__doc__)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--seeds", type=int, default=2, help="training sets each")
    parser.add_argument("--cache", default=None, help="a --suite full cache folder")
    parser.add_argument(
        "--preset", default="full", choices=list(SUITES), help="the suite's glow"
    )
    args = parse_args(parser, argv, datasets="gathers32_easy", seeds=1, preset="quick")
    path = report_path(args, "glow_quiet.md")
    started = time.perf_counter()
    rows = []
    for name in args.datasets.split(","):
        for i in range(args.seeds):
            # the suite's holdout training seeds: random_state + 2 i
            row = run(name, 2 * i, args.cache, sweep=i == 0, preset=args.preset)
            rows.append(row)
            print(
                f"{name} seed {row['seed']}: quiet ratio glow "
                f"{row['glow quiet']:.2f}, with quiet_level "
                f"{row['glow quiet quiet']:.2f}, SMOTE {row['smote quiet']:.2f}, "
                f"random {row['random quiet']:.2f} ({row['seconds']:.1f} s)",
                flush=True,
            )
    write(rows, args, time.perf_counter() - started, path, argv)


def write(rows, args, wall, path, argv):
    import torch

    # the cache is a local folder: its path says nothing to a reader
    cache = " --cache CACHE" if args.cache else ""
    lines = header(
        "Do GlowOversampler's samples keep the quiet of the rare class?",
        command_line(__file__, argv, drop=("--cache",)) + cache,
        wall_s=wall,
        packages=("numpy", "torch", "imbalanced-learn"),
        details=[
            *(
                [
                    "CACHE: the cache folder of a `--suite full` run, so the flows "
                    "are the suite's own"
                ]
                if args.cache
                else []
            ),
            f"GlowOversampler: the `--suite {args.preset}` preset; {N_SYNTHETIC} "
            "synthetic "
            "samples per sampler and training set; training sets = the suite's "
            "holdout draws (seeds 0, 2, ...); "
            f"{torch.get_num_threads()} torch thread(s)",
        ],
    )
    lines += [
        "",
        "Quiet ratio = mean share of values at or below 1 % of a sample's RMS "
        "among the synthetic samples / the same among the real *bad* training "
        "samples (`artefact_ratios(...)['quiet_fraction']`). 1: the gaps and "
        "dead traces are kept; 0: all filled in.",
        "",
        "| data set | seed | real bad | real quiet share | quiet ratio glow "
        f"| glow, quiet_level={QUIET_LEVEL} | SMOTE | random | glow crest ratio "
        "| glow kurtosis ratio | same, quiet_level |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['seed']} | {r['n_real']} | "
            f"{r['real quiet share']:.3f} | {r['glow quiet']:.2f} | "
            f"{r['glow quiet quiet']:.2f} | "
            f"{r['smote quiet']:.2f} | {r['random quiet']:.2f} | "
            f"{r['glow crest']:.2f} | {r['glow kurtosis']:.2f} | "
            f"{r['glow quiet crest']:.2f} / {r['glow quiet kurtosis']:.2f} |"
        )
    lines += [
        "",
        f"## How far from a training point the quiet is lost (first training set, "
        f"{N_PAIRS} random pairs of real bad samples)",
        "",
        "Quiet ratio of `GlowOversampler.interpolate(X_a, X_b, lam)` (no "
        "acceptance test; lam 0 gives `X_a` back, so it differs from 1 only by "
        "which samples the pairs drew) and of the data-space midpoint of the "
        "same pairs.",
        "",
        "| data set | "
        + " | ".join(f"lam {lam}" for lam in LAMBDAS)
        + " | data midpoint |",
        "|---|" + "---|" * (len(LAMBDAS) + 1),
    ]
    for r in rows:
        if "data midpoint" in r:
            lines.append(
                f"| {r['dataset']} | "
                + " | ".join(f"{r[f'lam {lam}']:.2f}" for lam in LAMBDAS)
                + f" | {r['data midpoint']:.2f} |"
            )
    write_report(path, lines)
    plot(rows, path.with_suffix(".png"))


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r["dataset"] for r in rows))
    fig, ax = plt.subplots(figsize=(7, 3.5))
    grouped_bars(
        ax,
        names,
        SAMPLERS,
        lambda name, tag: [r[f"{tag} quiet"] for r in rows if r["dataset"] == name],
    )
    ax.axhline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_ylabel("quiet ratio (synthetic / real bad)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
