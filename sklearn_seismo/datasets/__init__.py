"""Synthetic marine shot gathers and real waveforms through ObsPy.

make_shot_gathers
    Synthetic towed-streamer shot gathers labelled good / medium / bad.
load_waveforms
    Multi-component windows from any file format ObsPy reads.
load_example_waveforms, load_example_noise
    Real records that ship inside ObsPy (no download).
make_waveform_quality
    Real ObsPy windows labelled by data quality (noise, instrument faults).
load_benchmark, BENCHMARKS
    The data sets of the study suite by name.
read_shot_gathers
    SEG-Y shot gathers grouped by field record number.
list_windows, write_window_csv, read_window_labels
    The windows load_waveforms makes, as a CSV to label, and labels back.
ReaderOptionError
    A reader error whose fix is another option value (keyword or CLI flag).

Run ``python -m sklearn_seismo.datasets`` for a summary and example figure,
and ``python -m sklearn_seismo.datasets windows FILES --out windows.csv`` to
list the windows of your files for labelling.
"""

from ._benchmarks import (
    BENCHMARKS,
    Benchmark,
    load_benchmark,
    make_waveform_quality,
)
from ._errors import ReaderOptionError
from ._examples import load_example_noise, load_example_waveforms
from ._labels import read_window_labels, write_window_csv
from ._segy import read_shot_gathers
from ._shot_gathers import make_shot_gathers
from ._waveforms import list_windows, load_waveforms

__all__ = [
    "BENCHMARKS",
    "Benchmark",
    "load_benchmark",
    "make_waveform_quality",
    "load_example_noise",
    "load_example_waveforms",
    "load_waveforms",
    "list_windows",
    "make_shot_gathers",
    "read_shot_gathers",
    "read_window_labels",
    "write_window_csv",
    "ReaderOptionError",
]
