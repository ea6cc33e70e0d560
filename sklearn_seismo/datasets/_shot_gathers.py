"""Synthetic marine shot gathers with swell noise and anomalous amplitudes."""

import numbers

import numpy as np
from pylops.utils.seismicevents import hyperbolic2d, linear2d
from pylops.utils.wavelets import ricker
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, validate_params

from ..utils._random import seed_from_random_state

CLASSES = ("good", "medium", "bad")

# Physical geometry of the full-resolution gather (the SeismoGlow images are
# 896 x 640 once padded): 896 samples at 4 ms and a 8 km streamer of 640
# groups at 12.5 m.  Smaller ``shape`` values sample the same record coarser.
RECORD_LENGTH = 3.584  # s
NEAR_OFFSET = 150.0  # m
STREAMER_LENGTH = 8000.0  # m
WATER_VELOCITY = 1500.0  # m/s
PEAK_FREQUENCY_RANGE = (15.0, 35.0)  # Hz, at full resolution
SWELL_FREQUENCY_RANGE = (0.5, 3.0)  # Hz, at full resolution
MAX_PRIMARIES = 8

# Severity centres of the three classes on a 0..1 scale (0 = clean,
# 1 = unusable); the class-conditional spread grows with ``difficulty``.
_SEVERITY_CENTRES = np.array([0.1, 0.45, 0.8])
_SEVERITY_THRESHOLD = 0.05
_VELOCITY_STEP = 100.0  # m/s, resolution of the cached moveout bank

TRACE_ANOMALIES = ("none", "dead", "spiky", "over-amplified")


def _class_counts(n_samples, weights):
    weights = np.asarray(weights, dtype=float)
    exact = weights / weights.sum() * n_samples
    counts = np.floor(exact).astype(int)
    # Largest remainders first, so the counts sum to n_samples exactly.
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n_samples - counts.sum()]] += 1
    return counts


def _frequency_scale(dt):
    # Keep the highest peak frequency below 40 % of Nyquist so the Ricker
    # wavelet is not aliased on coarse grids (what the low-pass of an
    # anti-aliased decimation of the full-resolution record would do).
    nyquist = 0.5 / dt
    return min(1.0, 0.4 * nyquist / PEAK_FREQUENCY_RANGE[1])


class _EventBank:
    """Unit-amplitude moveout curves from pylops, cached per (t0, velocity).

    pylops builds one event with a Python loop over traces; building every
    gather's events with it directly takes ~1.6 ms per 64 x 64 gather.  The
    events of all gathers are snapped to the time grid and to a 100 m/s
    velocity grid, so the distinct curves are few and each is built once.
    A curve has only about two non-zero samples per trace, so the bank is
    kept sparse (CSR) and gathers are composed by one ``np.bincount``.
    """

    def __init__(self, x, t):
        self.x, self.t = x, t
        self._index = {}
        self._curves = []
        self._delta = np.ones(1)

    def code(self, kind, it0, iv):
        key = (kind, int(it0), int(iv))
        idx = self._index.get(key)
        if idx is None:
            t0 = self.t[0] + it0 * (self.t[1] - self.t[0])
            if kind == 0:  # linear direct wave
                spikes, _ = linear2d(
                    self.x, self.t, WATER_VELOCITY, t0, 90.0, 1.0, self._delta
                )
            else:
                v = WATER_VELOCITY + iv * _VELOCITY_STEP
                spikes, _ = hyperbolic2d(self.x, self.t, t0, v, 1.0, self._delta)
            idx = len(self._curves)
            self._index[key] = idx
            flat = spikes.ravel()
            nz = np.flatnonzero(flat)
            self._curves.append((nz, flat[nz]))
        return idx

    def csr(self):
        lengths = np.array([len(nz) for nz, _ in self._curves])
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = np.concatenate([nz for nz, _ in self._curves])
        values = np.concatenate([v for _, v in self._curves])
        return indptr, indices, values


def _compose(csr, codes, amps, size):
    """Sum of amplitude-weighted bank curves per gather, flat (m * size,)."""
    indptr, indices, values = csr
    m, n_events = codes.shape
    c = codes.ravel()
    lengths = indptr[c + 1] - indptr[c]
    total = int(lengths.sum())
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    src = np.repeat(indptr[c], lengths) + (np.arange(total) - first)
    gather = np.repeat(np.arange(m).repeat(n_events), lengths)
    weights = np.repeat(amps.ravel(), lengths) * values[src]
    return np.bincount(gather * size + indices[src], weights, minlength=m * size)


