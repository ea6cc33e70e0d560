"""scikit-learn's common checks on a classifier with the imbalance options on.

``tests/test_common.py`` checks each public estimator once, at its defaults;
``balanced_batches`` and the focal loss change the training iterator and the
criterion, so they get the same checks here (the options live in the shared
base class, so one network covers both classifiers).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_seismo.neural import ResNetClassifier
from tests.common import CHECK_PARAMS, EXPECTED_FAILED_CHECKS

_ESTIMATOR = ResNetClassifier(
    **{
        **CHECK_PARAMS["ResNetClassifier"],
        "balanced_batches": True,
        "loss": "focal",
        "focal_gamma": 2.0,
    }
)


@parametrize_with_checks(
    [_ESTIMATOR],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
        type(est).__name__, {}
    ),
)
def test_imbalance_options_pass_the_common_checks(estimator, check):
    check(estimator)
