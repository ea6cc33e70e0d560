"""Real seismograms that ship inside ObsPy's installed package."""

import numbers
import os

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._waveforms import load_waveforms

# name -> (path relative to the obspy package or None for obspy.read()'s
# example, description, default keyword arguments of load_waveforms)
EXAMPLE_RECORDS = {
    "rjob": (
        None,
        "BW.RJOB..EH[ZNE], 30 s at 100 Hz, 2009-08-24 (obspy.read() example, "
        "a local event; always installed)",
        {},
    ),
    "cer": (
        "io/seisan/tests/data/2005-07-23-1452-04S.CER___030",
        "CER..BH[ZNE], SEISAN event file, 71 s at 150 Hz, 2005-07-23",
        {},
    ),
    "mvo": (
        "io/seisan/tests/data/9701-30-1048-54S.MVO_21_1",
        "Montserrat Volcano Observatory SEISAN event file, 21 traces at "
        "75.2 Hz, 49 s, 1997-01-30; five stations have all three components",
        {"on_missing": "skip"},
    ),
    "balst": (
        "io/mseed/tests/data/CH.BALST..LH_two_channels",
        "CH.BALST..LH[ZE], day-long MiniSEED at 1 Hz, 2025-11-10 "
        "(vertical and east only)",
        {"channels": ("Z", "E")},
    ),
}


def _obspy_dir():
    import obspy

    return os.path.dirname(obspy.__file__)


def _example_path(name):
    rel = EXAMPLE_RECORDS[name][0]
    path = os.path.join(_obspy_dir(), *rel.split("/"))
    if not os.path.isfile(path):
        raise ValueError(
            f"example record {name!r} ({rel}) is not part of this ObsPy "
            f"installation (its test data were not installed); use "
            f"name='rjob', which ships with every ObsPy, or reinstall ObsPy "
            f"from its wheel (pip install --force-reinstall obspy)."
        )
    return path


def available_example_records():
    """Names of the example records present in this ObsPy installation."""
    names = []
    for name, (rel, _, _) in EXAMPLE_RECORDS.items():
        if rel is None or os.path.isfile(os.path.join(_obspy_dir(), rel)):
            names.append(name)
    return names


@validate_params(
    {"name": [StrOptions(set(EXAMPLE_RECORDS))]},
    prefer_skip_nested_validation=True,
)
def load_example_waveforms(name="rjob", **kwargs):
    """Load a real record that ships inside ObsPy, through `load_waveforms`.

    No download: the records are ObsPy's own example and test files.

    ========= ==============================================================
    name      record
    ========= ==============================================================
    "rjob"    BW.RJOB..EH[ZNE], 30 s at 100 Hz, 2009-08-24, a local event
              (``obspy.read()``'s example, always installed)
    "cer"     CER..BH[ZNE], SEISAN event file, 71 s at 150 Hz, 2005-07-23
    "mvo"     Montserrat Volcano Observatory SEISAN event file, 49 s at
              75.2 Hz, 1997-01-30: 21 traces, five three-component stations
              (incomplete stations are skipped by default)
    "balst"   CH.BALST..LH[ZE], day-long MiniSEED at 1 Hz, 2025-11-10;
              vertical and east only (default ``channels=("Z", "E")``)
    ========= ==============================================================

    The last three are ObsPy test files: they ship in ObsPy's wheels; an
    installation without them raises a ValueError naming the fix.

    Parameters
    ----------
    name : {"rjob", "cer", "mvo", "balst"}, default="rjob"
        Which record.
    **kwargs
        Passed to :func:`load_waveforms` (``window``, ``step``,
        ``sampling_rate``, ``channels``, ``detrend``, ...), overriding the
        record's defaults listed above.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        As :func:`load_waveforms`, plus ``description`` (str).

    See Also
    --------
    load_waveforms : The same for your own files.
    load_example_noise : Windows of real continuous noise.

    Examples
    --------
    >>> from sklearn_seismo.datasets import load_example_waveforms
    >>> rec = load_example_waveforms("rjob")
    >>> rec.data.shape, rec.channels, rec.sampling_rate
    ((1, 3, 3000), ('Z', 'N', 'E'), 100.0)
    """
    rel, description, defaults = EXAMPLE_RECORDS[name]
    if rel is None:
        import obspy

        source = obspy.read()
    else:
        source = _example_path(name)
    bunch = load_waveforms(source, **{**defaults, **kwargs})
    bunch["description"] = description
    return bunch


