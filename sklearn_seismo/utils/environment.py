"""The run environment: package versions, CPU, cores and thread pools.

What a rerun needs to reproduce a result bit for bit, and what a timing
needs next to it: the study writes it into every report's ``config.json``,
and the benchmarks print it in their headers. Torch is imported only when it
is already loaded or asked for, so reading the environment stays cheap.
"""

import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version

import numpy as np

__all__ = [
    "PACKAGES",
    "available_memory",
    "check_allocation",
    "cpu_model",
    "package_versions",
    "run_environment",
]

#: Distributions whose versions :func:`run_environment` records.
PACKAGES = (
    "sklearn-seismo",
    "torch",
    "numpy",
    "scipy",
    "scikit-learn",
    "imbalanced-learn",
    "skorch",
    "obspy",
)


def cpu_model():
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else ``platform``).

    Returns
    -------
    name : str

    Examples
    --------
    >>> from sklearn_seismo.utils.environment import cpu_model
    >>> isinstance(cpu_model(), str)
    True
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def available_memory():
    """Bytes of memory available to a new allocation (None when unknown).

    The commands check a requested data size against it before allocating,
    so that a size that cannot fit is a usage error, not an out-of-memory kill.

    Returns
    -------
    n_bytes : int or None
        ``MemAvailable`` of ``/proc/meminfo`` on Linux, else the available
        physical pages times the page size, else None.

    Examples
    --------
    >>> n = available_memory()
    >>> n is None or n > 0
    True
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_allocation(
    n_samples, sample_shape, *, what, fix, itemsize=4, error=ValueError
):
    """Refuse an array that would not fit in the available memory.

    ``n_samples * prod(sample_shape) * itemsize`` bytes is a lower bound of
    what the caller is about to allocate; checking it first turns numpy's
    ``MemoryError`` (or the kernel's out-of-memory kill) into an error that
    names the request and the fix.

    Parameters
    ----------
    n_samples : int
    sample_shape : tuple of int
    what : str
        What asks for the memory, as the message starts.
    fix : str
        What to do instead, as the message ends.
    itemsize : int, default=4
        Bytes per value (float32 by default).
    error : type, default=ValueError
        The exception class raised.

    Examples
    --------
    >>> check_allocation(10, (32, 32), what="x", fix="y")  # 40 KiB: fits
    >>> check_allocation(10**15, (32, 32), what="AugmentationSampler",
    ...                  fix="ask for fewer samples")
    Traceback (most recent call last):
    ...
    ValueError: AugmentationSampler: 1000000000000000 samples of (32, 32) need ...
    """
    n_bytes = float(n_samples) * float(np.prod(sample_shape)) * itemsize
    available = available_memory()
    if available is not None and n_bytes > available:
        raise error(
            f"{what}: {n_samples} samples of {tuple(sample_shape)} need "
            f"{n_bytes / 2**30:.3g} GiB for the data alone, more than the "
            f"{available / 2**30:.3g} GiB of memory available here; {fix}."
        )


def package_versions(packages=PACKAGES):
    """Python's version and each installed distribution's (None if absent).

    Parameters
    ----------
    packages : sequence of str, default=PACKAGES
        Distribution names as ``pip`` knows them.

    Returns
    -------
    versions : dict of str -> str or None

    Examples
    --------
    >>> from sklearn_seismo.utils.environment import package_versions
    >>> v = package_versions(["numpy", "no-such-distribution"])
    >>> sorted(v), v["no-such-distribution"]
    (['no-such-distribution', 'numpy', 'python'], None)
    """
    versions = {"python": platform.python_version()}
    for package in packages:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = None
    return versions


def _blas_threads():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return {
        f"{pool['internal_api']} ({pool['user_api']})": pool["num_threads"]
        for pool in threadpool_info()
    }


def _torch_threads(import_torch):
    if not import_torch and "torch" not in sys.modules:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch.get_num_threads()


def run_environment(n_threads=None, *, import_torch=True):
    """Versions, machine and thread pools of this process.

    Parameters
    ----------
    n_threads : int or None, default=None
        Torch threads each fit of the caller runs with (the study passes its
        rule's value); recorded as ``torch_threads_per_fit``.
    import_torch : bool, default=True
        Import torch to read its thread count; False reads it only when torch
        is already loaded (``torch_threads`` is None otherwise).

    Returns
    -------
    environment : dict
        ``versions`` (see :func:`package_versions`), ``torch_threads_per_fit``,
        ``cpu`` (:func:`cpu_model`), ``cores`` (logical), ``system``,
        ``torch_threads`` (torch's intra-op pool of this process, None without
        torch), ``blas_threads`` (threadpoolctl's pools: name -> threads) and
        ``thread_variables`` (``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``,
        ``OPENBLAS_NUM_THREADS``, ``SEISMO_TORCH_THREADS`` as set).

    Examples
    --------
    >>> from sklearn_seismo.utils.environment import run_environment
    >>> env = run_environment(1, import_torch=False)
    >>> env["torch_threads_per_fit"], env["cores"] >= 1, "numpy" in env["versions"]
    (1, True, True)
    """
    return {
        "versions": package_versions(),
        "torch_threads_per_fit": n_threads,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.machine()}",
        "torch_threads": _torch_threads(import_torch),
        "blas_threads": _blas_threads(),
        "thread_variables": {
            name: os.environ[name]
            for name in (
                "OMP_NUM_THREADS",
                "MKL_NUM_THREADS",
                "OPENBLAS_NUM_THREADS",
                "SEISMO_TORCH_THREADS",
            )
            if name in os.environ
        },
    }
