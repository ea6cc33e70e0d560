"""Common-check settings of sklearn_seismo.model_selection."""

from sklearn.linear_model import LogisticRegression

CHECK_PARAMS = {
    "TunedRareThresholdClassifierCV": {
        "estimator": LogisticRegression(),
        "cv": 3,
        "thresholds": 20,
    },
}

EXPECTED_FAILED_CHECKS = {
    "TunedRareThresholdClassifierCV": {
        "check_classifiers_train": (
            "predict applies the tuned threshold to the rare class, so it is not "
            "the argmax of predict_proba (which stays the wrapped classifier's); "
            "scikit-learn expects the same failure of TunedThresholdClassifierCV."
        ),
    },
}
