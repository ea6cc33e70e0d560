"""Shape handling, validation, random state and device helpers."""

from ._layout import (
    check_sample_shape,
    restore_layout,
    validate_samples,
    warn_if_sample_shape_missing,
)
from .discovery import all_estimators

__all__ = [
    "all_estimators",
    "check_sample_shape",
    "restore_layout",
    "validate_samples",
    "warn_if_sample_shape_missing",
]
