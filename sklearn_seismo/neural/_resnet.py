"""ResNetClassifier: 1-D residual network for multi-channel waveforms."""

from numbers import Integral

from ._base import BaseSeismoClassifier
from ._modules import ResNet1d

__all__ = ["ResNetClassifier"]


class ResNetClassifier(BaseSeismoClassifier):
    """1-D ResNet classifier for waveforms (Wang et al., 2017; Cui and Song).

    One residual block per entry of ``n_filters``; every block has one
    same-padded convolution per entry of ``kernel_sizes``, each followed by
    batch norm and ReLU, and a shortcut (1x1 convolution + batch norm when the
    number of channels changes). Then global average pooling over time and a
    linear output layer. Trained with Adam.

    The parameters shared with :class:`MiniceptionClassifier` behave as
    there; its docstring describes them in full.

    Parameters
    ----------
    n_filters : tuple of int, default=(64, 128, 128)
        Filters of each residual block.
    kernel_sizes : tuple of int, default=(8, 5, 3)
        Kernel sizes of the convolutions of every block.
    sample_shape : tuple of int, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D, e.g.
        ``(3, 3000)``. With ``None`` the shape is read from ``X``.
    class_order : array-like of labels, default=None
        Order of ``classes_``; ``None``: sorted labels.
    max_epochs : int, default=40
        Number of epochs (the upper bound with ``early_stopping``).
    lr : float, default=1e-3
        Adam learning rate (Cui and Song's best value). A diverging fit
        (non-finite training loss, or 1000-fold the untrained network's)
        raises a ``FloatingPointError`` asking for a lower ``lr``.
    lr_decay : float in (0, 1], default=1.0
        Learning rate multiplied by this after every epoch.
    batch_size : int, default=16
        Cui and Song's mini-batch size.
    class_weight : None, "balanced" or dict, default=None
        As in :class:`MiniceptionClassifier`: dict keys must be labels of
        ``y``, values finite and non-negative.
    balanced_batches : bool, default=False
        Class-balanced mini-batches (a seeded weighted sampler drawing every
        class equally often, with replacement).
    loss : {"cross_entropy", "focal"}, default="cross_entropy"
        ``"focal"``: the focal loss of Lin et al. (2017).
    focal_gamma : float in [0, 10], default=2.0
        Focusing parameter of the focal loss (``loss="focal"`` only).
    augmentation : augmenter, default=None
        Applied to every training batch, never at prediction time.
    callbacks : list or None, default=None
        User skorch callbacks, run after the package's own.
    net_params : dict or None, default=None
        Further skorch arguments (``optimizer__<name>``, ``criterion__<name>``,
        ``iterator_train__<name>``, ``iterator_valid__<name>``). The module's
        arguments are ``n_filters`` and ``kernel_sizes``. ``set_params`` (and
        so ``GridSearchCV``) also takes these keys by name.
    early_stopping : bool, default=False
        Stop when the validation loss stops improving; restore the best epoch.
    validation_fraction : float, default=0.1
        Internal validation split (``early_stopping=True`` without ``X_val``).
    patience : int, default=5
        Epochs without improvement before stopping.
    device : str, default="auto"
        ``"auto"``: CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, batch order, validation split and augmentation.
    verbose : int, default=0
        1: one row per epoch, 2: also a progress bar. 0 is silent but for
        one note per process when the first epoch shows a fit of 5 minutes
        or more (on the ``"sklearn_seismo"`` logger).


    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_weight_ : ndarray of shape (n_classes,)
    sample_shape_ : tuple of int
    n_features_in_ : int
    net_ : skorch.NeuralNetClassifier
    module_ : ResNet1d
    history_ : skorch.history.History
    callbacks_ : list of (str, skorch.callbacks.Callback)
    device_ : str

    See Also
    --------
    MiniceptionClassifier : the 2-D counterpart for shot gathers.

    Notes
    -----
    Input layout: ``(n, C, T)`` multi-component waveforms (channels first, as
    ObsPy) or ``(n, T)`` single traces.

    References
    ----------
    .. [1] Wang, Yan and Oates (2017), "Time series classification from
       scratch with deep neural networks: a strong baseline".
    .. [2] Cui and Song, "ResNet for seismogram classification in full
       waveform inversion".

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.neural import ResNetClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(8, 3, 50)).astype(np.float32)
    >>> y = np.array([0, 1] * 4)
    >>> clf = ResNetClassifier(n_filters=(4, 8, 8), max_epochs=1, random_state=0)
    >>> clf.fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    """

    _module_class = ResNet1d
    _module_params = ("n_filters", "kernel_sizes")
    _max_sample_ndim = 2

    _parameter_constraints = {
        **BaseSeismoClassifier._parameter_constraints,
        "n_filters": [tuple, list],
        "kernel_sizes": [tuple, list],
    }

    def __init__(
        self,
        *,
        n_filters=(64, 128, 128),
        kernel_sizes=(8, 5, 3),
        sample_shape=None,
        class_order=None,
        max_epochs=40,
        lr=1e-3,
        lr_decay=1.0,
        batch_size=16,
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
        self.n_filters = n_filters
        self.kernel_sizes = kernel_sizes

    def _module_input_shape(self, sample_shape):
        for name in ("n_filters", "kernel_sizes"):
            value = getattr(self, name)
            if len(value) == 0 or any(
                not isinstance(v, Integral) or v < 1 for v in value
            ):
                raise ValueError(
                    f"{name} must be a non-empty tuple of positive ints, got {value!r}."
                )
        return (1, *sample_shape) if len(sample_shape) == 1 else tuple(sample_shape)
