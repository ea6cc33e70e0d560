"""The command line sits on top of study/: two subcommands, imported by no library."""

from pathlib import Path

import pytest

import sklearn_seismo.study as study
from sklearn_seismo.study._cli import build_parser, main
from tests._helpers import import_graph

STUDY = Path(study.__file__).parent
CLI_MODULES = {"_cli", "_commands", "_outdir", "__main__"}


def test_no_library_module_imports_the_command_line():
    graph = import_graph(STUDY, "sklearn_seismo.study")
    for module, deps in graph.items():
        if module not in CLI_MODULES:
            assert not deps & CLI_MODULES, (module, deps & CLI_MODULES)


def test_top_level_help_lists_both_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "{run,suite}" in out and "run" in out and "suite" in out
    for name, words in (("run", "--sweep-sizes"), ("suite", "--protocol")):
        with pytest.raises(SystemExit):
            main([name, "--help"])
        assert words in capsys.readouterr().out


def test_no_command_means_run(capsys):
    # the run's own option check answers: the single study is the main job
    with pytest.raises(SystemExit) as exc:
        main(["--folds", "1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "seismo-study run" in err and "2 folds or more" in err
    assert build_parser().parse_args(["run"]).command == "run"


def test_the_old_suite_flag_says_where_the_suite_went(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--suite", "quick"])
    assert exc.value.code == 2
    assert "seismo-study suite --suite quick" in capsys.readouterr().err
