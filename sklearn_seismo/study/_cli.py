"""The study command line: ``seismo-study run|suite`` (``python -m`` of the package).

Two subcommands, each with its own ``--help``: ``run`` (one cross-validated
study, the main job: what runs when no command is given) and ``suite`` (every
arm on several data sets, ranked across them). The options both take (data
files and their preprocessing, execution, output) are added by one function
per group, so they are spelled and checked alike. This module only parses;
the commands run in ``_commands``.
"""

import argparse
import sys
from contextlib import ExitStack

from ..utils._argparse import (
    ShapeAction,
    int_at_least,
    parse_seed,
    positive_float,
)
from ._arms import ALL_ARMS
from ._checks import UsageError
from ._commands import run_command, suite_command
from ._config import STUDY_ARMS
from ._outdir import LOCK_NAME
from ._suite import PROTOCOLS, SUITES

__all__ = ["COMMANDS", "build_parser", "main"]

#: Subcommands; none given means ``run``.
COMMANDS = ("run", "suite")

TOP_DESCRIPTION = """\
The SeismoGlow study: ways to handle a rare class for a CNN classifier of
seismograms (new rare samples from GlowOversampler, SMOTE, ADASYN, random
copies or waveform augmentation, alone, stacked or filtered by a critic;
class weights, focal loss, class-balanced batches, a tuned decision
threshold), compared on the same splits.

Two commands, each with its own --help: run (one cross-validated study, the
default when no command is given) and suite (every arm on several data sets,
ranked across them).
"""

TOP_EPILOG = """\
examples:
  seismo-study                      # = seismo-study run (quick configuration)
  seismo-study run --help
  seismo-study suite --suite quick --n-jobs 2 --cache .suite_cache
  python -m sklearn_seismo.study suite --help
"""

RUN_DESCRIPTION = """\
Cross-validated comparison of ways to handle a rare class for a CNN classifier
(the SeismoGlow study); by default the paper's arms: no oversampling,
GlowOversampler, SMOTE, ADASYN, random oversampling, class weights, waveform
augmentation, glow + augmentation (--arms picks among all of them). Every
arm sees the same stratified folds; synthetic samples come from each training
fold only. Prints the per-class table and writes Markdown, CSV and PNG files.

Without --data it runs on synthetic shot gathers (make_shot_gathers) with a
quick configuration meant to finish in under 15 minutes on 2 CPU cores;
--paper uses the paper's sizes (a GPU job).
"""

DATA_EPILOG = """\
data files:
  --data X.npz            arrays X (n, *sample_shape) numeric and y (n,) labels
                          (save string labels as a str array, not object)
  --data 'dir/*.mseed' --labels labels.csv
                          windows read by sklearn_seismo.datasets.load_waveforms
                          (--window, --step, --channels, --sampling-rate,
                          --on-gap, --on-missing); --data a.mseed b.sac, or
                          --data given again, reads the files together.
                          labels.csv: list the windows first with
                            python -m sklearn_seismo.datasets windows \
                              'dir/*.mseed' --window 10 --out labels.csv
                          (the same reader options), fill in its label
                          column; rows are matched by window in any order.
                          A CSV with only a 'label' column is read in load
                          order.
"""

OUT_EPILOG = """
output (--out): checked before any fit. A folder that holds files is refused
unless --overwrite is given; a lock file refuses a second run on the same
folder while one is running. The report is written to a temporary sub-folder
and moved into place file by file (atomic renames); if writing it fails, the
computed scores are saved as JSON and the message says where.
"""

RUN_EPILOG = (
    DATA_EPILOG
    + OUT_EPILOG
    + """
exit status: 0 success; 1 an arm failed on every fold (see report.md), or
the report could not be written (the scores are saved); 2 bad options or data
(checked before any fit).

threads: 1 torch thread per fit; --torch-threads N or SEISMO_TORCH_THREADS=N
(or auto = cores // n_jobs) override.

examples:
  python -m sklearn_seismo.study
  python -m sklearn_seismo.study run --arms none,glow,smote --folds 3 --n-jobs 2
  python -m sklearn_seismo.study run --data gathers.npz --out results/
  python -m sklearn_seismo.study run --backend dask --n-jobs 2   # local cluster
  python -m sklearn_seismo.study run --backend dask --scheduler tcp://10.0.0.1:8786
  python -m sklearn_seismo.study run --paper --n-jobs 1   # on a GPU machine
"""
)

