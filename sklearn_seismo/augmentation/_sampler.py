"""AugmentationSampler: augmented copies appended at fit time only."""

from collections import OrderedDict
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from imblearn.base import BaseSampler
from imblearn.utils import check_sampling_strategy, check_target_type
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets

from ..utils import restore_layout, validate_samples
from ..utils._batch import SAMPLE_SHAPE_CONSTRAINT
from ..utils._layout import as_samples
from ..utils._random import generator_from_random_state
from ..utils._sampling import check_new_samples_fit, check_strategy_counts

__all__ = ["AugmentationSampler"]


class AugmentationSampler(BaseSampler):
    """Over-sample by appending randomly augmented copies of training samples.

    An imbalanced-learn sampler: inside an :class:`imblearn.pipeline.Pipeline`
    its ``fit_resample`` runs only when the pipeline is fitted, so test data is
    never augmented. This is the "classic augmentation" arm of the study
    (Zhu et al., 2020, section 3.6: combining over-sampling with augmentation
    adds variety to the repeated minority samples).

    Two ways to say how many copies to make:

    * ``sampling_strategy=None`` (default): every sample of the chosen
      ``classes`` (all classes when None) gets ``n_copies`` augmented copies;
    * ``sampling_strategy`` set as for any imbalanced-learn over-sampler
      (``"auto"``, ``"minority"``, a dict ``{class: n_samples_after}``, a
      float for binary problems, a callable): each targeted class is filled up
      with augmented copies of its own samples, drawn in turn from a random
      permutation so every sample is used as evenly as possible.
      ``n_copies`` and ``classes`` must then keep their defaults.

    Only new samples are appended; the originals come first, unchanged.

    Parameters
    ----------
    augmenter : augmenter
        Object with ``augment_batch(X, rng)``, e.g.
        ``AddNoise(snr_db=(0, 20))`` or a :class:`Compose` of augmenters.
    n_copies : int, default=1
        Augmented copies per sample of the chosen classes.
    classes : list of labels or None, default=None
        Classes to augment; all when None.
    sampling_strategy : float, str, dict, callable or None, default=None
        imbalanced-learn's over-sampling strategy (see above).
    sample_shape : tuple of int or None, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D; the output
        keeps the layout of the input.
    random_state : int, RandomState instance or None, default=None
        Seed of the augmentation and of the choice of samples.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of new samples made per class.
    n_features_in_ : int
        Number of features seen in ``fit_resample``.
    sample_shape_ : tuple of int
        Shape of one sample seen in ``fit_resample``.

    See Also
    --------
    imblearn.over_sampling.RandomOverSampler : Appends plain copies.
    sklearn_seismo.over_sampling.GlowOversampler : Appends flow samples.

    References
    ----------
    .. [1] Zhu, W., Mousavi, S. M., & Beroza, G. C. (2020). Seismic signal
       augmentation to improve generalization of deep neural networks.
       Advances in Geophysics, 61, 151-177.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_seismo.augmentation import AddNoise, AugmentationSampler
    >>> X = np.random.default_rng(0).normal(size=(6, 3, 20)).astype(np.float32)
    >>> y = np.array(["good"] * 4 + ["bad"] * 2)
    >>> sampler = AugmentationSampler(AddNoise(snr_db=(5, 10)), n_copies=2,
    ...                               classes=["bad"], random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, sorted(y_res.tolist()).count("bad")
    ((10, 3, 20), 6)
    """

    _sampling_type = "over-sampling"

    _parameter_constraints: dict = {
        "augmenter": [HasMethods(["augment_batch"])],
        "n_copies": [Interval(Integral, 1, None, closed="left")],
        "classes": ["array-like", None],
        "sampling_strategy": [
            Interval(Real, 0, 1, closed="right"),
            StrOptions({"auto", "minority", "not minority", "not majority", "all"}),
            Mapping,
            callable,
            None,
        ],
        "sample_shape": SAMPLE_SHAPE_CONSTRAINT,
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        augmenter,
        *,
        n_copies=1,
        classes=None,
        sampling_strategy=None,
        sample_shape=None,
        random_state=None,
    ):
        self.augmenter = augmenter
        self.n_copies = n_copies
        self.classes = classes
        self.sampling_strategy = sampling_strategy
        self.sample_shape = sample_shape
        self.random_state = random_state

    def _check_X_y(self, X, y, accept_sparse=None):
        # imblearn's hook: n-D samples (or 2-D + sample_shape) instead of a
        # 2-D matrix. X goes back in the caller's layout, so that
        # _fit_resample reads the layout from the array (as_samples).
        if isinstance(self.sampling_strategy, Mapping):
            check_strategy_counts(self.sampling_strategy)
        check_classification_targets(y)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X_nd, y, flat = validate_samples(
            self, X, y, reset=True, sample_shape=self.sample_shape
        )
        if self.sampling_strategy is not None and (
            self.n_copies != 1 or self.classes is not None
        ):
            raise ValueError(
                "Pass either sampling_strategy or n_copies/classes, not both: "
                "sampling_strategy fills classes up to a target count, "
                "n_copies/classes append a fixed number of copies."
            )
        return restore_layout(X_nd, flat), y, binarize_y

    def _copies_per_class(self, y):
        """``sampling_strategy_`` of the n_copies/classes mode."""
        labels, counts = np.unique(y, return_counts=True)
        chosen = labels if self.classes is None else np.asarray(self.classes)
        unknown = [c for c in np.atleast_1d(chosen) if c not in set(labels.tolist())]
        if unknown:
            raise ValueError(
                f"classes {unknown!r} are not in y (labels: {labels.tolist()!r}); "
                "pass labels that occur in the training data."
            )
        chosen = set(np.atleast_1d(chosen).tolist())
        return OrderedDict(
            (label, int(count) * self.n_copies if label in chosen else 0)
            for label, count in zip(labels.tolist(), counts)
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, **params):
        """Check ``X`` and ``y`` and compute ``sampling_strategy_``.

        Use :meth:`fit_resample` to resample.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape) or (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples,)
            Labels.
        **params : dict
            Ignored.

        Returns
        -------
        self : object
        """
        # Overrides imblearn's fit, which sets sampling_strategy_ with
        # check_sampling_strategy alone: that knows imblearn's strategies, not
        # the n_copies/classes mode (sampling_strategy=None), where it gives
        # None. fit_resample is imblearn's; _fit_resample fills that mode in.
        _, y, _ = self._check_X_y(X, y)
        if self.sampling_strategy is None:
            self.sampling_strategy_ = self._copies_per_class(y)
        else:
            self.sampling_strategy_ = check_sampling_strategy(
                self.sampling_strategy, y, self._sampling_type
            )
        return self

    def _fit_resample(self, X, y, **params):
        # imblearn's hook: X is validated (in the caller's layout); BaseSampler's
        # fit_resample has set sampling_strategy_ unless sampling_strategy is
        # None (n_copies/classes mode). params are accepted and ignored.
        X, flat = as_samples(X, self.sample_shape_)
        if self.sampling_strategy is None:
            self.sampling_strategy_ = self._copies_per_class(y)
        elif callable(self.sampling_strategy):
            # only the callable's result shows its counts
            check_strategy_counts(self.sampling_strategy(y), "sampling_strategy(y)")
        check_new_samples_fit(
            sum(n for n in self.sampling_strategy_.values() if n > 0),
            X,
            self,
            fix="ask for fewer copies (n_copies, sampling_strategy)",
        )
        rng = generator_from_random_state(self.random_state)
        source = []
        for label, n_new in self.sampling_strategy_.items():
            if n_new <= 0:
                continue
            members = np.flatnonzero(y == label)
            if self.sampling_strategy is None:
                source.append(np.tile(members, n_new // len(members)))
            else:
                # a fresh permutation, cycled: every sample used as evenly as
                # possible
                source.append(np.resize(rng.permutation(members), n_new))
        source = np.concatenate(source) if source else np.empty(0, dtype=np.intp)
        X_new = self.augmenter.augment_batch(X[source], rng)
        X_res = np.concatenate([X, X_new.astype(X.dtype, copy=False)])
        return restore_layout(X_res, flat), np.concatenate([y, y[source]])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.non_deterministic = True
        return tags
