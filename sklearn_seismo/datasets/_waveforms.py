"""Multi-component waveform windows from any file format ObsPy reads."""

import numbers
import warnings
from collections import defaultdict
from typing import NamedTuple

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_params,
)

from ._errors import Placeholder, ReaderOptionError
from ._io import MAX_DECOMPRESSED_BYTES, decompressed, expand_sources, literal_path

_ALIASES = {"N": "1", "E": "2"}

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


def _read_one(path, shown, format):
    """One uncompressed file as a Stream; every error names file and format."""
    import obspy

    fmt = format or _detect_format(path)
    if fmt is None:
        raise ReaderOptionError(
            f"could not read waveform file {shown!r}: it is in no waveform "
            f"format read here (tried {', '.join(_waveform_formats())}; pickled "
            f"ObsPy Streams are never read because unpickling runs code). Pass "
            f"{{0}} if detection fails, or convert the file to MiniSEED.",
            [("format", Placeholder("<FORMAT>"))],
        )
    if fmt == "MSEED":
        _check_complete_mseed(path, shown)
    how = "as given by format=" if format else "detected from its content"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            st = obspy.read(literal_path(path), format=fmt, check_compression=False)
    except MemoryError:
        raise
    except Exception as exc:  # ObsPy's plugins raise anything on a bad file
        raise ValueError(
            f"could not read waveform file {shown!r} as {fmt} ({how}): "
            f"{type(exc).__name__}: {exc}. The file is cut or corrupted, or in "
            f"another format: copy or download it again, pass the right "
            f"format=, or remove it from source."
        ) from exc
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


def _read(source, format=None, max_decompressed_bytes=MAX_DECOMPRESSED_BYTES):
    """A private Stream copy and the file of every trace (by ``id(trace)``)."""
    import obspy

    if isinstance(source, obspy.Trace):
        source = obspy.Stream([source])
    if isinstance(source, obspy.Stream):
        # Never touch the caller's Stream: every step below works in place.
        st = source.copy()
        return st, {id(tr): "<Stream>" for tr in st}
    st = obspy.Stream()
    files = {}
    for path in expand_sources(source):
        with decompressed(path, path, max_decompressed_bytes) as members:
            for member, shown in members:
                part = _read_one(member, shown, format)
                for tr in part:
                    files[id(tr)] = shown
                st += part
    return st, files


def _where(st, files, trace_id):
    names = sorted({files[id(tr)] for tr in st if tr.id == trace_id})
    return f"trace {trace_id!r} (from {', '.join(map(repr, names))})"


def _check_overlaps(parts, files):
    """Raise when two records of one channel disagree where they overlap.

    ObsPy's ``Stream.merge(method=0)`` keeps overlapping samples only where
    the records agree and masks the rest; ``method=1`` (used to merge) keeps
    the later record's samples. Identical overlaps merge either way; a
    disagreement would be resolved silently, so it is an error here.
    """
    parts = sorted(parts, key=lambda t: t.stats.starttime.ns)
    active = []  # earlier records that may still overlap a later one
    for b in parts:
        sb = b.stats
        active = [a for a in active if a.stats.endtime.ns >= sb.starttime.ns]
        for a in active:
            sa = a.stats
            if sa.sampling_rate != sb.sampling_rate:
                continue  # mixed rates are reported by the merge
            offset = (sb.starttime - sa.starttime) * sa.sampling_rate
            k = int(round(offset))
            n = min(len(a.data) - k, len(b.data))
            if n <= 0 or abs(offset - k) > 0.01:
                continue  # misaligned samples are reported by the merge
            da = np.ma.getdata(a.data[k : k + n]).astype(np.float64)
            db = np.ma.getdata(b.data[:n]).astype(np.float64)
            if np.array_equal(da, db):
                continue
            n_diff = int(np.count_nonzero(da != db))
            fa, fb = files[id(a)], files[id(b)]
            where = f"file {fa!r}" if fa == fb else f"files {fa!r} and {fb!r}"
            raise ValueError(
                f"trace {b.id!r} has overlapping records that disagree, in "
                f"{where}: {sa.starttime} - {sa.endtime} and {sb.starttime} - "
                f"{sb.endtime} differ in {n_diff} of the {n} samples they "
                f"share (from {sb.starttime}). Which one is right cannot be "
                f"guessed: remove one of the records (or files) from source. "
                f"Identical overlaps are merged as ObsPy's Stream.merge does."
            )
        active.append(b)


def _component(channel, wanted):
    code = channel.strip()[-1:].upper() if channel.strip() else ""
    if code == wanted:
        return 0
    if _ALIASES.get(wanted) == code:
        return 1  # lower priority than an exact letter
    return None