CLUSTER_EPILOG = """
on a cluster (--backend dask): the units (data set x arm x split) run as one
joblib call on dask.distributed workers, with the same scores as --backend loky.
  seismo-study suite --backend dask --n-jobs 4        # a local cluster: 4 worker
                                                      # processes on this machine
  dask scheduler                                      # on one machine; it prints
                                                      # its address tcp://HOST:8786
  dask worker tcp://HOST:8786 --nworkers 2 --nthreads 1   # on every machine
  seismo-study suite --suite full --backend dask --scheduler tcp://HOST:8786 \\
      --cache /shared/suite_cache
Every worker needs the same sklearn_seismo (and torch) installed. --cache must
be a folder that every worker can reach (a shared file system): the workers
write each finished unit there, so an interrupted run resumes. Each fit gets
cores // (worker threads on its machine) torch threads.
"""

SUITE_DESCRIPTION = """\
Study suite: every arm on several data sets, with repeated folds or an
independent test set, paired tests per data set and rankings (Friedman,
Nemenyi critical difference) across them.
"""


def _suite_epilog():
    # read when the help is printed: datasets imports pylops and torch
    from ..datasets import BENCHMARKS

    listing = "\n".join(
        f"  {name:<17} {b.description}" for name, b in BENCHMARKS.items()
    )
    return (
        f"data sets (--datasets):\n{listing}\n\n"
        + DATA_EPILOG
        + OUT_EPILOG
        + "\nexit status: 0 success; 1 an arm failed on every split of a data set\n"
        "(the report is still written), or the report could not be written (the\n"
        "scores are saved); 2 bad options or data (checked before any fit).\n\n"
        "examples:\n"
        "  seismo-study suite --suite quick --n-jobs 2 --cache .suite_cache\n"
        "  seismo-study suite --suite full --n-jobs 2 --cache .suite_cache\n"
        "  seismo-study suite --protocol cv --folds 5 --repeats 3 \\\n"
        "      --datasets gathers32_easy,waveform_quality\n"
        "  seismo-study suite --protocol cv --data mine.npz --datasets "
        "gathers32_hard\n" + CLUSTER_EPILOG
    )


# ------------------------------------------------------------- option types


def _sizes(text):
    try:
        sizes = tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 0:
        raise argparse.ArgumentTypeError(
            f"invalid sizes {text!r}: give non-negative ints such as 0,100,200"
        )
    return sizes


def _arms(text):
    arms = tuple(a.strip() for a in text.split(",") if a.strip())
    unknown = [a for a in arms if a not in ALL_ARMS]
    if not arms or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown arm(s) {unknown or text!r}; choose among {','.join(ALL_ARMS)}"
        )
    repeated = sorted({a for a in arms if arms.count(a) > 1})
    if repeated:
        raise argparse.ArgumentTypeError(
            f"arm(s) {','.join(repeated)} named twice in {text!r}; name each arm once"
        )
    return arms


_positive_int = int_at_least(1)


def _channels(text):
    letters = text.strip()
    if not letters or not letters.isalnum():
        raise argparse.ArgumentTypeError(
            f"expected component letters such as ZNE or ZE, got {text!r}"
        )
    return letters


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of workers: give N >= 1, or -1 for all "
            "cores (-2 all but one, ...)"
        )
    return value


def _datasets(text):
    from ..datasets import BENCHMARKS  # pylops and torch: only when given

    names = tuple(d.strip() for d in text.split(",") if d.strip())
    if names == ("all",):
        return tuple(BENCHMARKS)
    unknown = [d for d in names if d not in BENCHMARKS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown data set(s) {unknown or text!r}; choose among "
            f"{','.join(BENCHMARKS)} (or all)"
        )
    return names


