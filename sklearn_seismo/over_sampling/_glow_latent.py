"""Latent sampling of GlowOversampler: pairing, mixing and acceptance.

Pure numpy/torch helpers (no estimator state): how parents are paired, how
their latents are mixed, the test that a decoded sample lies on the class's
data ("on the manifold"), and :func:`generate`, the draw-decode-accept loop
over a class's :class:`~._glow_model.ClassModel`.
"""

import numbers

import numpy as np
import torch
from imblearn.utils import check_neighbors_object
from sklearn.base import clone

from ..utils._artefacts import crest_factor, quiet_mask, trace_kurtosis
from ..utils._random import seed_from_random_state
from ._glow_layout import per_sample

# Redraws (new pair and coefficient) of decoded samples that fail acceptance;
# what is still rejected after them is moved towards its nearer parent (halving
# its distance), which always ends on the data but yields near-copies (that
# share is reported in ``accepted_lambdas_`` and warned about).
_MAX_REDRAWS = 16
_MAX_SHRINKS = 12


def slerp(a, b, lam):
    """Spherical interpolation of the directions of ``a`` and ``b`` (row-wise).

    The norm is interpolated linearly, so the result never shrinks towards the
    origin the way a linear mix of two near-orthogonal latents does.
    """
    shape = a.shape
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    lam = lam.reshape(-1, 1)
    na = a.norm(dim=1, keepdim=True)
    nb = b.norm(dim=1, keepdim=True)
    ua = a / na.clamp_min(1e-12)
    ub = b / nb.clamp_min(1e-12)
    cos = (ua * ub).sum(dim=1, keepdim=True).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    # Nearly parallel directions: slerp degenerates to the (normalised) lerp.
    small = sin < 1e-6
    safe = torch.where(small, torch.ones_like(sin), sin)
    wa = torch.where(small, 1.0 - lam, torch.sin((1.0 - lam) * omega) / safe)
    wb = torch.where(small, lam, torch.sin(lam * omega) / safe)
    u = wa * ua + wb * ub
    u = u / u.norm(dim=1, keepdim=True).clamp_min(1e-12)
    norm = (1.0 - lam) * na + lam * nb
    return (u * norm).reshape(shape)


def mix_latents(zs_a, zs_b, lam, interpolation):
    """Mix two lists of per-level latents with one coefficient per row."""
    lam_t = torch.from_numpy(np.asarray(lam, dtype=np.float32))
    mixed = []
    for za, zb in zip(zs_a, zs_b):
        if interpolation == "slerp":
            mixed.append(slerp(za, zb, lam_t))
        else:
            lam_b = lam_t.reshape(-1, *([1] * (za.ndim - 1)))
            mixed.append((1.0 - lam_b) * za + lam_b * zb)
    return mixed


def neighbours(k_neighbors, flat_latents):
    """Indices ``(n, k)`` of each sample's neighbours in latent space, or None.

    ``k_neighbors`` is an int (clipped to ``n - 1``), a fitted-or-not
    neighbours estimator with ``kneighbors`` (as :class:`~imblearn.over_sampling.SMOTE`
    takes; it is cloned and asked for one more neighbour than it returns,
    the sample itself), or ``None`` (random pairs).
    """
    n = len(flat_latents)
    if k_neighbors is None:
        return None
    if isinstance(k_neighbors, numbers.Integral):
        nn = check_neighbors_object(
            "k_neighbors", min(int(k_neighbors), n - 1), additional_neighbor=1
        )
    else:
        nn = clone(k_neighbors)
    nn.fit(flat_latents)
    k = getattr(nn, "n_neighbors", None)
    if k is not None and k > n:
        raise ValueError(
            f"k_neighbors={k_neighbors!r} asks for {k} neighbours but the class "
            f"has {n} samples; use at most n_neighbors={n}."
        )
    idx = nn.kneighbors(flat_latents, return_distance=False)
    return np.asarray(idx)[:, 1:]


def draw_pairs(rs, n, neigh, m):
    """``m`` parent pairs ``(a, b)`` of distinct samples and their ``lambda``."""
    a = rs.randint(n, size=m)
    if neigh is None:
        b = (a + 1 + rs.randint(n - 1, size=m)) % n
    else:
        b = neigh[a, rs.randint(neigh.shape[1], size=m)]
    return a, b, rs.uniform(size=m)


