"""The documentation builds without a warning and documents the whole public API.

One Sphinx build (gallery off, warnings are errors) into a temporary folder,
from a copy of ``docs/``, ``examples/`` and ``ARCHITECTURE.md`` so that the
checkout is not written to. The package documented is this checkout's.
"""

import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_seismo

ROOT = Path(__file__).resolve().parents[1]
# Written by the build itself; a stale copy must not hide a missing page.
GENERATED = ["_build", "api", "auto_examples", "_gallery_src", "sg_execution_times.rst"]


def _public_modules():
    """Every public module of the package and its ``__all__``."""
    out = {}
    for info in pkgutil.walk_packages(
        sklearn_seismo.__path__, prefix="sklearn_seismo."
    ):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        names = getattr(importlib.import_module(info.name), "__all__", None)
        if names:
            out[info.name] = list(names)
    return out


def _expected_pages():
    """``{page stem: object path}``: one page per public object.

    An object of a nested public module (``utils.discovery``) is documented
    where its subpackage re-exports it, so it must be in that ``__all__`` too.
    """
    modules = _public_modules()
    pages = {}
    for modname, names in modules.items():
        subpackage = ".".join(modname.split(".")[:2])
        for name in names:
            if name in modules.get(subpackage, ()):
                pages[f"{subpackage}.{name}"] = f"{modname}.{name}"
            else:
                pages[f"{modname}.{name}"] = f"{modname}.{name}"
    return pages


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("docs")
    src = tmp / "repo"
    shutil.copytree(
        ROOT / "docs",
        src / "docs",
        ignore=shutil.ignore_patterns(*GENERATED, "_study_help.txt"),
    )
    shutil.copytree(
        ROOT / "examples", src / "examples", ignore=shutil.ignore_patterns("_*")
    )
    shutil.copy(ROOT / "ARCHITECTURE.md", src / "ARCHITECTURE.md")
    out = tmp / "html"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(ROOT), env.get("PYTHONPATH", "")] if p
    )
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-q",
        "-b",
        "html",
        "-D",
        "plot_gallery=0",
        "-d",
        str(tmp / "doctrees"),
        str(src / "docs"),
        str(out),
    ]
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    return proc, out


def test_docs_build_without_warnings(built_docs):
    proc, out = built_docs
    assert proc.returncode == 0, (
        "sphinx-build -W failed (gallery off); fix the reST below (often a "
        "docstring):\n" + proc.stderr[-6000:] + proc.stdout[-2000:]
    )
    assert (out / "index.html").is_file()


def test_every_public_object_has_an_api_page(built_docs):
    proc, out = built_docs
    assert proc.returncode == 0, "the build failed, see the test above"
    pages = _expected_pages()
    assert len(pages) > 40, f"too few public objects found: {sorted(pages)}"
    missing, empty = [], []
    for stem in sorted(pages):
        page = out / "api" / "generated" / f"{stem}.html"
        if not page.is_file():
            missing.append(stem)
        # autodoc anchors the object's signature at id="<full name>"
        elif f'id="{stem}"' not in page.read_text(encoding="utf-8"):
            empty.append(stem)
    assert not missing, f"no API page for {missing}"
    assert not empty, f"API page without the object's documentation: {empty}"


def test_user_guide_gallery_and_architecture_pages(built_docs):
    proc, out = built_docs
    assert proc.returncode == 0, "the build failed, see the test above"
    for name in ["data_layout", "augmentation", "study", "threads", "obspy"]:
        assert (out / "user_guide" / f"{name}.html").is_file(), name
    for example in sorted((ROOT / "examples").glob("plot_*.py")):
        assert (out / "auto_examples" / f"{example.stem}.html").is_file(), example
    title = next(
        line.lstrip("# ").strip()
        for line in (ROOT / "ARCHITECTURE.md").read_text().splitlines()
        if line.startswith("# ")
    )
    assert title in (out / "architecture.html").read_text(encoding="utf-8")
    # The study's --help is captured at build time, not copied by hand.
    assert "--n-jobs" in (out / "user_guide" / "study.html").read_text(encoding="utf-8")
