"""Ablation of GlowOversampler: paper mode vs pretrain + fine-tune, by coupling.

Data: ``make_shot_gathers`` (default class weights, so about 1.8 % *bad*
gathers) at 32x32 and 64x64, one data set per seed. Per seed the *bad* gathers
are split 75/25: the 75 % and every good/medium gather form the training set
given to ``fit_resample`` (pretraining sees all of it, fine-tuning only the
bad part); the held-out 25 % of bad gathers only measure the class flow.

Arms (all 3 levels x 4 steps x 32 hidden channels, the study's quick flow):

* ``paper``: ``pretrain="none"``, affine couplings, 60 epochs on the rare
  class (what ``main`` did before: no early stopping, patience = 60);
* ``pre-affine``: ``pretrain="all"`` (10 epochs), affine, fine-tuning with
  early stopping (at most 100 epochs, patience 10);
* ``pre-additive``: the same with additive couplings;
* ``pre-bounded``: affine with log-scale bound 0.5 at the finest level
  (``scale_clamp=[0.5, 2, 2]``).

Per arm and seed: the rejection rate of the acceptance test when making 100
samples (``1 - acceptance_rate_``); "off-data": the share of decoded latent
interpolations (random pairs of training bad gathers, lambda ~ U(0, 1), no
acceptance test) whose normalised RMS is outside [1/2, 2] (the guard of the
previous version); bits/dim of the bad flow on the training and held-out bad
gathers and on held-out good gathers (good minus bad > 0: the flow prefers its
class); the kurtosis ratio: median over accepted samples of the largest trace
kurtosis divided by the same median over real training bad gathers; the share
of accepted lambdas within 0.1 of a parent (20 % for uniform lambda); CPU
seconds of pretraining and of fine-tuning.

Run (two processes, one per size; about 15 minutes on 2 cores)::

    python benchmarks/glow/bench_glow_ablation.py --shape 32 --rows /tmp/abl32.json &
    python benchmarks/glow/bench_glow_ablation.py --shape 64 --rows /tmp/abl64.json
    python benchmarks/glow/bench_glow_ablation.py --report /tmp/abl32.json \\
        /tmp/abl64.json
    python benchmarks/glow/bench_glow_ablation.py --quick  # smoke run, report in /tmp
"""

import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the harness
from _harness import (  # noqa: E402
    ROOT,
    argument_parser,
    command_line,
    header,
    machine,
    now,
    parse_args,
    report_path,
    timed,
    write_report,
)

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FLOW = {"n_levels": 3, "n_steps": 4, "hidden_channels": 32, "batch_size": 16}
ARMS = {
    "paper": dict(pretrain="none", coupling="affine", max_epochs=60, patience=60),
    "pre-affine": dict(pretrain="all", coupling="affine"),
    "pre-additive": dict(pretrain="all", coupling="additive"),
    "pre-bounded": dict(pretrain="all", coupling="affine", scale_clamp=[0.5, 2, 2]),
}
COMMON = dict(pretrain_epochs=10, max_epochs=100, patience=10)


def linear_mix(z_a, z_b, lam):
    """``(1 - lam) * z_a + lam * z_b`` per row, in float32 (GlowOversampler's mix)."""
    lam = lam.astype("float32").reshape(-1, *[1] * (z_a.ndim - 1))
    return (1 - lam) * z_a + lam * z_b


def decode_each(sampler, zs, cls, sample_shape):
    """Decode latents; a decode that is not finite comes back as NaN.

    ``decode`` refuses a batch with a non-finite sample; this measure counts
    such samples as off the data, so they are decoded one by one.
    """
    import numpy as np

    try:
        return sampler.decode(zs, cls)
    except ValueError:
        out = np.full((len(zs[0]), *sample_shape), np.nan, dtype=np.float32)
        for i in range(len(out)):
            try:
                out[i] = sampler.decode([z[i : i + 1] for z in zs], cls)[0]
            except ValueError:
                pass
        return out