def artefact_stats(X):
    """Crest factor of each sample and the largest kurtosis of its traces.

    The statistics of ``utils._artefacts`` under the acceptance test's
    conventions: a silent sample keeps the IEEE quotient (NaN, never
    accepted) and a trace is dead below ``1e-12`` of its sample's power.

    Parameters
    ----------
    X : ndarray of shape (n_samples, C, *spatial)
        Traces run along the first spatial axis (time of a gather ``(C, T,
        n_traces)``, or the signal of ``(C, T)``).

    Returns
    -------
    crest : ndarray of shape (n_samples,)
        ``max |x| / rms(x)``.
    kurtosis : ndarray of shape (n_samples,)
        Largest (non-excess) kurtosis ``E[(x - m)^4] / var^2`` of the sample's
        live traces (dead, constant traces are ignored; 0 when all are).
    """
    crest = crest_factor(X, silent=None)
    kurt = trace_kurtosis(X, axis=2, dead="sample")
    return crest, kurt.reshape(len(kurt), -1).max(axis=1)


def acceptance_bounds(bpd, crest, kurt, margin):
    """Ranges a decoded sample must fall in: those of the class, widened.

    bits/dim may exceed the largest of the class by ``margin`` bits; crest
    factor and trace kurtosis may leave the class's range by a factor
    ``1 + margin`` on either side.
    """
    f = 1.0 + margin
    return {
        "bits_per_dim": (-np.inf, float(np.max(bpd)) + margin),
        "crest": (float(np.min(crest)) / f, float(np.max(crest)) * f),
        "kurtosis": (float(np.min(kurt)) / f, float(np.max(kurt)) * f),
    }


def accept(bounds, bpd, crest, kurt):
    """Boolean mask of the samples whose statistics are all within ``bounds``."""
    ok = np.isfinite(bpd) & np.isfinite(crest) & np.isfinite(kurt)
    for name, v in (("bits_per_dim", bpd), ("crest", crest), ("kurtosis", kurt)):
        lo, hi = bounds[name]
        with np.errstate(invalid="ignore"):
            ok &= (v >= lo) & (v <= hi)
    return ok


def carry_quiet(x, parents, layout, level):
    """Copy the quiet values of ``parents`` into decoded samples ``x``.

    Both are in the flow layout; ``x`` is changed in place and returned.
    """
    xc, pc = layout.crop(x), layout.crop(parents)
    mask = quiet_mask(pc, level=level)
    xc[mask] = pc[mask]
    return x


def residual(x, zs, t, decode):
    """What decoding at temperature ``t`` removes from samples ``x`` (flow
    layout) of per-level latents ``zs``: their own noise and fine detail
    (zero at ``t = 1``). ``noise_source="parent"`` adds it to a decode at
    ``t``."""
    return x - decode([t * z for z in zs])


def check_decoded(model, layout, x):
    """Renormalise decoded (padded) samples; test them for acceptance.

    Returns the cropped, unit-RMS samples (non-finite ones zeroed) and the
    mask of those accepted.
    """
    xc = layout.crop(x).astype(np.float64)
    flat = xc.reshape(len(xc), -1)
    with np.errstate(all="ignore"):
        rms = np.sqrt(np.mean(flat**2, axis=1))
        finite = np.isfinite(flat).all(axis=1) & (rms > 0) & np.isfinite(rms)
        xn = xc / per_sample(np.where(finite, rms, 1.0), xc.ndim)
    xn[~finite] = 0.0
    bpd = model.bits_per_dim(layout.pad(xn))
    crest, kurt = artefact_stats(xn)
    return xn, finite & accept(model.bounds, bpd, crest, kurt)


