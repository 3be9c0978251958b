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
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; each store opens its own.
        self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        self._setup(timeout)
        self._known: set[str] = set()
        self.hits = 0  # sentences asked for and found, repeats included
        self.misses = 0  # sentences asked for and not found: the translator translates them

    def _setup(self, timeout: float) -> None:
        """WAL mode and the tables, safe when several processes open a new file at once.

        SQLite skips the busy handler where waiting could deadlock (two connections
        upgrading from reading to writing), so "database is locked" can come at once
        while Ray actors start together: the setup is retried until ``timeout``.
        """
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
        digest = _digest(namespace)
        distinct = list(dict.fromkeys(sources))
        found: dict[str, str] = {}
        for i in range(0, len(distinct), _CHUNK):
            chunk = distinct[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT source, translation FROM translations WHERE digest = ? AND run != ? AND source IN ({marks})",
                [digest, self.run, *chunk],
            )
            found.update(rows.fetchall())
        hits = sum(1 for source in sources if source in found)
        self.hits += hits
        self.misses += len(sources) - hits
        return found

    def store(self, namespace: str, pairs: list[tuple[str, str]]) -> None:
        """Remember (source, translation) pairs under ``namespace``, in one transaction."""
        if not pairs:
            return
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
        return int(self.conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0])

    def _transaction(self) -> _Transaction:
        return _Transaction(self.conn)

    def close(self) -> None:
        self.conn.close()


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (the write lock is taken up front)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")
