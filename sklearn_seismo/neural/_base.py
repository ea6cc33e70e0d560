"""skorch-based base class shared by the classifiers of ``sklearn_seismo.neural``.

Why not plain ``skorch.NeuralNetClassifier``: skorch's ``__init__`` takes
``**kwargs`` and sets fitted-looking attributes (``history_``, ``initialized_``)
at construction, its ``get_params`` returns every attribute of the instance
(callbacks, iterators, ...) and ``predict`` returns class indices. Here

* ``__init__`` only stores the explicit parameters (plus ``module__*``-style
  keyword arguments, kept for grid searches); the skorch machinery that is not
  a user parameter (criterion, optimizer, data loaders, the package's own
  callbacks) is set up in ``fit``, so ``get_params``/``clone``/``set_params``
  behave as in scikit-learn;
* labels go through an encoder: ``classes_`` holds the user's labels and
  ``predict`` returns them;
* the train/validation split, early stopping, class weights, the learning-rate
  decay and the on-the-fly augmentation are parameters, not callbacks to wire;
  ``callbacks`` adds the user's own skorch callbacks after them.

A subclass names its torch module, the parameters forwarded to it, the shape
rule of its inputs and its defaults; nothing else.
"""

import contextlib
import inspect
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet, NeuralNetClassifier
from skorch.callbacks import (
    EarlyStopping,
    EpochTimer,
    LRScheduler,
    PassthroughScoring,
    PrintLog,
    ProgressBar,
)
from skorch.dataset import Dataset, ValidSplit, unpack_data
from skorch.helper import predefined_split
from skorch.utils import to_tensor
from torch.utils.data import DataLoader

from ..utils import validate_samples, warn_if_sample_shape_missing
from ..utils._random import seed_from_random_state
from ..utils._torch import env_torch_threads, limit_torch_threads, resolve_device

# Empty on purpose: sklearn_seismo.utils.discovery treats every class listed in
# a module's __all__ as a public estimator, and this base is not usable alone.
__all__ = []

# Keyword arguments with these prefixes are passed through to skorch, e.g.
# ``module__alpha`` (grid searches), ``optimizer__weight_decay``,
# ``iterator_train__num_workers``, ``criterion__label_smoothing``.
_PASSTHROUGH_PREFIXES = (
    "module",
    "optimizer",
    "criterion",
    "iterator_train",
    "iterator_valid",
)


# A training loss this many times the untrained network's (or log(n_classes),
# whichever is larger) means the optimiser has diverged: cross-entropy of a
# healthy network only falls from its initial value.
_DIVERGENCE_FACTOR = 1e3


def _is_passthrough(key):
    prefix, sep, rest = key.partition("__")
    return bool(sep) and bool(rest) and prefix in _PASSTHROUGH_PREFIXES


