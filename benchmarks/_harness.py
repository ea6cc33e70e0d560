"""The shared harness of every benchmark script.

One way to time (:func:`timed`: wall and process CPU seconds), one way to read
memory (:func:`rss_mib`, :func:`peak_rss_mib`, :class:`PeakSampler`), one
report header (:func:`header`, from ``_provenance``), one skeleton for the
command line (:func:`argument_parser` gives ``--quick`` and ``--out``;
:func:`parse_args` lets ``--quick`` shrink the defaults, never an option the
user typed; :func:`report_path` is where the report goes, never under
``benchmarks/results`` for a smoke run; :func:`command_line` is the command a
report states; :func:`write_report` writes the Markdown), and one reader of
the folder a study suite wrote (:func:`read_suite`). A script looks like::

    from _harness import (
        argument_parser, command_line, header, parse_args, report_path,
        timed, write_report,
    )

    def main(argv=None):
        parser = argument_parser(__doc__)
        parser.add_argument("--repeats", type=int, default=5)
        args = parse_args(parser, argv, repeats=1)  # --quick: 1 repeat
        result, t = timed(work, args.repeats)
        lines = header("Title", command_line(__file__, argv), wall_s=t.wall_s)
        write_report(report_path(args, "name.md"), lines + [...])

    if __name__ == "__main__":
        main()
"""

import argparse
import copy
import csv
import os
import resource
import shlex
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from _provenance import header, machine, now, versions

__all__ = [
    "RESULTS",
    "ROOT",
    "PeakSampler",
    "Timing",
    "argument_parser",
    "command_line",
    "header",
    "machine",
    "now",
    "parse_args",
    "peak_rss_mib",
    "read_suite",
    "report_path",
    "rss_mib",
    "timed",
    "versions",
    "write_report",
]

#: Where the scripts write their reports (``benchmarks/results``).
RESULTS = Path(__file__).resolve().parent / "results"
#: The repository root: commands name scripts relative to it.
ROOT = RESULTS.parent.parent


@dataclass(frozen=True)
class Timing:
    """Seconds one call took: wall clock and this process's CPU (all threads)."""

    wall_s: float
    cpu_s: float


def timed(func, *args, **kwargs):
    """Call ``func(*args, **kwargs)``; return ``(result, Timing)``.

    Wall time says what a user waits; CPU time (``time.process_time``, summed
    over this process's threads, children not included) says what the work
    costs when other jobs share the cores.

    Examples
    --------
    >>> result, t = timed(sum, [1, 2])
    >>> result, t.wall_s >= 0, t.cpu_s >= 0
    (3, True, True)
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    return result, Timing(time.perf_counter() - wall, time.process_time() - cpu)


def rss_mib():
    """The resident memory of this process now, in MiB (``/proc``, else psutil)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        import psutil

        return psutil.Process().memory_info().rss / 2**20


def peak_rss_mib(children=False):
    """The highest resident memory so far, in MiB (``getrusage``'s ``ru_maxrss``).

    ``children=True`` reads the largest of the finished child processes.
    """
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    peak = resource.getrusage(who).ru_maxrss
    # KiB on Linux, bytes on macOS
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


class PeakSampler(threading.Thread):
    """The peak of :func:`rss_mib` in a ``with`` block, sampled every ``interval`` s.

    Unlike :func:`peak_rss_mib` it can be reset: each block reports its own
    peak, so a process can measure several phases in turn.
    """

    def __init__(self, interval=0.001):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_mib = rss_mib()
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            self.peak_mib = max(self.peak_mib, rss_mib())
            time.sleep(self.interval)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self._stop_event.set()
        self.join()
        self.peak_mib = max(self.peak_mib, rss_mib())
        return False


