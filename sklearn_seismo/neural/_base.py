"""Base class of the classifiers of ``sklearn_seismo.neural``: a scikit-learn
estimator that trains a skorch ``NeuralNetClassifier``, kept as ``net_``.

Why a thin estimator that owns a net, not a ``NeuralNetClassifier`` subclass
(ARCHITECTURE.md, "Classifiers"): skorch's ``__init__`` sets fitted attributes
at construction, its ``get_params`` lists every attribute (components,
callbacks), its ``predict`` returns class indices and its ``partial_fit``
skips the input checks. A subclass has to undo each of these. Here the
estimator's ``__init__`` only stores parameters, so ``get_params``, ``clone``
and ``set_params`` are scikit-learn's; ``fit`` validates and encodes the data
and then configures and trains a skorch net through its public API:

* constructor arguments: the module, criterion and optimizer classes, the
  ``module__``/``criterion__`` arguments set from the estimator's parameters,
  the user's ``optimizer__``/``iterator_*__`` arguments (``net_params``), the
  train split, ``callbacks`` and ``callbacks__<name>=None`` to drop a default;
* callbacks: learning-rate decay, early stopping, the divergence check and the
  user's own;
* overridden hooks of a small ``NeuralNetClassifier`` subclass:
  ``train_step_single`` (on-the-fly augmentation), ``get_iterator`` (the
  seeded shuffling) and ``on_train_begin`` (the augmentation generator).

A subclass names its torch module, the parameters forwarded to it, the shape
rule of its inputs, its defaults and its explicit ``__init__``; nothing else.

The checks and the ``set_params`` spelling of the skorch arguments are in
``_params.py``, the class labels (order, encoding, weights, the balanced
sampler) in ``_targets.py``. The classes a fitted estimator's pickle names
(the estimator, ``_SeismoNet`` and the callbacks) stay in this module.
"""

import logging
from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import Dataset, ValidSplit, unpack_data
from skorch.helper import predefined_split

from ..utils import validate_samples, warn_if_sample_shape_missing
from ..utils._random import seed_from_random_state
from ..utils._torch import (
    estimator_torch_threads,
    limit_torch_threads,
    resolve_device,
)
from ._modules import FocalLoss
from ._params import check_callbacks, check_net_params, pop_net_params
from ._targets import (
    balanced_sampler,
    check_class_weight,
    check_split_feasible,
    encode,
    fit_classes,
)

# Empty on purpose: sklearn_seismo.utils.discovery treats every class listed in
# a module's __all__ as a public estimator, and this base is not usable alone.
__all__ = []

# Torch stores the learning rate in float32 operations: a larger value
# overflows inside the optimizer step with an error that does not name lr.
# Values below this bound that still explode training meet the divergence check.
_MAX_LR = float(np.finfo(np.float32).max)

# Beyond this, (1 - p)**gamma is below 1e-3 for every sample the network gets
# right with p > 0.5: the loss only sees misclassified samples. Lin et al.
# (2017) tried 0 to 5.
_MAX_FOCAL_GAMMA = 10.0

# The progress hint (verbose=0): after the first epoch, a fit whose projected
# duration (first epoch x max_epochs) is at least this many seconds logs one
# message, once per process, naming verbose=1. Shorter fits stay silent.
_PROGRESS_HINT_SECONDS = 300.0
_progress_hint_shown = False

logger = logging.getLogger("sklearn_seismo")


# A training loss this many times the untrained network's (or log(n_classes),
# whichever is larger) means the optimiser has diverged: cross-entropy of a
# healthy network only falls from its initial value.
_DIVERGENCE_FACTOR = 1e3


