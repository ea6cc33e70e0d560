"""CriticFilteredSampler: draw more candidates than needed, keep what a critic likes.

Any imbalanced-learn over-sampler (SMOTE, random copies,
``AugmentationSampler``, ``GlowOversampler``, ...) is asked for
``oversampling_factor`` times the samples a class needs; a critic scores the
candidates and the best-scored ones are kept (issue 23, item 2; Grover et al.
2019 and Hong, An & Jeon 2024 filter generated samples the same way).
"""

import math
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from sklearn.base import clone
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets

from ..utils import restore_layout, validate_samples
from ..utils._batch import SAMPLE_SHAPE_CONSTRAINT
from ..utils._layout import as_samples
from ..utils._random import seed_from_random_state
from ..utils._sampling import check_new_samples_fit, check_strategy_counts
from ..utils._two_sample import two_sample_classifier
from ._glow import GlowOversampler

__all__ = ["CriticFilteredSampler"]

# Log-amplitude floor relative to the real samples' RMS (see
# utils._two_sample).
_EPS_RELATIVE = 1e-3


def _real_log_odds(estimator, X):
    """Log-odds of "real" (label 1) of a fitted binary classifier."""
    if hasattr(estimator, "decision_function"):
        score = np.asarray(estimator.decision_function(X), dtype=np.float64)
        # decision_function is oriented towards classes_[1]
        return score if estimator.classes_[1] == 1 else -score
    proba = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    p = proba[:, list(estimator.classes_).index(1)]
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p) - np.log1p(-p)


def _scores_for(name, scores, n):
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (n,):
        raise ValueError(
            f"The critic {name} returned scores of shape {scores.shape} for {n} "
            f"candidates; it must return one score per candidate, shape ({n},)."
        )
    return scores