class BaseSeismoClassifier(NeuralNetClassifier):
    """Base class of the skorch classifiers of ``sklearn_seismo``.

    Not meant to be used directly: use :class:`MiniceptionClassifier` or
    :class:`ResNetClassifier`, whose docstrings describe the parameters.

    Subclasses set ``_module_class`` (the ``torch.nn.Module`` class, called as
    ``_module_class(in_channels, n_classes, **module_kwargs)``),
    ``_module_params`` (names of their own parameters forwarded to the module),
    ``_max_sample_ndim`` and implement ``_module_input_shape(sample_shape)``.
    """

    _module_class = None
    _module_params = ()
    _max_sample_ndim = None
    # Sample dimensions the network convolves over (2: an image model, which
    # reads a flattened X without sample_shape as 1 x n_features images).
    _model_ndim = 1

    # Fixed skorch settings. Class attributes, not parameters: they are read
    # by skorch but never set on the instance, so get_params stays clean.
    criterion = torch.nn.CrossEntropyLoss
    optimizer = torch.optim.Adam
    iterator_train = DataLoader
    iterator_valid = DataLoader
    dataset = Dataset
    train_split = None
    predict_nonlinearity = "auto"
    warm_start = False
    compile = False
    use_caching = False
    torch_load_kwargs = None
    classes = None
    initialized_ = False
    history_ = None

    _parameter_constraints = {
        "sample_shape": [None, tuple, list, Integral],
        "class_order": [None, "array-like"],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_decay": [Interval(Real, 0, 1, closed="right")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [None, StrOptions({"balanced"}), dict],
        "augmentation": [None, HasMethods(["augment_batch"])],
        "callbacks": [None, list],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        sample_shape=None,
        class_order=None,
        max_epochs=40,
        lr=1e-3,
        lr_decay=1.0,
        batch_size=32,
        class_weight=None,
        augmentation=None,
        callbacks=None,
        early_stopping=False,
        validation_fraction=0.1,
        patience=5,
        device="auto",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        # NeuralNet.__init__ is deliberately not called: it would set fitted
        # attributes at construction (see the module docstring).
        self.sample_shape = sample_shape
        self.class_order = class_order
        self.max_epochs = max_epochs
        self.lr = lr
        self.lr_decay = lr_decay
        self.batch_size = batch_size
        self.class_weight = class_weight
        self.augmentation = augmentation
        self.callbacks = callbacks
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        unknown = sorted(k for k in kwargs if not _is_passthrough(k))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected keyword "
                f"argument(s) {unknown}. Only the documented parameters and "
                f"'<component>__<name>' arguments for the components "
                f"{list(_PASSTHROUGH_PREFIXES)} are accepted (e.g. module__alpha)."
            )
        vars(self).update(kwargs)

    # ------------------------------------------------------------------
    # scikit-learn parameter API
    # ------------------------------------------------------------------
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        # A subclass's __init__ names only its own parameters and changed
        # defaults, and forwards the rest with **kwargs. Publish the full
        # keyword-only signature (with the subclass's defaults) so that
        # scikit-learn's introspection (clone, repr, estimator checks) and
        # help() see every parameter.
        params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        params += [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
            for name, default in cls._param_defaults().items()
        ]
        init.__signature__ = inspect.Signature(params)

    @classmethod
    def _param_defaults(cls):
        """Explicit parameters and defaults, from every ``__init__`` in the MRO."""
        defaults = {}
        for klass in cls.__mro__:
            if klass is NeuralNetClassifier:
                break
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            for p in inspect.signature(init).parameters.values():
                if p.name == "self" or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                    continue
                defaults.setdefault(p.name, p.default)
        return defaults

    def _get_param_names(self):
        names = set(self._param_defaults())
        names.update(k for k in vars(self) if _is_passthrough(k))
        return sorted(names)

    def get_params(self, deep=True):
        """Get the parameters of this estimator.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of ``augmentation`` (as
            ``augmentation__<name>``) when it is an estimator.

        Returns
        -------
        params : dict
            The explicit parameters plus any ``module__*``-style arguments.
        """
        return BaseEstimator.get_params(self, deep=deep)

    def set_params(self, **params):
        """Set the parameters of this estimator.

        ``module__<name>``, ``optimizer__<name>``, ``criterion__<name>``,
        ``iterator_train__<name>`` and ``iterator_valid__<name>`` are stored
        and applied at the next ``fit``; other keys follow scikit-learn.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
        """
        own = {}
        for key, value in params.items():
            if _is_passthrough(key):
                vars(self)[key] = value
            else:
                own[key] = value
        BaseEstimator.set_params(self, **own)
        return self

    # skorch's repr lists internal components; scikit-learn's shows the
    # parameters that differ from their defaults
    __repr__ = BaseEstimator.__repr__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = False
        return tags

    # skorch's partial_fit bypasses the label encoding and input validation
    # of ``fit``; hide it so that nothing (scikit-learn's checks, incremental
    # meta-estimators) mistakes this estimator for an incremental one.
    @property
    def partial_fit(self):
        raise AttributeError(
            f"{type(self).__name__} does not support partial_fit; call fit."
        )

    # ------------------------------------------------------------------
    # fit / predict
    # ------------------------------------------------------------------
    def fit(self, X, y, X_val=None, y_val=None):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Training samples, n-D or flattened with ``sample_shape`` set.
        y : array-like of shape (n_samples,)
            Labels of any type (ints, strings such as ``"good"``/``"bad"``).
        X_val, y_val : array-like, default=None
            Explicit validation set, same layout as ``X``. Its loss is recorded
            every epoch (``history_[:, "valid_loss"]``) and, with
            ``early_stopping=True``, it is used for early stopping instead of
            an internal split of ``X``. Inside an imbalanced-learn
            ``Pipeline`` pass them as ``clf__X_val``/``clf__y_val``: an internal
            split of the resampled training data would contain a sampler's
            synthetic samples, a validation set held out before resampling
            does not. They are not passed through the pipeline's earlier
            steps: give them already preprocessed.

        Returns
        -------
        self : estimator instance
        """
        self._validate_params()
        self._check_extra_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None. Pass the class labels of X."
            )
        if self._model_ndim >= 2:
            warn_if_sample_shape_missing(
                self, X, self.sample_shape, model_ndim=self._model_ndim
            )
        X_nd, y, _ = validate_samples(
            self,
            X,
            y,
            reset=True,
            sample_shape=self.sample_shape,
            max_sample_ndim=self._max_sample_ndim,
        )
        check_classification_targets(y)
        self._classes = self._fit_classes(y)
        y_enc = self._encode(y)
        X_mod = self._module_input(X_nd)
        self._check_class_weight()
        self.class_weight_ = compute_class_weight(
            self.class_weight, classes=self.classes_, y=y
        ).astype(np.float32)
        if (X_val is None) != (y_val is None):
            raise ValueError(
                "Pass both X_val and y_val for an explicit validation set, or neither."
            )
        seed = seed_from_random_state(self.random_state)
        if X_val is not None:
            X_val_nd, y_val, _ = validate_samples(
                self,
                X_val,
                y_val,
                reset=False,
                sample_shape=self.sample_shape,
                max_sample_ndim=self._max_sample_ndim,
            )
            valid = Dataset(self._module_input(X_val_nd), self._encode(y_val))
            self._train_split = predefined_split(valid)
        elif self.early_stopping:
            self._check_split_feasible(y_enc)
            self._train_split = ValidSplit(
                self.validation_fraction, stratified=True, random_state=seed
            )
        else:
            self._train_split = None

        self.device_ = resolve_device(self.device)
        cuda = torch.device(self.device_).type == "cuda"
        self._shuffle_generator = torch.Generator().manual_seed(seed + 1)
        self._augment_rng = np.random.default_rng([seed, 2])
        # fork_rng: module initialization draws from torch's global generator;
        # seed it for this fit and give the caller's state back afterwards.
        try:
            with torch.random.fork_rng(devices=None if cuda else []):
                torch.manual_seed(seed)
                with self._resolved_device():
                    self.initialize()
                with limit_torch_threads(env_torch_threads()):
                    NeuralNet.partial_fit(self, X_mod, y_enc, _routing_method="fit")
        finally:
            del self._shuffle_generator, self._augment_rng, self._train_split
            vars(self).pop("_first_loss", None)
        return self

    @property
    def classes_(self):
        try:
            return vars(self)["_classes"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_' before fit."
            ) from None

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Same layout as in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        check_is_fitted(self)
        X_nd, _ = validate_samples(
            self,
            X,
            reset=False,
            sample_shape=self.sample_shape,
            max_sample_ndim=self._max_sample_ndim,
        )
        X_mod = self._module_input(X_nd)
        with limit_torch_threads(env_torch_threads()):
            proba = NeuralNet.predict_proba(self, X_mod).astype(np.float64)
        bad = ~np.isfinite(proba).all(axis=1)
        if bad.any():
            raise ValueError(
                f"{type(self).__name__} produced non-finite probabilities for "
                f"{int(bad.sum())} of {len(proba)} samples (e.g. sample "
                f"{int(np.flatnonzero(bad)[0])}): the network overflows on these "
                "inputs. Scale X as the training data was scaled (e.g. with "
                "sklearn_seismo.preprocessing.Normalize), or refit with a lower lr."
            )
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Predicted labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Same layout as in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels taken from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    # ------------------------------------------------------------------
    # helpers of fit
    # ------------------------------------------------------------------
    def _validate_params(self):
        # scikit-learn's parameter validation; this also replaces skorch's
        # method of the same name (called by ``initialize``), whose checks of
        # unknown keyword arguments ``__init__`` already does.
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )

    def _check_extra_params(self):
        if self.sample_shape is not None:
            from ..utils import check_sample_shape

            check_sample_shape(self.sample_shape)
        for key in vars(self):
            if key.startswith("module__") and key[8:] in {"in_channels", "n_classes"}:
                raise ValueError(f"{key} is set from the data in fit; remove it.")

    def _check_class_weight(self):
        weights = self.class_weight
        if not isinstance(weights, dict):
            return
        classes = self.classes_
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

    def _fit_classes(self, y):
        if self.class_order is None:
            return np.unique(y)
        order = np.asarray(self.class_order)
        if order.ndim != 1 or len(np.unique(order)) != len(order):
            raise ValueError(
                f"class_order must be a 1-D list of distinct labels, got "
                f"{self.class_order!r}."
            )
        with contextlib.suppress(ValueError, TypeError):
            order = order.astype(y.dtype)
        missing = np.setdiff1d(np.unique(y), order)
        if missing.size:
            raise ValueError(
                f"y contains labels {missing.tolist()} that are not in "
                f"class_order={list(self.class_order)}. Add them to class_order "
                "or set class_order=None."
            )
        return order

    def _encode(self, y):
        classes = self.classes_
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

    def _check_split_feasible(self, y_enc):
        counts = np.bincount(y_enc)
        n_valid = int(np.ceil(self.validation_fraction * len(y_enc)))
        if counts.min() < 2 or n_valid < len(counts):
            raise ValueError(
                f"early_stopping=True needs a stratified validation split of "
                f"{self.validation_fraction:.0%} of the {len(y_enc)} samples with "
                f"every class in both parts, but the class counts are "
                f"{counts.tolist()}. Increase validation_fraction, pass an explicit "
                "validation set with fit(X, y, X_val=..., y_val=...), or set "
                "early_stopping=False."
            )

    def _module_input_shape(self, sample_shape):
        """Per-sample shape fed to the module, e.g. ``(C, H, W)``."""
        raise NotImplementedError

    def _module_input(self, X_nd):
        shape = self._module_input_shape(self.sample_shape_)
        return np.asarray(X_nd, dtype=np.float32).reshape((len(X_nd), *shape))

    @contextlib.contextmanager
    def _resolved_device(self):
        # skorch's initialize moves the module and criterion to
        # ``self.device``; the parameter may be "auto", so the resolved
        # ``device_`` stands in for it during that call. Training and
        # prediction read ``device_`` directly (``infer``, ``get_loss``), so
        # concurrent predictions never see the swap.
        param = vars(self).get("device")
        vars(self)["device"] = self.device_
        try:
            yield
        finally:
            vars(self)["device"] = param

    # ------------------------------------------------------------------
    # skorch hooks
    # ------------------------------------------------------------------
    def check_data(self, X, y):
        # skorch would infer classes_ from the encoded labels
        pass

    def get_default_callbacks(self):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
        ]
        if getattr(self, "_train_split", None) is not None:
            callbacks.append(("valid_loss", PassthroughScoring(name="valid_loss")))
        if self.lr_decay != 1.0:
            callbacks.append(
                (
                    "lr_scheduler",
                    LRScheduler(policy="ExponentialLR", gamma=self.lr_decay),
                )
            )
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.patience,
                        load_best=True,
                    ),
                )
            )
        if self.verbose and self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        callbacks.append(("print_log", PrintLog()))
        return callbacks

    def initialize_module(self):
        kwargs = {name: getattr(self, name) for name in self._module_params}
        kwargs.update(self.get_params_for("module"))
        in_channels = self._module_input_shape(self.sample_shape_)[0]
        self.module_ = self._module_class(in_channels, len(self.classes_), **kwargs)
        return self

    def initialize_criterion(self):
        kwargs = self.get_params_for("criterion")
        if self.class_weight is not None:
            kwargs.setdefault("weight", torch.as_tensor(self.class_weight_))
        self.criterion_ = self.criterion(**kwargs)
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self._first_loss = None

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        super().on_batch_end(net, batch=batch, training=training, **kwargs)
        if not training or "loss" not in kwargs:
            return
        loss = kwargs["loss"]
        loss = float(loss.detach() if torch.is_tensor(loss) else loss)
        if self._first_loss is None and np.isfinite(loss):
            # the loss of the untrained network: the scale of a sane loss
            self._first_loss = loss
        bound = _DIVERGENCE_FACTOR * max(
            self._first_loss or 0.0, np.log(max(len(self.classes_), 2))
        )
        if np.isfinite(loss) and loss <= bound:
            return
        epoch = len(self.history)
        raise FloatingPointError(
            f"{type(self).__name__} diverged: the training loss reached {loss:g} "
            f"in epoch {epoch} (the untrained network's loss was "
            f"{self._first_loss if self._first_loss is not None else float('nan'):g})"
            f", so the weights are no longer usable. Lower lr (now {self.lr:g}; "
            f"try lr={self.lr / 10:g} or less), and check that X is finite and "
            "scaled to unit order (e.g. with "
            "sklearn_seismo.preprocessing.Normalize)."
        )

    def infer(self, x, **fit_params):
        return self.module_(to_tensor(x, device=self.device_), **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self.criterion_(y_pred, to_tensor(y_true, device=self.device_))

    def get_split_datasets(self, X, y=None, **fit_params):
        dataset = self.get_dataset(X, y)
        if self._train_split is None:
            return dataset, None
        return self._train_split(dataset, y)

    def get_iterator(self, dataset, training=False):
        if training:
            kwargs = {"shuffle": True}
            generator = getattr(self, "_shuffle_generator", None)
            if generator is not None:
                kwargs["generator"] = generator
            kwargs.update(self.get_params_for("iterator_train"))
            iterator = self.iterator_train
        else:
            kwargs = self.get_params_for("iterator_valid")
            iterator = self.iterator_valid
        kwargs.setdefault("batch_size", self.batch_size)
        return iterator(dataset, **kwargs)

    def train_step_single(self, batch, **fit_params):
        if self.augmentation is not None:
            Xi, yi = unpack_data(batch)
            batch = (self._augment(Xi), yi)
        return super().train_step_single(batch, **fit_params)

    def _augment(self, Xi):
        # the augmenter sees the user's sample layout, not the module's
        X_np = Xi.detach().cpu().numpy().reshape((len(Xi), *self.sample_shape_))
        out = self.augmentation.augment_batch(X_np, self._augment_rng)
        if not isinstance(out, np.ndarray) or out.shape != X_np.shape:
            raise ValueError(
                f"augmentation.augment_batch must return an ndarray of shape "
                f"{X_np.shape}, got {getattr(out, 'shape', type(out))}. Fix the "
                "augmenter's augment_batch."
            )
        return torch.from_numpy(np.asarray(out, dtype=np.float32)).reshape(Xi.shape)

    # ------------------------------------------------------------------
    # pickling
    # ------------------------------------------------------------------
    def __setstate__(self, state):
        # skorch maps the torch tensors to ``state["device"]`` (or to the CPU
        # when that device is missing, with a DeviceWarning); here that must
        # be the device the model was fitted on, not the "auto" parameter.
        param = state.get("device")
        fitted = state.get("device_")
        state["device"] = fitted if fitted is not None else "cpu"
        with warnings.catch_warnings():
            if fitted is None:
                warnings.simplefilter("ignore")
            super().__setstate__(state)
        if fitted is not None:
            # skorch fell back to the CPU (DeviceWarning) if CUDA is missing
            self.device_ = str(vars(self)["device"])
        vars(self)["device"] = param
