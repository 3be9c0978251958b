"""Nightly batch jobs: every article of an input processed exactly once, resumable after a crash.

``run_batch`` streams the articles of an input (``pipeline.batch_inputs``) and, for each:

1. reads and checks it; a bad article becomes a line of ``failures.jsonl`` and the run goes on;
2. computes its key: a hash of its text, the resolved config, the model revisions and
   the backend and quantization the models run with (``signature``);
3. skips it when ``results/<id>.<key>.json`` already exists (results are written
   atomically, so present means complete): a rerun does only what is left, and a
   changed article, config or model makes a new key and so a new result;
4. otherwise sends it, in groups, through ``Worker.process``: the per-article work
   both engines share (the local engine in this process, the Ray engine in actors,
   ``pipeline.batch_ray``). The run itself writes every result, index entry and
   failure, so both engines leave identical folders.

Output layout, atomic writes and the lock: ``pipeline.batch_store``. The sentence
translation cache: ``pipeline.batch_cache``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from models.loading import resolve_backend, resolve_device
from pipeline import batch_inputs, io
from pipeline.batch_inputs import Article, Item, Limits
from pipeline.batch_store import JsonlLog, Lock, Store, describe, now_iso, result_name, write_atomic
from pipeline.config import Config
from pipeline.errors import ConfigError, InputError, PrecisError, StageFailed

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch (everything but the pipeline config).

    Attributes:
        input: a folder of articles, a .jsonl file, or a file listing article paths.
        out: the output folder (results, index, failures, manifests, cache, lock).
        engine: ``local`` (this process) or ``ray`` (Ray Data actors).
        group_size: articles sent through the pipeline together (sentences are batched
            across them); memory grows with it, not with the size of the input.
        max_failures: stop after this many failed articles (pytest's --maxfail); None: never.
        limits: size and language checks on each article.
        cache: the SQLite translation cache; None: ``OUT/cache.sqlite``.
        use_cache: False turns the cache off.
        log_json: JSON-lines events on stderr; None: when stderr is not a terminal.
        ray_actors, ray_cpus_per_actor, ray_gpus_per_actor: the Ray actor pool.
    """

    input: Path
    out: Path
    engine: str = "local"
    group_size: int = 16
    max_failures: int | None = None
    limits: Limits = field(default_factory=Limits)
    cache: Path | None = None
    use_cache: bool = True
    log_json: bool | None = None
    ray_actors: int = 1
    ray_cpus_per_actor: float = 1.0
    ray_gpus_per_actor: float = 0.0

    @property
    def cache_path(self) -> Path | None:
        if not self.use_cache:
            return None
        return self.cache if self.cache is not None else self.out / "cache.sqlite"


# --- keys ------------------------------------------------------------------------


def signature(config: dict[str, Any], models: list[dict[str, Any]], device: str) -> str:
    """What every result of a run depends on besides the article.

    The resolved config, each model's revision, and the backend and quantization its
    config section gives on ``device``, where the models run: with ``backend: auto`` the
    same config runs CTranslate2 int8 on a CPU and transformers on a GPU, and their
    outputs differ. The device itself and the float format are left out.
    """
    described = []
    for m in models:
        section = config[m["stage"]]
        backend, quantization = resolve_backend(section["backend"], section["quantization"], device)
        described.append((m["stage"], m["name"], m["revision"], backend, quantization))
    blob = {"config": config, "models": described}
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()


def run_key(config: Config, device: str) -> tuple[list[dict[str, Any]], str]:
    """The models a config uses (described from their configs, none loaded) and the run's
    signature for models running on ``device``."""
    from pipeline.runner import describe_models

    models = describe_models(config)
    return models, signature(config.to_dict(), models, device)


def article_key(text: str, run_signature: str) -> str:
    """The key of an article's result: its text under a run signature (20 hex digits, 80 bits)."""
    content = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return hashlib.sha256(f"{run_signature}:{content}".encode()).hexdigest()[:20]


# --- the per-article work both engines share ---------------------------------------


@dataclass(frozen=True)
class Task:
    """An article to process, with its key and the name of its result."""

    article: Article
    key: str
    name: str


