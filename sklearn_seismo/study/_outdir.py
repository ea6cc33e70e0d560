"""The output folder of a run: one run at a time, no mixed runs, no half-written files.

The policy (``--help`` of both commands says it):

* a folder that holds files is refused unless ``--overwrite`` is given, and
  this is checked before any fit;
* a lock file (``.seismo-study.lock``, an OS lock released when the process
  ends, even by ``kill -9``) refuses a second run on the same folder while the
  first is running;
* the report is written into a temporary sub-folder, then each file is moved
  into place with an atomic rename; with ``--overwrite`` the files an earlier
  run wrote and this one did not (e.g. a stale ``sweep.csv``) are removed. A
  list of the run's files (``.seismo-study-files.json``) says which are its
  own; files the study never writes are left alone.
"""

import json
import os
import shutil
import sys
import tempfile
from datetime import datetime, timezone

import numpy as np

from ._checks import UsageError, check_folder
from ._report import REPORT_FILES

try:
    import fcntl
except ImportError:  # Windows: an exclusive create stands in for the lock
    fcntl = None

__all__ = ["LOCK_NAME", "MANIFEST_NAME", "OutputFolder", "save_scores"]

LOCK_NAME = ".seismo-study.lock"
MANIFEST_NAME = ".seismo-study-files.json"
STAGING_PREFIX = ".seismo-tmp-"

#: Names the study and the suite write, recognised as an earlier run's files
#: in a folder written before the file list existed.
KNOWN_OUTPUTS = frozenset(REPORT_FILES) | {"ranking.csv", "tests.csv", "cd.png"}


def _ours(name):
    return name == LOCK_NAME or name.startswith(STAGING_PREFIX)


def _earlier_files(path, ignore):
    return sorted(e for e in os.listdir(path) if not _ours(e) and e not in ignore)


def _lock_is_held(lock_path):
    """Whether another process holds the lock (without taking it)."""
    if fcntl is None:
        return os.path.exists(lock_path)
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def _busy_message(path, lock_path):
    holder = ""
    try:
        with open(lock_path, encoding="utf-8") as fh:
            holder = f" ({fh.read().strip()})"
    except OSError:
        pass
    return (
        f"--out {path}: another run is writing to this folder{holder}; wait for "
        "it to finish or choose another --out. (If no run is going, delete "
        f"{lock_path}.)"
    )


class OutputFolder:
    """The ``--out`` folder of one run (see the module's docstring).

    ``check()`` (cheap, nothing is created) runs with the other option checks;
    the ``with`` block creates the folder and holds the lock for the run;
    ``staging()`` and ``publish()`` write the report atomically.
    """

    def __init__(self, path, *, overwrite=False, ignore=()):
        self.path = path
        self.overwrite = overwrite
        self.ignore = set(ignore)
        self.lock_path = os.path.join(path, LOCK_NAME)
        self._fd = None

    def check(self):
        """Refuse a file, an unwritable folder, a busy or a non-empty one."""
        check_folder(self.path, "--out")
        if not os.path.isdir(self.path):
            return
        if _lock_is_held(self.lock_path):
            raise UsageError(_busy_message(self.path, self.lock_path))
        self._check_empty()

    def _check_empty(self):
        earlier = _earlier_files(self.path, self.ignore)
        if earlier and not self.overwrite:
            shown = ", ".join(earlier[:5]) + (", ..." if len(earlier) > 5 else "")
            raise UsageError(
                f"--out {self.path}: the folder is not empty ({shown}); give "
                "--overwrite to replace an earlier run's report there, or "
                "choose a new folder."
            )

    def __enter__(self):
        self.check()
        try:
            os.makedirs(self.path, exist_ok=True)
            self._lock()
        except OSError as exc:
            raise UsageError(f"--out {self.path}: cannot write it ({exc}).") from None
        # the folder may have filled up since check(): test again, locked
        try:
            self._check_empty()
        except UsageError:
            self._unlock()
            raise
        for name in os.listdir(self.path):
            if name.startswith(STAGING_PREFIX):  # left by a killed run
                shutil.rmtree(os.path.join(self.path, name), ignore_errors=True)
        return self

    def __exit__(self, *exc):
        self._unlock()

    def _lock(self):
        stamp = (
            f"pid {os.getpid()}, started "
            f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M:%S UTC')}"
        )
        if fcntl is None:
            try:
                fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                raise UsageError(_busy_message(self.path, self.lock_path)) from None
        else:
            while True:
                fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    raise UsageError(_busy_message(self.path, self.lock_path)) from None
                # the run before may have removed the file we opened: lock
                # the file that is there now
                try:
                    same = os.stat(self.lock_path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if same:
                    break
                os.close(fd)
            os.ftruncate(fd, 0)
        os.write(fd, stamp.encode())
        self._fd = fd

    def _unlock(self):
        if self._fd is None:
            return
        try:
            os.remove(self.lock_path)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None

    def staging(self):
        """A new temporary folder inside the output folder for the report."""
        return tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.path)

    def _previous_run(self):
        try:
            with open(os.path.join(self.path, MANIFEST_NAME), encoding="utf-8") as fh:
                return set(json.load(fh)["files"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        previous = set()
        for name in _earlier_files(self.path, self.ignore):
            full = os.path.join(self.path, name)
            if name in KNOWN_OUTPUTS or (
                os.path.isdir(full) and os.path.exists(os.path.join(full, "report.md"))
            ):
                previous.add(name)
        return previous

    def publish(self, staging, paths):
        """Move the staged report into place; return ``paths`` moved along.

        Each entry is renamed into the folder (atomic per file); with
        ``overwrite`` the earlier run's entries this run did not write are
        removed, and the new run's list of files is written.
        """
        new = sorted(os.listdir(staging))
        previous = self._previous_run() if self.overwrite else set()
        for name in new:
            target = os.path.join(self.path, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            os.replace(os.path.join(staging, name), target)
        for name in sorted(previous - set(new) - self.ignore):
            target = os.path.join(self.path, name)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target, ignore_errors=True)
            elif os.path.lexists(target):
                os.remove(target)
        manifest = os.path.join(self.path, MANIFEST_NAME)
        _atomic_json(manifest, {"files": new})
        os.rmdir(staging)
        return {
            key: os.path.join(self.path, os.path.relpath(value, staging))
            for key, value in paths.items()
        }


def _atomic_json(path, obj):
    fd, tmp = tempfile.mkstemp(prefix=STAGING_PREFIX, dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=2, default=_jsonable)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def save_scores(scores, folder, *, name="scores-unreported.json"):
    """Save computed score rows as JSON when the report could not be written.

    Tries ``folder`` first, then the system's temporary folder; returns the
    path written, or None when neither could be written (the caller then
    prints what it has).
    """
    for where in (folder, tempfile.gettempdir()):
        try:
            os.makedirs(where, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            path = os.path.join(where, f"{stamp}-{os.getpid()}-{name}")
            _atomic_json(path, scores)
            return path
        except OSError as exc:
            print(f"could not save the scores in {where}: {exc}", file=sys.stderr)
    return None
