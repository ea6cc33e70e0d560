"""Issue 23 screen: which generative-oversampling mechanism earns its place?

Every arm runs on the holdout draws of the study suite (training set ``i`` of
a data set drawn with seed ``random_state + 2i``, its independent test set
with ``random_state + 2i + 1``, as ``run_suite`` draws them) and on the same
classifier (the suite preset's Miniception or ResNet, seeded alike). Arms:

* references: ``none``, ``random``, ``augment`` (the study's arms);
* ``glow``: ``GlowOversampler`` as it is today;
* ``glow_T0.6``: sampling temperature 0.6 (issue 23 item 3,
  ``sampling_temperature``); ``glow_translate``: translation from the other
  classes (item 1, ``mode="translate"``); ``glow_translate_T0.6``: both;
  ``glow_quiet``: the learned noise floor removed where the nearer parent is
  quiet (item 3, ``quiet_level=0.01``: gaps and dead traces come back as the
  parent's values, not as the flow's low-level signal); ``glow_quiet_T0.6``:
  the cleaner decode at temperature 0.6 with the parent's quiet parts;
  ``glow_T0.6_parent``: the cleaner decode plus a real sample's noise (the
  parent's residual, ``noise_source="parent"``), ``glow_T0.6_parent_quiet``
  with its quiet parts too; ``glow_translate_quiet`` and
  ``glow_translate_T0.6_parent_quiet``: translation with the same fixes (the
  majority's variation, the rare sample's gaps and dead traces).
  Each runs only when ``GlowOversampler`` has the option;
* ``critic_smote``, ``critic_augment``, ``critic_glow``:
  :class:`~sklearn_seismo.over_sampling.CriticFilteredSampler` with the
  default classifier critic (3x candidates, the top-scored kept), and
  ``critic_glow_flow`` with the flow critic when ``GlowOversampler`` scores
  under its pretrained flow (item 2); ``critic_V`` filters the glow variant
  ``V`` (e.g. ``critic_glow_T0.6_parent_quiet``) when named in ``--arms``;
* ``glow+augment@s``: glow samples on top of augmentation, the glow taking the
  share ``s`` in 0.25 / 0.5 / 0.75 of the same budget (item 4; ``@0.5`` is the
  study's ``glow+augment``); ``V+augment@s`` stacks the glow variant ``V``
  (e.g. ``glow_quiet+augment@0.5``) and runs when named in ``--arms``.

An arm whose option is missing is skipped with the reason printed and written
in the report. Each arm's pipeline is fitted step by step as
``imblearn.pipeline.Pipeline.fit`` does (samplers' ``fit_resample``, then the
classifier), so that the synthetic samples it made can be judged too:

* rare-class F1 and average precision on the test set;
* two-sample AUC of the appended rare samples against the real rare training
  samples (``metrics.classifier_two_sample_test``, its default classifier,
  and a random forest as a second judge: the critic arms pick their samples
  with a classifier of the default's kind, so the default AUC alone would
  flatter them);
* quiet ratio (``metrics.artefact_ratios``), novelty (``metrics.novelty_ratio``
  against held-out rare samples of the test set);
* fit cost: the arm's fit time divided by the ``random`` arm's on the same
  training set in the same run (one torch and BLAS thread per fit; no flow
  cache, so every glow arm pays its own training).

Any arm of the study (``sklearn_seismo.study.ALL_ARMS``, e.g. ``threshold``,
``focal``) can be added with ``--arms``; ``make_arms`` builds it.

Run: ``OMP_NUM_THREADS=1 python benchmarks/glow/bench_glow_v3_screen.py --n-jobs 2``
(the quick suite's data sets, training sets and settings).

Result: ``benchmarks/results/glow_v3_screen.md`` (with ``.csv`` and ``.png``).

``--preset full --arms none random augment ... <finalists>`` runs the same
measures on the full suite's data sets and settings (issue 23 item 5; hours)
and writes ``benchmarks/results/glow_v3_full.md``.

``--samples-only`` fits only the samplers and judges their samples (no
classifier: F1, AP and cost are left empty). With ``--cache`` pointed at the
``--cache`` folder of a study suite run, ``GlowOversampler`` loads that run's
trained flows instead of training them, so the samples judged are the very
ones the suite's classifiers were trained on, in seconds per arm: the
two-sample AUC, quiet ratio and novelty of the full suite's arms (issue 23
item 5) without refitting it:
``python benchmarks/glow/bench_glow_v3_screen.py --preset full --samples-only
--cache SUITE_CACHE --arms random augment glow glow_clean ...``
(``results/glow_v3_full_samples.md``). A flow that is not in the cache is
trained and written there (the suite would then load it).

``--quick`` is a smoke run on tiny data (one small data set, one training set,
one epoch; a few minutes, numbers meaningless; it takes no ``--preset``),
written to a temporary folder unless ``--out`` is given:
``OMP_NUM_THREADS=1 python benchmarks/glow/bench_glow_v3_screen.py --quick --n-jobs 2``
"""