def run_one(shape, seed, n_samples, arms, n_new=100, max_epochs=None):
    import numpy as np
    import torch

    from sklearn_seismo.datasets import make_shot_gathers
    from sklearn_seismo.flows import bits_per_dim
    from sklearn_seismo.metrics import artefact_statistics
    from sklearn_seismo.over_sampling import GlowOversampler

    def max_trace_kurtosis(Xs):
        # gathers (n, time, traces): the largest trace kurtosis of each sample,
        # the statistic of GlowOversampler's acceptance test
        kurt = artefact_statistics(Xs, time_axis=1)["kurtosis"]
        return np.asarray(kurt).reshape(len(Xs), -1).max(axis=1)

    torch.set_num_threads(1)
    X, y = make_shot_gathers(n_samples, shape=(shape, shape), random_state=seed)[:2]
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    labels = np.unique(y)
    counts = {c: int(np.sum(y == c)) for c in labels}
    bad = min(counts, key=counts.get)
    good = max(counts, key=counts.get)
    rng = np.random.RandomState(seed)
    idx_bad = rng.permutation(np.flatnonzero(y == bad))
    n_held = max(len(idx_bad) // 4, 2)
    held_bad = idx_bad[:n_held]
    held_good = rng.permutation(np.flatnonzero(y == good))[: n_held * 4]
    train = np.setdiff1d(np.arange(len(y)), np.concatenate([held_bad, held_good]))
    X_tr, y_tr = X[train], y[train]
    X_bad = X_tr[y_tr == bad]
    kurt_real = max_trace_kurtosis(X_bad)
    rows = []
    for arm in arms:
        params = {**FLOW, **COMMON, **ARMS[arm]}
        if max_epochs is not None:  # a smoke run: every stage cut short
            for key in ("max_epochs", "pretrain_epochs", "patience"):
                params[key] = min(params[key], max_epochs)
        sampler = GlowOversampler(
            sampling_strategy={bad: counts[bad] - n_held + n_new},
            random_state=seed,
            **params,
        )
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            (X_res, _), fit_time = timed(sampler.fit_resample, X_tr, y_tr)
        new = X_res[len(X_tr) :]
        kurt_new = max_trace_kurtosis(new)
        # raw decodes of random interpolations, no acceptance
        pr = np.random.RandomState(seed + 1)
        a = pr.randint(len(X_bad), size=100)
        b = (a + 1 + pr.randint(len(X_bad) - 1, size=100)) % len(X_bad)
        lam = pr.uniform(size=100)
        za, zb = sampler.encode(X_bad[a], bad), sampler.encode(X_bad[b], bad)
        zs = [linear_mix(z_a, z_b, lam) for z_a, z_b in zip(za, zb)]
        dec = decode_each(sampler, zs, bad, X_bad.shape[1:])
        rms = np.sqrt(np.mean(dec.reshape(100, -1).astype(np.float64) ** 2, axis=1))
        off = float(np.mean(~np.isfinite(rms) | (rms > 2) | (rms < 0.5)))
        width = sampler.dequantization_width_[bad]
        n_dims = int(np.prod(sampler.flow_input_shape_))

        def bpd(Xs):
            lp = sampler.score_samples(Xs, bad)
            return float(np.mean(bits_per_dim(lp, n_dims, width)))

        lam_acc = sampler.accepted_lambdas_[bad]
        rows.append(
            {
                "shape": shape,
                "seed": seed,
                "arm": arm,
                "n_bad_train": int(len(X_bad)),
                "rejection": 1.0 - sampler.acceptance_rate_[bad],
                "off_data": off,
                "bpd_train": bpd(X_bad),
                "bpd_heldout": bpd(X[held_bad]),
                "bpd_heldout_good": bpd(X[held_good]),
                "kurtosis_ratio": float(np.median(kurt_new) / np.median(kurt_real)),
                "near_copies": float(np.mean(np.minimum(lam_acc, 1 - lam_acc) < 0.1)),
                "best_epoch": int(sampler.best_epoch_[bad]),
                "cpu_pretrain": sampler.pretrain_cpu_seconds_,
                "cpu_finetune": sampler.training_cpu_seconds_[bad],
                "cpu_fit_resample": fit_time.cpu_s,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def report(paths, path, command):
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, runs = [], []
    for p in paths:
        with open(p) as f:
            data = json.load(f)
        rows += data["rows"]
        run = data.get("run")
        runs.append(
            f"`{run['command']}` ({run['date']}; {run['machine']}; "
            f"{run['wall_s'] / 60:.1f} min)"
            if run
            else f"`{p}`: written before runs recorded their machine"
        )
    for r in rows:
        r["gap"] = r["bpd_heldout"] - r["bpd_train"]
        r["good_minus_bad"] = r["bpd_heldout_good"] - r["bpd_heldout"]
    keys = []
    for r in rows:
        if (r["shape"], r["arm"]) not in keys:
            keys.append((r["shape"], r["arm"]))
    groups = {k: [r for r in rows if (r["shape"], r["arm"]) == k] for k in keys}

    def ms(k, c):
        v = np.array([r[c] for r in groups[k]], dtype=float)
        return v.mean(), (v.std(ddof=1) if len(v) > 1 else 0.0)

    seeds = sorted({r["seed"] for r in rows})
    lines = [
        *header(
            "GlowOversampler ablation: paper mode vs pretrain + fine-tune",
            command,
            packages=("numpy", "torch"),
            details=[
                "measured by: " + "; ".join(runs) + ". CPU seconds are process "
                "time, inflated when other jobs share the cores (see the load "
                "averages)."
            ],
        ),
        "",
        f"Seeds: {seeds}; 800 gathers per seed (about 14 bad: 11 for training, "
        "3 held out); flow 3 levels x 4 steps x 32 channels, batch 16. Mean "
        "(std over seeds). Targets: rejection < 10 %, kurtosis ratio in "
        "[0.5, 2].",
        "",
        "| size | arm | rejection | off-data (RMS guard) | held-out bits/dim | "
        "gap held-out - train | good - bad bits/dim | kurtosis ratio | "
        "near-copies | best epoch | CPU s pretrain | CPU s fine-tune |",
        "|" + "---|" * 12,
    ]
    for k in keys:

        def f(c, pct=False, k=k):
            m, s = ms(k, c)
            return f"{100 * m:.0f} % ({100 * s:.0f})" if pct else f"{m:.2f} ({s:.2f})"

        lines.append(
            f"| {k[0]}x{k[0]} | {k[1]} | {f('rejection', True)} | "
            f"{f('off_data', True)} | {f('bpd_heldout')} | {f('gap')} | "
            f"{f('good_minus_bad')} | {f('kurtosis_ratio')} | "
            f"{f('near_copies', True)} | {ms(k, 'best_epoch')[0]:.1f} | "
            f"{ms(k, 'cpu_pretrain')[0]:.0f} | {ms(k, 'cpu_finetune')[0]:.1f} |"
        )
    cols = list(rows[0])
    lines += [
        "",
        "Rejection: share of decodes refused by the acceptance test "
        "(bits/dim, crest factor, trace kurtosis) when making 100 samples. "
        "Off-data: share of 100 raw decoded interpolations of random pairs "
        "whose normalised RMS is outside [1/2, 2] (the previous guard). "
        "Kurtosis ratio: median of the largest trace kurtosis of accepted "
        "samples over that of real bad gathers. good - bad: held-out good "
        "minus held-out bad bits/dim under the bad flow (> 0: the flow prefers "
        "its class). Near-copies: accepted lambda within 0.1 of 0 or 1 (20 % "
        "expected for uniform lambda). Best epoch: restored fine-tuning epoch "
        "(0 = pretrained weights; paper arm: always its last, 60).",
        "",
        "Raw rows:",
        "",
        "```",
        ",".join(cols),
        *(
            ",".join(
                f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]) for c in cols
            )
            for r in rows
        ),
        "```",
    ]
    write_report(path, lines)
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    arms = [a for a in ARMS if any(k[1] == a for k in keys)]
    shapes = sorted({k[0] for k in keys})
    width = 0.8 / len(shapes)
    for ax, c, title in zip(
        axes,
        ["rejection", "kurtosis_ratio", "gap"],
        ["rejection rate", "kurtosis ratio (accepted / real)", "held-out - train bpd"],
    ):
        for i, shp in enumerate(shapes):
            xs, m, e = [], [], []
            for j, arm in enumerate(arms):
                if (shp, arm) in groups:
                    mm, ss = ms((shp, arm), c)
                    xs.append(j + i * width)
                    m.append(mm)
                    e.append(ss)
            ax.bar(xs, m, width, yerr=e, label=f"{shp}x{shp}")
        ax.set_xticks([j + width * (len(shapes) - 1) / 2 for j in range(len(arms))])
        ax.set_xticklabels(arms, rotation=15)
        ax.set_title(title)
    axes[0].axhline(0.1, color="k", ls="--", lw=0.8)
    axes[1].axhline(0.5, color="k", ls="--", lw=0.8)
    axes[1].axhline(2.0, color="k", ls="--", lw=0.8)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path.with_suffix(".png"), dpi=110)
    print("\n".join(lines[:16]))


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--shape", type=int, default=32)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--n-samples", type=int, default=1200)
    parser.add_argument("--arms", nargs="+", default=list(ARMS))
    parser.add_argument(
        "--max-epochs", type=int, default=None, help="cap on every training stage"
    )
    parser.add_argument("--rows", default=None, help="JSON file the rows go to")
    parser.add_argument(
        "--report", nargs="+", default=None, help="write the report of these rows"
    )
    args = parse_args(parser, argv, shape=16, seeds=[0], max_epochs=2)
    command = command_line(__file__, argv)
    if args.report:
        report(args.report, report_path(args, "glow_ablation.md"), command)
        return
    if not (args.rows or args.quick):
        # minutes of fitting whose rows would go nowhere
        parser.error("pass --rows FILE (where the rows go) or --report FILE ...")
    # a smoke run reports its own rows (in a temporary folder unless --out)
    out = report_path(args, "glow_ablation.md") if args.quick else None
    rows_path = args.rows or (out.with_suffix(".json") if out else None)
    rows, started = [], time.time()
    for seed in args.seeds:
        rows += run_one(
            args.shape, seed, args.n_samples, args.arms, max_epochs=args.max_epochs
        )
        if rows_path:
            run = {
                "command": command,
                "machine": machine(),
                "date": now(),
                "wall_s": time.time() - started,
            }
            with open(rows_path, "w") as fh:
                json.dump(
                    {"rows": rows, "args": vars(args), "run": run}, fh, default=str
                )
    if out:
        report([rows_path], out, command)


if __name__ == "__main__":
    main()
