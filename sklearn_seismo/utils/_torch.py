"""Bridges between scikit-learn conventions and torch: device and random state.

Importing this module imports torch; modules that do not need torch must not
import it (``sklearn_seismo.datasets`` stays importable without paying for it).
"""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["resolve_device", "seed_from_random_state", "torch_generator"]


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
    return str(device)


def seed_from_random_state(random_state):
    """Draw one integer seed from a scikit-learn ``random_state``.

    An int gives the same seed every time, a ``RandomState`` advances, and
    ``None`` gives a fresh seed: the usual scikit-learn semantics.

    Parameters
    ----------
    random_state : None, int or numpy.random.RandomState

    Returns
    -------
    seed : int
        In ``[0, 2**31 - 1)``.

    Examples
    --------
    >>> seed_from_random_state(0) == seed_from_random_state(0)
    True
    """
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


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
