"""Paths, file kinds and bounded decompression shared by the readers."""

import bz2
import contextlib
import glob
import gzip
import lzma
import os
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib

from ._errors import Placeholder, ReaderOptionError

#: Default cap on the bytes one compressed input may decompress to (256 MiB):
#: above a month of 100 Hz three-component MiniSEED, far below what a
#: decompression bomb (a few hundred bytes that expand to gigabytes) needs.
MAX_DECOMPRESSED_BYTES = 256 * 2**20

_GLOB_CHARS = set("*?[")
_CHUNK = 2**20  # bytes decompressed per step: the memory a bomb can take
_XZ_MEMLIMIT = 2**27  # xz -9 needs 65 MiB; a header asking more is refused

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_regular_file(path, what, glob_ok=True):
    """Raise a ValueError naming ``path`` unless it is a regular file.

    ``what`` names the expected kind (``"waveform file"``, ``"SEG-Y file"``);
    ``glob_ok`` says whether a folder's hint may suggest a glob.
    A FIFO, a device (``/dev/zero``) or a socket is refused before any read:
    format detection would block on a FIFO and read a device forever.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            raise ValueError(
                f"{what} {path!r} is a broken symbolic link (to "
                f"{os.readlink(path)!r}); fix the link or pass the file it "
                f"should point to."
            ) from None
        raise ValueError(
            f"{what} {path!r} does not exist; check the path (it is resolved "
            f"from {os.getcwd()!r})."
        ) from None
    except OSError as exc:
        raise ValueError(
            f"cannot access {what} {path!r}: {exc.strerror or exc}; check the "
            f"path and its permissions."
        ) from None
    if stat.S_ISDIR(mode):
        hint = (
            f"pass a glob such as {os.path.join(path, '*')!r} to read the files in it"
            if glob_ok
            else "pass the path of one file in it"
        )
        raise ValueError(f"{path!r} is a folder, not a {what}; {hint}.")
    for test, kind in _KINDS:
        if test(mode):
            raise ValueError(
                f"{path!r} is {kind}, not a regular file: it is not read "
                f"(reading could block or never end); write the data to a "
                f"{what} and pass that."
            )
    if not stat.S_ISREG(mode):
        raise ValueError(f"{path!r} is not a regular file; pass a {what}.")


def literal_path(path):
    """``path`` in the form ``obspy.read`` takes as that one file.

    ``obspy.read`` expands a name as a glob (``sta[1].mseed`` would read
    ``sta1.mseed``) and downloads a name with ``://`` in its first 10
    characters: an absolute, glob-escaped path is neither.
    """
    return glob.escape(os.path.abspath(path))


def _escape_existing_folders(pattern):
    """``pattern`` with its longest leading folder that exists glob-escaped.

    The rule of a whole name applied to its folder part: ``run[1]/*.mseed``
    reads the files of the folder ``run[1]`` when that folder exists (glob
    alone would look in ``run1``); otherwise the folder part is a pattern too.
    """
    parts = pattern.split(os.sep)
    for i in range(len(parts) - 1, 0, -1):
        folder = os.sep.join(parts[:i]) or os.sep
        if _GLOB_CHARS & set(folder) and os.path.isdir(folder):
            return os.path.join(glob.escape(folder), *parts[i:])
    return pattern


def expand_sources(source, what="waveform file"):
    """List of file paths from a path, a glob or a list of either.

    A name is a path first: when a file of exactly that name exists it is
    read, even if the name holds glob characters (``sta[1].mseed``). Only a
    name that is not an existing path and holds ``*``, ``?`` or ``[`` is
    expanded as a glob, and the same rule holds for its folder part: in
    ``run[1]/*.mseed`` an existing folder ``run[1]`` is that folder.
    """
    if isinstance(source, (str, os.PathLike)):
        source = [source]
    elif isinstance(source, bytes) or not hasattr(source, "__iter__"):
        raise TypeError(
            f"source must be a path, a glob pattern, a list of paths, an "
            f"obspy.Stream or an obspy.Trace, got {type(source).__name__} "
            f"{source!r:.80}; pass the file name as a str or pathlib.Path."
        )
    paths = []
    for item in source:
        if not isinstance(item, (str, os.PathLike)):
            raise TypeError(
                f"source must be a path, a glob pattern, a list of paths or an "
                f"obspy.Stream, got an element of type {type(item).__name__}; "
                f"pass file paths as str or pathlib.Path."
            )
        item = os.fspath(item)
        if isinstance(item, bytes):
            item = os.fsdecode(item)
        if os.path.lexists(item) or not (_GLOB_CHARS & set(item)):
            check_regular_file(item, what)
            paths.append(item)
            continue
        matches = sorted(glob.glob(_escape_existing_folders(item)))
        if not matches:
            raise ValueError(
                f"no file is named {item!r}, and as a glob pattern it matches no "
                f"file; check the name and the working directory "
                f"({os.getcwd()!r}). A file name with glob characters is read "
                f"as that file when it exists."
            )
        for match in matches:
            if not os.path.isdir(match):
                check_regular_file(match, what)
                paths.append(match)
        if not any(p in matches for p in paths):
            raise ValueError(
                f"the glob pattern {item!r} matches only folders; match files, "
                f"e.g. {os.path.join(item, '*')!r}."
            )
    if not paths:
        raise ValueError("source lists no file; pass at least one path.")
    return paths


class _Budget:
    def __init__(self, cap, shown):
        self.cap = int(cap)
        self.left = int(cap)
        self.shown = shown

    def refuse(self):
        raise ReaderOptionError(
            f"{self.shown!r} decompresses to more than {self.cap:,} bytes "
            f"({self.cap / 2**20:g} MiB), the cap on compressed input; reading "
            f"stopped there (a decompression bomb is refused this way). If it "
            f"is a genuine record, pass {{0}} (bytes) above its uncompressed "
            f"size, or decompress it yourself.",
            [("max_decompressed_bytes", Placeholder("<bytes>"))],
        )

    def copy(self, read, dst):
        """Copy ``read(n)`` chunks into ``dst``, at most the bytes left."""
        while True:
            chunk = read(min(_CHUNK, self.left + 1))
            if not chunk:
                return
            if len(chunk) > self.left:
                self.refuse()
            self.left -= len(chunk)
            dst.write(chunk)


def _magic(path, n=8):
    with open(path, "rb") as fh:
        return fh.read(n)


def _stream_kind(head):
    """The decompressor factory of a gzip, bzip2 or xz file, else None."""
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return bz2.BZ2Decompressor
    if head[:6] == b"\xfd7zXZ\x00":
        return _xz_decompressor
    return None


def _is_tar(path):
    # POSIX and GNU tar headers carry "ustar" at byte 257; an old (v7) header
    # has no magic and is recognised by the strict check below, not by
    # tarfile's lenient one, which also accepts some waveform files.
    with open(path, "rb") as fh:
        head = fh.read(512)
    return head[257:262] == b"ustar" or _is_v7_header(head)


def _octal_field(field):
    """The value of a tar header's octal number field, else None."""
    digits = field.rstrip(b"\0 ").lstrip(b" ")
    if not digits or any(c not in b"01234567" for c in digits):
        return None
    return int(digits, 8)


def _is_v7_header(head):
    """Whether 512 bytes are a v7 tar header: a name, octal mode, size and
    mtime fields, and a checksum that adds up (a chance match is about one in
    ten million even before the other fields)."""
    if len(head) < 512 or head[0] == 0:
        return False
    name = head[:100].split(b"\0", 1)[0]
    if any(c < 32 or c > 126 for c in name):
        return False
    fields = (head[100:108], head[124:136], head[136:148])  # mode, size, mtime
    checksum = _octal_field(head[148:156])
    if checksum is None or any(_octal_field(f) is None for f in fields):
        return False
    unsigned = sum(head[:148]) + 8 * 32 + sum(head[156:512])
    # some old tars summed signed bytes; tarfile accepts both, as here
    signed = unsigned - 256 * sum(c > 127 for c in head[:148] + head[156:512])
    return checksum in (unsigned, signed)


class _StreamReader:
    """``read(n)`` over raw bzip2 or xz data, never more than ``n`` bytes out.

    Concatenated streams (``cat a.bz2 b.bz2``) are read one after the other,
    as ``bz2.open`` and ``lzma.open`` do.
    """

    def __init__(self, raw_read, factory):
        self.raw_read = raw_read
        self.factory = factory
        self.dec = factory()
        self.pending = b""

    def read(self, n):
        while True:
            if self.dec.eof:
                rest = self.dec.unused_data or self.raw_read(2**16)
                if not rest:
                    return b""
                self.dec = self.factory()
                self.pending = rest
            if self.dec.needs_input and not self.pending:
                self.pending = self.raw_read(2**16)
                if not self.pending:
                    raise EOFError("compressed data end before their end-of-stream")
            data, self.pending = self.pending, b""
            out = self.dec.decompress(data, n)
            if out:
                return out


def _xz_decompressor():
    # the dictionary an xz header declares is allocated up front: cap it
    return lzma.LZMADecompressor(memlimit=_XZ_MEMLIMIT)


def _zip_member(zf, info, path, dst, budget):
    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # ZipExtFile.read(n) decompresses at most n bytes of these two
        with zf.open(info) as member:
            budget.copy(member.read, dst)
        return
    if info.compress_type != zipfile.ZIP_BZIP2:
        raise ValueError(
            f"member {info.filename!r} of {path!r} uses zip compression method "
            f"{info.compress_type}, which is not read here (only stored, "
            f"deflate and bzip2); unzip it yourself and pass the files."
        )
    # zipfile inflates a whole bzip2 block at once: read the raw member data
    # and decompress it in bounded steps instead.
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        left = [info.compress_size]

        def raw_read(n):
            data = fh.read(min(n, left[0]))
            left[0] -= len(data)
            return data

        budget.copy(_StreamReader(raw_read, bz2.BZ2Decompressor).read, dst)


def _unpack(path, shown, max_bytes, new_file):
    kind = _stream_kind(_magic(path))
    if kind == "gzip":
        # GzipFile.read(n) inflates at most n bytes (and reads every member)
        with gzip.open(path, "rb") as src, new_file(shown) as dst:
            _Budget(max_bytes, shown).copy(src.read, dst)
        return
    if kind is not None:
        with open(path, "rb") as raw, new_file(shown) as dst:
            _Budget(max_bytes, shown).copy(_StreamReader(raw.read, kind).read, dst)
        return
    if zipfile.is_zipfile(path):
        budget = _Budget(max_bytes, shown)
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir() or info.file_size == 0:
                    continue
                with new_file(f"{shown}[{info.filename}]") as dst:
                    _zip_member(zf, info, path, dst, budget)
        return
    # a tar holds at most its own size: no cap needed beyond the file's
    with tarfile.open(path, "r:") as tar:
        budget = _Budget(max(max_bytes, os.path.getsize(path)), shown)
        for info in tar:
            if info.isfile() and info.size > 0:
                with new_file(f"{shown}[{info.name}]") as dst:
                    budget.copy(tar.extractfile(info).read, dst)


def _compressed(path):
    if _stream_kind(_magic(path)) is not None or _is_tar(path):
        return True
    if not zipfile.is_zipfile(path):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            # ObsPy's rule for plugins whose format is a zip (its issue #3192)
            return b"obspy_no_uncompress" not in zf.comment
    except (OSError, zipfile.BadZipFile):
        return True  # let the unpacking report the damage


@contextlib.contextmanager
def decompressed(path, shown=None, max_bytes=MAX_DECOMPRESSED_BYTES):
    """Yield ``[(file, shown_name), ...]``: ``path`` itself or its members.

    gzip, bzip2 and xz files (recognised by their magic bytes, not their
    names), zip archives and tar archives (POSIX, GNU or v7; each regular,
    non-empty member; a tar inside gzip/bzip2/xz too) are decompressed to a
    temporary folder in steps of 1 MiB, at most ``max_bytes`` per compressed
    input: reading stops with a :class:`ReaderOptionError` naming the file,
    the cap and ``max_decompressed_bytes`` as soon as the output would pass
    the cap.
    A zip whose comment holds ``obspy_no_uncompress`` is not unpacked
    (ObsPy's rule). Anything else is yielded as is.
    """
    shown = path if shown is None else shown
    try:
        compressed = _compressed(path)
    except OSError as exc:
        raise ValueError(
            f"cannot read {shown!r}: {exc.strerror or exc}; check the file and "
            f"its permissions."
        ) from None
    if not compressed:
        yield [(path, shown)]
        return
    with tempfile.TemporaryDirectory(prefix="sklearn_seismo_") as tmp:
        members = []
        made = [0]  # files made so far: a popped member keeps its name

        def new_file(name):
            target = os.path.join(tmp, str(made[0]))
            made[0] += 1
            members.append((target, name))
            return open(target, "wb")

        try:
            _unpack(path, shown, max_bytes, new_file)
            if len(members) == 1 and _is_tar(members[0][0]):  # .tar.gz & co
                inner = members.pop()[0]
                _unpack(inner, shown, max_bytes, new_file)
        except ReaderOptionError:
            raise
        except (
            OSError,
            EOFError,
            zlib.error,
            lzma.LZMAError,
            zipfile.BadZipFile,
            tarfile.TarError,
        ) as exc:
            raise ValueError(
                f"could not decompress {shown!r}: {type(exc).__name__}: {exc}. "
                f"The compressed file is cut or corrupted; copy or download it "
                f"again."
            ) from None
        members = [(p, name) for p, name in members if os.path.getsize(p) > 0]
        yield members
