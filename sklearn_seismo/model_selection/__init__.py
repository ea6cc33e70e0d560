"""Model selection for imbalanced classes.

``TunedRareThresholdClassifierCV`` tunes the decision threshold of the rare
class of any probabilistic classifier (the package's networks included) on an
inner validation split or cross-validation.
"""

from ._threshold import TunedRareThresholdClassifierCV

__all__ = ["TunedRareThresholdClassifierCV"]
