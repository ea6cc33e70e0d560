"""Training of GlowOversampler's flows: pretraining, fine-tuning, early stopping.

Pure functions of their arguments (no estimator state): :func:`fit_flow`
trains one flow, and ``GlowOversampler(memory=...)`` caches it with
:class:`joblib.Memory`; :func:`fit_models` pretrains and fine-tunes the flows
of a fit and returns one :class:`~._glow_model.ClassModel` per class.
"""

import copy
import math
import time

import numpy as np
import torch

from ..flows import Glow, bits_per_dim, dequantize
from ..utils._random import seed_from_random_state
from ._glow_model import ClassModel, in_chunks

# Fresh optimiser restarts (with the learning rate halved each time) allowed after
# a non-finite loss or gradient before training gives up.
_MAX_RESTARTS = 4
# Gradient-norm clipping: a single outlier batch must not throw the flow into a
# region where exp(scale) overflows.
_MAX_GRAD_NORM = 100.0
# Width of the dequantisation noise, in units of the per-sample RMS, is the
# background-noise level of the data clipped to this range: below 2**-10 the
# density of a dead trace (exact zeros) could still grow without bound in
# practice, above 1/8 the noise would blur the signal the flow should model.
_MIN_BIN, _MAX_BIN = 2.0**-10, 2.0**-3
# A class whose largest RMS is below this carries no signal to model.
_MIN_ENERGY = float(np.finfo(np.float32).tiny)


def size_multiple(n_levels):
    """Multiple that the flow needs every spatial size to be (asked of ``Glow``)."""
    return Glow.size_multiple(n_levels)


def make_flow(in_channels, n_dim, flow_params):
    """Build an (untrained) flow.

    The one place a flow is built: tests substitute a stand-in by
    monkeypatching this module's ``Glow``.
    """
    return Glow(in_channels, n_dim=n_dim, **flow_params)


def state_arrays(flow):
    """A flow's ``state_dict`` as numpy arrays (joblib hashes them stably)."""
    return {k: v.detach().cpu().numpy().copy() for k, v in flow.state_dict().items()}


def dequantization_width(Xn):
    """Width of the symmetric dequantisation noise for normalised samples.

    The background-noise standard deviation of the data, estimated robustly
    from the first differences along the last axis of the traces that are not
    dead (``median(|diff|) / (0.6745 * sqrt(2))``, Donoho's estimator), clipped
    to ``[2**-10, 2**-3]``. Adding noise of about the data's own noise level
    changes the data distribution little, yet bounds the density every sample
    entry can get: exact zeros (dead traces, gaps) become noise of that level,
    so the flow cannot collapse onto them for an unbounded likelihood.

    Parameters
    ----------
    Xn : ndarray of shape (n_samples, C, *spatial)
        RMS-normalised samples.

    Returns
    -------
    width : float
    """
    X = np.asarray(Xn, dtype=np.float64)
    # traces along the first spatial axis (time of gathers) for 2-D data, the
    # last axis for 1-D signals
    d = np.abs(np.diff(X, axis=2))
    live = np.abs(X).max(axis=2, keepdims=True) > 0
    d = d[np.broadcast_to(live, d.shape)]
    if d.size == 0:
        return _MAX_BIN
    sigma = float(np.median(d)) / (0.6745 * math.sqrt(2.0))
    return float(np.clip(sigma, _MIN_BIN, _MAX_BIN))


def load_state(flow, state):
    """Load a ``state_dict`` of numpy arrays (as :func:`state_arrays` returns)."""
    flow.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})


