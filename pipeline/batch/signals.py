"""SIGTERM and SIGINT during a batch run: stop at once, cleanly, and say so.

cron's ``timeout``, ``systemctl stop`` and Ctrl-C end a run with a signal. While a run
holds its output folder, both signals raise ``Interrupted`` in the driver (Python runs
signal handlers in the main thread, between bytecodes), which unwinds the run like any
error: the group in flight is abandoned (its results were not written, and every write
is atomic, so no partial file remains; the next run does it), the run's index, failures
and manifest (status ``interrupted``) are written, and the lock is released. The CLI
then exits 128 + the signal's number, as a shell reports a process killed by it: 130
for SIGINT, 143 for SIGTERM.

A second signal while the run is cleaning up ends the process at once (the kernel
drops the lock; the manifest may still say ``running``), so a stuck cleanup can always
be stopped.

``Interrupted`` is a BaseException, as KeyboardInterrupt is, so ``except Exception``
blocks (Ray's, the pipeline's) don't swallow it.

The per-article time limit (``--article-timeout``) is a signal too: ``time_limit`` arms
``SIGALRM`` (``signal.setitimer``) around a group of articles, and its handler raises
``TimeLimit`` in the worker's main thread, wherever it is. Python runs that handler
between bytecodes, so it stops a pure-Python loop, a wait on a lock or a sleep, and a
regular expression stuck backtracking (CPython's ``re`` engine checks for signals as it
goes: ``(a+)+$`` on 60 a's and a b is stopped at the limit). It can't stop a call into C
that never returns (a model stuck in its native code): the handler runs when the call
comes back. A child process per group would stop that too, but would load the models in
every child, or need them shared across a process boundary; the Ray engine has that
process boundary already, and its driver kills and replaces an actor stuck past the limit.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Interrupted(BaseException):  # noqa: N818 - named like KeyboardInterrupt, which it stands beside
    """The run was stopped by a signal (``signum``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal's number: what a shell reports for a process the signal killed."""
        return exit_code(self.signum)


class _State:
    active = False  # a run's handlers are installed
    deferring = False  # the run is writing its last files: a first signal waits for them
    received: int | None = None  # the first signal received during the run


def _handler(signum: int, frame: FrameType | None) -> None:
    if _State.received is not None:
        os._exit(128 + signum)  # a second signal: stop now, whatever cleanup is doing
    _State.received = signum
    if not _State.deferring:
        raise Interrupted(signum)


def received() -> int | None:
    """The signal that interrupted the current run, if one did."""
    return _State.received


def reinstall() -> None:
    """Put the run's handlers back after a library replaced them (``ray.init`` sets its own SIGTERM one)."""
    if _State.active and threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            signal.signal(signum, _handler)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM and SIGINT raise ``Interrupted`` meanwhile; the previous handlers come back after.

    Outside the main thread (a run started from a thread) signals can't be handled there,
    so nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {signum: signal.getsignal(signum) for signum in SIGNALS}
    _State.active, _State.received = True, None
    try:
        for signum in SIGNALS:
            signal.signal(signum, _handler)
        yield
    finally:
        for signum, previous in saved.items():
            signal.signal(signum, previous)
        _State.active = False


def exit_code(signum: int) -> int:
    """128 + the signal's number."""
    return 128 + signum


@contextmanager
def deferred() -> Iterator[None]:
    """A first signal meanwhile waits until the block is done, then raises ``Interrupted``.

    For the run's last writes (index, failures, manifest): an interruption then doesn't
    leave them half done. A second signal still ends the process at once.
    """
    before, outer = _State.received, _State.deferring
    _State.deferring = True
    try:
        yield
    finally:
        _State.deferring = outer  # a block deferred inside another leaves the outer one deferred
    if _State.active and not outer and before is None and _State.received is not None:
        raise Interrupted(_State.received)


class TimeLimit(BaseException):  # noqa: N818 - stands beside Interrupted, as TimeoutError's cousin
    """The block under ``time_limit`` ran past its ``seconds``.

    A BaseException, so that a stage's (or the runner's) ``except Exception`` doesn't
    take it for an error of the article and go on with the time already spent.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(f"ran past its time limit of {seconds:g}s")
        self.seconds = seconds


class _Alarm:
    armed: object | None = None  # the time_limit block the next SIGALRM is for; None: it is ignored


def can_limit_time() -> bool:
    """Whether ``time_limit`` can stop a block here: signal handlers run in the main thread only."""
    return threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``TimeLimit`` in the block if it runs longer than ``seconds`` (None: no limit).

    Outside the main thread nothing is armed (see ``can_limit_time``), and the block runs
    without a limit. Blocks may not be nested: the inner one would disarm the outer one.

    Raises:
        TimeLimit: the block ran longer than ``seconds``.
    """
    if seconds is None or not can_limit_time():
        yield
        return
    token = object()

    def expire(signum: int, frame: FrameType | None) -> None:
        # A SIGALRM that comes as the block ends (the timer fired while it was being disarmed) is dropped.
        if _Alarm.armed is token:
            _Alarm.armed = None
            raise TimeLimit(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    _Alarm.armed = token
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _Alarm.armed = None
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
