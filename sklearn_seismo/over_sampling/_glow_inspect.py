"""The inspection methods of GlowOversampler: encode, decode, interpolate and
score_samples.

A mixin of :class:`~sklearn_seismo.over_sampling.GlowOversampler` (they are
its public methods), kept apart so that the estimator module holds fitting
and sampling. They use the fitted sampler's ``_check_class`` (the class's
:class:`~._glow_model.ClassModel`) and ``_layout``.
"""

import functools

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..utils import validate_samples
from ..utils._torch import estimator_torch_threads, limit_torch_threads
from . import _glow_latent as latent
from . import _glow_model
from ._glow_layout import per_sample


def torch_threads(method):
    """Run a public method at the estimators' torch thread count (as ``fit``
    does): robust to a loaded machine (see ``utils/_torch.py``)."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with limit_torch_threads(estimator_torch_threads()):
            return method(self, *args, **kwargs)

    return run


class LatentMethodsMixin:
    """Encode, decode, interpolate and score with a fitted sampler's flows."""

    def _check_values(self, values, n, name, low=-np.inf):
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim > 1 or (arr.ndim == 1 and len(arr) != n):
            raise ValueError(
                f"{name} must be a float or one value per sample ({n}), got "
                f"shape {arr.shape}."
            )
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} must be finite, got {values!r}.")
        if (arr < low).any():
            raise ValueError(
                f"{name} must be >= {low:g} (an RMS amplitude), got {values!r}; "
                "flip the polarity of the output instead if that is meant."
            )
        return np.broadcast_to(arr, (n,))

    @staticmethod
    def _refuse_non_finite(X, what, fix):
        bad = ~np.isfinite(X.reshape(len(X), -1)).all(axis=1)
        if bad.any():
            raise ValueError(
                f"{what}: {int(bad.sum())} of {len(X)} samples are not finite: "
                "the latents lie too far from the data for the flow's inverse "
                f"(or the amplitudes overflow). {fix}"
            )
        return X

    def _normalise(self, X):
        """Validated ``X`` as flow input, with its scales (fitted layout)."""
        X_nd, _ = validate_samples(
            self,
            X,
            reset=False,
            sample_shape=self.sample_shape_ if np.ndim(X) == 2 else None,
        )
        return self._layout.normalise(X_nd)[:2]

    @torch_threads
    def interpolate(self, X_a, X_b, lam, cls=None):
        """Decode the latent interpolation between two sets of samples.

        The operation behind every synthetic sample, exposed for inspection:
        ``X_a[i]`` and ``X_b[i]`` are encoded by the flow of ``cls``, their
        latents mixed at every level with coefficient ``lam[i]`` (using
        ``interpolation``; no ``temperature`` noise), decoded at
        ``sampling_temperature`` (plus the nearer end's residual with
        ``noise_source="parent"``, and its quiet values with ``quiet_level``,
        as :meth:`sample` does), and rescaled to the geometric interpolation
        of their RMS amplitudes. Unlike
        :meth:`sample`, no acceptance test is applied, but a result that is
        not finite (a ``lam`` far outside ``[0, 1]`` extrapolates beyond what
        the flow can invert) raises a ``ValueError``.

        Parameters
        ----------
        X_a, X_b : array-like of shape (n_samples, *sample_shape_)
            The two ends (2-D flattened input is accepted as well).
        lam : float or array-like of shape (n_samples,)
            Finite mixing coefficients; 0 gives ``X_a`` back, 1 gives ``X_b``
            (below ``sampling_temperature`` 1, only with
            ``noise_source="parent"``).
        cls : class label, default=None
            A key of ``flows_``; may be omitted when there is only one.

        Returns
        -------
        X : ndarray of shape (n_samples, *sample_shape_), float32
        """
        model = self._check_class(cls)
        Xa, sa = self._normalise(X_a)
        Xb, sb = self._normalise(X_b)
        if len(Xa) != len(Xb):
            raise ValueError(
                f"X_a and X_b must hold as many samples, got {len(Xa)} and "
                f"{len(Xb)}. Pair each sample of X_a with one of X_b."
            )
        lam = self._check_values(lam, len(Xa), "lam")
        za, zb = model.encode(Xa), model.encode(Xb)
        t = self.sampling_temperature
        zs = [t * z for z in latent.mix_latents(za, zb, lam, self.interpolation)]
        with np.errstate(over="ignore"):  # far extrapolations are refused below
            scales = np.exp((1.0 - lam) * np.log(sa) + lam * np.log(sb))
        x = model.decode(zs)
        near = lam < 0.5
        parents = np.where(per_sample(near, Xa.ndim), Xa, Xb)
        if t != 1 and self.noise_source == "parent":
            zp = [
                torch.where(torch.as_tensor(per_sample(near, a.ndim)), a, b)
                for a, b in zip(za, zb)
            ]
            x = x + latent.residual(parents, zp, t, model.decode)
        if self.quiet_level is not None:
            x = latent.carry_quiet(x, parents, self._layout, self.quiet_level)
        x = self._layout.to_samples(x)
        rms = np.sqrt(np.mean(np.square(x.reshape(len(x), -1), dtype=np.float64), 1))
        with np.errstate(all="ignore"):
            factor = np.where(rms > 0, scales / rms, scales)
            out = (x * per_sample(factor, x.ndim)).astype(np.float32)
        return self._refuse_non_finite(
            out,
            "interpolate",
            f"Keep lam within [0, 1] (got {lam.min():g} to {lam.max():g}).",
        )

    @torch_threads
    def score_samples(self, X, cls=None, *, flow="class"):
        """Log-likelihood of each sample under the flow of class ``cls``.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape_) or (n_samples, n_features)
        cls : class label, default=None
            A key of ``flows_``; may be omitted when there is only one.
            Ignored with ``flow="pretrained"``.
        flow : {"class", "pretrained"}, default="class"
            ``"pretrained"`` scores under the flow pretrained on every class
            (``pretrain="all"``) before fine-tuning: ``score_samples(X, cls) -
            score_samples(X, flow="pretrained")`` is the log-likelihood ratio
            of the class against the data as a whole.

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            ``log p(x / rms(x))`` in nats: the density of the RMS-normalised,
            padded sample (the flow models shape, not amplitude; the padded
            values are included), without dequantisation noise. Higher means
            more typical of the class.
        """
        if flow not in ("class", "pretrained"):
            raise ValueError(f"flow must be 'class' or 'pretrained', got {flow!r}.")
        if flow == "class":
            model = self._check_class(cls)
            return model.log_prob(self._normalise(X)[0])
        check_is_fitted(self, "flows_")
        if self._pretrained_flow is None:
            raise ValueError(
                "No pretrained flow: the sampler was fitted with "
                f"pretrain={self.pretrain!r} or had no class to oversample. "
                "Refit with pretrain='all' to score under the pretrained flow."
            )
        Xn = self._normalise(X)[0]
        return _glow_model.log_prob(self._pretrained_flow, Xn, self._device)

    @torch_threads
    def encode(self, X, cls=None):
        """Latents of ``X`` under the flow of class ``cls``.

        Parameters
        ----------
        X : array-like of shape (n_samples, *sample_shape_) or (n_samples, n_features)
        cls : class label, default=None
            A key of ``flows_``; may be omitted when there is only one.

        Returns
        -------
        zs : list of ndarray
            One array per level, ``(n_samples, *latent_shape)``, the last one the
            top latent, of the RMS-normalised, padded samples.
        """
        model = self._check_class(cls)
        return [z.numpy() for z in model.encode(self._normalise(X)[0])]

    @torch_threads
    def decode(self, zs, cls=None, scales=None):
        """Samples from latents (inverse of :meth:`encode`).

        Parameters
        ----------
        zs : list of array-like
            One finite array per level, as returned by :meth:`encode`.
            Latents too far from the data to decode to finite samples (e.g.
            encoded latents times 1e19) raise a ``ValueError``.
        cls : class label, default=None
            A key of ``flows_``; may be omitted when there is only one.
        scales : float or array-like of shape (n_samples,), default=None
            Non-negative amplitude (RMS) to give each sample; ``None`` returns
            the normalised (unit-RMS before cropping) samples the flow models.

        Returns
        -------
        X : ndarray of shape (n_samples, *sample_shape_), float32
        """
        model = self._check_class(cls)
        expected = model.flow.latent_shapes(self._layout.flow_shape)
        if not isinstance(zs, (list, tuple)) or len(zs) != len(expected):
            raise ValueError(
                f"zs must be a list of {len(expected)} arrays (one per level, as "
                f"returned by encode), got {type(zs).__name__} of "
                f"{len(zs) if isinstance(zs, (list, tuple)) else 'no'} entries."
            )
        zs = [np.asarray(z, dtype=np.float32) for z in zs]
        got = [tuple(z.shape[1:]) for z in zs]
        if got != [tuple(s) for s in expected] or len({len(z) for z in zs}) != 1:
            raise ValueError(
                f"zs must have per-sample shapes {expected} (one batch size for "
                f"all levels), got {[z.shape for z in zs]}; pass what encode "
                "returns (channels must match the flow)."
            )
        if not all(np.isfinite(z).all() for z in zs):
            raise ValueError("zs contains NaN or inf; latents must be finite.")
        if scales is not None:
            scales = self._check_values(scales, len(zs[0]), "scales", low=0.0)
        x = model.decode([torch.from_numpy(z) for z in zs])
        with np.errstate(all="ignore"):
            out = self._layout.to_samples(x, scales).astype(np.float32, copy=False)
        largest = max(float(np.abs(z).max(initial=0.0)) for z in zs)
        return self._refuse_non_finite(
            out,
            "decode",
            "Pass latents of the scale encode returns (about standard normal; "
            f"the largest |z| here is {largest:.3g}).",
        )
