"""Helpers of the sphinx-gallery build, importable by name from ``conf.py``."""

import builtins
from pathlib import Path

# conf.py copies examples/plot_*.py here before the build.
_GALLERY_SRC = Path(__file__).resolve().parents[1] / "_gallery_src"


def set_example_file(gallery_conf, fname, when):
    """Give each example the ``__file__`` it has when run as a script.

    The examples write their figures next to themselves
    (``Path(__file__).parent / "_figures"``). sphinx-gallery runs them without
    ``__file__``; a name missing from an example's globals is looked up in
    builtins, so it is set there for the duration of one example.
    """
    if when == "before" and fname is not None:
        builtins.__file__ = str(_GALLERY_SRC / Path(fname).name)
    elif hasattr(builtins, "__file__"):
        del builtins.__file__