def _draw_parameters(rng, y_idx, nt, nx, difficulty):
    n = len(y_idx)
    dt = RECORD_LENGTH / nt
    scale = _frequency_scale(dt)
    p = {}
    p["peak_frequency"] = rng.uniform(*PEAK_FREQUENCY_RANGE, n) * scale
    p["water_depth"] = rng.uniform(80.0, 900.0, n)
    p["n_reflections"] = rng.integers(3, MAX_PRIMARIES + 1, n)

    spread = 0.04 + 0.22 * difficulty
    severity = _SEVERITY_CENTRES[y_idx] + spread * rng.standard_normal(n)
    severity = np.clip(severity, 0.0, 1.0)
    p["severity"] = severity
    # Per-artefact jitter around what severity implies: also part of the
    # overlap, so it grows with difficulty too.
    jit = 0.05 + 0.3 * difficulty

    def jitter(size):
        return rng.uniform(1.0 - jit, 1.0 + jit, size)

    kind = rng.choice(3, size=n, p=[0.4, 0.3, 0.3])  # swell, amplitude, both
    active = severity >= _SEVERITY_THRESHOLD
    has_swell = active & (kind != 1)
    has_amp = active & (kind != 0)
    p["has_swell"], p["has_amp"] = has_swell, has_amp

    # Swell: one band of neighbouring traces, wider and stronger with
    # severity; amplitude relative to the RMS of the artefact-free gather.
    strength = (0.5 + 8.0 * severity) * jitter(n)
    p["swell_strength"] = np.where(has_swell, strength, 0.0)
    width = np.clip(np.round(nx * (0.05 + 0.35 * severity) * jitter(n)), 1, nx).astype(
        int
    )
    start = (rng.random(n) * (nx - width + 1)).astype(int)
    p["swell_start"] = np.where(has_swell, start, -1)
    p["swell_stop"] = np.where(has_swell, start + width, -1)
    # Swell keeps its physical 0.5-3 Hz where the grid allows it, but always
    # stays at most a third of the (possibly scaled) wavelet peak frequency.
    swell_f = np.minimum(
        rng.uniform(*SWELL_FREQUENCY_RANGE, n), p["peak_frequency"] / 3.0
    )
    p["swell_frequency"] = np.where(has_swell, swell_f, 0.0)

    n_anom = np.round(nx * 0.2 * severity * jitter(n))
    p["n_anomalous"] = np.where(has_amp, np.clip(n_anom, 1, nx), 0).astype(int)
    p["anomaly_gain"] = 1.5 + 6.0 * severity
    p["spike_amplitude"] = 3.0 + 15.0 * severity
    p["jitter"] = jit
    return p


def _clean_events(rng, p, bank, n, nt, dt):
    """Event codes and amplitudes (n, n_events) for every gather."""
    n_events = 3 + MAX_PRIMARIES
    codes = np.zeros((n, n_events), dtype=np.intp)
    amps = np.zeros((n, n_events), dtype=np.float32)
    t_wb = 2.0 * p["water_depth"] / WATER_VELOCITY
    it_wb = np.round(t_wb / dt).astype(int)
    reflectivity = rng.uniform(0.2, 0.5, n)
    direct_amp = rng.uniform(0.5, 1.0, n)
    mult_ratio = rng.uniform(0.5, 0.9, n)
    # Primaries: intercepts after the sea floor, RMS velocity rising with
    # depth (gradient in m/s per second of two-way time, kept monotonic).
    t0 = np.sort(rng.uniform(0.0, 1.0, (n, MAX_PRIMARIES)), axis=1)
    t0 = t_wb[:, None] + 0.05 + t0 * (0.95 * RECORD_LENGTH - t_wb[:, None])
    gradient = rng.uniform(400.0, 1000.0, n)
    v = WATER_VELOCITY + gradient[:, None] * (t0 - t_wb[:, None])
    v = np.maximum.accumulate(v * rng.uniform(0.97, 1.03, v.shape), axis=1)
    v = np.maximum(v, WATER_VELOCITY)
    r = rng.uniform(0.1, 0.4, v.shape) * rng.choice([-1.0, 1.0], v.shape)
    for i in range(n):
        codes[i, 0] = bank.code(0, 0, 0)
        amps[i, 0] = direct_amp[i]
        if it_wb[i] < nt:
            codes[i, 1] = bank.code(1, it_wb[i], 0)
            amps[i, 1] = reflectivity[i]
        if 2 * it_wb[i] < nt:
            codes[i, 2] = bank.code(1, 2 * it_wb[i], 0)
            amps[i, 2] = -reflectivity[i] * mult_ratio[i]
        for j in range(p["n_reflections"][i]):
            it0 = int(round(t0[i, j] / dt))
            if it0 >= nt:
                continue
            iv = int(round((v[i, j] - WATER_VELOCITY) / _VELOCITY_STEP))
            codes[i, 3 + j] = bank.code(1, it0, iv)
            amps[i, 3 + j] = r[i, j]
    return codes, amps


