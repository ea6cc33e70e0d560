"""skorch-based classifiers for seismic data.

``MiniceptionClassifier`` for 2-D gathers and ``ResNetClassifier`` for 1-D
multi-channel waveforms share one base class (``_base.BaseSeismoClassifier``)
giving any labels, n-D or flattened input, class weights, on-the-fly
augmentation, early stopping on a stratified or explicit validation set,
reproducible fits and pickling.
"""

from ._miniception import MiniceptionClassifier
from ._resnet import ResNetClassifier

__all__ = ["MiniceptionClassifier", "ResNetClassifier"]
