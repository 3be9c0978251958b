"""The state of one batch run: its counts and logs, and where each outcome is written.

``Run`` is what the driver (``batch.run``) keeps while a run goes: it turns listed items
into the tasks left to do (unreadable ones recorded, finished ones skipped, duplicate ids
made distinct), groups them, and writes each outcome the engine gives back: the result
file then its index entry, or a failure line (with a partial result when a stage after
translation failed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

import pipeline.batch.signals as signals
from pipeline.batch.events import Reporter
from pipeline.batch.inputs import Item
from pipeline.batch.keys import result_name
from pipeline.batch.manifest import Counts
from pipeline.batch.options import BatchOptions
from pipeline.batch.store import JsonlLog, Store, now_iso
from pipeline.batch.worker import GroupResult, Outcome, Task, make_task
from pipeline.errors import InputError


class Run:
    """The state of one run: counts, logs and where its outcomes are written."""

    def __init__(self, store: Store, run_id: str, options: BatchOptions, reporter: Reporter, total: int) -> None:
        self.store = store
        self.run_id = run_id
        self.options = options
        self.reporter = reporter
        self.total = total
        self.dir = store.out / "runs" / run_id
        self.dir.mkdir(parents=True)
        self.failures = JsonlLog(self.dir / "failures.jsonl")
        self.index = JsonlLog(self.dir / "index.jsonl")
        # For the report and status: the counts after each group, and each result's size and time.
        self.timeline = JsonlLog(self.dir / "progress.jsonl")
        self.articles = JsonlLog(self.dir / "articles.jsonl")
        self.sizes: dict[str, int] = {}  # result name -> characters of its article, until it is recorded
        self.publish: Callable[[bool], None] = lambda force: None  # the live manifest and metrics
        self.counts = Counts()
        self.claimed: set[str] = set()
        self.ids: dict[str, list[str]] = {}  # id -> the keys (texts) seen under it, in input order
        self.stopped = False
        self.started = time.perf_counter()
        self.processing_started: float | None = None
        self.stage_seconds: dict[str, float] = {}
        self.cache_hits = self.cache_misses = 0
        self.results_redone = 0  # damaged results removed and processed again
        self.workers: dict[tuple[str, int], dict[str, Any]] = {}  # (host, pid) of a Ray actor -> what it did

    def tasks(self, items: Iterable[Item], digest: str) -> Iterator[Task]:
        """The tasks left to do: unreadable articles are recorded, finished ones skipped."""
        for item in items:
            if self.stopped:
                return
            try:
                task = make_task(item, self.options.limits, digest)
            except InputError as exc:
                self.record(Outcome.failure(item, exc))
                continue
            task = self._distinct(task)
            if task.name not in self.claimed and self.store.done(task.name):
                self._check_done(task.name)
            if task.name in self.claimed or self.store.done(task.name):
                with signals.deferred():  # a signal meanwhile waits for the index line: see record
                    self._index(task.article.doc.id, task.key, task.name, item.source, task.article.metadata)
                    self.counts.skipped += 1
                self.progress()
                continue
            self.claimed.add(task.name)
            self.sizes[task.name] = len(task.article.doc.text)
            yield task

    def _check_done(self, name: str) -> None:
        """Remove a result that isn't a readable record (damaged since it was written): it is redone."""
        problem = self.store.damaged(name)
        if problem is None:
            return
        path = self.store.path_of(name)
        self.store.remove(name)
        self.results_redone += 1
        self.reporter.event(
            "result_damaged",
            f"{path} {problem}: removed, the article is processed again",
            path=self.store.relative(path),
            problem=problem,
        )

    def _distinct(self, task: Task) -> Task:
        """The task, its id made distinct (``id#2``...) if an earlier, different article of the input has it.

        The same article twice (same id, same text) keeps its id: it is done once. Input
        order is stable, so a rerun gives the same ids and finds their results.
        """
        doc = task.article.doc
        keys = self.ids.setdefault(doc.id, [])
        if task.key not in keys:
            keys.append(task.key)
        n = keys.index(task.key) + 1
        if n == 1:
            return task
        new_id = f"{doc.id}#{n}"
        self.reporter.event(
            "duplicate_id",
            f"{task.article.item.source}: the id {doc.id!r} is also an earlier, different article's; "
            f"this one is filed as {new_id!r}",
            id=doc.id,
            new_id=new_id,
            source=task.article.item.source,
        )
        article = replace(task.article, doc=replace(doc, id=new_id))
        return Task(article=article, key=task.key, name=result_name(new_id, task.key))

    def groups(self, tasks: Iterable[Task]) -> Iterator[list[Task]]:
        """The tasks in groups of ``group_size``; processing starts with the first group."""
        group: list[Task] = []
        for task in tasks:
            group.append(task)
            if len(group) >= self.options.group_size:
                yield self._first(group)
                group = []
        if group and not self.stopped:
            yield self._first(group)

    def _first(self, group: list[Task]) -> list[Task]:
        if self.processing_started is None:
            self.processing_started = time.perf_counter()
        return group

    def record(self, outcome: Outcome) -> None:
        """Write an outcome: the result file then its index entry, or a failure line.

        A SIGTERM or SIGINT meanwhile waits until the outcome is recorded whole (a few
        small writes), then stops the run: a result written but not indexed when the run
        is interrupted would be missing from the run's index until the next run.
        """
        with signals.deferred():
            self._record(outcome)

    def _record(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.store.write(str(outcome.name), str(outcome.record))
            self.store.drop_partial(str(outcome.name))
            self._index(outcome.id, outcome.key, str(outcome.name), outcome.source, outcome.metadata)
            self.counts.done += 1
            for kind, seconds in outcome.timings.items():
                self.stage_seconds[kind] = self.stage_seconds.get(kind, 0.0) + seconds
            return
        row = {"id": outcome.id, "source": outcome.source, "code": outcome.code, "message": outcome.message}
        if outcome.stage is not None:
            row["stage"] = outcome.stage
        if outcome.partial is not None and outcome.name is not None:
            # What was done is kept (the translation); the article is retried by the next run.
            row["partial"] = self.store.relative(self.store.write_partial(outcome.name, outcome.partial))
        self.failures.append({**row, "run": self.run_id, "ts": now_iso()})
        self.counts.failed += 1
        self.reporter.event(
            "article_failed", f"failed: {outcome.id or outcome.source}: [{outcome.code}] {outcome.message}", **row
        )
        limit = self.options.max_failures
        if limit is not None and self.counts.failed >= limit and not self.stopped:
            self.stopped = True
            self.reporter.event(
                "stopped", f"stopping: {self.counts.failed} articles failed (--max-failures {limit})", limit=limit
            )

    def record_group(self, result: GroupResult) -> None:
        for outcome in result.outcomes:
            self.record(outcome)
        self.cache_hits += result.hits
        self.cache_misses += result.misses
        if result.worker is not None:
            w = result.worker
            seen = self.workers.setdefault((w["host"], w["pid"]), {**w, "groups": 0, "articles": 0})
            seen.update(models_loaded=w["models_loaded"], groups=seen["groups"] + 1)
            seen["articles"] += len(result.outcomes)
        c, now = self.counts, time.perf_counter()
        self.articles.extend(
            [
                {"id": o.id, "chars": self.sizes.pop(str(o.name), None), "seconds": round(sum(o.timings.values()), 4)}
                for o in result.outcomes
                if o.ok
            ]
        )
        self.timeline.append(
            {
                "ts": now_iso(),
                "elapsed_s": round(now - self.started, 3),
                "done": c.done,
                "skipped": c.skipped,
                "failed": c.failed,
            }
        )
        self.progress(force=True)
        self.publish(False)

    def progress(self, force: bool = False) -> None:
        c = self.counts
        elapsed = time.perf_counter() - self.started
        self.reporter.progress(
            done=c.done, skipped=c.skipped, failed=c.failed, total=self.total, elapsed=elapsed, force=force
        )

    def _index(self, doc_id: str | None, key: str | None, name: str, source: str, metadata: Any) -> None:
        entry = {"id": doc_id, "key": key, "path": self.store.relative(self.store.path_of(name)), "source": source}
        if metadata:
            entry["metadata"] = metadata
        self.index.append(entry)

    def so_far(self) -> dict[str, Any]:
        """The counts, timings and cache counts so far, as ``Manifest.update`` takes them."""
        now = time.perf_counter()
        return {
            "counts": self.counts,
            "processing_s": now - self.processing_started if self.processing_started else 0.0,
            "wall_s": now - self.started,
            "stages_s": self.stage_seconds,
            "cache_hits": self.cache_hits,
            "cache_misses": self.cache_misses,
            "workers": list(self.workers.values()),
        }

    def close(self) -> None:
        for log in (self.failures, self.index, self.timeline, self.articles):
            log.close()
