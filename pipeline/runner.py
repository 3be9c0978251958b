"""Builds the stages a config names, in its pipeline's order, and runs documents through them.

Stages are built once (models loaded once per process by ``models.loading``), each with
what it needs from outside in a ``StageContext``, and then run over groups of
documents, so the translator batches sentences across all the documents of a group. The
runner checks what each stage returns and names the stage in the error, as spaCy's
pipeline does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from typing import Any

from pipeline import registry, signature
from pipeline.config import Config
from pipeline.document import Document, Failure
from pipeline.errors import ModelUnavailable, PrecisError, StageError, StageFailed
from pipeline.stage import Stage, StageContext, TranslationCache

# The stage kind whose sentences the translation cache holds.
CACHED_KIND = "translate"


def build_stage(kind: str, config: Config, context: StageContext | None = None) -> Stage:
    """Instantiate the stage the config names for ``kind``, loading its model if it needs one."""
    name, section = config.stage(kind)
    cls = registry.get(kind, name)
    if not cls.needs_model:
        return cls(section, context=context)
    from models import loading

    model = loading.load(
        section.model,
        revision=section.revision,
        device=config.runtime.device,
        dtype=config.runtime.dtype,
        backend=section.backend,
        quantization=section.quantization,
        threads=config.runtime.threads,
    )
    return cls(section, model, context=context)


def describe_models(config: Config, kinds: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Stage, name and revision of each model the config uses, without loading any.

    Raises:
        ModelUnavailable: a model can't be had; the message names every one that can't.
    """
    from models import loading

    described, missing = [], []
    for kind in config.pipeline if kinds is None else kinds:
        name, section = config.stage(kind)
        if registry.get(kind, name).needs_model:
            try:
                revision = loading.resolve_revision(section.model, section.revision)
            except ModelUnavailable as exc:
                missing.append((kind, exc))
                continue
            described.append({"stage": kind, "name": section.model, "revision": revision})
    _raise_missing(missing)
    return described


def locate_models(config: Config) -> None:
    """Check that every model of the config can be had, before any is loaded.

    Raises:
        ModelUnavailable: naming every model that can't, not only the first.
    """
    from models import loading

    missing = []
    for kind in config.pipeline:
        name, section = config.stage(kind)
        if registry.get(kind, name).needs_model:
            try:
                loading.locate(section.model, section.revision)
            except ModelUnavailable as exc:
                missing.append((kind, exc))
    _raise_missing(missing)


def _raise_missing(missing: list[tuple[str, ModelUnavailable]]) -> None:
    if len(missing) == 1:
        raise missing[0][1]
    if missing:
        # Each message ends with the same advice ("Fix: ..."): say it once, at the end.
        heads = [f"{kind}: {exc.message.partition(' Fix: ')[0]}" for kind, exc in missing]
        advice = missing[-1][1].message.partition(" Fix: ")[2]
        fix = f" Fix: {advice}" if advice else ""
        raise ModelUnavailable(f"{len(missing)} models can't be loaded: " + " ".join(heads) + fix)


class Pipeline:
    """The configured stages, in the config's ``pipeline`` order.

    Args:
        config: the resolved config.
        cache: a sentence translation cache for the translate stage (batch jobs).
        progress: called as ``progress(kind, done, total)`` while a long stage advances.
    """

    def __init__(
        self,
        config: Config,
        *,
        cache: TranslationCache | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        from models.loading import resolve_device

        self.config = config
        self.device = resolve_device(config.runtime.device)
        locate_models(config)  # every missing model named at once, before a minute of loading
        namespace = ""
        if cache is not None and CACHED_KIND in config.pipeline:
            # The translate stage's part of the signature: what a translation depends on.
            namespace = str(signature.build(config, describe_models(config, [CACHED_KIND]), self.device, [CACHED_KIND]))
        self.stages: list[tuple[str, Stage]] = []
        for kind in config.pipeline:
            context = StageContext(
                progress=None if progress is None else partial(progress, kind),
                cache=cache if kind == CACHED_KIND else None,
                namespace=namespace if kind == CACHED_KIND else "",
            )
            self.stages.append((kind, build_stage(kind, config, context)))

    def models(self) -> list[dict[str, Any]]:
        """Name, revision, dtype, backend and device of each model in use, by stage."""
        return [{"stage": kind, **stage.model.info()} for kind, stage in self.stages if stage.needs_model]

    @property
    def signature(self) -> signature.Signature:
        """What this pipeline's outputs depend on (``pipeline.signature``)."""
        return signature.build(self.config, self.models(), self.device)

    def meta(self) -> dict[str, Any]:
        """What every output record carries beside the document (``io.render_json``'s keywords):
        the models, the resolved config, the versions and the signature."""
        return {
            "models": self.models(),
            "config": self.config.to_dict(),
            "versions": signature.versions(),
            "signature": str(self.signature),
        }

    def run(self, docs: Iterable[Document], on_stage: Callable[[str, float], None] | None = None) -> list[Document]:
        """Run a group of documents through every stage; timings are recorded per stage.

        One document failing never takes the others with it: when a stage raises on the
        group, it runs again on each document alone, and a document it still raises on
        gets a ``failure`` (the stage, the error's code and message, also added to its
        warnings) and skips the stages after it, keeping what the earlier stages made (a
        translation survives a failed summary).

        A stage's time is its wall time for the group, divided evenly over the documents
        it ran on. ``on_stage(kind, seconds)`` is called as each stage finishes.

        Raises:
            StageError: a stage broke its contract (not one Document per document, in order).
        """
        docs = list(docs)
        for kind, stage in self.stages:
            live = [i for i, d in enumerate(docs) if d.failure is None]
            if not live:
                break
            start = time.perf_counter()
            out = _pipe(kind, stage, [docs[i] for i in live])
            elapsed = time.perf_counter() - start
            share = round(elapsed / len(live), 4)
            for i, doc in zip(live, out, strict=True):
                docs[i] = doc if doc.failure else replace(doc, timings={**doc.timings, kind: share})
            if on_stage is not None:
                on_stage(kind, elapsed)
        return docs


def _pipe(kind: str, stage: Stage, docs: list[Document]) -> list[Document]:
    """The stage's output for ``docs``; each document alone if the group raises; a failure if it still does."""
    try:
        out = list(stage.pipe(docs))
    except Exception as exc:  # noqa: BLE001 - one article's error must not stop the others
        if len(docs) > 1:
            return [d for doc in docs for d in _pipe(kind, stage, [doc])]
        return [_failed(kind, stage, docs[0], exc)]
    _check(kind, stage, docs, out)
    return out


def _failed(kind: str, stage: Stage, doc: Document, exc: Exception) -> Document:
    if not isinstance(exc, PrecisError):  # name the stage: the caller records it with the article
        exc = StageFailed(f"stage {kind!r} ({type(stage).__name__}) failed: {type(exc).__name__}: {exc}")
    failure = Failure(stage=kind, code=exc.code, message=exc.message)
    warning = f"{kind}: failed, so the stages after it did not run: [{exc.code}] {exc.message}"
    return replace(doc, failure=failure, warnings=(*doc.warnings, warning))


def _check(kind: str, stage: Stage, docs: list[Document], out: list[Any]) -> None:
    if len(out) != len(docs) or not all(isinstance(d, Document) for d in out):
        raise StageError(f"stage {kind!r} ({type(stage).__name__}) must return one Document per input document")
    if [d.id for d in out] != [d.id for d in docs]:
        raise StageError(f"stage {kind!r} ({type(stage).__name__}) changed the order or ids of documents")
