"""utils._artefacts: the one artefact-statistics rule of glow and metrics."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklearn_seismo.metrics import artefact_statistics
from sklearn_seismo.over_sampling._glow_latent import artefact_stats
from sklearn_seismo.utils._artefacts import crest_factor, trace_kurtosis


def _gathers(seed=0):
    # (n, T, W) gathers with a quiet trace: live for "trace", dead for "sample"
    X = np.random.default_rng(seed).normal(size=(4, 32, 5))
    X[:, :, 2] = 1.0 + 1e-8 * X[:, :, 2]
    return X


def test_dead_trace_rules_differ_only_on_quiet_traces():
    X = _gathers()
    per_trace = trace_kurtosis(X, axis=1, dead="trace")
    per_sample = trace_kurtosis(X, axis=1, dead="sample")
    assert (per_trace[:, 2] > 0).all() and (per_sample[:, 2] == 0).all()
    keep = [0, 1, 3, 4]
    assert_array_equal(per_trace[:, keep], per_sample[:, keep])
    X[:, :, 2] = 1.0  # exactly constant: dead under both rules
    assert (trace_kurtosis(X, axis=1, dead="trace")[:, 2] == 0).all()
    with pytest.raises(ValueError, match="dead must be one of"):
        trace_kurtosis(X, axis=1, dead="channel")


def test_silent_sample_convention():
    X = np.zeros((2, 8))
    X[1, 3] = 2.0
    np.testing.assert_allclose(crest_factor(X), [0.0, np.sqrt(8)])
    assert np.isnan(crest_factor(X, silent=None)[0])
    assert np.isnan(crest_factor(X, silent=np.nan)[0])


def test_glow_and_metrics_share_the_statistics():
    X = _gathers(1)
    X[:, :, 2] = 0.0  # dead under both rules
    stats = artefact_statistics(X, time_axis=1)
    # glow's flow layout (n, C=1, T, W), traces along the first spatial axis
    crest, kurt_max = artefact_stats(X[:, None])
    np.testing.assert_allclose(crest, stats["crest_factor"], rtol=1e-12)
    np.testing.assert_allclose(kurt_max, stats["kurtosis"].max(axis=1), rtol=1e-12)
