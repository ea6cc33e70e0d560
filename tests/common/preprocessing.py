"""Common-check settings for sklearn_seismo.preprocessing."""

from sklearn.linear_model import LogisticRegression

from sklearn_seismo.preprocessing import Taper

CHECK_PARAMS = {
    # the checks feed traces of 1 to a few samples
    "Crop": {"length": 1},
    "Resample": {"sampling_rate": 100.0, "target_sampling_rate": 50.0},
    "TestTimeAugmentationClassifier": {
        "estimator": LogisticRegression(),
        "transforms": ["passthrough", Taper(max_percentage=0.1)],
    },
}

EXPECTED_FAILED_CHECKS = {}
