"""Where a Glow training step spends its time, per layer type, on this CPU.

The benchmark model of ``bench_flows.py`` (3 levels x 8 steps x 64 hidden
channels, input 1 x 64 x 64, batch 16, Adam) is run for whole training steps
and, layer type by layer type, for the forward and backward pass of every
instance of that type on the inputs it receives inside the model (captured
with forward hooks). For each type the table gives the share of the whole
step, the floating-point work (``torch.utils.flop_counter``) and the achieved
GFLOP/s; the machine's sgemm peak (1024 x 1024 matrix products) is measured in
the same process. A ``torch.profiler`` table of the heaviest operators of a
whole step follows.

Times are the minimum over repeats of wall-clock time: on a shared machine
the minimum is the run least disturbed by other processes.

Run (about 2 minutes)::

    python benchmarks/flows/profile_flows.py              # -> results/flows_profile.md
    python benchmarks/flows/profile_flows.py --threads 1  # one thread count only
    python benchmarks/flows/profile_flows.py --quick      # smoke run, report in /tmp
"""

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

BATCH = 16
INPUT_SHAPE = (1, 64, 64)


def _min_time(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def sgemm_peak(repeats=20):
    """GFLOP/s of a 1024 x 1024 float32 matrix product (the CPU's practical peak)."""
    import torch

    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    return 2 * 1024**3 / _min_time(lambda: a @ b, repeats) / 1e9


def _tensors(value):
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    return [value] if hasattr(value, "requires_grad") else []


def build(coupling="affine", seed=0):
    """The benchmark model, its optimizer and one dequantised batch."""
    import torch

    from sklearn_seismo.flows import Glow

    torch.manual_seed(seed)
    model = Glow(
        INPUT_SHAPE[0],
        n_dim=2,
        n_levels=3,
        n_steps=8,
        hidden_channels=64,
        coupling=coupling,
    )
    x = torch.rand(BATCH, *INPUT_SHAPE)
    model.initialize(x)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return model, opt, x


def layer_types(model):
    """``{type name: [module, ...]}`` of the layers profiled one by one."""
    from sklearn_seismo.flows import ActNorm, AffineCoupling, InvConv, Split, Squeeze

    kinds = {
        ActNorm: "ActNorm",
        InvConv: "InvConv (LU 1x1)",
        AffineCoupling: "coupling (whole)",
        Split: "Split (prior)",
        Squeeze: "Squeeze",
    }
    out = {}
    for m in model.modules():
        for cls, name in kinds.items():
            if isinstance(m, cls):
                out.setdefault(name, []).append(m)
                if cls is AffineCoupling:
                    out.setdefault("coupling network", []).append(m.net)
    return out


def profile(threads, repeats):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    torch.set_num_threads(threads)
    model, opt, x = build()

    def train_step():
        opt.zero_grad(set_to_none=True)
        (-model.log_prob(x).mean()).backward()
        opt.step()

    step_s = _min_time(train_step, repeats)
    with FlopCounterMode(display=False) as fc:
        train_step()
    step_flops = fc.get_total_flops()

    captured = {}
    hooks = []
    types = layer_types(model)
    for name, mods in types.items():
        for m in mods:

            def hook(mod, inputs, output, name=name):
                captured.setdefault(name, []).append(
                    (mod, [t.detach().clone() for t in _tensors(inputs)])
                )

            hooks.append(m.register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()

    rows = []
    for name, calls in captured.items():

        def fwd_bwd(calls=calls):
            for mod, inputs in calls:
                inputs = [t.clone().requires_grad_(True) for t in inputs]
                outs = [t for t in _tensors(mod(*inputs)) if t.requires_grad]
                torch.autograd.backward(outs, [torch.ones_like(t) for t in outs])

        seconds = _min_time(fwd_bwd, repeats)
        with FlopCounterMode(display=False) as fc:
            fwd_bwd()
        rows.append((name, len(calls), seconds, fc.get_total_flops()))
    opt_s = _min_time(opt.step, repeats)
    rows.append(("Adam step", 1, opt_s, 0))

    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    with torch_profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for _ in range(3):
            train_step()
    table = prof.key_averages(group_by_input_shape=True).table(
        sort_by="self_cpu_time_total",
        row_limit=15,
        max_name_column_width=32,
        max_shapes_column_width=60,
    )
    return {
        "threads": threads,
        "step_s": step_s,
        "step_flops": step_flops,
        "peak": sgemm_peak(),
        "rows": rows,
        "table": table,
    }


def report(results, args, elapsed, command):

    lines = [
        *header(
            "Profile of one Glow training step, per layer type",
            command,
            wall_s=elapsed,
            packages=("torch",),
        ),
        "- Model: `Glow(1, n_dim=2, n_levels=3, n_steps=8, hidden_channels=64)` "
        "(affine couplings), input 1 x 64 x 64, batch 16, Adam, as in "
        "`bench_flows.py`.",
        "- Times: minimum wall-clock time over repeats. A layer type's row is "
        "the forward + backward of all its instances on the inputs they get "
        "inside the model, so the rows need not add up to the step exactly "
        "(the step also sums log-determinants and latent log-densities). "
        "`coupling network` is part of `coupling (whole)`.",
        "",
    ]
    for res in results:
        step_gflops = res["step_flops"] / res["step_s"] / 1e9
        lines += [
            f"## {res['threads']} thread{'s' if res['threads'] > 1 else ''}",
            "",
            f"Whole step: {res['step_s'] * 1e3:.1f} ms "
            f"({BATCH / res['step_s']:.1f} samples/s), "
            f"{res['step_flops'] / 1e9:.2f} GFLOP, {step_gflops:.1f} GFLOP/s = "
            f"{100 * step_gflops / res['peak']:.0f} % of the sgemm peak of "
            f"{res['peak']:.1f} GFLOP/s measured in the same process.",
            "",
            "| layer type | instances | ms (fwd + bwd) | share of step | GFLOP "
            "| GFLOP/s | % of sgemm peak |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, n, seconds, flops in sorted(res["rows"], key=lambda r: -r[2]):
            rate = flops / seconds / 1e9 if flops else 0.0
            lines.append(
                f"| {name} | {n} | {seconds * 1e3:.1f} | "
                f"{100 * seconds / res['step_s']:.0f} % | {flops / 1e9:.3f} | "
                f"{rate:.1f} | {100 * rate / res['peak']:.0f} % |"
            )
        lines += [
            "",
            "Heaviest operators over 3 steps (`torch.profiler`, self CPU time):",
            "",
            "```",
            res["table"].rstrip(),
            "```",
            "",
        ]
    return "\n".join(lines)


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=10)
    args = parse_args(parser, argv, threads=[1], repeats=2)
    started = time.time()
    results = [profile(t, args.repeats) for t in args.threads]
    text = report(results, args, time.time() - started, command_line(__file__, argv))
    write_report(report_path(args, "flows_profile.md"), [text])
    print(text)


if __name__ == "__main__":
    main()
