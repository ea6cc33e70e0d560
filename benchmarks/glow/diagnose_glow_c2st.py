"""Why a classifier tells GlowOversampler's samples from real ones.

``oversampler_quality.md`` found a classifier two-sample test (C2ST) AUC of
about 0.8 for GlowOversampler's *bad* gathers against 0.5 for SMOTE. This
script tests one explanation: the flow is trained on *dequantised* data (the
gathers plus uniform noise of width ``dequantization_width_``), so what it
decodes carries that noise floor, also where real gathers are quiet.

For each data seed and gather size it fits ``GlowOversampler`` on
``make_shot_gathers`` and scores, against the real *bad* gathers, with the
package's default C2ST features (values and log-amplitudes) and with the raw
values only:

* the glow samples;
* copies of real bad gathers (the 0.5 reference);
* those copies plus uniform noise of the glow's own dequantisation width
  (what the flow was trained on), and of a quarter of it.

It also reports the share of near-silent values and the median first
difference along time (roughness). Writes ``glow_c2st.md`` and
``glow_c2st.png`` to ``benchmarks/results/``. Run (about 5 minutes)::

    python benchmarks/glow/diagnose_glow_c2st.py
    python benchmarks/glow/diagnose_glow_c2st.py --quick  # smoke run, report in /tmp
"""

import sys
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
    write_report,
)

VARIANTS = (
    "glow samples",
    "real copies",
    "copies + noise of glow's width",
    "copies + noise of 1/4 that width",
)


def run(seed, size, n_samples, max_epochs=None):
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklearn_seismo.datasets import make_shot_gathers
    from sklearn_seismo.metrics import classifier_two_sample_test
    from sklearn_seismo.over_sampling import GlowOversampler

    X, y = make_shot_gathers(n_samples=n_samples, shape=(size, size), random_state=seed)
    X = np.asarray(X, dtype=np.float32)
    # max_epochs=None: the oversampler's own default
    epochs = {} if max_epochs is None else {"max_epochs": max_epochs}
    glow = GlowOversampler(
        n_levels=3, n_steps=4, hidden_channels=32, random_state=seed, **epochs
    )
    X_res, y_res = glow.fit_resample(X, y)
    real = X[y == "bad"]
    synthetic = X_res[len(X) :][y_res[len(X) :] == "bad"]
    rms = float(np.sqrt(np.mean(real**2)))
    rng = np.random.default_rng(seed)
    copies = real[rng.integers(0, len(real), len(synthetic))]
    # The flow sees every sample divided by its own RMS, and
    # dequantization_width_ is in those units: the noise it was trained on
    # is that width times each sample's RMS.
    width = float(glow.dequantization_width_["bad"]) * np.sqrt(
        np.mean(copies**2, axis=tuple(range(1, copies.ndim)), keepdims=True)
    )

    def noisy(scale):
        noise = rng.uniform(-0.5, 0.5, copies.shape) * width * scale
        return copies + noise.astype(np.float32)

    sets = dict(
        zip(VARIANTS, (synthetic, copies, noisy(1.0), noisy(0.25)), strict=True)
    )
    raw_values = make_pipeline(
        StandardScaler(),
        PCA(10),
        LogisticRegression(class_weight="balanced", max_iter=1000),
    )
    rows = []
    for name, S in sets.items():
        rows.append(
            dict(
                seed=seed,
                size=size,
                variant=name,
                auc=classifier_two_sample_test(real, S, random_state=seed),
                auc_raw=classifier_two_sample_test(
                    real, S, estimator=raw_values, random_state=seed
                ),
                quiet=float(np.mean(np.abs(S) < 1e-2 * rms)),
                roughness=float(np.median(np.abs(np.diff(S, axis=1)))) / rms,
            )
        )
    return rows, len(real), float(glow.dequantization_width_["bad"])


def main(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--n-samples", type=int, default=800)
    parser.add_argument(
        "--max-epochs", type=int, default=None, help="(default: the oversampler's)"
    )
    args = parse_args(parser, argv, seeds=[0], sizes=[16], n_samples=300, max_epochs=3)
    path = report_path(args, "glow_c2st.md")

    started = time.time()
    rows, info = [], []
    for size in args.sizes:
        for seed in args.seeds:
            r, n_bad, width = run(seed, size, args.n_samples, args.max_epochs)
            rows += r
            info.append((size, seed, n_bad, width))
            print(size, seed, [(x["variant"], round(x["auc"], 3)) for x in r])
    elapsed = time.time() - started

    def mean(size, variant, key):
        return np.mean(
            [r[key] for r in rows if r["size"] == size and r["variant"] == variant]
        )

    lines = [
        *header(
            "Why a classifier tells glow samples from real ones",
            command_line(__file__, argv),
            wall_s=elapsed,
            packages=("numpy", "torch", "scikit-learn"),
        ),
        "- Data: `make_shot_gathers(n_samples, shape=(size, size), "
        "random_state=seed)`; the real *bad* gathers of each data set "
        "("
        + ", ".join(f"{s}x{s} seed {d}: {n}" for s, d, n, _ in info)
        + "). GlowOversampler(n_levels=3, n_steps=4, hidden_channels=32, "
        "random_state=seed), otherwise defaults (pretraining on all gathers, "
        "additive couplings); its dequantisation width for *bad*, in RMS "
        "units: " + ", ".join(f"{w:.3f}" for *_, w in info) + ".",
        "- C2ST: `metrics.classifier_two_sample_test` against the real bad "
        "gathers, default features (values and log-amplitudes), and raw values "
        "only (same scaler + PCA(10) + logistic regression). Quiet: share of "
        "values below 1 % of the real RMS. Roughness: median |first "
        "difference along time| / real RMS. Means over the seeds.",
        "",
        "| size | samples | C2ST AUC (default) | C2ST AUC (raw values) | quiet "
        "| roughness |",
        "|---|---|---|---|---|---|",
    ]
    for size in args.sizes:
        for v in VARIANTS:
            lines.append(
                f"| {size}x{size} | {v} | {mean(size, v, 'auc'):.3f} | "
                f"{mean(size, v, 'auc_raw'):.3f} | {mean(size, v, 'quiet'):.3f} "
                f"| {mean(size, v, 'roughness'):.3f} |"
            )
    lines += ["", f"![c2st]({path.with_suffix('.png').name})", ""]
    write_report(path, lines)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(args.sizes), figsize=(5 * len(args.sizes), 3.6))
    axes = np.atleast_1d(axes)
    x = np.arange(len(VARIANTS))
    for ax, size in zip(axes, args.sizes, strict=True):
        ax.bar(x - 0.2, [mean(size, v, "auc") for v in VARIANTS], 0.4, label="default")
        ax.bar(x + 0.2, [mean(size, v, "auc_raw") for v in VARIANTS], 0.4, label="raw")
        ax.axhline(0.5, color="k", lw=0.8)
        ax.set_xticks(x, ["glow", "copies", "copies+\nnoise", "copies+\nnoise/4"])
        ax.set_ylim(0.3, 1.0)
        ax.set_title(f"C2ST AUC, {size}x{size}", fontsize=10)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path.with_suffix(".png"), dpi=110)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
