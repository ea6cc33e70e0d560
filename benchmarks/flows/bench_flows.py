"""Benchmark sklearn_seismo.flows.Glow against normflows' Glow on this CPU.

Same configuration for both: 3 levels x 8 steps x 64 hidden channels, input
1 x 64 x 64 (synthetic shot gathers, 8-bit quantised, uniformly dequantised),
batch 16, Adam(lr=1e-3), the same batches, at 1 and 2 torch threads. Two
phases:

* speed and quality, in one process: the models (ours, ours with
  ``memory_efficient=True``, normflows) take their training steps in turn
  (step i of every model, rotating the order, then step i+1), so that the load
  of the shared CPU hits them alike; the speed ratio is the median of the
  per-step time ratios; bits/dim on held-out data after the same steps;
* peak training memory above the process baseline: every configuration in a
  *fresh subprocess* (torch CPU tensors are invisible to tracemalloc, so
  resident set size): baseline = RSS after imports, model, data and ActNorm
  initialisation; peak = max of a 1 ms psutil sampler thread and
  ``ru_maxrss`` (when that grew during training). Also 32 steps per level,
  ``memory_efficient=True`` vs plain.

Run (about 8 minutes)::

    python benchmarks/flows/bench_flows.py          # -> results/flows.{md,png}
    python benchmarks/flows/bench_flows.py --quick  # smoke run, report in /tmp
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the harness
from _harness import (  # noqa: E402
    PeakSampler,
    argument_parser,
    command_line,
    header,
    parse_args,
    peak_rss_mib,
    report_path,
    rss_mib,
)

INPUT_SHAPE = (1, 64, 64)
BATCH = 16
BIN = 1.0 / 256
LR = 1e-3


# --------------------------------------------------------------------- worker
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


def _batches(seed, n_steps):
    import torch

    from sklearn_seismo.flows import dequantize

    X_train, X_test = _data(seed)
    gen = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(n_steps):
        idx = torch.randint(0, len(X_train), (BATCH,), generator=gen)
        batches.append(dequantize(X_train[idx], BIN, generator=gen))
    return batches, dequantize(X_test[:64], BIN, generator=gen)


def _trainer(impl, n_steps, memory_efficient, first_batch):
    import torch

    from sklearn_seismo.flows import bits_per_dim

    model, log_prob, init = _build(impl, n_steps, memory_efficient)
    init(first_batch)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    n_dims = math.prod(INPUT_SHAPE)

    def step(xb):
        opt.zero_grad(set_to_none=True)
        loss = bits_per_dim(log_prob(xb), n_dims, BIN).mean()
        loss.backward()
        opt.step()
        return loss.item()

    def evaluate(x):
        with torch.no_grad():
            return bits_per_dim(log_prob(x), n_dims, BIN).mean().item()

    return model, step, evaluate


SPEED_MODELS = {
    "sklearn_seismo": ("sklearn_seismo", False),
    "sklearn_seismo (memory_efficient)": ("sklearn_seismo", True),
    "normflows": ("normflows", False),
}


def _step_flops(step, xb):
    """Floating-point operations of one training step (torch's FlopCounter)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        step(xb)
    return counter.get_total_flops()


def speed_worker(cfg):
    """All models in one process, stepping in turn (see module docstring)."""
    import torch

    # the same peak measurement as the profile's (this folder is on sys.path
    # when a benchmark runs as a script)
    from profile_flows import sgemm_peak

    torch.set_num_threads(cfg.get("threads", 1))
    batches, x_test = _batches(cfg["seed"], cfg["train_steps"])
    trainers = {}
    for name, (impl, me) in SPEED_MODELS.items():
        torch.manual_seed(cfg["seed"])
        trainers[name] = _trainer(impl, 8, me, batches[0])
    names = list(trainers)
    # Counted on throw-away copies, so that the timed models see the batches
    # in the same order. The memory-efficient model does the same useful work
    # as the plain one (its recomputation is not counted), and the flop
    # counter cannot follow its autograd.grad-inside-backward anyway.
    flops = {}
    for name, (impl, me) in SPEED_MODELS.items():
        if not me:
            torch.manual_seed(cfg["seed"])
            flops[name] = _step_flops(
                _trainer(impl, 8, False, batches[0])[1], batches[0]
            )
    flops["sklearn_seismo (memory_efficient)"] = flops["sklearn_seismo"]
    peak = sgemm_peak()
    times = {name: [] for name in names}
    losses = {name: [] for name in names}
    for i, xb in enumerate(batches):
        order = names[i % len(names) :] + names[: i % len(names)]
        for name in order:
            t0 = time.perf_counter()
            losses[name].append(trainers[name][1](xb))
            times[name].append(time.perf_counter() - t0)
    # the peak before and after the steps: the better one is the least
    # disturbed by other processes
    peak = max(peak, sgemm_peak())
    return {
        name: {
            "n_params": sum(p.numel() for p in trainers[name][0].parameters()),
            "times": times[name],
            "train_bpd": losses[name],
            "test_bpd": trainers[name][2](x_test),
            "flops": flops[name],
            "sgemm_peak": peak,
        }
        for name in names
    }


def memory_worker(cfg):
    import gc

    import torch

    torch.set_num_threads(1)
    batches, _ = _batches(cfg["seed"], cfg["train_steps"])
    torch.manual_seed(cfg["seed"])
    _, step, _ = _trainer(
        cfg["impl"], cfg["n_steps"], cfg["memory_efficient"], batches[0]
    )
    gc.collect()
    baseline = rss_mib()
    maxrss_before = peak_rss_mib()
    times = []
    with PeakSampler() as sampler:
        for xb in batches:
            t0 = time.perf_counter()
            step(xb)
            times.append(time.perf_counter() - t0)
    maxrss_after = peak_rss_mib()
    peak = sampler.peak_mib
    if maxrss_after > maxrss_before:
        peak = max(peak, maxrss_after)
    return {
        **cfg,
        "step_s": statistics.median(times[1:] or times),
        "peak_mb": peak - baseline,
        "baseline_mb": baseline,
    }


def run_worker(kind, cfg):
    threads = str(cfg.get("threads", 1))
    env = dict(os.environ, OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    if kind == "memory":
        # A fixed mmap threshold makes glibc return every large block on
        # free, so that RSS follows the live tensors instead of the
        # allocator's high-water mark (the default threshold adapts upwards
        # and keeps freed blocks). Only for the memory phase: every large
        # allocation then costs fresh page faults, which would slow the
        # speed phase (1.8x for ours, 2.3x for normflows, measured) and
        # so measure the allocator.
        env["MALLOC_MMAP_THRESHOLD_"] = "131072"
    out = subprocess.run(
        [sys.executable, "-W", "ignore", __file__, "--worker", kind, json.dumps(cfg)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"worker {kind} {cfg} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------- main
MEMORY_CFGS = {
    "sklearn_seismo": dict(impl="sklearn_seismo", n_steps=8, memory_efficient=False),
    "sklearn_seismo (memory_efficient)": dict(
        impl="sklearn_seismo", n_steps=8, memory_efficient=True
    ),
    "normflows": dict(impl="normflows", n_steps=8, memory_efficient=False),
    "plain, 32 steps/level": dict(
        impl="sklearn_seismo", n_steps=32, memory_efficient=False
    ),
    "memory_efficient, 32 steps/level": dict(
        impl="sklearn_seismo", n_steps=32, memory_efficient=True
    ),
}


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--train-steps", type=int, default=30)
    parser.add_argument("--memory-steps", type=int, default=3)
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[1, 2],
        help="torch thread counts of the speed phase (memory is measured at 1)",
    )
    args = parse_args(parser, argv, repeats=1, train_steps=4, memory_steps=2)
    if args.worker:
        kind, cfg = args.worker
        fn = speed_worker if kind == "speed" else memory_worker
        print(json.dumps(fn(json.loads(cfg))))
        return

    started = time.time()
    speed = {t: [] for t in args.threads}
    memory = {name: [] for name in MEMORY_CFGS}
    for r in range(args.repeats):
        for t in args.threads:
            cfg = dict(seed=r, train_steps=args.train_steps, threads=t)
            speed[t].append(run_worker("speed", cfg))
            print(
                "speed",
                r,
                t,
                {k: v["test_bpd"] for k, v in speed[t][-1].items()},
                flush=True,
            )
        for name, cfg in MEMORY_CFGS.items():
            cfg = dict(cfg, seed=r, train_steps=args.memory_steps)
            memory[name].append(run_worker("memory", cfg))
            print("memory", name, r, memory[name][-1]["peak_mb"], flush=True)
    elapsed = time.time() - started
    path, command = report_path(args, "flows.md"), command_line(__file__, argv)
    write_report(speed, memory, args, elapsed, path, command)


def write_report(speed, memory, args, elapsed, path, command):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    warm = 2  # first steps include one-off allocations
    threads = list(speed)

    def per_step_ratios(a, b, t):
        """time(b) / time(a) for every step of every repeat (a faster -> > 1)."""
        out = []
        for rep in speed[t]:
            out += [
                tb / ta
                for ta, tb in zip(rep[a]["times"][warm:], rep[b]["times"][warm:])
            ]
        return out

    def step_s(name, t):
        return statistics.median(
            x for rep in speed[t] for x in rep[name]["times"][warm:]
        )

    def sps(name, t):
        return BATCH / step_s(name, t)

    def gflops(name, t):
        return speed[t][0][name]["flops"] / step_s(name, t) / 1e9

    def peak(t):
        return max(rep[ours]["sgemm_peak"] for rep in speed[t])

    def bpd(name):
        return statistics.median(rep[name]["test_bpd"] for rep in speed[threads[0]])

    def mem(name):
        return statistics.median(r["peak_mb"] for r in memory[name])

    def mem_ratio(a, b):
        return statistics.median(
            x["peak_mb"] / y["peak_mb"] for x, y in zip(memory[a], memory[b])
        )

    ours, me, nf_ = "sklearn_seismo", "sklearn_seismo (memory_efficient)", "normflows"
    deep_plain, deep_me = "plain, 32 steps/level", "memory_efficient, 32 steps/level"
    ratio, quart, share = {}, {}, {}
    for t in threads:
        r = per_step_ratios(ours, nf_, t)
        ratio[t], quart[t] = statistics.median(r), statistics.quantiles(r, n=4)
        share[t] = gflops(ours, t) / peak(t)
    me_slowdown = statistics.median(per_step_ratios(ours, me, threads[0]))
    mem_r, me_mem_r, deep_r = (
        mem_ratio(ours, nf_),
        mem_ratio(me, nf_),
        mem_ratio(deep_me, deep_plain),
    )
    deep_time = statistics.median(
        x["step_s"] / y["step_s"] for x, y in zip(memory[deep_me], memory[deep_plain])
    )

    def yes(ok):
        return "**met**" if ok else "**not met**"

    lines = [
        *header(
            "Glow benchmark: sklearn_seismo.flows vs normflows",
            command,
            wall_s=elapsed,
            packages=("torch", "normflows"),
        ),
        "- Configuration: 3 levels x 8 steps x 64 hidden channels, affine "
        "couplings, input 1 x 64 x 64 "
        "(synthetic shot gathers from `make_shot_gathers`, peak-normalised, 8-bit "
        "quantised, uniform dequantisation), batch 16, Adam lr 1e-3 without "
        "warm-up, the same batches for every model. normflows: its multi-scale "
        "Glow recipe (`GlowBlock` x 8 + `Squeeze` per level, `Merge`, `GlowBase` "
        "priors, `MultiscaleFlow`).",
        "- Speed: for each thread count, all models in one process taking their "
        "steps in turn; ratio = median of per-step time ratios "
        f"({args.train_steps - warm} steps x {args.repeats} repeats, first {warm} "
        "of each run dropped). GFLOP/s = the step's floating-point work "
        "(`torch.utils.flop_counter`; for memory_efficient the plain model's "
        "useful work, recomputation not counted) / median step time; sgemm peak = best "
        "1024 x 1024 float32 product in the same process, before and after "
        "the steps.",
        "- Memory: fresh subprocess per configuration, 1 thread, peak RSS during "
        "training (1 ms psutil sampler + `ru_maxrss`) minus the RSS right before "
        "training, glibc `MALLOC_MMAP_THRESHOLD_=131072` so freed tensors leave "
        "the RSS; median over repeats of per-repeat ratios.",
        "",
        "| configuration | threads | params | samples/s | GFLOP/step | GFLOP/s "
        "| % of sgemm peak |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in threads:
        for name in [ours, me, nf_]:
            rep = speed[t][0][name]
            lines.append(
                f"| {name} | {t} | {rep['n_params']:,} | {sps(name, t):.1f} | "
                f"{rep['flops'] / 1e9:.2f} | {gflops(name, t):.1f} | "
                f"{100 * gflops(name, t) / peak(t):.0f} % |"
            )
    lines += [
        "",
        "| configuration | peak train memory (MB) | held-out bits/dim after "
        f"{args.train_steps} steps |",
        "|---|---|---|",
    ]
    for name in [ours, me, nf_]:
        lines.append(f"| {name} | {mem(name):.0f} | {bpd(name):.3f} |")
    lines += [
        "",
        "| 32 steps per level (3 x 32 x 64) | s/step (indicative) "
        "| peak train memory (MB) |",
        "|---|---|---|",
    ]
    for name in [deep_plain, deep_me]:
        st = statistics.median(r["step_s"] for r in memory[name])
        lines.append(f"| {name} | {st:.2f} | {mem(name):.0f} |")
    lines += ["", "## Targets", "", "| target | measured | status |", "|---|---|---|"]
    for t in threads:
        lines.append(
            f"| training samples/s vs normflows >= 2.0x, {t} thread(s) | "
            f"{ratio[t]:.2f}x (quartiles {quart[t][0]:.2f}-{quart[t][2]:.2f}) | "
            f"{yes(ratio[t] >= 2.0)} |"
        )
    for t in threads:
        lines.append(
            f"| achieved GFLOP/s >= 40 % of the sgemm peak, {t} thread(s) | "
            f"{gflops(ours, t):.1f} of {peak(t):.1f} GFLOP/s = "
            f"{100 * share[t]:.0f} % | {yes(share[t] >= 0.4)} |"
        )
    lines += [
        f"| peak training memory vs normflows <= 1.0x | {mem_r:.2f}x "
        f"(memory_efficient: {me_mem_r:.2f}x) | {yes(mem_r <= 1.0)} |",
        f"| bits/dim after the same number of steps not worse | {bpd(ours):.3f} vs "
        f"{bpd(nf_):.3f} | {yes(bpd(ours) <= bpd(nf_))} |",
        f"| 32 steps/level: memory_efficient peak memory <= 0.4x plain | {deep_r:.2f}x "
        f"| {yes(deep_r <= 0.4)} |",
        "",
        f"`memory_efficient=True` costs {me_slowdown:.2f}x the plain step time at 8 "
        f"steps/level ({threads[0]} thread, in-process, per-step ratio) and about "
        f"{deep_time:.2f}x at 32 (separate processes, indicative only). The "
        "paper-size model on a GPU is in `flows_gpu.md` (`bench_flows_gpu.py`).",
    ]
    if len(threads) > 1:
        lo, hi = threads[0], threads[-1]
        gain = sps(ours, hi) / sps(ours, lo)
        lines += [
            "",
            f"**Threads.** One training run of ours goes {gain:.2f}x faster with "
            f"{hi} threads than with {lo} ({sps(ours, hi):.1f} vs "
            f"{sps(ours, lo):.1f} samples/s), where {hi / lo:.0f}x would be "
            "perfect scaling. So the package's rule (`utils.torch_threads`): "
            "a single fit keeps torch's own setting (all cores), and concurrent "
            "fits get `cores // n_jobs` threads each, so the study's "
            "`--n-jobs 2` runs two fits at 1 thread on this machine; "
            "`SEISMO_TORCH_THREADS` overrides both.",
        ]
    lines += [
        "",
        f"![benchmark]({path.with_suffix('.png').name})",
        "",
    ]
    path.write_text("\n".join(lines))

    fig, axes = plt.subplots(1, 4, figsize=(15, 3.6))
    names, labels, colors = (
        [ours, me, nf_],
        ["ours", "ours\nmem.-eff.", "normflows"],
        ["C0", "C2", "C1"],
    )
    width = 0.8 / len(threads)
    for j, t in enumerate(threads):
        for i, name in enumerate(names):
            x = i + (j - (len(threads) - 1) / 2) * width
            ts = [BATCH / s for rep in speed[t] for s in rep[name]["times"][warm:]]
            axes[0].bar(
                x,
                sps(name, t),
                width=width,
                color=colors[i],
                alpha=1.0 if j == 0 else 0.55,
                label=f"{t} thread(s)" if i == 0 else None,
            )
            axes[0].plot([x] * len(ts), ts, "k.", ms=2, alpha=0.4)
    for i, name in enumerate(names):
        ms = [r["peak_mb"] for r in memory[name]]
        axes[1].bar(i, mem(name), color=colors[i])
        axes[1].plot([i] * len(ms), ms, "k.", ms=4)
    axes[0].set_title("training samples/s (dots: steps)", fontsize=10)
    axes[0].legend(fontsize=7)
    axes[1].set_title("peak training memory (MB), 1 thread", fontsize=10)
    for name, color in zip(names, colors):
        for j, rep in enumerate(speed[threads[0]]):
            axes[2].plot(
                rep[name]["train_bpd"],
                color=color,
                alpha=0.8,
                label=name if j == 0 else None,
            )
    # ours and ours memory-efficient coincide: the same computation
    axes[2].set_title("training bits/dim per step", fontsize=10)
    axes[2].set_xlabel("step")
    axes[2].legend(fontsize=7)
    for i, name in enumerate([deep_plain, deep_me]):
        ms = [r["peak_mb"] for r in memory[name]]
        axes[3].bar(i, mem(name), color=["C0", "C2"][i])
        axes[3].plot([i] * len(ms), ms, "k.", ms=4)
    for ax in (axes[0], axes[1]):
        ax.set_xticks(range(3), labels)
    axes[3].set_xticks([0, 1], ["plain", "mem.-eff."])
    axes[3].set_title("peak memory, 32 steps/level (MB)", fontsize=10)
    fig.suptitle(
        "Glow 3 levels x 8 steps x 64 hidden, 1x64x64, batch 16 -- "
        f"{os.cpu_count()}-core CPU, no GPU",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path.with_suffix(".png"), dpi=110)
    print(f"wrote {path} and {path.with_suffix('.png').name}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