import csv
import sys
import warnings
from pathlib import Path

import numpy as np

# benchmarks/: the shared harness
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _harness import (  # noqa: E402
    argument_parser,
    command_line,
    header,
    report_path,
    timed,
    write_report,
)

SHARES = (0.25, 0.5, 0.75)
REFERENCES = ("none", "random", "augment")
# GlowOversampler variants of issue 23 (items 1 and 3) and their combination;
# an arm runs only when the installed GlowOversampler accepts its parameters.
GLOW_VARIANTS = {
    "glow": {},
    "glow_T0.6": {"sampling_temperature": 0.6},
    "glow_translate": {"mode": "translate"},
    "glow_translate_T0.6": {"mode": "translate", "sampling_temperature": 0.6},
    "glow_quiet": {"quiet_level": 0.01},
    "glow_quiet_T0.6": {"quiet_level": 0.01, "sampling_temperature": 0.6},
    "glow_T0.6_parent": {"sampling_temperature": 0.6, "noise_source": "parent"},
    "glow_T0.6_parent_quiet": {
        "sampling_temperature": 0.6,
        "noise_source": "parent",
        "quiet_level": 0.01,
    },
    # translation with the noise-floor fixes: the majority's variation, the
    # rare sample's gaps and dead traces
    "glow_translate_quiet": {"mode": "translate", "quiet_level": 0.01},
    "glow_translate_T0.6_parent_quiet": {
        "mode": "translate",
        "sampling_temperature": 0.6,
        "noise_source": "parent",
        "quiet_level": 0.01,
    },
}
COLUMNS = (
    "f1",
    "ap",
    "c2st",
    "c2st_rf",
    "quiet",
    "novelty",
    "fit_time",
    "fit_cpu",
    "cost",
)


# ------------------------------------------------------------------ settings
def settings(quick, preset="quick"):
    from sklearn_seismo.study import SUITES

    cfg = SUITES[preset]
    out = {
        "datasets": tuple(cfg["datasets"]),
        "n_samples": cfg["n_samples"],
        "n_test": cfg["n_test"],
        "seeds": cfg["seeds"],
        "n_synthetic": cfg["n_synthetic"],
        "classifier": dict(cfg["classifier"]),
        "glow": dict(cfg["glow"]),
        "heldout": 200,
    }
    if quick:
        out.update(
            datasets=("gathers32_easy",),
            n_samples=500,
            n_test=1000,
            seeds=1,
            n_synthetic=20,
            classifier={"max_epochs": 1, "batch_size": 64, "n_blocks": 1, "alpha": 1},
            glow={
                "n_levels": 2,
                "n_steps": 1,
                "hidden_channels": 8,
                "pretrain_epochs": 1,
                "max_epochs": 2,
                "batch_size": 32,
            },
            heldout=50,
        )
    return out


def _accepts(glow, params):
    """Whether this GlowOversampler takes ``params`` (its validation says)."""
    from sklearn.base import clone

    names = glow.get_params(deep=False)
    if not set(params) <= set(names):
        return False
    try:
        clone(glow).set_params(**params)._validate_params()
    except (ValueError, TypeError):
        return False
    return True


def optional_arms(glow):
    """``{arm: reason}`` of the arms this installation cannot run."""
    import inspect

    from sklearn_seismo.over_sampling import GlowOversampler

    skipped = {
        name: f"GlowOversampler does not accept {params} (not in this version)"
        for name, params in GLOW_VARIANTS.items()
        if not _accepts(glow, params)
    }
    if "flow" not in inspect.signature(GlowOversampler.score_samples).parameters:
        skipped["critic_glow_flow"] = (
            "GlowOversampler.score_samples has no flow='pretrained' yet"
        )
    return skipped


