"""MiniceptionClassifier: the SeismoGlow baseline CNN for 2-D shot gathers."""

from numbers import Integral

from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseSeismoClassifier
from ._modules import Miniception, miniception_min_size

__all__ = ["MiniceptionClassifier"]


class MiniceptionClassifier(BaseSeismoClassifier):
    """Miniception CNN classifier for 2-D gathers (Bucker et al., 2019).

    ``n_blocks`` blocks; block ``n`` (1-based) runs parallel 3x3 and 5x5
    convolutions with ``m1 = 2**n * alpha`` filters (ReLU), concatenates them,
    applies a 3x3 convolution with ``m2 = 2**(n + 1) * alpha`` filters and adds
    a residual 1x1 convolution to ``m2`` channels gated by squeeze-and-excitation;
    a 5x5 max-pool with stride 2 follows every block. Head: global average
    pooling, dense ``32 * alpha`` (ReLU), output. Trained with Adam and a
    learning rate decayed by ``lr_decay`` every epoch, as in the SeismoGlow
    study (lr 5e-5, x0.999 per epoch, 40 epochs).

    Parameters
    ----------
    alpha : int, default=4
        Width multiplier. The sources do not state the value used in the
        study; 4 gives 8..64 / 16..128 filters over four blocks.
    n_blocks : int, default=4
        Number of blocks (and of stride-2 poolings).
    head : {"softmax", "ordinal"}, default="softmax"
        ``"softmax"``: one logit per class. ``"ordinal"``: a cumulative-link
        head, one score and ``n_classes - 1`` learned ordered thresholds,
        ``P(y <= k) = sigmoid(theta_k - score)``, for ordered labels such as
        quality grades. The order is ``class_order``.
    sample_shape : tuple of int, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D (as after
        SMOTE), e.g. ``(64, 64)``. With ``None`` the shape is read from ``X``.
    class_order : array-like of labels, default=None
        Order of ``classes_`` (and of the columns of ``predict_proba``). It is
        the class order of the ordinal head, so give it for ``head="ordinal"``:
        ``["good", "medium", "bad"]``. ``None``: sorted labels (alphabetical
        for strings, which for good/medium/bad is *not* the quality order).
    max_epochs : int, default=40
        Number of epochs (the upper bound with ``early_stopping``).
    lr : float, default=5e-5
        Adam learning rate, positive and below float32's largest value (torch
        cannot represent more). A fit whose training loss turns non-finite or
        grows 1000-fold over the untrained network's raises a
        ``FloatingPointError`` asking for a lower ``lr``.
    lr_decay : float in (0, 1], default=0.999
        Learning rate multiplied by this after every epoch.
    batch_size : int, default=32
    class_weight : None, "balanced" or dict, default=None
        Weights of the classes in the cross-entropy loss;
        ``"balanced"`` is ``n_samples / (n_classes * bincount(y))``. A dict
        maps labels of ``y`` to finite non-negative weights (missing classes
        weigh 1); unknown labels and negative weights raise a ValueError.
        They weigh the focal loss the same way.
    balanced_batches : bool, default=False
        Class-balanced mini-batches: the training iterator draws samples with
        replacement, each with probability ``1 / (n_classes * count(its
        class))`` (a seeded ``torch.utils.data.WeightedRandomSampler``), as
        many draws per epoch as training samples. Every class is then drawn
        equally often on average, and rare samples are seen several times per
        epoch. It replaces the shuffling, so ``net_params`` may not set
        ``iterator_train__sampler`` or ``iterator_train__shuffle=True`` with it.
    loss : {"cross_entropy", "focal"}, default="cross_entropy"
        Training loss. ``"focal"``: the focal loss of Lin et al. (2017),
        ``-(1 - p)**focal_gamma * log(p)`` for the probability ``p`` of the
        true class, which down-weights samples the network already classifies
        well (``FocalLoss`` in ``sklearn_seismo/neural/_modules.py``).
    focal_gamma : float in [0, 10], default=2.0
        Focusing parameter of the focal loss (used only with
        ``loss="focal"``); 0 is the cross-entropy, 2 is Lin et al.'s choice.
    augmentation : augmenter, default=None
        Object with ``augment_batch(X, rng)`` (any augmenter of
        :mod:`sklearn_seismo.augmentation`), applied to every training batch
        on the fly, in the layout of ``X``; never at prediction time and never
        on the validation set.
    callbacks : list or None, default=None
        skorch callbacks run in addition to the package's own (loss
        recording, learning-rate decay, early stopping, logging), e.g.
        ``skorch.callbacks.Checkpoint`` or ``GradientNormClipping``, or a
        user's ``skorch.callbacks.Callback``. Items are callbacks or
        ``(name, callback)`` pairs, as skorch's ``callbacks``. As in skorch,
        the given instances are initialised and used in place at every
        ``fit`` (read their state afterwards); ``fit`` lists them all in
        ``callbacks_``.
    net_params : dict or None, default=None
        Further arguments of the skorch net, spelt as in skorch:
        ``optimizer__<name>``, ``criterion__<name>``,
        ``iterator_train__<name>`` and ``iterator_valid__<name>``, e.g.
        ``{"optimizer__weight_decay": 1e-4}``. What a parameter sets has
        that one spelling: ``fit`` refuses ``module__alpha`` (use ``alpha``),
        ``optimizer__lr``, ``criterion__weight`` (use ``class_weight``),
        ``criterion__gamma`` (use ``focal_gamma``) and
        ``iterator_train__batch_size``. ``set_params`` takes these keys by
        name and stores them here, so a grid search needs no dicts:
        ``GridSearchCV(clf, {"optimizer__weight_decay": [0, 1e-4]})``, or
        ``"clf__optimizer__weight_decay"`` in a pipeline.
    early_stopping : bool, default=False
        Stop when the validation loss has not improved for ``patience``
        epochs and restore the weights of the best epoch (kept in memory: no
        checkpoint files, so parallel folds cannot overwrite each other's).
        The validation set is ``X_val`` when given to ``fit``, else a
        stratified ``validation_fraction`` of ``X``. Inside an
        imbalanced-learn pipeline that internal split would contain the
        sampler's synthetic samples: pass ``clf__X_val`` instead.
    validation_fraction : float, default=0.1
        Size of the internal validation split (``early_stopping=True`` and no
        ``X_val``).
    patience : int, default=5
    device : str, default="auto"
        ``"auto"``: CUDA when available, else the CPU. A model fitted on a GPU
        and loaded where there is none predicts on the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialization, the batch order, the validation
        split and the augmentations. A fixed int makes a CPU fit bit-for-bit
        reproducible (in one process; torch's global generator is seeded during
        ``fit`` and restored afterwards, so fits in concurrent threads are not).
    verbose : int, default=0
        1: one table row per epoch; 2: also a progress bar per epoch.
        0 prints nothing, except one note per process, on the
        ``"sklearn_seismo"`` logger, when the first epoch shows that the fit
        will take 5 minutes or more (it names ``verbose=1``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels, in the order of ``class_order`` when given.
    class_weight_ : ndarray of shape (n_classes,)
        Loss weight of each class (ones when ``class_weight=None``).
    sample_shape_ : tuple of int
        Shape of one sample seen in ``fit``.
    n_features_in_ : int
        ``prod(sample_shape_)``.
    net_ : skorch.NeuralNetClassifier
        The trained skorch net. ``module_``, ``history_``, ``criterion_``,
        ``optimizer_``, ``callbacks_`` and ``device_`` are its attributes.
    module_ : Miniception
        The trained torch module.
    history_ : skorch.history.History
        Per-epoch ``train_loss`` (and ``valid_loss`` with a validation set),
        e.g. ``history_[:, "train_loss"]``.
    callbacks_ : list of (str, skorch.callbacks.Callback)
        The callbacks of the fit, the package's and the user's.
    device_ : str
        Device the module lives on.

    See Also
    --------
    ResNetClassifier : the 1-D counterpart for multi-channel waveforms.

    Notes
    -----
    Input layout: ``(n, H, W)`` gathers or ``(n, C, H, W)``; a 1-D sample
    ``(W,)`` (2-D ``X`` without ``sample_shape``) is a ``1 x W`` image, with a
    ``UserWarning`` in ``fit`` since flattened gathers usually need
    ``sample_shape`` (pass ``sample_shape=(1, W)`` to mean it). Any
    size works, but along every axis longer than 1 the last block must see at
    least two pixels: ``H, W >= 2**(n_blocks - 1) + 1`` (9 for four blocks).

    References
    ----------
    .. [1] Bucker et al. (2019), "A deep convolutional network for seismic
       shot-gather image quality classification".
    .. [2] Milidiú and Müller (2021), "SeismoGlow -- Data augmentation for
       the class imbalance problem".
    .. [3] Lin, Goyal, Girshick, He and Dollár (2017), "Focal loss for dense
       object detection", ICCV.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.neural import MiniceptionClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(8, 16, 16)).astype(np.float32)
    >>> y = np.array(["good", "bad"] * 4)
    >>> clf = MiniceptionClassifier(alpha=1, max_epochs=1, random_state=0)
    >>> clf.fit(X, y).predict(X[:2]).shape
    (2,)
    >>> clf.classes_
    array(['bad', 'good'], dtype='<U4')
    """

    _module_class = Miniception
    _module_params = ("alpha", "n_blocks", "head")
    _max_sample_ndim = 3
    _model_ndim = 2

    _parameter_constraints = {
        **BaseSeismoClassifier._parameter_constraints,
        "alpha": [Interval(Integral, 1, None, closed="left")],
        "n_blocks": [Interval(Integral, 1, None, closed="left")],
        "head": [StrOptions({"softmax", "ordinal"})],
    }

    def __init__(
        self,
        *,
        alpha=4,
        n_blocks=4,
        head="softmax",
        sample_shape=None,
        class_order=None,
        max_epochs=40,
        lr=5e-5,
        lr_decay=0.999,
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
        super().__init__(
            sample_shape=sample_shape,
            class_order=class_order,
            max_epochs=max_epochs,
            lr=lr,
            lr_decay=lr_decay,
            batch_size=batch_size,
            class_weight=class_weight,
            balanced_batches=balanced_batches,
            loss=loss,
            focal_gamma=focal_gamma,
            augmentation=augmentation,
            callbacks=callbacks,
            net_params=net_params,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            patience=patience,
            device=device,
            random_state=random_state,
            verbose=verbose,
        )
        self.alpha = alpha
        self.n_blocks = n_blocks
        self.head = head

    def _module_input_shape(self, sample_shape):
        shape = (1, 1, *sample_shape)[-3:] if len(sample_shape) < 3 else sample_shape
        n_blocks = self.n_blocks
        min_size = miniception_min_size(n_blocks)
        spatial = shape[1:]
        if any(1 < s < min_size for s in spatial):
            raise ValueError(
                f"Images of size {spatial[0]}x{spatial[1]} are too small for "
                f"n_blocks={n_blocks} stride-2 poolings: every axis longer than 1 "
                f"needs at least {min_size} pixels. Reduce n_blocks (at most "
                f"{_max_blocks(min(s for s in spatial if s > 1))} fits) or pad "
                "the images."
            )
        return tuple(shape)


def _max_blocks(size):
    n = 1
    while miniception_min_size(n + 1) <= size:
        n += 1
    return n
