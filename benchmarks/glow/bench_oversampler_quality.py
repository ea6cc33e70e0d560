"""Quality of the synthetic *bad* gathers of every oversampler, and what they buy.

For each image size and training seed, one training set of
``make_shot_gathers(n_train, random_state=seed)`` is oversampled by every arm
(none, random oversampling, SMOTE, ADASYN, glow in the paper's rare-class-only
mode, glow v2 with its defaults), each adding the same number of synthetic bad
gathers (the study's quick setting, 100). Every arm is an imbalanced-learn
pipeline ``sampler -> MiniceptionClassifier`` with the same classifier
settings. Per (arm, seed) the benchmark records:

* the diagnostics of :mod:`sklearn_seismo.metrics` on the synthetic bad
  gathers against the real training bad gathers (grouped classifier
  two-sample test AUC, novelty ratio, artefact ratios, held-out likelihood
  gap), the held-out real bad gathers coming from the test set;
* the sampler's acceptance rate when it has one (``acceptance_rate_``);
* bad-class F1 (and macro F1, balanced accuracy) on one large independent test
  set, generated with a seed no training set uses;
* CPU seconds of the sampler's fit and of the classifier's fit.

A row ``ideal`` scores real held-out bad gathers as if they were synthetic:
what a perfect generator would get on the diagnostics.

Run (the full benchmark; see the estimate printed by ``--quick``)::

    python benchmarks/glow/bench_oversampler_quality.py --n-jobs 2
    python benchmarks/glow/bench_oversampler_quality.py --quick  # smoke, in /tmp

Results: ``benchmarks/results/oversampler_quality.{md,png,csv}`` (``--out``
names the Markdown; the PNG and CSV go beside it). Generated data sets are
cached (``--cache``); results never are.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/: the harness
from _harness import (  # noqa: E402
    argument_parser,
    command_line,
    header,
    parse_args,
    report_path,
)

MINORITY = "bad"
STEM = "oversampler_quality"


# ------------------------------------------------------------------ settings
def _settings(quick):
    from sklearn_seismo.study import get_config

    QUICK = get_config("quick")  # a copy: the study's quick preset
    clf = dict(QUICK["classifier"])
    glow = dict(QUICK["glow"])
    if quick:
        clf["max_epochs"] = 2
        glow.update(max_epochs=2, n_steps=2, hidden_channels=8)
    return {"classifier": clf, "glow": glow, "n_synthetic": QUICK["n_synthetic"]}


def _glow(settings, seed, **extra):
    from sklearn_seismo.over_sampling import GlowOversampler

    params = dict(settings["glow"], random_state=seed, **extra)
    known = GlowOversampler().get_params(deep=False)
    if "n_dim" in known:  # gathers are images, whatever their shape
        params["n_dim"] = 2
    return GlowOversampler(**{k: v for k, v in params.items() if k in known})


def _has_pretrain():
    from sklearn_seismo.over_sampling import GlowOversampler

    return "pretrain" in GlowOversampler().get_params(deep=False)


def make_arms(settings, seed, n_bad, shape):
    """``{arm: sampler or "passthrough"}``: change the arms here.

    Every sampler adds ``settings["n_synthetic"]`` bad gathers (ADASYN
    approximately: it rounds per sample); neighbour counts are clipped to the
    number of bad training gathers.
    """
    from imblearn.over_sampling import ADASYN, SMOTE, RandomOverSampler

    from sklearn_seismo.study import AddSamples

    strategy = AddSamples(MINORITY, settings["n_synthetic"])
    k = max(1, min(5, n_bad - 1))
    # the paper's mode: each class's flow trained on that class only, affine
    # couplings, 60 epochs (the previous quick default), no early stopping
    paper = (
        dict(pretrain="none", coupling="affine", max_epochs=60, patience=60)
        if _has_pretrain()
        else {}
    )
    return {
        "none": "passthrough",
        "random": RandomOverSampler(sampling_strategy=strategy, random_state=seed),
        "smote": SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed),
        "adasyn": ADASYN(sampling_strategy=strategy, n_neighbors=k, random_state=seed),
        "glow": _glow(
            settings, seed, sampling_strategy=strategy, sample_shape=shape, **paper
        ),
        "glow_v2": _glow(
            settings, seed, sampling_strategy=strategy, sample_shape=shape
        ),
    }


ARMS = ("none", "random", "smote", "adasyn", "glow", "glow_v2")


# ---------------------------------------------------------------------- data
def _dataset(cache, n, shape, seed):
    import joblib

    from sklearn_seismo.datasets import make_shot_gathers

    memory = joblib.Memory(cache, verbose=0)
    return memory.cache(make_shot_gathers)(n, shape=tuple(shape), random_state=seed)


def _test_split(y_test, seed):
    """Test-set bad gathers split in two halves: held-out reference and 'ideal'."""
    bad = np.flatnonzero(y_test == MINORITY)
    rng = np.random.default_rng(seed)
    bad = rng.permutation(bad)
    half = len(bad) // 2
    return bad[:half], bad[half:]


# -------------------------------------------------------------------- worker
def _diagnostics(real, synth, heldout, seed):
    from sklearn_seismo.metrics import (
        artefact_ratios,
        classifier_two_sample_test,
        likelihood_gap,
        novelty_ratio,
    )

    out = {}
    cv = min(5, len(real), len(synth))
    try:
        out["c2st_auc"] = classifier_two_sample_test(
            real, synth, cv=cv, random_state=seed
        )
    except ValueError as exc:  # e.g. every synthetic sample copies one real one
        out["c2st_error"] = str(exc).split(".")[0]
    out["novelty"] = novelty_ratio(real, synth, heldout)
    ratios = artefact_ratios(real, synth, time_axis=1)
    out["crest_ratio"] = ratios["crest_factor"]
    out["kurtosis_ratio"] = ratios["kurtosis"]
    out["quiet_ratio"] = ratios["quiet_fraction"]
    out["likelihood_gap"] = likelihood_gap(real, synth, heldout, random_state=seed)
    return out


def run_job(arm, size, seed, n_train, n_test, test_seed, cache, settings):
    """Fit one arm on one training set; diagnostics, test scores and CPU times."""
    import torch

    torch.set_num_threads(1)
    from threadpoolctl import threadpool_limits

    t0 = time.process_time()
    with threadpool_limits(limits=1):
        row = _run_job(arm, size, seed, n_train, n_test, test_seed, cache, settings)
    row["job_cpu_s"] = time.process_time() - t0
    # one line per job, so that a long run shows its progress and costs
    print(
        f"{arm} {size}x{size} seed {seed}: sampler "
        f"{row.get('sampler_cpu_s', 0):.1f} CPU s, classifier "
        f"{row.get('clf_cpu_s', 0):.1f} CPU s, job {row['job_cpu_s']:.1f} CPU s, "
        f"wall {row['wall_s']:.1f} s",
        flush=True,
    )
    return row


def _run_job(arm, size, seed, n_train, n_test, test_seed, cache, settings):
    from imblearn.pipeline import Pipeline
    from sklearn.metrics import balanced_accuracy_score, f1_score

    from sklearn_seismo.neural import MiniceptionClassifier

    shape = (size, size)
    X, y = _dataset(cache, n_train, shape, seed)
    X_test, y_test = _dataset(cache, n_test, shape, test_seed)
    Xf, Xf_test = X.reshape(len(X), -1), X_test.reshape(len(X_test), -1)
    bad = y == MINORITY
    held_idx, ideal_idx = _test_split(y_test, test_seed)
    row = {"arm": arm, "size": size, "seed": seed, "n_bad_train": int(bad.sum())}
    t_wall = time.perf_counter()

    if arm == "ideal":  # real held-out bad gathers in place of synthetic ones
        row.update(_diagnostics(X[bad], X_test[ideal_idx], X_test[held_idx], seed))
        row["wall_s"] = time.perf_counter() - t_wall
        return row

    sampler = make_arms(settings, seed, int(bad.sum()), shape)[arm]
    clf = MiniceptionClassifier(
        **settings["classifier"], sample_shape=shape, random_state=seed
    )
    pipe = Pipeline([("oversample", sampler), ("clf", clf)])
    # Pipeline.fit, step by step, so that the resampled data stay at hand for
    # the diagnostics instead of being drawn a second time
    t0 = time.process_time()
    if sampler == "passthrough":
        X_res, y_res = Xf, y
    else:
        X_res, y_res = pipe.named_steps["oversample"].fit_resample(Xf, y)
    row["sampler_cpu_s"] = time.process_time() - t0
    t0 = time.process_time()
    pipe.named_steps["clf"].fit(X_res, y_res)
    row["clf_cpu_s"] = time.process_time() - t0

    if sampler != "passthrough":
        if not np.array_equal(X_res[: len(Xf)], Xf):
            raise RuntimeError(f"{arm} does not keep the original rows first.")
        new = X_res[len(Xf) :][y_res[len(Xf) :] == MINORITY]
        row["n_synthetic"] = len(new)
        synth = new.reshape(len(new), *shape)
        row.update(_diagnostics(X[bad], synth, X_test[held_idx], seed))
        rate = getattr(pipe.named_steps["oversample"], "acceptance_rate_", None)
        if isinstance(rate, dict) and MINORITY in rate:
            row["acceptance_rate"] = float(rate[MINORITY])
        flows = getattr(pipe.named_steps["oversample"], "flows_", None)
        if flows:
            row["cpu_s_per_flow"] = row["sampler_cpu_s"] / len(flows)

    pred = pipe.predict(Xf_test)
    row["f1_bad"] = float(f1_score(y_test, pred, labels=[MINORITY], average="macro"))
    row["f1_macro"] = float(f1_score(y_test, pred, average="macro"))
    row["balanced_accuracy"] = float(balanced_accuracy_score(y_test, pred))
    row["wall_s"] = time.perf_counter() - t_wall
    return row


# ------------------------------------------------------------------- summary
COLUMNS = (
    "f1_bad",
    "f1_macro",
    "balanced_accuracy",
    "c2st_auc",
    "novelty",
    "crest_ratio",
    "kurtosis_ratio",
    "quiet_ratio",
    "likelihood_gap",
    "acceptance_rate",
    "sampler_cpu_s",
    "clf_cpu_s",
)


def _values(rows, arm, size, key):
    return [
        r[key]
        for r in sorted(rows, key=lambda r: r["seed"])
        if r["arm"] == arm and r["size"] == size and r.get(key) is not None
    ]


def _mean_sd(v, scale=1.0, digits=2):
    from sklearn_seismo.metrics import format_mean_std

    if not v:
        return "—"
    v = np.asarray(v, dtype=float)
    sd = v.std(ddof=1) if len(v) > 1 else 0.0
    return format_mean_std(v.mean(), sd, scale=scale, digits=digits)


def paired_tests(rows, size, arms, reference):
    """Paired differences of bad-class F1 against ``reference``, over seeds."""
    from sklearn_seismo.metrics import corrected_ttest, paired_comparison

    ref = {
        r["seed"]: r["f1_bad"]
        for r in rows
        if r["arm"] == reference and r["size"] == size and "f1_bad" in r
    }
    out = []
    for arm in arms:
        if arm == reference:
            continue
        own = {
            r["seed"]: r["f1_bad"]
            for r in rows
            if r["arm"] == arm and r["size"] == size and "f1_bad" in r
        }
        seeds = sorted(set(ref) & set(own))
        d = np.array([own[s] - ref[s] for s in seeds])
        res = {"arm": arm, "reference": reference, "size": size, "n": len(d)}
        if len(d):
            res["mean"] = float(d.mean())
            res["sd"] = float(d.std(ddof=1)) if len(d) > 1 else 0.0
        if len(d) > 1 and np.any(d != d[0]):
            # n_test=0: the plain paired t-test (independent training sets)
            res["p_t"] = corrected_ttest(
                [own[s] for s in seeds], [ref[s] for s in seeds], n_train=1, n_test=0
            )["p_value"]
        if len(d) > 1 and np.any(d != 0):
            res["p_wilcoxon"] = paired_comparison(
                [own[s] for s in seeds], [ref[s] for s in seeds]
            )["p_value"]
        out.append(res)
    return out


def write_report(rows, args, settings, wall, path, argv=None):
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    keys = ["arm", "size", "seed", "n_bad_train", "n_synthetic", *COLUMNS]
    keys += sorted({k for r in rows for k in r} - set(keys))
    with open(path.with_suffix(".csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)

    arms = [a for a in (*args.arms, "ideal") if any(r["arm"] == a for r in rows)]
    lines = [
        *header(
            "Oversampler quality: synthetic bad gathers and what they buy",
            # the run's own command, not the rewrite's
            command_line(__file__, argv, drop=("--from-csv", "--wall-s")),
            wall_s=wall,
            packages=(
                "numpy",
                "scipy",
                "scikit-learn",
                "imbalanced-learn",
                "torch",
                "skorch",
                "sklearn_seismo",
            ),
        ),
        *(
            [
                "- report rewritten from that run's raw rows with `--from-csv`: "
                "machine, versions and date above are the rewrite's"
            ]
            if args.from_csv
            else []
        ),
        f"- torch threads per worker: 1; {args.n_jobs} parallel (arm, seed) jobs",
        f"- data: make_shot_gathers(n_train={args.n_train}) with training seeds "
        f"{list(args.seeds)}; one test set of {args.n_test} gathers "
        f"(seed {args.test_seed}) per size; sizes {list(args.sizes)}",
        f"- {settings['n_synthetic']} synthetic bad gathers per oversampling arm; "
        f"classifier MiniceptionClassifier({settings['classifier']}); glow "
        f"{settings['glow']}; glow arm "
        + (
            "`GlowOversampler(pretrain='none')` (paper mode)"
            if _has_pretrain()
            else "plain `GlowOversampler` (no `pretrain` parameter in this version, "
            "so `glow` and `glow_v2` are the same sampler)"
        ),
        "- diagnostics (sklearn_seismo.metrics) compare the synthetic bad gathers "
        "with the real training bad gathers; held-out real bad gathers are half of "
        "the test set's bad gathers, and `ideal` scores the other half as if it "
        "were synthetic (what a perfect generator would get). C2ST AUC: 0.5 = "
        "indistinguishable; novelty: 0 = copies, 1 = as new as fresh real "
        "gathers; crest/kurtosis ratios: 1 = as peaky as real; quiet ratio: 1 = "
        "as many gap and dead-trace values as real; likelihood gap "
        "(bits/dim): 0 = no memorisation.",
        "",
    ]
    for size in args.sizes:
        lines += [
            f"## {size} x {size}",
            "",
            "Mean ± sd over seeds (F1 in %).",
            "",
            "| arm | F1 bad | macro F1 | bal. acc. | C2ST AUC | novelty | crest "
            "ratio | kurtosis ratio | quiet ratio | lik. gap | acceptance | "
            "sampler CPU s | clf CPU s |",
            "|---" * 13 + "|",
        ]
        for arm in arms:
            v = {k: _values(rows, arm, size, k) for k in COLUMNS}
            lines.append(
                f"| {arm} | {_mean_sd(v['f1_bad'], 100, 1)} "
                f"| {_mean_sd(v['f1_macro'], 100, 1)} "
                f"| {_mean_sd(v['balanced_accuracy'], 100, 1)} "
                f"| {_mean_sd(v['c2st_auc'])} | {_mean_sd(v['novelty'])} "
                f"| {_mean_sd(v['crest_ratio'])} | {_mean_sd(v['kurtosis_ratio'])} "
                f"| {_mean_sd(v['quiet_ratio'])} "
                f"| {_mean_sd(v['likelihood_gap'], 1, 3)} "
                f"| {_mean_sd(v['acceptance_rate'])} "
                f"| {_mean_sd(v['sampler_cpu_s'], 1, 1)} "
                f"| {_mean_sd(v['clf_cpu_s'], 1, 1)} |"
            )
        lines += [
            "",
            "Paired differences of bad-class F1 (percentage points, over seeds); "
            "p-values of the paired t-test and of the two-sided Wilcoxon "
            "signed-rank test. With 5 pairs, Wilcoxon cannot go below "
            "p = 2/2^5 = 0.0625.",
            "",
            "| arm | vs | n | Δ F1 bad | p (t) | p (Wilcoxon) |",
            "|---|---|---|---|---|---|",
        ]
        for reference in ("random", "smote"):
            for t in paired_tests(rows, size, args.arms, reference):
                if t["arm"] == "ideal" or t["n"] == 0:
                    continue
                p_t = f"{t['p_t']:.3g}" if "p_t" in t else "—"
                p_w = f"{t['p_wilcoxon']:.3g}" if "p_wilcoxon" in t else "—"
                delta = (
                    f"{100 * t['mean']:+.1f} ± {100 * t['sd']:.1f}"
                    if "mean" in t
                    else "—"
                )
                lines.append(
                    f"| {t['arm']} | {reference} | {t['n']} | {delta} | {p_t} | {p_w} |"
                )
        lines.append("")
    errors = [r for r in rows if "c2st_error" in r]
    if errors:
        lines += ["C2ST could not be scored for:", ""]
        lines += [
            f"- {r['arm']} {r['size']} seed {r['seed']}: {r['c2st_error']}"
            for r in errors
        ]
        lines.append("")
    csv_name = path.with_suffix(".csv").name
    lines += [f"Raw per-seed rows: [{csv_name}]({csv_name}).", ""]
    path.write_text("\n".join(lines))
    _plot(rows, args, arms, path.with_suffix(".png"))


def _plot(rows, args, arms, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(args.sizes)
    for panel, (key, label, scale) in zip(
        axes,
        (
            ("f1_bad", "bad-class F1 on the test set (%)", 100),
            ("c2st_auc", "C2ST AUC, synthetic vs real bad (0.5 = ideal)", 1),
        ),
    ):
        shown = [a for a in arms if any(_values(rows, a, s, key) for s in args.sizes)]
        for j, size in enumerate(args.sizes):
            for i, arm in enumerate(shown):
                v = np.asarray(_values(rows, arm, size, key), dtype=float) * scale
                if not len(v):
                    continue
                x = i + (j - (len(args.sizes) - 1) / 2) * width
                panel.bar(
                    x,
                    v.mean(),
                    width * 0.9,
                    color=f"C{j}",
                    alpha=0.5,
                    label=f"{size} x {size}" if i == 0 else None,
                )
                panel.plot(np.full(len(v), x), v, "k.", ms=4)
        panel.set_xticks(range(len(shown)), shown)
        panel.set_ylabel(label)
        panel.legend()
    axes[1].axhline(0.5, color="k", lw=0.8, ls="--")
    fig.suptitle(
        f"Oversamplers on make_shot_gathers: n_train={args.n_train}, "
        f"{len(args.seeds)} seeds (dots), test set {args.n_test}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _read_rows(path):
    import csv

    def value(key, text):
        if key == "arm":
            return text
        number = float(text)
        return int(number) if key in ("size", "seed") else number

    with open(path, newline="") as f:
        # an empty cell is a key the job did not produce (e.g. F1 of "ideal")
        return [
            {k: value(k, v) for k, v in row.items() if v != ""}
            for row in csv.DictReader(f)
        ]


# ---------------------------------------------------------------------- main
def main(argv=None):
    p = argument_parser(__doc__)
    p.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--n-train", type=int, default=800)
    p.add_argument("--n-test", type=int, default=6000)
    p.add_argument("--test-seed", type=int, default=10_000)
    p.add_argument("--arms", nargs="+", default=list(ARMS), choices=ARMS)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument(
        "--cache",
        default=os.path.join(tempfile.gettempdir(), "sklearn_seismo_bench_data"),
        help="joblib cache of the generated data sets",
    )
    p.add_argument(
        "--from-csv",
        metavar="CSV",
        help="rewrite the report from the raw rows of an earlier run (its CSV) "
        "instead of running; pass that run's --wall-s and options",
    )
    p.add_argument("--wall-s", type=float, default=float("nan"))
    args = parse_args(p, argv, sizes=[16], seeds=[0, 1], n_train=300, n_test=600)
    path = report_path(args, f"{STEM}.md")
    if args.from_csv:
        rows = _read_rows(args.from_csv)
        write_report(rows, args, _settings(args.quick), args.wall_s, path, argv)
        return rows
    if args.test_seed in args.seeds:
        raise SystemExit(
            f"--test-seed {args.test_seed} is also a training seed; the test set "
            "must be independent of every training set."
        )
    assert args.test_seed not in set(args.seeds)

    import joblib

    settings = _settings(args.quick)
    t0 = time.perf_counter()
    # generate (and cache) every data set once, before the workers read them
    for size in args.sizes:
        _dataset(args.cache, args.n_test, (size, size), args.test_seed)
        for seed in args.seeds:
            _dataset(args.cache, args.n_train, (size, size), seed)
    jobs = [
        (arm, size, seed)
        for size in args.sizes
        for seed in args.seeds
        for arm in (*args.arms, "ideal")
    ]
    # the slowest jobs (glow) first, so that they do not end the run alone
    jobs.sort(key=lambda j: not j[0].startswith("glow"))
    rows = joblib.Parallel(n_jobs=args.n_jobs, verbose=5)(
        joblib.delayed(run_job)(
            arm,
            size,
            seed,
            args.n_train,
            args.n_test,
            args.test_seed,
            args.cache,
            settings,
        )
        for arm, size, seed in jobs
    )
    wall = time.perf_counter() - t0
    write_report(rows, args, settings, wall, path, argv)
    print(f"wrote {path} (and its .png, .csv) in {wall:.0f} s")
    return rows


if __name__ == "__main__":
    main()
