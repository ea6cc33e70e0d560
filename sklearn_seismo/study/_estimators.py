"""The estimators of one study: classifier, GlowOversampler and augmenter templates.

One function builds them for the single study and for every data set of the
suite, so that both pick the classifier by layout, filter its parameters and
configure the flow the same way.
"""

from ..utils._layout import is_waveform_shape
from ._arms import default_augmenter

__all__ = ["build_estimators", "flow_n_dim", "is_waveform"]


def is_waveform(sample_shape, layout="auto"):
    """Whether samples of ``sample_shape`` are waveforms ``(C, T)``.

    ``layout`` ``"gathers"`` or ``"waveforms"`` decides; ``"auto"`` applies
    the package's shape rule (:func:`sklearn_seismo.utils.is_waveform_shape`).
    """
    if layout != "auto":
        return layout == "waveforms"
    # --layout overrides the guess GlowOversampler(n_dim="auto") makes too
    return is_waveform_shape(sample_shape)


def flow_n_dim(sample_shape, waveform):
    """The flow's ``n_dim``: 1 for waveforms and 1-D samples, 2 for gathers."""
    # the flow follows the layout the classifier was chosen for, rather than
    # guessing it again from the sample shape (n_dim="auto")
    return 1 if waveform or len(sample_shape) == 1 else 2


def build_estimators(
    sample_shape,
    *,
    waveform,
    classifier=None,
    glow=None,
    device="auto",
    seed=0,
    memory=None,
):
    """Classifier, GlowOversampler and augmenter templates for one data set.

    Parameters
    ----------
    sample_shape : tuple of int
    waveform : bool
        Waveforms ``(C, T)`` get a ``ResNetClassifier`` and a 1-D flow,
        gathers ``(n_time, n_traces)`` a ``MiniceptionClassifier`` and a 2-D
        flow; the augmenter's time axis follows.
    classifier, glow : dict, default=None
        Parameters of the classifier (those it does not have, such as
        ``n_filters`` for the Miniception, are dropped) and of the flow.
    device : str, default="auto"
    seed : int, default=0
        ``random_state`` of both.
    memory : None or str, default=None
        The flow's cache folder.

    Returns
    -------
    classifier, glow, augmenter
    """
    # neural and over_sampling import torch: loaded when a study is set up,
    # not when the command line only checks its options
    from ..neural import MiniceptionClassifier, ResNetClassifier
    from ..over_sampling import GlowOversampler

    Classifier = ResNetClassifier if waveform else MiniceptionClassifier
    params = dict(classifier or {}, device=device, random_state=seed)
    known = Classifier().get_params(deep=False)
    clf = Classifier(**{k: v for k, v in params.items() if k in known})
    glow_params = dict(
        glow or {},
        n_dim=flow_n_dim(sample_shape, waveform),
        device=device,
        random_state=seed,
    )
    if memory is not None:
        glow_params["memory"] = memory
    flow = GlowOversampler(**glow_params)
    augmenter = default_augmenter(sample_shape, time_axis=-1 if waveform else 1)
    return clf, flow, augmenter
