"""SEG-Y shot gathers through ObsPy's SEG-Y reader."""

import numbers
import os

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from ._io import (
    MAX_DECOMPRESSED_BYTES,
    check_regular_file,
    decompressed,
    literal_path,
)


@validate_params(
    {
        "path": [str, os.PathLike],
        "return_records": ["boolean"],
        "max_decompressed_bytes": [Interval(numbers.Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def read_shot_gathers(
    path, *, return_records=False, max_decompressed_bytes=MAX_DECOMPRESSED_BYTES
):
    """Read a SEG-Y file into shot gathers grouped by field record number.

    Traces are grouped by the trace header ``original_field_record_number``
    (gathers in increasing record number) and ordered within a gather by
    ``trace_number_within_the_original_field_record`` (file order where it is
    zero).

    Parameters
    ----------
    path : str or path-like
        SEG-Y file (rev. 0/1, any sample format ObsPy reads), or a gzip,
        bzip2, xz or zip file of one (the name is always a path, never a
        glob).
    return_records : bool, default=False
        Also return the field record number of every gather.
    max_decompressed_bytes : int, default=268435456
        Cap on the bytes a compressed ``path`` may decompress to (256 MiB).
        Decompression runs in 1 MiB steps and stops with an error as soon as
        the output would pass the cap (a decompression bomb is refused
        there); raise it for genuine larger files.

    Returns
    -------
    X : ndarray of shape (n_gathers, n_time, n_traces), dtype float32
        Time down the rows, traces along the columns (as
        :func:`make_shot_gathers`).
    records : ndarray of shape (n_gathers,), only if ``return_records``
        Field record numbers.

    Raises
    ------
    ValueError
        If the file is missing, not a regular file or not SEG-Y, if it
        decompresses to more than ``max_decompressed_bytes``
        (:class:`ReaderOptionError`), or if gathers have different
        numbers of traces or traces different numbers of samples (pad or
        cut them first, e.g. with ``obspy.Stream.trim(pad=True)``).

    See Also
    --------
    make_shot_gathers : Synthetic gathers of the same layout.

    Examples
    --------
    >>> import numpy as np, obspy, os, tempfile
    >>> from obspy.core import AttribDict
    >>> from obspy.io.segy.segy import SEGYBinaryFileHeader, SEGYTraceHeader
    >>> from sklearn_seismo.datasets import read_shot_gathers
    >>> st = obspy.Stream()
    >>> for i in range(6):  # two shots of three traces
    ...     tr = obspy.Trace(np.full(10, i, dtype=np.float32))
    ...     tr.stats.delta = 0.004
    ...     tr.stats.segy = AttribDict(trace_header=SEGYTraceHeader())
    ...     tr.stats.segy.trace_header.original_field_record_number = 7 + i // 3
    ...     _ = st.append(tr)
    >>> st.stats = AttribDict(binary_file_header=SEGYBinaryFileHeader())
    >>> path = os.path.join(tempfile.mkdtemp(), "shots.sgy")
    >>> st.write(path, format="SEGY", data_encoding=5)
    >>> X, records = read_shot_gathers(path, return_records=True)
    >>> X.shape, records.tolist()
    ((2, 10, 3), [7, 8])
    """
    import obspy

    path = os.fspath(path)
    check_regular_file(path, "SEG-Y file", glob_ok=False)
    with decompressed(path, path, max_decompressed_bytes) as members:
        if len(members) != 1:
            raise ValueError(
                f"{path!r} is an archive of {len(members)} files; "
                f"read_shot_gathers reads one SEG-Y file: unpack it and pass "
                f"the SEG-Y file."
            )
        member, shown = members[0]
        try:
            st = obspy.read(
                literal_path(member),
                format="SEGY",
                unpack_trace_headers=False,
                check_compression=False,
            )
        except MemoryError:
            raise
        except Exception as exc:
            raise ValueError(
                f"could not read {shown!r} as SEG-Y: {type(exc).__name__}: "
                f"{exc}. Check that it is a SEG-Y rev. 0/1 file; for Seismic "
                f"Unix files convert them to SEG-Y first."
            ) from exc
        # trace headers are unpacked lazily from the file: read them now
        records = np.empty(len(st), dtype=np.int64)
        numbers_ = np.empty(len(st), dtype=np.int64)
        for i, tr in enumerate(st):
            header = tr.stats.segy.trace_header
            records[i] = header.original_field_record_number
            numbers_[i] = header.trace_number_within_the_original_field_record
    if len(st) == 0:
        raise ValueError(f"SEG-Y file {path!r} holds no trace.")
    lengths = {len(tr.data) for tr in st}
    if len(lengths) > 1:
        raise ValueError(
            f"traces of {path!r} have different numbers of samples "
            f"{sorted(lengths)}; pad or cut them to one length first "
            f"(e.g. obspy.Stream.trim(start, end, pad=True, fill_value=0))."
        )
    unique, counts = np.unique(records, return_counts=True)
    if len(set(counts.tolist())) > 1:
        detail = ", ".join(f"{r}: {c}" for r, c in zip(unique, counts))
        raise ValueError(
            f"gathers of {path!r} have different numbers of traces "
            f"(field record: traces = {detail}); select or pad the gathers to "
            f"one trace count before stacking them."
        )
    data = np.stack([np.asarray(tr.data, dtype=np.float32) for tr in st])
    # Stable: file order wherever the trace number within the record is 0.
    order = np.lexsort((np.arange(len(st)), numbers_, records))
    X = data[order].reshape(len(unique), counts[0], -1).transpose(0, 2, 1)
    X = np.ascontiguousarray(X)
    if return_records:
        return X, unique
    return X
