"""Settings named in the README, the docs and the examples match the code.

Prose cannot be parsed reliably, so a sentence that names settings carries a
machine-readable marker next to it:

* Markdown (``README.md``, ``docs/**/*.md``)::

      a 3 × 8 flow <!-- defaults: GlowOversampler n_levels=3 n_steps=8 -->

* reStructuredText (``docs/**/*.rst`` and the docstrings of ``examples/*.py``),
  an RST comment after the paragraph, with a blank line before it (indented
  lines continue it)::

      The defaults (3 x 8 x 64) are meant for full-size gathers.

      .. defaults: GlowOversampler n_levels=3 n_steps=8
         hidden_channels=64

Two kinds:

``defaults: <Estimator> key=value ...``
    ``<Estimator>().get_params()[key] == value`` for each pair; ``Estimator``
    is any public estimator of the package.
``settings: <Estimator> key=value ...`` (examples only)
    some ``<Estimator>(...)`` call in the same example file passes exactly
    these literal keyword values.

And the prose must say it too: each value appears in the marker's paragraph
(the text before the marker), in the marker's order (numbers compared as
numbers, ``3 × 8 × 64`` reads as 3, 8, 64). So changing a default fails the
marker, and editing the sentence without the marker fails the prose check.

A sentence that mentions a default size or epoch count ("the default flow is
3 × 8 × 64", "default ... 200 epochs") without a marker in its paragraph fails
as well, so a new statement cannot skip the check.
"""

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# where the documented estimators live (not utils.all_estimators: that imports
# the study too, whose import errors are not this test's subject)
SUBPACKAGES = (
    "over_sampling",
    "neural",
    "augmentation",
    "preprocessing",
    "ensemble",
    "model_selection",
)


def _estimator(name):
    for sub in SUBPACKAGES:
        try:
            module = importlib.import_module(f"sklearn_seismo.{sub}")
        except ImportError:
            continue
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    return None


MD_MARKER = re.compile(r"<!--\s*(defaults|settings):\s*(.*?)\s*-->")
RST_MARKER = re.compile(r"^\s*\.\.\s+(defaults|settings):\s*(.*?)\s*$")
# numbers (1,000 / 0.5 / 1e-3) and words, in the order the prose has them
TOKEN = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:e-?\d+)?|[A-Za-z_][\w-]*")
# "default flow (3 × 8 × 64", "defaults (3 x 8 x 64)", "the default flow is
# 3 × 8 × 64", "default ... 200 epochs": statements that need a marker
UNMARKED = [
    re.compile(r"defaults?\b[^.;:]{0,25}?\d+ [×x] \d+ [×x] \d+"),
    re.compile(r"defaults?\b[^.;:()]{0,30}?\b\d+ epochs"),
]


def _documents():
    docs = [ROOT / "README.md"]
    for pattern in ("**/*.rst", "**/*.md"):
        docs += [
            p
            for p in sorted((ROOT / "docs").glob(pattern))
            if not {"_build", "api", "auto_examples", "_gallery_src"}
            & set(p.relative_to(ROOT / "docs").parts)
        ]
    return docs


def _examples():
    return sorted((ROOT / "examples").glob("*.py"))


def _text_of(path):
    """The text to scan: a file, or an example's module docstring."""
    source = path.read_text()
    if path.suffix == ".py":
        return ast.get_docstring(ast.parse(source), clean=False) or ""
    return source


def _paragraphs(text):
    """Lists of lines separated by blank lines."""
    out, block = [], []
    for line in text.splitlines():
        if line.strip():
            block.append(line)
        elif block:
            out.append(block)
            block = []
    if block:
        out.append(block)
    return out


def parse_markers(text):
    """``[(kind, estimator, {key: value}, prose)]`` of the markers in ``text``."""
    out = []
    previous = ""
    for block in _paragraphs(text):
        joined = "\n".join(block)
        if _is_rst_marker(block):
            # a comment paragraph: its prose is the paragraph before it; an
            # indented line continues the marker above it
            bodies = []
            for line in block:
                m = RST_MARKER.match(line)
                if m:
                    bodies.append([m.group(1), m.group(2)])
                else:
                    bodies[-1][1] += " " + line.strip()
            for kind, body in bodies:
                out.append((kind, *_fields(body), previous))
            continue
        start = 0
        for m in MD_MARKER.finditer(joined):
            prose = MD_MARKER.sub(" ", joined[start : m.start()])
            out.append((m.group(1), *_fields(m.group(2)), prose))
            start = m.end()
        previous = joined
    return out


def _is_rst_marker(block):
    """A paragraph of RST markers (indented lines continue the one above)."""
    indent = len(block[0]) - len(block[0].lstrip())
    return bool(RST_MARKER.match(block[0])) and all(
        RST_MARKER.match(line) or len(line) - len(line.lstrip()) > indent
        for line in block[1:]
    )