@validate_params(
    {
        "n_times": [Interval(numbers.Integral, 8, None, closed="left")],
        "sampling_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_windows": [Interval(numbers.Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def load_example_noise(n_times=3000, sampling_rate=100.0, *, n_windows=None):
    """Windows of real continuous seismic noise, from a record inside ObsPy.

    The source is the day-long broadband MiniSEED record CH.BALST..LH
    (Balsthal, Switzerland, 2025-11-10, 1 Hz) that ships with ObsPy's test
    data: its vertical (LHZ) and east (LHE) channels.  ObsPy ships no
    continuous three-component record, so the north component is formed from
    the east channel shifted by 12 hours: real horizontal noise with the
    right spectrum and amplitude, but not time-coherent with the other two
    components (do not use it for polarisation).

    The day is cut into consecutive non-overlapping windows of
    ``n_times / sampling_rate`` seconds, each demeaned and resampled (Fourier
    method, as ObsPy's ``Trace.resample``, with margins that are cut off) to
    ``n_times`` samples.  Sampled at 1 Hz, the record holds only the
    microseism band below 0.5 Hz: resampling to a higher rate adds no energy
    above 0.5 Hz.  Amplitudes are raw counts scaled by one factor so that the
    whole bank has unit standard deviation.

    Parameters
    ----------
    n_times : int, default=3000
        Samples per window.
    sampling_rate : float, default=100.0
        Sampling rate (Hz) of the returned windows.
    n_windows : int or None, default=None
        Return only this many windows, evenly spread over the day (None:
        all: 2,877 windows of 30 s for the defaults, about 100 MB).

    Returns
    -------
    noise : ndarray of shape (n_windows, 3, n_times), dtype float32
        Components in Z, N, E order.

    See Also
    --------
    load_example_waveforms : Event records that ship inside ObsPy.

    Examples
    --------
    >>> from sklearn_seismo.datasets import load_example_noise
    >>> noise = load_example_noise(n_times=600, sampling_rate=20.0, n_windows=4)
    >>> noise.shape, noise.dtype
    ((4, 3, 600), dtype('float32'))
    """
    from scipy.signal import resample

    rec = load_waveforms(
        _example_path("balst"), channels=("Z", "E"), window=None, dtype=np.float64
    )
    z, e = rec.data[0]
    sr = rec.sampling_rate
    n_rec = len(z)
    shift = int(round(12 * 3600 * sr)) % n_rec
    zne = np.stack([z, np.roll(e, shift), e])

    seconds = n_times / sampling_rate
    n_native = seconds * sr
    margin = 16  # native samples each side, cut after resampling
    total = int(np.floor((n_rec - 2 * margin - 1) / n_native))
    if total < 1:
        raise ValueError(
            f"a window of {seconds:g} s is longer than the {n_rec / sr:g} s "
            f"record; pass fewer n_times or a higher sampling_rate."
        )
    starts = np.arange(total)
    if n_windows is not None and n_windows < total:
        starts = np.round(np.linspace(0, total - 1, n_windows)).astype(int)
    n_in = int(np.ceil(n_native)) + 2 * margin
    up = sampling_rate / sr
    n_out = int(round(n_in * up))
    out = np.empty((len(starts), 3, n_times), dtype=np.float32)
    for lo in range(0, len(starts), 256):
        block = starts[lo : lo + 256]
        i0 = np.floor(block * n_native).astype(int)
        seg = np.stack([zne[:, i : i + n_in] for i in i0])
        seg = seg - seg.mean(axis=-1, keepdims=True)
        res = resample(seg, n_out, axis=-1)
        off = int(round(margin * up))
        out[lo : lo + len(block)] = res[..., off : off + n_times]
    out -= out.mean(axis=-1, keepdims=True)
    out /= max(float(out.std()), np.finfo(np.float32).tiny)
    return out