class CriticFilteredSampler(BaseOverSampler):
    """Over-sample with another sampler, keeping the candidates a critic prefers.

    The wrapped ``sampler`` (a clone of it) is asked for
    ``oversampling_factor`` times the new samples each class needs (its own
    ``sampling_strategy`` is replaced by a dict of counts); the candidates of
    each class are scored by a critic and the best-scored ones are appended
    after the original samples, so each class ends with the counts that this
    sampler's ``sampling_strategy`` asks for, as with any imbalanced-learn
    over-sampler.

    Critics (higher score = more like the real samples of the class):

    * ``"classifier"`` (default): a discriminative density ratio (Grover et
      al., 2019). A classifier learns to tell the real samples of the class
      from the candidates; its log-odds estimate ``log p_real(x) /
      p_candidate(x)``. It is cross-fitted: the candidates are split into
      ``cv`` folds and each fold is scored by a classifier trained on the
      real samples and the other folds, so no candidate is scored by a model
      that saw it.
    * ``"flow"``: the log-likelihood ratio of the class against the rest under
      the flows of a :class:`GlowOversampler` ``sampler``: ``log p_class(x) -
      log p_pretrained(x)``, the class's fine-tuned flow against the flow
      pretrained on every class. The ratio, not the class likelihood alone,
      because flows give smooth samples a high likelihood under any model.
      Only a ``GlowOversampler`` with ``pretrain="all"`` has both flows; for
      other samplers use ``"classifier"`` or a callable.
    * a callable ``critic(X_candidates, X_class, X_rest) -> scores``: the
      candidates of a class, the real samples of that class and the real
      samples of the other classes, all ``(n, *sample_shape)``; it returns
      one score per candidate.

    Everything the critic sees comes from the data given to
    :meth:`fit_resample` (in a pipeline: the training fold only).

    Parameters
    ----------
    sampler : imbalanced-learn over-sampler
        Makes the candidates. Cloned; it must have a ``sampling_strategy``
        parameter that takes a dict of counts and must append its new samples
        after the original ones (every imbalanced-learn over-sampler and the
        package's samplers do). Its ``random_state``, when ``None``, is drawn
        from ``random_state``; its ``sample_shape``, when ``None`` and ``X``
        comes flattened with a ``sample_shape``, is set to that.
        ``n_copies``/``classes`` of an ``AugmentationSampler`` are reset to
        their defaults.
    critic : {"classifier", "flow"} or callable, default="classifier"
        How candidates are scored (see above).
    oversampling_factor : float, default=3
        Candidates drawn per needed sample (``ceil(factor * n_new)`` per
        class); at least 1 (1 keeps every candidate: no filtering).
    selection : {"top", "weighted"}, default="top"
        ``"top"``: keep the ``n_new`` best-scored candidates. ``"weighted"``:
        draw ``n_new`` candidates without replacement with probabilities
        proportional to ``exp(score)``, the estimated density ratio for the
        built-in critics (importance resampling: it keeps more of the
        candidates' variety than ``"top"``).
    estimator : classifier or None, default=None
        The classifier of ``critic="classifier"``, cloned per fold; fitted on
        flattened samples labelled 1 (real) and 0 (candidate); needs
        ``decision_function`` or ``predict_proba``. ``None``: the values and
        their log-amplitudes ``log(1 + |x| / eps)`` (``eps`` = 1e-3 times the
        real samples' RMS), ``StandardScaler``, ``PCA`` (up to 10
        components) and ``LogisticRegression(class_weight="balanced")``.
    cv : int, default=5
        Cross-fitting folds of ``critic="classifier"`` (fewer when there are
        fewer candidates).
    sampling_strategy : float, str, dict or callable, default="auto"
        Final counts, as for :class:`imblearn.over_sampling.SMOTE`.
    sample_shape : tuple of int, default=None
        Shape of one sample when ``X`` is passed flattened to 2-D.
    random_state : int, RandomState instance or None, default=None
        Seeds the wrapped sampler (when its own is ``None``), the
        cross-fitting folds, the default critic and ``selection="weighted"``.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of samples to add per class.
    sampler_ : imbalanced-learn sampler
        The fitted clone of ``sampler`` that made the candidates.
    candidate_scores_ : dict
        Class label -> critic score of each candidate of the class, in the
        order the sampler made them (NaN when there was nothing to choose:
        no more candidates than needed).
    selected_ : dict
        Class label -> indices (increasing) of the kept candidates in that
        order.
    n_features_in_ : int
        Number of features of one flattened sample.
    sample_shape_ : tuple of int
        Shape of one sample.

    See Also
    --------
    GlowOversampler : Latent-interpolation oversampling with a flow.
    sklearn_seismo.metrics.classifier_two_sample_test : The same kind of
        classifier, used to judge samples rather than to pick them.

    Notes
    -----
    **Why a linear critic on log-amplitudes by default.** The critic sees a few
    dozen real samples against a few hundred candidates, so it must be hard to
    overfit and cheap (it is refitted ``cv`` times per class and fit). The
    artefacts that make generated seismic samples recognisable (a learned
    noise floor in gaps and dead traces, extra roughness, amplitude outliers)
    are changes of the amplitude distribution, which log-amplitudes make
    visible to a linear model. It is the recipe of
    :func:`~sklearn_seismo.metrics.classifier_two_sample_test`, so the
    default two-sample AUC of the kept samples is not an independent judge
    of them: judge them also with another two-sample classifier and
    downstream.

    **What the classifier critic catches.** It learns what sets the
    candidates, as a group, apart from the real samples: an artefact shared
    by many candidates (a noise floor, roughness) is rejected wherever it
    occurs. A single candidate unlike both the real samples and the other
    candidates is scored by the model's extrapolation, which may be high or
    low; a sampler's own acceptance test (``GlowOversampler``'s) or a
    callable critic (e.g. minus the distance to the nearest real sample)
    catches isolated outliers.

    **Keep, or weight.** imbalanced-learn samplers return samples, not
    weights, so ``"weighted"`` turns the density ratio into a resampling of
    the candidates; ``candidate_scores_`` holds the scores for a user who
    wants sample weights instead.

    Non-finite candidates get the score ``-inf`` and a NaN score counts as
    ``-inf``: they are kept only when too few candidates are left.

    References
    ----------
    .. [1] A. Grover et al., "Bias correction of learned generative models
       using likelihood-free importance weighting", NeurIPS, 2019.
    .. [2] Hong, An and Jeon (2024) filter SMOTE's samples by their density
       in the latent space of a VAE.

    Examples
    --------
    >>> import numpy as np
    >>> from imblearn.over_sampling import SMOTE
    >>> from sklearn_seismo.over_sampling import CriticFilteredSampler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 4, 8)).astype(np.float32)
    >>> y = np.array([0] * 30 + [1] * 10)
    >>> sampler = CriticFilteredSampler(SMOTE(k_neighbors=3), sample_shape=(4, 8),
    ...                                 random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X.reshape(40, -1), y)
    >>> X_res.shape, np.bincount(y_res)
    ((60, 32), array([30, 30]))
    >>> len(sampler.candidate_scores_[1]), len(sampler.selected_[1])
    (60, 20)
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "sampler": [HasMethods(["fit_resample", "get_params", "set_params"])],
        "critic": [StrOptions({"classifier", "flow"}), callable],
        "oversampling_factor": [Interval(Real, 1, None, closed="left")],
        "selection": [StrOptions({"top", "weighted"})],
        "estimator": [HasMethods(["fit"]), None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "sample_shape": SAMPLE_SHAPE_CONSTRAINT,
    }

    def __init__(
        self,
        sampler,
        *,
        critic="classifier",
        oversampling_factor=3,
        selection="top",
        estimator=None,
        cv=5,
        sampling_strategy="auto",
        sample_shape=None,
        random_state=None,
    ):
        self.sampler = sampler
        self.critic = critic
        self.oversampling_factor = oversampling_factor
        self.selection = selection
        self.estimator = estimator
        self.cv = cv
        self.sampling_strategy = sampling_strategy
        self.sample_shape = sample_shape
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags

    # ------------------------------------------------------------------ checks
    def _check_X_y(self, X, y, accept_sparse=None):
        # imblearn's hook: n-D samples (or 2-D + sample_shape) instead of a
        # 2-D matrix. X goes back in the caller's layout, so that
        # _fit_resample reads the layout from the array (as_samples).
        if isinstance(self.sampling_strategy, Mapping):
            check_strategy_counts(self.sampling_strategy)
        check_classification_targets(y)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        self._check_params()
        X_nd, y, flat = validate_samples(
            self, X, y, reset=True, sample_shape=self.sample_shape
        )
        return restore_layout(X_nd, flat), y, binarize_y

    def _check_params(self):
        # What _parameter_constraints cannot say: combinations and the
        # sampler's own parameters.
        if "sampling_strategy" not in self.sampler.get_params(deep=False):
            raise ValueError(
                f"sampler {type(self.sampler).__name__} has no sampling_strategy "
                "parameter, so it cannot be asked for more candidates; wrap an "
                "imbalanced-learn over-sampler (e.g. SMOTE, RandomOverSampler, "
                "AugmentationSampler, GlowOversampler)."
            )
        if self.estimator is not None and self.critic != "classifier":
            raise ValueError(
                f"estimator is the classifier of critic='classifier'; it is unused "
                f"with critic={self.critic!r}. Leave estimator=None or set "
                "critic='classifier'."
            )
        if self.estimator is not None and not (
            hasattr(self.estimator, "decision_function")
            or hasattr(self.estimator, "predict_proba")
        ):
            raise ValueError(
                f"estimator {type(self.estimator).__name__} has neither "
                "decision_function nor predict_proba, so it cannot score "
                "candidates; pass a classifier with one of them."
            )
        if self.critic == "flow":
            self._check_flow_sampler()

    def _check_flow_sampler(self):
        sampler = self.sampler
        if not isinstance(sampler, GlowOversampler):
            raise ValueError(
                "critic='flow' scores candidates with the flows of the wrapped "
                f"sampler, which must be a GlowOversampler, got "
                f"{type(sampler).__name__}. Use critic='classifier' (any sampler) "
                "or a callable critic."
            )
        if sampler.pretrain != "all":
            raise ValueError(
                f"critic='flow' compares the class's flow with the flow pretrained "
                f"on every class, but the sampler has pretrain={sampler.pretrain!r} "
                "and trains none. Set pretrain='all' on the GlowOversampler or use "
                "critic='classifier'."
            )

    # ---------------------------------------------------------------- sampling
    def _inner(self, counts, seed, flat):
        """A clone of ``sampler`` that makes ``counts`` samples per class from
        samples in the caller's layout (``flat``: flattened)."""
        sampler = clone(self.sampler)
        names = sampler.get_params(deep=False)
        params = {"sampling_strategy": counts}
        if "random_state" in names and names["random_state"] is None:
            params["random_state"] = seed
        if "sample_shape" in names and names["sample_shape"] is None and flat:
            params["sample_shape"] = tuple(self.sample_shape_)
        # AugmentationSampler: sampling_strategy excludes its n_copies mode
        for name, default in (("n_copies", 1), ("classes", None)):
            if name in names:
                params[name] = default
        return sampler.set_params(**params)

    def _fit_resample(self, X, y, **params):
        # imblearn's hook: X is validated (in the caller's layout) and
        # sampling_strategy_ set by BaseSampler.fit_resample.
        X, flat = as_samples(X, self.sample_shape_)
        if callable(self.sampling_strategy):
            # only the callable's result shows its counts
            check_strategy_counts(self.sampling_strategy(y), "sampling_strategy(y)")
        rs = check_random_state(self.random_state)
        inner_seed = seed_from_random_state(rs)
        labels, counts = np.unique(y, return_counts=True)
        count = dict(zip(labels.tolist(), counts.tolist()))
        wanted = OrderedDict(
            (cls, int(n_new)) for cls, n_new in self.sampling_strategy_.items()
        )
        asked = OrderedDict(
            (cls, count[cls] + math.ceil(self.oversampling_factor * n_new))
            for cls, n_new in wanted.items()
            if n_new > 0
        )
        check_new_samples_fit(
            sum(n - count[cls] for cls, n in asked.items()),
            X,
            self,
            fix="ask for fewer new samples or a lower oversampling_factor",
        )
        self.candidate_scores_, self.selected_ = {}, {}
        self.sampler_ = self._inner(dict(asked), inner_seed, flat)
        if not asked:
            return restore_layout(X, flat), y

        n = len(X)
        X_res, y_res = self.sampler_.fit_resample(restore_layout(X, flat), y, **params)
        y_res = np.asarray(y_res)
        if len(y_res) < n or not np.array_equal(y_res[:n], y):
            raise ValueError(
                f"sampler {type(self.sampler).__name__} did not return the original "
                "samples first followed by new ones, so its candidates cannot be "
                "told apart; wrap an over-sampler that appends samples (e.g. "
                "SMOTE, RandomOverSampler, AugmentationSampler, GlowOversampler), "
                "not a cleaning or combined sampler."
            )
        X_cand = np.asarray(X_res)[n:].reshape(len(y_res) - n, *self.sample_shape_)
        y_cand = y_res[n:]

        X_new, y_new = [X], [y]
        for cls, n_new in wanted.items():
            if n_new <= 0:
                continue
            cand = X_cand[y_cand == cls]
            if len(cand) < n_new:
                warnings.warn(
                    f"sampler {type(self.sampler).__name__} made {len(cand)} "
                    f"candidates of class {cls!r} where {asked[cls] - count[cls]} "
                    f"were asked for and {n_new} are needed; all are kept, so the "
                    "class gets fewer new samples than sampling_strategy asks.",
                    UserWarning,
                    stacklevel=3,
                )
            seed = seed_from_random_state(rs)
            if len(cand) <= n_new:
                scores = np.full(len(cand), np.nan)
                keep = np.arange(len(cand))
            else:
                scores = self._score(cand, X[y == cls], X[y != cls], cls, seed)
                keep = self._select(scores, n_new, seed)
            self.candidate_scores_[cls] = scores
            self.selected_[cls] = keep
            X_new.append(cand[keep].astype(X.dtype, copy=False))
            y_new.append(np.full(len(keep), cls, dtype=y.dtype))
        return restore_layout(np.concatenate(X_new), flat), np.concatenate(y_new)

    def _score(self, cand, X_class, X_rest, cls, seed):
        """Critic score of each candidate; -inf for non-finite candidates."""
        finite = np.isfinite(cand.reshape(len(cand), -1)).all(axis=1)
        scores = np.full(len(cand), -np.inf)
        if not finite.any():
            return scores
        good = cand[finite]
        if callable(self.critic):
            name = getattr(self.critic, "__name__", type(self.critic).__name__)
            raw = _scores_for(name, self.critic(good, X_class, X_rest), len(good))
        elif self.critic == "flow":
            raw = self.sampler_.score_samples(good, cls) - self.sampler_.score_samples(
                good, cls, flow="pretrained"
            )
            raw = _scores_for("'flow'", raw, len(good))
        else:
            raw = self._classifier_scores(good, X_class, seed)
        scores[finite] = np.where(np.isnan(raw), -np.inf, raw)
        return scores

    def _classifier_scores(self, cand, X_class, seed):
        """Cross-fitted log density ratio real / candidate of each candidate."""
        real = np.asarray(X_class, dtype=np.float64).reshape(len(X_class), -1)
        cand = np.asarray(cand, dtype=np.float64).reshape(len(cand), -1)
        eps = _EPS_RELATIVE * float(np.sqrt(np.mean(real**2)))
        eps += np.finfo(np.float64).tiny
        folds = KFold(n_splits=min(self.cv, len(cand)), shuffle=True, random_state=seed)
        scores = np.empty(len(cand))
        for train, test in folds.split(cand):
            X_fit = np.concatenate([real, cand[train]])
            y_fit = np.r_[np.ones(len(real), dtype=int), np.zeros(len(train), int)]
            if self.estimator is None:
                est = two_sample_classifier(len(X_fit), 2 * real.shape[1], eps, seed)
            else:
                est = clone(self.estimator)
            est.fit(X_fit, y_fit)
            scores[test] = _real_log_odds(est, cand[test])
        return scores

    def _select(self, scores, n_new, seed):
        if self.selection == "weighted":
            # Gumbel top-k: the n_new largest of score + Gumbel noise are a
            # draw without replacement with probabilities proportional to
            # exp(score), computed in log space (no underflow to p = 0)
            gumbel = np.random.default_rng(seed).gumbel(size=len(scores))
            scores = scores + gumbel
        # stable: ties (e.g. -inf) keep the sampler's order
        return np.sort(np.argsort(-scores, kind="stable")[:n_new])
