"""Latent sampling of GlowOversampler: pairing, mixing and acceptance.

Pure numpy/torch helpers (no estimator state): how parents are paired, how
their latents are mixed, and the test that a decoded sample lies on the
class's data ("on the manifold").
"""

import numbers

import numpy as np
import torch
from imblearn.utils import check_neighbors_object
from sklearn.base import clone

from ..utils._artefacts import crest_factor, trace_kurtosis


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
