"""A sentence-level translation cache in SQLite, shared by the runs (and Ray actors) of a batch.

The translate stage asks it for the sentences it is about to translate and stores what
it translated (``pipeline.stage.TranslationCache``). Keys are the stage's namespace (its
part of the output signature, ``pipeline.signature``: model, revision, backend and
generation settings, built by the Pipeline) and the normalized sentence, so a rerun, or
an article updated by one sentence, translates only sentences it has not seen under the
same settings. The cache counts its own hits and misses, so whoever runs the pipeline
reads them here, whatever stage asked.

A run sees only what earlier runs stored, not what it stores itself: which group of a
run is processed first (on one process or on many Ray actors) then can't change any
result, so both engines give the same outputs. A sentence repeated across the
articles of one night is translated again that night, and taken from the cache after.

Crash safety: WAL journal and one transaction per ``store``; a process killed at any
point leaves the database as of its last committed transaction (SQLite's guarantee).
Several processes on one host may share the file (WAL allows readers beside one
writer; a writer waits up to ``timeout`` seconds for another). Don't put it on NFS:
SQLite's locking isn't reliable there.

Damage: a cache is never worth a failed run. The driver checks the file before a run
(``check``: SQLite's ``quick_check``, which reads every page once) and moves a damaged
one aside (``set_aside``), so the run starts a new cache. If SQLite reports an error
later (a file damaged meanwhile, a full disk), the cache turns itself off for the rest
of the process (``broken``): every sentence is then a miss and is translated, nothing
is stored, and a warning says why.

Trust: whoever can write the cache decides what the translations of the sentences it
holds are. So a cache is used only if no one but this user could have written it
(``untrusted``): the file, and its WAL and shared-memory files, must belong to this
user and be writable by no one else (not group, not others), and each folder above it
must belong to this user or root and, if anyone may write to it, have the sticky bit
(as /tmp and /var/tmp do, where no one can rename or delete another's files). A cache
refused is not opened: the run works without one, with one warning line. A cache this
class creates is created 0600, and SQLite gives its WAL and shared-memory files the
same mode. A folder it creates for the cache is 0700 (``files.private_folder``). The
check follows symlinks; Linux's ``fs.protected_symlinks`` (on by default) already
refuses to follow another user's symlink planted in a sticky world-writable folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import stat
import time
from pathlib import Path

from pipeline.errors import OutputError
from pipeline.files import private_folder

log = logging.getLogger("precis.cache")

# SQLite's default limit on host parameters in one statement is 32766; stay well below.
_CHUNK = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS namespaces (
    digest TEXT PRIMARY KEY,
    namespace TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS translations (
    digest TEXT NOT NULL,
    source TEXT NOT NULL,
    translation TEXT NOT NULL,
    run TEXT NOT NULL,  -- the run that stored it: invisible to that run's lookups
    PRIMARY KEY (digest, source)
) WITHOUT ROWID;
"""


def _digest(namespace: str) -> str:
    return hashlib.sha256(namespace.encode("utf-8")).hexdigest()[:16]


