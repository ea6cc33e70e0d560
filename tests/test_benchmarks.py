"""The benchmarks as a place: shared header and harness, index, public API only."""

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


def test_header_reads_the_cpu_and_versions_as_the_study_does(provenance, monkeypatch):
    # ARCHITECTURE.md: benchmarks and study reports name the CPU and the
    # package versions with the same readers of utils.environment
    from sklearn_seismo.utils import environment

    monkeypatch.setattr(environment, "cpu_model", lambda: "CPU-SENTINEL")
    monkeypatch.setattr(
        environment,
        "package_versions",
        lambda packages: {"python": "3.x", **dict.fromkeys(packages, "9.9")},
    )
    assert provenance.machine().startswith("CPU-SENTINEL, ")
    assert provenance.versions(("numpy",)) == "Python 3.x, numpy 9.9"


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
    """Every benchmark script: ``benchmarks/**/*.py`` not starting with ``_``."""
    return sorted(
        p
        for p in BENCHMARKS.rglob("*.py")
        if not any(part.startswith("_") for part in p.relative_to(BENCHMARKS).parts)
        and "results" not in p.relative_to(BENCHMARKS).parts
    )


def _rel(path):
    return path.relative_to(BENCHMARKS).as_posix()


def _private_names(tree):
    """``sklearn_seismo`` imports that name a private module or object."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] != "sklearn_seismo":
                continue
            names = node.module.split(".")[1:] + [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            names = [
                part
                for alias in node.names
                if alias.name.split(".")[0] == "sklearn_seismo"
                for part in alias.name.split(".")[1:]
            ]
        else:
            continue
        out += [n for n in names if n.startswith("_")]
    return out


def test_the_scripts_are_found():
    scripts = {_rel(p) for p in _report_scripts()}
    # grouped by topic: glow and flow scripts in their folders
    assert {"bench_threads.py", "glow/bench_glow_ablation.py"} <= scripts
    assert {"flows/bench_flows.py", "flows/profile_flows.py"} <= scripts
    assert len(scripts) >= 14


def test_private_name_finder():
    tree = ast.parse(
        "from sklearn_seismo.study._suite import SUITES\n"
        "from sklearn_seismo.over_sampling import _glow_training\n"
        "import sklearn_seismo.neural._modules\n"
        "from sklearn_seismo.study import SUITES\n"
        "from numpy import _core\n"
    )
    assert _private_names(tree) == ["_suite", "_glow_training", "_modules"]


@pytest.mark.parametrize("path", _report_scripts(), ids=_rel)
def test_benchmarks_use_public_api_only(path):
    private = _private_names(ast.parse(path.read_text(encoding="utf-8")))
    assert not private, (
        f"{_rel(path)} imports private sklearn_seismo names {private}; use the "
        "public API (or ask the owner to expose what the benchmark needs)"
    )


@pytest.mark.parametrize("path", _report_scripts(), ids=_rel)
def test_every_script_is_in_the_benchmarks_readme(path):
    readme = (BENCHMARKS / "README.md").read_text(encoding="utf-8")
    assert f"`{_rel(path)}`" in readme, (
        f"benchmarks/README.md does not index {_rel(path)}: add its row "
        "(question, command, result file)"
    )


@pytest.mark.parametrize("path", _report_scripts(), ids=_rel)
def test_every_script_uses_the_harness(path):
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    modules = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    }
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert "_harness" in modules, f"{_rel(path)} does not use benchmarks/_harness.py"
    assert "main" in functions, f"{_rel(path)} has no main(argv)"
    assert 'if __name__ == "__main__":' in text
    # the harness times and reads memory; no second implementation
    own = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
        and node.name.lstrip("_") in {"timed", "rss", "rss_mib", "PeakSampler"}
    ] + [
        "ru_maxrss"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "ru_maxrss"
    ]
    assert not own, f"{_rel(path)} has its own {own}: use benchmarks/_harness.py"
    # the command a reader types names the script's real path
    for cmd in re.findall(r"python (benchmarks/\S+\.py)", text):
        assert (BENCHMARKS.parent / cmd).is_file(), f"{_rel(path)}: no {cmd}"


@pytest.mark.parametrize("path", _report_scripts(), ids=_rel)
def test_every_script_takes_quick_and_out_and_puts_its_report_by_them(
    path, monkeypatch, capsys
):
    # ARCHITECTURE.md: every script has main(argv), --quick and --out, and a
    # smoke run never writes over a committed report (_harness.report_path)
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(f"script_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(SystemExit) as exc:
        module.main(["--help"])
    assert exc.value.code == 0
    usage = capsys.readouterr().out
    assert "--quick" in usage and "--out" in usage, f"{_rel(path)}: {usage[:300]}"
    calls = {
        node.func.id
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert "report_path" in calls, (
        f"{_rel(path)} picks its report's path itself: use "
        "_harness.report_path(args, name), which honours --out and --quick"
    )
    assert "command_line" in calls, (
        f"{_rel(path)} writes its report's command itself: use "
        "_harness.command_line(__file__, argv), the command as it was typed"
    )


def test_report_path_keeps_smoke_runs_out_of_the_results(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    from _harness import RESULTS, argument_parser, report_path

    parser = argument_parser("demo")
    assert report_path(parser.parse_args([]), "x.md") == RESULTS / "x.md"
    given = report_path(parser.parse_args(["--quick", "--out", "a/b.md"]), "x.md")
    assert given == Path("a/b.md")
    first = report_path(parser.parse_args(["--quick"]), "x.md")
    second = report_path(parser.parse_args(["--quick"]), "x.md")
    assert first.name == "x.md" and first.parent.is_dir()
    assert RESULTS not in first.parents and first.parent != second.parent


def test_the_harness_examples_hold(monkeypatch):
    # benchmarks/ is outside pytest's doctest paths; its examples are run here
    import doctest

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import _harness

    result = doctest.testmod(_harness, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0


@pytest.mark.parametrize("path", _report_scripts(), ids=_rel)
def test_no_script_overwrites_an_option_after_parsing(path):
    # `if args.quick: args.repeats = 1` silently drops `--quick --repeats 3`;
    # `_harness.parse_args(parser, argv, repeats=1)` makes 1 the default instead
    tree = ast.parse(path.read_text(encoding="utf-8"))
    overwritten = sorted(
        f"args.{target.attr} (line {target.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign)
        for top in (node.targets if isinstance(node, ast.Assign) else [node.target])
        for target in ast.walk(top)
        if isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "args"
    )
    assert not overwritten, (
        f"{_rel(path)} overwrites parsed options {overwritten}: give --quick's "
        "values to _harness.parse_args(parser, argv, name=value) so an option "
        "the user typed still counts"
    )


@pytest.mark.parametrize("path", _report_scripts(), ids=_rel)
def test_no_script_reads_sys_argv(path):
    # `main(argv)` called from Python (a test, a notebook) must state its own
    # arguments in the report, not those of the process that called it
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reads = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "argv"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ]
    assert not reads, (
        f"{_rel(path)} reads sys.argv (lines {reads}): state the command with "
        "_harness.command_line(__file__, argv)"
    )


def test_command_line_states_the_arguments_main_was_given(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    from _harness import command_line

    script = BENCHMARKS / "glow" / "check_v3_targets.py"
    monkeypatch.setattr("sys.argv", ["pytest", "-k", "caller"])
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert (
        command_line(script) == "python benchmarks/glow/check_v3_targets.py -k caller"
    )
    line = command_line(script, ["--note", "fresh clone", "--n", 3])
    assert line == (
        "python benchmarks/glow/check_v3_targets.py --note 'fresh clone' --n 3"
    )
    kept = command_line(
        script,
        ["--from-csv", "x.csv", "--seeds", "1", "--wall-s=5"],
        drop=("--from-csv", "--wall-s"),
    )
    assert kept == "python benchmarks/glow/check_v3_targets.py --seeds 1"
    # a thread setting is stated when the run had it, as it had it
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert command_line(script, []).startswith("OMP_NUM_THREADS=1 python ")


def test_parse_args_lets_quick_shrink_defaults_but_not_typed_options(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    from _harness import argument_parser, parse_args

    parser = argument_parser("demo")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    quick = dict(repeats=1, sizes=[16])
    plain = parse_args(parser, [], **quick)
    assert (plain.repeats, plain.sizes) == (5, [32, 64])
    smoke = parse_args(parser, ["--quick"], **quick)
    assert (smoke.repeats, smoke.sizes) == (1, [16])
    typed = parse_args(parser, ["--quick", "--repeats", "3"], **quick)
    assert (typed.repeats, typed.sizes) == (3, [16])
    # the parser given keeps its own defaults for the next call
    assert parser.parse_args(["--quick"]).repeats == 5
    with pytest.raises(ValueError, match="lacks.*'reps'"):
        parse_args(parser, ["--quick"], reps=1)


def test_every_report_script_has_the_shared_header():
    for path in _report_scripts():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        imported = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module in ("_provenance", "_harness")
            for alias in node.names
        }
        assert "header" in imported, f"{_rel(path)} builds its own report header"
        # no hand-written core count ("2-core CPU") any more
        assert not re.search(r"\d-core", text), _rel(path)


def test_v3_screen_quick_refuses_a_preset_it_would_ignore(monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(BENCHMARKS / "glow"))
    import bench_glow_v3_screen

    with pytest.raises(SystemExit) as exc:
        bench_glow_v3_screen.main(["--quick", "--preset", "full"])
    assert exc.value.code == 2
    assert "drop --preset" in capsys.readouterr().err


def test_check_v3_targets_quick_refuses_a_suite_it_would_ignore(monkeypatch, capsys):
    # the script puts benchmarks/ on the path for its harness itself
    monkeypatch.syspath_prepend(str(BENCHMARKS / "glow"))
    import check_v3_targets

    with pytest.raises(SystemExit) as exc:
        check_v3_targets.main(["--quick", "--suite", str(BENCHMARKS / "results")])
    assert exc.value.code == 2
    assert "drop --suite" in capsys.readouterr().err
