"""The local engine: the groups run one after another through one Worker in this process."""

from __future__ import annotations

from collections.abc import Generator, Iterable

from pipeline.batch.engines import Engine
from pipeline.batch.options import BatchOptions
from pipeline.batch.worker import GroupResult, Task, Worker
from pipeline.config import Config


class LocalEngine(Engine):
    """One Worker here; its models load on the first group (a run with nothing to do loads none).

    The groups end when the run stops, so ``stopped`` isn't needed here. The time limit
    (``--article-timeout``) is the Worker's: SIGALRM in this process's main thread.
    """

    @staticmethod
    def device(config: Config, options: BatchOptions) -> str:
        """This machine's device for ``runtime.device`` (auto: CUDA when there is one)."""
        from models.loading import resolve_device

        return resolve_device(config.runtime.device)

    def run(self, groups: Iterable[list[Task]]) -> Generator[GroupResult, None, None]:
        o = self.options
        worker = Worker(
            self.config,
            str(self.signature),
            o.cache_path,
            self.run_id,
            on_load=self.on_load,
            article_timeout=o.article_timeout,
        )
        try:
            for group in groups:
                yield worker.process(group)
        finally:
            worker.close()
