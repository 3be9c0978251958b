"""The Ray engine: the same per-article work, on a pool of Ray actors.

The driver lists, reads and keys every article and skips finished ones, exactly as with
the local engine; only the tasks left come here. Each goes to Ray as where to read the
article, its key and its result name (not its text), in groups. A pool of
``--ray-actors`` actors (``RayActor``) each builds a ``Worker`` (the Pipeline, models
loaded once per actor) in its ``__init__``, checks that it sees the input and the
output folder and that its pipeline's output signature is the driver's, then gets one
group at a time, reads its articles again and returns the outcomes. The driver writes
every result, index entry and failure as the groups come back, so the output folder is
the same as the local engine's, atomic writes and all.

Plain actors and ``ray.wait`` (not Ray Data) keep every group accounted for: a group
comes back once, or its actor is reported lost and the group goes to another actor
(at most ``MAX_ATTEMPTS`` times); when no actor is left the run stops with an
EngineError saying how many groups were not done, and the next run does them. Nothing
is ever dropped as Ray Data's ``max_errored_blocks`` would. It also works through Ray
Client (``ray://HOST:10001``), where Ray Data's executor does not (Ray 2.60).

Actors must see the input paths and the cache path: on one machine they do; on a
cluster, put the input and the output folder on storage every node mounts at the same
path (checked by each actor). Each node then keeps its own translation cache at the
cache path unless it is shared (not NFS: see ``batch.cache``).

The time limit (``--article-timeout``): each actor's Worker enforces it as the local
engine does (SIGALRM; Ray runs a plain actor's methods in its process's main thread). An
actor stuck where that can't reach (in native code) is found by the driver: a group gets
the longest its Worker can take under the limit (n times the limit, and n times again if
its articles run again alone) and some slack, counted from when it was sent to an actor
whose models were loaded. A group past that has its actor killed and replaced (the new
actor loads the models); its articles go again one by one, and an article alone past
it fails with E430.

Ray is optional (``pip install -e '.[ray]'``) and imported only when this engine runs.
``--address`` (or ``RAY_ADDRESS``) joins an existing cluster; otherwise a small local
instance is started for the run and stopped after it.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

import pipeline.batch.signals as signals
from pipeline.batch.engines import Engine
from pipeline.batch.inputs import Item, Limits
from pipeline.batch.inputs import read as read_item
from pipeline.batch.keys import article_key
from pipeline.batch.options import BatchOptions
from pipeline.batch.worker import GroupResult, Outcome, Task, Worker
from pipeline.config import Config, resolve
from pipeline.errors import ArticleTimeout, ConfigError, EngineError, InputError

log = logging.getLogger("precis.ray")

# How many times a group may lose its actor (a node lost) before the run stops.
MAX_ATTEMPTS = 3

# What a group may take beyond its Worker's time limits before the driver stops its actor:
# the articles read again, the records sent back, Ray's round trip on a loaded machine.
SLACK_S = 5.0

# Passed to the workers so they find the same model caches and offline settings.
ENV_PASSTHROUGH = ("PRECIS_CACHE", "HF_HOME", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "HF_ENDPOINT", "TRANSFORMERS_OFFLINE")


class RayActor:
    """A Ray actor: one Worker per actor (models loaded once); ``run_payload`` runs one group of tasks.

    Args:
        config: the resolved config, as plain data.
        signature: the driver's printed output signature: the Worker fails the actor
            (EngineError naming both) if the models loaded here give another.
        cache: the translation cache's path on this node; None: no cache.
        run_id: the run's id.
        limits: the article checks, as plain data.
        shared: paths this node must see (what -> path), checked first.
        article_timeout: seconds an article may take (``Worker``); None: no limit.
    """

    def __init__(
        self,
        config: dict[str, Any],
        signature: str,
        cache: str | None,
        run_id: str,
        limits: dict[str, Any],
        shared: dict[str, str] | None = None,
        article_timeout: float | None = None,
    ) -> None:
        # In __init__: storage this node can't see, a model that can't load, or one that gives
        # another signature, fails the actor (and so the run, with the reason), not its articles.
        check_shared(shared or {})
        start = time.perf_counter()
        self.worker = Worker(resolve(config), signature, cache, run_id, article_timeout=article_timeout)
        self.digest = self.worker.load().signature.digest  # the driver's: load() checked they are the same
        self.limits = Limits(**limits)
        # Who this actor is, sent back with every group: the driver counts groups and model loads per actor.
        self.me = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "node": _node_id(),
            "models_loaded": self.worker.loads,
            "models_s": round(time.perf_counter() - start, 3),
        }

    def ready(self) -> bool:
        """Returns once ``__init__`` is done (models loaded): the driver starts a group's clock from there."""
        return True

    def run_payload(self, payload: str) -> dict[str, Any]:
        """One group as the driver sent it (``{"index", "tasks"}``): its outcomes, cache counts and this actor."""
        sent = json.loads(payload)
        result = self.run_group(sent["tasks"])
        return {
            "index": sent["index"],
            "outcomes": json.dumps([asdict(o) for o in result.outcomes], ensure_ascii=False),
            "hits": result.hits,
            "misses": result.misses,
            "actor": {**self.me, "models_loaded": self.worker.loads},
        }

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
    """The tasks in groups on a pool of Ray actors (``--ray-actors``, CPUs and GPUs per actor).

    No model loads in the driver, so ``on_load`` is never called.
    """

    @staticmethod
    def check(options: BatchOptions) -> None:
        """Reject a pool Ray can't make, which Ray would report as a crash, or wait on forever.

        Raises:
            ConfigError: ``ray_actors`` isn't a whole number from 1; a CPU or GPU count per
                actor isn't a finite number from 0, is finer than Ray's 0.0001, or is a
                fraction of a GPU above 1 (Ray takes fractions below 1 only).
        """
        actors = options.ray_actors
        if isinstance(actors, bool) or not isinstance(actors, int) or actors < 1:
            raise ConfigError(f"--ray-actors {actors!r}: give a whole number of actors, 1 or more")
        for flag, value in (
            ("--ray-cpus-per-actor", options.ray_cpus_per_actor),
            ("--ray-gpus-per-actor", options.ray_gpus_per_actor),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ConfigError(f"{flag} {value!r}: give a number, 0 or more")
            if round(value, 4) != value:
                raise ConfigError(f"{flag} {value!r}: Ray counts resources in steps of 0.0001")
        gpus = options.ray_gpus_per_actor
        if gpus > 1 and not float(gpus).is_integer():
            raise ConfigError(
                f"--ray-gpus-per-actor {gpus!r}: Ray shares a GPU between actors only below 1; "
                f"give a fraction below 1 or a whole number"
            )

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
        payloads = [
            json.dumps({"index": i, "tasks": [_sent(task) for task in group]}, ensure_ascii=False)
            for i, group in enumerate(groups)
        ]
        if not payloads or self.stopped():
            return  # nothing left to do, or the run stopped while keying: don't start Ray
        started_here = _start(ray, self.options)
        signals.reinstall()  # ray.init sets its own SIGTERM handler (sys.exit), which would skip the cleanup
        try:
            yield from self._pool(ray, payloads)
        finally:
            if started_here:
                ray.shutdown()

    def _pool(self, ray: Any, payloads: list[str]) -> Iterator[GroupResult]:
        """Run the groups on the actors, one group in flight per actor; a lost actor's group goes to another.

        A group goes to an actor once its models are loaded (``RayActor.ready``), so its
        time limit counts from its start; a group past it has its actor replaced (see the
        module's docstring).
        """
        from ray.exceptions import RayActorError

        o = self.options
        remote: dict[str, Any] = {"num_cpus": o.ray_cpus_per_actor, "max_restarts": 0}
        if o.ray_gpus_per_actor:
            remote["num_gpus"] = o.ray_gpus_per_actor
        _check_feasible(ray, o)
        actor_cls = ray.remote(**remote)(RayActor)
        kwargs = {
            "config": self.config.to_dict(),
            "signature": str(self.signature),
            "cache": str(o.cache_path) if o.cache_path is not None else None,
            "run_id": self.run_id,
            "limits": asdict(o.limits),
            "shared": {"input": str(o.input), "output folder": str(o.out / "runs" / self.run_id)},
            "article_timeout": o.article_timeout,
        }
        starting: dict[Any, Any] = {}  # ready() ref -> actor, until its models are loaded

        def start() -> None:
            actor = actor_cls.remote(**kwargs)
            starting[actor.ready.remote()] = actor

        for _ in range(min(o.ray_actors, len(payloads))):
            start()
        idle: list[Any] = []
        queue = deque(range(len(payloads)))
        attempts: Counter[int] = Counter()
        running: dict[Any, tuple[Any, int, float | None]] = {}  # object ref -> (actor, group index, deadline)
        lost = 0
        while queue or running:
            while queue and idle:
                actor, index = idle.pop(), queue.popleft()
                deadline = self._deadline(len(json.loads(payloads[index])["tasks"]))
                running[actor.run_payload.remote(payloads[index])] = (actor, index, deadline)
            if not running and not starting:
                raise EngineError(
                    f"every Ray actor was lost ({lost}); {len(queue)} of {len(payloads)} groups were not done: "
                    f"run again to process them"
                )
            deadlines = [d for _, _, d in running.values() if d is not None]
            wait_s = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready, _ = ray.wait([*running, *starting], num_returns=1, timeout=wait_s)
            if not ready:
                yield from self._expired(ray, running, payloads, queue, start)
                continue
            [ref] = ready
            if ref in starting:
                actor = starting.pop(ref)
                try:
                    ray.get(ref)
                except RayActorError as exc:
                    if exc.actor_init_failed:  # storage, models or signature: every actor fails the same way
                        raise _engine_error(exc) from None
                    lost += 1
                    log.warning("a Ray actor was lost while it started (%s)", _why(exc))
                    continue
                except Exception as exc:  # noqa: BLE001 - Ray raises many types; each means the same here
                    raise _engine_error(exc) from None
                idle.append(actor)
                continue
            actor, index, _ = running.pop(ref)
            try:
                row = ray.get(ref)
            except RayActorError as exc:
                if exc.actor_init_failed:
                    raise _engine_error(exc) from None
                lost += 1
                attempts[index] += 1
                if attempts[index] >= MAX_ATTEMPTS:
                    raise EngineError(
                        f"a group of {len(json.loads(payloads[index])['tasks'])} articles lost its Ray actor "
                        f"{attempts[index]} times; stopping (run again to process what is left): {_why(exc)}"
                    ) from None
                log.warning("a Ray actor was lost (%s); its group goes to another actor", _why(exc))
                queue.appendleft(index)
                continue
            except Exception as exc:  # noqa: BLE001 - Ray raises many types; each means the same here
                raise _engine_error(exc) from None
            idle.append(actor)
            outcomes = [Outcome(**x) for x in json.loads(row["outcomes"])]
            yield GroupResult(outcomes, int(row["hits"]), int(row["misses"]), worker=row["actor"])

    def _deadline(self, n: int) -> float | None:
        """When a group of ``n`` articles sent now must be back: what its Worker may take, and slack."""
        limit = self.options.article_timeout
        if limit is None:
            return None
        worker = n * limit + (n * limit if n > 1 else 0.0)  # the group, then each of its articles alone
        return time.monotonic() + worker + limit + SLACK_S

    def _expired(
        self,
        ray: Any,
        running: dict[Any, tuple[Any, int, float | None]],
        payloads: list[str],
        queue: deque[int],
        start: Callable[[], None],
    ) -> Iterator[GroupResult]:
        """Kill and replace the actors of groups past their deadline; their articles go again alone, or fail E430."""
        now = time.monotonic()
        for ref, (actor, index, deadline) in list(running.items()):
            if deadline is None or deadline > now:
                continue
            del running[ref]
            ray.kill(actor, no_restart=True)
            tasks = json.loads(payloads[index])["tasks"]
            if len(tasks) > 1:
                # Which of its articles is stuck can't be told from here: each goes again alone, in order.
                for task in reversed(tasks):
                    payloads.append(json.dumps({"index": len(payloads), "tasks": [task]}, ensure_ascii=False))
                    queue.appendleft(len(payloads) - 1)
            if queue:
                start()
            log.warning(
                "a Ray actor ran past the time limit of its group of %d article(s) (--article-timeout %gs): stopped%s",
                len(tasks),
                self.options.article_timeout,
                ", and a new actor started" if queue else "",
            )
            if len(tasks) == 1:
                yield GroupResult([self._timed_out(tasks[0])])

    def _timed_out(self, sent: dict[str, Any]) -> Outcome:
        source = sent["item"]["source"]
        exc = ArticleTimeout(
            f"took longer than the time limit of {self.options.article_timeout:g}s (--article-timeout); "
            f"its Ray actor was stopped"
        )
        return Outcome(
            source=source,
            id=sent["id"],
            key=sent["key"],
            name=sent["name"],
            code=exc.code,
            message=f"{source}: {exc.message}",
        )


def _check_feasible(ray: Any, options: BatchOptions) -> None:
    """Fail at once when no node of the cluster has what one actor asks for: Ray would wait for one forever.

    Raises:
        EngineError: no live node has the CPUs and GPUs of one actor (naming what the nodes have).
    """
    need = {"CPU": options.ray_cpus_per_actor, "GPU": options.ray_gpus_per_actor}
    try:
        nodes = [node.get("Resources", {}) for node in ray.nodes() if node.get("Alive")]
    except Exception:  # noqa: BLE001 - only a check: if Ray can't list its nodes, it says so itself later
        return
    if any(all(have.get(kind, 0.0) >= amount for kind, amount in need.items() if amount) for have in nodes):
        return
    listed = "; ".join(f"{have.get('CPU', 0):g} CPUs and {have.get('GPU', 0):g} GPUs" for have in nodes)
    raise EngineError(
        f"no node of the Ray cluster has the {need['CPU']:g} CPUs and {need['GPU']:g} GPUs one actor asks for "
        f"(--ray-cpus-per-actor, --ray-gpus-per-actor); its nodes have {listed or 'nothing'}"
    )


def check_shared(paths: dict[str, str]) -> None:
    """Fail on a node that can't see what every node must: the input and the output folder.

    The actors read the articles from the input paths and open the translation cache,
    which is in the output folder unless --cache says otherwise; a node that doesn't
    mount them would fail every article, or fill a cache of its own nobody reads.

    Raises:
        EngineError: a path is not there on this node (names the node and the path).
    """
    for what, path in paths.items():
        if not os.path.exists(path):
            raise EngineError(
                f"node {socket.gethostname()} can't see the {what} {path}: the input and the --out folder "
                f"must be on storage every Ray node mounts at the same path"
            )


def _node_id() -> str | None:
    try:
        import ray

        return str(ray.get_runtime_context().get_node_id())
    except Exception:  # noqa: BLE001 - only a label; outside Ray (tests) there is none
        return None


def _sent(task: Task) -> dict[str, Any]:
    """What an actor gets of a task: where to read the article, its key and its result name (and its id,
    for the failure the driver records if the article's actor has to be stopped)."""
    return {"item": asdict(task.article.item), "id": task.article.doc.id, "key": task.key, "name": task.name}


def _why(exc: BaseException) -> str:
    """Ray's first line says what failed; its last, for an actor, the error that killed it."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [""]
    return lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"


def _engine_error(exc: BaseException) -> EngineError:
    return EngineError(f"the Ray engine failed: {type(exc).__name__}: {_why(exc)}")


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise EngineError(
            f"--engine ray needs Ray, which isn't installed ({exc}); install it with "
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
    address = options.ray_address or os.environ.get("RAY_ADDRESS")
    # Ray's C++ core logs to stderr too; keep only its fatal errors there.
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    try:
        with _stderr_as_notices():
            _init(ray, address, options, common)
    except Exception as exc:  # noqa: BLE001 - Ray raises many types; each means the same here
        where = f"join the Ray cluster at {address}" if address else "start a local Ray instance"
        raise EngineError(f"can't {where}: {type(exc).__name__}: {exc}") from None
    return True


def _init(ray: Any, address: str | None, options: BatchOptions, common: dict[str, Any]) -> None:
    if address:
        ray.init(address=address, **common)
    else:
        cpus = max(2, math.ceil(options.ray_actors * options.ray_cpus_per_actor))
        ray.init(address="local", num_cpus=cpus, include_dashboard=False, **common)


@contextmanager
def _stderr_as_notices() -> Iterator[None]:
    """What Ray's C++ core writes on file descriptor 2 while it starts, as ``notice`` events.

    It prints a line or two there (``logging.cc: Set ray log level ...``) that Python's
    logging never sees; in a JSON-lines log every line must be one JSON object.
    """
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as caught:
        try:
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):  # stderr full, closed or None (2>&-): logs are best effort
            pass
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            for line in caught.read().decode("utf-8", "replace").splitlines():
                if line.strip():
                    log.warning("ray: %s", line.strip())
