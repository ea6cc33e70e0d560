import os

# Figures are written to files in tests and examples; never open a window.
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_configure(config):
    # Each xdist worker already owns one core: torch's own thread pool on top
    # of that only oversubscribes the 2-core CI machine.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch

        torch.set_num_threads(1)