def _fields(body):
    name, *pairs = body.split()
    params = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        try:
            params[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            params[key] = raw
    return name, params


def _said_in_order(prose, values):
    """The values (numbers as numbers, other values as text) appear in order."""
    tokens = [
        float(tok.replace(",", "")) if tok[0].isdigit() or tok[0] == "-" else tok
        for tok in TOKEN.findall(prose)
    ]
    missing, i = [], 0
    for value in values:
        want = (
            float(value)
            if isinstance(value, int | float) and not isinstance(value, bool)
            else str(value)
        )
        while i < len(tokens) and tokens[i] != want:
            i += 1
        if i == len(tokens):
            missing.append(value)
            i = 0
        else:
            i += 1
    return missing


def _call_keywords(path, name):
    """Literal keyword arguments of every ``name(...)`` call in a Python file."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
            kwargs = {}
            for kw in node.keywords:
                try:
                    kwargs[kw.arg] = ast.literal_eval(kw.value)
                except ValueError:
                    kwargs[kw.arg] = ast.unparse(kw.value)
            calls.append(kwargs)
    return calls


def _all_markers():
    out = []
    for path in _documents() + _examples():
        for marker in parse_markers(_text_of(path)):
            out.append(pytest.param(path, *marker, id=f"{path.name}:{marker[1]}"))
    return out


# ------------------------------------------------------------- the parser
def test_parse_markers_markdown_and_rst():
    md = "a 3 × 8 × 64 flow <!-- defaults: GlowOversampler n_levels=3 n_steps=8 -->"
    [(kind, name, params, prose)] = parse_markers(md)
    assert (kind, name, params) == (
        "defaults",
        "GlowOversampler",
        {"n_levels": 3, "n_steps": 8},
    )
    assert _said_in_order(prose, [3, 8]) == []
    assert _said_in_order(prose, [8, 3]) == [3]
    rst = "The defaults (3 x 8).\n\n.. defaults: GlowOversampler coupling='additive'"
    [(kind, name, params, prose)] = parse_markers(rst)
    assert params == {"coupling": "additive"}
    assert prose.startswith("The defaults")
    assert _said_in_order(prose, ["additive"]) == ["additive"]


def test_unmarked_statements_are_found():
    bad = "`GlowOversampler`'s default flow (3 × 8 × 64, 200 epochs), seed 0."
    assert any(p.search(bad) for p in UNMARKED)
    assert not any(
        p.search("glow is the new default: a 3 × 4 × 32 flow") for p in UNMARKED
    )


# ------------------------------------------------------------- the documents
@pytest.mark.parametrize(("path", "kind", "name", "params", "prose"), _all_markers())
def test_marker_matches_code_and_prose(path, kind, name, params, prose):
    where = path.relative_to(ROOT)
    estimator = _estimator(name)
    assert estimator is not None, f"{where}: no public estimator named {name!r}"
    if kind == "defaults":
        actual = estimator().get_params()
        wrong = {
            k: (v, actual.get(k, "<no such parameter>")) for k, v in params.items()
        }
        wrong = {k: pair for k, pair in wrong.items() if pair[0] != pair[1]}
        assert not wrong, (
            f"{where} documents {name} defaults that the code does not have "
            f"(documented, actual): {wrong}. Fix the text and its marker."
        )
    else:
        assert path.suffix == ".py", f"{where}: 'settings:' markers are for examples"
        calls = _call_keywords(path, name)
        assert any(
            all(c.get(k, object()) == v for k, v in params.items()) for c in calls
        ), (
            f"{where}: its docstring names {name} settings {params} that no "
            f"{name}(...) call in the example passes; calls: {calls}"
        )
    missing = _said_in_order(prose, list(params.values()))
    assert not missing, (
        f"{where}: the sentence before the {kind} marker of {name} does not "
        f"state {missing} (in the marker's order): {prose!r}"
    )


@pytest.mark.parametrize(
    "path",
    [p for p in _documents() + _examples() if p.name != "README.md"],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_default_statements_carry_a_marker(path):
    unmarked = _unmarked(_text_of(path))
    assert not unmarked, (
        f"{path.relative_to(ROOT)} states defaults without a marker (see "
        f"tests/test_documented_defaults.py for the format): {unmarked}"
    )


def test_readme_default_statements_carry_a_marker():
    text = (ROOT / "README.md").read_text()
    assert not _unmarked(text)
    # the README states GlowOversampler's default size: that line is marked
    names = {m[1] for m in parse_markers(text) if m[0] == "defaults"}
    assert "GlowOversampler" in names


def _unmarked(text):
    """Default statements in paragraphs that carry no marker."""
    paras = _paragraphs(text)
    out = []
    for i, block in enumerate(paras):
        after = paras[i + 1] if i + 1 < len(paras) else []
        if (
            MD_MARKER.search("\n".join(block))
            or _is_rst_marker(block)
            or (after and _is_rst_marker(after))
        ):
            continue
        joined = " ".join(line.strip() for line in block)
        for pattern in UNMARKED:
            out += [m.group(0) for m in pattern.finditer(joined)]
    return out
