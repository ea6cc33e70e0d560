"""Multi-component waveform windows from any file format ObsPy reads."""

import glob
import numbers
import os
import warnings
from collections import defaultdict

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_params,
)

_ALIASES = {"N": "1", "E": "2"}
_GLOB_CHARS = set("*?[")


def _expand_sources(source):
    """List of file paths from a path, a glob or a list of either."""
    if isinstance(source, (str, os.PathLike)):
        source = [source]
    elif isinstance(source, bytes) or not hasattr(source, "__iter__"):
        raise TypeError(
            f"source must be a path, a glob pattern, a list of paths, an "
            f"obspy.Stream or an obspy.Trace, got {type(source).__name__} "
            f"{source!r:.80}; pass the file name as a str or pathlib.Path."
        )
    paths = []
    for item in source:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(
                f"source must be a path, a glob pattern, a list of paths or an "
                f"obspy.Stream, got an element of type {type(item).__name__}; "
                f"pass file paths as str or pathlib.Path."
            )
        item = os.fspath(item)
        if _GLOB_CHARS & set(item):
            matches = sorted(glob.glob(item))
            if not matches:
                raise ValueError(
                    f"the glob pattern {item!r} matches no file; check the "
                    f"pattern and the working directory ({os.getcwd()!r})."
                )
            paths.extend(matches)
        elif os.path.isdir(item):
            raise ValueError(
                f"{item!r} is a folder, not a waveform file; pass a glob such as "
                f"{os.path.join(item, '*.mseed')!r} to read the files in it."
            )
        elif not os.path.isfile(item):
            raise ValueError(
                f"waveform file {item!r} does not exist; check the path (it is "
                f"resolved from {os.getcwd()!r})."
            )
        else:
            paths.append(item)
    if not paths:
        raise ValueError("source lists no file; pass at least one path.")
    return paths


# ObsPy formats never tried by format detection, and refused as format=:
# ObsPy's PICKLE plugin unpickles the file (in its isFormat already), which
# runs any code a crafted file holds.
_REFUSED_FORMATS = frozenset({"PICKLE"})


def _waveform_formats():
    """ObsPy's waveform plugins in its detection order, without refused ones."""
    from obspy.core.util.base import ENTRY_POINTS

    return [f for f in ENTRY_POINTS["waveform"] if f.upper() not in _REFUSED_FORMATS]


def _check_format(fmt):
    if fmt is None:
        return None
    fmt = str(fmt).upper()
    if fmt in _REFUSED_FORMATS:
        raise ValueError(
            f"format={fmt!r} is refused: reading a pickled ObsPy Stream unpickles "
            f"the file, which runs any code it contains. Convert trusted pickles "
            f"to MiniSEED (stream.write(path, format='MSEED')) and read those."
        )
    formats = _waveform_formats()
    if fmt not in formats:
        raise ValueError(
            f"format={fmt!r} is not a waveform format ObsPy reads here; pass one "
            f"of {formats} or format=None to detect it."
        )
    return fmt


def _detect_format(path):
    """First allowed ObsPy format whose ``isFormat`` accepts ``path``, or None."""
    from obspy.core.util.base import ENTRY_POINTS
    from obspy.core.util.misc import buffered_load_entry_point

    for fmt in _waveform_formats():
        ep = ENTRY_POINTS["waveform"][fmt]
        try:
            is_format = buffered_load_entry_point(
                ep.dist.name, f"obspy.plugin.waveform.{ep.name}", "isFormat"
            )
            if is_format(path):
                return fmt
        except Exception:  # a plugin that cannot load or probe: not this one
            continue
    return None


def _check_complete_mseed(path, shown):
    """Raise for a MiniSEED file that ends inside a record."""
    from obspy.io.mseed.util import get_record_information

    try:
        info = get_record_information(path)
    except Exception:
        return  # libmseed reports what it cannot parse while reading
    if info.get("excess_bytes"):
        raise ValueError(
            f"MiniSEED file {shown!r} is truncated: it ends "
            f"{info['excess_bytes']} bytes into a {info['record_length']}-byte "
            f"record, which ObsPy would silently drop (and with it the end of a "
            f"channel). Copy or download the file again, or cut it to whole "
            f"records."
        )