# ------------------------------------------------------- shared option groups


def add_data_options(parser, *, generated):
    """Data files and their preprocessing: the same options for both commands."""
    data = parser.add_argument_group("data")
    data.add_argument(
        "--data",
        nargs="+",
        action="extend",
        metavar="PATH",
        help="a .npz with X and y, or waveform files/globs read together with "
        "load_waveforms (needs --labels); several paths, or --data given "
        "again, add files",
    )
    data.add_argument(
        "--labels",
        metavar="CSV",
        help="labels of the waveform windows: the window list of `python -m "
        "sklearn_seismo.datasets windows` with its label column filled in "
        "(matched by window), or a CSV with only a 'label' column, one row per "
        "window in load order",
    )
    data.add_argument(
        "--window",
        type=positive_float,
        metavar="SECONDS",
        help="window length for waveform files (load_waveforms)",
    )
    data.add_argument(
        "--step",
        type=positive_float,
        metavar="SECONDS",
        help="step between window starts for waveform files (default: --window)",
    )
    data.add_argument(
        "--channels",
        type=_channels,
        metavar="ZNE",
        help="component letters of waveform files, in output order (default: ZNE)",
    )
    data.add_argument(
        "--sampling-rate",
        type=positive_float,
        metavar="HZ",
        help="waveform files: resample to this rate; .npz data: its rate "
        "(needed by --bandpass)",
    )
    data.add_argument(
        "--on-gap",
        choices=("raise", "skip", "fill"),
        help="waveform files with gaps: raise an error (default), skip the "
        "windows that overlap a gap, or fill gaps by linear interpolation",
    )
    data.add_argument(
        "--on-missing",
        choices=("raise", "skip", "fill"),
        help="instruments lacking a component of --channels: raise an error "
        "(default), skip the instrument, or fill the component with zeros",
    )
    data.add_argument(
        "--format",
        metavar="FORMAT",
        help="ObsPy format of every waveform file (MSEED, SAC, SEGY, ...; "
        "default: detected per file)",
    )
    data.add_argument(
        "--max-decompressed-bytes",
        type=_positive_int,
        metavar="BYTES",
        help="most bytes one compressed waveform file may decompress to "
        "(default: 268435456)",
    )
    data.add_argument(
        "--bandpass",
        type=positive_float,
        nargs=2,
        metavar=("FMIN", "FMAX"),
        help="Butterworth band-pass (sklearn_seismo.preprocessing.Bandpass) "
        f"applied to every sample of {'the data' if generated else '--data'} "
        "before the study",
    )
    data.add_argument(
        "--normalize",
        choices=("peak", "std"),
        help="divide every trace by its peak or standard deviation "
        "(sklearn_seismo.preprocessing.Normalize), after --bandpass",
    )
    data.add_argument(
        "--layout",
        choices=("auto", "gathers", "waveforms"),
        default="auto",
        help="samples are gathers (n_time, n_traces) for MiniceptionClassifier, or "
        "waveforms (C, T) for ResNetClassifier; auto: waveform files and 1-D or "
        "<=3-row samples are waveforms, generated data and the rest gathers",
    )
    return data


def add_execution_options(parser, *, out, verbose=False):
    """Execution and output: the same options for both commands."""
    run = parser.add_argument_group("execution")
    run.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="fits run concurrently (-1: all cores; default: 1)",
    )
    run.add_argument(
        "--backend",
        choices=("loky", "dask"),
        default="loky",
        help="joblib backend; dask runs on a dask.distributed cluster: "
        "--scheduler, or a local one (127.0.0.1, --n-jobs worker processes)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="dask scheduler address, e.g. tcp://10.0.0.1:8786",
    )
    run.add_argument(
        "--device",
        default="auto",
        help="torch device of classifier and flows (default: auto, "
        "a GPU when there is one)",
    )
    run.add_argument(
        "--out",
        default=out,
        metavar="DIR",
        help=f"output folder (default: {out}); a folder holding files is "
        "refused unless --overwrite, and one another run is writing to (its "
        f"lock file {LOCK_NAME}) always",
    )
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="reuse a non-empty --out: the new report replaces the earlier "
        "run's, whose files this run does not rewrite are removed (other "
        "files are left alone)",
    )
    run.add_argument(
        "--seed",
        type=parse_seed,
        default=0,
        help="random seed, 0 to 2**32 - 1 (default: 0)",
    )
    run.add_argument(
        "--torch-threads",
        type=_positive_int,
        metavar="N",
        help="torch threads per fit (default: 1, or $SEISMO_TORCH_THREADS; "
        "auto = cores // concurrent fits)",
    )
    noise = run.add_mutually_exclusive_group()
    noise.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress bars, no warning summary",
    )
    if verbose:
        noise.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            help="print every warning the fits raised (default: a count; "
            "report.md lists them)",
        )
    return run