class _Pairs:
    """``mode="interpolate"``: both ends are training samples of the class.

    The second parent is a latent neighbour of the first; a rejected sample
    is moved towards its nearer parent, whose quiet values it carries.
    """

    def __init__(self, model, k_neighbors, rs):
        self.rs, self.data, self.zs = rs, model.data, model.latents
        self.log_s = np.log(model.scales)
        n = len(self.data)
        flat = torch.cat([z.reshape(n, -1) for z in self.zs], dim=1).numpy()
        self.neigh = neighbours(k_neighbors, flat)

    def draw(self, m):
        return draw_pairs(self.rs, len(self.data), self.neigh, m)

    def ends(self, a, b):
        return [z[a] for z in self.zs], [z[b] for z in self.zs]

    def log_scales(self, a, b):
        return self.log_s[a], self.log_s[b]

    def carrier(self, a, b, lam):
        """Index of the class sample whose particulars (quiet parts,
        residual) a sample carries: the nearer parent."""
        return np.where(lam < 0.5, a, b)

    def residual(self, c, t, decode):
        """:func:`residual` of class samples ``c``."""
        return residual(self.data[c], [z[c] for z in self.zs], t, decode)

    def shrink(self, lam):
        return np.where(lam < 0.5, lam / 2, 1 - (1 - lam) / 2)


class _Translations(_Pairs):
    """``mode="translate"``: end ``a`` is a sample of another class (or of the
    unlabelled pool) moved by the difference of the class latent means, end
    ``b`` one of its nearest samples of the class.

    ``lambda = 0`` decodes the translated source, 1 the class's own sample;
    a rejected sample moves towards the latter, whose quiet values (gaps,
    dead traces: what often defines the class) it always carries. The
    source's log-amplitude moves by the difference of the class means too,
    clipped to the class's range.
    """

    def __init__(self, model, k_neighbors, rs):
        self.rs, self.data, self.zs = rs, model.data, model.latents
        self.log_s = np.log(model.scales)
        self.src = [z + d for z, d in zip(model.source_latents, model.shift)]
        src_log = np.log(model.source_scales) + model.log_scale_shift
        self.src_log = np.clip(src_log, self.log_s.min(), self.log_s.max())
        n, m = len(self.data), len(self.src[0])
        flat = torch.cat([z.reshape(n, -1) for z in self.zs], dim=1).numpy()
        query = torch.cat([z.reshape(m, -1) for z in self.src], dim=1).numpy()
        self.neigh = nearest(k_neighbors, flat, query)

    def draw(self, m):
        a = self.rs.randint(len(self.src[0]), size=m)
        if self.neigh is None:
            b = self.rs.randint(len(self.data), size=m)
        else:
            b = self.neigh[a, self.rs.randint(self.neigh.shape[1], size=m)]
        return a, b, self.rs.uniform(size=m)

    def ends(self, a, b):
        return [z[a] for z in self.src], [z[b] for z in self.zs]

    def log_scales(self, a, b):
        return self.src_log[a], self.log_s[b]

    def carrier(self, a, b, lam):
        return b

    def shrink(self, lam):
        return 1 - (1 - lam) / 2


def nearest(k_neighbors, flat, query):
    """Indices ``(m, k)`` of the samples of ``flat`` nearest to each ``query``
    row (``k_neighbors`` as in :func:`neighbours`, clipped to ``len(flat)``,
    with no self to skip), or None for ``k_neighbors=None``."""
    if k_neighbors is None:
        return None
    if isinstance(k_neighbors, numbers.Integral):
        k = min(int(k_neighbors), len(flat))
        nn = check_neighbors_object("k_neighbors", k)
    else:
        nn = clone(k_neighbors)
    nn.fit(flat)
    return np.asarray(nn.kneighbors(query, return_distance=False))


