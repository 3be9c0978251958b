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
import math
import os
import time
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import pipeline.batch.signals as signals
from pipeline.batch.cache import check as check_cache
from pipeline.batch.cache import set_aside, untrusted
from pipeline.batch.engines import Engine
from pipeline.batch.engines import get as get_engine
from pipeline.batch.events import Reporter, reserve_standard_fds
from pipeline.batch.inputs import Item, Skipped, kind_of, list_items
from pipeline.batch.keys import run_key
from pipeline.batch.manifest import Counts, Manifest
from pipeline.batch.options import BatchOptions
from pipeline.batch.publish import Publisher, last_success
from pipeline.batch.report import write_report
from pipeline.batch.state import Run
from pipeline.batch.store import Lock, Store, describe
from pipeline.config import Config
from pipeline.errors import ConfigError, OutputError, PrecisError
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

    Logs are best effort, results are not: an event line stderr refuses (closed, full,
    a broken pipe) is counted in the manifest's ``logs_lost`` and the run goes on.

    Raises:
        ConfigError: an unknown engine, or options it can't run with (a time limit that
            isn't a positive number of seconds, a Ray pool Ray can't make).
        InputError: the input doesn't exist or isn't a supported kind.
        LockError: another run holds the output folder.
        ModelUnavailable, ConfigError: the pipeline can't be built.
        EngineError: the engine can't run (Ray missing or failing, models that give
            another signature than the keys').
    """
    reserve_standard_fds()
    engine_cls = get_engine(options.engine)
    _check_options(options)
    engine_cls.check(options)
    options = options.absolute()
    reporter = reporter or Reporter(json_lines=options.log_json)
    input_kind = kind_of(options.input)
    # Listing the input first (paths only) gives the total for the progress bar, and an
    # input that can't be listed fails before anything is locked or written; so do the
    # keys' models, described from their configs (no weights), for the engine's device.
    ignored: list[Skipped] = []
    follow = options.limits.follow_symlinks
    total = sum(1 for _ in list_items(options.input, exclude=options.out, ignored=ignored, follow_symlinks=follow))
    models, signature = run_key(config, engine_cls.device(config, options))
    with signals.interruptible():
        run, lock, manifest = _begin(config, options, reporter, input_kind, models, signature, ignored, total)
        status, error = "aborted", None
        try:
            _announce(run, lock, ignored)
            engine = engine_cls(
                config,
                run.options,  # without the cache if it was refused
                run_id=run.run_id,
                signature=signature,
                on_load=partial(_models_ready, run, manifest),
                stopped=lambda: run.stopped,
            )
            with reporter.notices():
                items = list_items(options.input, exclude=options.out, follow_symlinks=follow)
                _process(run, engine, items, signature.digest)
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


def _check_options(options: BatchOptions) -> None:
    """Reject what no engine can run with (the CLI checks its options' bounds; a library caller may not).

    Raises:
        ConfigError: ``article_timeout`` isn't None or a finite number of seconds above 0.
    """
    limit = options.article_timeout
    if limit is not None and not (isinstance(limit, int | float) and math.isfinite(limit) and limit > 0):
        raise ConfigError(f"--article-timeout {limit!r}: give a number of seconds above 0")


def _begin(
    config: Config,
    options: BatchOptions,
    reporter: Reporter,
    input_kind: str,
    models: list[dict[str, Any]],
    signature: Signature,
    ignored: list[Skipped],
    total: int,
) -> tuple[Run, Lock, Manifest]:
    """Take the output folder's lock, clean what a killed run left, and write the manifest of a run starting.

    The run's options (``Run.options``) are ``options`` without the cache if it was refused.
    """
    output_folder(options.out, "--out")
    run_id = new_run_id(options.out)
    reporter.run_id = run_id
    lock = Lock(options.out, run_id)
    lock.acquire()
    try:
        store = Store(options.out)
        removed = store.clean()
        options = _trust_cache(options, reporter)
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


def _trust_cache(options: BatchOptions, reporter: Reporter) -> BatchOptions:
    """The options without the translation cache if someone else could have written it (``cache.untrusted``).

    Checked here, before anything opens it, so the run says so once; each process that
    opens a cache (a Ray actor on another node) checks its own file again.
    """
    path = options.cache_path
    if path is None:
        return options
    problem = untrusted(path)
    if problem is None:
        return options
    reporter.event(
        "cache_refused",
        f"translation cache {path} not used: {problem}; this run works without a cache",
        path=str(path),
        problem=problem,
    )
    return replace(options, use_cache=False)


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


def _announce(run: Run, lock: Lock, ignored: list[Skipped]) -> None:
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
            f"ignored {len(ignored)} input entries that aren't articles (the manifest lists them), e.g. {ignored[0]}",
            count=len(ignored),
            examples=[s._asdict() for s in ignored[:5]],
        )


def _models_ready(run: Run, manifest: Manifest, models: list[dict[str, Any]], seconds: float) -> None:
    manifest.models_loaded(models, seconds)
    if run.processing_started is not None:  # the models load with the first group: not processing time
        run.processing_started += seconds
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
    manifest.logs_lost = run.reporter.lost
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
        + (f", {manifest.counts['ignored']} input entries ignored" if manifest.counts.get("ignored") else "")
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
        **({"logs_lost": manifest.logs_lost} if manifest.logs_lost else {}),
        **({"not_written": [p.message for p in problems]} if problems else {}),
    )
    if run.reporter.lost != manifest.logs_lost:  # the run_end line itself was lost: the manifest counts it too
        manifest.logs_lost = run.reporter.lost
        attempt(lambda: manifest.write(path))
    if problems and error is None:
        raise problems[0]
    return RunResult(run.run_id, status, c, exit_code, path)
