"""The benchmarks' shared report header (``benchmarks/_provenance.py``)."""

import ast
import datetime
import importlib.util
import os
import re
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def provenance():
    spec = importlib.util.spec_from_file_location(
        "_provenance", BENCHMARKS / "_provenance.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_header_states_command_machine_versions_date(provenance):
    before = datetime.datetime.now(datetime.timezone.utc).replace(
        second=0, microsecond=0
    )
    lines = provenance.header(
        "A title",
        "python benchmarks/x.py --n 3",
        wall_s=42.4,
        packages=("numpy", "no-such-distribution"),
        details=["data: 3 gathers"],
    )
    after = datetime.datetime.now(datetime.timezone.utc)
    assert lines[:3] == ["# A title", "", "- command: `python benchmarks/x.py --n 3`"]
    machine, versions, date, details = lines[3:]
    # measured, not written by hand
    assert machine.startswith("- machine: ")
    assert f"{os.cpu_count()} logical cores" in machine
    assert "load average at the end" in machine
    assert f"numpy {np.__version__}" in versions
    assert "no-such-distribution not installed" in versions
    stamp, wall = date.removeprefix("- date: ").split("; ")
    when = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M UTC").replace(
        tzinfo=datetime.timezone.utc
    )
    assert before <= when <= after
    assert wall == "wall time 42 s"
    assert details == "- data: 3 gathers"
    long = provenance.header("T", "c", wall_s=5400)
    assert long[-1].endswith("wall time 90.0 min")
    assert "wall time" not in provenance.header("T", "c")[-1]


def _report_scripts():
    return sorted(p for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))


def test_every_benchmark_script_uses_the_shared_header():
    scripts = _report_scripts()
    assert len(scripts) >= 10
    for path in scripts:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "_provenance"
            for alias in node.names
        }
        assert "header" in imported, f"{path.name} builds its own report header"
        # no hand-written core count ("2-core CPU") any more
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\d-core", text), path.name