class _SuiteIsACommand(argparse.Action):
    """``seismo-study --suite quick`` of earlier versions: say where it went."""

    def __call__(self, parser, namespace, values, option_string=None):
        parser.error(
            f"the suite is a command of its own: seismo-study suite --suite {values} "
            "(seismo-study suite --help lists its options)."
        )


def _add_run_options(p):
    add_data_options(p, generated=True)
    data = p.add_argument_group("generated data (without --data)")
    data.add_argument(
        "--n-samples",
        type=_positive_int,
        metavar="N",
        help="number of synthetic gathers when no --data is given "
        "(quick: 800, paper: 5223)",
    )
    data.add_argument(
        "--shape",
        nargs="+",
        action=ShapeAction,
        metavar="N",
        help="gather shape when no --data is given: 32x32 or 32 32 "
        "(quick: 32x32, paper: 896x640)",
    )
    data.add_argument(
        "--minority",
        metavar="LABEL",
        help="class to oversample (default: the least frequent)",
    )
    study = p.add_argument_group("study")
    study.add_argument(
        "--paper",
        action="store_true",
        help="paper configuration: 5,223 gathers of 896x640, 10 folds, "
        "40 classifier epochs, 400 flow epochs (a GPU job)",
    )
    study.add_argument(
        "--arms",
        type=_arms,
        metavar="A,B,...",
        help=f"arms to run, comma separated, among {','.join(ALL_ARMS)} "
        f"(default: {','.join(STUDY_ARMS)})",
    )
    study.add_argument(
        "--folds",
        type=int_at_least(2, "; cross-validation needs 2 folds or more"),
        metavar="K",
        help="number of stratified folds, 2 to the size of the smallest class "
        "(quick: 4, paper: 10)",
    )
    study.add_argument(
        "--n-synthetic",
        type=_positive_int,
        metavar="N",
        help="synthetic minority samples per training fold (quick: 100, paper: 600)",
    )
    study.add_argument(
        "--k-neighbors",
        type=_positive_int,
        default=5,
        metavar="K",
        help="neighbours of SMOTE and ADASYN (default: 5; lowered, with a note "
        "in the report, when a training fold has too few minority samples)",
    )
    study.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help="classifier epochs, also caps the sweep's (quick: 8, sweep 12 with "
        "early stopping; paper: 40, sweep 100)",
    )
    study.add_argument(
        "--lr", type=positive_float, metavar="RATE", help="classifier learning rate"
    )
    study.add_argument(
        "--batch-size", type=_positive_int, metavar="N", help="classifier batch size"
    )
    study.add_argument(
        "--flow-epochs",
        type=_positive_int,
        metavar="N",
        help="most epochs of each flow's training (GlowOversampler max_epochs; "
        "quick: 100 with early stopping, paper: 400)",
    )
    study.add_argument(
        "--sweep",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run the number-of-synthetic-samples sweep "
        "(Figure 4) on a 70/10/20 split (default: on)",
    )
    study.add_argument(
        "--sweep-sizes",
        metavar="N,N,...",
        type=_sizes,
        help="sweep sizes (quick: 0,50,100,200; paper: 0,100,...,1000)",
    )
    study.add_argument("--suite", action=_SuiteIsACommand, help=argparse.SUPPRESS)
    add_execution_options(p, out="study_results", verbose=True)


