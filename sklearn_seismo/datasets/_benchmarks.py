"""Benchmark data sets of the study suite and the registry the CLI reads."""

import functools
import numbers
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..utils._random import seed_from_random_state
from ._shot_gathers import make_shot_gathers

__all__ = [
    "BENCHMARKS",
    "Benchmark",
    "load_benchmark",
    "make_waveform_quality",
]

WAVEFORM_CLASSES = ("good", "medium", "bad")
# Event records of ObsPy's test data cut into overlapping windows (the
# continuous uh3 record holds two local events and long quiet stretches).
_WAVEFORM_RECORDS = ("rjob", "cer", "mvo", "uh3")
# A fault must change the window by at least this share of its L2 norm; weaker
# draws (a gap of two samples, a clip level above the peak of one component)
# are redrawn so that every *bad* window shows its fault.
_MIN_FAULT_CHANGE = 0.2
_MAX_REDRAWS = 20


#: In-domain split (``time_split``): the last 30 % of each station's record
#: is for testing, after a guard gap of one clean window (``1.5 * n_times``
#: samples) behind the end of the last training window.
IN_DOMAIN_TEST_SHARE = 0.3
TIME_SPLITS = ("all", "train", "test")


@functools.lru_cache(maxsize=8)
def _clean_bank(sampling_rate, n_long, records, time_split="all"):
    """Read-only clean windows, their stations and start times (UTCDateTime).

    ``time_split`` keeps all windows, or those of the training or the test
    part of each station's record (see :data:`IN_DOMAIN_TEST_SHARE`).
    """
    from ._examples import available_example_records, load_example_waveforms

    seconds = n_long / sampling_rate
    available = available_example_records()
    banks, stations, starts = [], [], []
    for name in records:
        if name not in available:
            continue
        rec = load_example_waveforms(
            name,
            window=seconds,
            step=1.0,
            sampling_rate=sampling_rate,
            detrend=True,
            dtype=np.float32,
        )
        keep = _time_split_mask(rec.stations, rec.starttimes, seconds, time_split)
        banks.append(rec.data[keep, :, :n_long])
        stations += [s for s, k in zip(rec.stations, keep) if k]
        starts += [t for t, k in zip(rec.starttimes, keep) if k]
    if not banks:
        raise ValueError(
            f"none of the records {list(records)} is part of this ObsPy "
            f"installation (it has {available}); pass records among those."
        )
    bank = np.concatenate(banks)
    if len(bank) == 0:
        raise ValueError(
            f"the {time_split!r} part of the records {list(records)} holds no "
            f"window of {seconds:g} s; pass fewer n_times or time_split='all'."
        )
    bank.setflags(write=False)
    return bank, tuple(stations), tuple(starts)


def _time_split_mask(stations, starts, seconds, time_split):
    """Windows of the train or test part of each station's time span.

    Per station, the span runs from the first window start to the last window
    end; training windows end by ``t_split`` (70 % of the span), test windows
    start at ``t_split + seconds`` or later: no test window overlaps a
    training window, and one window length separates them.
    """
    keep = np.ones(len(starts), dtype=bool)
    if time_split == "all":
        return keep
    stations = np.asarray(stations)
    for station in np.unique(stations):
        idx = np.flatnonzero(stations == station)
        t = np.array([starts[i] - starts[idx[0]] for i in idx])
        span = t.max() + seconds
        t_split = (1.0 - IN_DOMAIN_TEST_SHARE) * span
        if time_split == "train":
            keep[idx] = t + seconds <= t_split
        else:
            keep[idx] = t >= t_split + seconds
    return keep


@functools.lru_cache(maxsize=4)
def _noise_bank(sampling_rate, n_times):
    from ._examples import available_example_records, load_example_noise

    parts = [load_example_noise(n_times, sampling_rate, step=2.0)]
    if "balst" in available_example_records():
        # microseism noise below 0.5 Hz: a second, very different noise source
        parts.append(
            load_example_noise(n_times, sampling_rate, record="balst", n_windows=200)
        )
    bank = np.concatenate(parts)
    bank.setflags(write=False)
    return bank


