"""The driver of a batch run: the one loop that keys articles, skips finished ones and records outcomes.

``run_batch`` streams the articles of an input (``batch.inputs``) and, for each:

1. reads and checks it; a bad article becomes a line of ``failures.jsonl`` and the run goes on;
2. keys it under the run's output signature (``batch.keys``);
3. skips it when ``results/<id>.<key>.json`` already exists (results are written
   atomically, so present means complete; one that isn't a readable record, damaged
   since, is removed and redone): a rerun does only what is left;
4. otherwise hands it, in groups, to the engine (``batch.engines``), and writes every
   result, index entry and failure the engine gives back, whichever engine it is.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from pipeline.batch import metrics as metrics_mod
from pipeline.batch import signals
from pipeline.batch.cache import check as check_cache
from pipeline.batch.cache import set_aside
from pipeline.batch.engines import Engine
from pipeline.batch.engines import get as get_engine
from pipeline.batch.events import Reporter
from pipeline.batch.inputs import Item, kind_of, list_items
from pipeline.batch.keys import result_name, run_key
from pipeline.batch.manifest import Counts, Manifest
from pipeline.batch.options import BatchOptions
from pipeline.batch.report import write_report
from pipeline.batch.status import failures_by_code
from pipeline.batch.store import JsonlLog, Lock, Store, describe, now_iso
from pipeline.batch.worker import GroupResult, Outcome, Task, make_task
from pipeline.config import Config
from pipeline.errors import InputError, OutputError, PrecisError
from pipeline.files import describe as describe_os_error
from pipeline.files import output_folder
from pipeline.signature import Signature


@dataclass
class RunResult:
    """How a run ended: its id, status, counts, exit code and manifest."""

    run_id: str
    status: str
    counts: Counts
    exit_code: int
    manifest: Path


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
        """Write an outcome: the result file then its index entry, or a failure line."""
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


def new_run_id(out: Path) -> str:
    """Sortable and unique in ``out``: UTC start time to the millisecond, and pid."""
    while True:
        now = time.time()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
        run_id = f"{stamp}-{os.getpid()}"
        if not (out / "runs" / run_id).exists():
            return run_id
        time.sleep(0.001)


def run_batch(config: Config, options: BatchOptions, reporter: Reporter | None = None) -> RunResult:
    """Process every article of ``options.input`` not already done into ``options.out``.

    Returns:
        the run's result; its ``exit_code`` is 0 when every article is done, 1 when some
        failed or the run stopped at ``max_failures``.

    Raises:
        ConfigError: an unknown engine.
        InputError: the input doesn't exist or isn't a supported kind.
        LockError: another run holds the output folder.
        ModelUnavailable, ConfigError: the pipeline can't be built.
        EngineError: the engine can't run (Ray missing or failing, models that give
            another signature than the keys').
    """
    engine_cls = get_engine(options.engine)
    options = options.absolute()
    reporter = reporter or Reporter(json_lines=options.log_json)
    input_kind = kind_of(options.input)
    # Listing the input first (paths only) gives the total for the progress bar, and an
    # input that can't be listed fails before anything is locked or written; so do the
    # keys' models, described from their configs (no weights), for the engine's device.
    ignored: list[str] = []
    total = sum(1 for _ in list_items(options.input, exclude=options.out, ignored=ignored))
    models, signature = run_key(config, engine_cls.device(config, options))
    with signals.interruptible():
        run, lock, manifest = _begin(config, options, reporter, input_kind, models, signature, ignored, total)
        status, error = "aborted", None
        try:
            _announce(run, lock, ignored)
            engine = engine_cls(
                config,
                options,
                run_id=run.run_id,
                signature=signature,
                on_load=partial(_models_ready, run, manifest),
                stopped=lambda: run.stopped,
            )
            with reporter.notices():
                _process(run, engine, list_items(options.input, exclude=options.out), signature.digest)
            status = "stopped" if run.stopped else "complete"
        except signals.Interrupted as exc:
            status, error = "interrupted", f"interrupted by {exc.name}"
            raise
        except OutputError as exc:
            error = str(exc)
            raise OutputError(
                f"{exc.message}; the {run.counts.done} result(s) written before are complete and kept: "
                f"free some space (or fix the folder) and run again to do what is left"
            ) from None
        except BaseException as exc:
            if signals.received() is not None:  # Ray failing because the same signal stopped its processes
                status, error = "interrupted", f"interrupted by {signals.Interrupted(signals.received()).name}"
                raise signals.Interrupted(signals.received()) from None
            error = str(exc) if isinstance(exc, PrecisError) else f"{type(exc).__name__}: {exc}"
            raise
        finally:
            try:
                with signals.deferred():
                    result = _finish(run, manifest, status, error)
            finally:
                lock.release()
    return result


def _begin(
    config: Config,
    options: BatchOptions,
    reporter: Reporter,
    input_kind: str,
    models: list[dict[str, Any]],
    signature: Signature,
    ignored: list[str],
    total: int,
) -> tuple[Run, Lock, Manifest]:
    """Take the output folder's lock, clean what a killed run left, and write the manifest of a run starting."""
    output_folder(options.out, "--out")
    run_id = new_run_id(options.out)
    reporter.run_id = run_id
    lock = Lock(options.out, run_id)
    lock.acquire()
    try:
        store = Store(options.out)
        removed = store.clean()
        run = Run(store, run_id, options, reporter, total)
        cache_set_aside = _check_cache(options, run_id, reporter)
        manifest = Manifest.start(
            run_id=run_id,
            options=options,
            input_kind=input_kind,
            config=config,
            signature=signature,
            models=models,
            total=total,
            ignored=ignored,
            stale_lock=lock.stale,
            temp_files_removed=removed,
        )
        manifest.repairs["cache_set_aside"] = cache_set_aside
        manifest.write(run.dir / "manifest.json")
        output_folder(options.metrics_path.parent, "--metrics")
        run.publish = Publisher(run, manifest, last_success(options.out, run_id))
        run.publish(True)
    except OSError as exc:  # a folder that can't be made (a full disk); files say so themselves
        lock.release()
        raise OutputError(f"can't write in {options.out}: {describe_os_error(exc)}") from None
    except BaseException:
        lock.release()
        raise
    return run, lock, manifest


