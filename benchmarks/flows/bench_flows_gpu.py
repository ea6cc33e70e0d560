"""The paper-size Glow on a GPU: largest batch, samples/s, memory.

SeismoGlow's model: 6 levels x 15 steps x 96 hidden channels with attention
in the last level, affine couplings, on single-channel 896 x 640 shot
gathers. For ``memory_efficient=False`` and ``True`` this script

* doubles the batch from 1 until a training step (forward, backward, Adam)
  runs out of GPU memory, then bisects between the last batch that fitted and
  the first that did not, and reports the largest batch that fits;
* times training steps at batch 4 (the same batch for both) and at that
  largest batch (median of ``--steps`` steps after one warm-up step);
* reports the peak GPU memory (``torch.cuda.max_memory_allocated``) of a step.

and writes ``flows_gpu.md`` and ``flows_gpu.png`` (``--out``: the Markdown's
path; default ``benchmarks/results/``).
``--parts check`` checks that the package trains on the GPU end to end
(``GlowOversampler(device="cuda")`` and ``MiniceptionClassifier(device="cuda")``
on a small synthetic problem, asserting finite samples, the device used and
labels among the classes) and writes ``gpu_training.md`` beside it. Needs a
CUDA GPU; without one it exits with status 2 and writes nothing. Run::

    python benchmarks/flows/bench_flows_gpu.py
    python benchmarks/flows/bench_flows_gpu.py --quick  # smoke run, report in /tmp
"""

import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the harness
from _harness import (  # noqa: E402
    argument_parser,
    command_line,
    header,
    parse_args,
    report_path,
    write_report,
)

IMAGE = (896, 640)
PAPER = dict(n_levels=6, n_steps=15, hidden_channels=96, attention_levels=1)


def _model(memory_efficient):
    import torch

    from sklearn_seismo.flows import Glow

    torch.manual_seed(0)
    return Glow(
        1, n_dim=2, coupling="affine", memory_efficient=memory_efficient, **PAPER
    ).cuda()


def _batch(n):
    import torch

    g = torch.Generator(device="cuda").manual_seed(n)
    x = torch.floor(torch.rand(n, 1, *IMAGE, device="cuda", generator=g) * 256) / 256
    return x + torch.rand(x.shape, device="cuda", generator=g) / 256


def _steps(memory_efficient, batch, n_steps):
    """Step times (s) and peak memory (bytes) of ``n_steps + 1`` steps."""
    import torch

    model = _model(memory_efficient)
    x = _batch(batch)
    model.initialize(x)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(n_steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = -model.log_prob(x).mean()
        loss.backward()
        opt.step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        if not torch.isfinite(loss):
            raise RuntimeError(f"non-finite loss at batch {batch}")
    peak = torch.cuda.max_memory_allocated()
    del model, opt, x, loss
    torch.cuda.empty_cache()
    return times[1:], peak


def _fits(memory_efficient, batch):
    import torch

    try:
        _steps(memory_efficient, batch, 0)
        fits = True
    except torch.cuda.OutOfMemoryError:
        fits = False
    # Outside the except block: the traceback (and the tensors its frames
    # hold) is gone, so the cache can really be emptied for the next try.
    gc.collect()
    torch.cuda.empty_cache()
    return fits


def largest_batch(memory_efficient, cap, deadline):
    """Largest batch <= ``cap`` whose training step fits (doubling, then bisection)."""
    good, bad, b = 0, None, 1
    while b <= cap and time.time() < deadline:
        if _fits(memory_efficient, b):
            good, b = b, b * 2
        else:
            bad = b
            break
    capped = bad is None
    while bad is not None and bad - good > 1 and time.time() < deadline:
        mid = (good + bad) // 2
        if _fits(memory_efficient, mid):
            good = mid
        else:
            bad = mid
    return good, capped


def train_check():
    """The package's estimators train on the GPU (small synthetic problem)."""
    import numpy as np

    from sklearn_seismo.neural import MiniceptionClassifier
    from sklearn_seismo.over_sampling import GlowOversampler

    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, 32)
    X = rng.normal(0, 0.1, (120, 32, 16)) + np.sin(20 * t)[None, :, None]
    y = np.array(["good"] * 100 + ["bad"] * 20)
    X[y == "bad", 10:12] += 3.0  # a strong arrival only in the rare class
    glow = GlowOversampler(
        n_levels=2,
        n_steps=2,
        hidden_channels=16,
        max_epochs=3,
        pretrain_epochs=2,
        device="cuda",
        random_state=0,
    )
    X_res, y_res = glow.fit_resample(X, y)
    assert np.isfinite(X_res).all(), "GlowOversampler returned non-finite samples"
    assert (y_res == "bad").sum() == (y_res == "good").sum()
    clf = MiniceptionClassifier(max_epochs=2, device="cuda", random_state=0)
    clf.fit(X_res.astype(np.float32), y_res)
    pred = clf.predict(X.astype(np.float32))
    assert set(pred) <= {"good", "bad"}
    return {
        "glow flow device": str(
            next(next(iter(glow.flows_.values())).parameters()).device
        ),
        "glow acceptance rate": ", ".join(
            f"{k}: {v:.2f}" for k, v in glow.acceptance_rate_.items()
        ),
        "resampled": f"{len(y_res)} samples, all finite",
        "classifier device": str(clf.device_),
        "classifier training accuracy": f"{(pred == y).mean():.2f}",
    }


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--max-batch", type=int, default=256)
    parser.add_argument(
        "--time-limit", type=float, default=360, help="seconds for the batch search"
    )
    parser.add_argument(
        "--parts",
        nargs="+",
        choices=["bench", "check"],
        default=["bench", "check"],
        help="the flow benchmark, the estimators' GPU training check, or both "
        "(each writes its own file)",
    )
    args = parse_args(parser, argv, steps=2, max_batch=8, time_limit=30.0)
    import torch

    if not torch.cuda.is_available():
        print("no CUDA GPU: nothing measured", file=sys.stderr)
        return 2
    path = report_path(args, "flows_gpu.md")
    cuda = f"CUDA {torch.version.cuda}"
    if "bench" in args.parts:
        bench(args, cuda, path, command_line(__file__, argv))
    if "check" in args.parts:
        started = time.time()
        check = train_check()
        lines = [
            *header(
                "The estimators train on a GPU",
                command_line(__file__, argv),
                wall_s=time.time() - started,
                packages=("torch", "skorch"),
                details=[cuda],
            ),
            "",
            "`GlowOversampler(device='cuda')` (2 levels x 2 steps x 16 hidden, 3 "
            "epochs after 2 of pretraining) and "
            "`MiniceptionClassifier(device='cuda')` (2 epochs) on 120 synthetic "
            "32 x 16 samples, 20 of them in the rare class; the script asserts "
            "finite samples, balanced classes after resampling and predicted "
            "labels among the classes:",
            "",
        ]
        lines += [f"- {k}: {v}" for k, v in check.items()]
        write_report(path.with_name("gpu_training.md"), lines)
        print("\n".join(lines))
    return 0