def _faults(time_axis=-1):
    from sklearn_seismo.augmentation import (
        AddFalsePositives,
        ChannelDropout,
        Clip,
        OneOf,
        TimeMask,
    )

    return OneOf(
        [
            Clip(fraction=(0.05, 0.4)),  # digitiser saturation
            TimeMask(max_width=0.5, n_masks=1, time_axis=time_axis),  # data gap
            ChannelDropout(max_drop=2),  # dead channel(s)
            AddFalsePositives(
                kinds=["spike"], amplitude=(1.0, 4.0), time_axis=time_axis
            ),
        ]
    )


def _apply_faults(X, rng):
    faults = _faults()
    out = faults.augment_batch(X, rng)
    norm = np.linalg.norm(X.reshape(len(X), -1), axis=1)
    for _ in range(_MAX_REDRAWS):
        change = np.linalg.norm((out - X).reshape(len(X), -1), axis=1)
        weak = change < _MIN_FAULT_CHANGE * norm
        if not weak.any():
            break
        out[weak] = faults.augment_batch(X[weak], rng)
    return out


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_times": [Interval(numbers.Integral, 32, None, closed="left")],
        "sampling_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "weights": [tuple, list, np.ndarray],
        "records": [tuple, list],
        "time_split": [StrOptions(set(TIME_SPLITS))],
        "return_metadata": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_waveform_quality(
    n_samples=2000,
    *,
    n_times=200,
    sampling_rate=50.0,
    weights=(0.67, 0.30, 0.03),
    records=_WAVEFORM_RECORDS,
    time_split="all",
    return_metadata=False,
    random_state=None,
):
    """Real three-component windows labelled good, medium or bad data quality.

    A quality-control task built from real records that ship inside ObsPy
    (no download), for :class:`~sklearn_seismo.neural.ResNetClassifier`:

    * **good**: a clean window, cut at a random offset from the event records
      ``rjob``, ``cer``, ``mvo`` and ``uh3`` of
      :func:`load_example_waveforms` (531 overlapping 6 s windows at 50 Hz,
      eight stations), demeaned;
    * **medium**: a clean window with real noise added at 0-10 dB SNR
      (:class:`~sklearn_seismo.augmentation.AddNoise` with the noise bank of
      :func:`load_example_noise`: short-period noise of ``uh3`` and, when
      present, microseism noise of ``balst``);
    * **bad** (rare, 3 % by default): a clean window with one instrument
      fault, drawn uniformly among clipping at 5-40 % of the peak
      (:class:`~sklearn_seismo.augmentation.Clip`), a data gap of up to half
      the window (:class:`~sklearn_seismo.augmentation.TimeMask`), one or two
      dead channels (:class:`~sklearn_seismo.augmentation.ChannelDropout`) and
      a spike of 1-4 times the peak
      (:class:`~sklearn_seismo.augmentation.AddFalsePositives`). A draw that
      changes the window by less than 20 % of its L2 norm (e.g. a gap of a
      few samples in a quiet stretch) is redrawn, so every bad window shows
      its fault.

    Every window is finally scaled to unit standard deviation, so amplitude
    alone tells nothing. The clean windows come from only eight stations:
    two draws with different seeds crop the same records (a few good windows
    of one draw reappear in the other), so an independent test set needs
    other ``records`` (the study's holdout trains on ``("mvo", "uh3")`` and
    tests on ``("rjob", "cer")``).

    Parameters
    ----------
    n_samples : int, default=2000
        Number of windows.
    n_times : int, default=200
        Samples per window (4 s at the default rate); at most
        ``1.5 * n_times / sampling_rate`` seconds of record per clean window.
    sampling_rate : float, default=50.0
        Sampling rate (Hz) the records are resampled to.
    weights : sequence of 3 floats, default=(0.67, 0.30, 0.03)
        Proportions of good, medium and bad windows. Class counts are exact
        (largest remainders).
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed and arguments give identical output.

    Returns
    -------
    X : ndarray of shape (n_samples, 3, n_times), dtype float32
        Z, N, E components, time last.
    y : ndarray of shape (n_samples,), dtype object
        ``"good"``, ``"medium"`` or ``"bad"``, shuffled.
    metadata : Bunch, only if ``return_metadata``
        ``stations`` (instrument key ``"NET.STA.LOC.BAND"``), ``starttimes``
        and ``endtimes`` (``obspy.UTCDateTime`` of the first and one past the
        last sample) of the record stretch each window was cut from.

    Other Parameters
    ----------------
    records : sequence of str, default=("rjob", "cer", "mvo", "uh3")
        Records of :func:`load_example_waveforms` the clean windows are cut
        from (those missing from the ObsPy installation are skipped).
    time_split : {"all", "train", "test"}, default="all"
        Cut the clean windows from the whole of each station's record, from
        its first 70 % ("train"), or from its last 30 % ("test"), which
        starts one clean window length (``1.5 * n_times`` samples) after the
        end of the last training window. A "test" draw shares stations and
        instruments with a "train" draw of the same ``records`` but no
        stretch of record: the in-domain test of the suite
        (``"waveform_quality_in_domain"``).
    return_metadata : bool, default=False
        Also return where each window was cut from.

    See Also
    --------
    make_shot_gathers : The synthetic shot-gather task.
    load_benchmark : Every data set of the study suite by name.

    Examples
    --------
    >>> from sklearn_seismo.datasets import make_waveform_quality
    >>> X, y = make_waveform_quality(200, random_state=0)
    >>> X.shape, X.dtype
    ((200, 3, 200), dtype('float32'))
    >>> [int((y == c).sum()) for c in ("good", "medium", "bad")]
    [134, 60, 6]
    """
    from sklearn_seismo.augmentation import AddNoise

    from ._shot_gathers import _class_counts

    given = list(np.ravel(np.asarray(weights, dtype=object)))
    try:
        weights = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        weights = np.full(0, np.nan)  # refused just below, with the value given
    if (
        weights.shape != (3,)
        or not np.all(np.isfinite(weights))
        or np.any(weights < 0)
        or weights.sum() <= 0
    ):
        raise ValueError(
            f"weights must be 3 finite, non-negative proportions for good, "
            f"medium and bad with a positive sum, got "
            f"{given!r}; pass e.g. "
            f"(0.67, 0.30, 0.03)."
        )
    rng = np.random.default_rng(seed_from_random_state(random_state))
    n_long = int(round(1.5 * n_times))
    unknown = [r for r in records if r not in _WAVEFORM_RECORDS]
    if unknown or not records:
        raise ValueError(
            f"records must be a non-empty subset of {list(_WAVEFORM_RECORDS)}, got "
            f"{list(records)!r}."
        )
    clean, stations, starts = _clean_bank(
        float(sampling_rate), n_long, tuple(records), time_split
    )
    y_idx = rng.permutation(np.repeat(np.arange(3), _class_counts(n_samples, weights)))
    base = rng.integers(0, len(clean), n_samples)
    start = rng.integers(0, n_long - n_times, n_samples, endpoint=True)
    X = clean[
        base[:, None, None],
        np.arange(3)[None, :, None],
        start[:, None, None] + np.arange(n_times),
    ]
    X = X - X.mean(axis=-1, keepdims=True)
    medium = y_idx == 1
    if medium.any():
        noise = AddNoise(
            snr_db=(0.0, 10.0), noise=_noise_bank(float(sampling_rate), n_times)
        )
        X[medium] = noise.augment_batch(X[medium], rng)
    bad = y_idx == 2
    if bad.any():
        X[bad] = _apply_faults(X[bad], rng)
    std = X.reshape(n_samples, -1).std(axis=1)
    X /= np.maximum(std, np.finfo(np.float32).tiny)[:, None, None]
    y = np.asarray(WAVEFORM_CLASSES, dtype=object)[y_idx]
    X = X.astype(np.float32, copy=False)
    if not return_metadata:
        return X, y
    t0 = [starts[b] + int(s) / sampling_rate for b, s in zip(base, start)]
    meta = Bunch(
        stations=np.asarray(stations, dtype=object)[base],
        starttimes=t0,
        endtimes=[t + n_times / sampling_rate for t in t0],
    )
    return X, y, meta


