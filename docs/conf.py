"""Sphinx configuration of the sklearn_seismo documentation.

Build (from the repository root)::

    pip install -e ".[docs]"
    sphinx-build -W -b html docs docs/_build/html

The example gallery runs every ``examples/plot_*.py`` (minutes on a CPU).
Turn it off with ``-D plot_gallery=0`` or ``SKLEARN_SEISMO_DOCS_GALLERY=0``:
the gallery pages are still made, without running the code.

The API reference is generated at every build from the ``__all__`` of each
public subpackage, so it cannot fall behind the code.
"""

import importlib
import os
import pkgutil
import re
import shutil
import sys
import warnings
from pathlib import Path

# The build (and the examples it runs) uses Agg and one OpenMP thread. Set
# before anything imports torch: OpenMP reads OMP_NUM_THREADS once, when torch
# loads, and write_api_pages() below imports every subpackage. Two threads
# spin-wait for each other on a busy machine (benchmarks/results/threads.md).
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("OMP_NUM_THREADS", "1")
if "torch" in sys.modules:  # loaded by whoever imported this file: too late
    sys.modules["torch"].set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Document the checkout these docs belong to, not another installed copy.
if (ROOT / "sklearn_seismo" / "__init__.py").is_file():
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))

import sklearn_seismo  # noqa: E402

