"""Hostile and careless input to the readers (issues 25 and 26).

Each test fails on the starting commit 85ba0d4: names read as globs, silent
conflicting overlaps, unbounded decompression, reader errors without the file
or format, CLI tracebacks, and fixes named only in Python words. New public
names are looked up inside the tests (``ds.ReaderOptionError``), so that on
the old code each test fails on its own.
"""

import bz2
import gzip
import io
import lzma
import os
import pickle
import stat
import sys
import tarfile
import tracemalloc
import zipfile

import numpy as np
import obspy
import pytest

import sklearn_seismo.datasets as ds
from sklearn_seismo.datasets import load_waveforms, read_shot_gathers
from sklearn_seismo.datasets._cli import main

MiB = 2**20


def _trace(station, value=None, start=0.0, npts=1000, channel="EHZ", seed=0):
    data = (
        np.random.default_rng(seed).integers(-1000, 1000, npts).astype(np.int32)
        if value is None
        else np.full(npts, value, dtype=np.int32)
    )
    tr = obspy.Trace(data)
    tr.stats.network, tr.stats.station, tr.stats.channel = "XX", station, channel
    tr.stats.sampling_rate = 100.0
    tr.stats.starttime = obspy.UTCDateTime(2020, 1, 1) + start
    return tr


def _write_segy(path, gathers, records):
    from obspy.core import AttribDict
    from obspy.io.segy.segy import SEGYBinaryFileHeader, SEGYTraceHeader

    st = obspy.Stream()
    for g, rec in zip(gathers, records):
        for j in range(g.shape[1]):
            tr = obspy.Trace(np.ascontiguousarray(g[:, j], dtype=np.float32))
            tr.stats.delta = 0.004
            header = SEGYTraceHeader()
            header.original_field_record_number = int(rec)
            header.trace_number_within_the_original_field_record = j + 1
            tr.stats.segy = AttribDict(trace_header=header)
            st.append(tr)
    st.stats = AttribDict(binary_file_header=SEGYBinaryFileHeader())
    st.write(str(path), format="SEGY", data_encoding=5)


def _write(path, *traces):
    obspy.Stream(list(traces)).write(str(path), format="MSEED")
    return str(path)


# ---------------------------------------------------------------- 1. paths


def test_a_name_that_exists_is_read_as_that_file_not_as_a_glob(tmp_path):
    _write(tmp_path / "sta1.mseed", _trace("DECOY"))
    literal = _write(tmp_path / "sta[1].mseed", _trace("LIT"))
    b = load_waveforms(literal, channels="Z")
    assert b.stations == ["XX.LIT..EH"]
    # *, ? and spaces: the exact file, not the files the pattern would match
    _write(tmp_path / "axb c.mseed", _trace("DECOY"))
    for name in ("a*b c.mseed", "a?b c.mseed", "[a]xb c.mseed"):
        path = _write(tmp_path / name, _trace("LIT"))
        assert load_waveforms(path, channels="Z").stations == ["XX.LIT..EH"]
        windows = ds.list_windows(path, channels="Z")
        assert [w.file for w in windows] == [path]
    # a pattern that is not a file name is still a glob
    b = load_waveforms(str(tmp_path / "sta?.mseed"), channels="Z")
    assert b.stations == ["XX.DECOY..EH"]
    with pytest.raises(ValueError, match=r"no file is named .*matches no file"):
        load_waveforms(str(tmp_path / "nothing[0-9].mseed"))


def test_a_folder_that_exists_is_that_folder_in_a_glob(tmp_path):
    # the rule of a whole name holds for the folder part of a pattern
    (tmp_path / "run[1]").mkdir()
    (tmp_path / "run1").mkdir()
    _write(tmp_path / "run1" / "a.mseed", _trace("DECOY"))
    _write(tmp_path / "run[1]" / "a.mseed", _trace("LIT"))
    pattern = str(tmp_path / "run[1]" / "*.mseed")
    assert load_waveforms(pattern, channels="Z").stations == ["XX.LIT..EH"]
    # a folder part that exists nowhere is still a pattern
    b = load_waveforms(str(tmp_path / "run[0-9]" / "*.mseed"), channels="Z")
    assert b.stations == ["XX.DECOY..EH"]


# ------------------------------------------------------------ 2. overlaps