def _wavelet_spectra(freqs, t, nfft):
    """Zero-phase Ricker spectra (n, nfft // 2 + 1) via pylops' ricker."""
    dt = t[1] - t[0]
    wavelets = np.zeros((len(freqs), nfft))
    for i, f0 in enumerate(freqs):
        # 1.5 periods each side hold all of the Ricker's energy.
        half = min(int(np.ceil(1.5 / (f0 * dt))) + 1, len(t))
        half = max(half, 3) | 1  # odd: pylops would drop a sample and warn
        w, _, wc = ricker(t[: min(half, len(t) - 1 + len(t) % 2)], f0=f0)
        # Circularly centre the wavelet so convolution does not shift it.
        wavelets[i, : len(w) - wc] = w[wc:]
        wavelets[i, nfft - wc :] = w[:wc]
    return np.fft.rfft(wavelets, axis=-1).astype(np.complex64)


def _swell(rng, p, idx, nt, nx, dt):
    """Low-frequency, spatially coherent stripes over each gather's band."""
    m = len(idx)
    t = (np.arange(nt) * dt)[None, None, :]
    # Trace position in units of 1/64 of the streamer, whatever nx is.
    x = (np.arange(nx) * (64.0 / nx))[None, None, :]
    n_comp = 3
    f = p["swell_frequency"][idx][:, None] * rng.uniform(0.7, 1.3, (m, n_comp))
    phase = rng.uniform(0, 2 * np.pi, (m, n_comp))
    # A slow phase drift across traces keeps neighbouring traces coherent.
    drift = rng.uniform(-0.15, 0.15, (m, n_comp))
    weights = rng.dirichlet(np.ones(n_comp), m)
    # sin(a(t) + b(x)) = sin a cos b + cos a sin b: separable, so the
    # (m, nt, nx) field is two batched matrix products.
    a = 2 * np.pi * f[:, :, None] * t + phase[:, :, None]  # (m, k, nt)
    b = drift[:, :, None] * x  # (m, k, nx)
    w = weights[:, :, None]
    swell = np.matmul((w * np.sin(a)).transpose(0, 2, 1), np.cos(b))
    swell += np.matmul((w * np.cos(a)).transpose(0, 2, 1), np.sin(b))
    swell = swell.astype(np.float32)
    start = p["swell_start"][idx][:, None]
    stop = p["swell_stop"][idx][:, None]
    width = (stop - start).astype(float)
    pos = (np.arange(nx)[None, :] - start + 0.5) / width
    inside = (pos > 0) & (pos < 1)
    # sin bump across the band: strongest in the middle, fading at edges.
    taper = np.where(inside, np.sin(np.pi * np.clip(pos, 0, 1)) ** 0.5, 0.0)
    amp = p["swell_strength"][idx][:, None] * np.sqrt(2.0) * taper
    return swell * amp[:, None, :].astype(np.float32)


