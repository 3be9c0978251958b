"""``precis batch status OUT``: where the latest run of an output folder stands, read from its files.

It only reads: the latest run's manifest (rewritten every few seconds while the run
goes), its failures log and the lock file. It never takes the lock, so it can't get in
the way of a run starting. Whether a run marked ``running`` is still alive is told from
the lock file (it names the holder, and is emptied when a run ends) and, on the same
host, from whether that pid is alive; a run killed with ``kill -9`` shows as ``killed``.
"""

from __future__ import annotations

import json
import os
import socket
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.batch.store import read_jsonl
from pipeline.errors import InputError


@dataclass
class Status:
    """The latest run of an output folder, as ``precis batch status`` prints it."""

    out: str
    run: str
    state: str  # running, complete, stopped, interrupted, aborted, killed (ended without a word)
    host: str
    pid: int
    started: str
    updated: str | None
    finished: str | None
    total: int
    done: int
    skipped: int
    failed: int
    remaining: int
    articles_per_s: float | None
    eta_s: float | None
    failures: dict[str, int] = field(default_factory=dict)  # by error code
    exit_code: int | None = None
    signature: str = ""
    ignored: int = 0  # entries of the input folder that aren't read (a FIFO, a link out of it...)
    ignored_by_reason: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def latest_manifest(out: Path) -> dict[str, Any] | None:
    """The newest run's manifest in ``out`` (run ids sort by start time), or None if there is no run."""
    for path in sorted((out / "runs").glob("*/manifest.json"), reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue  # damaged: an older run's is the best there is
        if isinstance(data, dict):
            return data
    return None


def failures_by_code(out: Path, run_id: str) -> dict[str, int]:
    """The run's failed articles by error code, from its own failures log (written as it goes)."""
    codes = Counter(str(row.get("code")) for row in read_jsonl(out / "runs" / run_id / "failures.jsonl"))
    return dict(sorted(codes.items()))


def _holder(out: Path) -> dict[str, Any]:
    try:
        data = json.loads((out / ".lock").read_bytes() or b"{}")
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def _state(out: Path, manifest: dict[str, Any]) -> str:
    if manifest["status"] != "running":
        return str(manifest["status"])
    holder = _holder(out)
    if holder.get("run") != manifest["run"]:
        return "killed"  # the lock was released or taken since, and the manifest never said it ended
    if holder.get("host") == socket.gethostname() and not _alive(int(holder.get("pid", 0))):
        return "killed"
    return "running"


def read_status(out: Path) -> Status:
    """The latest run of ``out``.

    Raises:
        InputError: ``out`` has no batch run.
    """
    manifest = latest_manifest(out)
    if manifest is None:
        raise InputError(f"{out}: no precis batch run there (no runs/*/manifest.json); give a batch --out folder")
    c = manifest["counts"]
    remaining = max(0, c["total"] - c["done"] - c["skipped"] - c["failed"])
    rate = manifest["throughput"]["articles_per_s"]
    state = _state(out, manifest)
    eta = round(remaining / rate, 1) if state == "running" and rate and remaining else None
    return Status(
        out=str(out),
        run=manifest["run"],
        state=state,
        host=manifest["host"],
        pid=manifest["pid"],
        started=manifest["started"],
        updated=manifest.get("updated"),
        finished=manifest.get("finished"),
        total=c["total"],
        done=c["done"],
        skipped=c["skipped"],
        failed=c["failed"],
        remaining=remaining,
        articles_per_s=rate,
        eta_s=eta,
        failures=failures_by_code(out, manifest["run"]),
        exit_code=manifest.get("exit_code"),
        signature=manifest.get("signature", ""),
        ignored=c.get("ignored", 0),
        ignored_by_reason=manifest.get("ignored_by_reason", {}),
    )


def duration(seconds: float) -> str:
    """``4s``, ``2m05s``, ``1h02m``."""
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def render(status: Status) -> str:
    """The status as a few labelled lines, for people."""
    s = status
    state = s.state
    if s.state == "running":
        state += f" (pid {s.pid} on host {s.host})"
    else:
        state += f" (host {s.host}" + (f", exit {s.exit_code})" if s.exit_code is not None else ")")
    rows = [
        ("run", s.run),
        ("status", state),
        ("started", s.started),
        ("updated" if s.state == "running" else "finished", (s.updated if s.state == "running" else s.finished) or "-"),
        (
            "articles",
            f"{s.total} total: {s.done} done, {s.skipped} skipped, {s.failed} failed, {s.remaining} remaining",
        ),
        ("throughput", f"{s.articles_per_s:.2f} articles/s" if s.articles_per_s else "-"),
        ("eta", duration(s.eta_s) if s.eta_s is not None else "-"),
        ("failures", ", ".join(f"{code} {n}" for code, n in s.failures.items()) or "none"),
    ]
    if s.ignored:
        reasons = ", ".join(f"{reason} {n}" for reason, n in s.ignored_by_reason.items())
        rows.append(("ignored", f"{s.ignored} input entries not read ({reasons}): the manifest lists them"))
    width = max(len(label) for label, _ in rows)
    return "".join(f"{label.ljust(width)}  {value}\n" for label, value in rows)
