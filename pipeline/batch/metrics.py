"""A batch run's metrics in the Prometheus text format, for node_exporter's textfile collector.

The file (``OUT/metrics.prom``, or ``--metrics PATH``: point it into the collector's
``--collector.textfile.directory``) is rewritten atomically every few seconds while a
run goes and when it ends, so the collector never reads half of it (its temporary file
is ``.<name>.<random>.tmp``, which the collector ignores: it reads ``*.prom`` only).

Every value is of the current run, or of the last one once it has ended; they are
gauges, since each run starts from zero. ``precis_batch_last_success_timestamp_seconds``
is when the latest *complete* run (every article of its input seen; exit 0 or 1)
finished: alert when it gets old. Format:
https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
"""

from __future__ import annotations

import calendar
import time
from pathlib import Path
from typing import Any

from pipeline.files import write_atomic

# name -> help text; every metric is a gauge
HELP = {
    "precis_batch_articles": "Articles of the current or last batch run, by outcome.",
    "precis_batch_failures": "Failed articles of the current or last batch run, by error code.",
    "precis_batch_stage_seconds": "Seconds each stage spent on the results of the current or last batch run.",
    "precis_batch_throughput_articles_per_second": "Articles done per second of processing, this run or the last.",
    "precis_batch_running": "1 while a batch run is in progress, 0 once it has ended.",
    "precis_batch_run_start_timestamp_seconds": "When the current or last batch run started (Unix time).",
    "precis_batch_last_success_timestamp_seconds": "When the latest complete batch run finished (Unix time).",
    "precis_batch_run_info": "The current or last batch run: id, host and status (value 1).",
}


def timestamp(iso: str | None) -> float | None:
    """``2024-05-02T02:00:03Z`` as Unix time; None stays None."""
    if not iso:
        return None
    return float(calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")))


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(float(value), 6))


def render(manifest: dict[str, Any], failures: dict[str, int], last_success: float | None) -> str:
    """The metrics of a run from its manifest (as written), its failures by code and the last success.

    Args:
        manifest: the run's manifest, as in manifest.json.
        failures: the run's failed articles by error code.
        last_success: Unix time the latest complete run finished; None: none has yet.
    """
    counts = manifest["counts"]
    seen = counts["done"] + counts["skipped"] + counts["failed"]
    samples: list[tuple[str, dict[str, str], float]] = [
        ("precis_batch_articles", {"outcome": "done"}, counts["done"]),
        ("precis_batch_articles", {"outcome": "skipped"}, counts["skipped"]),
        ("precis_batch_articles", {"outcome": "failed"}, counts["failed"]),
        ("precis_batch_articles", {"outcome": "remaining"}, max(0, counts["total"] - seen)),
    ]
    samples += [("precis_batch_failures", {"code": code}, n) for code, n in sorted(failures.items())]
    stages = manifest["timings"]["stages_s"]
    samples += [("precis_batch_stage_seconds", {"stage": kind}, s) for kind, s in sorted(stages.items())]
    rate = manifest["throughput"]["articles_per_s"]
    samples.append(("precis_batch_throughput_articles_per_second", {}, rate or 0))
    samples.append(("precis_batch_running", {}, 1 if manifest["status"] == "running" else 0))
    samples.append(("precis_batch_run_start_timestamp_seconds", {}, timestamp(manifest["started"]) or 0))
    if last_success is not None:
        samples.append(("precis_batch_last_success_timestamp_seconds", {}, last_success))
    info = {"run_id": manifest["run"], "host": manifest["host"], "status": manifest["status"]}
    samples.append(("precis_batch_run_info", info, 1))

    lines: list[str] = []
    for name in HELP:
        rows = [(labels, value) for n, labels, value in samples if n == name]
        if not rows:
            continue
        lines += [f"# HELP {name} {HELP[name]}", f"# TYPE {name} gauge"]
        for labels, value in rows:
            text = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            lines.append(f"{name}{{{text}}} {_number(value)}" if text else f"{name} {_number(value)}")
    return "\n".join(lines) + "\n"


def write(path: Path, text: str) -> None:
    """Write the metrics file atomically (see the module's docstring)."""
    write_atomic(path, text.encode("utf-8"))