class SQLiteTranslationCache:
    """Translations of normalized sentences by namespace, in one SQLite file.

    Args:
        path: the database file (created if missing).
        run: the id of the run using it; lookups skip what this run stored.
        timeout: seconds to wait for another process's write transaction.
    """

    def __init__(self, path: str | Path, run: str = "", timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.run = run
        self._known: set[str] = set()
        self.hits = 0  # sentences asked for and found, repeats included
        self.misses = 0  # sentences asked for and not found: the translator translates them
        self.broken: str | None = None  # why the cache turned itself off, if it did
        self.refused: str | None = None  # why the cache wasn't trusted (``untrusted``), if it wasn't
        self.conn: sqlite3.Connection | None = None
        try:
            create(self.path)
        except OutputError as exc:  # a folder it can't make, or one that isn't this user's alone
            self._refuse(exc.message)
            return
        except OSError as exc:
            self._turn_off(exc)
            return
        problem = untrusted(self.path)
        if problem is not None:
            self._refuse(problem)
            return
        try:
            # isolation_level=None: no implicit transactions; each store opens its own.
            self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
            self._setup(timeout)
        except (sqlite3.DatabaseError, OSError) as exc:
            self._turn_off(exc)
            return
        # Again now that SQLite has opened its WAL and shared-memory files: one planted
        # between the check above and the open is someone else's.
        problem = untrusted(self.path)
        if problem is not None:
            self.close()
            self._refuse(problem)

    def _refuse(self, problem: str) -> None:
        """Work without the cache: someone else could have written it."""
        self.refused = problem
        log.warning("translation cache %s not used: %s; sentences are translated without it", self.path, problem)

    def _turn_off(self, exc: Exception) -> None:
        """Work without the cache from now on: a damaged file or a full disk must not fail articles."""
        self.broken = f"{type(exc).__name__}: {exc}"
        log.warning(
            "translation cache %s turned off for the rest of this run (%s); sentences are translated without it",
            self.path,
            self.broken,
        )
        if self.conn is not None:
            try:
                self.conn.close()
            except sqlite3.Error:
                pass
            self.conn = None

    def _setup(self, timeout: float) -> None:
        """WAL mode and the tables, safe when several processes open a new file at once.

        SQLite skips the busy handler where waiting could deadlock (two connections
        upgrading from reading to writing), so "database is locked" can come at once
        while Ray actors start together: the setup is retried until ``timeout``.
        """
        assert self.conn is not None
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode=WAL")
                # NORMAL with WAL: a committed transaction survives a killed process; only a
                # power cut may lose the last few, which are then translated again.
                self.conn.execute("PRAGMA synchronous=NORMAL")
                # IMMEDIATE: the write lock is taken first, where the busy handler does wait.
                # (In the script: executescript commits an open transaction before it runs.)
                self.conn.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;")
                return
            except sqlite3.OperationalError as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                transient = "locked" in str(exc) or "busy" in str(exc)
                if not transient or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def lookup(self, namespace: str, sources: list[str]) -> dict[str, str]:
        """The cached translations of those ``sources`` known under ``namespace``.

        ``sources`` are every sentence the translator needs, repeats included, so the
        counts are of sentences as they are translated: a repeat found counts once per
        time it occurs (``hits``), one not found once per time it must be translated
        (``misses``). The query itself asks for each distinct sentence once.
        """
        found: dict[str, str] = {}
        try:
            found = self._find(_digest(namespace), list(dict.fromkeys(sources)))
        except sqlite3.DatabaseError as exc:
            self._turn_off(exc)
            found = {}
        hits = sum(1 for source in sources if source in found)
        self.hits += hits
        self.misses += len(sources) - hits
        return found

    def _find(self, digest: str, distinct: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.conn is None:
            return found
        for i in range(0, len(distinct), _CHUNK):
            chunk = distinct[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT source, translation FROM translations WHERE digest = ? AND run != ? AND source IN ({marks})",
                [digest, self.run, *chunk],
            )
            found.update(rows.fetchall())
        return found

    def store(self, namespace: str, pairs: list[tuple[str, str]]) -> None:
        """Remember (source, translation) pairs under ``namespace``, in one transaction."""
        if not pairs or self.conn is None:
            return
        try:
            self._store(namespace, pairs)
        except sqlite3.DatabaseError as exc:
            self._turn_off(exc)

    def _store(self, namespace: str, pairs: list[tuple[str, str]]) -> None:
        assert self.conn is not None
        digest = _digest(namespace)
        with self._transaction():
            if digest not in self._known:
                self.conn.execute(
                    "INSERT OR IGNORE INTO namespaces (digest, namespace) VALUES (?, ?)", (digest, namespace)
                )
                self._known.add(digest)
            self.conn.executemany(
                "INSERT OR IGNORE INTO translations (digest, source, translation, run) VALUES (?, ?, ?, ?)",
                [(digest, source, translation, self.run) for source, translation in pairs],
            )

    def __len__(self) -> int:
        if self.conn is None:
            return 0
        return int(self.conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0])

    def _transaction(self) -> _Transaction:
        assert self.conn is not None
        return _Transaction(self.conn)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def create(path: Path) -> None:
    """Make the cache file, empty (SQLite's empty database) and 0600, if it doesn't exist; its folder 0700 if missing.

    ``O_EXCL | O_NOFOLLOW``: a file or symlink that appears at ``path`` meanwhile is left
    alone (and then checked by ``untrusted``), never written through.

    Raises:
        OutputError: the folder can't be made, or is a symlink, another user's, or open to others.
        OSError: the file can't be made.
    """
    if not path.parent.exists():
        private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def untrusted(path: Path) -> str | None:
    """Why someone other than this user could have written the cache at ``path``, or None (see the module's docstring).

    Absent files and folders are fine: what this user creates is this user's.
    """
    me = os.getuid()
    real = Path(os.path.realpath(path))
    try:
        for folder in real.parents:
            try:
                st = os.stat(folder)
            except FileNotFoundError:
                continue
            if st.st_uid not in (me, 0):
                return f"the folder {folder} belongs to another user (uid {st.st_uid}); use a folder of your own"
            if st.st_mode & stat.S_IWOTH and not st.st_mode & stat.S_ISVTX:
                return (
                    f"anyone can write to the folder {folder} (mode {stat.S_IMODE(st.st_mode):o}) and it has no "
                    f"sticky bit, so anyone can replace the cache; use a folder of your own"
                )
        for file in (real, real.with_name(real.name + "-wal"), real.with_name(real.name + "-shm")):
            try:
                st = os.stat(file)
            except FileNotFoundError:
                continue
            if st.st_uid != me:
                return f"{file} belongs to another user (uid {st.st_uid}); use a cache of your own"
            if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return (
                    f"{file} can be written by others (mode {stat.S_IMODE(st.st_mode):o}); "
                    f"if only you wrote it, run chmod go-w {file}"
                )
    except OSError as exc:
        return f"it can't be checked: {exc.strerror or exc}"
    return None


def check(path: Path) -> str | None:
    """What is wrong with the cache file at ``path`` (SQLite's words), or None when it is sound or absent.

    ``quick_check`` reads every page once (about a second per few hundred MB); a file
    another run is writing is not damaged, so "locked" and "busy" count as sound.
    """
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
        try:
            rows = conn.execute("PRAGMA quick_check(1)").fetchall()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return None
        return str(exc)
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        return str(exc)
    if rows != [("ok",)]:
        return "; ".join(str(r[0]) for r in rows)
    return None


def set_aside(path: Path, suffix: str) -> Path:
    """Move a damaged cache (and its WAL and shared-memory files) to ``<path>.<suffix>``; a new one starts.

    The damaged file is kept, not deleted, for whoever wants to look at it; it is not read again.
    """
    target = path.with_name(f"{path.name}.{suffix}")
    path.replace(target)
    for extra in ("-wal", "-shm"):
        side = path.with_name(path.name + extra)
        if side.exists():
            side.replace(target.with_name(target.name + extra))
    return target


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (the write lock is taken up front)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        if self.conn.in_transaction:  # one a time limit (SIGALRM) cut between BEGIN and the with block
            self.conn.execute("ROLLBACK")
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")