def _read_file(path, format=None, shown=None):
    """One file (or member of a .gz/.bz2/.zip/.tar archive) as a Stream."""
    import obspy
    from obspy.core.util.decorator import uncompress_file

    shown = path if shown is None else shown

    @uncompress_file
    def read_one(filename):
        fmt = format or _detect_format(filename)
        if fmt is None:
            raise ValueError(
                f"could not read waveform file {shown!r}: it is in no waveform "
                f"format read here (tried "
                f"{', '.join(_waveform_formats())}; pickled ObsPy Streams are "
                f"never read because unpickling runs code). Pass format= if "
                f"detection fails, or convert the file to MiniSEED."
            )
        if fmt == "MSEED":
            _check_complete_mseed(filename, shown)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            st = obspy.read(filename, format=fmt, check_compression=False)
        for w in caught:
            if "end of file" in str(w.message).lower():
                raise ValueError(
                    f"{fmt} file {shown!r} is truncated ({w.message}); ObsPy "
                    f"drops the incomplete record. Copy or download the file "
                    f"again."
                )
            warnings.warn_explicit(
                w.message, w.category, w.filename, w.lineno, source=w.source
            )
        return st

    return read_one(path)


def _read(source, format=None):
    """A private Stream copy and a map from trace id to the files it came from."""
    import obspy

    origin = defaultdict(set)
    if isinstance(source, obspy.Stream):
        # Never touch the caller's Stream: every step below works in place.
        st = source.copy()
        for tr in st:
            origin[tr.id].add("<Stream>")
        return st, origin
    if isinstance(source, obspy.Trace):
        return _read(obspy.Stream([source]))
    st = obspy.Stream()
    for path in _expand_sources(source):
        try:
            part = _read_file(path, format)
        except ValueError:
            raise
        except Exception as exc:
            raise ValueError(
                f"could not read waveform file {path!r}: {type(exc).__name__}: "
                f"{exc}. Check that it is a seismogram in a format ObsPy reads "
                f"(MiniSEED, SAC, SEG-Y, GSE2, SEISAN, ...) or remove it from "
                f"source."
            ) from exc
        for tr in part:
            origin[tr.id].add(path)
        st += part
    return st, origin


def _where(origin, trace_id):
    files = sorted(origin.get(trace_id, ()))
    return f"trace {trace_id!r} (from {', '.join(map(repr, files))})"


def _component(channel, wanted):
    code = channel.strip()[-1:].upper() if channel.strip() else ""
    if code == wanted:
        return 0
    if _ALIASES.get(wanted) == code:
        return 1  # lower priority than an exact letter
    return None


def _group(st, channels, origin, on_missing):
    """{station key: [trace or None per channel]}, keyed by net.sta.loc.band."""
    groups = defaultdict(list)
    for tr in st:
        cha = tr.stats.channel.strip()
        key = f"{tr.stats.network}.{tr.stats.station}.{tr.stats.location}.{cha[:-1]}"
        groups[key].append(tr)
    out = {}
    for key, traces in groups.items():
        picked = []
        for comp in channels:
            best = None
            for tr in traces:
                prio = _component(tr.stats.channel, comp)
                if prio is not None and (best is None or prio < best[0]):
                    best = (prio, tr)
            picked.append(None if best is None else best[1])
        if all(p is None for p in picked):
            continue  # no requested component at all: not a station of interest
        if any(p is None for p in picked):
            if on_missing == "skip":
                continue
            if on_missing == "raise":
                missing = [c for c, p in zip(channels, picked) if p is None]
                have = sorted({tr.stats.channel for tr in traces})
                files = sorted(set().union(*(origin[tr.id] for tr in traces)))
                raise ValueError(
                    f"station {key!r} (from {', '.join(map(repr, files))}) has no "
                    f"{'/'.join(missing)} component (channels present: {have}); "
                    f"pass channels={_components(traces)!r} for the components "
                    f"it has, "
                    f"on_missing='skip' to drop such stations or "
                    f"on_missing='fill' to fill the missing component with zeros."
                )
        out[key] = picked
    if not out:
        have = sorted({tr.stats.channel for tr in st})
        raise ValueError(
            f"no station has all of the requested components {channels} "
            f"(channels present: {have}); pass channels= with components that "
            f"exist, e.g. channels={_components(st)!r}."
        )
    return out


