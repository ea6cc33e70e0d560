"""Benchmark sklearn_seismo.flows.Glow against normflows' Glow on this CPU.

Same configuration for both: 3 levels x 8 steps x 64 hidden channels, input
1 x 64 x 64 (synthetic shot gathers, 8-bit quantised, uniformly dequantised),
batch 16, Adam(lr=1e-3), one thread each. Measured:

* training throughput (samples/s, median over the timed steps of a run);
* peak training memory above the process baseline (resident set size): every
  configuration runs in a *fresh subprocess*; the baseline is the RSS after
  imports, model construction, data and ActNorm initialisation, the peak is
  the max of a 1 ms RSS sampler thread (psutil) and ``ru_maxrss`` when that
  grew during training. Torch CPU tensors are invisible to tracemalloc, hence
  RSS;
* held-out bits/dim after the same number of training steps;
* with 32 steps per level: peak memory of ``memory_efficient=True`` vs plain.

Configurations are interleaved (A, B, C, A, B, C, ...) because the CPU is
shared with other jobs; medians across repeats are reported.

Run (about 10 minutes)::

    python benchmarks/bench_flows.py            # writes benchmarks/results/flows.{md,png}
    python benchmarks/bench_flows.py --quick    # smoke run, does not overwrite results
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
INPUT_SHAPE = (1, 64, 64)
BATCH = 16
BIN = 1.0 / 256
LR = 1e-3


# --------------------------------------------------------------------- worker
def _rss():
    import psutil

    return psutil.Process().memory_info().rss


class _PeakSampler(threading.Thread):
    def __init__(self, interval=0.001):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak = _rss()
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join()
        self.peak = max(self.peak, _rss())


def _data(seed):
    """Training and held-out sets of quantised gathers in [0, 1)."""
    import numpy as np
    import torch

    from sklearn_seismo.datasets import make_shot_gathers

    X, _ = make_shot_gathers(n_samples=640, shape=INPUT_SHAPE[1:], random_state=0)
    X = np.asarray(X, dtype=np.float64)
    # per-sample peak normalisation to [0, 1), then 8-bit quantisation
    peak = np.abs(X).reshape(len(X), -1).max(1).reshape(-1, 1, 1) + 1e-12
    X = np.floor((X / peak * 0.5 + 0.5) * 255.999) * BIN
    X = torch.tensor(X[:, None], dtype=torch.float32)
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(X), generator=g)
    return X[perm[:512]], X[perm[512:]]


def _build(impl, n_steps, memory_efficient):
    import torch

    if impl == "normflows":
        import normflows as nf

        # normflows' own multi-scale Glow recipe (examples/glow.ipynb) without
        # class conditioning: GlowBlock = affine coupling (3x3/1x1/3x3 ConvNet,
        # sigmoid scale) + LU 1x1 conv + ActNorm, learned GlowBase priors.
        levels, c = 3, INPUT_SHAPE[0]
        q0, merges, flows = [], [], []
        for i in range(levels):
            flows.append(
                [
                    nf.flows.GlowBlock(
                        c * 2 ** (levels + 1 - i), 64, split_mode="channel", scale=True
                    )
                    for _ in range(n_steps)
                ]
                + [nf.flows.Squeeze()]
            )
            if i > 0:
                merges.append(nf.flows.Merge())
                f = 2 ** (levels - i)
                shape = (c * f, INPUT_SHAPE[1] // f, INPUT_SHAPE[2] // f)
            else:
                f = 2**levels
                shape = (c * 2 * f, INPUT_SHAPE[1] // f, INPUT_SHAPE[2] // f)
            q0.append(nf.distributions.GlowBase(shape))
        model = nf.MultiscaleFlow(q0, flows, merges, class_cond=False)

        def log_prob(x):
            return model.log_prob(x, None)

        def init(x):
            with torch.no_grad():
                model.log_prob(x, None)  # ActNorm data-dependent init

    else:
        from sklearn_seismo.flows import Glow

        model = Glow(
            INPUT_SHAPE[0],
            n_dim=2,
            n_levels=3,
            n_steps=n_steps,
            hidden_channels=64,
            memory_efficient=memory_efficient,
        )
        log_prob = model.log_prob
        init = model.initialize
    return model, log_prob, init


def worker(cfg):
    import torch

    from sklearn_seismo.flows import bits_per_dim, dequantize

    torch.set_num_threads(1)
    torch.manual_seed(cfg["seed"])
    X_train, X_test = _data(cfg["seed"])
    model, log_prob, init = _build(cfg["impl"], cfg["n_steps"], cfg["memory_efficient"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    batches = []
    for _ in range(cfg["train_steps"]):
        idx = torch.randint(0, len(X_train), (BATCH,), generator=gen)
        batches.append(dequantize(X_train[idx], BIN, generator=gen))
    x_test = dequantize(X_test[:64], BIN, generator=gen)
    init(batches[0])
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    n_dims = 1
    for s in INPUT_SHAPE:
        n_dims *= s

    import gc

    gc.collect()
    baseline = _rss()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    sampler = _PeakSampler()
    sampler.start()
    times, losses = [], []
    for xb in batches:
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = bits_per_dim(log_prob(xb), n_dims, BIN).mean()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
        losses.append(loss.item())
    sampler.stop()
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peak = sampler.peak
    if maxrss_after > maxrss_before:
        peak = max(peak, maxrss_after)
    with torch.no_grad():
        test_bpd = bits_per_dim(log_prob(x_test), n_dims, BIN).mean().item()
    timed = times[cfg["warmup"] :]
    return {
        **cfg,
        "n_params": sum(p.numel() for p in model.parameters()),
        "step_s_median": statistics.median(timed),
        "samples_per_s": BATCH / statistics.median(timed),
        "peak_mb": (peak - baseline) / 2**20,
        "baseline_mb": baseline / 2**20,
        "train_bpd_last": losses[-1],
        "test_bpd": test_bpd,
    }


def run_worker(cfg):
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, "-W", "ignore", __file__, "--worker", json.dumps(cfg)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"worker {cfg} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------- main
def _median(rows, key):
    return statistics.median(r[key] for r in rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train-steps", type=int, default=25)
    parser.add_argument("--deep-steps", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="smoke run, no files written")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return
    if args.quick:
        args.repeats, args.train_steps, args.deep_steps = 1, 4, 2

    started = time.time()
    main_cfgs = [
        ("sklearn_seismo", dict(impl="sklearn_seismo", n_steps=8, memory_efficient=False)),
        ("normflows", dict(impl="normflows", n_steps=8, memory_efficient=False)),
        (
            "sklearn_seismo (memory_efficient)",
            dict(impl="sklearn_seismo", n_steps=8, memory_efficient=True),
        ),
    ]
    deep_cfgs = [
        ("plain, 32 steps/level", dict(impl="sklearn_seismo", n_steps=32, memory_efficient=False)),
        (
            "memory_efficient, 32 steps/level",
            dict(impl="sklearn_seismo", n_steps=32, memory_efficient=True),
        ),
    ]
    rows = {name: [] for name, _ in main_cfgs + deep_cfgs}
    for r in range(args.repeats):
        for name, cfg in main_cfgs:
            cfg = dict(cfg, seed=r, train_steps=args.train_steps, warmup=2)
            rows[name].append(run_worker(cfg))
            print(name, r, json.dumps(rows[name][-1]), flush=True)
        for name, cfg in deep_cfgs:
            cfg = dict(cfg, seed=r, train_steps=args.deep_steps, warmup=1)
            rows[name].append(run_worker(cfg))
            print(name, r, json.dumps(rows[name][-1]), flush=True)
    elapsed = time.time() - started
    if args.quick:
        print(f"quick run done in {elapsed:.0f} s")
        return
    write_report(rows, args, elapsed)


def write_report(rows, args, elapsed):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(RESULTS, exist_ok=True)
    ours, nf_, me = (
        rows["sklearn_seismo"],
        rows["normflows"],
        rows["sklearn_seismo (memory_efficient)"],
    )
    deep_plain, deep_me = rows["plain, 32 steps/level"], rows["memory_efficient, 32 steps/level"]
    # per-repeat ratios (each repeat's runs are adjacent in time)
    speed_ratios = [a["samples_per_s"] / b["samples_per_s"] for a, b in zip(ours, nf_)]
    mem_ratios = [a["peak_mb"] / b["peak_mb"] for a, b in zip(ours, nf_)]
    me_mem_ratios = [a["peak_mb"] / b["peak_mb"] for a, b in zip(me, nf_)]
    deep_ratios = [a["peak_mb"] / b["peak_mb"] for a, b in zip(deep_me, deep_plain)]
    speed, mem, deep = (
        statistics.median(speed_ratios),
        statistics.median(mem_ratios),
        statistics.median(deep_ratios),
    )
    bpd_ours, bpd_nf = _median(ours, "test_bpd"), _median(nf_, "test_bpd")

    def yes(ok):
        return "**met**" if ok else "**not met**"

    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    import normflows
    import torch

    lines = [
        "# Glow benchmark: sklearn_seismo.flows vs normflows",
        "",
        f"- Command: `python benchmarks/bench_flows.py --repeats {args.repeats} "
        f"--train-steps {args.train_steps} --deep-steps {args.deep_steps}` "
        f"({elapsed / 60:.1f} min)",
        f"- Machine: 2-core CPU, no GPU ({platform.processor() or platform.machine()}), "
        "shared with parallel jobs (load varied during the run); every run single-threaded",
        f"- Date: {date}; torch {torch.__version__}, normflows {normflows.__version__}",
        "- Configuration: 3 levels x 8 steps x 64 hidden channels, input 1 x 64 x 64 "
        "(synthetic shot gathers, `make_shot_gathers`, peak-normalised, 8-bit "
        "quantised, uniform dequantisation), batch 16, Adam lr 1e-3, same batches "
        "for both libraries.",
        "- Memory: each configuration in a fresh subprocess; peak resident set size "
        "during training (1 ms psutil sampler + `ru_maxrss`) minus the RSS right "
        "before training (after imports, model, data and ActNorm init).",
        f"- Repeats: {args.repeats}, interleaved; ratios are medians of per-repeat ratios.",
        "",
        "| configuration | params | samples/s | peak train memory (MB) | "
        f"held-out bits/dim after {args.train_steps} steps |",
        "|---|---|---|---|---|",
    ]
    for name in ["sklearn_seismo", "sklearn_seismo (memory_efficient)", "normflows"]:
        rs = rows[name]
        lines.append(
            f"| {name} | {rs[0]['n_params']:,} | {_median(rs, 'samples_per_s'):.1f} | "
            f"{_median(rs, 'peak_mb'):.0f} | {_median(rs, 'test_bpd'):.3f} |"
        )
    lines += [
        "",
        "| 32 steps per level (3 x 32 x 64) | samples/s | peak train memory (MB) |",
        "|---|---|---|",
    ]
    for name in ["plain, 32 steps/level", "memory_efficient, 32 steps/level"]:
        rs = rows[name]
        lines.append(
            f"| {name} | {_median(rs, 'samples_per_s'):.2f} | {_median(rs, 'peak_mb'):.0f} |"
        )
    lines += [
        "",
        "## Targets",
        "",
        "| target | measured | status |",
        "|---|---|---|",
        f"| training samples/s vs normflows >= 1.5x | {speed:.2f}x "
        f"(per repeat: {', '.join(f'{v:.2f}' for v in speed_ratios)}) | {yes(speed >= 1.5)} |",
        f"| peak training memory vs normflows <= 1.0x | {mem:.2f}x "
        f"(memory_efficient: {statistics.median(me_mem_ratios):.2f}x) | {yes(mem <= 1.0)} |",
        f"| bits/dim after the same number of steps not worse | {bpd_ours:.3f} vs "
        f"{bpd_nf:.3f} | {yes(bpd_ours <= bpd_nf)} |",
        f"| 32 steps/level: memory_efficient peak memory <= 0.4x plain | {deep:.2f}x "
        f"| {yes(deep <= 0.4)} |",
        "| paper-size model (6 x 15 x 96, attention) on 896 x 640 with batch >= 4 on a GPU "
        "| not run: no GPU on this machine | not measured |",
        "",
        "![benchmark](flows.png)",
        "",
    ]
    with open(os.path.join(RESULTS, "flows.md"), "w") as fh:
        fh.write("\n".join(lines))
    with open(os.path.join(RESULTS, "flows_raw.json"), "w") as fh:
        json.dump(rows, fh, indent=1)

    fig, axes = plt.subplots(1, 4, figsize=(15, 3.6))
    names = ["sklearn_seismo", "sklearn_seismo (memory_efficient)", "normflows"]
    labels = ["ours", "ours\nmem.-eff.", "normflows"]
    colors = ["C0", "C2", "C1"]
    for ax, key, title in [
        (axes[0], "samples_per_s", "training samples/s"),
        (axes[1], "peak_mb", "peak training memory (MB)"),
        (axes[2], "test_bpd", f"held-out bits/dim ({args.train_steps} steps)"),
    ]:
        for i, name in enumerate(names):
            vals = [r[key] for r in rows[name]]
            ax.bar(i, statistics.median(vals), color=colors[i])
            ax.plot([i] * len(vals), vals, "k.", ms=4)
        ax.set_xticks(range(len(names)), labels)
        ax.set_title(title, fontsize=10)
    deep_names = ["plain, 32 steps/level", "memory_efficient, 32 steps/level"]
    for i, name in enumerate(deep_names):
        vals = [r["peak_mb"] for r in rows[name]]
        axes[3].bar(i, statistics.median(vals), color=["C0", "C2"][i])
        axes[3].plot([i] * len(vals), vals, "k.", ms=4)
    axes[3].set_xticks([0, 1], ["plain", "mem.-eff."])
    axes[3].set_title("peak memory, 32 steps/level (MB)", fontsize=10)
    fig.suptitle(
        "Glow 3 levels x 64 hidden, 1x64x64, batch 16 -- 2-core CPU, no GPU, shared",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(os.path.join(RESULTS, "flows.png"), dpi=110)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
