"""Checks of the command line that run before any fit (errors exit with status 2).

Each check names the option, what is wrong and what to give instead. None of
them trains or allocates anything large: the device check imports torch,
the memory check reads the operating system's figure.
"""

import os
import tempfile

import numpy as np

from ..utils.environment import check_allocation as _check_allocation

__all__ = [
    "UsageError",
    "check_allocation",
    "check_device",
    "check_folds",
    "check_folder",
    "check_sample_shape_fits",
    "parse_minority",
]


class UsageError(ValueError):
    """Bad options or data, found before any fit; the CLI exits with status 2."""


def _probe_writable(folder):
    # os.access says yes to root everywhere (even /proc); creating and
    # removing a scratch folder is the only answer that holds
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".seismo-probe-", dir=folder))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def check_folder(path, option):
    """``path`` is, or can become, a writable folder (nothing is created).

    Raises a :class:`UsageError` naming ``option`` when ``path`` is an
    existing file, sits below a file, or cannot be written.
    """
    if not path:
        raise UsageError(f"{option} is empty; give a folder.")
    if os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"{option} {path}: is an existing file; give a folder.")
    parent = os.path.abspath(path)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise UsageError(f"{option} {path}: {parent} is a file, not a folder.")
    problem = _probe_writable(parent)
    if problem is not None:
        raise UsageError(
            f"{option} {path}: cannot write in {parent} ({problem}); choose "
            "another folder."
        )


#: Torch device kinds a fit can run on; others (``meta``: shapes without
#: data) are refused rather than failing in the first fit.
DEVICE_KINDS = ("cpu", "cuda", "mps")


def check_device(device):
    """The torch device exists on this machine and can hold data."""
    import torch

    if device == "auto":
        return
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError) as exc:
        raise UsageError(
            f"--device {device}: not a torch device ({exc}); use auto, cpu or cuda."
        ) from None
    if kind not in DEVICE_KINDS:
        raise UsageError(
            f"--device {device}: the study trains on {', '.join(DEVICE_KINDS)} "
            f"devices, not {kind!r}; use auto, cpu or cuda."
        )
    if kind == "cuda" and not torch.cuda.is_available():
        raise UsageError(
            f"--device {device}: torch {torch.__version__} sees no CUDA GPU here; "
            "use --device cpu (or auto)."
        )
    if kind == "cuda" and ":" in device:
        index = torch.device(device).index or 0
        if index >= torch.cuda.device_count():
            raise UsageError(
                f"--device {device}: only {torch.cuda.device_count()} GPU(s) here."
            )
    if kind == "mps" and not torch.backends.mps.is_available():
        raise UsageError(f"--device {device}: MPS is not available; use cpu.")


def check_allocation(n_samples, sample_shape, *, what, fix, itemsize=4):
    """Refuse data whose array alone would not fit in the available memory.

    :func:`sklearn_seismo.utils.environment.check_allocation`, raising
    :class:`UsageError` (float32 by default, the dtype of the generated data).
    """
    _check_allocation(
        n_samples, sample_shape, what=what, fix=fix, itemsize=itemsize, error=UsageError
    )


def parse_minority(text, y):
    """The label ``text`` names, in the dtype of ``y`` (``"2"`` -> 2 for ints)."""
    if text is None:
        return None
    y = np.asarray(y)
    try:
        value = np.array([text]).astype(y.dtype)[0].item()
    except (ValueError, TypeError):
        value = None
    classes = np.unique(y).tolist()
    if value is None or value not in classes:
        raise UsageError(
            f"--minority {text!r} is not a class of y; classes are {classes}."
        )
    return value


def check_folds(folds, y):
    """Every class must give each test fold at least one sample."""
    labels, counts = np.unique(y, return_counts=True)
    smallest = int(counts.min())
    if folds > smallest:
        label = labels[int(np.argmin(counts))]
        label = label.item() if isinstance(label, np.generic) else label
        raise UsageError(
            f"--folds {folds}: class {label!r} has only {smallest} samples, so some "
            f"test folds would hold none of it (its F1 would be 0 by construction); "
            f"use --folds between 2 and {smallest}."
        )


def check_sample_shape_fits(classifier, sample_shape):
    """The classifier's network takes samples of this shape (no fit needed)."""
    check = getattr(classifier, "_module_input_shape", None)
    if check is None:
        return
    try:
        check(tuple(sample_shape))
    except ValueError as exc:
        raise UsageError(
            f"samples of shape {tuple(sample_shape)} do not fit "
            f"{type(classifier).__name__}: {exc}"
        ) from None
