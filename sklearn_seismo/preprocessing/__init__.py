"""Deterministic signal preprocessing: run on training and test data alike.

All transformers are stateless (``transform`` needs no ``fit``; ``fit`` only
records ``n_features_in_`` and ``sample_shape_``) and act on every trace, i.e.
every 1-D series along the time axis:

* ``(n, T)`` traces and ``(n, C, T)`` multi-component waveforms: time is the
  last axis, the default ``time_axis=-1``;
* ``(n, n_time, n_traces)`` gathers such as
  :func:`sklearn_seismo.datasets.make_shot_gathers`: time is axis 1, pass
  ``time_axis=1``;
* flattened 2-D ``X`` with ``sample_shape``: unflattened, processed, and
  returned flat. A 2-D ``X`` without ``sample_shape`` is a set of 1-D traces.

Filters are zero-phase Butterworth filters from SciPy (second-order
sections). Every transformer also implements the augmentation batch hook
``augment_batch(X, rng)`` (``rng`` unused), so it can be a step of
:class:`sklearn_seismo.augmentation.Compose`.
:class:`sklearn_seismo.ensemble.TestTimeAugmentationClassifier` averages a
classifier's probabilities over such transforms (Zhu et al., 2020, section 4).
"""

from ._crop import Crop
from ._filters import Bandpass, Highpass, Lowpass
from ._resample import Resample
from ._signal import Detrend, Normalize, Taper

__all__ = [
    "Bandpass",
    "Crop",
    "Detrend",
    "Highpass",
    "Lowpass",
    "Normalize",
    "Resample",
    "Taper",
]