def generate(model, layout, n_samples, rs, *, params):
    """Draw, decode and accept ``n_samples`` new samples of one class.

    Parameters
    ----------
    model : ClassModel
        With latents and bounds (and sources with ``mode="translate"``).
    layout : FlowLayout
    n_samples : int
    rs : numpy.random.RandomState
    params : dict
        The sampler's ``mode``, ``k_neighbors``, ``interpolation``,
        ``temperature``, ``sampling_temperature``, ``noise_source`` and
        ``quiet_level``.

    Returns
    -------
    X : ndarray of shape (n_samples, *sample_shape), float32
    rate : float
        Accepted share of the decodes before any move towards a parent (NaN
        for no sample).
    lambdas : ndarray of shape (n_samples,)
        Coefficient of each returned sample.
    """
    out = np.empty((n_samples, *layout.sample_shape), dtype=np.float32)
    if n_samples == 0:
        return out, float("nan"), np.empty(0)
    kind = _Translations if params["mode"] == "translate" else _Pairs
    pairs = kind(model, params["k_neighbors"], rs)
    lam_out = np.empty(n_samples)
    todo = np.arange(n_samples)
    a, b, lam = pairs.draw(n_samples)
    n_decoded = n_first = 0
    for attempt in range(_MAX_REDRAWS + _MAX_SHRINKS + 1):
        if 0 < attempt <= _MAX_REDRAWS:
            a, b, lam = pairs.draw(len(todo))
        elif attempt > _MAX_REDRAWS:
            # Still off the data: move towards a parent of the class, whose
            # own latent decodes exactly (this makes near-copies; reported).
            lam = pairs.shrink(lam)
        gen = torch.Generator().manual_seed(seed_from_random_state(rs))
        mixed = mix_latents(*pairs.ends(a, b), lam, params["interpolation"])
        if params["temperature"] > 0:
            mixed = [
                zm + params["temperature"] * torch.randn(zm.shape, generator=gen)
                for zm in mixed
            ]
        t = params["sampling_temperature"]
        reduced = t != 1 and attempt <= _MAX_REDRAWS
        if reduced:
            # the latents are standardised at every level: Glow's reduced
            # temperature (moves towards a parent decode at temperature 1)
            mixed = [t * zm for zm in mixed]
        x = model.decode(mixed)
        c = pairs.carrier(a, b, lam)
        if reduced and params["noise_source"] == "parent":
            # a clean decode plus a real sample's noise: the part of the
            # carrying parent that the same temperature removes from it
            x = x + pairs.residual(c, t, model.decode)
        if params["quiet_level"] is not None:
            x = carry_quiet(x, model.data[c], layout, params["quiet_level"])
        xn, ok = check_decoded(model, layout, x)
        if attempt <= _MAX_REDRAWS:
            n_decoded += len(todo)
            n_first += int(ok.sum())
        log_a, log_b = pairs.log_scales(a, b)
        s = np.exp((1 - lam) * log_a + lam * log_b)
        x = xn * per_sample(s, xn.ndim)
        out[todo[ok]] = x[ok].reshape(-1, *layout.sample_shape)
        lam_out[todo[ok]] = lam[ok]
        todo, a, b, lam = todo[~ok], a[~ok], b[~ok], lam[~ok]
        if len(todo) == 0:
            break
    else:
        raise RuntimeError(
            f"The flow of class {model.label!r} decoded {len(todo)} samples off "
            "the class's data even from latents next to real samples: it is "
            "numerically broken. Refit with a lower lr, more warmup_steps, "
            "coupling='additive' or a smaller model."
        )
    return out, n_first / max(n_decoded, 1), lam_out


def acceptance_advice(params):
    """What could raise the acceptance, naming only settings that differ from
    the sampler's current ``params`` (its ``get_params()``)."""
    advice = []
    coupling = params["coupling"]
    if params["pretrain"] != "all":
        advice.append("pretrain='all'")
    elif params["unlabeled_pool"] is None:
        advice.append("an unlabelled pool for pretraining (unlabeled_pool=...)")
    if any(
        c != "additive" for c in ([coupling] if isinstance(coupling, str) else coupling)
    ):
        advice.append("coupling='additive'")
    if params["pretrain"] == "all":
        advice.append(f"more pretrain_epochs (now {params['pretrain_epochs']})")
    else:
        advice.append(f"more max_epochs (now {params['max_epochs']})")
    k = params["k_neighbors"]
    if k is None:
        advice.append("nearest-neighbour parents (an int k_neighbors)")
    elif not isinstance(k, numbers.Integral):
        advice.append("fewer neighbours in k_neighbors")
    elif k > 1:
        advice.append(f"a lower k_neighbors (now {k})")
    return [
        "use " + ", ".join(advice),
        f"raise acceptance_margin (now {params['acceptance_margin']})",
    ]