def test_conflicting_overlap_names_both_files_identical_overlap_merges(tmp_path):
    a = _write(tmp_path / "a.mseed", _trace("STA", start=0.0, npts=2000, seed=1))
    b = _write(tmp_path / "b.mseed", _trace("STA", start=0.0, npts=2000, seed=2))
    with pytest.raises(ValueError, match=r"overlapping records that disagree") as e:
        load_waveforms([a, b], channels="Z")
    assert "a.mseed" in str(e.value) and "b.mseed" in str(e.value)
    assert "2000 samples" in str(e.value)
    # partial overlap: 10-20 s shared, different samples
    first = _trace("STA", npts=2000, seed=3)
    second = _trace("STA", start=10.0, npts=2000, seed=4)
    c = _write(tmp_path / "c.mseed", second)
    with pytest.raises(ValueError, match=r"disagree.*1000 samples they share"):
        load_waveforms([_write(tmp_path / "d.mseed", first), c], channels="Z")
    # identical overlap (same samples in both records): merged, no error
    same = second.copy()
    same.data[:1000] = first.data[1000:]
    e_ = _write(tmp_path / "e.mseed", same)
    merged = load_waveforms([str(tmp_path / "d.mseed"), e_], channels="Z")
    assert merged.data.shape == (1, 1, 3000)
    np.testing.assert_array_equal(merged.data[0, 0, :2000], first.data)
    # the same file twice is an identical overlap too
    assert load_waveforms([a, a], channels="Z").data.shape == (1, 1, 2000)


# ----------------------------------------------------------- 3. bombs