class _SeismoNet(NeuralNetClassifier):
    """``NeuralNetClassifier`` with per-batch augmentation and seeded shuffling.

    Parameters
    ----------
    *args, **kwargs
        Passed to ``NeuralNetClassifier``.
    augmentation : object with ``augment_batch(X, rng)`` or None, default=None
        Applied to every training batch, in the layout ``sample_shape``.
    sample_shape : tuple of int or None, default=None
        The user's layout of one sample (the augmenter's input).
    seed : int, default=0
        Seeds the shuffling generator (``seed + 1``) and the augmentation
        generator (``[seed, 2]``), as ARCHITECTURE.md's seed rule says.
    balanced_batches : bool, default=False
        Draw training samples with replacement, with probability inversely
        proportional to their class's count (``WeightedRandomSampler``, seeded
        like the shuffling), ``len(train set)`` draws per epoch.
    """

    def __init__(
        self,
        *args,
        augmentation=None,
        sample_shape=None,
        seed=0,
        balanced_batches=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.augmentation = augmentation
        self.sample_shape = sample_shape
        self.seed = seed
        self.balanced_batches = balanced_batches

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self.augment_rng_ = np.random.default_rng([self.seed, 2])

    def get_iterator(self, dataset, training=False):
        if not training:
            return super().get_iterator(dataset, training=False)
        # A generator of its own, so that the batch order depends on the seed
        # only, not on torch's global state. skorch builds the training
        # iterator once per fit, so this is one generator per fit.
        generator = torch.Generator().manual_seed(self.seed + 1)
        kwargs = {
            "shuffle": True,
            "generator": generator,
            "batch_size": self.batch_size,
        }
        if self.balanced_batches:
            # A sampler and shuffle=True exclude each other in a DataLoader;
            # the estimator refuses a user's shuffle or sampler with
            # balanced_batches, so this is the one sampler.
            kwargs["shuffle"] = False
            kwargs["sampler"] = balanced_sampler(dataset, generator)
        kwargs.update(self.get_params_for("iterator_train"))
        return self.iterator_train(dataset, **kwargs)

    def train_step_single(self, batch, **fit_params):
        if self.augmentation is not None:
            Xi, yi = unpack_data(batch)
            batch = (self._augment(Xi), yi)
        return super().train_step_single(batch, **fit_params)

    def _augment(self, Xi):
        # the augmenter sees the user's sample layout, not the module's
        X_np = Xi.detach().cpu().numpy().reshape((len(Xi), *self.sample_shape))
        out = self.augmentation.augment_batch(X_np, self.augment_rng_)
        if not isinstance(out, np.ndarray) or out.shape != X_np.shape:
            raise ValueError(
                f"augmentation.augment_batch must return an ndarray of shape "
                f"{X_np.shape}, got {getattr(out, 'shape', type(out))}. Fix the "
                "augmenter's augment_batch."
            )
        return torch.from_numpy(np.asarray(out, dtype=np.float32)).reshape(Xi.shape)


class _ProgressHint(Callback):
    """At ``verbose=0``, say once per process how to watch a long fit.

    After the first epoch, if that epoch's duration times ``max_epochs`` is
    at least ``_PROGRESS_HINT_SECONDS``, one message goes to the
    ``"sklearn_seismo"`` logger at level WARNING (so Python's default logging
    prints it on stderr). It is not a Python warning: the common checks and the
    study's per-fit warning records never see it.

    Parameters
    ----------
    estimator_name : str
        Named in the message.
    """

    def __init__(self, estimator_name):
        self.estimator_name = estimator_name

    def on_epoch_end(self, net, **kwargs):
        global _progress_hint_shown
        if _progress_hint_shown or len(net.history) != 1:
            return
        first = float(net.history[-1, "dur"])
        projected = first * net.max_epochs
        if projected < _PROGRESS_HINT_SECONDS:
            return
        _progress_hint_shown = True
        logger.warning(
            "%s: the first of %d epochs took %.0f s, so this fit may take about "
            "%.0f min. Pass verbose=1 to print one line per epoch (verbose=2 adds "
            "a progress bar). This note is shown once per process; silence it with "
            "logging.getLogger('sklearn_seismo').setLevel(logging.ERROR).",
            self.estimator_name,
            net.max_epochs,
            first,
            projected / 60,
        )


class _DivergenceCheck(Callback):
    """Raise ``FloatingPointError`` when the training loss explodes.

    Parameters
    ----------
    estimator_name : str
        Named in the message.
    n_classes : int
        ``log(n_classes)`` is the loss of a uniform guess, the lower bound of
        the loss scale.
    """

    def __init__(self, estimator_name, n_classes):
        self.estimator_name = estimator_name
        self.n_classes = n_classes

    def initialize(self):
        self.first_loss_ = None
        return self

    def on_train_begin(self, net, **kwargs):
        self.first_loss_ = None

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training or "loss" not in kwargs:
            return
        loss = kwargs["loss"]
        loss = float(loss.detach() if torch.is_tensor(loss) else loss)
        if self.first_loss_ is None and np.isfinite(loss):
            # the loss of the untrained network: the scale of a sane loss
            self.first_loss_ = loss
        bound = _DIVERGENCE_FACTOR * max(
            self.first_loss_ or 0.0, np.log(max(self.n_classes, 2))
        )
        if np.isfinite(loss) and loss <= bound:
            return
        first = self.first_loss_ if self.first_loss_ is not None else float("nan")
        raise FloatingPointError(
            f"{self.estimator_name} diverged: the training loss reached {loss:g} "
            f"in epoch {len(net.history)} (the untrained network's loss was "
            f"{first:g}), so the weights are no longer usable. Lower lr (now "
            f"{net.lr:g}; try lr={net.lr / 10:g} or less), and check that X is "
            "finite and scaled to unit order (e.g. with "
            "sklearn_seismo.preprocessing.Normalize)."
        )


def _net_attribute(name, doc):
    """A read-only view of the fitted net's ``name``: the net holds the one copy,
    so pickling (skorch's, which maps CUDA tensors to the CPU when needed) and
    the estimator can never disagree."""

    def get(self):
        net = vars(self).get("net_")
        if net is None:
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r} before fit."
            )
        value = getattr(net, name)
        return str(value) if name == "device" else value

    return property(get, doc=doc)


