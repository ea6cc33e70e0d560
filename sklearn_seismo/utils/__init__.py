"""Shape handling, validation, random state, device and thread helpers."""

from ._batch import chunk_memory
from ._layout import (
    check_sample_shape,
    flatten_samples,
    restore_layout,
    validate_samples,
    warn_if_sample_shape_missing,
)
from ._torch import TORCH_THREADS_ENV, limit_torch_threads, torch_threads
from .discovery import all_estimators
from .environment import (
    PACKAGES,
    available_memory,
    check_allocation,
    cpu_model,
    package_versions,
    run_environment,
)

__all__ = [
    "all_estimators",
    "chunk_memory",
    "check_sample_shape",
    "flatten_samples",
    "restore_layout",
    "validate_samples",
    "warn_if_sample_shape_missing",
    "TORCH_THREADS_ENV",
    "torch_threads",
    "limit_torch_threads",
    "PACKAGES",
    "available_memory",
    "check_allocation",
    "cpu_model",
    "package_versions",
    "run_environment",
]