def arm_names():
    return (
        *REFERENCES,
        *GLOW_VARIANTS,
        "critic_smote",
        "critic_augment",
        "critic_glow",
        "critic_glow_flow",
        *(f"glow+augment@{s}" for s in SHARES),
    )


# ---------------------------------------------------------------------- arms
def build_arms(
    names, *, minority, sample_shape, n_rare, cfg, waveforms, seed, memory=None
):
    """``{arm: imblearn Pipeline}`` on the flattened layout, as the study's.

    ``memory``: the glow's flow cache (a suite's ``--cache`` folder).
    """
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import Pipeline
    from sklearn.base import clone

    from sklearn_seismo.augmentation import AugmentationSampler
    from sklearn_seismo.over_sampling import CriticFilteredSampler, GlowOversampler
    from sklearn_seismo.study import ALL_ARMS, AddSamples, default_augmenter, make_arms

    n = cfg["n_synthetic"]
    if waveforms:
        from sklearn_seismo.neural import ResNetClassifier as Classifier
    else:
        from sklearn_seismo.neural import MiniceptionClassifier as Classifier
    known = Classifier().get_params(deep=False)
    params = dict(cfg["classifier"], device="cpu", random_state=seed)
    clf = Classifier(**{k: v for k, v in params.items() if k in known})
    clf.set_params(sample_shape=sample_shape)
    glow = GlowOversampler(
        **cfg["glow"],
        n_dim=1 if waveforms else 2,
        sample_shape=sample_shape,
        device="cpu",
        random_state=seed,
        memory=memory,
    )
    augmenter = default_augmenter(sample_shape, time_axis=-1 if waveforms else 1)
    k = max(1, min(5, n_rare - 1))
    pipes = make_arms(
        minority=minority,
        sample_shape=sample_shape,
        arms=[a for a in names if a in ALL_ARMS],
        n_synthetic=n,
        classifier=clf,
        glow=glow,
        augmenter=augmenter,
        k_neighbors=k,
        random_state=seed,
    )

    def pipe(oversample, augment="passthrough"):
        return Pipeline(
            [("oversample", oversample), ("augment", augment), ("clf", clone(clf))]
        )

    def glow_n(count, **extra):
        return clone(glow).set_params(
            sampling_strategy=AddSamples(minority, count), **extra
        )

    def augment_n(count):
        return AugmentationSampler(
            augmenter,
            sampling_strategy=AddSamples(minority, count),
            sample_shape=sample_shape,
            random_state=seed,
        )

    def critic(inner, **extra):
        return CriticFilteredSampler(
            inner,
            sampling_strategy=AddSamples(minority, n),
            sample_shape=sample_shape,
            random_state=seed,
            **extra,
        )

    builders = {
        "critic_smote": lambda: pipe(critic(SMOTE(k_neighbors=k, random_state=seed))),
        "critic_augment": lambda: pipe(
            critic(
                AugmentationSampler(
                    augmenter, sample_shape=sample_shape, random_state=seed
                )
            )
        ),
        "critic_glow_flow": lambda: pipe(critic(clone(glow), critic="flow")),
    }
    for name, extra in GLOW_VARIANTS.items():
        # critic_glow is the default glow's; critic_V any variant's
        builders[f"critic_{name}"] = lambda e=extra: pipe(
            critic(clone(glow).set_params(**e))
        )
    for name, extra in GLOW_VARIANTS.items():
        builders.setdefault(name, lambda extra=extra: pipe(glow_n(n, **extra)))
    for variant, extra in GLOW_VARIANTS.items():
        for share in SHARES:
            n_glow = max(1, int(round(share * n)))
            builders[f"{variant}+augment@{share}"] = lambda g=n_glow, e=extra: pipe(
                glow_n(g, **e), augment_n(max(1, n - g))
            )
    for name in names:
        if name not in pipes:
            pipes[name] = builders[name]()
    warm = (clone(clf), clone(glow), minority)
    return {name: pipes[name] for name in names}, warm


# ---------------------------------------------------------------------- units
def _c2st_rf(seed):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(
        make_union(FunctionTransformer(), FunctionTransformer(np.abs)),
        RandomForestClassifier(
            n_estimators=200, min_samples_leaf=2, n_jobs=1, random_state=seed
        ),
    )