def _trace_anomalies(rng, p, idx, data, anomaly):
    """Dead, spiky or over-amplified traces, written into ``data`` in place."""
    m, nt, nx = data.shape
    n_anom = p["n_anomalous"][idx]
    order = np.argsort(rng.random((m, nx)), axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(nx)[None, :], axis=1)
    chosen = ranks < n_anom[:, None]
    types = rng.integers(1, 4, (m, nx))
    codes = np.where(chosen, types, 0).astype(np.int8)
    anomaly[:] = codes
    jit = p["jitter"]
    gain = p["anomaly_gain"][idx][:, None] * rng.uniform(1 - jit, 1 + jit, (m, nx))
    factor = np.where(codes == 3, gain, 1.0)
    factor = np.where(codes == 1, 0.0, factor)
    data *= factor[:, None, :].astype(np.float32)
    # Spiky traces: one to three large single-sample spikes each.
    gi, xi = np.nonzero(codes == 2)
    n_spikes = rng.integers(1, 4, len(gi))
    for k in range(3):
        sel = n_spikes > k
        ti = rng.integers(0, nt, sel.sum())
        amp = p["spike_amplitude"][idx][gi[sel]]
        amp = amp * rng.uniform(1 - jit, 1 + jit, sel.sum())
        amp *= rng.choice([-1.0, 1.0], sel.sum())
        data[gi[sel], ti, xi[sel]] += amp.astype(np.float32)


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "shape": [tuple, list],
        "weights": [tuple, list, np.ndarray],
        "difficulty": [Interval(numbers.Real, 0, 1, closed="both")],
        "return_metadata": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_shot_gathers(
    n_samples=5223,
    *,
    shape=(64, 64),
    weights=(0.6668, 0.3154, 0.0176),
    difficulty=0.5,
    return_metadata=False,
    random_state=None,
):
    """Generate synthetic marine shot gathers labelled good, medium or bad.

    A stand-in for the private SeismoGlow data set (5,223 towed-streamer shot
    gathers labelled by a geophysicist from swell noise and anomalous
    amplitudes, 66.68 / 31.54 / 1.76 %).  Each gather is built from:

    * towed-streamer geometry: offsets 150 m to 8.15 km increasing along the
      traces, a 3.584 s record (the paper's 896 x 640 image at 4 ms and
      12.5 m); any ``shape`` samples that same record;
    * a linear direct wave at 1500 m/s (``pylops.utils.seismicevents.linear2d``),
      the sea-floor reflection (water depth 80-900 m) and its free-surface
      multiple (reversed polarity), and 3-8 primaries with hyperbolic moveout
      and RMS velocity rising with depth (``hyperbolic2d``);
    * a zero-phase Ricker wavelet (``pylops.utils.wavelets.ricker``) with a
      random peak frequency of 15-35 Hz.  On coarse grids the peak
      frequencies are scaled down by one factor so that the highest stays at
      40 % of Nyquist, as an anti-aliased decimation of the full record would
      (at 64 samples the peaks are 1.5-3.6 Hz);
    * spherical-divergence decay ``1 / t`` and weak Gaussian ambient noise.

    Amplitudes are scaled so that each artefact-free gather has unit RMS;
    artefacts are then added on that scale (as in a fixed-gain display), so
    an artefact's strength is relative to the gather's signal.  Apply your
    own per-gather normalisation if a model needs it.

    Artefacts follow the paper's labelling criteria: *swell noise*
    (low-frequency 0.5-3 Hz, capped at a third of the gather's peak
    frequency, high-amplitude, spatially coherent stripes over a band of
    neighbouring traces) and *anomalous amplitudes* (dead, spiky or
    over-amplified traces).  Every gather draws a latent severity in [0, 1]
    around its class centre (good 0.1, medium 0.45, bad 0.8) with standard
    deviation ``0.04 + 0.22 * difficulty``; severity sets the swell strength
    (0.5 + 8 * severity times the signal RMS) and band width (5-40 % of the
    traces) and the number (about 20 % of the traces times severity) and
    strength of anomalous traces.  A gather shows swell, anomalous traces or
    both (probabilities 0.4 / 0.3 / 0.3); below severity 0.05 it is clean.
    Neighbouring classes therefore overlap, more with larger ``difficulty``.

    Measured baseline (``benchmarks/bench_datasets.py``, 5,223 gathers,
    default settings, stratified 5-fold CV, no resampling): a
    ``HistGradientBoostingClassifier`` on 14 simple per-gather features
    (trace RMS, spikiness, low-frequency power) reaches per-class F1 good
    0.89 / medium 0.74 / bad 0.38 and balanced accuracy 0.63; a
    ``LogisticRegression`` on the flattened 64 x 64 gathers reaches bad-class
    F1 0.09 and balanced accuracy 0.41.  With the same features, bad-class F1
    is 0.84 at ``difficulty=0`` and 0.06 at ``difficulty=1``.  The rare class
    is far from solved without resampling.

    Generating the default 5,223 gathers of 64 x 64 takes about 1.4 s of CPU
    time on one core of a shared 2-core machine (target: under 10 s), 5.6x
    less than building each gather's events with pylops directly.

    Parameters
    ----------
    n_samples : int, default=5223
        Number of gathers.
    shape : tuple of int, default=(64, 64)
        ``(n_time, n_traces)`` of each gather, e.g. ``(896, 640)`` for the
        paper's resolution.  Both must be at least 8.
    weights : sequence of 3 floats, default=(0.6668, 0.3154, 0.0176)
        Proportions of good, medium and bad gathers (normalised to sum to 1).
        Class counts are exact: ``floor(w * n)`` plus the remaining gathers to
        the largest remainders.
    difficulty : float in [0, 1], default=0.5
        Overlap of the classes' artefact severities: 0 nearly separable,
        1 heavy overlap.
    return_metadata : bool, default=False
        Also return per-gather metadata.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed and arguments give identical output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_time, n_traces), dtype float32
        The gathers (time down the rows, offset along the columns).
    y : ndarray of shape (n_samples,), dtype '<U6'
        ``"good"``, ``"medium"`` or ``"bad"``, shuffled.  A fixed-width
        string array, so ``np.savez(path, X=X, y=y)`` and ``np.load(path)``
        round-trip it without pickle.
    metadata : Bunch, only if ``return_metadata``
        Arrays with one row per gather: ``severity``, ``artefact``
        (``"none"``, ``"swell"``, ``"amplitude"``, ``"swell+amplitude"``),
        ``swell_strength``, ``swell_start``/``swell_stop`` (trace band, -1 if
        none), ``swell_frequency`` (Hz), ``swell_mask`` (n, n_traces) bool,
        ``trace_anomaly`` (n, n_traces) int8 codes into
        ``trace_anomaly_names`` (none, dead, spiky, over-amplified),
        ``bad_trace_mask`` (n, n_traces) bool, ``n_anomalous_traces``,
        ``peak_frequency`` (Hz), ``n_reflections`` (primaries), ``water_depth``
        (m), and the scalars ``dt`` (s), ``offsets`` (m).

    See Also
    --------
    read_shot_gathers : Real gathers from SEG-Y files.
    sklearn.datasets.make_classification : The generic analogue.

    References
    ----------
    .. [1] Milidiú, R. L. and Müller, L. (2021). SeismoGlow - data
       augmentation for the class imbalance problem.  Preprint, section 5.1.

    Examples
    --------
    >>> from sklearn_seismo.datasets import make_shot_gathers
    >>> X, y = make_shot_gathers(200, shape=(32, 24), random_state=0)
    >>> X.shape, X.dtype
    ((200, 32, 24), dtype('float32'))
    >>> [int((y == c).sum()) for c in ("good", "medium", "bad")]
    [133, 63, 4]
    """
    shape = tuple(shape)
    if len(shape) != 2 or not all(
        isinstance(s, numbers.Integral) and s >= 8 for s in shape
    ):
        raise ValueError(
            f"shape must be (n_time, n_traces) with two integers >= 8, got "
            f"{shape!r}; pass e.g. shape=(64, 64)."
        )
    try:
        weights = np.asarray(weights, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"weights must be 3 numbers (proportions of good, medium and bad), "
            f"got {weights!r}; pass e.g. (0.6668, 0.3154, 0.0176)."
        ) from exc
    if weights.shape != (3,):
        raise ValueError(
            f"weights must be 3 proportions for good, medium and bad, got "
            f"{weights.size} values {weights.tolist()!r}; pass e.g. "
            f"(0.6668, 0.3154, 0.0176)."
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError(
            f"weights must be finite, got {weights.tolist()!r}; replace NaN or "
            f"inf by a proportion, e.g. (0.6668, 0.3154, 0.0176)."
        )
    if np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(
            f"weights must be non-negative and not all zero, got "
            f"{weights.tolist()!r}; pass e.g. (0.6668, 0.3154, 0.0176)."
        )
    nt, nx = (int(s) for s in shape)
    rng = np.random.default_rng(seed_from_random_state(random_state))
    counts = _class_counts(n_samples, weights)
    y_idx = rng.permutation(np.repeat(np.arange(3), counts))

    dt = RECORD_LENGTH / nt
    t = np.arange(nt) * dt
    x = NEAR_OFFSET + np.arange(nx) * (STREAMER_LENGTH / nx)
    p = _draw_parameters(rng, y_idx, nt, nx, difficulty)
    bank = _EventBank(x, t)
    codes, amps = _clean_events(rng, p, bank, n_samples, nt, dt)
    csr = bank.csr()

    wavelet_len = int(np.ceil(1.5 / (p["peak_frequency"].min() * dt))) + 1
    nfft = int(2 ** np.ceil(np.log2(nt + min(wavelet_len, nt))))
    spectra = _wavelet_spectra(p["peak_frequency"], t, nfft)
    # 1/t spherical divergence, floored so the first samples stay finite.
    divergence = (1.0 / np.maximum(t, 0.1)).astype(np.float32)

    X = np.empty((n_samples, nt, nx), dtype=np.float32)
    swell_mask = np.zeros((n_samples, nx), dtype=bool)
    anomaly = np.zeros((n_samples, nx), dtype=np.int8)
    chunk = max(1, 2_000_000 // (nt * nx))
    for lo in range(0, n_samples, chunk):
        idx = np.arange(lo, min(lo + chunk, n_samples))
        spikes = _compose(csr, codes[idx], amps[idx], nx * nt)
        spikes = spikes.reshape(len(idx), nx, nt)
        spec = np.fft.rfft(spikes, n=nfft, axis=-1) * spectra[idx, None, :]
        gathers = np.fft.irfft(spec, n=nfft, axis=-1)[..., :nt].astype(np.float32)
        gathers = np.ascontiguousarray(gathers.transpose(0, 2, 1))
        gathers *= divergence[None, :, None]
        rms = np.sqrt(np.mean(gathers**2, axis=(1, 2), keepdims=True))
        gathers /= np.maximum(rms, np.finfo(np.float32).tiny)
        gathers += 0.03 * rng.standard_normal(gathers.shape, dtype=np.float32)

        sw = idx[p["has_swell"][idx]]
        if len(sw):
            gathers[sw - lo] += _swell(rng, p, sw, nt, nx, dt)
            band = np.arange(nx)[None, :]
            swell_mask[sw] = (band >= p["swell_start"][sw, None]) & (
                band < p["swell_stop"][sw, None]
            )
        am = idx[p["has_amp"][idx]]
        if len(am):
            sub = gathers[am - lo]
            anomaly_sub = np.zeros((len(am), nx), dtype=np.int8)
            _trace_anomalies(rng, p, am, sub, anomaly_sub)
            gathers[am - lo] = sub
            anomaly[am] = anomaly_sub
        X[idx] = gathers

    # Fixed-width unicode, not object: np.save/np.savez round-trip it without
    # pickle (np.load's allow_pickle=False default).
    y = np.asarray(CLASSES, dtype="<U6")[y_idx]
    if not return_metadata:
        return X, y
    artefact = np.full(n_samples, "none", dtype=object)
    artefact[p["has_swell"]] = "swell"
    artefact[p["has_amp"]] = "amplitude"
    artefact[p["has_swell"] & p["has_amp"]] = "swell+amplitude"
    metadata = Bunch(
        severity=p["severity"],
        artefact=artefact,
        swell_strength=p["swell_strength"],
        swell_start=p["swell_start"],
        swell_stop=p["swell_stop"],
        swell_frequency=p["swell_frequency"],
        swell_mask=swell_mask,
        trace_anomaly=anomaly,
        trace_anomaly_names=TRACE_ANOMALIES,
        bad_trace_mask=anomaly > 0,
        n_anomalous_traces=(anomaly > 0).sum(axis=1),
        peak_frequency=p["peak_frequency"],
        n_reflections=p["n_reflections"],
        water_depth=p["water_depth"],
        dt=dt,
        offsets=x,
    )
    return X, y, metadata
