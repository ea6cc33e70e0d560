"""The glow arms picked by the issue-23 screen: ``glow_clean`` (a cleaner
decode with a real sample's noise and gaps) and ``glow_quiet+augment`` (glow
samples with the parents' quiet parts, a quarter of the budget, on top of
augmentation)."""

import numpy as np
import pytest

from sklearn_seismo.augmentation import AugmentationSampler
from sklearn_seismo.datasets import make_shot_gathers
from sklearn_seismo.over_sampling import GlowOversampler
from sklearn_seismo.study import ALL_ARMS, AddSamples, make_arms
from sklearn_seismo.study._arms import GLOW_CLEAN, GLOW_QUIET

from ._helpers import tiny_classifier, tiny_glow

ARMS = ("glow", "glow_clean", "glow_quiet+augment")


def _pipes(n_synthetic=20, glow=None):
    glow = tiny_glow(lr=3e-4) if glow is None else glow
    return make_arms(
        minority="bad",
        sample_shape=(16, 16),
        classifier=tiny_classifier(),
        glow=glow,
        arms=ARMS,
        n_synthetic=n_synthetic,
        random_state=4,
    )


def test_the_arms_set_their_settings_and_keep_the_template_s_others():
    assert set(ARMS) <= set(ALL_ARMS)
    pipes = _pipes()
    base = pipes["glow"].named_steps["oversample"].get_params()
    for arm, settings in (
        ("glow_clean", GLOW_CLEAN),
        ("glow_quiet+augment", GLOW_QUIET),
    ):
        over = pipes[arm].named_steps["oversample"]
        assert isinstance(over, GlowOversampler)
        params = over.get_params()
        for key, value in settings.items():
            assert params[key] == value != base[key], (arm, key)
        # everything else, the flow's settings and seed included, as the glow arm
        assert {k: v for k, v in params.items() if k not in settings} == {
            k: v for k, v in base.items() if k not in settings
        } | {"sampling_strategy": params["sampling_strategy"]}
        assert params["hidden_channels"] == 8 and params["random_state"] == 4
    assert pipes["glow_clean"].named_steps["augment"] == "passthrough"


@pytest.mark.parametrize("n, glow_n", [(20, 5), (30, 7), (3, 1)])
def test_glow_quiet_augment_splits_the_budget_a_quarter_to_the_glow(n, glow_n):
    pipe = _pipes(n_synthetic=n)["glow_quiet+augment"]
    over, aug = pipe.named_steps["oversample"], pipe.named_steps["augment"]
    assert over.sampling_strategy == AddSamples("bad", glow_n)
    assert isinstance(aug, AugmentationSampler)
    assert aug.sampling_strategy == AddSamples("bad", n - glow_n)


def test_the_samplers_of_glow_quiet_augment_add_the_budget():
    X, y = make_shot_gathers(n_samples=120, shape=(16, 16), random_state=0)
    X = X.reshape(len(X), -1)
    pipe = _pipes(n_synthetic=12, glow=tiny_glow(batch_size=16))
    X_res, y_res = X, y
    for step in ("oversample", "augment"):
        X_res, y_res = pipe["glow_quiet+augment"][step].fit_resample(X_res, y_res)
    assert np.sum(y_res == "bad") - np.sum(y == "bad") == 12
    assert np.isfinite(X_res).all()
    np.testing.assert_array_equal(X_res[: len(X)], X)