@dataclass
class Outcome:
    """What became of one article: a rendered record, or a failure with its code and message."""

    source: str
    id: str | None
    key: str | None = None
    name: str | None = None
    record: str | None = None
    code: str | None = None
    message: str | None = None
    metadata: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.record is not None

    @classmethod
    def failure(cls, item: Item, exc: PrecisError, doc_id: str | None = None) -> Outcome:
        return cls(source=item.source, id=doc_id or item.id, code=exc.code, message=exc.message)


def make_task(item: Item, limits: Limits, run_signature: str) -> Task:
    """Read and check an article and key it.

    Raises:
        InputError: the article can't be processed (see ``batch_inputs.read``).
    """
    article = batch_inputs.read(item, limits)
    key = article_key(article.doc.text, run_signature)
    return Task(article=article, key=key, name=result_name(article.doc.id, key))


class Worker:
    """One pipeline per process (models load once), run over groups of articles.

    The models load on the first group, not before: the run's key needs only their
    revisions, read from their configs, so a rerun that finds every article done loads
    no model. A group runs through ``Pipeline.run`` together so the translator batches
    across its articles; if the group raises, each article is run alone, so one bad
    article fails alone and the others still get their results.
    """

    def __init__(
        self,
        config: Config,
        cache_path: str | Path | None = None,
        run_id: str = "",
        on_load: Callable[[dict[str, Any], float], None] | None = None,
    ) -> None:
        from pipeline.runner import versions

        self.config = config
        self.cache_path = cache_path
        self.run_id = run_id
        self.on_load = on_load  # called with (meta, seconds) once the models are loaded
        self.pipeline: Any = None
        self.translate: Any = None
        self.cache = None
        described, self.signature = run_key(config, resolve_device(config.runtime.device))
        self.meta = {"models": described, "config": config.to_dict(), "versions": versions()}

    def load(self) -> Any:
        """The pipeline, its models loaded on the first call.

        Raises:
            ModelUnavailable, ConfigError: the pipeline can't be built.
        """
        if self.pipeline is None:
            from pipeline.runner import Pipeline

            start = time.perf_counter()
            self.pipeline = Pipeline(self.config)
            self.translate = next((s for _, s in self.pipeline.stages if hasattr(s, "cache_namespace")), None)
            if self.cache_path is not None and self.translate is not None:
                from pipeline.batch_cache import SQLiteTranslationCache

                self.cache = SQLiteTranslationCache(self.cache_path, run=self.run_id)
                self.translate.cache = self.cache
            self.meta["models"] = self.pipeline.models()  # now with each model's number format
            if self.on_load is not None:
                self.on_load(self.meta, time.perf_counter() - start)
        return self.pipeline

    def cache_counts(self) -> tuple[int, int]:
        if self.translate is None:
            return 0, 0
        return self.translate.cache_hits, self.translate.cache_misses

    def process(self, tasks: list[Task]) -> list[Outcome]:
        """Run a group of articles; one Outcome per task, in order."""
        if not tasks:
            return []
        pipeline = self.load()  # outside the try: a model that can't load stops the run
        try:
            docs = pipeline.run([t.article.doc for t in tasks])
        except Exception as exc:  # noqa: BLE001 - any error of one article must not stop the others
            if len(tasks) > 1:
                return [o for t in tasks for o in self.process([t])]
            return [self._failed(tasks[0], exc)]
        return [self._done(t, d) for t, d in zip(tasks, docs, strict=True)]

    def _done(self, task: Task, doc: Any) -> Outcome:
        return Outcome(
            source=task.article.item.source,
            id=doc.id,
            key=task.key,
            name=task.name,
            record=io.render_json(doc, **self.meta),
            metadata=task.article.metadata,
            timings=dict(doc.timings),
        )

    def _failed(self, task: Task, exc: Exception) -> Outcome:
        if not isinstance(exc, PrecisError):  # Pipeline.run names the stage; anything else is ours
            exc = StageFailed(f"{task.article.item.source}: the pipeline failed: {type(exc).__name__}: {exc}")
        elif isinstance(exc, StageFailed):
            exc = StageFailed(f"{task.article.item.source}: {exc.message}")
        return Outcome(
            source=task.article.item.source,
            id=task.article.doc.id,
            key=task.key,
            name=task.name,
            code=exc.code,
            message=exc.message,
            metadata=task.article.metadata,
        )


# --- events: a progress bar on a terminal, JSON lines for cron ------------------------


