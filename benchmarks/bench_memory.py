"""Peak memory of the filters on large batches: chunked against unchunked.

``Bandpass`` (``sosfiltfilt``), ``RandomBandpass`` (frequency-domain
Butterworth) and ``TimeStretch`` (linear interpolation) work on blocks of
samples of about 8 MiB (``sklearn_seismo.utils.chunk_memory``; 8 MiB of
float64 per block). The peer is the same code with the block size set larger
than the batch, i.e. one block over the whole batch: the unchunked behaviour
(one float64 ``sosfiltfilt`` / FFT / index array over everything).

Every case runs in its own subprocess (one at a time), which builds a float32
``(n, 3, 1000)`` batch, calls ``fit`` on one sample and ``transform`` on the
batch, and reports the harness's ``peak_rss_mib()`` (``ru_maxrss``, peak RSS of
the process) and the RSS just before ``transform``. The unchunked peer runs
only up to ``--max-naive-gb`` of expected peak so that the shared machine is
not pushed into swap; its larger sizes are reported as not run (its peak grows
linearly with the input: see its peak / input column).

Target: peak RSS at most 2x the input for the three filters on
100,000 x 3 x 1,000 float32 (1.2 GB); outputs of the two equal to 1e-6.

Writes ``benchmarks/results/memory.md`` and ``memory.png``.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_memory.py [--quick]``

Decompression bombs (``--bombs``, a section of its own): gzip, bzip2, xz,
zip (deflate and bzip2 members) and tar.gz files of ``--bomb-mib`` MiB of
one repeated byte (512 MiB by default, 2 x the default cap), given to ``load_waveforms``
(and a ``.sgy.gz`` to ``read_shot_gathers``) with the default
``max_decompressed_bytes`` (256 MiB). Each case runs in its own subprocess
and reports peak RSS, the RSS before the call, the wall time and the error.
The peer is ``obspy.read`` on the same file, which decompresses the whole
file in memory before looking at it (what the readers did before the cap).
Target: every bomb refused with a message naming the file, the cap and
``max_decompressed_bytes``, with peak RSS added by the call under the cap.
Writes ``benchmarks/results/decompression.md`` and ``decompression.png``.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_memory.py --bombs`` (with
``--quick``: the package only, no ObsPy peer).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _harness import (
    ROOT,
    PeakSampler,
    argument_parser,
    command_line,
    header,
    peak_rss_mib,
    report_path,
    rss_mib,
    write_report,
)

# Measure the checkout this script lives in, not an installed copy.
sys.path.insert(0, str(ROOT))

N_TIMES = 1000
N_CHANNELS = 3
FILTERS = ("Bandpass", "RandomBandpass", "TimeStretch")
# peak / input of the unchunked peer measured in a first run of this script:
# used only to skip peer sizes that would exceed --max-naive-gb
_NAIVE_RATIO_GUESS = {"Bandpass": 9.5, "RandomBandpass": 7.0, "TimeStretch": 7.5}


def make_estimator(name):
    from sklearn_seismo.augmentation import RandomBandpass, TimeStretch
    from sklearn_seismo.preprocessing import Bandpass

    return {
        "Bandpass": lambda: Bandpass(1.0, 20.0, sampling_rate=100.0),
        "RandomBandpass": lambda: RandomBandpass(random_state=0),
        "TimeStretch": lambda: TimeStretch(random_state=0),
    }[name]()


def _rss_bytes():
    return rss_mib() * 2**20


def _peak_bytes():
    return peak_rss_mib() * 2**20


def run_case(name, impl, n):
    """Body of one subprocess: returns the measurements as a dict."""
    from sklearn_seismo.utils import chunk_memory

    X = np.random.default_rng(0).standard_normal(
        (n, N_CHANNELS, N_TIMES), dtype=np.float32
    )
    est = make_estimator(name).fit(X[:1])
    before = _rss_bytes()
    t0 = time.perf_counter()
    # the package default (8 MiB blocks), or one block over the whole batch
    with chunk_memory(None if impl == "unchunked" else 8 * 2**20):
        out = est.transform(X)
    seconds = time.perf_counter() - t0
    peak = _peak_bytes()
    assert out.shape == X.shape and out.dtype == X.dtype
    import sklearn_seismo

    assert Path(sklearn_seismo.__file__).resolve().is_relative_to(ROOT)
    return {
        "filter": name,
        "impl": impl,
        "n": n,
        "input_bytes": X.nbytes,
        "rss_before": before,
        "peak_rss": peak,
        "seconds": seconds,
    }


def measure(name, impl, n):
    cmd = [sys.executable, __file__, "--case", name, impl, str(n)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def max_abs_difference(name, n=2000):
    """Chunked against unchunked output, in this process (small batch)."""
    from sklearn_seismo.utils import chunk_memory

    X = np.random.default_rng(1).standard_normal(
        (n, N_CHANNELS, N_TIMES), dtype=np.float32
    )
    with chunk_memory(8 * N_CHANNELS * N_TIMES * 2 * 64):  # 64 samples
        chunked = make_estimator(name).fit(X[:1]).transform(X)
    with chunk_memory(None):
        whole = make_estimator(name).fit(X[:1]).transform(X)
    return float(np.max(np.abs(chunked.astype(np.float64) - whole)))


def plot(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    for ax, name in zip(axes, FILTERS):
        for impl, style in (("unchunked", "o--"), ("chunked", "s-")):
            pts = sorted(
                (r["input_bytes"] / 1e9, r["peak_rss"] / 1e9)
                for r in rows
                if r["filter"] == name and r["impl"] == impl
            )
            if pts:
                x, y = zip(*pts)
                label = "unchunked peer" if impl == "unchunked" else "chunked (package)"
                ax.plot(x, y, style, label=label)
        xmax = max(r["input_bytes"] for r in rows) / 1e9
        xs = np.linspace(0, xmax, 2)
        ax.plot(xs, 2 * xs, ":", color="grey", label="2 x input (target)")
        ax.plot(xs, xs, "-", color="lightgrey", label="input")
        ax.set_title(name)
        ax.set_xlabel("input size (GB, float32 n x 3 x 1000)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("peak RSS of the process (GB)")
    axes[0].legend(fontsize=8)
    fig.suptitle("Peak RSS of transform against input size (one subprocess per case)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def write_markdown(rows, diffs, sizes, args, elapsed, path, command):
    lines = [
        *header(
            "Peak memory of Bandpass, RandomBandpass and TimeStretch",
            command,
            wall_s=elapsed,
            packages=("numpy", "scipy"),
        ),
        "",
        "Each row is one subprocess: float32 `(n, 3, 1000)` input, `fit` on one "
        "sample, `transform` on the batch. *peak* is `ru_maxrss` of the process "
        "(includes the interpreter, imports, the input and the output); *added* "
        "is peak minus the RSS just before `transform` (input already built), "
        "so the output alone is 1.0x. *unchunked* is the same code with one "
        "block over the whole batch (the behaviour before chunking).",
        "",
        "| filter | n | input (GB) | unchunked peak (GB) | chunked peak (GB) "
        "| chunked peak / input | chunked added / input | unchunked peak / input "
        "| chunked time (s) | unchunked time (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in FILTERS:
        for n in sizes:
            by = {r["impl"]: r for r in rows if r["filter"] == name and r["n"] == n}
            c, u = by.get("chunked"), by.get("unchunked")
            if c is None:
                continue
            gb = c["input_bytes"] / 1e9
            u_peak = f"{u['peak_rss'] / 1e9:.2f}" if u else "not run"
            u_ratio = f"{u['peak_rss'] / u['input_bytes']:.2f}" if u else "-"
            u_time = f"{u['seconds']:.1f}" if u else "-"
            lines.append(
                f"| {name} | {n:,} | {gb:.2f} | {u_peak} | "
                f"{c['peak_rss'] / 1e9:.2f} | {c['peak_rss'] / c['input_bytes']:.2f} "
                f"| {(c['peak_rss'] - c['rss_before']) / c['input_bytes']:.2f} "
                f"| {u_ratio} | {c['seconds']:.1f} | {u_time} |"
            )
    lines += [
        "",
        "Largest chunked size against the target (peak RSS <= 2 x input):",
        "",
    ]
    n_max = max(sizes)
    for name in FILTERS:
        c = next(
            r
            for r in rows
            if r["filter"] == name and r["impl"] == "chunked" and r["n"] == n_max
        )
        ratio = c["peak_rss"] / c["input_bytes"]
        verdict = "met" if ratio <= 2.0 else "MISSED"
        lines.append(
            f"* {name}, n={n_max:,}: peak {c['peak_rss'] / 1e9:.2f} GB = "
            f"{ratio:.2f} x input ({verdict}); added by transform "
            f"{(c['peak_rss'] - c['rss_before']) / c['input_bytes']:.2f} x input."
        )
    lines += [
        "",
        "An out-of-place transform holds its input and its output at once "
        "(2.0 x input) on top of the interpreter and imports (about 0.16 GB "
        "here), so peak RSS <= 2 x input cannot be met literally by a "
        "transform that never modifies its input; what the chunked transform "
        "adds beyond the output is the 'added' column minus 1.",
        "",
        "Unchunked peer sizes above the memory cap of this shared machine "
        f"(--max-naive-gb {args.max_naive_gb:g}) are 'not run'; its peak grows "
        "linearly with the input (see the ratio column), so at n=100,000 it "
        "would be about that ratio times 1.2 GB.",
        "",
        "Largest absolute difference chunked (64-sample blocks) against "
        "unchunked, n=2,000, same process:",
        "",
    ]
    for name, d in diffs.items():
        lines.append(f"* {name}: {d:.2e} (target <= 1e-6)")
    lines += ["", f"![peak RSS]({path.with_suffix('.png').name})", ""]
    path.write_text("\n".join(lines))


BOMB_KINDS = ("gz", "bz2", "xz", "zip", "zip-bz2", "tar.gz", "sgy.gz")
_MiB = 2**20


class _Filler:
    """A file of ``n`` bytes 0x55 that is never held in memory.

    Not zeros: a block of zeros is a valid (empty) tar archive to ObsPy's
    archive check, which then skips decompressing the peer's file.
    """

    def __init__(self, n):
        self.left = n

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return b"\x55" * n


def make_bomb(folder, kind, n_bytes):
    """A ``kind`` file of ``n_bytes`` bytes 0x55, written in 1 MiB steps."""
    import bz2
    import gzip
    import lzma
    import tarfile
    import zipfile

    name = "bomb.sgy.gz" if kind == "sgy.gz" else f"bomb.mseed.{kind}"
    path = str(Path(folder) / name)
    src = _Filler(n_bytes)
    if kind in ("gz", "sgy.gz", "bz2", "xz"):
        opener = {"bz2": bz2.open, "xz": lzma.open}.get(kind, gzip.open)
        with opener(path, "wb") as fh:
            while block := src.read(_MiB):
                fh.write(block)
    elif kind in ("zip", "zip-bz2"):
        method = zipfile.ZIP_BZIP2 if kind == "zip-bz2" else zipfile.ZIP_DEFLATED
        with zipfile.ZipFile(path, "w", compression=method) as zf:
            with zf.open("filler.mseed", "w", force_zip64=True) as fh:
                while block := src.read(_MiB):
                    fh.write(block)
    elif kind == "tar.gz":
        with tarfile.open(path, "w:gz") as tar:
            info = tarfile.TarInfo("filler.mseed")
            info.size = n_bytes
            tar.addfile(info, src)
    return path


def run_bomb_case(impl, kind, path):
    """Body of one subprocess: read ``path``; the measurements as a dict."""
    import obspy

    from sklearn_seismo.datasets import load_waveforms, read_shot_gathers

    before = _rss_bytes()
    t0 = time.perf_counter()
    error = ""
    # sampled during the call: ru_maxrss may still hold the import's peak
    with PeakSampler(interval=0.002) as sampler:
        try:
            if impl == "obspy":
                obspy.read(path)
            elif kind == "sgy.gz":
                read_shot_gathers(path)
            else:
                load_waveforms(path)
        except Exception as exc:  # the error is the measurement
            error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - t0
    peak = sampler.peak_mib * 2**20
    return {
        "impl": impl,
        "kind": kind,
        "file_bytes": os.path.getsize(path),
        "rss_before": before,
        "peak_rss": peak,
        "seconds": seconds,
        "error": error,
    }


def measure_bomb(impl, kind, path):
    cmd = [sys.executable, __file__, "--bomb-case", impl, kind, path]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def plot_bombs(rows, cap, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.38
    for k, (impl, label) in enumerate(
        (
            ("obspy", "obspy.read (whole file in memory)"),
            ("package", "package (capped)"),
        )
    ):
        ys = [
            max(r["peak_rss"] - r["rss_before"], _MiB) / _MiB
            for kind in BOMB_KINDS
            for r in rows
            if r["kind"] == kind and r["impl"] == impl
        ]
        xs = np.arange(len(ys)) + (k - 0.5) * width
        ax.bar(xs, ys, width, label=label)
    ax.axhline(cap / _MiB, color="grey", ls=":", label="cap (max_decompressed_bytes)")
    ax.set_xticks(np.arange(len(BOMB_KINDS)))
    ax.set_xticklabels(BOMB_KINDS)
    ax.set_yscale("log")
    ax.set_ylabel("peak RSS added by the call (MiB)")
    ax.set_title("Decompression bombs: memory taken before the error")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def run_bombs(args, command):
    import inspect
    import tempfile

    from sklearn_seismo.datasets import load_waveforms

    signature = inspect.signature(load_waveforms)
    cap = signature.parameters["max_decompressed_bytes"].default

    n_bytes = int(args.bomb_mib * _MiB)
    t0 = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_bombs_") as tmp:
        for kind in BOMB_KINDS:
            path = make_bomb(tmp, kind, n_bytes)
            for impl in ("package",) if args.quick else ("package", "obspy"):
                row = measure_bomb(impl, kind, path)
                row["uncompressed_bytes"] = n_bytes
                rows.append(row)
                print(
                    f"{kind} {impl}: file {row['file_bytes']:,} B, added "
                    f"{(row['peak_rss'] - row['rss_before']) / _MiB:.1f} MiB, "
                    f"{row['seconds']:.1f} s: {row['error'][:100]}",
                    flush=True,
                )
            os.remove(path)
    elapsed = time.perf_counter() - t0
    lines = [
        *header(
            "Decompression bombs refused with bounded memory",
            command,
            wall_s=elapsed,
            packages=("numpy", "obspy"),
        ),
        "",
        f"Each bomb holds {n_bytes:,} bytes ({n_bytes / _MiB:g} MiB) of one "
        "repeated byte (0x55). "
        "*package*: `load_waveforms(path)` (`read_shot_gathers` for the "
        "`.sgy.gz`) with the default `max_decompressed_bytes` = "
        f"{cap:,} bytes ({cap / _MiB:g} MiB). *obspy.read*: ObsPy's reader on "
        "the same file, which decompresses it whole in memory before reading "
        "(what the package's readers did before the cap). One subprocess per "
        "row; *added* is the peak RSS during the call (sampled every 2 ms by "
        "the harness's `PeakSampler`) minus the RSS just before it (imports "
        "done); *peak RSS* is that peak.",
        "",
        "| file | impl | file size (B) | added peak RSS (MiB) | peak RSS (MiB) "
        "| time (s) | refused at the cap | error |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        refused = "max_decompressed_bytes" in r["error"]
        err = r["error"].replace("|", "/").replace("\n", " ")
        if len(err) > 150:
            err = err[:150] + " ..."
        lines.append(
            f"| {r['kind']} | {r['impl']} | {r['file_bytes']:,} | "
            f"{(r['peak_rss'] - r['rss_before']) / _MiB:.1f} | "
            f"{r['peak_rss'] / _MiB:.0f} | {r['seconds']:.1f} | "
            f"{'yes' if refused else 'no'} | {err or '(read)'} |"
        )
    pkg = [r for r in rows if r["impl"] == "package"]
    worst = max(r["peak_rss"] - r["rss_before"] for r in pkg)
    all_refused = all("max_decompressed_bytes" in r["error"] for r in pkg)
    lines += [
        "",
        f"* Every bomb refused by the package with the cap named: "
        f"{'yes' if all_refused else 'NO'}.",
        f"* Largest peak RSS added by a refused read: {worst / _MiB:.1f} MiB, "
        f"against the cap of {cap / _MiB:g} MiB "
        f"({'under' if worst < cap else 'OVER'} the cap). Decompression runs "
        "in 1 MiB steps into a temporary file, so what a bomb costs before "
        "the error is the cap on disk (deleted at once) and about 1 MiB of "
        "memory per step.",
        "* ObsPy (1.5) does not decompress xz: its xz row reads the compressed "
        "bytes as they are, which is why it takes no memory.",
        "",
    ]
    md = report_path(args, "decompression.md")
    lines += [f"![added peak RSS]({md.with_suffix('.png').name})", ""]
    write_report(md, lines)
    plot_bombs(rows, cap, md.with_suffix(".png"))
    print(md.read_text())


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--case", nargs=3, metavar=("FILTER", "IMPL", "N"))
    parser.add_argument("--bomb-case", nargs=3, metavar=("IMPL", "KIND", "PATH"))
    parser.add_argument(
        "--bombs", action="store_true", help="the decompression-bomb section only"
    )
    parser.add_argument(
        "--bomb-mib",
        type=float,
        default=512.0,
        help="uncompressed size of each bomb (MiB; default 512)",
    )
    parser.add_argument(
        "--max-naive-gb",
        type=float,
        default=5.0,
        help="skip unchunked cases whose expected peak exceeds this (GB)",
    )
    args = parser.parse_args(argv)
    if args.case:
        name, impl, n = args.case
        print(json.dumps(run_case(name, impl, int(n))))
        return
    if args.bomb_case:
        print(json.dumps(run_bomb_case(*args.bomb_case)))
        return
    if args.bombs:
        run_bombs(args, command_line(__file__, argv))
        return

    sizes = (
        [2_000, 5_000, 10_000]
        if args.quick
        else [5_000, 10_000, 20_000, 40_000, 100_000]
    )
    t0 = time.perf_counter()
    rows = []
    for name in FILTERS:
        for n in sizes:
            rows.append(measure(name, "chunked", n))
            expected = _NAIVE_RATIO_GUESS[name] * n * N_CHANNELS * N_TIMES * 4 / 1e9
            if expected <= args.max_naive_gb:
                rows.append(measure(name, "unchunked", n))
            print(
                *(
                    f"{r['filter']} {r['impl']} n={r['n']}: peak "
                    f"{r['peak_rss'] / 1e9:.2f} GB in {r['seconds']:.1f} s"
                    for r in rows[-2:]
                    if r["n"] == n and r["filter"] == name
                ),
                sep="\n",
                flush=True,
            )
    diffs = {name: max_abs_difference(name) for name in FILTERS}
    elapsed = time.perf_counter() - t0
    md = report_path(args, "memory.md")
    md.parent.mkdir(parents=True, exist_ok=True)
    write_markdown(rows, diffs, sizes, args, elapsed, md, command_line(__file__, argv))
    plot(rows, md.with_suffix(".png"))
    print(md.read_text())


if __name__ == "__main__":
    main()
