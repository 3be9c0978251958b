"""The per-article work every engine shares: tasks, their outcomes, and the Worker that runs them.

The driver (``pipeline.batch.run``) reads and keys each article into a ``Task``; an
engine hands groups of tasks to a ``Worker`` (in this process, or in Ray actors) and
gets back a ``GroupResult``: one ``Outcome`` per task, a rendered record or a failure,
with the translation cache's hits and misses for the group. The driver writes them.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pipeline.batch.signals as signals
from pipeline import io, registry
from pipeline.batch.cache import SQLiteTranslationCache
from pipeline.batch.inputs import Article, Item, Limits
from pipeline.batch.inputs import read as read_item
from pipeline.batch.keys import article_key, result_name
from pipeline.config import Config
from pipeline.document import Document
from pipeline.errors import ArticleTimeout, EngineError, PrecisError
from pipeline.runner import Pipeline, build_stage
from pipeline.stage import Stage

log = logging.getLogger("precis.batch")


@dataclass(frozen=True)
class Task:
    """An article to process, with its key and the name of its result."""

    article: Article
    key: str
    name: str


@dataclass
class Outcome:
    """What became of one article: a rendered record, or a failure with its code and message.

    A failure in a stage after translation keeps what was done: ``stage`` names the
    stage, and ``partial`` is the record of the translated article, without its summary.
    """

    source: str
    id: str | None
    key: str | None = None
    name: str | None = None
    record: str | None = None
    code: str | None = None
    message: str | None = None
    metadata: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    stage: str | None = None
    partial: str | None = None

    @property
    def ok(self) -> bool:
        return self.record is not None

    @classmethod
    def failure(cls, item: Item, exc: PrecisError, doc_id: str | None = None) -> Outcome:
        return cls(source=item.source, id=doc_id or item.id, code=exc.code, message=exc.message)


@dataclass
class GroupResult:
    """A group's outcomes (one per task, in order) and the translation cache's hits and misses for it."""

    outcomes: list[Outcome]
    hits: int = 0
    misses: int = 0
    worker: dict[str, Any] | None = None  # the Ray actor that ran it: host, pid, node, models_loaded


def make_task(item: Item, limits: Limits, digest: str) -> Task:
    """Read and check an article and key it under a signature's ``digest``.

    Raises:
        InputError: the article can't be processed (see ``inputs.read``).
    """
    article = read_item(item, limits)
    key = article_key(article.doc.text, digest)
    return Task(article=article, key=key, name=result_name(article.doc.id, key))


def differing_fields(a: str, b: str) -> list[str]:
    """The names of the ``key:value`` parts in which two printed signatures differ."""
    pa, pb = _parts(a), _parts(b)
    return [k for k in dict.fromkeys([*pa, *pb]) if pa.get(k) != pb.get(k)]


def _parts(signature: str) -> dict[str, str]:
    return dict(part.partition(":")[::2] for part in signature.split("|"))


class Worker:
    """One pipeline per process (models load once), run over groups of articles.

    The models load on the first group, not before: the keys need only their revisions,
    read from their configs, so a rerun that finds every article done loads no model. A
    group runs through ``Pipeline.run`` together so the translator batches across its
    articles; one bad article fails alone (``Pipeline.run`` runs each alone when the
    group raises) and the others still get their results.

    The time limit: the articles of a group are batched together, so no article's own
    time can be told apart in a group. A group of n articles gets n times
    ``article_timeout`` (``signals.time_limit``: SIGALRM, in the main thread); a group
    that runs past it has at least one article over the limit, so each of its articles
    runs again alone under the limit, and one that runs past it fails with E430
    (ArticleTimeout, naming the stage it was in) while the others get their results, as
    ``Pipeline.run`` does for a stage that raises. A stuck article is therefore found
    after at most (n + 1) times the limit. What the limit can't stop (a call into native
    code that never returns) is in ``pipeline.batch.signals``.

    Args:
        config: the resolved config.
        signature: the printed signature the driver keyed the articles with; the loaded
            pipeline must have the same, or its results would be filed under wrong keys.
        cache_path: the SQLite translation cache; None: no cache.
        run_id: the run's id (the cache hides from a run what it stored itself).
        on_load: called with (models, seconds) once the models are loaded.
        article_timeout: seconds an article may take; None: no limit.
    """

    def __init__(
        self,
        config: Config,
        signature: str,
        cache_path: str | Path | None = None,
        run_id: str = "",
        on_load: Callable[[list[dict[str, Any]], float], None] | None = None,
        article_timeout: float | None = None,
    ) -> None:
        self.config = config
        self.signature = signature
        self.cache_path = cache_path
        self.run_id = run_id
        self.on_load = on_load
        self.article_timeout = article_timeout
        self._unlimited_said = False
        self.pipeline: Pipeline | None = None
        self._gates: list[Stage] | None = None  # model-free stages asked to admit articles first
        self.cache: SQLiteTranslationCache | None = None
        self.meta: dict[str, Any] = {}
        self.loads = 0  # how many times this Worker built its pipeline (loaded its models): 1 at most

    def load(self) -> Pipeline:
        """The pipeline, its models loaded on the first call.

        Raises:
            ModelUnavailable, ConfigError: the pipeline can't be built.
            EngineError: the loaded models give another signature than the driver's (a
                node with another model revision or library version).
        """
        if self.pipeline is None:
            start = time.perf_counter()
            if self.cache_path is not None:
                self.cache = SQLiteTranslationCache(self.cache_path, run=self.run_id)
            pipeline = Pipeline(self.config, cache=self.cache)
            meta = pipeline.meta()
            loaded = meta["signature"]
            if loaded != self.signature:
                raise EngineError(
                    f"the models loaded on host {socket.gethostname()} give the output signature {loaded!r}, "
                    f"but the driver keyed the articles with {self.signature!r} "
                    f"(they differ in {', '.join(differing_fields(loaded, self.signature))}); "
                    f"install the same precis, libraries and model revisions on every node"
                )
            self.meta = meta  # with each model's number format and device
            self.pipeline = pipeline
            self.loads += 1
            if self.on_load is not None:
                self.on_load(meta["models"], time.perf_counter() - start)
        return self.pipeline

    def process(self, tasks: list[Task]) -> GroupResult:
        """Run a group of articles: one Outcome per task, in order, and the cache's counts for the group."""
        if not tasks:
            return GroupResult([])
        refused = self._refused(tasks)
        left = [t for i, t in enumerate(tasks) if i not in refused]
        if not left:  # nothing left for the models: none is loaded (a rerun of a finished batch)
            return GroupResult([refused[i] for i in range(len(tasks))])
        pipeline = self.load()  # outside the per-article handling: a model that can't load stops the run
        hits, misses = self.cache_counts()
        ran = iter(self._outcomes(pipeline, left))
        outcomes = [refused[i] if i in refused else next(ran) for i in range(len(tasks))]
        after = self.cache_counts()
        return GroupResult(outcomes, after[0] - hits, after[1] - misses)

    def _refused(self, tasks: list[Task]) -> dict[int, Outcome]:
        """The failures of tasks that a model-free stage ahead of the first model stage refuses (``Stage.admit``).

        Such stages (the segmenter's language check) need no model, so they are built and
        asked first: articles they refuse fail here, as they would in the pipeline, and the
        models load only for what is left.
        """
        if self._gates is None:
            self._gates = []
            for kind in self.config.pipeline:
                name, _ = self.config.stage(kind)
                if registry.get(kind, name).needs_model:
                    break
                self._gates.append(build_stage(kind, self.config))
        refused: dict[int, Outcome] = {}
        for i, task in enumerate(tasks):
            for stage in self._gates:
                try:
                    stage.admit(task.article.doc)
                except PrecisError as exc:
                    refused[i] = _task_failure(task, exc, stage.kind)
                    break
        return refused

    def close(self) -> None:
        """Close the translation cache (SQLite then folds its journal into the file)."""
        if self.cache is not None:
            self.cache.close()

    def cache_counts(self) -> tuple[int, int]:
        """The translation cache's hits and misses so far in this process."""
        return (0, 0) if self.cache is None else (self.cache.hits, self.cache.misses)

    def _outcomes(self, pipeline: Pipeline, tasks: list[Task]) -> list[Outcome]:
        """The group's outcomes under the time limit (see the class's docstring)."""
        limit = self.article_timeout
        if limit is None:
            return self._run(pipeline, tasks, [])
        if not signals.can_limit_time() and not self._unlimited_said:
            self._unlimited_said = True
            log.warning("the per-article time limit can't be enforced outside the main thread; articles run without it")
        stages: list[str] = []  # the stages the group in flight has finished
        try:
            with signals.time_limit(limit * len(tasks)):
                return self._run(pipeline, tasks, stages)
        except signals.TimeLimit:
            if len(tasks) == 1:
                return [self._timed_out(tasks[0], pipeline, stages)]
        outcomes: list[Outcome] = []
        for task in tasks:
            stages = []
            try:
                with signals.time_limit(limit):
                    outcomes += self._run(pipeline, [task], stages)
            except signals.TimeLimit:
                outcomes.append(self._timed_out(task, pipeline, stages))
        return outcomes

    def _run(self, pipeline: Pipeline, tasks: list[Task], stages: list[str]) -> list[Outcome]:
        # One article failing doesn't fail the others: Pipeline.run gives it a failure.
        docs = pipeline.run([t.article.doc for t in tasks], on_stage=lambda kind, seconds: stages.append(kind))
        return [self._done(t, d) if d.failure is None else self._failed(t, d) for t, d in zip(tasks, docs, strict=True)]

    def _timed_out(self, task: Task, pipeline: Pipeline, stages: list[str]) -> Outcome:
        """The failure of an article that ran past the time limit alone, in the stage after ``stages``."""
        kinds = [kind for kind, _ in pipeline.stages]
        stage = kinds[len(stages)] if len(stages) < len(kinds) else None
        where = f"in stage {stage!r}" if stage is not None else "after its last stage"
        exc = ArticleTimeout(
            f"took longer than the time limit of {self.article_timeout:g}s (--article-timeout); stopped {where}"
        )
        return _task_failure(task, exc, stage)

    def _done(self, task: Task, doc: Document) -> Outcome:
        return Outcome(
            source=task.article.item.source,
            id=doc.id,
            key=task.key,
            name=task.name,
            record=io.render_json(doc, **self.meta),
            metadata=task.article.metadata,
            timings=dict(doc.timings),
        )

    def _failed(self, task: Task, doc: Document) -> Outcome:
        failure = doc.failure
        assert failure is not None
        return Outcome(
            source=task.article.item.source,
            id=doc.id,
            key=task.key,
            name=task.name,
            code=failure.code,
            message=f"{task.article.item.source}: {failure.message}",
            metadata=task.article.metadata,
            timings=dict(doc.timings),
            stage=failure.stage,
            partial=io.render_json(doc, **self.meta) if doc.translated else None,
        )


def _task_failure(task: Task, exc: PrecisError, stage: str | None) -> Outcome:
    """The failure of a task's article, in ``stage``, with the error's code; its message names the source."""
    source = task.article.item.source
    return Outcome(
        source=source,
        id=task.article.doc.id,
        key=task.key,
        name=task.name,
        code=exc.code,
        message=f"{source}: {exc.message}",
        metadata=task.article.metadata,
        stage=stage,
    )
