"""Bridges between scikit-learn conventions and torch: device, random state, threads.

Importing this module imports torch; modules that do not need torch must not
import it (``sklearn_seismo.datasets`` stays importable without paying for it).
"""

import os
from contextlib import contextmanager

from ._random import seed_from_random_state

__all__ = [
    "TORCH_THREADS_ENV",
    "resolve_device",
    "torch_generator",
    "torch_threads",
    "limit_torch_threads",
]

#: Environment variable that overrides :func:`torch_threads`.
TORCH_THREADS_ENV = "SEISMO_TORCH_THREADS"


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

    The rule: ``max(1, cores // n_workers)``, where ``cores`` are the CPUs this
    process may use (``joblib.cpu_count()``, which respects CPU affinity and
    container limits). Concurrent fits then share the cores instead of
    oversubscribing them: on a loaded 2-core machine one fit took 179 s with
    torch's default of 2 threads per worker and 19 s with 1. An explicit
    ``n_threads``, else the environment variable ``SEISMO_TORCH_THREADS``,
    overrides the rule.

    Parameters
    ----------
    n_workers : int, default=1
        Fits running at the same time on this machine.
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
    >>> torch_threads(n_workers=10**6)
    1
    """
    if n_threads is None:
        n_threads = env_torch_threads()
    if n_threads is not None:
        n_threads = int(n_threads)
        if n_threads < 1:
            raise ValueError(f"n_threads must be a positive int, got {n_threads}.")
        return n_threads
    from joblib import cpu_count

    return max(1, cpu_count() // max(1, int(n_workers)))


def env_torch_threads():
    """The thread count set by ``SEISMO_TORCH_THREADS``, or None when unset.

    The estimators run their torch work with this many threads when it is
    set, and leave torch's own setting alone otherwise (inside a joblib
    worker that setting already is ``cores // n_jobs``).

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
    env = os.environ.get(TORCH_THREADS_ENV, "").strip()
    if not env:
        return None
    try:
        n_threads = int(env)
    except ValueError:
        n_threads = 0
    if n_threads < 1:
        raise ValueError(
            f"{TORCH_THREADS_ENV}={env!r} is not a positive integer; unset "
            "it or give a thread count such as 1."
        )
    return n_threads


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

    old = torch.get_num_threads()
    try:
        torch.set_num_threads(int(n_threads))
        with threadpool_limits(limits=int(n_threads)):
            yield
    finally:
        torch.set_num_threads(old)
