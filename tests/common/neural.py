"""Common-check settings of sklearn_seismo.neural (tiny networks, 2 epochs)."""

CHECK_PARAMS = {
    # n_blocks=1: the checks feed 2-D X (n, n_features) read as 1 x n_features
    # images with as few as 1-2 features; one block accepts any width.
    "MiniceptionClassifier": {
        "alpha": 1,
        "n_blocks": 1,
        "max_epochs": 2,
        "lr": 1e-2,
        "batch_size": 16,
        "device": "cpu",
    },
    "ResNetClassifier": {
        "n_filters": (4, 8, 8),
        "max_epochs": 3,
        "lr": 1e-2,
        "batch_size": 8,
        "device": "cpu",
    },
}

EXPECTED_FAILED_CHECKS = {}
