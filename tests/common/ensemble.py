"""Common-check settings for sklearn_seismo.ensemble."""

from sklearn.linear_model import LogisticRegression

from sklearn_seismo.preprocessing import Taper

CHECK_PARAMS = {
    "TestTimeAugmentationClassifier": {
        "estimator": LogisticRegression(),
        "transforms": ["passthrough", Taper(max_percentage=0.1)],
    },
}

EXPECTED_FAILED_CHECKS = {}