def _zeros(n_bytes, chunk=MiB):
    for _ in range(n_bytes // chunk):
        yield bytes(chunk)


def _bomb(path, kind, n_bytes):
    path = str(path)
    if kind in ("gz", "bz2", "xz"):
        opener = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}[kind]
        kwargs = {"preset": 1} if kind == "xz" else {}  # a 1 MiB dictionary
        with opener(path, "wb", **kwargs) as fh:
            for block in _zeros(n_bytes):
                fh.write(block)
    elif kind.startswith("zip"):
        method = zipfile.ZIP_BZIP2 if kind == "zip-bz2" else zipfile.ZIP_DEFLATED
        with zipfile.ZipFile(path, "w", compression=method) as zf:
            with zf.open("zeros.mseed", "w", force_zip64=True) as fh:
                for block in _zeros(n_bytes):
                    fh.write(block)
    elif kind == "tar.gz":
        with tarfile.open(path, "w:gz") as tar:
            info = tarfile.TarInfo("zeros.mseed")
            info.size = n_bytes
            tar.addfile(info, io.BytesIO(bytes(n_bytes)))
    return path


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zip", "zip-bz2", "tar.gz"])
def test_decompression_bomb_is_refused_at_the_cap(tmp_path, kind):
    path = _bomb(tmp_path / f"bomb.mseed.{kind}", kind, 64 * MiB)
    assert os.path.getsize(path) < MiB
    cap = 16 * MiB
    tracemalloc.start()
    try:
        with pytest.raises(ds.ReaderOptionError) as e:
            load_waveforms(path, max_decompressed_bytes=cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    msg = str(e.value)
    assert "bomb.mseed" in msg and f"{cap:,}" in msg
    assert "max_decompressed_bytes=<bytes>" in msg
    assert "--max-decompressed-bytes <bytes>" in e.value.cli_message()
    assert peak < 6 * MiB, peak  # 1 MiB steps, never the whole output


def test_default_cap_refuses_a_gz_bomb_and_reads_genuine_archives(tmp_path):
    bomb = _bomb(tmp_path / "big.mseed.gz", "gz", 300 * MiB)
    with pytest.raises(ValueError, match=r"big\.mseed\.gz.*268,435,456 bytes"):
        load_waveforms(bomb)
    # genuine compressed MiniSEED and a zip of three files read as before
    st = obspy.read()
    for tr in st:
        tr.data = tr.data.astype(np.int32)
    plain = tmp_path / "rjob.mseed"
    st.write(str(plain), format="MSEED")
    ref = load_waveforms(str(plain))
    with gzip.open(tmp_path / "rjob.mseed.gz", "wb") as fh:
        fh.write(plain.read_bytes())
    np.testing.assert_array_equal(
        load_waveforms(str(tmp_path / "rjob.mseed.gz")).data, ref.data
    )
    with zipfile.ZipFile(tmp_path / "rjob.zip", "w", zipfile.ZIP_BZIP2) as zf:
        for tr in st:
            buf = io.BytesIO()
            tr.write(buf, format="MSEED")
            zf.writestr(f"{tr.id}.mseed", buf.getvalue())
    np.testing.assert_array_equal(
        load_waveforms(str(tmp_path / "rjob.zip")).data, ref.data
    )
    with tarfile.open(tmp_path / "rjob.tar.gz", "w:gz") as tar:
        for tr in st:
            buf = io.BytesIO()
            tr.write(buf, format="MSEED")
            info = tarfile.TarInfo(f"{tr.id}.mseed")
            info.size = len(buf.getvalue())
            tar.addfile(info, io.BytesIO(buf.getvalue()))
    np.testing.assert_array_equal(
        load_waveforms(str(tmp_path / "rjob.tar.gz")).data, ref.data
    )
    with pytest.raises(ValueError, match=r"rjob\.zip.*max_decompressed_bytes"):
        load_waveforms(str(tmp_path / "rjob.zip"), max_decompressed_bytes=1000)


def _as_v7(tar_bytes):
    """A ustar archive made headerless (v7): magic blanked, checksums redone."""
    data = bytearray(tar_bytes)
    for start in range(0, len(data), 512):
        head = data[start : start + 512]
        if head[257:262] != b"ustar":
            continue  # a data block or the end-of-archive zeros
        head[257:265] = bytes(8)
        head[148:156] = b" " * 8
        head[148:156] = b"%06o\0 " % sum(head)
        data[start : start + 512] = head
    return bytes(data)


def test_a_v7_tar_is_unpacked(tmp_path):
    st = obspy.read()
    for tr in st:
        tr.data = tr.data.astype(np.int32)
    plain = tmp_path / "rjob.mseed"
    st.write(str(plain), format="MSEED")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.add(plain, arcname="rjob.mseed")
    v7 = tmp_path / "rjob.tar"
    v7.write_bytes(_as_v7(buf.getvalue()))
    assert b"ustar" not in v7.read_bytes()
    np.testing.assert_array_equal(
        load_waveforms(str(v7)).data, load_waveforms(str(plain)).data
    )


def test_no_obspy_test_file_but_a_tar_is_taken_for_one():
    # tarfile's own check accepts some waveform files (ObsPy ships
    # tarfile_impostor.mseed for that); the readers' must not
    from sklearn_seismo.datasets._io import _is_tar

    root = os.path.dirname(obspy.__file__)
    files = [
        os.path.join(folder, name)
        for folder, _, names in os.walk(root)
        if f"tests{os.sep}data" in folder
        for name in names
    ]
    if not files:
        pytest.skip("this ObsPy installation ships no test data files")
    taken = [f for f in files if _is_tar(f)]
    assert all(f.endswith(".tar") for f in taken), taken
    impostors = [f for f in files if not f.endswith((".tar", ".tgz"))]
    assert sum(tarfile.is_tarfile(f) for f in impostors) > 0  # the trap is live


def test_segy_bomb_refused_and_gzipped_segy_read(tmp_path):
    from sklearn_seismo.datasets import make_shot_gathers

    X, _ = make_shot_gathers(2, shape=(16, 8), random_state=0)
    sgy = tmp_path / "shots.sgy"
    _write_segy(sgy, X, [1, 2])
    with gzip.open(tmp_path / "shots.sgy.gz", "wb") as fh:
        fh.write(sgy.read_bytes())
    np.testing.assert_array_equal(
        read_shot_gathers(tmp_path / "shots.sgy.gz"), read_shot_gathers(sgy)
    )
    bomb = _bomb(tmp_path / "bomb.sgy.gz", "gz", 32 * MiB)
    with pytest.raises(ds.ReaderOptionError, match=r"bomb\.sgy\.gz.*4,194,304"):
        read_shot_gathers(bomb, max_decompressed_bytes=4 * MiB)


# -------------------------------------------- 4. errors name file and format


def _gse2(tmp_path):
    st = obspy.read()
    for tr in st:
        tr.data = np.round(tr.data).astype(np.int32)
    path = tmp_path / "rjob.gse2"
    st.write(str(path), format="GSE2")
    return path.read_bytes()


@pytest.mark.parametrize(
    "where, byte",
    [(5, b"x"), (57, b"x"), (29, b"\xff")],  # sample count, rate, station
    ids=["int-field", "float-field", "non-utf8"],
)
def test_mutated_gse2_error_names_file_and_format(tmp_path, where, byte):
    raw = bytearray(_gse2(tmp_path))
    raw[where : where + 1] = byte
    path = tmp_path / "mutated.gse2"
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"'[^']*mutated\.gse2' as GSE2") as e:
        load_waveforms(str(path), channels="Z", on_missing="skip")
    assert "corrupted" in str(e.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_and_devices_are_named_for_what_they_are(tmp_path):
    fifo = tmp_path / "pipe.mseed"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"pipe\.mseed.* is a FIFO"):
        load_waveforms(str(fifo))
    with pytest.raises(ValueError, match=r"is a FIFO"):
        read_shot_gathers(fifo)
    if os.path.exists("/dev/zero") and stat.S_ISCHR(os.stat("/dev/zero").st_mode):
        with pytest.raises(ValueError, match=r"/dev/zero' is a character device"):
            load_waveforms("/dev/zero")
        with pytest.raises(ValueError, match=r"character device"):
            read_shot_gathers("/dev/zero")
    link = tmp_path / "dangling.mseed"
    link.symlink_to(tmp_path / "gone.mseed")
    with pytest.raises(ValueError, match=r"broken symbolic link"):
        load_waveforms(str(link))