def _lr_factor(step, warmup_steps, total_steps, power=1.0):
    """Linear warm-up to 1 then polynomial decay towards 0 (SeismoGlow, 5.2)."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    decay_steps = max(total_steps - warmup_steps, 1)
    return max(1.0 - (step - warmup_steps) / decay_steps, 0.0) ** power


def _snapshot(flow, optimizer, scheduler):
    return (
        {k: v.detach().clone() for k, v in flow.state_dict().items()},
        copy.deepcopy(optimizer.state_dict()),
        scheduler.state_dict(),
    )


def _mean_bpd(flow, X_t, noise, n_dims, bin_size, device):
    def chunk(s):
        lp = flow.log_prob((X_t[s] + noise[s]).to(device))
        return float(bits_per_dim(lp, n_dims, bin_size).sum())

    return sum(in_chunks(chunk, len(X_t))) / len(X_t)


def fit_flow(
    X,
    *,
    n_dim,
    flow_params,
    max_epochs,
    batch_size,
    lr,
    warmup_steps,
    seed,
    bin_size,
    X_val=None,
    patience=None,
    init_state=None,
    device="cpu",
    verbose=0,
    desc="Glow",
):
    """Train one flow on ``X`` (normalised and padded); a pure function.

    Used both to pretrain (``init_state=None``: data-dependent initialisation)
    and to fine-tune (``init_state``: the pretrained weights). With ``X_val``,
    the held-out bits/dim is measured before training and after every epoch;
    training stops after ``patience`` epochs without improvement and the best
    weights (possibly the initial ones) are returned.

    Parameters
    ----------
    X : ndarray of shape (n_samples, C, *spatial), float32
    n_dim : {1, 2}
    flow_params : dict
        Keyword arguments of :class:`sklearn_seismo.flows.Glow`.
    max_epochs, batch_size : int
    lr : float
        Peak learning rate.
    warmup_steps : int
    seed : int
    bin_size : float
        Width of the centred dequantisation noise.
    X_val : ndarray of shape (n_val, C, *spatial), default=None
    patience : int, default=None
        ``None``: no early stopping (all ``max_epochs`` run).
    init_state : dict, default=None
        ``state_dict`` to start from (numpy arrays, see :func:`state_arrays`).
    device : str
    verbose : int
    desc : str

    Returns
    -------
    result : dict
        ``flow`` (the trained flow in eval mode, with the best epoch's weights
        with ``X_val``; built once, here),
        ``history`` (training bits/dim per epoch), ``val_history`` (held-out
        bits/dim, entry 0 before training; empty without ``X_val``),
        ``best_epoch`` (0: the initial weights), ``n_restarts`` and ``lr``
        (the peak learning rate finally used).
    """
    from tqdm.auto import tqdm

    devices = [torch.device(device).index or 0] if device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        flow = make_flow(X.shape[1], n_dim, flow_params).to(device)
        flow.train()
        X_t = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
        n = len(X_t)
        n_dims = int(np.prod(X.shape[1:]))
        batch_size = min(batch_size, n)
        steps_per_epoch = math.ceil(n / batch_size)
        total_steps = max_epochs * steps_per_epoch
        warmup = min(warmup_steps, total_steps)

        def deq(x):
            return dequantize(x, bin_size, generator=gen, centered=True)

        if init_state is None:
            # ActNorm statistics from a batch as large as memory comfortably
            # allows (SeismoGlow 4.1): up to 256 samples.
            init_idx = torch.randperm(n, generator=gen)[:256]
            with torch.no_grad():
                flow.initialize(deq(X_t[init_idx]).to(device))
        else:
            load_state(flow, init_state)

        if X_val is not None:
            Xv = torch.from_numpy(np.ascontiguousarray(X_val, dtype=np.float32))
            # one fixed noise draw: epochs are compared on the same data
            v_noise = deq(torch.zeros_like(Xv))
            val_history = [_mean_bpd(flow, Xv, v_noise, n_dims, bin_size, device)]
            state0 = {k: v.detach().clone() for k, v in flow.state_dict().items()}
            best = (val_history[0], 0, state0)
        else:
            val_history, best = [], None

        lr_scale = [1.0]
        optimizer = torch.optim.Adam(flow.parameters(), lr=lr)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda step: lr_scale[0] * _lr_factor(step, warmup, total_steps),
        )
        good = _snapshot(flow, optimizer, scheduler)
        history, n_restarts, epoch = [], 0, 0
        bar = tqdm(total=max_epochs, desc=desc, disable=not verbose, leave=False)
        while epoch < max_epochs:
            perm = torch.randperm(n, generator=gen)
            losses, diverged = [], False
            for b in range(steps_per_epoch):
                idx = perm[b * batch_size : (b + 1) * batch_size]
                xb = deq(X_t[idx]).to(device)
                loss = bits_per_dim(flow.log_prob(xb), n_dims, bin_size).mean()
                if not torch.isfinite(loss):
                    diverged = True
                    break
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                grad_norm = torch.nn.utils.clip_grad_norm_(
                    flow.parameters(), _MAX_GRAD_NORM
                )
                if not torch.isfinite(grad_norm):
                    diverged = True
                    break
                optimizer.step()
                scheduler.step()
                losses.append(loss.item())
            if diverged:
                n_restarts += 1
                if n_restarts > _MAX_RESTARTS:
                    bar.close()
                    raise RuntimeError(
                        f"{desc}: training diverged (non-finite loss or gradient) "
                        f"{n_restarts} times, last at epoch {epoch + 1}, even with "
                        f"the learning rate lowered to {lr * lr_scale[0]:.3g}. "
                        "Lower lr, increase warmup_steps or batch_size, or use a "
                        "smaller model (n_steps, hidden_channels)."
                    )
                # Back to the end of the last finite epoch, at half the pace.
                flow.load_state_dict(good[0])
                optimizer.load_state_dict(good[1])
                scheduler.load_state_dict(good[2])
                lr_scale[0] *= 0.5
                for group, base in zip(optimizer.param_groups, scheduler.base_lrs):
                    group["lr"] = base * scheduler.lr_lambdas[0](scheduler.last_epoch)
                continue
            history.append(float(np.mean(losses)))
            good = _snapshot(flow, optimizer, scheduler)
            epoch += 1
            bar.update(1)
            postfix = {"bits_per_dim": f"{history[-1]:.3f}"}
            if X_val is not None:
                v = _mean_bpd(flow, Xv, v_noise, n_dims, bin_size, device)
                val_history.append(v)
                postfix["held_out"] = f"{v:.3f}"
                if v < best[0]:
                    best = (v, epoch, good[0])
            bar.set_postfix(postfix)
            if (
                best is not None
                and patience is not None
                and epoch - best[1] >= patience
            ):
                break
        bar.close()
        if best is not None:
            flow.load_state_dict(best[2])
    return {
        "flow": flow.eval(),
        "history": history,
        "val_history": val_history,
        "best_epoch": 0 if best is None else best[1],
        "n_restarts": n_restarts,
        "lr": lr * lr_scale[0],
    }


def class_data(Xn, scales, live, y, classes):
    """``{class: (normalised samples with energy, their scales)}``, checked.

    All-zero samples carry no shape to learn or mix, so they are left out;
    a class needs two samples with energy to interpolate between.
    """
    data = {}
    for cls in classes:
        mask = y == cls
        n_live = int(live[mask].sum())
        if float(scales[mask].max(initial=0.0)) < _MIN_ENERGY or not n_live:
            raise ValueError(
                f"Class {cls!r} has no energy: all its {int(mask.sum())} "
                "samples are zero (or denormal), so there is no waveform "
                "to learn or interpolate. Remove those samples or leave the "
                "class out of sampling_strategy."
            )
        if n_live < 2:
            raise ValueError(
                f"Class {cls!r} has {n_live} sample with energy; "
                "GlowOversampler needs at least 2 samples of a class to "
                "interpolate between them. Collect more samples of that "
                "class or leave it out of sampling_strategy (e.g. a dict "
                "naming only the other classes)."
            )
        data[cls] = (Xn[mask][live[mask]], scales[mask][live[mask]])
    return data


def fit_models(
    X,
    y,
    classes,
    layout,
    *,
    pools,
    settings,
    rs,
    memory,
    device,
    verbose,
    sources=False,
):
    """Pretrain (``settings["pretrain"] == "all"``), then fine-tune a flow per class.

    Parameters
    ----------
    X : ndarray of shape (n_samples, *sample_shape)
    y : ndarray of shape (n_samples,)
    classes : list
        Classes to fit a flow for, in order (their seeds are drawn in it).
    layout : FlowLayout
    pools : list of ndarray of shape (n_pool, *sample_shape)
        Validated unlabelled samples, added to pretraining only (and to the
        sources).
    settings : dict
        ``flow_params``, ``pretrain``, ``pretrain_epochs``, ``max_epochs``,
        ``patience``, ``validation_fraction``, ``batch_size``, ``lr``,
        ``warmup_steps``.
    rs : numpy.random.RandomState
        Source of every seed: pretraining, then per class its training and
        its generation.
    memory : joblib.Memory
    device : str
    verbose : int
    sources : bool, default=False
        Give each model the samples of the other classes and of the pools
        (``mode="translate"``).

    Returns
    -------
    pretrained : dict or None
        :func:`fit_flow`'s result for pretraining plus its ``cpu_seconds``
        (None without pretraining).
    models : dict
        Class -> :class:`~._glow_model.ClassModel` (without latents and
        acceptance bounds yet).
    """
    Xn_all, scales_all, live_all = layout.normalise(X)
    data = class_data(Xn_all, scales_all, live_all, y, classes)
    fit = memory.cache(fit_flow, ignore=["verbose", "desc"])
    common = dict(
        n_dim=layout.n_dim,
        flow_params=settings["flow_params"],
        batch_size=settings["batch_size"],
        lr=settings["lr"],
        warmup_steps=settings["warmup_steps"],
        device=device,
        verbose=verbose,
    )
    pools = [layout.normalise(pool, own_floor=True) for pool in pools]
    pools = [(Xp[live], sp[live]) for Xp, sp, live in pools]
    pretrain_seed = seed_from_random_state(rs)
    pretrained = init_state = None
    if settings["pretrain"] == "all" and classes:
        X_pre = np.concatenate([Xn_all[live_all]] + [Xp for Xp, _ in pools])
        bin_size = dequantization_width(layout.crop(X_pre))
        start = time.process_time()
        pretrained = fit(
            X_pre,
            max_epochs=settings["pretrain_epochs"],
            seed=pretrain_seed,
            bin_size=bin_size,
            desc="Glow pretraining",
            **common,
        )
        pretrained = {**pretrained, "cpu_seconds": time.process_time() - start}
        init_state = state_arrays(pretrained["flow"])

    models = {}
    for cls in classes:
        seed = seed_from_random_state(rs)
        Xn, scales = data[cls]
        if init_state is None:
            bin_size = dequantization_width(layout.crop(Xn))
        n = len(Xn)
        frac = settings["validation_fraction"]
        n_val = max(int(round(frac * n)), 1) if n >= 4 else 0
        perm = np.random.RandomState(seed).permutation(n)
        val, tr = perm[:n_val], perm[n_val:]
        start = time.process_time()
        result = fit(
            Xn[np.sort(tr)],
            X_val=Xn[np.sort(val)] if n_val else None,
            patience=settings["patience"] if n_val else None,
            init_state=init_state,
            max_epochs=settings["max_epochs"],
            seed=seed,
            bin_size=bin_size,
            desc=f"Glow[{cls}]",
            **common,
        )
        models[cls] = ClassModel(
            label=cls,
            flow=result["flow"],
            data=Xn,
            scales=scales,
            seed=seed_from_random_state(rs),
            dequantization_width=bin_size,
            history=list(result["history"]),
            val_history=list(result["val_history"]),
            best_epoch=result["best_epoch"],
            n_restarts=result["n_restarts"],
            cpu_seconds=time.process_time() - start,
            device=device,
        )
        if sources:
            other = live_all & (y != cls)
            if not other.any() and not pools:
                raise ValueError(
                    f"mode='translate' has no sample to translate into class "
                    f"{cls!r}: every sample with energy is of that class. Pass "
                    "an unlabeled_pool or use mode='interpolate'."
                )
            models[cls].sources = np.concatenate(
                [Xn_all[other]] + [Xp for Xp, _ in pools]
            )
            models[cls].source_scales = np.concatenate(
                [scales_all[other]] + [sp for _, sp in pools]
            )
    return pretrained, models
