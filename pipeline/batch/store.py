"""Where a batch job's results go, so that a crash at any moment loses and duplicates nothing.

Layout of an output folder::

    OUT_DIR/
      results/<id>.<key>.json   one JSON record per article, written atomically
      results/<id>.<key>.partial.json  an article a stage after translation failed on:
                                the translation without the summary (retried next run)
      index.jsonl               every result: id, key, path, source (rewritten atomically)
      failures.jsonl            the articles the latest run could not process, with reasons
      runs/<run-id>/            manifest.json, failures.jsonl and index.jsonl of each run
      cache.sqlite              the sentence translation cache (pipeline.batch.cache)
      .lock                     held by the run in progress (fcntl.flock)

Every file a reader may see is complete: it is written atomically (``pipeline.files``:
a temporary file, fsynced, renamed over the target), with the mode the umask gives. The append-only
per-run logs are fsynced line by line; a line cut short by a crash is skipped when read.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import LockError, OutputError
from pipeline.files import atomic_writer, remove_temp_files, write_atomic
from pipeline.files import describe as describe_os_error


def json_bytes(text: str) -> bytes:
    """JSON text as UTF-8, where a lone surrogate becomes its JSON escape instead of failing the write.

    Python reads the bytes of a file name that aren't UTF-8 as lone surrogates (PEP 383),
    and ``json.dumps(..., ensure_ascii=False)`` leaves them as they are; UTF-8 can't hold
    them. Inside a JSON string (the only place they can be) ``\\udcXX`` is a valid escape
    that reads back as the same string, so a path like that can never fail a run's writes.
    """
    return text.encode("utf-8", "backslashreplace")


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The objects of a JSONL file; a line a crash cut short (not valid JSON) is skipped."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict):
                yield row


class JsonlLog:
    """An append-only JSONL file, each line (or group of lines) flushed and fsynced as it is written.

    Raises:
        OutputError: the file can't be opened or written (a full disk): the message names it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            # backslashreplace: see json_bytes
            self.file = path.open("a", encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            raise OutputError(f"can't write {path}: {describe_os_error(exc)}") from None
        self.count = 0

    def append(self, row: dict[str, Any]) -> None:
        self.extend([row])

    def extend(self, rows: list[dict[str, Any]]) -> None:
        """Append the rows and fsync once: a line a crash (or a full disk) cuts short is skipped when read."""
        if not rows:
            return
        try:
            self.file.write("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
            self.file.flush()
            os.fsync(self.file.fileno())
        except OSError as exc:
            raise OutputError(f"can't write {self.path}: {describe_os_error(exc)}") from None
        self.count += len(rows)

    def close(self) -> None:
        try:
            self.file.close()
        except OSError:
            pass  # its lines were fsynced as they were written; what a full disk refused is reported already


class Store:
    """The results of a batch output folder: which are done, writing new ones, the index."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.results = out / "results"
        self.results.mkdir(parents=True, exist_ok=True)
        self.index_path = out / "index.jsonl"
        self.failures_path = out / "failures.jsonl"

    def path_of(self, name: str) -> Path:
        return self.results / name

    def done(self, name: str) -> bool:
        """Whether the result is there: it is written atomically, so present means complete."""
        return (self.results / name).is_file()

    def damaged(self, name: str) -> str | None:
        """What is wrong with an existing result, or None when it is a readable record.

        A result is written atomically, so it is complete unless something else changed
        it (a disk error, a person, a copy cut short): such a file is redone, not skipped.
        """
        try:
            record = json.loads((self.results / name).read_bytes())
        except OSError as exc:
            return f"can't be read: {describe_os_error(exc)}"
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return f"is not valid JSON: {exc}"
        if not isinstance(record, dict) or "id" not in record or "segments" not in record:
            return "is not a precis record (no id or segments)"
        return None

    def remove(self, name: str) -> None:
        (self.results / name).unlink(missing_ok=True)

    def write(self, name: str, text: str) -> Path:
        path = self.results / name
        write_atomic(path, json_bytes(text))
        return path

    def write_partial(self, name: str, text: str) -> Path:
        """Keep what was done for an article a late stage failed on: ``<id>.<key>.partial.json``.

        It is not a result (``done`` is false, so the next run retries the article), and
        it is removed once the article's result is written.
        """
        path = self.results / partial_name(name)
        write_atomic(path, json_bytes(text))
        return path

    def drop_partial(self, name: str) -> None:
        (self.results / partial_name(name)).unlink(missing_ok=True)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.out).as_posix()

    def clean(self) -> int:
        return remove_temp_files([self.out, self.results, *self.out.glob("runs/*")])

    def merge_index(self, run_entries: Path) -> int:
        """Rewrite index.jsonl: earlier entries whose result still exists, then this run's.

        A run killed before this step leaves the previous index in place; the next run
        lists the results that run wrote among its own (they are skipped, not lost), so
        after any finished run the index names every result of every input it has seen.

        Returns:
            the number of entries in the new index.
        """
        # Memory grows with this run's entries only: the old index is streamed through.
        fresh = {row["path"]: row for row in read_jsonl(run_entries) if isinstance(row.get("path"), str)}
        count = 0
        with atomic_writer(self.index_path) as f:
            for row in read_jsonl(self.index_path):
                path = row.get("path")
                if isinstance(path, str) and path not in fresh and (self.out / path).is_file():
                    f.write(json_bytes(json.dumps(row, ensure_ascii=False) + "\n"))
                    count += 1
            for row in fresh.values():  # last: the index ends with this run's results
                f.write(json_bytes(json.dumps(row, ensure_ascii=False) + "\n"))
        return count + len(fresh)

    def publish_failures(self, run_failures: Path) -> None:
        """Make this run's failures the folder's failures.jsonl (failed articles are retried every run)."""
        data = run_failures.read_bytes() if run_failures.is_file() else b""
        # Keep only complete lines: the run's log is complete here, but be safe.
        lines = [line for line in data.splitlines(keepends=True) if line.endswith(b"\n")]
        write_atomic(self.failures_path, b"".join(lines))


def partial_name(name: str) -> str:
    """``x.<key>.json`` -> ``x.<key>.partial.json``."""
    return name.removesuffix(".json") + ".partial.json"


class Lock:
    """One run at a time per output folder: an ``fcntl.flock`` on ``OUT_DIR/.lock``.

    The kernel drops a flock when its holder dies, kill -9 included, so a crashed run
    never blocks the next one and there is no pid-reuse race to get wrong. The file
    holds the holder's pid, host and start time, for the message a second run prints
    and to report a stale lock: one whose file still names a run that ended without
    releasing it (a crash), which the new run takes over.
    """

    def __init__(self, out: Path, run_id: str) -> None:
        self.path = out / ".lock"
        self.run_id = run_id
        self.fd: int | None = None
        self.stale: dict[str, Any] | None = None

    def acquire(self) -> None:
        """Take the lock or raise.

        Raises:
            LockError: another run holds it (the message names it), or the file
                system can't lock.
        """
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._read(fd)
            os.close(fd)
            raise LockError(
                f"{self.path.parent} is in use by another precis batch run ({describe(holder)}); "
                f"wait for it to finish or stop it, or use another --out folder"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise LockError(f"can't lock {self.path}: {exc.strerror}; use an --out folder on a local disk") from None
        previous = self._read(fd)
        if previous.get("pid"):
            self.stale = previous
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": now_iso(), "run": self.run_id}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        os.fsync(fd)
        self.fd = fd

    @staticmethod
    def _read(fd: int) -> dict[str, Any]:
        try:
            data = json.loads(os.pread(fd, 4096, 0) or b"{}")
        except (json.JSONDecodeError, OSError):
            return {}
        return data if isinstance(data, dict) else {}

    def release(self) -> None:
        """Empty the file (so the next run sees a clean release) and drop the lock."""
        if self.fd is None:
            return
        import fcntl

        os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> Lock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "holder unknown"
    return f"pid {holder.get('pid')} on host {holder.get('host')}, started {holder.get('started')}"


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