def test_segy_to_load_waveforms_hint_is_one_that_works(tmp_path):
    from sklearn_seismo.datasets import make_shot_gathers

    X, _ = make_shot_gathers(1, shape=(16, 8), random_state=0)
    _write_segy(tmp_path / "shots.sgy", X, [1])
    with pytest.raises(ValueError) as e:
        load_waveforms(str(tmp_path / "shots.sgy"))
    assert "channels=()" not in str(e.value)
    assert "read_shot_gathers" in str(e.value)


def test_waveform_quality_nan_weights_error_is_about_weights():
    for weights in [(np.nan, 1, 1), (np.inf, 1, 1)]:
        with pytest.raises(ValueError, match=r"weights must be 3 finite"):
            ds.make_waveform_quality(10, weights=weights)


# ------------------------------------------- 5. ReaderOptionError, CLI words


def _gappy():
    a = _trace("GAP", npts=1000, seed=5)
    b = _trace("GAP", start=15.0, npts=1000, seed=6)
    return obspy.Stream([a, b])


def test_reader_option_errors_name_keyword_and_cli_flag():
    with pytest.raises(ds.ReaderOptionError) as e:
        load_waveforms(_gappy(), channels="Z")
    err = e.value
    assert isinstance(err, ValueError)
    assert (err.option, err.value) == ("on_gap", "fill")
    assert "on_gap='fill'" in str(err) and "on_gap='skip'" in str(err)
    cli = err.cli_message()
    assert "--on-gap fill" in cli and "--on-gap skip" in cli and "on_gap=" not in cli
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.cli_message() == cli

    st = obspy.read()
    st.remove(st[2])
    with pytest.raises(ds.ReaderOptionError) as e:
        load_waveforms(st)
    assert (e.value.option, e.value.value) == ("on_missing", "skip")
    assert "--on-missing skip" in e.value.cli_message()
    assert "--channels ZN" in e.value.cli_message()

    st = obspy.read()
    st[0].stats.sampling_rate = 50.0
    with pytest.raises(ds.ReaderOptionError) as e:
        load_waveforms(st)
    assert "sampling_rate=<Hz>" in str(e.value)
    assert "--sampling-rate <Hz>" in e.value.cli_message()


def _run(capsys, *argv):
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    return e.value.code, capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--n-samples", "-3"], "--n-samples"),
        (["--difficulty", "nan"], "--difficulty"),
        (["--random-state", "-1"], "--random-state"),
        (["--shape", "16", "16", "16"], "--shape"),
    ],
)
def test_datasets_cli_bad_options_exit_2(capsys, argv, words):
    code, err = _run(capsys, *argv, "--no-figure")
    assert code == 2 and words in err


def test_datasets_cli_out_file_exits_2_before_work(tmp_path, capsys):
    out = tmp_path / "taken"
    out.write_text("x")
    code, err = _run(capsys, "--out", str(out), "--n-samples", "10")
    assert code == 2 and "not a folder" in err


def test_datasets_cli_sizes_beyond_memory_exit_2_before_allocating(capsys, monkeypatch):
    from sklearn_seismo.datasets import _cli

    monkeypatch.setattr(_cli, "available_memory", lambda: 2**30)
    code, err = _run(capsys, "--n-samples", "100000000", "--no-figure")
    assert code == 2 and "GiB of memory available" in err
    code, err = _run(capsys, "--shape", "20000x20000", "--n-samples", "10")
    assert code == 2 and "smaller shape" in err


def test_windows_cli_names_flags_and_refuses_existing_out(tmp_path, capsys):
    gappy = tmp_path / "gappy.mseed"
    _gappy().write(str(gappy), format="MSEED")
    out = tmp_path / "w.csv"
    code, err = _run(
        capsys, "windows", str(gappy), "--channels", "Z", "--out", str(out)
    )
    assert code == 2 and "--on-gap fill" in err and "on_gap=" not in err
    assert not out.exists()
    assert (
        main(
            [
                "windows",
                str(gappy),
                "--channels",
                "Z",
                "--on-gap",
                "fill",
                "--window",
                "5",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "5 windows" in capsys.readouterr().out
    assert len(out.read_text().splitlines()) == 6
    code, err = _run(capsys, "windows", str(gappy), "--out", str(out))
    assert code == 2 and "--overwrite" in err
    code, err = _run(capsys, "windows", str(tmp_path / "no[1].mseed"), "--out", "-")
    assert code == 2 and "matches no file" in err


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
