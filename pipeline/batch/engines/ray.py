"""The Ray engine: the same per-article work, on a pool of Ray Data actors.

The driver lists, reads and keys every article and skips finished ones, exactly as with
the local engine; only the tasks left come here. Each goes to Ray as where to read the
article, its key and its result name (not its text), in groups. ``ray.data`` runs
``map_batches`` over the groups on an actor pool; each actor builds a ``Worker`` (the
Pipeline, models loaded once) in its ``__init__``, checks that its pipeline's output
signature is the driver's, reads its articles again and returns the outcomes. The
driver writes every result, index entry and failure as the groups come back, so the
output folder is the same as the local engine's, atomic writes and all.

Actors must see the input paths and the cache path: on one machine they do; on a
cluster, put the input on storage every node mounts. Each node then keeps its own
translation cache at the cache path unless it is shared (not NFS: see ``batch.cache``).

Ray is optional (``pip install -e '.[ray]'``) and imported only when this engine runs.
``RAY_ADDRESS`` joins an existing cluster; otherwise a small local instance is started
for the run and stopped after it.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Generator, Iterable, Iterator
from dataclasses import asdict
from typing import Any

from pipeline.batch import signals
from pipeline.batch.engines import Engine
from pipeline.batch.inputs import Item, Limits
from pipeline.batch.inputs import read as read_item
from pipeline.batch.keys import article_key
from pipeline.batch.options import BatchOptions
from pipeline.batch.worker import GroupResult, Outcome, Task, Worker
from pipeline.config import Config, resolve
from pipeline.errors import EngineError, InputError

# Passed to the workers so they find the same model caches and offline settings.
ENV_PASSTHROUGH = ("PRECIS_CACHE", "HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "HF_ENDPOINT", "TRANSFORMERS_OFFLINE")


class RayActor:
    """A Ray Data actor: one Worker per actor; each input row is one group of tasks.

    Args:
        config: the resolved config, as plain data.
        signature: the driver's printed output signature: the Worker fails the actor
            (EngineError naming both) if the models loaded here give another.
        cache: the translation cache's path on this node; None: no cache.
        run_id: the run's id.
        limits: the article checks, as plain data.
    """

    def __init__(
        self, config: dict[str, Any], signature: str, cache: str | None, run_id: str, limits: dict[str, Any]
    ) -> None:
        self.worker = Worker(resolve(config), signature, cache, run_id)
        # In __init__: a model that can't load, or gives another signature, fails the actor, not its articles.
        self.digest = self.worker.load().signature.digest  # the driver's: load() checked they are the same
        self.limits = Limits(**limits)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        outcomes, hits, misses = [], [], []
        for group in batch["group"]:
            result = self.run_group(json.loads(group))
            outcomes.append(json.dumps([asdict(o) for o in result.outcomes], ensure_ascii=False))
            hits.append(result.hits)
            misses.append(result.misses)
        return {"outcomes": np.array(outcomes, dtype=object), "hits": np.array(hits), "misses": np.array(misses)}

    def run_group(self, rows: list[dict[str, Any]]) -> GroupResult:
        """Read the group's articles again (a failure here is recorded like any other) and process them.

        Each row is a task as the driver sent it: ``{"item", "key", "name"}``.
        """
        tasks: list[Task] = []
        failed: list[Outcome] = []
        for row in rows:
            item = Item(**row["item"])
            try:
                article = read_item(item, self.limits)
                if article_key(article.doc.text, self.digest) != row["key"]:
                    # Its result would be filed under the key of the text the driver read.
                    raise InputError(f"{item.source}: changed while the run was going; the next run processes it")
            except InputError as exc:
                failed.append(Outcome.failure(item, exc))
                continue
            tasks.append(Task(article=article, key=row["key"], name=row["name"]))
        result = self.worker.process(tasks)
        return GroupResult(failed + result.outcomes, result.hits, result.misses)


class RayEngine(Engine):
    """The tasks in groups on a Ray Data actor pool (``--ray-actors``, CPUs and GPUs per actor).

    No model loads in the driver, so ``on_load`` is never called.
    """

    @staticmethod
    def device(config: Config, options: BatchOptions) -> str:
        """The device the actors' models run on, which the keys depend on; not the driver's,
        which may have no GPU."""
        if config.runtime.device != "auto":
            return config.runtime.device
        return "cuda" if options.ray_gpus_per_actor else "cpu"

    def run(self, groups: Iterable[list[Task]]) -> Generator[GroupResult, None, None]:
        """Send the groups to the actors; yield their results as they come back.

        Raises:
            EngineError: Ray isn't installed, can't start, or fails while running (an
                actor's models give another signature than the driver's included).
        """
        ray = _import_ray()
        # Taking every group first holds only where to read each article, not its text.
        payloads = [json.dumps([_sent(task) for task in group], ensure_ascii=False) for group in groups]
        if not payloads or self.stopped():
            return  # nothing left to do, or the run stopped while keying: don't start Ray
        started_here = _start(ray, self.options)
        signals.reinstall()  # ray.init sets its own SIGTERM handler (sys.exit), which would skip the cleanup
        try:
            for row in _rows(self._dataset(ray, payloads)):
                outcomes = [Outcome(**o) for o in json.loads(row["outcomes"])]
                yield GroupResult(outcomes, int(row["hits"]), int(row["misses"]))
        finally:
            if started_here:
                ray.shutdown()

    def _dataset(self, ray: Any, payloads: list[str]) -> Any:
        o = self.options
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        # Ray Data logs an actor's failure with its whole stack on stderr; the run reports it
        # as one EngineError (Ray's session folder keeps the full log).
        logging.getLogger("ray.data").setLevel(logging.CRITICAL)
        remote: dict[str, Any] = {"num_cpus": o.ray_cpus_per_actor}
        if o.ray_gpus_per_actor:
            remote["num_gpus"] = o.ray_gpus_per_actor
        dataset = ray.data.from_items([{"group": p} for p in payloads], override_num_blocks=len(payloads))
        return dataset.map_batches(
            RayActor,
            fn_constructor_kwargs={
                "config": self.config.to_dict(),
                "signature": str(self.signature),
                "cache": str(o.cache_path) if o.cache_path is not None else None,
                "run_id": self.run_id,
                "limits": asdict(o.limits),
            },
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=min(o.ray_actors, len(payloads))),
            **remote,
        )


def _sent(task: Task) -> dict[str, Any]:
    """What an actor gets of a task: where to read the article, its key and its result name."""
    return {"item": asdict(task.article.item), "key": task.key, "name": task.name}


def _rows(dataset: Any) -> Iterator[dict[str, Any]]:
    """The dataset's rows; a failure of Ray itself (not of an article) as an EngineError."""
    rows = iter(dataset.iter_rows())
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - Ray raises many types; each means the same here
            # Ray's first line says what failed; its last, for an actor, the error that killed it.
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [""]
            why = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
            raise EngineError(f"the Ray engine failed: {type(exc).__name__}: {why}") from None
        yield row


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


def _start(ray: Any, options: BatchOptions) -> bool:
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
            cpus = max(2, math.ceil(options.ray_actors * options.ray_cpus_per_actor))
            ray.init(address="local", num_cpus=cpus, include_dashboard=False, **common)
    except Exception as exc:  # noqa: BLE001 - Ray raises many types; each means the same here
        where = f"join the Ray cluster at RAY_ADDRESS={address}" if address else "start a local Ray instance"
        raise EngineError(f"can't {where}: {type(exc).__name__}: {exc}") from None
    return True