def _group(st, channels, files, on_missing):
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
                names = sorted({files[id(tr)] for tr in traces})
                raise ReaderOptionError(
                    f"station {key!r} (from {', '.join(map(repr, names))}) has "
                    f"no {'/'.join(missing)} component (channels present: "
                    f"{have}); pass {{0}} to drop such stations, {{1}} to fill "
                    f"the missing component with zeros, or {{2}} for the "
                    f"components it has.",
                    [
                        ("on_missing", "skip"),
                        ("on_missing", "fill"),
                        ("channels", _components(traces)),
                    ],
                )
        out[key] = picked
    if not out:
        have = sorted({tr.stats.channel for tr in st})
        present = _components(st)
        if not present:
            raise ValueError(
                f"no trace has a channel code (channels present: {have}), so no "
                f"component {channels} can be picked; SEG-Y and Seismic Unix "
                f"traces have none. Read SEG-Y shot gathers with "
                f"read_shot_gathers, or set each trace's stats.channel (e.g. "
                f"'HHZ') in an obspy.Stream and pass the Stream."
            )
        raise ReaderOptionError(
            f"no station has all of the requested components {channels} "
            f"(channels present: {have}); pass components that exist, e.g. {{0}}.",
            [("channels", present)],
        )
    return out


def _components(traces):
    """Component letters present in ``traces``, in Z, N, E order first."""
    letters = {tr.stats.channel.strip()[-1:].upper() for tr in traces}
    letters.discard("")
    order = {c: i for i, c in enumerate("ZNE12")}
    return tuple(sorted(letters, key=lambda c: (order.get(c, 9), c)))


def _check_channels(channels):
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
    return channels


def _plan(
    source,
    *,
    channels,
    window,
    step,
    sampling_rate,
    on_gap,
    on_missing,
    format,
    max_decompressed_bytes,
):
    """Read ``source`` and decide its windows, in load order.

    The one code path of :func:`load_waveforms` and :func:`list_windows`:
    both take their windows from here, so they always agree.
    """
    import obspy

    channels = _check_channels(channels)
    if step is not None and window is None:
        raise ReaderOptionError(
            "step needs a window length; pass {0} as well.",
            [("window", Placeholder("<seconds>"))],
        )

    st, files = _read(source, _check_format(format), max_decompressed_bytes)
    if len(st) == 0:
        raise ValueError("source holds no trace; pass files with waveform data.")
    for tr in st:
        data = np.ma.getdata(tr.data)
        if not np.issubdtype(data.dtype, np.number):
            raise ValueError(
                f"{_where(st, files, tr.id)} holds non-numeric samples; convert "
                f"it or drop it from source."
            )
        if not np.all(np.isfinite(data)):
            bad = int(np.sum(~np.isfinite(data)))
            raise ValueError(
                f"{_where(st, files, tr.id)} has {bad} NaN or infinite samples; "
                f"interpolate or cut them out (e.g. trace.data = np.nan_to_num(...)"
                f" or trace.trim(...)) before loading."
            )

    groups = _group(st, channels, files, on_missing)
    used = [tr for picked in groups.values() for tr in picked if tr is not None]
    rates = {tr.id: float(tr.stats.sampling_rate) for tr in used}
    if sampling_rate is None:
        distinct = sorted(set(rates.values()))
        if len(distinct) > 1:
            detail = ", ".join(f"{k}: {v:g} Hz" for k, v in sorted(rates.items()))
            raise ReaderOptionError(
                f"traces have mixed sampling rates ({detail}); pass {{0}} to "
                f"resample them to one rate.",
                [("sampling_rate", Placeholder("<Hz>"))],
            )
        sr = distinct[0]
    else:
        sr = float(sampling_rate)

    # Merge each channel's records (gaps) and resample, on our own copies.
    merged, spans = {}, {}
    for key, picked in groups.items():
        out, span = [], []
        for tr in picked:
            if tr is None:
                out.append(None)
                continue
            parts = obspy.Stream([t for t in st if t.id == tr.id])
            _check_overlaps(parts, files)
            span.extend(
                (t.stats.starttime, t.stats.endtime, files[id(t)]) for t in parts
            )
            for part in parts:
                part.data = np.asarray(part.data, dtype=np.float64)
                if abs(part.stats.sampling_rate - sr) > 1e-9 * sr:
                    part.resample(sr)
            parts.merge(method=1, fill_value=None)
            if len(parts) != 1:
                raise ReaderOptionError(
                    f"{_where(st, files, tr.id)} has records that cannot be "
                    f"merged (different sampling rates or misaligned samples); "
                    f"pass {{0}} to bring them to one rate.",
                    [("sampling_rate", Placeholder("<Hz>"))],
                )
            one = parts[0]
            if np.ma.is_masked(one.data):
                if on_gap == "raise":
                    gaps = obspy.Stream([t for t in st if t.id == tr.id]).get_gaps()
                    where = f" from {gaps[0][4]} to {gaps[0][5]}" if gaps else ""
                    raise ReaderOptionError(
                        f"{_where(st, files, tr.id)} has a gap{where}; pass {{0}} "
                        f"to interpolate across gaps or {{1}} to drop the windows "
                        f"that overlap them.",
                        [("on_gap", "fill"), ("on_gap", "skip")],
                    )
                if on_gap == "fill":
                    good = ~np.ma.getmaskarray(one.data)
                    idx = np.arange(len(good))
                    one.data = np.interp(idx, idx[good], one.data.data[good])
            out.append(one)
        merged[key] = out
        spans[key] = span

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
                raise ReaderOptionError(
                    f"window={window} s is longer than the record of station "
                    f"{key!r} ({data.shape[1] / sr:g} s from {start}); pass a "
                    f"shorter window ({{0}}, at most {data.shape[1] / sr:g} s), "
                    f"or no window for one window over the whole record.",
                    [("window", Placeholder("<seconds>"))],
                )

    windows = []
    for key, (start, data, mask, traces) in arrays.items():
        for i0 in range(0, data.shape[1] - n_win + 1, n_step):
            if not mask[i0 : i0 + n_win].any():  # else on_gap="skip"
                windows.append((key, i0))
    if not windows:
        raise ReaderOptionError(
            "every window overlaps a gap (on_gap='skip'); pass {0} or a shorter "
            "window.",
            [("on_gap", "fill")],
        )
    return Bunch(
        arrays=arrays,
        windows=windows,
        n_win=n_win,
        sampling_rate=sr,
        channels=channels,
        spans=spans,
    )