def bench(args, cuda, path, command):
    """The paper-size model: batch search, speed and memory; writes flows_gpu.*."""
    import torch

    started = time.time()
    rows = {}
    for me in (False, True):
        deadline = time.time() + args.time_limit / 2
        biggest, capped = largest_batch(me, args.max_batch, deadline)
        at4, peak4 = _steps(me, 4, args.steps)
        atmax, peakmax = _steps(me, biggest, args.steps) if biggest else ([], 0)
        rows[me] = dict(
            biggest=biggest,
            capped=capped,
            sps4=4 / statistics.median(at4),
            peak4=peak4 / 2**30,
            spsmax=biggest / statistics.median(atmax) if atmax else 0.0,
            peakmax=peakmax / 2**30,
        )
        print("memory_efficient", me, rows[me], flush=True)
    elapsed = time.time() - started
    n_params = sum(p.numel() for p in _model(False).parameters())
    lines = [
        *header(
            "Paper-size Glow on a GPU",
            command,
            wall_s=elapsed,
            packages=("torch",),
            details=[
                f"{cuda}; cuDNN TF32 "
                f"{'on' if torch.backends.cudnn.allow_tf32 else 'off'} (torch "
                "default), matmul TF32 "
                f"{'on' if torch.backends.cuda.matmul.allow_tf32 else 'off'}"
            ],
        ),
        f"- Model: `Glow(1, n_dim=2, n_levels=6, n_steps=15, hidden_channels=96, "
        f"attention_levels=1, coupling='affine')`, {n_params:,} parameters, on "
        f"1 x {IMAGE[0]} x {IMAGE[1]} inputs (8-bit quantised noise, "
        "dequantised); a step is forward + backward + Adam; times are the median "
        f"of {args.steps} steps after a warm-up step; memory is "
        "`torch.cuda.max_memory_allocated` over those steps. The largest batch: "
        "doubling from 1 until a step runs out of memory, then bisection, "
        f"within {args.time_limit / 2:g} s per setting.",
        "",
        "| memory_efficient | largest batch that fits | samples/s at it | peak "
        "GiB at it | samples/s at batch 4 | peak GiB at batch 4 |",
        "|---|---|---|---|---|---|",
    ]
    for me, r in rows.items():
        biggest = f"{r['biggest']}" + (
            f" (search capped at {args.max_batch})" if r["capped"] else ""
        )
        lines.append(
            f"| {me} | {biggest} | {r['spsmax']:.2f} | {r['peakmax']:.1f} | "
            f"{r['sps4']:.2f} | {r['peak4']:.2f} |"
        )
    plain, eff = rows[False], rows[True]
    lines += [
        "",
        "At batch 4, `memory_efficient=True` needs "
        f"{eff['peak4'] / plain['peak4']:.2f}x "
        f"the plain peak memory and runs at {eff['sps4'] / plain['sps4']:.2f}x its "
        "samples/s (same process, same GPU).",
        "",
        f"![gpu]({path.with_suffix('.png').name})",
        "",
    ]
    write_report(path, lines)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    labels = ["plain", "memory_efficient"]
    for ax, key, title in [
        (axes[0], "biggest", "largest batch that fits"),
        (axes[1], "sps4", "samples/s at batch 4"),
        (axes[2], "peak4", "peak GiB at batch 4"),
    ]:
        ax.bar(labels, [rows[m][key] for m in (False, True)], color=["C0", "C2"])
        ax.set_title(title, fontsize=10)
    fig.suptitle(
        f"Glow 6 x 15 x 96 (+attention), 1 x {IMAGE[0]} x {IMAGE[1]} -- "
        f"{torch.cuda.get_device_name(0)}",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path.with_suffix(".png"), dpi=110)
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
