"""sklearn_seismo: imbalanced seismogram classification for scikit-learn.

Subpackages
-----------
datasets
    Synthetic marine shot gathers and real waveforms through ObsPy.
preprocessing
    Deterministic signal transformers (filters, detrend, normalize, resample).
augmentation
    Random seismic augmentations and the training-time ``AugmentationSampler``.
flows
    Pure-torch Glow normalizing flow (1-D and 2-D).
over_sampling
    ``GlowOversampler``, an imbalanced-learn sampler built on ``flows``.
ensemble
    ``TestTimeAugmentationClassifier``: averages a classifier over transforms.
neural
    skorch-based classifiers: ``MiniceptionClassifier``, ``ResNetClassifier``.
model_selection
    ``TunedRareThresholdClassifierCV``: tunes the rare class's decision threshold.
metrics
    Per-class reports across cross-validation folds.
study
    The SeismoGlow study as a function and a command line.
"""

__version__ = "0.1.0.dev0"
