"""The one classifier that tells real samples of a class from other samples.

``metrics.classifier_two_sample_test`` uses it as its default judge and
``over_sampling.CriticFilteredSampler`` as its default critic, so that the
critic keeps exactly what the metric would find hard to tell from real.
"""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import FunctionTransformer, StandardScaler

__all__ = ["two_sample_classifier"]

#: At most this many principal components: with a few dozen real samples a
#: linear model on more would fit noise.
N_COMPONENTS = 10


def _log_amplitude(X, eps):
    # Module level so that a fitted classifier pickles.
    return np.log1p(np.abs(X) / eps)


def two_sample_classifier(n_train, n_features, eps, random_state):
    """A linear classifier on values and log-amplitudes, with balanced weights.

    Raw values alone only let a linear model compare means, and seismic
    samples have mean ~0 whatever their quality (random polarity, events at
    random times): a learned noise floor, filled gaps, speckle or smoothing
    change amplitudes, not means. Log-amplitudes turn those into mean shifts a
    linear model sees. PCA keeps it from fitting noise with few samples, and
    balanced class weights make its log-odds the log density ratio whatever
    the two counts.

    Parameters
    ----------
    n_train : int
        Number of training rows (caps the PCA components).
    n_features : int
        Number of features after the union (values and log-amplitudes).
    eps : float
        Amplitude floor of the log-amplitudes (about 1e-3 of the real RMS).
    random_state : int
        Seed of the PCA solver.

    Returns
    -------
    estimator : sklearn.pipeline.Pipeline
        Unfitted.
    """
    return make_pipeline(
        make_union(
            FunctionTransformer(),
            FunctionTransformer(_log_amplitude, kw_args={"eps": eps}),
        ),
        StandardScaler(),
        PCA(
            n_components=max(1, min(N_COMPONENTS, n_train - 1, n_features)),
            random_state=random_state,
        ),
        LogisticRegression(class_weight="balanced", max_iter=1000),
    )
