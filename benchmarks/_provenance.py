"""Where and when a benchmark ran: the shared header of every results file.

Every script under ``benchmarks/`` starts its Markdown report with
:func:`header`, so that each result names the command that made it, the
machine (measured here, never written by hand), the package versions, the
date and the wall time in the same words.
"""

import datetime
import os
import sys

__all__ = ["header", "machine", "now", "versions"]


def _memory_gib():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (AttributeError, OSError, ValueError):
        return None


def _gpu():
    # only when the script itself imported torch: importing it here would
    # cost seconds and change the memory of memory benchmarks
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        return f"GPU {props.name} ({props.total_memory / 2**30:.0f} GiB)"
    return "no GPU"


def machine():
    """CPU model, logical cores, memory, GPU and the load average now.

    The load average says whether other jobs shared the cores while the
    benchmark ran (read it at the end of the run).
    """
    # the study's own rule, so that study reports and benchmarks name a CPU alike
    from sklearn_seismo.utils.environment import cpu_model

    memory = _memory_gib()
    parts = [
        cpu_model(),
        f"{os.cpu_count()} logical cores",
        f"{memory:.0f} GiB" if memory else "memory unknown",
        _gpu(),
    ]
    try:
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        load = "unknown"
    return ", ".join(parts) + f"; load average at the end (1/5/15 min) {load}"


def versions(packages=()):
    """``Python x.y.z, name version, ...`` of the installed distributions."""
    # the study's own reader, so that study reports and benchmarks agree
    from sklearn_seismo.utils.environment import package_versions

    found = package_versions(packages)
    out = [f"Python {found.pop('python')}"]
    out += [f"{n} {v}" if v else f"{n} not installed" for n, v in found.items()]
    return ", ".join(out)


def now():
    """The current UTC time, to the minute."""
    return f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC"


def header(title, command, *, wall_s=None, packages=("numpy",), details=()):
    """The first lines of a benchmark report.

    Parameters
    ----------
    title : str
        The report's title (a Markdown level-1 heading is made of it).
    command : str
        The command line that made the report, as a reader would type it.
    wall_s : float, default=None
        Wall time of the run in seconds.
    packages : sequence of str, default=("numpy",)
        Distributions whose versions matter to the result.
    details : sequence of str, default=()
        More bullet lines (data, settings) placed after the standard ones.

    Returns
    -------
    lines : list of str
    """
    date = now()
    if wall_s is not None:
        date += (
            f"; wall time {wall_s:.0f} s"
            if wall_s < 600
            else f"; wall time {wall_s / 60:.1f} min"
        )
    lines = [
        f"# {title}",
        "",
        f"- command: `{command}`",
        f"- machine: {machine()}",
        f"- versions: {versions(packages)}",
        f"- date: {date}",
    ]
    lines += [f"- {line}" for line in details]
    return lines