def _check_cache(options: BatchOptions, run_id: str, reporter: Reporter) -> str | None:
    """Move a damaged translation cache aside, so the run starts a new one; where it went, if it did."""
    path = options.cache_path
    if path is None:
        return None
    problem = check_cache(path)
    if problem is None:
        return None
    try:
        target = set_aside(path, f"damaged-{run_id}")
    except OSError as exc:
        # Can't move it: the workers find it damaged too and work without a cache.
        reporter.event(
            "cache_damaged",
            f"translation cache {path} is damaged ({problem}) and can't be moved aside "
            f"({describe_os_error(exc)}): this run works without it",
            path=str(path),
            problem=problem,
        )
        return None
    reporter.event(
        "cache_damaged",
        f"translation cache {path} is damaged ({problem}): moved to {target.name}; a new cache starts "
        f"(its sentences are translated again)",
        path=str(path),
        problem=problem,
        moved_to=str(target),
    )
    return str(target)


def _process(run: Run, engine: Engine, items: Iterable[Item], digest: str) -> None:
    """The one loop of every engine: the tasks left go to the engine in groups, their outcomes are written here."""
    with closing(engine.run(run.groups(run.tasks(items, digest)))) as results:  # closed: Ray stops at once
        for result in results:
            run.record_group(result)
            if run.stopped:
                break


def _announce(run: Run, lock: Lock, ignored: list[str]) -> None:
    o, reporter = run.options, run.reporter
    reporter.event(
        "run_start",
        f"run {run.run_id}: {run.total} article(s) from {o.input} into {o.out} ({o.engine} engine)",
        input=str(o.input),
        out=str(o.out),
        engine=o.engine,
        total=run.total,
    )
    if lock.stale:
        reporter.event(
            "lock_stale",
            f"took over a stale lock: the run of {describe(lock.stale)} ended without releasing it",
            previous=lock.stale,
        )
    if ignored:
        reporter.event(
            "ignored_files",
            f"ignored {len(ignored)} file(s) that aren't .md, .txt or .html, e.g. {ignored[0]}",
            count=len(ignored),
            examples=ignored[:5],
        )


def _models_ready(run: Run, manifest: Manifest, models: list[dict[str, Any]], seconds: float) -> None:
    manifest.models_loaded(models, seconds)
    names = ", ".join(f"{m['stage']}: {m['name']}" for m in models) or "no models"
    run.reporter.event("models_ready", f"models ready in {seconds:.1f}s ({names})", seconds=round(seconds, 3))


def _finish(run: Run, manifest: Manifest, status: str, error: str | None) -> RunResult:
    """Publish the run's index, failures and manifest (the index even for a run that didn't finish).

    Each step is tried even when one before failed (a full disk): the files are written
    atomically, so one that can't be written keeps its previous version. A write that
    fails here is raised only when nothing else went wrong: the first error is the one
    the user is told about.

    Raises:
        OutputError: a file can't be written and the run was going well until then.
    """
    problems: list[OutputError] = []

    def attempt(step: Callable[[], object]) -> None:
        try:
            step()
        except OutputError as exc:
            problems.append(exc)

    run.close()
    attempt(lambda: run.store.merge_index(run.dir / "index.jsonl"))
    if status in ("complete", "stopped"):
        # failures.jsonl is the latest finished run's: failed articles are retried every run,
        # so it lists exactly those that still fail (a run that didn't finish didn't see them all).
        attempt(lambda: run.store.publish_failures(run.dir / "failures.jsonl"))
    wall = time.perf_counter() - run.started
    c = run.counts
    exit_code = 1 if (c.failed or run.stopped) else 0
    if status == "interrupted" and signals.received() is not None:
        exit_code = signals.exit_code(signals.received() or 0)
    manifest.repairs["results_redone"] = run.results_redone
    manifest.finish(status=status, error=error, exit_code=None if status == "aborted" else exit_code, **run.so_far())
    path = run.dir / "manifest.json"
    attempt(lambda: manifest.write(path))
    attempt(lambda: run.publish(True))  # the metrics: the manifest is written already
    attempt(lambda: write_report(run.store.out, json.loads(json.dumps(asdict(manifest)))))
    rate = manifest.throughput["articles_per_s"]
    unwritten = f"; not written: {'; '.join(p.message for p in problems)}" if problems else ""
    run.reporter.event(
        "run_end",
        f"{status}: {c.done} done, {c.skipped} skipped, {c.failed} failed in {wall:.1f}s"
        + (f" ({rate:.2f} articles/s)" if rate else "")
        + f"; cache {run.cache_hits} hits, {run.cache_misses} misses; manifest {path}{unwritten}",
        status=status,
        done=c.done,
        skipped=c.skipped,
        failed=c.failed,
        wall_s=round(wall, 3),
        articles_per_s=rate,
        cache_hits=run.cache_hits,
        cache_misses=run.cache_misses,
        manifest=str(path),
        exit_code=manifest.exit_code,
        **({"not_written": [p.message for p in problems]} if problems else {}),
    )
    if problems and error is None:
        raise problems[0]
    return RunResult(run.run_id, status, c, exit_code, path)