def _quality(real, new, heldout, sample_shape, time_axis, seed):
    from sklearn_seismo.metrics import (
        artefact_ratios,
        classifier_two_sample_test,
        novelty_ratio,
    )

    out = dict.fromkeys(("c2st", "c2st_rf", "quiet", "novelty"), float("nan"))
    if len(new) == 0:
        return out
    cv = min(5, len(real), len(new))
    real_nd = real.reshape(len(real), *sample_shape)
    new_nd = new.reshape(len(new), *sample_shape)
    checks = {
        "c2st": lambda: classifier_two_sample_test(
            real_nd, new_nd, cv=cv, random_state=seed
        ),
        "c2st_rf": lambda: classifier_two_sample_test(
            real_nd, new_nd, cv=cv, estimator=_c2st_rf(seed), random_state=seed
        ),
        "quiet": lambda: artefact_ratios(real_nd, new_nd, time_axis=time_axis)[
            "quiet_fraction"
        ],
        "novelty": lambda: novelty_ratio(
            real_nd, new_nd, heldout.reshape(len(heldout), *sample_shape)
        ),
    }
    for key, func in checks.items():
        try:
            out[key] = float(func())
        except ValueError as exc:  # e.g. too few distinct samples for the folds
            warnings.warn(f"{key}: {exc}", stacklevel=2)
    return out


def _fit_arm(pipe, X_tr, y_tr, samples_only=False):
    """Fit the pipeline's steps as ``Pipeline.fit`` does; keep the resampled data.

    ``samples_only``: the samplers only (the classifier is ``None``).
    """
    from sklearn.base import clone

    X_res, y_res = X_tr, y_tr
    for _, step in pipe.steps[:-1]:
        if step != "passthrough":
            X_res, y_res = clone(step).fit_resample(X_res, y_res)
    if samples_only:
        return None, X_res, y_res
    clf = clone(pipe.steps[-1][1]).fit(X_res, y_res)
    return clf, X_res, y_res


_WARM = []


def _warm_up(warm, X_tr, y_tr):
    """One untimed tiny classifier and glow fit per worker process.

    The first torch fit of a process pays for lazy imports and kernel set-up
    (about a CPU-second here); without this the first units of each worker
    (``none``, ``random``: the cost reference) would carry it.
    """
    from sklearn.base import clone

    from sklearn_seismo.study import AddSamples

    if _WARM:
        return
    clf, glow, minority = warm
    keep = np.r_[
        np.flatnonzero(y_tr != minority)[:30], np.flatnonzero(y_tr == minority)
    ]
    X, y = X_tr[keep], y_tr[keep]
    clf = clone(clf)
    if "max_epochs" in clf.get_params():
        clf.set_params(max_epochs=1)
    clf.fit(X, y)
    clone(glow).set_params(
        sampling_strategy=AddSamples(minority, 2),
        pretrain_epochs=1,
        max_epochs=1,
    ).fit_resample(X, y)
    _WARM.append(True)


