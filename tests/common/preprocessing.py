"""Common-check settings for sklearn_seismo.preprocessing."""

CHECK_PARAMS = {
    # the checks feed traces of 1 to a few samples
    "Crop": {"length": 1},
    "Resample": {"sampling_rate": 100.0, "target_sampling_rate": 50.0},
}

EXPECTED_FAILED_CHECKS = {}