def _components(traces):
    """Component letters present in ``traces``, in Z, N, E order first."""
    letters = {tr.stats.channel.strip()[-1:].upper() for tr in traces}
    letters.discard("")
    order = {c: i for i, c in enumerate("ZNE12")}
    return tuple(sorted(letters, key=lambda c: (order.get(c, 9), c)))


@validate_params(
    {
        "source": "no_validation",
        "channels": [tuple, list, str],
        "window": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "step": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "sampling_rate": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "detrend": ["boolean"],
        "taper": ["boolean"],
        "on_gap": [StrOptions({"raise", "skip", "fill"})],
        "on_missing": [StrOptions({"raise", "skip", "fill"})],
        "dtype": "no_validation",
        "format": [str, None],
    },
    prefer_skip_nested_validation=True,
)
def load_waveforms(
    source,
    *,
    channels=("Z", "N", "E"),
    window=None,
    step=None,
    sampling_rate=None,
    detrend=False,
    taper=False,
    on_gap="raise",
    on_missing="raise",
    dtype=np.float32,
    format=None,
):
    """Read seismograms with ObsPy into fixed-length multi-component windows.

    Traces are grouped by instrument (``network.station.location`` plus the
    band and instrument letters of the channel code, so ``HH?`` and ``BH?`` of
    one station stay apart) and stacked in the order of ``channels`` by the
    last letter of the channel code (``1``/``2`` are accepted for ``N``/``E``
    when the exact letter is missing).  Components are cut to their common
    time span, aligned to the nearest sample, then cut into windows.

    Parameters
    ----------
    source : str, path, list of str or paths, obspy.Stream or obspy.Trace
        Files in any format ObsPy reads (MiniSEED, SAC, SEG-Y, GSE2, SEISAN,
        ...), a glob pattern such as ``"data/*.mseed"``, or a Stream.  A
        Stream is copied: the caller's Stream is never modified.
    channels : sequence of str, default=("Z", "N", "E")
        Component letters, in output order.
    window : float or None, default=None
        Window length in seconds.  None: one window per instrument covering
        its whole common span; with several instruments the window length is
        the shortest of their spans, so that the windows stack.
    step : float or None, default=None
        Step between window starts in seconds (default: ``window``, i.e. no
        overlap).  Only used with ``window``.
    sampling_rate : float or None, default=None
        Target sampling rate in Hz.  Traces at another rate are resampled with
        ObsPy's Fourier method (``Trace.resample``).  None requires all traces
        to share one rate.
    detrend : bool, default=False
        Remove a least-squares line from every window and component.
    taper : bool, default=False
        Multiply every window by a Tukey (cosine) taper over 5 % at each end.
    on_gap : {"raise", "skip", "fill"}, default="raise"
        Gaps between records of one channel: raise a ValueError, drop the
        windows that overlap a gap, or fill gaps by linear interpolation.
    on_missing : {"raise", "skip", "fill"}, default="raise"
        Instruments lacking a requested component: raise, drop the instrument,
        or fill the component with zeros (its trace id is then None).
    dtype : numpy dtype, default=np.float32
        dtype of ``data``.
    format : str or None, default=None
        ObsPy format name of every file (``"MSEED"``, ``"SAC"``, ``"SEGY"``,
        ...).  None detects it per file with ObsPy's format checks, except
        ``"PICKLE"``: a pickled Stream is never read (refused also as
        ``format=``), since unpickling a file runs any code it contains.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        ``data`` (n_windows, n_channels, n_times) array; ``channels`` tuple;
        ``sampling_rate`` float; ``starttimes`` list of
        ``obspy.UTCDateTime`` (one per window); ``trace_ids`` list of tuples
        of SEED ids (one per window, in channel order); ``stations`` list of
        instrument keys ``"NET.STA.LOC.BAND"`` (one per window).

    Raises
    ------
    ValueError
        With the offending file or trace and the fix, for an unreadable,
        missing or truncated file (a MiniSEED file that ends inside a record),
        a file in no allowed format (e.g. a pickle), a missing component,
        mixed sampling rates without
        ``sampling_rate``, gaps (``on_gap="raise"``), NaN or infinite samples,
        or a ``window`` longer than a record.

    See Also
    --------
    load_example_waveforms : Real records shipped inside ObsPy.

    Examples
    --------
    >>> import obspy
    >>> from sklearn_seismo.datasets import load_waveforms
    >>> st = obspy.read()  # ObsPy's example: BW.RJOB, 3 x 3000 samples
    >>> bunch = load_waveforms(st, window=10.0, step=5.0)
    >>> bunch.data.shape, bunch.channels, bunch.sampling_rate
    ((5, 3, 1000), ('Z', 'N', 'E'), 100.0)
    >>> bunch.trace_ids[0]
    ('BW.RJOB..EHZ', 'BW.RJOB..EHN', 'BW.RJOB..EHE')
    """
    import obspy

    if isinstance(channels, str):
        channels = tuple(channels)
    channels = tuple(str(c).upper() for c in channels)
    if not channels or any(len(c) != 1 for c in channels):
        raise ValueError(
            f"channels must be single component letters such as ('Z', 'N', 'E'), "
            f"got {channels!r}."
        )
    if len(set(channels)) != len(channels):
        raise ValueError(f"channels {channels!r} repeats a component; list each once.")
    if step is not None and window is None:
        raise ValueError("step needs window; pass window= (seconds) as well.")

    st, origin = _read(source, _check_format(format))
    if len(st) == 0:
        raise ValueError("source holds no trace; pass files with waveform data.")
    for tr in st:
        data = np.ma.getdata(tr.data)
        if not np.issubdtype(data.dtype, np.number):
            raise ValueError(
                f"{_where(origin, tr.id)} holds non-numeric samples; convert it "
                f"or drop it from source."
            )
        if not np.all(np.isfinite(data)):
            bad = int(np.sum(~np.isfinite(data)))
            raise ValueError(
                f"{_where(origin, tr.id)} has {bad} NaN or infinite samples; "
                f"interpolate or cut them out (e.g. trace.data = np.nan_to_num(...)"
                f" or trace.trim(...)) before loading."
            )

    groups = _group(st, channels, origin, on_missing)
    used = [tr for picked in groups.values() for tr in picked if tr is not None]
    rates = {tr.id: float(tr.stats.sampling_rate) for tr in used}
    if sampling_rate is None:
        distinct = sorted(set(rates.values()))
        if len(distinct) > 1:
            detail = ", ".join(f"{k}: {v:g} Hz" for k, v in sorted(rates.items()))
            raise ValueError(
                f"traces have mixed sampling rates ({detail}); pass "
                f"sampling_rate=<Hz> to resample them to one rate."
            )
        sr = distinct[0]
    else:
        sr = float(sampling_rate)

    # Merge each channel's records (gaps) and resample, on our own copies.
    merged = {}
    for key, picked in groups.items():
        out = []
        for tr in picked:
            if tr is None:
                out.append(None)
                continue
            parts = obspy.Stream([t for t in st if t.id == tr.id])
            for part in parts:
                part.data = np.asarray(part.data, dtype=np.float64)
                if abs(part.stats.sampling_rate - sr) > 1e-9 * sr:
                    part.resample(sr)
            parts.merge(method=1, fill_value=None)
            if len(parts) != 1:
                raise ValueError(
                    f"{_where(origin, tr.id)} has records that cannot be merged "
                    f"(different sampling rates or misaligned samples); pass "
                    f"sampling_rate= to bring them to one rate."
                )
            one = parts[0]
            if np.ma.is_masked(one.data):
                if on_gap == "raise":
                    gaps = obspy.Stream([t for t in st if t.id == tr.id]).get_gaps()
                    where = f" from {gaps[0][4]} to {gaps[0][5]}" if gaps else ""
                    raise ValueError(
                        f"{_where(origin, tr.id)} has a gap{where}; pass "
                        f"on_gap='fill' to interpolate across gaps or "
                        f"on_gap='skip' to drop the windows that overlap them."
                    )
                if on_gap == "fill":
                    good = ~np.ma.getmaskarray(one.data)
                    idx = np.arange(len(good))
                    one.data = np.interp(idx, idx[good], one.data.data[good])
            out.append(one)
        merged[key] = out

    # Common span of each instrument's components, on a shared sample grid.
    arrays = {}
    for key, traces in merged.items():
        present = [t for t in traces if t is not None]
        start = max(t.stats.starttime for t in present)
        end = min(t.stats.endtime for t in present)
        if end <= start:
            raise ValueError(
                f"the components of station {key!r} do not overlap in time; "
                f"pass the files of one recording period together."
            )
        cols, masks = [], []
        for t in present:
            i0 = int(round((start - t.stats.starttime) * sr))
            i1 = int(round((end - t.stats.starttime) * sr)) + 1
            d = t.data[i0:i1]
            cols.append(np.ma.getdata(d).astype(np.float64))
            masks.append(np.ma.getmaskarray(d))
        n = min(len(c) for c in cols)
        data = np.zeros((len(traces), n))
        mask = np.zeros(n, dtype=bool)
        it = iter(zip(cols, masks))
        for c, t in enumerate(traces):
            if t is not None:
                col, m = next(it)
                data[c] = col[:n]
                mask |= m[:n]
        arrays[key] = (start, data, mask, traces)

    if window is None:
        n_win = min(a[1].shape[1] for a in arrays.values())
        n_step = n_win
    else:
        n_win = int(round(window * sr))
        n_step = n_win if step is None else int(round(step * sr))
        if n_win < 1 or n_step < 1:
            raise ValueError(
                f"window={window} s / step={step} s is shorter than one sample "
                f"at {sr:g} Hz; pass longer values."
            )
        for key, (start, data, _, _) in arrays.items():
            if data.shape[1] < n_win:
                raise ValueError(
                    f"window={window} s is longer than the record of station "
                    f"{key!r} ({data.shape[1] / sr:g} s from {start}); pass a "
                    f"shorter window or window=None for the whole record."
                )

    out_data, starts, ids, stations = [], [], [], []
    for key, (start, data, mask, traces) in arrays.items():
        n = data.shape[1]
        for i0 in range(0, n - n_win + 1, n_step):
            if mask[i0 : i0 + n_win].any():
                continue  # on_gap="skip"
            out_data.append(data[:, i0 : i0 + n_win])
            starts.append(start + i0 / sr)
            ids.append(tuple(None if t is None else t.id for t in traces))
            stations.append(key)
    if not out_data:
        raise ValueError(
            "every window overlaps a gap (on_gap='skip'); pass on_gap='fill' "
            "or a shorter window."
        )
    X = np.stack(out_data)
    if detrend:
        from scipy.signal import detrend as _detrend

        X = _detrend(X, axis=-1, type="linear")
    if taper:
        from scipy.signal.windows import tukey

        X = X * tukey(n_win, alpha=0.1)
    return Bunch(
        data=X.astype(dtype, copy=False),
        channels=channels,
        sampling_rate=sr,
        starttimes=starts,
        trace_ids=ids,
        stations=stations,
    )