class Reporter:
    """Run events on stderr: JSON lines (one object per event) or, on a terminal, lines and a progress bar.

    JSON lines are the default when stderr is not a terminal (cron, systemd, CI), so logs
    can be parsed; ``--log-json`` forces them on a terminal too.
    """

    def __init__(self, stream: TextIO | None = None, json_lines: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.json = (not tty) if json_lines is None else json_lines
        self.bar = tty and not self.json
        self.run_id: str | None = None
        self._bar_shown = False
        self._last_progress = 0.0

    def event(self, name: str, text: str | None = None, /, **fields: Any) -> None:
        """One event: a JSON object with ts, event, run and ``fields``; or ``text`` for people."""
        if self.json:
            row = {"ts": now_iso(), "event": name}
            if self.run_id:
                row["run"] = self.run_id
            row.update(fields)
            self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif text is not None:
            self._clear_bar()
            self.stream.write(f"precis: {text}\n")
        self.stream.flush()

    @contextmanager
    def notices(self) -> Iterator[None]:
        """Messages logged under "precis" (a model being converted...) as ``notice`` events meanwhile.

        Without this they go to stderr as plain lines, which would break the JSON lines.
        """
        reporter = self

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                message = record.getMessage()
                reporter.event("notice", message, level=record.levelname.lower(), message=message)

        logger = logging.getLogger("precis")
        saved = logger.handlers, logger.propagate
        logger.handlers, logger.propagate = [Handler()], False  # in place of the CLI's plain lines
        try:
            yield
        finally:
            logger.handlers, logger.propagate = saved

    def progress(self, counts: Counts, total: int, elapsed: float, force: bool = False) -> None:
        """A progress event (JSON) or the bar redrawn (terminal); at most every few seconds unless forced."""
        now = time.monotonic()
        if not force and now - self._last_progress < (10.0 if self.json else 0.2):
            return
        self._last_progress = now
        seen = counts.seen
        rate = counts.done / elapsed if elapsed > 0 else 0.0
        if self.json:
            self.event("progress", total=total, rate=round(rate, 3), **asdict(counts))
            return
        if not self.bar:
            return
        width = 24
        filled = min(width, round(width * seen / total)) if total else width
        left = (total - seen) / rate if rate > 0 and total > seen else 0
        eta = time.strftime("%H:%M:%S", time.gmtime(left)) if left else "--:--:--"
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {seen}/{total}  done {counts.done}  "
            f"skipped {counts.skipped}  failed {counts.failed}  {rate:.2f}/s  ETA {eta}\033[K"
        )
        self.stream.flush()
        self._bar_shown = True

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self.stream.write("\r\033[K")
            self._bar_shown = False


# --- a run -------------------------------------------------------------------------


