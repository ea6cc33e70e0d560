"""Window lists as CSV for labelling, and labels matched back by window."""

import csv
import os

import numpy as np
from sklearn.utils._param_validation import validate_params

from ._waveforms import window_key

#: Columns of :func:`write_window_csv`, in order.
COLUMNS = (
    "index",
    "file",
    "network",
    "station",
    "location",
    "channels",
    "starttime",
    "endtime",
    "sampling_rate",
    "label",
)
#: The columns that identify a window when labels are read back.
KEY_COLUMNS = ("network", "station", "location", "channels", "starttime")
_SHOWN = 5  # windows named in an error before "..."


@validate_params(
    {"windows": [list, tuple], "path": [str, os.PathLike], "overwrite": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def write_window_csv(windows, path, *, overwrite=False):
    """Write windows as a CSV with an empty ``label`` column to fill in.

    Parameters
    ----------
    windows : list of Window
        From :func:`list_windows`.
    path : str or path-like
        The CSV to write (UTF-8).
    overwrite : bool, default=False
        Replace an existing file.  By default an existing file is refused, so
        that labels already typed in are never lost.

    Returns
    -------
    path : str

    See Also
    --------
    list_windows : The windows of a set of files.
    read_window_labels : Read the filled-in labels back.

    Examples
    --------
    >>> import obspy, os, tempfile
    >>> from sklearn_seismo.datasets import list_windows, write_window_csv
    >>> windows = list_windows(obspy.read(), window=10.0)
    >>> path = write_window_csv(windows, os.path.join(tempfile.mkdtemp(), "w.csv"))
    >>> print(open(path).readline().strip())
    index,file,network,station,location,channels,starttime,endtime,sampling_rate,label
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ValueError(
            f"{path!r} is a folder; pass the path of the CSV file to write."
        )
    if os.path.lexists(path) and not overwrite:
        raise FileExistsError(
            f"{path!r} exists (it may hold labels already typed in); pass "
            f"another path, or overwrite=True to replace it."
        )
    # to a temporary name, then renamed: a failed write leaves no half file
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            for w in windows:
                writer.writerow(
                    [
                        w.index,
                        w.file,
                        w.network,
                        w.station,
                        w.location,
                        w.channels,
                        str(w.starttime),
                        str(w.endtime),
                        f"{w.sampling_rate:g}",
                        "",
                    ]
                )
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _describe(keys):
    shown = [f"{k[0]}.{k[1]}.{k[2]} [{k[3]}] at {k[4]}" for k in keys[:_SHOWN]]
    more = f" and {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else ""
    return "; ".join(shown) + more


@validate_params(
    {"path": [str, os.PathLike], "windows": [list, tuple]},
    prefer_skip_nested_validation=True,
)
def read_window_labels(path, windows):
    """Labels of a filled-in window CSV, in the order of ``windows``.

    Rows are matched to windows by network, station, location, channels and
    start time (the columns :func:`write_window_csv` writes), whatever the row
    order: the CSV can be sorted or filtered in a spreadsheet and still match.

    Parameters
    ----------
    path : str or path-like
        A CSV (UTF-8) with the columns ``network``, ``station``,
        ``location``, ``channels``, ``starttime`` and ``label``; other
        columns are ignored.
    windows : list of Window
        From :func:`list_windows` with the options of the
        :func:`load_waveforms` call the labels are for.

    Returns
    -------
    y : ndarray of shape (len(windows),), dtype str
        ``y[i]`` is the label of ``windows[i]``, i.e. of row ``i`` of
        ``load_waveforms(...).data``.

    Raises
    ------
    ValueError
        Naming the windows, if the CSV lacks a column, a window has no row
        (missing), a row matches no window (extra, e.g. other options), a
        window has more than one row (duplicate), or a label is empty.

    See Also
    --------
    list_windows, write_window_csv

    Examples
    --------
    >>> import obspy, os, tempfile
    >>> from sklearn_seismo.datasets import (
    ...     list_windows, read_window_labels, write_window_csv)
    >>> windows = list_windows(obspy.read(), window=10.0)
    >>> path = write_window_csv(windows, os.path.join(tempfile.mkdtemp(), "w.csv"))
    >>> rows = open(path).read().splitlines()
    >>> labelled = [rows[0]] + [r + lab for r, lab in zip(rows[1:], "abc")]
    >>> _ = open(path, "w").write("\\n".join([labelled[0]] + labelled[:0:-1]))
    >>> read_window_labels(path, windows).tolist()  # rows reversed, still a b c
    ['a', 'b', 'c']
    """
    path = os.fspath(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
            fields = rows[0].keys() if rows else []
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"label file {path!r} is not UTF-8 text ({exc.reason} at byte "
            f"{exc.start}); save it as UTF-8 CSV."
        ) from None
    except csv.Error as exc:
        raise ValueError(f"label file {path!r} is not a valid CSV: {exc}.") from None
    except OSError as exc:
        raise ValueError(
            f"cannot read label file {path!r}: {exc.strerror or exc}."
        ) from None
    needed = (*KEY_COLUMNS, "label")
    lacking = [c for c in needed if c not in fields]
    if not rows or lacking:
        raise ValueError(
            f"label file {path!r} needs a header with the columns "
            f"{', '.join(needed)} and one row per window"
            + (f"; it lacks {', '.join(lacking)}" if rows else "; it has no row")
            + ". Write it with write_window_csv (or python -m "
            "sklearn_seismo.datasets windows) and fill in the label column."
        )
    wanted = {w.key: i for i, w in enumerate(windows)}
    if len(wanted) != len(windows):
        raise ValueError("windows repeats a window; pass list_windows(...) as is.")
    found, extra, duplicate, empty = {}, [], [], []
    for line, row in enumerate(rows, start=2):
        try:
            key = window_key(*(row[c] or "" for c in KEY_COLUMNS))
        except Exception as exc:
            raise ValueError(
                f"label file {path!r}, line {line}: starttime "
                f"{row['starttime']!r} is not a time ({exc}); keep the times "
                f"as write_window_csv wrote them."
            ) from None
        if key not in wanted:
            extra.append(key)
        elif key in found:
            duplicate.append(key)
        else:
            label = (row["label"] or "").strip()
            found[key] = label
            if not label:
                empty.append(key)
    problems = []
    missing = [k for k in wanted if k not in found]
    if missing:
        problems.append(f"{len(missing)} window(s) have no row: {_describe(missing)}")
    if extra:
        problems.append(
            f"{len(extra)} row(s) match no window (written with other files or "
            f"options?): {_describe(extra)}"
        )
    if duplicate:
        problems.append(
            f"{len(duplicate)} window(s) have more than one row: {_describe(duplicate)}"
        )
    if empty:
        problems.append(f"{len(empty)} window(s) have no label: {_describe(empty)}")
    if problems:
        raise ValueError(
            f"label file {path!r} does not match the {len(windows)} windows: "
            + "; ".join(problems)
            + ". Write the list again with the same files and options "
            "(write_window_csv) and give every window one label."
        )
    return np.array([found[w.key] for w in windows])
