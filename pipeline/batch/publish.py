"""A running batch job seen from outside: its manifest and metrics file, kept up to date.

``Publisher`` rewrites the run's manifest and the Prometheus textfile (``batch.metrics``)
atomically, at most every few seconds while the run goes, and once at its end;
``last_success`` finds when the latest complete run before this one finished.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

import pipeline.batch.metrics as metrics_mod
from pipeline.batch.manifest import Manifest
from pipeline.batch.state import Run
from pipeline.batch.status import failures_by_code


class Publisher:
    """The run's live manifest and metrics, rewritten (atomically) at most every few seconds, and at the end."""

    EVERY_S = 5.0

    def __init__(self, run: Run, manifest: Manifest, last_success: float | None) -> None:
        self.run = run
        self.manifest = manifest
        self.last_success = last_success
        self.last = 0.0

    def __call__(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.EVERY_S:
            return
        self.last = now
        m, run = self.manifest, self.run
        if m.status == "running":  # at the end, finish() has updated it and _finish writes it
            m.update(**run.so_far())
            m.write(run.dir / "manifest.json")
        elif m.status == "complete":
            self.last_success = metrics_mod.timestamp(m.finished)
        data = json.loads(json.dumps(asdict(m)))
        text = metrics_mod.render(data, failures_by_code(run.store.out, run.run_id), self.last_success)
        metrics_mod.write(run.options.metrics_path, text)


def last_success(out: Path, before: str) -> float | None:
    """When the latest complete run of ``out`` before run ``before`` finished (Unix time), if one did."""
    for path in sorted((out / "runs").glob("*/manifest.json"), reverse=True):
        if path.parent.name >= before:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and data.get("status") == "complete":
            return metrics_mod.timestamp(data.get("finished"))
    return None
