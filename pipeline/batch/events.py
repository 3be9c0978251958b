"""A batch run's events on stderr: a progress bar on a terminal, JSON lines for cron.

Logs are best effort, results are not: a line stderr refuses (closed, a full device such
as ``2>/dev/full``, a pipe whose reader is gone) is counted as lost, never raised, and
the run goes on; the manifest says how many were lost (``logs_lost``).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from pipeline.batch.store import now_iso
from pipeline.files import reserve_standard_fds  # noqa: F401 - run_batch calls it from here


class Reporter:
    """Run events on stderr: JSON lines (one object per event) or, on a terminal, lines and a progress bar.

    JSON lines are the default when stderr is not a terminal (cron, systemd, CI), so logs
    can be parsed; ``--log-json`` forces them on a terminal too.
    """

    def __init__(self, stream: TextIO | None = None, json_lines: bool | None = None) -> None:
        # None when the process started with stderr closed (2>&-): every line is then lost.
        self.stream: TextIO | None = stream if stream is not None else sys.stderr
        try:
            tty = bool(getattr(self.stream, "isatty", lambda: False)())
        except (OSError, ValueError):  # a closed stream
            tty = False
        self.json = (not tty) if json_lines is None else json_lines
        self.bar = tty and not self.json
        self.run_id: str | None = None
        self.lost = 0  # event lines stderr refused
        self._bar_shown = False
        self._last_progress = 0.0

    def event(self, name: str, text: str | None = None, /, **fields: Any) -> None:
        """One event: a JSON object with ts, event, run and ``fields``; or ``text`` for people.

        Never raises for stderr: a line it refuses is counted in ``lost``.
        """
        if self.json:
            row = {"ts": now_iso(), "event": name}
            if self.run_id:
                # run_id on every line, for log search; "run" is the same, kept for existing parsers
                row["run_id"] = row["run"] = self.run_id
            row.update(fields)
            line = json.dumps(row, ensure_ascii=False) + "\n"
        elif text is not None:
            self._clear_bar()
            line = f"precis: {text}\n"
        else:
            return
        if not self._write(line):
            self.lost += 1

    def _write(self, text: str) -> bool:
        """Write and flush ``text``; False if stderr refused it (closed, full, a broken pipe)."""
        if self.stream is None:
            return False
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # ValueError: "I/O operation on closed file"
            return False
        return True

    @contextmanager
    def notices(self) -> Iterator[None]:
        """Messages logged under "precis" (a model being converted...) and Python warnings as ``notice`` events.

        Without this they go to stderr as plain lines, which would break the JSON lines.
        """
        reporter = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                message = record.getMessage()
                reporter.event("notice", message, level=record.levelname.lower(), message=message)

        # Python warnings (a library's DeprecationWarning...) too: logged under py.warnings.
        loggers = [logging.getLogger("precis"), logging.getLogger("py.warnings")]
        saved = [(logger.handlers, logger.propagate) for logger in loggers]
        logging.captureWarnings(True)
        for logger in loggers:
            logger.handlers, logger.propagate = [Handler()], False  # in place of the CLI's plain lines
        try:
            yield
        finally:
            logging.captureWarnings(False)
            for logger, (handlers, propagate) in zip(loggers, saved, strict=True):
                logger.handlers, logger.propagate = handlers, propagate

    def progress(
        self, *, done: int, skipped: int, failed: int, total: int, elapsed: float, force: bool = False
    ) -> None:
        """A progress event (JSON) or the bar redrawn (terminal); at most every few seconds unless forced."""
        now = time.monotonic()
        if not force and now - self._last_progress < (10.0 if self.json else 0.2):
            return
        self._last_progress = now
        seen = done + skipped + failed
        rate = done / elapsed if elapsed > 0 else 0.0
        if self.json:
            self.event("progress", total=total, rate=round(rate, 3), done=done, skipped=skipped, failed=failed)
            return
        if not self.bar:
            return
        width = 24
        filled = min(width, round(width * seen / total)) if total else width
        left = (total - seen) / rate if rate > 0 and total > seen else 0
        eta = time.strftime("%H:%M:%S", time.gmtime(left)) if left else "--:--:--"
        # A redraw stderr refuses isn't a lost line: the next one shows the same counts.
        self._bar_shown = self._write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {seen}/{total}  done {done}  "
            f"skipped {skipped}  failed {failed}  {rate:.2f}/s  ETA {eta}\033[K"
        )

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self._write("\r\033[K")
            self._bar_shown = False
