"""Settings of the study's command line: the quick default and the paper's.

Every number of the two configurations lives here, so that tuning the default
command (it must finish in under 15 minutes on 2 CPU cores) is a one-place
change. The CLI options override single entries.
"""

import copy

__all__ = ["QUICK", "PAPER", "STUDY_ARMS", "get_config"]

#: The arms of the study's configurations: the paper's comparison (the
#: threshold and loss arms of ``ALL_ARMS`` are named with ``--arms``).
STUDY_ARMS = (
    "none",
    "glow",
    "smote",
    "adasyn",
    "random",
    "class_weight",
    "augment",
    "glow+augment",
)

#: The default of ``python -m sklearn_seismo.study``: the paper's protocol scaled
#: down to a 2-core laptop CPU. 800 gathers of 32 x 32 keep the paper's class
#: frequencies (about 14 *bad* gathers per training fold), and 100 synthetic
#: samples keep its ratio of synthetic to real minority samples (600 for about
#: 83 in the paper's training folds: about 7x).
QUICK = {
    "name": "quick",
    "n_samples": 800,
    "shape": (32, 32),
    "weights": (0.6668, 0.3154, 0.0176),
    "folds": 4,
    "n_synthetic": 100,
    "arms": STUDY_ARMS,
    "classifier": {"max_epochs": 8, "lr": 1e-3, "batch_size": 32},
    # pretrained 10 epochs on the training fold (all classes), fine-tuned on
    # its bad gathers with early stopping (benchmarks/bench_glow_ablation.py)
    "glow": {
        "n_levels": 3,
        "n_steps": 4,
        "hidden_channels": 32,
        "pretrain": "all",
        "pretrain_epochs": 10,
        "coupling": "additive",
        "max_epochs": 100,
        "patience": 10,
        "batch_size": 16,
    },
    "sweep": True,
    "sweep_sizes": (0, 50, 100, 200),
    "sweep_runs": 1,
    # the sweep trains with early stopping on the validation split
    "sweep_classifier": {"max_epochs": 12, "patience": 3},
}

#: The SeismoGlow paper (sections 5.2-5.4): 5,223 gathers of 896 x 640, 10
#: folds, Miniception trained 40 epochs with Adam's defaults, a 6-level Glow with
#: 15 steps per level, 96 hidden channels and attention in the last level,
#: trained 400 epochs with batches of one gather, peak rate 1e-4 and 456 warm-up
#: steps; the sweep goes from 0 to 1000 synthetic samples over 10 runs with early
#: stopping (patience 5, at most 100 epochs). A GPU job.
PAPER = {
    "name": "paper",
    "n_samples": 5223,
    "shape": (896, 640),
    "weights": (0.6668, 0.3154, 0.0176),
    "folds": 10,
    "n_synthetic": 600,
    "arms": QUICK["arms"],
    "classifier": {"max_epochs": 40, "lr": 1e-3},
    "glow": {
        "n_levels": 6,
        "n_steps": 15,
        "hidden_channels": 96,
        "attention_levels": 1,
        # the paper trains each class's flow on that class only, affine
        "pretrain": "none",
        "coupling": "affine",
        "max_epochs": 400,
        "patience": 400,
        "batch_size": 1,
        "lr": 1e-4,
        "warmup_steps": 456,
    },
    "sweep": True,
    "sweep_sizes": tuple(range(0, 1001, 100)),
    "sweep_runs": 10,
    "sweep_classifier": {"max_epochs": 100, "patience": 5},
}


def get_config(name="quick"):
    """A deep copy of a named configuration (``"quick"`` or ``"paper"``).

    Examples
    --------
    >>> cfg = get_config("paper")
    >>> cfg["shape"], cfg["folds"], cfg["glow"]["max_epochs"]
    ((896, 640), 10, 400)
    """
    configs = {"quick": QUICK, "paper": PAPER}
    if name not in configs:
        raise ValueError(f"unknown configuration {name!r}; use 'quick' or 'paper'.")
    return copy.deepcopy(configs[name])
