"""How to run a batch job: everything but the pipeline config."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.batch.inputs import Limits


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch (everything but the pipeline config).

    Attributes:
        input: a folder of articles, a .jsonl file, or a file listing article paths.
        out: the output folder (results, index, failures, manifests, cache, lock).
        engine: a registered engine's name (``pipeline.batch.engines``): ``local`` (this
            process) or ``ray`` (a pool of Ray actors).
        group_size: articles sent through the pipeline together (sentences are batched
            across them); memory grows with it, not with the size of the input.
        max_failures: stop after this many failed articles (pytest's --maxfail); None: never.
        article_timeout: seconds an article may take; one that takes longer fails with
            E430 (ArticleTimeout) and the run goes on (see ``batch.worker.Worker``); None: no limit.
        limits: size and language checks on each article.
        cache: the SQLite translation cache; None: ``OUT/cache.sqlite``.
        use_cache: False turns the cache off.
        log_json: JSON-lines events on stderr; None: when stderr is not a terminal.
        metrics: the Prometheus textfile (``pipeline.batch.metrics``); None: ``OUT/metrics.prom``.
        ray_actors, ray_cpus_per_actor, ray_gpus_per_actor: the Ray actor pool.
        ray_address: the Ray cluster to join (``ray://HOST:10001``, ``HOST:6379``, ``auto``);
            None: ``RAY_ADDRESS``, else a local instance started for the run.
    """

    input: Path
    out: Path
    engine: str = "local"
    group_size: int = 16
    max_failures: int | None = None
    article_timeout: float | None = 600.0
    limits: Limits = field(default_factory=Limits)
    cache: Path | None = None
    use_cache: bool = True
    log_json: bool | None = None
    metrics: Path | None = None
    ray_actors: int = 1
    ray_cpus_per_actor: float = 1.0
    ray_gpus_per_actor: float = 0.0
    ray_address: str | None = None

    @property
    def cache_path(self) -> Path | None:
        if not self.use_cache:
            return None
        return self.cache if self.cache is not None else self.out / "cache.sqlite"

    @property
    def metrics_path(self) -> Path:
        return self.metrics if self.metrics is not None else self.out / "metrics.prom"

    def absolute(self) -> BatchOptions:
        """The same options with absolute paths: Ray workers don't share the driver's working directory."""
        return replace(
            self,
            input=self.input.absolute(),
            out=self.out.absolute(),
            cache=self.cache.absolute() if self.cache is not None else None,
            metrics=self.metrics.absolute() if self.metrics is not None else None,
        )