@dataclass(frozen=True)
class Benchmark:
    """One data set of the study suite.

    Attributes
    ----------
    name : str
    loader : callable
        ``loader(n_samples, random_state) -> (X, y)``.
    n_samples : int
        Default number of samples.
    classifier : {"miniception", "resnet"}
        The classifier the study fits on it.
    layout : {"gathers", "waveforms"}
        Gathers ``(n, n_time, n_traces)`` or waveforms ``(n, C, T)``.
    holdout : (callable, callable) or None
        ``(train_loader, test_loader)`` with the signature of ``loader`` whose
        draws are independent for different seeds (for a generator both are
        ``loader``; the real-waveform task tests on other records). ``None``:
        the data set has no independent test set (e.g. a user's file).
    description : str
    """

    name: str
    loader: object = field(repr=False)
    n_samples: int
    classifier: str
    layout: str
    holdout: object = field(repr=False)
    description: str


def _gathers(n_samples, random_state, *, shape, difficulty):
    return make_shot_gathers(
        n_samples, shape=shape, difficulty=difficulty, random_state=random_state
    )


def _waveforms(n_samples, random_state, records=_WAVEFORM_RECORDS, time_split="all"):
    return make_waveform_quality(
        n_samples, records=records, time_split=time_split, random_state=random_state
    )


