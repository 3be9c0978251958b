"""Writing output files so that no reader ever sees half of one, with the modes the umask gives.

Every output precis writes (a ``summarize --out`` file, a batch result, index or
manifest) goes to a temporary file in the same folder, is fsynced, then renamed over
the target (``os.replace`` is atomic on POSIX), and the folder is fsynced so the rename
itself survives a power cut. The file gets the mode a plain ``open`` would give
(0666 less the umask), not the 0600 of a temporary file. A write that fails (a full
disk, a folder that isn't writable) raises OutputError naming the path, and leaves the
old file, if any, as it was.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import OutputError

TEMP_SUFFIX = ".tmp"


@cache
def file_mode() -> int:
    """0666 less the process's umask: the mode ``open(path, "w")`` gives a new file."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def describe(exc: OSError) -> str:
    """An OSError in words, without its errno number ("No space left on device")."""
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    return exc.strerror or str(exc)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """A file to write ``path`` through: readers see the old file or the whole new one, never part of one.

    Raises:
        OutputError: the file can't be written (the message names it and says why).
    """
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    except OSError as exc:
        raise OutputError(f"can't write {path}: {describe(exc)}") from None
    try:
        os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"can't write {path}: {describe(exc)}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see ``atomic_writer``)."""
    with atomic_writer(path) as f:
        f.write(data)


def remove_temp_files(folders: Iterable[Path]) -> int:
    """Delete the temporary files a killed writer left behind in ``folders``."""
    removed = 0
    for folder in folders:
        if folder.is_dir():
            for tmp in folder.glob(f".*{TEMP_SUFFIX}"):
                tmp.unlink(missing_ok=True)
                removed += 1
    return removed


def output_folder(path: Path, what: str = "--out") -> Path:
    """Make sure ``path`` is a folder precis can write into, before any work is done.

    Raises:
        OutputError: it is a file, can't be created, or isn't writable.
    """
    if path.exists() and not path.is_dir():
        raise OutputError(f"{what} {path}: is a file, not a folder; give a folder (it is created if missing)")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".precis-write-check.", suffix=TEMP_SUFFIX)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{what} {path}: can't write there: {describe(exc)}") from None
    return path


def private_folder(path: Path) -> Path:
    """A folder only this user can reach (0700), made if missing, never through a symlink.

    For files another local user must not plant or read: the crash tracebacks and the
    model cache. ``os.mkdir`` with mode 0700 fails rather than follow a symlink planted
    at ``path``; an existing folder is used only if it is a real folder owned by this
    user that no one else can write to.

    Raises:
        OutputError: ``path`` can't be made, or is a symlink, someone else's, or open to others.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise OutputError(f"can't create {path}: {describe(exc)}") from None
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise OutputError(f"can't use {path}: {describe(exc)}") from None
    import stat

    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{path}: is not a folder (a symlink or a file); remove it or point precis elsewhere")
    if st.st_uid != os.getuid():
        raise OutputError(f"{path}: belongs to another user (uid {st.st_uid}); precis won't use it")
    if st.st_mode & 0o022:
        raise OutputError(f"{path}: others can write to it (mode {st.st_mode & 0o777:o}); run chmod go-w {path}")
    return path


def reserve_standard_fds() -> None:
    """Open /dev/null on file descriptors 0, 1 and 2 where they are closed (``precis ... 2>&-``).

    The kernel gives a new file the lowest free descriptor: with 2 closed, the lock file,
    a result being written or the cache would get it, and whatever a library writes to
    stderr (CTranslate2's and Ray's C++ logs, a crash report) would land in that file.
    SQLite guards its own files the same way.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                null = os.open(os.devnull, os.O_RDWR)
            except OSError:
                return
            if null != fd:  # lower ones are open (filled first), so only another thread can make this so
                os.dup2(null, fd)
                os.close(null)