@dataclass
class Counts:
    done: int = 0  # results written by this run
    skipped: int = 0  # results already there (an earlier run, or a duplicate in this one)
    failed: int = 0

    @property
    def seen(self) -> int:
        return self.done + self.skipped + self.failed


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

    def __init__(self, store: Store, run_id: str, options: BatchOptions, reporter: Reporter) -> None:
        self.store = store
        self.run_id = run_id
        self.options = options
        self.reporter = reporter
        self.dir = store.out / "runs" / run_id
        self.dir.mkdir(parents=True)
        self.failures = JsonlLog(self.dir / "failures.jsonl")
        self.index = JsonlLog(self.dir / "index.jsonl")
        self.counts = Counts()
        self.claimed: set[str] = set()
        self.stopped = False
        self.total = 0
        self.started = time.perf_counter()
        self.processing_started: float | None = None
        self.stage_seconds: dict[str, float] = {}
        self.cache_hits = self.cache_misses = 0

    def tasks(self, items: Iterable[Item], run_signature: str) -> Iterator[Task]:
        """The tasks left to do: unreadable articles are recorded, finished ones skipped."""
        for item in items:
            if self.stopped:
                return
            try:
                task = make_task(item, self.options.limits, run_signature)
            except InputError as exc:
                self.record(Outcome.failure(item, exc))
                continue
            if task.name in self.claimed or self.store.done(task.name):
                self._index(task.article.doc.id, task.key, task.name, item.source, task.article.metadata)
                self.counts.skipped += 1
                self.progress()
                continue
            self.claimed.add(task.name)
            yield task

    def record(self, outcome: Outcome) -> None:
        """Write an outcome: the result file then its index entry, or a failure line."""
        if outcome.ok:
            self.store.write(str(outcome.name), outcome.record)
            self._index(outcome.id, outcome.key, outcome.name, outcome.source, outcome.metadata)
            self.counts.done += 1
            for kind, seconds in outcome.timings.items():
                self.stage_seconds[kind] = self.stage_seconds.get(kind, 0.0) + seconds
            return
        row = {"id": outcome.id, "source": outcome.source, "code": outcome.code, "message": outcome.message}
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

    def record_group(self, outcomes: list[Outcome], hits: int = 0, misses: int = 0) -> None:
        for outcome in outcomes:
            self.record(outcome)
        self.cache_hits += hits
        self.cache_misses += misses
        self.progress(force=True)

    def progress(self, force: bool = False) -> None:
        self.reporter.progress(self.counts, self.total, time.perf_counter() - self.started, force)

    def _index(self, doc_id: str | None, key: str | None, name: str, source: str, metadata: Any) -> None:
        entry = {"id": doc_id, "key": key, "path": self.store.relative(self.store.path_of(name)), "source": source}
        if metadata:
            entry["metadata"] = metadata
        self.index.append(entry)

    def close(self) -> None:
        self.failures.close()
        self.index.close()


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
        InputError: the input doesn't exist or isn't a supported kind.
        LockError: another run holds the output folder.
        ModelUnavailable, ConfigError: the pipeline can't be built.
        EngineError: the Ray engine can't run.
    """
    if options.engine not in ENGINES:
        raise ConfigError(f"--engine {options.engine!r}: valid engines: {', '.join(ENGINES)}")
    # Absolute paths: Ray workers don't share the driver's working directory.
    options = replace(
        options,
        input=options.input.absolute(),
        out=options.out.absolute(),
        cache=options.cache.absolute() if options.cache is not None else None,
    )
    reporter = reporter or Reporter(json_lines=options.log_json)
    input_kind = batch_inputs.kind_of(options.input)
    # Listing the input first (paths only) gives the total for the progress bar, and an
    # input that can't be listed fails before anything is locked or written.
    ignored: list[str] = []
    total = sum(1 for _ in batch_inputs.list_items(options.input, exclude=options.out, ignored=ignored))
    options.out.mkdir(parents=True, exist_ok=True)
    run_id = new_run_id(options.out)
    reporter.run_id = run_id
    lock = Lock(options.out, run_id)
    lock.acquire()
    try:
        store = Store(options.out)
        removed = store.clean()
        run = Run(store, run_id, options, reporter)
        run.total = total
        manifest = _manifest_start(run, config, input_kind, lock, removed, ignored)
        write_atomic(run.dir / "manifest.json", _dump(manifest))
    except BaseException:
        lock.release()
        raise
    status, error = "aborted", None
    try:
        reporter.event(
            "run_start",
            f"run {run_id}: {run.total} article(s) from {options.input} into {options.out} ({options.engine} engine)",
            input=str(options.input),
            out=str(options.out),
            engine=options.engine,
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
        items = batch_inputs.list_items(options.input, exclude=options.out)
        with reporter.notices():
            if options.engine == "local":
                _run_local(run, config, items, manifest)
            else:
                from pipeline import batch_ray

                batch_ray.run(run, config, items, manifest)
        status = "stopped" if run.stopped else "complete"
    except BaseException as exc:
        error = str(exc) if isinstance(exc, PrecisError) else f"{type(exc).__name__}: {exc}"
        raise
    finally:
        try:
            result = _finish(run, manifest, status, error)
        finally:
            lock.release()
    return result


def _run_local(run: Run, config: Config, items: Iterable[Item], manifest: dict[str, Any]) -> None:
    worker = Worker(config, run.options.cache_path, run.run_id, on_load=partial(models_ready, run, manifest))
    manifest.update(models=worker.meta["models"], versions=worker.meta["versions"])
    group: list[Task] = []
    for task in run.tasks(items, worker.signature):
        group.append(task)
        if len(group) >= run.options.group_size:
            _process_local(run, worker, group)
            group = []
    if group and not run.stopped:
        _process_local(run, worker, group)


def _process_local(run: Run, worker: Worker, group: list[Task]) -> None:
    if run.processing_started is None:
        run.processing_started = time.perf_counter()
    hits, misses = worker.cache_counts()
    outcomes = worker.process(group)
    after = worker.cache_counts()
    run.record_group(outcomes, after[0] - hits, after[1] - misses)


def models_ready(run: Run, manifest: dict[str, Any], meta: dict[str, Any], seconds: float) -> None:
    manifest.update(models=meta["models"], versions=meta["versions"])
    manifest["timings"]["models_s"] = round(seconds, 3)
    names = ", ".join(f"{m['stage']}: {m['name']}" for m in meta["models"]) or "no models"
    run.reporter.event("models_ready", f"models ready in {seconds:.1f}s ({names})", seconds=round(seconds, 3))


def _dump(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _manifest_start(
    run: Run, config: Config, input_kind: str, lock: Lock, removed: int, ignored: list[str]
) -> dict[str, Any]:
    o = run.options
    return {
        "run": run.run_id,
        "status": "running",
        "started": now_iso(),
        "finished": None,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "input": str(o.input),
        "input_kind": input_kind,
        "out": str(o.out),
        "engine": o.engine,
        "options": {
            "group_size": o.group_size,
            "max_failures": o.max_failures,
            "limits": asdict(o.limits),
            "ray": {
                "actors": o.ray_actors,
                "cpus_per_actor": o.ray_cpus_per_actor,
                "gpus_per_actor": o.ray_gpus_per_actor,
            }
            if o.engine == "ray"
            else None,
        },
        "counts": {"total": run.total, "done": 0, "skipped": 0, "failed": 0, "ignored": len(ignored)},
        "timings": {"models_s": None, "processing_s": None, "wall_s": None, "stages_s": {}},
        "throughput": {"articles_per_s": None},
        "cache": {"path": str(o.cache_path) if o.cache_path else None, "hits": 0, "misses": 0},
        "config": config.to_dict(),
        "config_digest": config.digest(),
        "models": [],
        "versions": {},
        "lock": {"stale_taken_over": lock.stale},
        "temp_files_removed": removed,
        "ignored_files": ignored[:100],
        "index": "index.jsonl",
        "failures": f"runs/{run.run_id}/failures.jsonl",
        "error": None,
        "exit_code": None,
    }


def _finish(run: Run, manifest: dict[str, Any], status: str, error: str | None) -> RunResult:
    """Publish the run's index, failures and manifest (the index even for an aborted run)."""
    run.close()
    store = run.store
    store.merge_index(run.dir / "index.jsonl")
    if status != "aborted":
        # failures.jsonl is the latest finished run's: failed articles are retried every run,
        # so it lists exactly those that still fail (an aborted run didn't see them all).
        store.publish_failures(run.dir / "failures.jsonl")
    wall = time.perf_counter() - run.started
    processing = time.perf_counter() - run.processing_started if run.processing_started else 0.0
    c = run.counts
    exit_code = 1 if (c.failed or run.stopped) else 0
    manifest.update(
        status=status, finished=now_iso(), error=error, exit_code=None if status == "aborted" else exit_code
    )
    manifest["counts"].update(done=c.done, skipped=c.skipped, failed=c.failed)
    manifest["timings"].update(
        processing_s=round(processing, 3),
        wall_s=round(wall, 3),
        stages_s={k: round(v, 3) for k, v in run.stage_seconds.items()},
    )
    manifest["throughput"]["articles_per_s"] = round(c.done / processing, 3) if processing > 0 else None
    manifest["cache"].update(hits=run.cache_hits, misses=run.cache_misses)
    path = run.dir / "manifest.json"
    write_atomic(path, _dump(manifest))
    rate = manifest["throughput"]["articles_per_s"]
    run.reporter.event(
        "run_end",
        f"{status}: {c.done} done, {c.skipped} skipped, {c.failed} failed in {wall:.1f}s"
        + (f" ({rate:.2f} articles/s)" if rate else "")
        + f"; cache {run.cache_hits} hits, {run.cache_misses} misses; manifest {path}",
        status=status,
        done=c.done,
        skipped=c.skipped,
        failed=c.failed,
        wall_s=round(wall, 3),
        articles_per_s=rate,
        cache_hits=run.cache_hits,
        cache_misses=run.cache_misses,
        manifest=str(path),
        exit_code=manifest["exit_code"],
    )
    return RunResult(run.run_id, status, c, exit_code, path)


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] if items else []
