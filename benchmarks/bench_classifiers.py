"""Benchmark: skorch overhead of the classifiers of ``sklearn_seismo.neural``.

For ``MiniceptionClassifier`` on 64 x 64 gathers and ``ResNetClassifier`` on
3 x 3000 waveforms, measures training throughput (samples per second) and peak
memory of

A. the estimator's ``fit`` (skorch, validation, label encoding, callbacks), and
B. the same ``torch.nn.Module`` trained by a plain PyTorch loop (same
   optimizer, learning rate, batch size, shuffling, loss), in the same process,
   A and B interleaved (A B A B ...) because the CPU is shared.

Overhead = 1 - throughput(A) / throughput(B); target < 10 %. Throughput is
reported per wall-clock second and per CPU second of this process: the machine
is shared with other jobs, and CPU time is what they disturb least. Peak memory
on the CPU is measured in a fresh child process per variant (peak resident set
during training minus the resident set just before it: in one long process the
allocator's cached memory would blur the comparison); on a GPU it is the
increase of ``torch.cuda.max_memory_allocated``.

Writes ``benchmarks/results/classifiers.md`` and ``classifiers.png``.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_classifiers.py [--quick]
[--device cpu|cuda]``
"""

import copy
import gc
import subprocess
import sys
from functools import partial

import numpy as np
import torch
from _harness import (
    argument_parser,
    command_line,
    header,
    peak_rss_mib,
    report_path,
    rss_mib,
    timed,
    write_report,
)
from torch.utils.data import DataLoader, TensorDataset

from sklearn_seismo.neural import MiniceptionClassifier, ResNetClassifier


def plain_loop(module, X, y, *, epochs, lr, batch_size, device, seed):
    """Reference: a minimal PyTorch training loop."""
    torch.manual_seed(seed)
    module = module().to(device)
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    loader = DataLoader(
        TensorDataset(torch.from_numpy(X), torch.from_numpy(y)),
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    module.train()
    for _ in range(epochs):
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(module(xb), yb)
            loss.backward()
            optimizer.step()
    return module


VARIANTS = ("skorch estimator", "plain PyTorch loop")
EPOCHS = 2


def make_case(case, quick, device):
    """Data, estimator factory and module factory of one benchmark case."""
    rng = np.random.default_rng(0)
    labels = np.array(["good", "medium", "bad"])
    scale = 1 if device == "cpu" else 16
    if case == "Miniception 64x64":
        n = (64 if quick else 256) * scale
        X = rng.normal(size=(n, 64, 64)).astype(np.float32)
        X_module = X[:, None]
        estimator = partial(
            MiniceptionClassifier, max_epochs=EPOCHS, device=device, random_state=0
        )
    else:
        n = (8 if quick else 32) * scale
        X = rng.normal(size=(n, 3, 3000)).astype(np.float32)
        X_module = X
        estimator = partial(
            ResNetClassifier, max_epochs=EPOCHS, device=device, random_state=0
        )
    y = labels[rng.integers(0, 3, n)]
    return X, X_module, y, estimator, module_factory(case, estimator, X, y)


_TEMPLATES = {}


def module_factory(case, estimator, X, y):
    """Fresh copies of the estimator's own torch module.

    The module is read from the public ``net_.module_`` of a 1-epoch fit on
    4 samples per class (made once per case and process, outside any timed
    run); each call returns a copy with re-initialised parameters.
    """
    if case not in _TEMPLATES:
        few = np.concatenate([np.flatnonzero(y == c)[:4] for c in np.unique(y)])
        fitted = estimator(max_epochs=1).fit(X[few], y[few])
        _TEMPLATES[case] = fitted.net_.module_

    def make():
        module = copy.deepcopy(_TEMPLATES[case])
        for layer in module.modules():
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
        return module

    return make


def train_once(case, variant, quick, device, seed=0):
    X, X_module, y, estimator, module = make_case(case, quick, device)
    if variant == VARIANTS[0]:
        estimator().fit(X, y)
    else:
        params = estimator().get_params()
        plain_loop(
            module,
            X_module,
            np.searchsorted(np.unique(y), y).astype(np.int64),
            epochs=EPOCHS,
            lr=params["lr"],
            batch_size=params["batch_size"],
            device=device,
            seed=seed,
        )
    if device == "cuda":
        torch.cuda.synchronize()
    return len(X) * EPOCHS


def child_peak_memory(case, variant, quick, device):
    """Peak memory increase (MiB) of one training run, in a fresh process."""
    cmd = [sys.executable, __file__, "--child", case, variant, "--device", device]
    if quick:
        cmd.append("--quick")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def _child(case, variant, quick, device):
    X, *_ = make_case(case, quick, device)  # data allocated before the baseline
    gc.collect()
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        train_once(case, variant, quick, device)
        print((torch.cuda.max_memory_allocated() - base) / 2**20)
        return
    base = rss_mib()
    train_once(case, variant, quick, device)
    print(peak_rss_mib() - base)


def run_case(case, *, quick, repeats, device):
    rows = {v: {"wall": [], "cpu": [], "memory": []} for v in VARIANTS}
    # warm-up, not recorded: the first run in a process pays lazy imports and
    # oneDNN kernel selection
    for variant in VARIANTS:
        train_once(case, variant, quick, device)
    for r in range(repeats):
        # interleave, and alternate who goes first: A B, B A, A B, ...
        order = VARIANTS if r % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            gc.collect()
            n, t = timed(train_once, case, variant, quick, device, seed=r)
            wall, cpu = t.wall_s, t.cpu_s
            rows[variant]["wall"].append(n / wall)
            rows[variant]["cpu"].append(n / cpu)
            print(
                f"{case:>18} | {variant:<18} | repeat {r} | {n / wall:7.1f} "
                f"samples/s wall | {n / cpu:7.1f} samples/CPU-s",
                flush=True,
            )
    for variant in VARIANTS:
        rows[variant]["memory"] = child_peak_memory(case, variant, quick, device)
        print(f"{case:>18} | {variant:<18} | peak {rows[variant]['memory']:.0f} MiB")
    return rows


def main(argv=None):
    parser = argument_parser(__doc__)  # --quick: small sizes
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--child", nargs=2, metavar=("CASE", "VARIANT"))
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child, args.quick, args.device)
        return
    repeats = args.repeats or (2 if args.quick else 3)
    cases = {
        case: run_case(case, quick=args.quick, repeats=repeats, device=args.device)
        for case in ("Miniception 64x64", "ResNet 3x3000")
    }
    sizes = {case: len(make_case(case, args.quick, args.device)[0]) for case in cases}
    command = command_line(__file__, argv)
    write_results(cases, args, sizes, repeats, command)