def run_unit(
    arm,
    pipe,
    X_tr,
    y_tr,
    X_te,
    y_te,
    *,
    minority,
    meta,
    quality_args,
    warm,
    samples_only=False,
):
    """Fit one arm's pipeline step by step; score it and judge its samples."""
    from sklearn.metrics import average_precision_score, f1_score

    # imported before the clock starts: the first unit of a worker must not
    # pay for loading torch
    import sklearn_seismo.neural  # noqa: F401
    import sklearn_seismo.over_sampling  # noqa: F401
    from sklearn_seismo.utils import limit_torch_threads

    row = {**meta, "arm": arm, "error": ""}
    try:
        with limit_torch_threads(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if not samples_only:
                _warm_up(warm, X_tr, y_tr)
            (clf, X_res, y_res), t = timed(_fit_arm, pipe, X_tr, y_tr, samples_only)
            row["fit_time"], row["fit_cpu"] = t.wall_s, t.cpu_s
            n = len(X_tr)
            new = np.asarray(X_res)[n:][np.asarray(y_res)[n:] == minority]
            row["n_new"] = len(new)
            row.update(_quality(X_tr[y_tr == minority], new, **quality_args))
            if clf is None:
                return row
            proba = clf.predict_proba(X_te)
            rare = list(clf.classes_).index(minority)
            # predict, not the argmax of the probabilities: the threshold
            # arms' classifier moves the rare class's threshold
            pred = clf.predict(X_te)
            row["f1"] = float(f1_score(y_te, pred, labels=[minority], average="macro"))
            row["ap"] = float(average_precision_score(y_te == minority, proba[:, rare]))
    except Exception as exc:  # recorded, as the study's on_error="record"
        row["error"] = f"{type(exc).__name__}: {exc}"
    return row


def draws(name, cfg, random_state):
    """The suite's holdout draws of one data set: (X_tr, y_tr, X_te, y_te, i)."""
    from sklearn_seismo.datasets import BENCHMARKS

    bench = BENCHMARKS[name]
    train_loader, test_loader = bench.holdout
    for i in range(cfg["seeds"]):
        n_train = bench.n_samples if cfg["n_samples"] is None else cfg["n_samples"]
        X_tr, y_tr = train_loader(n_train, random_state + 2 * i)
        X_te, y_te = test_loader(cfg["n_test"], random_state + 2 * i + 1)
        # as run_suite asserts: no training sample is in the test set
        train_rows = {row.tobytes() for row in np.asarray(X_tr).reshape(len(X_tr), -1)}
        if any(
            row.tobytes() in train_rows
            for row in np.asarray(X_te).reshape(len(X_te), -1)
        ):
            raise RuntimeError(
                f"{name}: training set {i} shares samples with its test set"
            )
        yield (
            bench,
            np.asarray(X_tr),
            np.asarray(y_tr),
            np.asarray(X_te),
            np.asarray(y_te),
            i,
        )


def run(cfg, names, n_jobs, random_state, *, memory=None, samples_only=False):
    from joblib import Parallel, delayed

    units = []
    for name in cfg["datasets"]:
        for bench, X_tr, y_tr, X_te, y_te, i in draws(name, cfg, random_state):
            sample_shape = X_tr.shape[1:]
            labels, counts = np.unique(y_tr, return_counts=True)
            minority = labels[np.argmin(counts)]
            if isinstance(minority, np.generic):
                minority = minority.item()
            waveforms = bench.layout == "waveforms"
            pipes, warm = build_arms(
                names,
                minority=minority,
                sample_shape=sample_shape,
                n_rare=int(counts.min()),
                cfg=cfg,
                waveforms=waveforms,
                seed=random_state,
                memory=memory,
            )
            Xf_tr, Xf_te = X_tr.reshape(len(X_tr), -1), X_te.reshape(len(X_te), -1)
            heldout = Xf_te[y_te == minority][: cfg["heldout"]]
            quality_args = {
                "heldout": heldout,
                "sample_shape": sample_shape,
                "time_axis": -1 if waveforms else 1,
                "seed": random_state,
            }
            meta = {"dataset": name, "split": i, "minority": minority}
            for arm, pipe in pipes.items():
                units.append(
                    delayed(run_unit)(
                        arm,
                        pipe,
                        Xf_tr,
                        y_tr,
                        Xf_te,
                        y_te,
                        minority=minority,
                        meta=meta,
                        quality_args=quality_args,
                        warm=warm,
                        samples_only=samples_only,
                    )
                )
    print(f"{len(units)} fits on {n_jobs} worker(s)", flush=True)
    rows = Parallel(n_jobs=n_jobs, verbose=10 if n_jobs > 1 else 0)(units)
    # CPU seconds rather than wall: other jobs on a shared machine stretch the
    # wall time of whichever fit they overlap, not its CPU time (one thread)
    ref = {
        (r["dataset"], r["split"]): r.get("fit_cpu", np.nan)
        for r in rows
        if r["arm"] == "random"
    }
    # flows loaded from a cache, or no classifier: not a fit's cost
    timed_fit = memory is None and not samples_only
    for row in rows:
        row["cost"] = (
            row.get("fit_cpu", np.nan) / ref.get((row["dataset"], row["split"]), np.nan)
            if timed_fit
            else np.nan
        )
    return rows


# -------------------------------------------------------------------- report
def _values(rows, dataset, arm, key):
    return np.array(
        [
            float(r.get(key, np.nan))
            for r in rows
            if r["dataset"] == dataset and r["arm"] == arm and not r["error"]
        ],
        dtype=float,
    )


def _fmt(v, scale=1.0, digits=1):
    v = v[np.isfinite(v)] * scale
    if len(v) == 0:
        return "n/a"
    if len(v) == 1:
        return f"{v[0]:.{digits}f}"
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f}"