_PLAN_PARAMS = {
    "source": "no_validation",
    "channels": [tuple, list, str],
    "window": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "step": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "sampling_rate": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "on_gap": [StrOptions({"raise", "skip", "fill"})],
    "on_missing": [StrOptions({"raise", "skip", "fill"})],
    "format": [str, None],
    "max_decompressed_bytes": [Interval(numbers.Integral, 1, None, closed="left")],
}


@validate_params(
    {
        **_PLAN_PARAMS,
        "detrend": ["boolean"],
        "taper": ["boolean"],
        "dtype": "no_validation",
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
    max_decompressed_bytes=MAX_DECOMPRESSED_BYTES,
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
        Stream is copied: the caller's Stream is never modified.  A name is
        read as that file whenever it exists (``"sta[1].mseed"`` is the file
        of that name); only a name that is no existing file is expanded as a
        glob.  gzip, bzip2, xz, zip and tar files are decompressed, at most
        ``max_decompressed_bytes`` each.
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
    max_decompressed_bytes : int, default=268435456
        Cap on the bytes one compressed file (or archive) may decompress to
        (256 MiB by default).  Decompression runs in 1 MiB steps and stops
        with an error naming the file as soon as the output would pass the
        cap, so a decompression bomb takes no more than the cap on disk and
        about 1 MiB of memory.  Raise it for genuine larger files.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        ``data`` (n_windows, n_channels, n_times) array; ``channels`` tuple;
        ``sampling_rate`` float; ``starttimes`` list of
        ``obspy.UTCDateTime`` (one per window); ``trace_ids`` list of tuples
        of SEED ids (one per window, in channel order); ``stations`` list of
        instrument keys ``"NET.STA.LOC.BAND"`` (one per window); ``windows``
        the list :func:`list_windows` returns for the same call (for
        :func:`read_window_labels`).

    Raises
    ------
    ValueError
        With the offending file or trace, the format tried and the fix, for
        an unreadable, missing or truncated file (a MiniSEED file that ends
        inside a record), a FIFO, device or folder, a file in no allowed
        format (e.g. a pickle), overlapping records of one channel whose
        samples disagree (identical overlaps are merged), NaN or infinite
        samples.
    ReaderOptionError
        A ValueError whose fix is another option value: a missing component
        (``on_missing``), mixed sampling rates (``sampling_rate``), gaps
        (``on_gap``), a ``window`` longer than a record, a compressed file
        above ``max_decompressed_bytes``.  ``str(err)`` names the keyword,
        ``err.cli_message()`` the command-line flag.

    See Also
    --------
    list_windows : The windows this would make (file, station, times).
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
    plan = _plan(
        source,
        channels=channels,
        window=window,
        step=step,
        sampling_rate=sampling_rate,
        on_gap=on_gap,
        on_missing=on_missing,
        format=format,
        max_decompressed_bytes=max_decompressed_bytes,
    )
    n_win, sr = plan.n_win, plan.sampling_rate
    out_data, starts, ids, stations = [], [], [], []
    for key, i0 in plan.windows:
        start, data, _, traces = plan.arrays[key]
        out_data.append(data[:, i0 : i0 + n_win])
        starts.append(start + i0 / sr)
        ids.append(tuple(None if t is None else t.id for t in traces))
        stations.append(key)
    X = np.stack(out_data)
    if detrend:
        from scipy.signal import detrend as _detrend

        X = _detrend(X, axis=-1, type="linear")
    if taper:
        from scipy.signal.windows import tukey

        X = X * tukey(n_win, alpha=0.1)
    return Bunch(
        data=X.astype(dtype, copy=False),
        channels=plan.channels,
        sampling_rate=sr,
        starttimes=starts,
        trace_ids=ids,
        stations=stations,
        windows=_windows_of(plan),
    )


class Window(NamedTuple):
    """One window of :func:`list_windows`, in :func:`load_waveforms` order."""

    index: int
    file: str
    network: str
    station: str
    location: str
    channels: str
    starttime: object
    endtime: object
    sampling_rate: float

    @property
    def key(self):
        """``(network, station, location, channels, starttime)``: the window."""
        return window_key(
            self.network, self.station, self.location, self.channels, self.starttime
        )


def window_key(network, station, location, channels, starttime):
    """The identity of a window, with the start time normalised to a string."""
    from obspy import UTCDateTime

    return (
        str(network).strip(),
        str(station).strip(),
        str(location).strip(),
        " ".join(str(channels).split()),
        str(UTCDateTime(starttime)),
    )


def _windows_of(plan):
    """The :class:`Window` list of a plan, in load order."""
    n_win, sr = plan.n_win, plan.sampling_rate
    out = []
    for index, (key, i0) in enumerate(plan.windows):
        start, _, _, traces = plan.arrays[key]
        t0 = start + i0 / sr
        t1 = t0 + (n_win - 1) / sr
        names = []
        for a, b, name in plan.spans[key]:
            if a <= t1 and b >= t0 and name not in names:
                names.append(name)
        present = next(t for t in traces if t is not None)
        out.append(
            Window(
                index=index,
                file=";".join(names),
                network=present.stats.network,
                station=present.stats.station,
                location=present.stats.location,
                channels=" ".join(
                    "-" if t is None else t.stats.channel for t in traces
                ),
                starttime=t0,
                endtime=t1,
                sampling_rate=sr,
            )
        )
    return out


@validate_params(_PLAN_PARAMS, prefer_skip_nested_validation=True)
def list_windows(
    source,
    *,
    channels=("Z", "N", "E"),
    window=None,
    step=None,
    sampling_rate=None,
    on_gap="raise",
    on_missing="raise",
    format=None,
    max_decompressed_bytes=MAX_DECOMPRESSED_BYTES,
):
    """The windows :func:`load_waveforms` makes from ``source``, in its order.

    Use it to label real records: write the list with
    :func:`write_window_csv`, fill in the ``label`` column, and read the
    labels back with :func:`read_window_labels`, which matches them to the
    windows by station, channels and start time (not by row order).  Both
    functions take their windows from one code path, so the list has the
    count and order of ``load_waveforms(source, **same options).data``.

    Parameters
    ----------
    source : str, path, list of str or paths, obspy.Stream or obspy.Trace
        As :func:`load_waveforms`.
    channels, window, step, sampling_rate, on_gap, on_missing, format, \
max_decompressed_bytes
        As :func:`load_waveforms` (the options that decide the windows).

    Returns
    -------
    windows : list of Window
        Named tuples ``(index, file, network, station, location, channels,
        starttime, endtime, sampling_rate)``: ``index`` is the row of the
        window in ``load_waveforms(...).data``; ``file`` the file(s) whose
        records overlap the window (``";"``-separated, ``"<Stream>"`` for a
        Stream); ``channels`` the channel codes in output order separated by
        spaces (``"-"`` for a component filled with zeros); ``starttime`` and
        ``endtime`` the times of the first and the last sample
        (``obspy.UTCDateTime``).

    Raises
    ------
    ValueError, ReaderOptionError
        As :func:`load_waveforms`.

    See Also
    --------
    write_window_csv : Write the list as a CSV with an empty label column.
    read_window_labels : Labels of a filled-in CSV, in window order.

    Examples
    --------
    >>> import obspy
    >>> from sklearn_seismo.datasets import list_windows
    >>> windows = list_windows(obspy.read(), window=10.0, step=5.0)
    >>> len(windows)
    5
    >>> w = windows[1]
    >>> w.station, w.channels, str(w.starttime), w.sampling_rate
    ('RJOB', 'EHZ EHN EHE', '2009-08-24T00:20:08.000000Z', 100.0)
    """
    plan = _plan(
        source,
        channels=channels,
        window=window,
        step=step,
        sampling_rate=sampling_rate,
        on_gap=on_gap,
        on_missing=on_missing,
        format=format,
        max_decompressed_bytes=max_decompressed_bytes,
    )
    return _windows_of(plan)