def argument_parser(doc, **kwargs):
    """An ``ArgumentParser`` with the options every script shares.

    ``--quick``: a run of about a minute that checks the script works (its
    numbers are not results); ``--out``: where the report goes instead of
    ``benchmarks/results/``. ``doc`` is the script's ``__doc__``: its first
    line is the description and the rest is shown by ``--help``.
    """
    first, _, rest = (doc or "").strip().partition("\n")
    parser = argparse.ArgumentParser(
        description=first,
        epilog=rest.strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        **kwargs,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short smoke run (about a minute); its numbers are not results",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="report path (default: the script's file under benchmarks/results/)",
    )
    return parser


def parse_args(parser, argv=None, **quick):
    """Parse ``argv``; under ``--quick`` the keywords ``quick`` are the defaults.

    A smoke run shrinks the work, but what the user types still counts:
    ``--quick --repeats 3`` runs three repeats. Overwriting the parsed options
    after ``parse_args`` would drop them without a word, so scripts never do it
    (``tests/test_benchmarks.py`` checks).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        A parser with a ``--quick`` flag (as :func:`argument_parser` makes).
    argv : list of str, optional
        The arguments; ``sys.argv[1:]`` when None.
    **quick
        Option destinations (``n_samples`` for ``--n-samples``) and their
        smoke-run defaults.

    Examples
    --------
    >>> parser = argument_parser("demo")
    >>> _ = parser.add_argument("--repeats", type=int, default=5)
    >>> parse_args(parser, [], repeats=1).repeats
    5
    >>> parse_args(parser, ["--quick"], repeats=1).repeats
    1
    >>> parse_args(parser, ["--quick", "--repeats", "3"], repeats=1).repeats
    3
    """
    first = parser.parse_args(argv)
    unknown = sorted(set(quick) - set(vars(first)))
    if unknown:
        raise ValueError(f"quick defaults for options the parser lacks: {unknown}")
    if not quick or not first.quick:
        return first
    # a copy, so the caller's parser keeps its own defaults
    parser = copy.deepcopy(parser)
    parser.set_defaults(**quick)
    return parser.parse_args(argv)


def command_line(script, argv=None, env=("OMP_NUM_THREADS",), drop=()):
    """The command that ran ``script`` with ``argv``, as a user types it.

    Parameters
    ----------
    script : path-like
        The script (its ``__file__``); named relative to the repository root.
    argv : list of str, optional
        What ``main(argv)`` parsed; ``sys.argv[1:]`` when None. Passing it
        makes a script called from Python state its own arguments, not those
        of the process that called it.
    env : tuple of str, default=("OMP_NUM_THREADS",)
        Environment variables that change what is measured: each one set in
        this process is stated before the command, as it was set (so the
        line never claims a setting the run did not have).
    drop : tuple of str, default=()
        Options of one value left out with it (``--from-csv FILE``): those
        that only rewrite a report, so the line states the run that made it.

    Examples
    --------
    >>> script = ROOT / "benchmarks" / "x.py"
    >>> command_line(script, ["--quick", "--note", "a b"], env=())
    "python benchmarks/x.py --quick --note 'a b'"
    >>> os.environ["SEISMO_DEMO"] = "1"
    >>> command_line(script, [], env=("SEISMO_DEMO", "SEISMO_UNSET"))
    'SEISMO_DEMO=1 python benchmarks/x.py'
    >>> del os.environ["SEISMO_DEMO"]
    >>> command_line(script, ["--from-csv", "a.csv", "--wall-s=9", "-v"], env=(),
    ...     drop=("--from-csv", "--wall-s"))
    'python benchmarks/x.py -v'
    """
    words, skip = [], False
    for word in sys.argv[1:] if argv is None else map(str, argv):
        if skip or word.startswith(tuple(f"{option}=" for option in drop)):
            skip = False
        elif word in drop:
            skip = True
        else:
            words.append(word)
    path = Path(script).resolve().relative_to(ROOT).as_posix()
    # quote the value only: a quoted `'A=b c'` would be a command, not a setting
    settings = [f"{n}={shlex.quote(os.environ[n])}" for n in env if n in os.environ]
    return " ".join([*settings, shlex.join(["python", path, *words])])


def report_path(args, name):
    """Where a script writes its report ``name``, such as ``"flows.md"``.

    ``--out`` when given; else, for a ``--quick`` run, ``name`` in a new
    temporary folder, because a smoke run's numbers are not results and must
    not replace a committed report; else ``benchmarks/results/name``. Files
    that go with the report (``.png``, ``.csv``) sit beside it:
    ``path.with_suffix(".png")``.

    Examples
    --------
    >>> parser = argument_parser("demo")
    >>> report_path(parser.parse_args([]), "x.md") == RESULTS / "x.md"
    True
    >>> report_path(parser.parse_args(["--out", "/tmp/a.md"]), "x.md")
    PosixPath('/tmp/a.md')
    >>> smoke = report_path(parser.parse_args(["--quick"]), "x.md")
    >>> smoke.name, RESULTS in smoke.parents
    ('x.md', False)
    """
    if args.out is not None:
        return Path(args.out)
    if args.quick:
        return Path(tempfile.mkdtemp(prefix=f"{Path(name).stem}_")) / name
    return RESULTS / name


def write_report(path, lines):
    """Write Markdown ``lines`` to ``path`` (folders made) and print where."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip("\n") + "\n")
    print(f"wrote {path}")
    return path


def read_suite(folder):
    """The folder a study suite wrote, as ``{data set: entry}``.

    Each entry holds ``"minority"`` (the rare class's label: the one whose
    recall the suite tested), ``"scores"`` (``{arm: {training set: row}}``,
    the rows of its ``scores.csv`` as text; fits that failed left out) and
    ``"tests"`` (its rows of ``tests.csv``).
    """
    folder = Path(folder)
    if not (folder / "tests.csv").is_file():
        raise SystemExit(
            f"{folder}: no tests.csv; give the folder a study suite wrote "
            "(`python -m sklearn_seismo.study suite --out DIR`)"
        )
    with open(folder / "tests.csv", newline="") as fh:
        tests = list(csv.DictReader(fh))
    out = {}
    for row in tests:
        if row["metric"].startswith("recall_"):
            out.setdefault(row["dataset"], {})["minority"] = row["metric"][7:]
    for name, entry in out.items():
        scores = {}
        with open(folder / name / "scores.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                if not row.get("error"):
                    scores.setdefault(row["arm"], {})[int(row["fold"])] = row
        entry["scores"] = scores
        entry["tests"] = [r for r in tests if r["dataset"] == name]
    if not out:
        raise SystemExit(f"{folder}: tests.csv names no data set; is it a suite run?")
    return out
