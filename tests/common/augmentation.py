"""Common-check settings for sklearn_seismo.augmentation."""

from sklearn_seismo.augmentation import AddNoise, Clip, PolarityFlip, RandomShift

CHECK_PARAMS = {
    "AugmentationSampler": {
        "augmenter": AddNoise(snr_db=(10.0, 20.0)),
        # the imblearn checks expect an over-sampler to balance the classes
        "sampling_strategy": "auto",
        # imblearn's checks compare two fit_resample calls (list vs array,
        # labels vs one-vs-all) and need them reproducible
        "random_state": 0,
    },
    "Compose": {"transforms": [RandomShift(max_shift=1), AddNoise(snr_db=20.0)]},
    "OneOf": {"transforms": [PolarityFlip(p=1.0), Clip(fraction=0.5)]},
    "RandomApply": {"augmenter": AddNoise(snr_db=20.0)},
}

# ChannelDropout and RotateHorizontal act across components (axis 1 of
# (n, C, T) samples, Zhu et al. 2020, sections 3.5 and 4): by design they reject
# single traces, which is what every check below feeds them (2-D X of a few
# features, no sample_shape). tests/augmentation/ runs the same properties
# (fit/transform, pickling, clone, flattened input, dtype, NaN) on 3-C data.
_NEEDS_COMPONENTS = (
    "needs multi-component samples (n, C>=2, T); the check feeds single "
    "traces, which the augmenter rejects with a ValueError by design"
)
_SINGLE_TRACE_CHECKS = [
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_estimators_pickle(readonly_memmap=True)",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_general(readonly_memmap=True)",
    "check_transformer_preserve_dtypes",
    "check_transformers_unfitted_stateless",
]
EXPECTED_FAILED_CHECKS = {
    name: dict.fromkeys(_SINGLE_TRACE_CHECKS, _NEEDS_COMPONENTS)
    for name in ("ChannelDropout", "RotateHorizontal")
}
