"""A run's manifest (``runs/<run-id>/manifest.json``): what it did, with what, how fast.

It is built once, when the run starts (``Manifest.start``), written then with status
``running`` (so a crash leaves a manifest that says the run never finished), updated
when the models load, and written again when the run ends (``finish``). Its
``signature`` is the run's printed output signature (``pipeline.signature``): the one
string the keys of its results come from.
"""

from __future__ import annotations

import json
import os
import socket
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.batch.inputs import Skipped
from pipeline.batch.options import BatchOptions
from pipeline.batch.store import json_bytes, now_iso
from pipeline.config import Config
from pipeline.files import write_atomic
from pipeline.signature import Signature, versions

# At most this many skipped input entries are listed by name; the counts have them all.
IGNORED_LISTED = 100


@dataclass
class Counts:
    done: int = 0  # results written by this run
    skipped: int = 0  # results already there (an earlier run, or a duplicate in this one)
    failed: int = 0

    @property
    def seen(self) -> int:
        return self.done + self.skipped + self.failed


@dataclass
class Timings:
    models_s: float | None = None  # loading the models in this process; None: none loaded here
    processing_s: float | None = None  # from the first group to process to the end, the models' load left out
    wall_s: float | None = None
    stages_s: dict[str, float] = field(default_factory=dict)  # each stage's share of the results' time


@dataclass
class CacheStats:
    path: str | None
    hits: int = 0
    misses: int = 0


@dataclass(kw_only=True)
class Manifest:
    """The manifest's fields, in the order manifest.json lists them."""

    run: str
    status: str = "running"  # then complete, stopped (--max-failures), interrupted (a signal) or aborted (an error)
    started: str
    updated: str | None = None  # the last time a running run wrote it (every few seconds)
    finished: str | None = None
    host: str
    pid: int
    input: str
    input_kind: str
    out: str
    engine: str
    options: dict[str, Any]
    counts: dict[str, int]
    timings: Timings = field(default_factory=Timings)
    throughput: dict[str, float | None] = field(default_factory=lambda: {"articles_per_s": None})
    cache: CacheStats
    # Ray: each actor that returned groups (host, pid, node, groups, articles, models_loaded); local: []
    workers: list[dict[str, Any]] = field(default_factory=list)
    config: dict[str, Any]
    signature: str
    models: list[dict[str, Any]]
    versions: dict[str, str]
    lock: dict[str, Any]
    temp_files_removed: int
    # what the run found damaged and repaired: the translation cache moved aside (where to),
    # results that weren't readable records, removed and processed again
    repairs: dict[str, Any] = field(default_factory=lambda: {"cache_set_aside": None, "results_redone": 0})
    # what the input folder holds that isn't read: path, reason, detail (IGNORED_LISTED at most)
    ignored_files: list[dict[str, str]]
    ignored_by_reason: dict[str, int] = field(default_factory=dict)  # all of them, by reason
    index: str = "index.jsonl"
    failures: str
    error: str | None = None
    exit_code: int | None = None
    logs_lost: int = 0  # event lines stderr refused (full, closed, a broken pipe): the log is incomplete

    @classmethod
    def start(
        cls,
        *,
        run_id: str,
        options: BatchOptions,
        input_kind: str,
        config: Config,
        signature: Signature,
        models: list[dict[str, Any]],
        total: int,
        ignored: list[Skipped],
        stale_lock: dict[str, Any] | None,
        temp_files_removed: int,
    ) -> Manifest:
        """The manifest of a run starting now, with the models described (not loaded yet)."""
        o = options
        ray = {
            "address": o.ray_address or os.environ.get("RAY_ADDRESS"),
            "actors": o.ray_actors,
            "cpus_per_actor": o.ray_cpus_per_actor,
            "gpus_per_actor": o.ray_gpus_per_actor,
        }
        return cls(
            run=run_id,
            started=now_iso(),
            host=socket.gethostname(),
            pid=os.getpid(),
            input=str(o.input),
            input_kind=input_kind,
            out=str(o.out),
            engine=o.engine,
            options={
                "group_size": o.group_size,
                "max_failures": o.max_failures,
                "limits": asdict(o.limits),
                "article_timeout": o.article_timeout,  # an E430 failure says which limit
                "ray": ray if o.engine == "ray" else None,
            },
            counts={"total": total, **asdict(Counts()), "ignored": len(ignored)},
            cache=CacheStats(path=str(o.cache_path) if o.cache_path else None),
            config=config.to_dict(),
            signature=str(signature),
            models=models,
            versions=versions(),
            lock={"stale_taken_over": stale_lock},
            temp_files_removed=temp_files_removed,
            ignored_files=[s._asdict() for s in ignored[:IGNORED_LISTED]],
            ignored_by_reason=dict(sorted(Counter(s.reason for s in ignored).items())),
            failures=f"runs/{run_id}/failures.jsonl",
        )

    def models_loaded(self, models: list[dict[str, Any]], seconds: float) -> None:
        """The models as loaded (with their number format and device) and how long they took."""
        self.models = models
        self.timings.models_s = round(seconds, 3)

    def update(
        self,
        *,
        counts: Counts,
        processing_s: float,
        wall_s: float,
        stages_s: dict[str, float],
        cache_hits: int,
        cache_misses: int,
        workers: list[dict[str, Any]],
    ) -> None:
        """The run's counts, timings, throughput and cache counts so far (``precis batch status`` reads them)."""
        self.updated = now_iso()
        self.workers = workers
        self.counts.update(asdict(counts))
        self.timings.processing_s = round(processing_s, 3)
        self.timings.wall_s = round(wall_s, 3)
        self.timings.stages_s = {kind: round(seconds, 3) for kind, seconds in stages_s.items()}
        self.throughput["articles_per_s"] = round(counts.done / processing_s, 3) if processing_s > 0 else None
        self.cache.hits, self.cache.misses = cache_hits, cache_misses

    def finish(self, *, status: str, error: str | None, exit_code: int | None, **so_far: Any) -> None:
        """How the run ended: status, error and exit code, with ``update``'s fields."""
        self.update(**so_far)
        self.status, self.finished, self.error, self.exit_code = status, now_iso(), error, exit_code

    def write(self, path: Path) -> None:
        """Write it to ``path`` atomically: a reader sees the previous version or this one."""
        write_atomic(path, json_bytes(json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"))
