"""Common-check settings of sklearn_seismo.over_sampling."""

from imblearn.over_sampling import SMOTE

# A one-level, one-step, 8-channel flow pretrained and fine-tuned for one epoch:
# the checks test the sampler's API, not the quality of the flow.
# imblearn's check_samplers_fit_resample asserts that every class is raised to
# the majority count, i.e. the "auto" strategy; the default "minority"
# deliberately oversamples only the rarest class (one fine-tuned flow).
CHECK_PARAMS = {
    "GlowOversampler": {
        "sampling_strategy": "auto",
        "n_levels": 1,
        "n_steps": 1,
        "hidden_channels": 8,
        "pretrain_epochs": 1,
        "max_epochs": 1,
        "batch_size": 64,
        "random_state": 0,
    },
    # SMOTE candidates (3x the needed count) filtered by the default
    # cross-fitted classifier critic; seeded, as the checks compare two calls.
    "CriticFilteredSampler": {
        "sampler": SMOTE(k_neighbors=3),
        "random_state": 0,
    },
}

_SCORE_NEEDS_CLASS = (
    "score_samples(X, cls) scores X under the flow of one class; the check's "
    "3-class data trains two flows, so cls cannot be left out (it may only when "
    "a single class was oversampled)."
)
EXPECTED_FAILED_CHECKS = {
    "GlowOversampler": {
        "check_methods_sample_order_invariance": _SCORE_NEEDS_CLASS,
        "check_methods_subset_invariance": _SCORE_NEEDS_CLASS,
    },
}
