"""Meta-estimators that combine a classifier's predictions.

:class:`TestTimeAugmentationClassifier` averages a fitted classifier's
``predict_proba`` over deterministic transforms of the test samples (Zhu et
al., 2020, section 4), as :class:`sklearn.ensemble.VotingClassifier` averages
over estimators. The transforms are usually
:mod:`sklearn_seismo.preprocessing` transformers.
"""

from ._tta import TestTimeAugmentationClassifier

__all__ = ["TestTimeAugmentationClassifier"]