def _gather_benchmark(name, shape, difficulty, n_samples, note=""):
    loader = functools.partial(_gathers, shape=shape, difficulty=difficulty)
    return Benchmark(
        name=name,
        loader=loader,
        n_samples=n_samples,
        classifier="miniception",
        layout="gathers",
        holdout=(loader, loader),
        description=(
            f"make_shot_gathers(shape={shape}, difficulty={difficulty}), "
            f"{n_samples} gathers by default, 1.76 % bad{note}"
        ),
    )


#: The data sets of the study suite, by name (``--datasets`` of the CLI).
BENCHMARKS = {
    b.name: b
    for b in (
        _gather_benchmark("gathers32_easy", (32, 32), 0.25, 1000),
        _gather_benchmark("gathers32_hard", (32, 32), 0.75, 1000),
        _gather_benchmark("gathers64_easy", (64, 64), 0.25, 1000),
        _gather_benchmark("gathers64_hard", (64, 64), 0.75, 1000),
        _gather_benchmark(
            "paper_count",
            (32, 32),
            0.5,
            5223,
            note=" (the paper's 5,223 gathers, 92 bad, at a CPU-sized shape)",
        ),
        Benchmark(
            name="waveform_quality",
            loader=_waveforms,
            n_samples=2000,
            classifier="resnet",
            layout="waveforms",
            holdout=(
                functools.partial(_waveforms, records=("mvo", "uh3")),
                functools.partial(_waveforms, records=("rjob", "cer")),
            ),
            description=(
                "make_waveform_quality(): real ObsPy records, good / medium "
                "(real noise at 0-10 dB) / bad (3 %, instrument faults), "
                "3 x 200 samples at 50 Hz"
            ),
        ),
        Benchmark(
            name="waveform_quality_in_domain",
            loader=functools.partial(_waveforms, records=("mvo", "uh3")),
            n_samples=2000,
            classifier="resnet",
            layout="waveforms",
            holdout=(
                functools.partial(
                    _waveforms, records=("mvo", "uh3"), time_split="train"
                ),
                functools.partial(
                    _waveforms, records=("mvo", "uh3"), time_split="test"
                ),
            ),
            description=(
                "make_waveform_quality() in-domain: trained on the first 70 % "
                "of each mvo/uh3 station record, tested on its last 30 % "
                "(a one-window guard gap, no overlap in time)"
            ),
        ),
    )
}


def load_benchmark(name, n_samples=None, *, random_state=None):
    """Draw one data set of the study suite by name.

    Parameters
    ----------
    name : str
        A key of :data:`BENCHMARKS`.
    n_samples : int, default=None
        Number of samples; ``None``: the data set's default.
    random_state : int, RandomState instance or None, default=None
        Seed of the generator.

    Returns
    -------
    X : ndarray
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from sklearn_seismo.datasets import BENCHMARKS, load_benchmark
    >>> sorted(BENCHMARKS)[:2]
    ['gathers32_easy', 'gathers32_hard']
    >>> X, y = load_benchmark("gathers32_easy", 100, random_state=0)
    >>> X.shape
    (100, 32, 32)
    """
    if name not in BENCHMARKS:
        raise ValueError(
            f"unknown data set {name!r}; choose among {sorted(BENCHMARKS)}."
        )
    bench = BENCHMARKS[name]
    if n_samples is None:
        n_samples = bench.n_samples
    return bench.loader(int(n_samples), random_state)
