"""Batch engines: where the groups of a run are processed, registered by name.

The driver (``pipeline.batch.run``) lists, reads and keys every article and skips the
finished ones itself; an engine only turns groups of tasks into results::

    engine = engines.get("local")(config, options, run_id=..., signature=..., on_load=..., stopped=...)
    for result in engine.run(groups):   # GroupResult: one Outcome per task, cache hits and misses
        ...                              # the driver writes every result, index line and failure

so every engine leaves the same output folder, with the same atomic writes. ``groups``
is lazy (it reads and keys articles as the engine takes them) and ends early when the
run stops. An engine yields each group's result as the group finishes, in any order.

A new engine is one new module here and one line in ``ENGINES``. Engines are imported
when a run asks for them by name (sacrebleu's lazy tokenizers), so Ray is imported
only when the Ray engine runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Generator, Iterable
from typing import Any

from pipeline.batch.options import BatchOptions
from pipeline.batch.worker import GroupResult, Task
from pipeline.config import Config
from pipeline.errors import ConfigError
from pipeline.signature import Signature

# name -> "module:class"
ENGINES = {
    "local": "pipeline.batch.engines.local:LocalEngine",
    "ray": "pipeline.batch.engines.ray:RayEngine",
}


class Engine:
    """Base of the engines: what the driver gives an engine, and what it asks of one.

    Args:
        config: the resolved config.
        options: the run's options (cache path, limits, Ray pool...).
        run_id: the run's id.
        signature: the output signature the articles were keyed with; where models
            load, they must give the same (``Worker.load`` checks).
        on_load: called with (models, seconds) when models load in this process.
        stopped: whether the run has stopped (``--max-failures``), for an engine that
            takes all its groups before it starts.
    """

    def __init__(
        self,
        config: Config,
        options: BatchOptions,
        *,
        run_id: str,
        signature: Signature,
        on_load: Callable[[list[dict[str, Any]], float], None] | None = None,
        stopped: Callable[[], bool] = lambda: False,
    ) -> None:
        self.config = config
        self.options = options
        self.run_id = run_id
        self.signature = signature
        self.on_load = on_load
        self.stopped = stopped

    @staticmethod
    def check(options: BatchOptions) -> None:
        """Reject options this engine can't run with, before anything is locked or written.

        Raises:
            ConfigError: an option's value (naming the option, the value and what to give).
        """

    @staticmethod
    def device(config: Config, options: BatchOptions) -> str:
        """The device ("cpu" or "cuda") the models will run on, which the keys depend on."""
        raise NotImplementedError

    def run(self, groups: Iterable[list[Task]]) -> Generator[GroupResult, None, None]:
        """Process the groups; yield each one's result as it finishes.

        Raises:
            EngineError: the engine itself failed (not one article).
        """
        raise NotImplementedError


def names() -> list[str]:
    return list(ENGINES)


def get(name: str) -> type[Engine]:
    """The engine registered under ``name``, imported now.

    Raises:
        ConfigError: no engine has that name.
    """
    if name not in ENGINES:
        raise ConfigError(f"--engine {name!r}: valid engines: {', '.join(names())}")
    module, _, cls = ENGINES[name].partition(":")
    engine: type[Engine] = getattr(importlib.import_module(module), cls)
    return engine
