"""Torch threads per fit, idle and under load: which default survives both.

Question: how long does a small fit of this package take with 1 torch thread,
with one thread per core, with one per core and a passive OpenMP wait policy,
and with the package's default (no thread setting), when the machine is idle
and when other jobs keep every core busy? The workload is what a README user
runs, made small: ``MiniceptionClassifier`` (default architecture, 1 epoch)
fitted on 300 gathers of 32 x 32, then ``GlowOversampler.fit_resample`` (a
2 x 4 x 32 flow, 1 pretraining and 1 fine-tuning epoch) on the same gathers.

Each measurement is a fresh process (OpenMP reads ``OMP_WAIT_POLICY`` when it
loads), timed inside the process after the imports. The load is ``--load``
busy-loop processes (``while True: pass``, default 2 per core, at nice
``--nice``, default 0: the same priority as the fit) started by this script
before each loaded block and stopped after it. Idle and loaded blocks and the
order of the settings alternate between repeats. A fit that runs past
``--timeout`` seconds is stopped and reported as more than the timeout.

Run: ``python benchmarks/bench_threads.py [--quick] [--repeats 2]``
Result: ``benchmarks/results/threads.md``
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from _harness import (
    argument_parser,
    command_line,
    header,
    parse_args,
    report_path,
    timed,
    write_report,
)

CORES = os.cpu_count() or 1
# variables a setting may set; removed from every child first so that the
# caller's environment does not leak into the comparison
VARIABLES = (
    "SEISMO_TORCH_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OMP_WAIT_POLICY",
)
# seconds a loaded machine may take to import torch and the package; the
# --timeout clock starts after the imports
IMPORT_ALLOWANCE = 120


def settings(quick):
    out = {
        "1 thread": {"SEISMO_TORCH_THREADS": "1"},
        f"{CORES} threads": {"SEISMO_TORCH_THREADS": str(CORES)},
        f"{CORES} threads, OMP_WAIT_POLICY=passive": {
            "SEISMO_TORCH_THREADS": str(CORES),
            "OMP_WAIT_POLICY": "PASSIVE",
        },
        "package default (nothing set)": {},
    }
    if quick:
        out = {k: out[k] for k in ("1 thread", "package default (nothing set)")}
    return out


# ------------------------------------------------------------------ the child
def workload(quick, timeout):
    """Time the two fits in this process; return a JSON-able dict."""
    import torch
    from skorch.callbacks import Callback

    from sklearn_seismo.datasets import make_shot_gathers
    from sklearn_seismo.neural import MiniceptionClassifier
    from sklearn_seismo.over_sampling import GlowOversampler

    class SeeThreads(Callback):
        # the thread count torch runs the training epochs with
        def on_epoch_begin(self, net, **kwargs):
            self.seen = torch.get_num_threads()

    n = 100 if quick else 300
    X, y = make_shot_gathers(n_samples=n, shape=(32, 32), random_state=0)
    see = SeeThreads()

    def stop(signum, frame):
        print(json.dumps({"timeout": True}), flush=True)
        os._exit(0)

    signal.signal(signal.SIGALRM, stop)
    signal.alarm(max(1, round(timeout)))
    clf = MiniceptionClassifier(
        max_epochs=1, callbacks=[see], device="cpu", random_state=0
    )
    _, t_clf = timed(clf.fit, X, y)
    glow = GlowOversampler(
        n_levels=2,
        n_steps=4,
        hidden_channels=32,
        pretrain_epochs=1,
        max_epochs=1,
        device="cpu",
        random_state=0,
    )
    _, t_glow = timed(glow.fit_resample, X, y)
    signal.alarm(0)
    return {
        "threads": see.seen,
        "classifier_s": t_clf.wall_s,
        "glow_s": t_glow.wall_s,
        "wall_s": t_clf.wall_s + t_glow.wall_s,
        "cpu_s": t_clf.cpu_s + t_glow.cpu_s,
    }


def run_child(env_extra, quick, timeout):
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(env_extra)
    cmd = [sys.executable, __file__, "--child", "--timeout", str(timeout)]
    cmd += ["--quick"] if quick else []
    load = os.getloadavg()[0]
    try:
        out = subprocess.run(
            cmd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout + IMPORT_ALLOWANCE,
            check=True,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        row = {"timeout": True}
    if row.get("timeout"):
        return {"timeout": True, "wall_s": float(timeout), "load": load}
    row.update(timeout=False, load=load)
    return row


# ------------------------------------------------------------------ the load
def start_load(n, nice):
    procs = []
    for _ in range(n):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", "while True: pass"],
                preexec_fn=(lambda: os.nice(nice)) if nice else None,
            )
        )
    time.sleep(1.0)  # let the scheduler see them
    return procs


def stop_load(procs):
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait()


# ------------------------------------------------------------------ the report
def median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def summarise(rows, names):
    """{(condition, setting): (median wall, any timeout, median cpu, threads)}."""
    out = {}
    for cond in ("idle", "loaded"):
        for name in names:
            runs = [r for r in rows if r["condition"] == cond and r["setting"] == name]
            if not runs:
                continue
            done = [r for r in runs if not r["timeout"]]
            out[cond, name] = {
                "wall": median([r["wall_s"] for r in runs]),
                "timeouts": sum(r["timeout"] for r in runs),
                "n": len(runs),
                "cpu": median([r["cpu_s"] for r in done]) if done else None,
                "threads": done[0]["threads"] if done else None,
                "clf": median([r["classifier_s"] for r in done]) if done else None,
                "glow": median([r["glow_s"] for r in done]) if done else None,
            }
    return out


def _fmt(seconds, timeouts=0):
    return f"> {seconds:.0f}" if timeouts else f"{seconds:.1f}"


def report(rows, names, args, wall, command):
    stats = summarise(rows, names)
    best = {
        cond: min(s["wall"] for (c, _), s in stats.items() if c == cond)
        for cond in ("idle", "loaded")
    }
    loads = {
        cond: [r["load"] for r in rows if r["condition"] == cond]
        for cond in ("idle", "loaded")
    }
    n_load = args.load if args.load is not None else 2 * CORES
    lines = header(
        "Torch threads per fit, idle and under load",
        command,
        wall_s=wall,
        packages=("torch", "numpy", "skorch"),
        details=[
            "workload: MiniceptionClassifier (default architecture, 1 epoch) "
            "fit + GlowOversampler (2 x 4 x 32, 1 pretraining and 1 "
            "fine-tuning epoch) fit_resample on "
            f"{100 if args.quick else 300} gathers of 32 x 32, timed inside a "
            "fresh process after its imports",
            f"load: {n_load} busy-loop processes (`while True: pass`) at nice "
            f"{args.nice}, started by the script before each loaded block; "
            "'idle' means without them: other jobs on the machine still count "
            "(1-min load average before each idle run: "
            f"{min(loads['idle']):.1f}-{max(loads['idle']):.1f}; "
            f"loaded: {min(loads['loaded']):.1f}-{max(loads['loaded']):.1f})",
            f"{args.repeats} repeats, idle and loaded blocks alternating, "
            "settings rotated; median over repeats; timeout "
            f"{args.timeout:.0f} s per fit ('> t': it ran past the timeout at "
            "least once, t used as a lower bound)",
        ],
    )
    lines += [
        "",
        "| setting | torch threads | idle: s (clf / glow) | idle: CPU s "
        "| idle: x best | loaded: s (clf / glow) | loaded: CPU s "
        "| loaded: x best | loaded / best idle |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        cells = [name]
        threads = None
        for cond in ("idle", "loaded"):
            s = stats.get((cond, name))
            if s is None:
                cells += ["-"] * 3
                continue
            threads = threads or s["threads"]
            parts = (
                f" ({s['clf']:.1f} / {s['glow']:.1f})" if s["clf"] is not None else ""
            )
            cells += [
                _fmt(s["wall"], s["timeouts"]) + parts,
                "-" if s["cpu"] is None else f"{s['cpu']:.1f}",
                ("> " if s["timeouts"] else "") + f"{s['wall'] / best[cond]:.2f}",
            ]
        loaded = stats.get(("loaded", name))
        cells.insert(1, str(threads) if threads else "-")
        if loaded is None:
            cells.append("-")
        else:
            ratio = loaded["wall"] / best["idle"]
            cells.append(("> " if loaded["timeouts"] else "") + f"{ratio:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "x best: median wall time over the best setting's in the same condition "
        "of this run. CPU s: the process's CPU time (all its threads); more CPU "
        "for the same work is time spent spinning.",
        "",
        "Raw runs (condition, setting, wall s, timeout, load average):",
        "",
    ]
    for r in rows:
        lines.append(
            f"- {r['condition']}, {r['setting']}: {r['wall_s']:.1f} s"
            + (" (timeout)" if r["timeout"] else "")
            + f", load {r['load']:.1f}"
        )
    return lines


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--load", type=int, default=None, help="busy processes (default 2 per core)"
    )
    parser.add_argument("--nice", type=int, default=0, help="niceness of the load")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds per fit (--quick: 20)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parse_args(parser, argv, timeout=20.0)
    if args.child:
        print(json.dumps(workload(args.quick, args.timeout)))
        return None
    n_load = args.load if args.load is not None else 2 * CORES
    configs = settings(args.quick)
    names = list(configs)
    rows = []
    # a `kill` must stop the busy loops too: raise, so that `finally` runs
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    tic = time.perf_counter()
    for rep in range(args.repeats):
        conditions = ("idle", "loaded") if rep % 2 == 0 else ("loaded", "idle")
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for cond in conditions:
            procs = start_load(n_load, args.nice) if cond == "loaded" else []
            try:
                for name in order:
                    row = run_child(configs[name], args.quick, args.timeout)
                    row.update(condition=cond, setting=name, repeat=rep)
                    rows.append(row)
                    print(
                        f"[{rep}] {cond:6s} {name}: {row['wall_s']:.1f} s"
                        + (" (timeout)" if row["timeout"] else ""),
                        flush=True,
                    )
            finally:
                stop_load(procs)
    wall = time.perf_counter() - tic
    lines = report(rows, names, args, wall, command_line(__file__, argv))
    out = report_path(args, "threads.md")
    write_report(out, lines)
    return rows


if __name__ == "__main__":
    main()
