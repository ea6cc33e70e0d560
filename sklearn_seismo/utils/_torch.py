"""Bridges between scikit-learn conventions and torch: device, random state, threads.

Importing this module imports torch; modules that do not need torch must not
import it (``sklearn_seismo.datasets`` stays importable without paying for it).
"""

import os
import sys
from contextlib import contextmanager

from ._random import seed_from_random_state

__all__ = [
    "DEFAULT_TORCH_THREADS",
    "TORCH_THREADS_ENV",
    "estimator_torch_threads",
    "resolve_device",
    "torch_generator",
    "torch_threads",
    "limit_torch_threads",
]

#: Environment variable that overrides :func:`torch_threads`.
TORCH_THREADS_ENV = "SEISMO_TORCH_THREADS"

#: Torch threads per fit when the user chose none (see :func:`torch_threads`).
DEFAULT_TORCH_THREADS = 1

# Variables through which the user (or joblib's process workers) already told
# torch and BLAS how many threads to use.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")

# one-element lists: module state without ``global`` statements
_TORCH_START = [None]
_LIMIT_DEPTH = [0]
if "torch" in sys.modules:
    _TORCH_START[0] = sys.modules["torch"].get_num_threads()


def resolve_device(device="auto"):
    """Return a concrete torch device string.

    Parameters
    ----------
    device : str or torch.device, default="auto"
        ``"auto"`` picks ``"cuda"`` when a GPU is visible, else ``"cpu"``.
        Anything else is returned as given (as a string).

    Returns
    -------
    device : str

    Raises
    ------
    ValueError
        A CUDA device is asked for on a machine without CUDA.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("auto") in {"cpu", "cuda"}
    True
    """
    import torch

    if device is None or device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but CUDA is not available on this machine. "
            "Use device='auto' (CUDA when present) or 'cpu'."
        )
    return str(device)


def torch_generator(random_state, device="cpu"):
    """A ``torch.Generator`` seeded from a scikit-learn ``random_state``.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState
    device : str, default="cpu"

    Returns
    -------
    generator : torch.Generator

    Examples
    --------
    >>> import torch
    >>> a = torch.rand(2, generator=torch_generator(0))
    >>> b = torch.rand(2, generator=torch_generator(0))
    >>> bool((a == b).all())
    True
    """
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(seed_from_random_state(random_state))
    return gen