def write_results(cases, args, sizes, repeats, command):
    device = args.device
    stem = "classifiers" if device == "cpu" else "classifiers_gpu"
    out = report_path(args, f"{stem}.md")
    lines = [
        *header(
            "Classifier training: skorch estimator vs plain PyTorch loop",
            command,
            packages=("torch", "skorch"),
        ),
        f"- device: {device}; {torch.get_num_threads()} torch thread(s)",
        f"- data: {sizes['Miniception 64x64']} random 64x64 gathers, "
        f"{sizes['ResNet 3x3000']} random 3x3000 waveforms, 3 string labels; "
        f"{EPOCHS} epochs per run (module construction included), one warm-up "
        f"run each, then {repeats} interleaved repeats (A B, B A, ...), medians "
        "reported",
        "- estimator defaults (Miniception alpha=4, n_blocks=4, batch 32, lr 5e-5; "
        "ResNet 64/128/128 filters, kernels 8/5/3, batch 16, lr 1e-3); the plain "
        "loop trains the same module with the same optimizer, lr, batch size, "
        "shuffling and loss",
        "- memory: peak resident set during training minus the resident set "
        "before it, each variant in a fresh child process (CPU); "
        "`torch.cuda.max_memory_allocated` increase (GPU)",
        "",
        "| model | variant | samples/s wall | samples/CPU-s | peak memory MiB |",
        "|---|---|---|---|---|",
    ]
    for case, rows in cases.items():
        for variant, r in rows.items():
            lines.append(
                f"| {case} | {variant} | {np.median(r['wall']):.1f} | "
                f"{np.median(r['cpu']):.1f} | {r['memory']:.0f} |"
            )
    lines += [
        "",
        "| model | overhead, wall (1 - A/B) | overhead, CPU time | target |",
        "|---|---|---|---|",
    ]
    for case, rows in cases.items():
        ov = {
            k: 1 - np.median(rows[VARIANTS[0]][k]) / np.median(rows[VARIANTS[1]][k])
            for k in ("wall", "cpu")
        }
        status = "met" if ov["cpu"] < 0.10 else "NOT met"
        lines.append(
            f"| {case} | {ov['wall']:+.1%} | {ov['cpu']:+.1%} | < 10 % ({status}) |"
        )
    spread = max(
        max(r["wall"]) / min(r["wall"]) - 1
        for rows in cases.values()
        for r in rows.values()
    )
    lines += [
        "",
        "The target is judged on CPU time: other jobs shared the cores, and the "
        f"wall-clock throughput of one variant varied by up to {spread:.0%} "
        "between its repeats, more than the differences measured. A negative "
        "overhead means the estimator was faster in that comparison.",
    ]
    if device == "cpu":
        lines += [
            "",
            "No GPU was available to this run; `--device cuda` on a GPU machine "
            "writes `classifiers_gpu.md`.",
        ]
    write_report(out, lines)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    names = list(cases)
    width = 0.38
    for i, variant in enumerate(VARIANTS):
        x = np.arange(len(names)) + (i - 0.5) * width
        for j, case in enumerate(names):
            pts = cases[case][variant]["cpu"]
            axes[0].scatter([x[j]] * len(pts), pts, color="k", s=8, zorder=3)
        axes[0].bar(
            x,
            [np.median(cases[c][variant]["cpu"]) for c in names],
            width,
            label=variant,
        )
        axes[1].bar(
            x, [cases[c][variant]["memory"] for c in names], width, label=variant
        )
    for ax, label in zip(axes, ["training samples / CPU-second", "peak memory (MiB)"]):
        ax.set_xticks(np.arange(len(names)), names)
        ax.set_ylabel(label)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"sklearn_seismo.neural vs plain PyTorch loop ({device})", fontsize=10)
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=110)
    plt.close(fig)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