def _by_split(rows, dataset, arm, key):
    return {
        r["split"]: float(r.get(key, np.nan))
        for r in rows
        if r["dataset"] == dataset and r["arm"] == arm and not r["error"]
    }


def _paired(rows, dataset, arm, reference):
    """Mean paired difference (points) of F1 and AP, and wins, vs ``reference``."""
    if arm == reference:
        return "-"
    out = []
    for key in ("f1", "ap"):
        a = _by_split(rows, dataset, arm, key)
        b = _by_split(rows, dataset, reference, key)
        common = sorted(set(a) & set(b))
        diff = np.array([a[s] - b[s] for s in common]) * 100
        diff = diff[np.isfinite(diff)]
        if len(diff) == 0:
            return "n/a"
        out.append(f"{diff.mean():+.1f} ({int((diff > 0).sum())}/{len(diff)})")
    return " / ".join(out)


def mean_ranks(rows, datasets, arms, key):
    """Mean over data sets of each arm's rank (1 = best mean score)."""
    from scipy.stats import rankdata

    ranks = []
    for d in datasets:
        means = np.array([np.nanmean(_values(rows, d, a, key)) for a in arms])
        if np.isnan(means).all():
            continue
        ranks.append(rankdata(-np.nan_to_num(means, nan=-np.inf)))
    return np.mean(ranks, axis=0) if ranks else np.full(len(arms), np.nan)


def read_rows(paths):
    """The rows of earlier runs' CSVs, numbers as floats (``split`` as int).

    An arm run again on the same training set (``random``, the cost
    reference of every run) keeps its first row; its scores must agree to
    the bit, which shows the runs drew the same data and fitted alike.
    """
    rows = {}
    for path in paths:
        with open(path, newline="") as fh:
            for row in csv.DictReader(fh):
                for key in ("n_new", *COLUMNS):
                    row[key] = float(row[key]) if row[key] != "" else float("nan")
                row["split"] = int(row["split"])
                key = (row["dataset"], row["split"], row["arm"])
                first = rows.setdefault(key, row)
                # NaN-aware: a samples-only run has no F1 or AP
                seen = [first[k] for k in ("f1", "ap", "c2st")]
                if not np.array_equal(
                    seen, [row[k] for k in ("f1", "ap", "c2st")], equal_nan=True
                ):
                    raise SystemExit(
                        f"{path}: arm {key[2]!r} on training set {key[1]} of "
                        f"{key[0]!r} scored differently in an earlier CSV "
                        f"(F1, AP, C2ST {seen} against "
                        f"{[row[k] for k in ('f1', 'ap', 'c2st')]}): the runs did "
                        "not draw or fit alike, so they cannot share a report."
                    )
    return list(rows.values())