def torch_threads(n_workers=1, *, n_threads=None):
    """Torch (and BLAS) threads for each of ``n_workers`` concurrent fits.

    The rule: **1 thread per fit**; use more cores by running more fits at a
    time (``n_jobs``). An explicit ``n_threads``, else the environment variable
    ``SEISMO_TORCH_THREADS``, overrides the rule; ``SEISMO_TORCH_THREADS=auto``
    gives ``max(1, cores // n_workers)`` instead, where ``cores`` are the CPUs
    this process may use (``joblib.cpu_count()``).

    Why 1: torch's OpenMP threads busy-wait for each other at every operation.
    When other jobs share the cores, a waiting thread spins while the one it
    waits for is not scheduled: on a 2-core machine busy with other jobs, a
    small Miniception + GlowOversampler fit took 5.9 s with 1 thread and
    63.8 s with 2 (26.8 CPU-s instead of 2.5), and more than 120 s with 2
    under 4 more busy processes. On an idle machine the small models of this
    package gain little from a second thread (at most 1.5x for the default
    Glow at 64 x 64), and a second fit running beside the first gains more
    (``benchmarks/results/threads.md``, ``benchmarks/bench_threads.py``).

    Parameters
    ----------
    n_workers : int, default=1
        Fits running at the same time on this machine (used by
        ``SEISMO_TORCH_THREADS=auto``).
    n_threads : int or None, default=None
        Explicit thread count; wins over the environment and the rule.

    Returns
    -------
    n_threads : int
        At least 1.

    See Also
    --------
    limit_torch_threads : Applies a thread count to a block of code.

    Examples
    --------
    >>> torch_threads(n_threads=3)
    3
    >>> import os
    >>> os.environ.pop("SEISMO_TORCH_THREADS", None) and None
    >>> torch_threads(n_workers=2)
    1
    """
    if n_threads is not None:
        n_threads = int(n_threads)
        if n_threads < 1:
            raise ValueError(f"n_threads must be a positive int, got {n_threads}.")
        return n_threads
    env = _read_env()
    if env == "auto":
        from joblib import cpu_count

        return max(1, cpu_count() // max(1, int(n_workers)))
    if env is not None:
        return env
    return DEFAULT_TORCH_THREADS


def _read_env():
    """``SEISMO_TORCH_THREADS`` as None (unset), ``"auto"`` or a positive int."""
    env = os.environ.get(TORCH_THREADS_ENV, "").strip()
    if not env:
        return None
    if env.lower() == "auto":
        return "auto"
    try:
        n_threads = int(env)
    except ValueError:
        n_threads = 0
    if n_threads < 1:
        raise ValueError(
            f"{TORCH_THREADS_ENV}={env!r} is not a positive integer or 'auto'; "
            "unset it or give a thread count such as 1."
        )
    return n_threads


def env_torch_threads():
    """The thread count set by ``SEISMO_TORCH_THREADS``, or None.

    None when the variable is unset or ``auto`` (torch's own setting then
    applies). The estimators use :func:`estimator_torch_threads`, which adds
    the package's default to this.

    Returns
    -------
    n_threads : int or None

    Examples
    --------
    >>> import os
    >>> os.environ.pop("SEISMO_TORCH_THREADS", None) and None
    >>> env_torch_threads() is None
    True
    """
    env = _read_env()
    return None if env == "auto" else env


def estimator_torch_threads():
    """Threads for an estimator's torch work; None leaves torch's setting alone.

    The user's choice wins, in this order:

    1. ``SEISMO_TORCH_THREADS=N`` gives N (``auto``: torch's own setting);
    2. inside a :func:`limit_torch_threads` block (the study's parallel fits),
       that block's count;
    3. ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` in the environment: torch
       already follows them (joblib's process workers set them to
       ``cores // n_jobs``);
    4. a ``torch.set_num_threads(n)`` of the user: torch's count differs from
       the one it had when this package first saw torch.

    Otherwise 1 thread (:data:`DEFAULT_TORCH_THREADS`; the reason is under
    :func:`torch_threads`).

    Returns
    -------
    n_threads : int or None
        Pass it to :func:`limit_torch_threads`.

    Examples
    --------
    >>> with limit_torch_threads(estimator_torch_threads()):
    ...     pass
    """
    env = _read_env()
    if env == "auto":
        return None
    if env is not None:
        return env
    if _LIMIT_DEPTH[0] > 0:
        return None
    if any(os.environ.get(name, "").strip() for name in _THREAD_VARIABLES):
        return None
    import torch

    start = _torch_start_threads()
    if torch.get_num_threads() != start:
        return None
    return DEFAULT_TORCH_THREADS


def _torch_start_threads():
    # torch's thread count when the package first saw torch; a different
    # count later means the user called torch.set_num_threads
    if _TORCH_START[0] is None:
        import torch

        _TORCH_START[0] = torch.get_num_threads()
    return _TORCH_START[0]


@contextmanager
def limit_torch_threads(n_threads):
    """Cap torch's and the BLAS libraries' thread pools inside a ``with`` block.

    The previous torch setting is restored on exit. ``None`` changes nothing.

    Parameters
    ----------
    n_threads : int or None
        Threads, e.g. from :func:`torch_threads`.

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with limit_torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    if n_threads is None:
        yield
        return
    import torch
    from threadpoolctl import threadpool_limits

    _torch_start_threads()  # before the first change below
    old = torch.get_num_threads()
    _LIMIT_DEPTH[0] += 1
    try:
        torch.set_num_threads(int(n_threads))
        with threadpool_limits(limits=int(n_threads)):
            yield
    finally:
        _LIMIT_DEPTH[0] -= 1
        torch.set_num_threads(old)