class BaseSeismoClassifier(ClassifierMixin, BaseEstimator):
    """Base class of the skorch classifiers of ``sklearn_seismo``.

    Not meant to be used directly: use :class:`MiniceptionClassifier` or
    :class:`ResNetClassifier`, whose docstrings describe the parameters.

    Subclasses set ``_module_class`` (the ``torch.nn.Module`` class, called as
    ``_module_class(in_channels=..., n_classes=..., **module_kwargs)``),
    ``_module_params`` (names of their own parameters forwarded to the module),
    ``_max_sample_ndim``, implement ``_module_input_shape(sample_shape)`` and
    list every parameter in their ``__init__``.
    """

    _module_class = None
    _module_params = ()
    _max_sample_ndim = None
    # Sample dimensions the network convolves over (2: an image model, which
    # reads a flattened X without sample_shape as 1 x n_features images).
    _model_ndim = 1

    _parameter_constraints = {
        "sample_shape": [None, tuple, list, Integral],
        "class_order": [None, "array-like"],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, _MAX_LR, closed="neither")],
        "lr_decay": [Interval(Real, 0, 1, closed="right")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [None, StrOptions({"balanced"}), dict],
        "balanced_batches": ["boolean"],
        "loss": [StrOptions({"cross_entropy", "focal"})],
        "focal_gamma": [Interval(Real, 0, _MAX_FOCAL_GAMMA, closed="both")],
        "augmentation": [None, HasMethods(["augment_batch"])],
        "callbacks": [None, list],
        "net_params": [None, dict],
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
        balanced_batches=False,
        loss="cross_entropy",
        focal_gamma=2.0,
        augmentation=None,
        callbacks=None,
        net_params=None,
        early_stopping=False,
        validation_fraction=0.1,
        patience=5,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.sample_shape = sample_shape
        self.class_order = class_order
        self.max_epochs = max_epochs
        self.lr = lr
        self.lr_decay = lr_decay
        self.batch_size = batch_size
        self.class_weight = class_weight
        self.balanced_batches = balanced_batches
        self.loss = loss
        self.focal_gamma = focal_gamma
        self.augmentation = augmentation
        self.callbacks = callbacks
        self.net_params = net_params
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # The fitted net's attributes, as the estimator's own (read-only).
    module_ = _net_attribute("module_", "The trained torch module.")
    history_ = _net_attribute("history_", "skorch ``History`` of the fit.")
    criterion_ = _net_attribute("criterion_", "The loss module.")
    optimizer_ = _net_attribute("optimizer_", "The torch optimizer.")
    callbacks_ = _net_attribute("callbacks_", "``(name, callback)`` pairs used.")
    device_ = _net_attribute("device", "Device the module lives on.")

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
        self.classes_ = fit_classes(self.class_order, y)
        y_enc = encode(self.classes_, y)
        X_mod = self._module_input(X_nd)
        check_class_weight(self.class_weight, self.classes_)
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
            valid = Dataset(self._module_input(X_val_nd), encode(self.classes_, y_val))
            train_split = predefined_split(valid)
        elif self.early_stopping:
            check_split_feasible(self.validation_fraction, y_enc)
            train_split = ValidSplit(
                self.validation_fraction, stratified=True, random_state=seed
            )
        else:
            train_split = None

        device = resolve_device(self.device)
        net = self._make_net(X_mod, train_split, seed, device)
        cuda = torch.device(device).type == "cuda"
        # fork_rng: module initialization draws from torch's global generator;
        # seed it for this fit and give the caller's state back afterwards.
        with torch.random.fork_rng(devices=None if cuda else []):
            torch.manual_seed(seed)
            with limit_torch_threads(estimator_torch_threads()):
                net.fit(X_mod, y_enc)
        if X_val is not None:
            # The explicit validation set served this fit only; keep it out of
            # the fitted model (and its pickles).
            net.train_split = None
        self.net_ = net
        return self

    def _make_net(self, X_mod, train_split, seed, device):
        """The skorch net this fit trains, configured through its public API."""
        module_kwargs = {
            "in_channels": X_mod.shape[1],
            "n_classes": len(self.classes_),
            **{name: getattr(self, name) for name in self._module_params},
        }
        extra = {f"module__{k}": v for k, v in module_kwargs.items()}
        if self.class_weight is not None:
            extra["criterion__weight"] = torch.as_tensor(self.class_weight_)
        if self.loss == "focal":
            criterion = FocalLoss
            extra["criterion__gamma"] = float(self.focal_gamma)
            # skorch infers the softmax from CrossEntropyLoss only
            extra["predict_nonlinearity"] = partial(torch.softmax, dim=-1)
        else:
            criterion = torch.nn.CrossEntropyLoss
        # skorch's classifier adds a validation accuracy and always records a
        # validation loss; the history keeps the losses, and a validation
        # loss only when there is a validation set.
        extra["callbacks__valid_acc"] = None
        if train_split is None:
            extra["callbacks__valid_loss"] = None
        callbacks = [
            (
                "divergence_check",
                _DivergenceCheck(type(self).__name__, len(self.classes_)),
            )
        ]
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
                        monitor="valid_loss", patience=self.patience, load_best=True
                    ),
                )
            )
        if self.verbose and self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        if not self.verbose:
            callbacks.append(("progress_hint", _ProgressHint(type(self).__name__)))
        # skorch runs these after its defaults (loss recording) and moves the
        # log printer last.
        callbacks += list(self.callbacks or [])
        return _SeismoNet(
            module=self._module_class,
            criterion=criterion,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            train_split=train_split,
            callbacks=callbacks,
            verbose=self.verbose,
            device=device,
            augmentation=self.augmentation,
            sample_shape=self.sample_shape_,
            seed=seed,
            balanced_batches=self.balanced_batches,
            **extra,
            **(self.net_params or {}),
        )

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
        cuda = torch.device(self.net_.device).type == "cuda"
        # skorch's DataLoader draws its base seed from torch's global generator
        # (and a user's module may draw too): give the caller's state back.
        with (
            torch.random.fork_rng(devices=None if cuda else []),
            limit_torch_threads(estimator_torch_threads()),
        ):
            proba = self.net_.predict_proba(X_mod).astype(np.float64)
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
    def _check_extra_params(self):
        if self.sample_shape is not None:
            from ..utils import check_sample_shape

            check_sample_shape(self.sample_shape)
        check_net_params(self)
        check_callbacks(self.callbacks)

    def set_params(self, **params):
        """Set the parameters of this estimator.

        As scikit-learn's ``set_params``, and in addition skorch's spelling of
        the arguments kept in ``net_params``: ``set_params(
        optimizer__weight_decay=1e-4)`` stores ``net_params[
        "optimizer__weight_decay"] = 1e-4`` (in a new dict), so that
        ``GridSearchCV`` can search ``{"optimizer__weight_decay": [0, 1e-4]}``
        (``clf__optimizer__weight_decay`` in a pipeline) like any parameter.
        A setting keeps one spelling: keys that an estimator parameter sets
        (``optimizer__lr`` is ``lr``, ``module__alpha`` is ``alpha``) and a key
        given in the same call both ways (in ``net_params`` and by name) are
        refused, as is ``net_params__<key>``.

        Parameters
        ----------
        **params : dict
            Estimator parameters, and skorch arguments ``optimizer__<name>``,
            ``criterion__<name>``, ``iterator_train__<name>`` or
            ``iterator_valid__<name>``.

        Returns
        -------
        self : estimator instance
        """
        net_keys = pop_net_params(self, params)
        if not net_keys:
            # plain scikit-learn: no validation here, fit validates
            return super().set_params(**params)
        super().set_params(**params)
        self.net_params = {**(self.net_params or {}), **net_keys}
        return self

    def _module_input_shape(self, sample_shape):
        """Per-sample shape fed to the module, e.g. ``(C, H, W)``."""
        raise NotImplementedError

    def _module_input(self, X_nd):
        shape = self._module_input_shape(self.sample_shape_)
        return np.asarray(X_nd, dtype=np.float32).reshape((len(X_nd), *shape))
