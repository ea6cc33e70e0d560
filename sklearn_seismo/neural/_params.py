"""Skorch arguments of the classifiers of ``sklearn_seismo.neural``.

``net_params`` holds the skorch constructor arguments that no estimator
parameter sets (``optimizer__weight_decay``, ``iterator_train__num_workers``,
``criterion__label_smoothing``); ``set_params`` also accepts them by name, so
that a grid search can tune them. A setting has one spelling: keys that an
estimator parameter sets are refused wherever they come in. The checks of
``callbacks`` are here too. ``BaseSeismoClassifier`` (``_base.py``) calls
these functions with itself.
"""

import inspect

from skorch.callbacks import Callback

from ._modules import FocalLoss

__all__ = []

# Keys of ``net_params``: skorch arguments with these prefixes, e.g.
# ``optimizer__weight_decay``, ``iterator_train__num_workers``,
# ``criterion__label_smoothing``. ``module__`` is not among them: every
# argument of the torch module is an estimator parameter (``alpha``,
# ``kernel_sizes``), so each has one spelling.
_NET_PARAM_PREFIXES = ("optimizer", "criterion", "iterator_train", "iterator_valid")

# net_params keys that the estimator's own parameters set (one spelling each).
_SHADOWED = {
    "optimizer__lr": "lr",
    "criterion__weight": "class_weight",
    "iterator_train__batch_size": "batch_size",
    "iterator_train__generator": "random_state",
    "criterion__gamma": "focal_gamma",
}


def check_net_params(estimator):
    """Refuse ``net_params`` keys that are not skorch arguments of the
    components, that an estimator parameter sets, or that clash with
    ``balanced_batches`` or with ``loss="focal"``."""
    net_params = estimator.net_params or {}
    check_net_param_keys(estimator, net_params, where="net_params[{key!r}]")
    if estimator.balanced_batches:
        clash = [
            k
            for k in ("iterator_train__sampler", "iterator_train__shuffle")
            if k in net_params and not (k.endswith("shuffle") and not net_params[k])
        ]
        if clash:
            raise ValueError(
                f"balanced_batches=True sets the training sampler, so "
                f"net_params[{clash[0]!r}] cannot be used with it (a DataLoader "
                "takes a sampler or shuffle=True, not both). Drop "
                f"{clash[0]!r} from net_params or set balanced_batches=False."
            )
    if estimator.loss == "focal":
        accepted = set(inspect.signature(FocalLoss).parameters) - {
            "weight",
            "gamma",
        }
        unknown = [
            k
            for k in net_params
            if k.startswith("criterion__") and k.partition("__")[2] not in accepted
        ]
        if unknown:
            raise ValueError(
                f"loss='focal' uses FocalLoss, which has no argument "
                f"{unknown[0].partition('__')[2]!r} (net_params[{unknown[0]!r}]; "
                f"it takes {sorted(accepted)} besides class_weight and "
                "focal_gamma). Drop it or use loss='cross_entropy'."
            )


def check_net_param_keys(estimator, keys, where):
    """Refuse skorch arguments that are not ``net_params`` keys or that an
    estimator parameter sets (one spelling per setting)."""
    own = set(estimator._get_param_names())
    for key in keys:
        prefix, _, name = key.partition("__")
        shadowed = _SHADOWED.get(key, name if prefix == "module" else None)
        if shadowed in own:
            raise ValueError(
                f"{where.format(key=key)} is set by the parameter {shadowed}: "
                f"pass {shadowed}=... to {type(estimator).__name__} instead."
            )
        if prefix not in _NET_PARAM_PREFIXES or not name:
            raise ValueError(
                f"net_params keys must be skorch arguments '<component>__<name>' "
                f"for the components {list(_NET_PARAM_PREFIXES)} (e.g. "
                f"'optimizer__weight_decay'), got {key!r}."
            )


def check_callbacks(callbacks):
    """Refuse ``callbacks`` entries that are not skorch callbacks (or
    ``(name, callback)`` pairs)."""
    for i, item in enumerate(callbacks or []):
        cb = item
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            cb = item[1]
        is_callback = isinstance(cb, Callback) or (
            isinstance(cb, type) and issubclass(cb, Callback)
        )
        if not is_callback:
            raise ValueError(
                f"callbacks[{i}] is {item!r}, which is not a skorch callback. "
                "Pass skorch.callbacks.Callback instances (or classes), or "
                "(name, callback) pairs, e.g. "
                "callbacks=[skorch.callbacks.GradientNormClipping(1.0)]."
            )


def pop_net_params(estimator, params):
    """Take the skorch arguments out of ``set_params``'s ``params``.

    Removes from ``params`` (in place) the keys with a ``net_params`` prefix
    or ``module__`` and returns them as a dict, checked: refused are keys that
    an estimator parameter sets, ``net_params__<key>``, a key given both by
    name and in a ``net_params`` of the same call, and skorch arguments when
    ``net_params`` is not a dict to store them in. The other keys stay for
    scikit-learn's ``set_params``.
    """
    net_keys = {}
    for key in list(params):
        prefix, sep, _ = key.partition("__")
        if not sep:
            continue
        if prefix == "net_params":
            inner = key.partition("__")[2]
            raise ValueError(
                f"{type(estimator).__name__}.set_params got {key!r}: set skorch "
                f"arguments by their own name, {inner}=..., or pass a whole "
                "net_params dict (one spelling per setting)."
            )
        if prefix in _NET_PARAM_PREFIXES or prefix == "module":
            net_keys[key] = params.pop(key)
    if not net_keys:
        return net_keys
    check_net_param_keys(estimator, net_keys, where="set_params({key}=...)")
    given = params.get("net_params", estimator.net_params)
    if given is not None and not isinstance(given, dict):
        raise ValueError(
            f"set_params got skorch arguments {sorted(net_keys)} but net_params "
            f"is {given!r}, not a dict to store them in. Pass net_params=None "
            "or a dict."
        )
    both = sorted(set(net_keys) & set(params.get("net_params") or {}))
    if both:
        raise ValueError(
            f"{both[0]!r} is given twice to {type(estimator).__name__}.set_params, "
            "in net_params and by name; give it once."
        )
    return net_keys
