"""The layout rule of ``utils/_layout.py``: flattening and the waveform-shape guess."""

import numpy as np
import pytest

from sklearn_seismo.over_sampling._glow_layout import resolve_n_dim
from sklearn_seismo.utils import flatten_samples
from sklearn_seismo.utils._layout import is_waveform_shape


def test_flatten_samples_layouts_and_errors():
    X = np.arange(24, dtype=np.int16).reshape(4, 2, 3)
    X_flat, shape = flatten_samples(X)
    assert shape == (2, 3) and X_flat.shape == (4, 6)
    assert X_flat.dtype == np.int16 and np.shares_memory(X_flat, X)  # no copy
    assert flatten_samples(X_flat, (3, 2))[1] == (3, 2)
    assert flatten_samples(X_flat)[1] == (6,)
    with pytest.raises(ValueError, match="sample_shape=None for n-D input"):
        flatten_samples(X, (3, 2))
    with pytest.raises(ValueError, match=r"needs 4"):
        flatten_samples(X_flat, (2, 2))
    with pytest.raises(ValueError, match="one row per sample"):
        flatten_samples(X[0, 0])


@pytest.mark.parametrize(
    "shape, expected",
    [((100,), True), ((3, 100), True), ((4, 100), False), ((2, 8, 8), False)],
)
def test_glow_auto_n_dim_follows_the_waveform_rule(shape, expected):
    assert is_waveform_shape(shape) is expected
    # GlowOversampler(n_dim="auto") resolves n_dim_ with this rule
    assert resolve_n_dim("auto", shape) == (1 if expected else 2)
