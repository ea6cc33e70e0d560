"""Class labels of the classifiers of ``sklearn_seismo.neural``.

The order of ``classes_`` (``class_order``), the integer encoding the network
trains on, the checks of ``class_weight`` and of the stratified validation
split, and the class-balanced training sampler (``balanced_batches``).
Functions of the data only: ``BaseSeismoClassifier`` (``_base.py``) calls
them with its parameters.
"""

import contextlib
from numbers import Real

import numpy as np
import torch

__all__ = []


def fit_classes(class_order, y):
    """``classes_``: the sorted labels of ``y``, or ``class_order`` checked
    against them."""
    if class_order is None:
        return np.unique(y)
    order = np.asarray(class_order)
    if order.ndim != 1 or len(np.unique(order)) != len(order):
        raise ValueError(
            f"class_order must be a 1-D list of distinct labels, got {class_order!r}."
        )
    with contextlib.suppress(ValueError, TypeError):
        order = order.astype(y.dtype)
    missing = np.setdiff1d(np.unique(y), order)
    if missing.size:
        raise ValueError(
            f"y contains labels {missing.tolist()} that are not in "
            f"class_order={list(class_order)}. Add them to class_order "
            "or set class_order=None."
        )
    return order


def encode(classes, y):
    """Positions of the labels ``y`` in ``classes`` (int64)."""
    order = np.argsort(classes, kind="stable")
    sorted_classes = classes[order]
    y = np.asarray(y)
    pos = np.clip(np.searchsorted(sorted_classes, y), 0, len(classes) - 1)
    unknown = sorted_classes[pos] != y
    if np.any(unknown):
        raise ValueError(
            f"y contains labels {np.unique(y[unknown]).tolist()} unseen in "
            f"fit (classes_={classes.tolist()}). Use labels of the training "
            "set in y_val."
        )
    return order[pos].astype(np.int64)


def check_class_weight(weights, classes):
    """Refuse a ``class_weight`` dict with unknown classes or unusable values."""
    if not isinstance(weights, dict):
        return
    unknown = []
    for key in weights:
        try:
            found = bool(np.any(classes == key))
        except (TypeError, ValueError):
            found = False
        if not found:
            unknown.append(key)
    if unknown:
        raise ValueError(
            f"class_weight has keys {unknown!r} that are not classes of y "
            f"(classes_={classes.tolist()}); use the labels of y as keys, "
            "e.g. class_weight={"
            + ", ".join(f"{c!r}: 1.0" for c in classes.tolist()[:3])
            + "}."
        )
    bad = {
        k: v
        for k, v in weights.items()
        if not isinstance(v, Real) or not np.isfinite(v) or v < 0
    }
    if bad:
        raise ValueError(
            f"class_weight values must be finite non-negative numbers, got "
            f"{bad!r}; a class's weight multiplies its loss, so pass e.g. "
            "1.0 for neutral and larger values for rare classes."
        )
    if not any(v > 0 for v in weights.values()) and len(weights) == len(classes):
        raise ValueError(
            "class_weight gives every class weight 0, so the loss is always "
            "zero; give at least one class a positive weight."
        )


def check_split_feasible(validation_fraction, y_enc):
    """Refuse an internal stratified split that would leave a class out."""
    counts = np.bincount(y_enc)
    n_valid = int(np.ceil(validation_fraction * len(y_enc)))
    if counts.min() < 2 or n_valid < len(counts):
        raise ValueError(
            f"early_stopping=True needs a stratified validation split of "
            f"{validation_fraction:.0%} of the {len(y_enc)} samples with "
            f"every class in both parts, but the class counts are "
            f"{counts.tolist()}. Increase validation_fraction, pass an explicit "
            "validation set with fit(X, y, X_val=..., y_val=...), or set "
            "early_stopping=False."
        )


def dataset_targets(dataset):
    """Encoded labels of a skorch ``Dataset`` or a ``Subset`` of one."""
    if isinstance(dataset, torch.utils.data.Subset):
        return dataset_targets(dataset.dataset)[np.asarray(dataset.indices)]
    return np.asarray(dataset.y)


def balanced_sampler(dataset, generator):
    """``WeightedRandomSampler`` giving every class the same chance per draw.

    Each sample weighs ``1 / count(its class)``, so every class present in the
    training set has total weight 1. Draws are with replacement and an epoch
    has as many draws as the training set has samples.
    """
    y = dataset_targets(dataset)
    _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    weights = torch.as_tensor(1.0 / counts[inverse], dtype=torch.float64)
    return torch.utils.data.WeightedRandomSampler(
        weights, num_samples=len(y), replacement=True, generator=generator
    )
