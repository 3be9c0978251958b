"""Builds the stages a config names and runs documents through them.

Stages are built once (models loaded once per process by ``models.loading``) and
then run over groups of documents, so the translator batches sentences across all the
documents of a group. The runner checks what each stage returns and names the stage in
the error, as spaCy's pipeline does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from typing import Any

from pipeline import registry
from pipeline.config import Config
from pipeline.document import Document
from pipeline.errors import PrecisError, StageError, StageFailed


def versions() -> dict[str, str]:
    """Versions of precis and of the packages that shape its outputs."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("precis", "torch", "transformers", "tokenizers", "sentencepiece"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def build_stage(kind: str, config: Config) -> Any:
    """Instantiate the stage the config names for ``kind``, loading its model if it needs one."""
    name, section = config.stage(kind)
    cls = registry.get(kind, name)
    if getattr(cls, "needs_model", False):
        from models import loading

        model = loading.load(
            section.model,
            revision=section.revision,
            device=config.runtime.device,
            dtype=config.runtime.dtype,
            backend=section.backend,
            quantization=section.quantization,
        )
        return cls(section, model)
    return cls(section)


def describe_models(config: Config, kinds: Iterable[str] = registry.KINDS) -> list[dict[str, Any]]:
    """Stage, name and revision of each model the config uses, without loading any.

    Raises:
        ModelUnavailable: a model can't be had.
    """
    from models import loading

    described = []
    for kind in kinds:
        name, section = config.stage(kind)
        if getattr(registry.get(kind, name), "needs_model", False):
            revision = loading.resolve_revision(section.model, section.revision)
            described.append({"stage": kind, "name": section.model, "revision": revision})
    return described


class Pipeline:
    """segment -> translate -> summarize, as configured."""

    def __init__(self, config: Config, kinds: Iterable[str] = registry.KINDS) -> None:
        self.config = config
        if config.runtime.threads:
            import torch

            torch.set_num_threads(config.runtime.threads)
        self.stages = [(kind, build_stage(kind, config)) for kind in kinds]

    def models(self) -> list[dict[str, Any]]:
        """Name, revision, dtype, backend and device of each model in use, by stage."""
        return [{"stage": kind, **stage.model.info()} for kind, stage in self.stages if getattr(stage, "model", None)]

    def run(
        self,
        docs: Iterable[Document],
        on_stage: Callable[[str, float], None] | None = None,
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> list[Document]:
        """Run a group of documents through every stage; timings are recorded per stage.

        A stage's time is its wall time for the whole group, divided evenly over its
        documents. ``on_stage(kind, seconds)`` is called as each stage finishes, and
        ``on_progress(kind, done, total)`` as stages that report progress advance.
        """
        docs = list(docs)
        if not docs:
            return []
        import torch

        torch.manual_seed(self.config.runtime.seed)
        for kind, stage in self.stages:
            if hasattr(stage, "progress"):
                stage.progress = None if on_progress is None else partial(on_progress, kind)
            start = time.perf_counter()
            try:
                out = list(stage.pipe(docs))
            except PrecisError:
                raise
            except Exception as exc:
                # Name the stage: the caller (a batch job) records it with the article.
                raise StageFailed(
                    f"stage {kind!r} ({type(stage).__name__}) failed: {type(exc).__name__}: {exc}"
                ) from exc
            elapsed = time.perf_counter() - start
            if len(out) != len(docs) or not all(isinstance(d, Document) for d in out):
                raise StageError(f"stage {kind!r} ({type(stage).__name__}) must return one Document per input document")
            if [d.id for d in out] != [d.id for d in docs]:
                raise StageError(f"stage {kind!r} ({type(stage).__name__}) changed the order or ids of documents")
            share = round(elapsed / len(docs), 4)
            docs = [replace(d, timings={**d.timings, kind: share}) for d in out]
            if on_stage is not None:
                on_stage(kind, elapsed)
        return docs