def write(rows, cfg, names, skipped, args, wall, path, command):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = ["dataset", "split", "minority", "arm", "n_new", *COLUMNS, "error"]
    with open(path.with_suffix(".csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    lines = header(
        (
            "Issue 23: the arms' synthetic samples, judged without a classifier"
            if args.samples_only
            else "Issue 23 screen: generative oversampling mechanisms"
        )
        + (" (smoke run, numbers meaningless)" if args.quick else ""),
        command.strip(),
        wall_s=wall,
        packages=("numpy", "scikit-learn", "imbalanced-learn", "torch", "skorch"),
        details=[
            f"data: {', '.join(cfg['datasets'])}; holdout, {cfg['seeds']} training "
            f"set(s) of {cfg['n_samples'] or 'the data set default number of'} "
            "samples, each tested on its own "
            f"{cfg['n_test']} (seeds {args.random_state} + 2i and + 2i + 1, as "
            "run_suite draws them)",
            f"settings: {cfg['n_synthetic']} synthetic rare samples per arm; "
            f"classifier {cfg['classifier']}; glow {cfg['glow']}; "
            "CriticFilteredSampler defaults (3x candidates, classifier critic, top)",
            f"{args.n_jobs} fit(s) at a time, 1 torch and 1 BLAS thread each",
            *(
                [
                    "samples only: the samplers are fitted, no classifier (no F1, AP "
                    "or cost)"
                ]
                if args.samples_only
                else []
            ),
            *(
                [
                    f"flows loaded from the cache `{args.cache}` where it holds them "
                    "(a suite run's: the same flows, so the same samples, as its "
                    "classifiers were trained on); no fit cost measured"
                ]
                if args.cache
                else []
            ),
        ],
    )
    if skipped:
        lines += ["", "Arms skipped on this installation:", ""]
        lines += [f"- `{a}`: {why}" for a, why in skipped.items()]
    errors = [r for r in rows if r["error"]]
    if errors:
        lines += ["", f"{len(errors)} fit(s) failed:", ""]
        lines += [
            f"- {r['dataset']} split {r['split']} `{r['arm']}`: {r['error'][:200]}"
            for r in errors
        ]
    lines += [
        "",
        "F1 and AP: rare class on the test set, in points (mean ± sd over training "
        "sets). C2ST: two-sample AUC of the arm's appended rare samples against the "
        "real rare training samples (default judge / random-forest judge; 0.5 = "
        "indistinguishable). Quiet: quiet-share ratio synthetic/real (1 = real). "
        "Novelty: median distance to the nearest training sample relative to "
        "held-out real ones. Cost: fit CPU time / the random arm's on the same "
        "training set (the CSV has wall and CPU seconds).",
    ]
    # (title, needs a classifier, cell of (data set, arm))
    cells = [
        ("F1", True, lambda d, a: _fmt(_values(rows, d, a, "f1"), 100)),
        ("AP", True, lambda d, a: _fmt(_values(rows, d, a, "ap"), 100)),
        (
            "ΔF1 / ΔAP vs augment (wins)",
            True,
            lambda d, a: _paired(rows, d, a, "augment"),
        ),
        ("C2ST", False, lambda d, a: _fmt(_values(rows, d, a, "c2st"), digits=2)),
        (
            "C2ST (RF)",
            False,
            lambda d, a: _fmt(_values(rows, d, a, "c2st_rf"), digits=2),
        ),
        ("quiet", False, lambda d, a: _fmt(_values(rows, d, a, "quiet"), digits=2)),
        (
            "novelty",
            False,
            lambda d, a: _fmt(_values(rows, d, a, "novelty"), digits=2),
        ),
        ("cost", True, lambda d, a: _fmt(_values(rows, d, a, "cost"), digits=2)),
    ]
    cells = [(t, cell) for t, clf, cell in cells if not (clf and args.samples_only)]
    for d in cfg["datasets"]:
        lines += [
            "",
            f"## {d}",
            "",
            "| arm | " + " | ".join(title for title, _ in cells) + " |",
            "|---" * (len(cells) + 1) + "|",
        ]
        lines += [
            f"| {a} | " + " | ".join(cell(d, a) for _, cell in cells) + " |"
            for a in names
        ]
    if args.samples_only:
        plot(rows, cfg["datasets"], names, path.with_suffix(".png"))
        return write_report(path, lines)
    lines += [
        "",
        "## Mean rank over data sets (1 = best)",
        "",
        "| arm | F1 | AP |",
        "|---|---|---|",
    ]
    r_f1 = mean_ranks(rows, cfg["datasets"], names, "f1")
    r_ap = mean_ranks(rows, cfg["datasets"], names, "ap")
    for a, f, p in zip(names, r_f1, r_ap):
        lines.append(f"| {a} | {f:.2f} | {p:.2f} |")
    plot(rows, cfg["datasets"], names, path.with_suffix(".png"))
    return write_report(path, lines)


def plot(rows, datasets, names, path):
    """One panel per measure: a bar per (arm, data set), a dot per training set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("f1", "rare-class F1 (points)", 100),
        ("ap", "rare-class average precision (points)", 100),
        ("c2st", "two-sample AUC, default judge (0.5 = real)", 1),
        ("c2st_rf", "two-sample AUC, random-forest judge", 1),
        ("quiet", "quiet ratio (1 = real)", 1),
        ("novelty", "novelty (0 = copies, 1 = as new as held-out real ones)", 1),
        ("cost", "fit CPU time / random's", 1),
    ]
    panels = [
        p
        for p in panels
        if any(
            np.isfinite(_values(rows, d, a, p[0])).any()
            for d in datasets
            for a in names
        )
    ]
    # arms along x (more than matplotlib's 10 cycle colours), data sets as
    # colours, so that no two bars of a panel share a colour
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(max(8, 0.7 * len(names)), 2.6 * len(panels))
    )
    width = 0.8 / len(datasets)
    x0 = np.arange(len(names))
    for ax, (key, title, scale) in zip(axes, panels):
        for j, d in enumerate(datasets):
            x = x0 + (j - (len(datasets) - 1) / 2) * width
            for xi, a in zip(x, names):
                v = _values(rows, d, a, key) * scale
                v = v[np.isfinite(v)]
                if len(v):
                    ax.bar(xi, v.mean(), width, color=f"C{j}", label=d)
                    ax.plot([xi] * len(v), v, "k.", ms=3)
        ax.set_title(title, fontsize=9)
        ax.set_xticks(x0)
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
    handles, labels = axes[0].get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    fig.legend(unique.values(), unique.keys(), loc="upper right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def variant_arms():
    """Every ``V+augment@s`` arm (``V`` a glow variant, ``s`` a share) and
    every ``critic_V`` arm."""
    stacks = tuple(f"{v}+augment@{s}" for v in GLOW_VARIANTS for s in SHARES)
    return stacks + tuple(f"critic_{v}" for v in GLOW_VARIANTS)


def known_arms():
    from sklearn_seismo.study import ALL_ARMS

    names = (*arm_names(), *variant_arms())
    return tuple(dict.fromkeys((*names, *ALL_ARMS)))


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--n-jobs", type=int, default=1, help="fits at a time")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument(
        "--arms",
        nargs="+",
        default=None,
        help="arms to run (default: the screen's); any of the screen's or the "
        "study's arms",
    )
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument(
        "--seeds", type=int, default=None, help="training sets per data set"
    )
    parser.add_argument(
        "--preset",
        choices=["quick", "full"],
        default="quick",
        help="the study suite preset whose data sets, sizes and settings are used "
        "(full: the finalists' run of issue 23 item 5, hours)",
    )
    parser.add_argument(
        "--samples-only",
        action="store_true",
        help="fit only the samplers and judge their samples (no classifier: no "
        "F1, AP or cost)",
    )
    parser.add_argument(
        "--cache",
        default=None,
        metavar="FOLDER",
        help="GlowOversampler's flow cache (memory); a study suite's --cache "
        "folder gives the suite's own flows, so the same samples, in seconds",
    )
    parser.add_argument(
        "--from-csv",
        nargs="+",
        default=None,
        metavar="CSV",
        help="write one report from the CSVs of earlier runs (e.g. one run per "
        "data set) instead of fitting; the settings are the preset's",
    )
    args = parser.parse_args(argv)
    if args.quick and args.preset != "quick":
        # the smoke settings replace every setting of a preset: a smoke run
        # would pass for a run of the one named
        parser.error("--quick replaces the preset's settings; drop --preset")
    cfg = settings(args.quick, args.preset)
    if args.from_csv:
        rows = read_rows(args.from_csv)
        cfg["datasets"] = tuple(dict.fromkeys(r["dataset"] for r in rows))
        cfg["seeds"] = len({r["split"] for r in rows})
        names = tuple(dict.fromkeys(r["arm"] for r in rows))
        path = report_path(args, "glow_v3_screen.md")
        command = command_line(__file__, argv)
        write(rows, cfg, names, {}, args, None, path, command)
        return
    if args.datasets:
        cfg["datasets"] = tuple(args.datasets)
    if args.seeds:
        cfg["seeds"] = args.seeds
    names = tuple(args.arms or arm_names())
    unknown = set(names) - set(known_arms())
    if unknown:
        parser.error(f"unknown arm(s) {sorted(unknown)}; choose among {known_arms()}")
    if "random" not in names and not args.samples_only:
        parser.error("the random arm is the cost reference; keep it in --arms")

    from sklearn_seismo.over_sampling import GlowOversampler

    skipped = {
        a: why
        for a, why in optional_arms(GlowOversampler(**cfg["glow"])).items()
        if a in names
    }
    for arm, why in skipped.items():
        print(f"skipping {arm}: {why}", flush=True)
    names = tuple(a for a in names if a not in skipped)
    stem = "screen" if args.preset == "quick" else "full"
    path = report_path(
        args, f"glow_v3_{stem}{'_samples' if args.samples_only else ''}.md"
    )
    rows, t = timed(
        run,
        cfg,
        names,
        args.n_jobs,
        args.random_state,
        memory=args.cache,
        samples_only=args.samples_only,
    )
    command = command_line(__file__, argv)
    write(rows, cfg, names, skipped, args, t.wall_s, path, command)
    print(f"wall time {t.wall_s:.0f} s")


if __name__ == "__main__":
    main()
