"""Real seismograms that ship inside ObsPy's installed package."""

import glob
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
    "uh3": (
        "signal/tests/data/BW.UH3._.SH?.D.2010.147.cut.slist.gz",
        "BW.UH3..SH[ZNE], 230 s at 50 Hz, 2010-05-27, continuous short-period "
        "record with two local events",
        {},
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
    if not glob.glob(path):
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
        if rel is None or glob.glob(os.path.join(_obspy_dir(), *rel.split("/"))):
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
    "uh3"     BW.UH3..SH[ZNE], continuous 230 s at 50 Hz, 2010-05-27, with
              two local events (SLIST files, gzip-compressed)
    "balst"   CH.BALST..LH[ZE], day-long MiniSEED at 1 Hz, 2025-11-10;
              vertical and east only (default ``channels=("Z", "E")``)
    ========= ==============================================================

    All but "rjob" are ObsPy test files: they ship in ObsPy's wheels; an
    installation without them raises a ValueError naming the fix.

    Parameters
    ----------
    name : {"rjob", "cer", "mvo", "uh3", "balst"}, default="rjob"
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
        "record": [StrOptions({"uh3", "balst"})],
        "step": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "n_windows": [Interval(numbers.Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def load_example_noise(
    n_times=3000, sampling_rate=100.0, *, record="uh3", step=None, n_windows=None
):
    """Windows of real seismic noise, from continuous records inside ObsPy.

    Two continuous records ship with ObsPy's test data:

    * ``record="uh3"`` (default): BW.UH3..SH[ZNE], a three-component
      short-period station of the Bavarian network, 230 s at 50 Hz on
      2010-05-27.  Real noise up to 25 Hz on three true components.  The
      record is short, so windows overlap: they start every ``step`` seconds
      (default 5 s).
    * ``record="balst"``: the day-long broadband MiniSEED record CH.BALST..LH
      (Switzerland, 2025-11-10, 1 Hz), vertical (LHZ) and east (LHE) only.
      The north component is formed from the east channel shifted by 12
      hours: real horizontal noise with the right spectrum and amplitude, but
      not time-coherent with the other two (do not use it for polarisation).
      At 1 Hz the record holds only the microseism band below 0.5 Hz.
      Windows do not overlap by default (2,823 windows of 30 s, ~100 MB, at
      100 Hz).

    Windows that contain an event are dropped: those in which the RMS over
    any 1 s block (10 s for "balst") of any component exceeds 6 times that
    component's median block RMS over the record (this removes the two local
    events of "uh3").  Each window is demeaned and
    resampled (Fourier method, as ObsPy's ``Trace.resample``, with margins
    that are cut off) to ``n_times`` samples at ``sampling_rate``; resampling
    adds no energy above the record's own Nyquist frequency (25 Hz for
    "uh3", 0.5 Hz for "balst").  Amplitudes are raw counts scaled by one
    factor so that the bank has unit standard deviation.

    Parameters
    ----------
    n_times : int, default=3000
        Samples per window.
    sampling_rate : float, default=100.0
        Sampling rate (Hz) of the returned windows.
    record : {"uh3", "balst"}, default="uh3"
        Which continuous record.
    step : float or None, default=None
        Seconds between window starts (None: 5 s for "uh3", the window
        length for "balst").
    n_windows : int or None, default=None
        Return at most this many windows, evenly spread over the record.

    Returns
    -------
    noise : ndarray of shape (n_windows, 3, n_times), dtype float32
        Components in Z, N, E order.

    Raises
    ------
    ValueError
        If the window is longer than the event-free record, or if ObsPy was
        installed without its test data.

    See Also
    --------
    load_example_waveforms : The records themselves, and event records.

    Examples
    --------
    >>> from sklearn_seismo.datasets import load_example_noise
    >>> noise = load_example_noise(n_times=1000, sampling_rate=100.0, n_windows=4)
    >>> noise.shape, noise.dtype
    ((4, 3, 1000), dtype('float32'))
    """
    from scipy.signal import resample

    seconds = n_times / sampling_rate
    rec = load_example_waveforms(record, dtype=np.float64)
    if record == "balst":
        z, e = rec.data[0]
        shift = int(round(12 * 3600 * rec.sampling_rate)) % len(z)
        zne = np.stack([z, np.roll(e, shift), e])
        step = seconds if step is None else step
    else:
        zne = rec.data[0]
        step = 5.0 if step is None else step
    sr = rec.sampling_rate
    n_rec = zne.shape[-1]

    margin = 16  # native samples each side, cut after resampling
    n_in = int(np.ceil(seconds * sr)) + 2 * margin
    i0 = np.arange(0, n_rec - n_in + 1, max(step * sr, 1.0)).astype(int)
    if len(i0) == 0:
        raise ValueError(
            f"a window of {seconds:g} s is longer than the {n_rec / sr:g} s "
            f"record {record!r}; pass fewer n_times, a higher sampling_rate, "
            f"or record='balst' (a day long)."
        )
    # Short-term RMS in blocks of 1 s (at least 10 samples) against the
    # record's median: a window is kept only if no block exceeds 6 times it.
    zne = zne - zne.mean(axis=-1, keepdims=True)
    bs = max(int(round(sr)), 10)
    n_blocks = n_rec // bs
    sta = np.sqrt(np.mean(zne[:, : n_blocks * bs].reshape(3, n_blocks, bs) ** 2, -1))
    loud = np.any(sta > 6 * np.median(sta, axis=1, keepdims=True), axis=0)
    loud = np.concatenate([loud, [False]])  # the partial last block
    quiet = np.array(
        [not loud[i // bs : -(-(i + n_in) // bs)].any() for i in i0], dtype=bool
    )
    if not quiet.any():
        raise ValueError(
            f"every {seconds:g} s window of record {record!r} contains an event; "
            f"pass fewer n_times or a higher sampling_rate."
        )
    segments = np.stack([zne[:, i : i + n_in] for i in i0[quiet]])
    segments -= segments.mean(axis=-1, keepdims=True)
    if n_windows is not None and n_windows < len(segments):
        keep = np.round(np.linspace(0, len(segments) - 1, n_windows)).astype(int)
        segments = segments[keep]

    up = sampling_rate / sr
    n_out = int(round(n_in * up))
    off = int(round(margin * up))
    out = np.empty((len(segments), 3, n_times), dtype=np.float32)
    for lo in range(0, len(segments), 256):
        res = resample(segments[lo : lo + 256], n_out, axis=-1)
        out[lo : lo + 256] = res[..., off : off + n_times]
    out -= out.mean(axis=-1, keepdims=True)
    out /= max(float(out.std()), np.finfo(np.float32).tiny)
    return out