project = "sklearn_seismo"
author = "sklearn_seismo developers"
copyright = "sklearn_seismo developers"
release = version = sklearn_seismo.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_gallery_src",
    "gallery_header.rst",
    "**.ipynb_checkpoints",
]
default_role = "literal"

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_seismo {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []
html_show_sourcelink = False

# autodoc / autosummary / numpydoc, the scikit-learn way: one page per object.
autosummary_generate = True
autodoc_typehints = "none"
# Class pages list the methods defined in this package, including those of its
# private base classes, but not those inherited from torch, skorch or
# scikit-learn's BaseEstimator (see _templates/autosummary/object.rst).
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

# scikit-learn generates set_{fit,predict,score,...}_request on every estimator;
# their docstrings point into scikit-learn's own glossary.
_GENERATED_BY_SKLEARN = re.compile(r"^set_\w+_request$")


def _skip_member(app, what, name, obj, skip, options):
    if _GENERATED_BY_SKLEARN.match(name):
        return True
    return None


# The docstrings follow scikit-learn's conventions, written for reading as
# text: shapes such as ``(n_samples, *sample_shape)`` and fitted attributes
# such as ``n_features_in_`` often appear outside double backquotes. In reST a
# leading ``*`` opens emphasis and a trailing ``_`` makes a link, so both are
# escaped in running text (never in literals, roles, doctests or directives).
_INLINE_LITERAL = re.compile(r"(``.+?``|`[^`]*`)")
_STAR = re.compile(r"(?<=[(\[,\s])\*(?=[A-Za-z_])")
_TRAILING_UNDERSCORE = re.compile(r"(?<![\w\\])([A-Za-z]\w*[A-Za-z0-9])_(?![\w`])")
_DIRECTIVE = re.compile(r"^\s*\.\. [\w:-]+::")


def _escape_stars(text):
    # A star with no closing star after it on the line is not emphasis
    # (``*bad* gathers`` stays emphasis, ``(n, *sample_shape)`` is escaped).
    out, last = [], 0
    for m in _STAR.finditer(text):
        if "*" not in text[m.end() :]:
            out.append(text[last : m.start()] + "\\*")
            last = m.end()
    return "".join(out) + text[last:]


def _escape_text(text):
    parts = _INLINE_LITERAL.split(text)
    for i in range(0, len(parts), 2):  # even parts lie outside backquotes
        parts[i] = _TRAILING_UNDERSCORE.sub(r"\1\\_", _escape_stars(parts[i]))
    return "".join(parts)


def _escape_docstring(app, what, name, obj, options, lines):
    verbatim_indent = None  # indentation of the line that opened a literal block
    in_doctest = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if in_doctest:
            in_doctest = bool(stripped)  # a doctest block ends at a blank line
            continue
        if verbatim_indent is not None:
            if not stripped or indent > verbatim_indent:
                continue
            verbatim_indent = None
        if stripped.startswith(">>>"):
            in_doctest = True
            continue
        if _DIRECTIVE.match(line):
            verbatim_indent = indent
            continue
        if stripped.endswith("::"):
            verbatim_indent = indent
        lines[i] = _escape_text(line)


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
    # After numpydoc (priority 500) has turned the sections into reST.
    app.connect("autodoc-process-docstring", _escape_docstring, priority=600)


# Offline builds (CI, this project's machines) must not fail on a missing
# inventory: intersphinx is only used when it can be fetched.
intersphinx_mapping = {}
if os.environ.get("SKLEARN_SEISMO_DOCS_INTERSPHINX", "0") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "imblearn": ("https://imbalanced-learn.org/stable", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable", None),
        "torch": ("https://pytorch.org/docs/stable", None),
        "obspy": ("https://docs.obspy.org", None),
    }

myst_heading_anchors = 3

# ---------------------------------------------------------------- API reference
# Public subpackages: every ``sklearn_seismo.<name>`` without a leading
# underscore that declares ``__all__``.
API_DIR = HERE / "api"


def public_subpackages():
    """``(module name, sorted __all__)`` of every public subpackage."""
    out = []
    for info in pkgutil.iter_modules(sklearn_seismo.__path__):
        if info.name.startswith("_") or not info.ispkg:
            continue
        name = f"sklearn_seismo.{info.name}"
        module = importlib.import_module(name)
        names = getattr(module, "__all__", None)
        if names:
            out.append((name, sorted(names, key=str.lower)))
    return out


def write_api_pages():
    """Write ``api/index.rst`` and one page per subpackage (autosummary lists)."""
    # Stale pages of objects that no longer exist would fail the build.
    shutil.rmtree(API_DIR, ignore_errors=True)
    API_DIR.mkdir()
    index = [
        ".. _api:",
        "",
        "API reference",
        "=============",
        "",
        "Generated from the ``__all__`` of each public subpackage: every object",
        "listed here is importable as ``from sklearn_seismo.<subpackage> import",
        "<name>``.",
        "",
        ".. toctree::",
        "   :maxdepth: 2",
        "",
    ]
    for modname, names in public_subpackages():
        short = modname.split(".", 1)[1]
        index.append(f"   {short}")
        title = f":mod:`{modname}`"
        lines = [
            title,
            "=" * len(title),
            "",
            f".. automodule:: {modname}",
            "   :no-members:",
            "   :no-inherited-members:",
            "",
            f".. currentmodule:: {modname}",
            "",
            ".. autosummary::",
            "   :toctree: generated/",
            "   :template: autosummary/object.rst",
            "   :nosignatures:",
            "",
            *(f"   {name}" for name in names),
            "",
        ]
        (API_DIR / f"{short}.rst").write_text("\n".join(lines))
    (API_DIR / "index.rst").write_text("\n".join(index) + "\n")


write_api_pages()

# ---------------------------------------------------------------- gallery
# sphinx-gallery wants a header file next to the examples; examples/ holds only
# runnable scripts, so the gallery is built from a copy with the docs' header.
GALLERY_SRC = HERE / "_gallery_src"


def copy_examples():
    GALLERY_SRC.mkdir(exist_ok=True)
    wanted = {p.name: p for p in sorted((ROOT / "examples").glob("plot_*.py"))}
    for old in GALLERY_SRC.glob("*.py"):
        if old.name not in wanted:
            old.unlink()
    for name, src in wanted.items():
        dst = GALLERY_SRC / name
        # Copy only on change: sphinx-gallery skips unchanged examples by hash.
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
    shutil.copyfile(HERE / "gallery_header.rst", GALLERY_SRC / "GALLERY_HEADER.rst")


copy_examples()

# Run the examples unless turned off; -D plot_gallery=0 overrides this. A string,
# as sphinx-gallery declares the option.
_gallery_off = {"0", "false", "no", "off"}
plot_gallery = str(
    os.environ.get("SKLEARN_SEISMO_DOCS_GALLERY", "1").lower() not in _gallery_off
)


sphinx_gallery_conf = {
    "examples_dirs": str(GALLERY_SRC),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "within_subsection_order": "FileNameSortKey",
    # Named by string: a function defined here could not be pickled with the
    # environment (a Sphinx warning, so an error under -W).
    "reset_modules": ("matplotlib", "gallery_helpers.set_example_file"),
    "reset_modules_order": "both",
    "show_memory": False,
    "line_numbers": False,
    "backreferences_dir": None,
}

warnings.filterwarnings(
    "ignore",
    message="Matplotlib is currently using agg",
    category=UserWarning,
)


# ---------------------------------------------------------------- study --help
def write_study_help():
    """The ``--help`` of the study's two commands, captured at build time."""
    from sklearn_seismo.study._cli import build_parser

    commands = build_parser().commands
    for name, page in (("run", "_study_help.txt"), ("suite", "_suite_help.txt")):
        (HERE / "user_guide" / page).write_text(commands[name].format_help())


os.environ["COLUMNS"] = "80"  # argparse wraps --help to the terminal width
write_study_help()