def _add_suite_options(p):
    suite = p.add_argument_group("suite")
    suite.add_argument(
        "--suite",
        choices=tuple(SUITES),
        default="quick",
        help="preset (default: quick); the options below override it",
    )
    suite.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        help="cv: repeated stratified k-fold; holdout: independent "
        "training sets and test sets drawn with other seeds",
    )
    suite.add_argument(
        "--datasets",
        type=_datasets,
        metavar="A,B,...",
        help="registered data sets, comma separated, or 'all' (see "
        "sklearn_seismo.datasets.BENCHMARKS)",
    )
    suite.add_argument("--arms", type=_arms, metavar="A,B,...")
    suite.add_argument("--folds", type=_positive_int, metavar="K")
    suite.add_argument("--repeats", type=_positive_int, metavar="R")
    suite.add_argument(
        "--seeds",
        type=_positive_int,
        metavar="S",
        help="holdout: number of training sets",
    )
    suite.add_argument(
        "--n-samples",
        type=_positive_int,
        metavar="N",
        help="samples per draw (holdout: training-set size)",
    )
    suite.add_argument(
        "--n-test",
        type=_positive_int,
        metavar="N",
        help="holdout test-set size (default 6000)",
    )
    suite.add_argument("--n-synthetic", type=_positive_int, metavar="N")
    suite.add_argument("--epochs", type=_positive_int, metavar="N")
    suite.add_argument("--flow-epochs", type=_positive_int, metavar="N")
    suite.add_argument(
        "--rank-metric",
        default="f1_minority",
        help="score ranked across data sets (default: f1_minority; also "
        "f1_macro, balanced_accuracy, ... or a per-class score f1_<class>)",
    )
    suite.add_argument("--alpha", type=float, default=0.05)
    suite.add_argument(
        "--cache", metavar="DIR", help="joblib cache: a rerun resumes where it stopped"
    )
    add_data_options(p, generated=False)
    add_execution_options(p, out="suite_results")


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose epilog may be a function, called for --help."""

    def format_help(self):
        if callable(self.epilog):
            self.epilog = self.epilog()
        return super().format_help()


def build_parser():
    """The ``argparse`` parser of the command line, with its two subcommands.

    The subparsers are in ``parser.commands`` (name -> parser).
    """
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="seismo-study",
        description=TOP_DESCRIPTION,
        epilog=TOP_EPILOG,
        formatter_class=formatter,
    )
    sub = parser.add_subparsers(
        dest="command", metavar="{run,suite}", parser_class=_Parser
    )
    run = sub.add_parser(
        "run",
        help="one cross-validated study (the default)",
        description=RUN_DESCRIPTION,
        epilog=RUN_EPILOG,
        formatter_class=formatter,
    )
    _add_run_options(run)
    suite = sub.add_parser(
        "suite",
        help="every arm on several data sets, ranked across them",
        description=SUITE_DESCRIPTION,
        epilog=_suite_epilog,
        formatter_class=formatter,
    )
    _add_suite_options(suite)
    parser.commands = {"run": run, "suite": suite}
    return parser


_RUNNERS = {"run": run_command, "suite": suite_command}


def main(argv=None):
    """Run the command line; returns the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments (``sys.argv[1:]`` when None). Without a command (``run`` or
        ``suite``) as first argument, ``run`` is meant: ``seismo-study`` and
        ``seismo-study --folds 3`` run the single study.

    Returns
    -------
    status : int
        0 on success; 1 when an arm failed on every fold (the report is still
        written). Bad options or data are found before any fit and exit with
        status 2 and a message (``argparse``), never a traceback.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    explicit = argv[:1] and argv[0] in (*COMMANDS, "-h", "--help")
    args = parser.parse_args(argv if explicit else ["run", *argv])
    command = parser.commands[args.command]
    with ExitStack() as stack:
        try:
            return _RUNNERS[args.command](args, argv, stack)
        except UsageError as exc:
            command.error(str(exc))
