"""Command-line syntax shared by the package's commands."""

import argparse
import re

__all__ = ["parse_shape", "ShapeAction"]


def parse_shape(values):
    """Parse a sample shape given as ``"32x32"``, ``"32,32"`` or ``["32", "32"]``.

    Parameters
    ----------
    values : str or sequence of str

    Returns
    -------
    shape : tuple of int

    Examples
    --------
    >>> parse_shape("32x16"), parse_shape(["32", "16"]), parse_shape("64,64")
    ((32, 16), (32, 16), (64, 64))
    """
    text = values if isinstance(values, str) else " ".join(values)
    parts = [p for p in re.split(r"[xX,\s]+", text.strip()) if p]
    try:
        shape = tuple(int(p) for p in parts)
    except ValueError:
        shape = ()
    if not shape or any(s < 1 for s in shape):
        raise ValueError(
            f"invalid shape {text!r}: give positive sizes such as 32x32 or 32 32"
        )
    return shape


class ShapeAction(argparse.Action):
    """``argparse`` action for ``--shape 32x32`` and ``--shape 32 32``.

    Use with ``nargs="+"``; a bad shape is a usage error, not a traceback.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            setattr(namespace, self.dest, parse_shape(values))
        except ValueError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
