"""Command-line syntax shared by the package's commands."""

import argparse
import math
import re

__all__ = [
    "ShapeAction",
    "int_at_least",
    "parse_seed",
    "parse_shape",
    "positive_float",
]


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
    # one separator between two sizes: "3x" or "32,,32" is a typo, not (3,)
    parts = re.split(r"\s*[xX,]\s*|\s+", text.strip())
    if "" in parts:
        parts = []
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


def int_at_least(low, hint=""):
    """An ``argparse`` type: an integer ``>= low``; ``hint`` ends the message.

    Examples
    --------
    >>> int_at_least(2)("3")
    3
    """

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {low}, got {text!r}{hint}"
            )
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def parse_seed(text):
    """An ``argparse`` type: a seed in ``[0, 2**32)``, what numpy and torch take.

    Examples
    --------
    >>> parse_seed("7")
    7
    """
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected a seed between 0 and 2**32 - 1, got {text!r}"
        )
    return value


def positive_float(text):
    """An ``argparse`` type: a finite number above 0 (refuses nan and inf).

    Examples
    --------
    >>> positive_float("0.5")
    0.5
    """
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value
