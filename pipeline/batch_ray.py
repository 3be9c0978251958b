"""The Ray engine of batch jobs: the same per-article work, on a pool of Ray Data actors.

The run (``pipeline.batch``) lists the input, reads and keys every article and skips
finished ones here in the driver, exactly as the local engine does; only the articles
left are handed to Ray, as groups of item descriptors (where to read each article, not
its text). ``ray.data`` runs ``map_batches`` over the groups on an actor pool; each
actor builds a ``batch.Worker`` (the Pipeline, models loaded once) in its ``__init__``,
reads its articles again and returns the outcomes. The driver writes every result,
index entry and failure as the groups come back, so the output folder is the same as
the local engine's, atomic writes and all.

Workers must see the input paths and the cache path: on one machine they do; on a
cluster, put the input on storage every node mounts. Each node then keeps its own
translation cache at the cache path unless it is shared (not NFS: see batch_cache).

Ray is optional (``pip install -e '.[ray]'``) and imported only when this engine runs.
``RAY_ADDRESS`` joins an existing cluster; otherwise a small local instance is started
for the run and stopped after it.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from pipeline.batch import BatchOptions, Outcome, Run, Task, Worker, chunks, make_task, run_key
from pipeline.batch_inputs import Item, Limits
from pipeline.config import Config, resolve
from pipeline.errors import EngineError, InputError
from pipeline.runner import versions

# Passed to the workers so they find the same model caches and offline settings.
ENV_PASSTHROUGH = ("PRECIS_CACHE", "HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "HF_ENDPOINT", "TRANSFORMERS_OFFLINE")


class RayWorker:
    """A Ray Data actor: one Worker per actor; each input row is one group of items."""

    def __init__(self, config: dict[str, Any], cache: str | None, run_id: str, limits: dict[str, Any]) -> None:
        self.worker = Worker(resolve(config), cache, run_id)
        self.worker.load()  # in __init__: a model that can't load fails the actor, not its articles
        self.limits = Limits(**limits)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        outcomes, hits, misses = [], [], []
        for group in batch["group"]:
            before = self.worker.cache_counts()
            done = self.run_group([Item(**row) for row in json.loads(group)])
            after = self.worker.cache_counts()
            outcomes.append(json.dumps([asdict(o) for o in done], ensure_ascii=False))
            hits.append(after[0] - before[0])
            misses.append(after[1] - before[1])
        return {"outcomes": np.array(outcomes, dtype=object), "hits": np.array(hits), "misses": np.array(misses)}

    def run_group(self, items: list[Item]) -> list[Outcome]:
        """Read the group's articles again (a failure here is recorded like any other) and process them."""
        tasks: list[Task] = []
        failed: list[Outcome] = []
        for item in items:
            try:
                tasks.append(make_task(item, self.limits, self.worker.signature))
            except InputError as exc:
                failed.append(Outcome.failure(item, exc))
        return failed + self.worker.process(tasks)


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - the data extra must be there too
    except ImportError as exc:
        raise EngineError(
            f"--engine ray needs Ray Data, which isn't installed ({exc}); install it with "
            f"`.venv/bin/pip install -e '.[ray]'`, or use --engine local"
        ) from None
    return ray


def _start(ray: Any, run: Run) -> bool:
    """Join the cluster RAY_ADDRESS names, or start a small local instance; True if started here."""
    if ray.is_initialized():
        return False
    env = {name: os.environ[name] for name in ENV_PASSTHROUGH if name in os.environ}
    # Ray's own logs go to its session folder, so stderr keeps one JSON object a line.
    common = {"runtime_env": {"env_vars": env}, "log_to_driver": False, "logging_level": logging.ERROR}
    address = os.environ.get("RAY_ADDRESS")
    # Ray's C++ core logs to stderr too; keep only its fatal errors there.
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    try:
        if address:
            ray.init(address=address, **common)
        else:
            o = run.options
            cpus = max(2, math.ceil(o.ray_actors * o.ray_cpus_per_actor))
            ray.init(address="local", num_cpus=cpus, include_dashboard=False, **common)
    except Exception as exc:  # noqa: BLE001 - Ray raises many types; each means the same here
        where = f"join the Ray cluster at RAY_ADDRESS={address}" if address else "start a local Ray instance"
        raise EngineError(f"can't {where}: {type(exc).__name__}: {exc}") from None
    return True


def actor_device(config: Config, options: BatchOptions) -> str:
    """The device the actors' models run on, which the keys depend on; not the driver's,
    which may have no GPU."""
    if config.runtime.device != "auto":
        return config.runtime.device
    return "cuda" if options.ray_gpus_per_actor else "cpu"


def run(run: Run, config: Config, items: Iterable[Item], manifest: dict[str, Any]) -> None:
    """Process the run's unfinished articles on Ray actors; outcomes are recorded by ``run``.

    Raises:
        EngineError: Ray isn't installed, can't start, or fails while running.
    """
    ray = _import_ray()
    options = run.options
    # The driver keys articles and skips finished ones before anything goes to Ray; the
    # keys need the model revisions, read from the models' configs (no weights loaded).
    models, run_signature = run_key(config, actor_device(config, options))
    manifest.update(models=models, versions=versions())
    pending = [asdict(task.article.item) for task in run.tasks(items, run_signature)]
    groups = chunks(pending, options.group_size)
    if not groups or run.stopped:
        return
    started_here = _start(ray, run)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.ERROR)
        remote: dict[str, Any] = {"num_cpus": options.ray_cpus_per_actor}
        if options.ray_gpus_per_actor:
            remote["num_gpus"] = options.ray_gpus_per_actor
        cache = options.cache_path
        dataset = ray.data.from_items([{"group": json.dumps(g)} for g in groups], override_num_blocks=len(groups))
        dataset = dataset.map_batches(
            RayWorker,
            fn_constructor_kwargs={
                "config": config.to_dict(),
                "cache": str(cache) if cache is not None else None,
                "run_id": run.run_id,
                "limits": asdict(options.limits),
            },
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=min(options.ray_actors, len(groups))),
            **remote,
        )
        rows = iter(dataset.iter_rows())
        run.processing_started = time.perf_counter()
        while not run.stopped:
            try:
                row = next(rows)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001 - a failure of Ray itself, not of an article
                # Ray's first line says what failed; its last, for an actor, the error that killed it.
                lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [""]
                why = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
                raise EngineError(f"the Ray engine failed: {type(exc).__name__}: {why}") from None
            outcomes = [Outcome(**o) for o in json.loads(row["outcomes"])]
            run.record_group(outcomes, int(row["hits"]), int(row["misses"]))
    finally:
        if started_here:
            ray.shutdown()
