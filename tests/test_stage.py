"""The stage contract: a new stage kind is one class plus a config entry; what it needs comes at build time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import pytest

from pipeline import config, io, registry
from pipeline.document import Document
from pipeline.errors import StageError, StageFailed
from pipeline.runner import Pipeline
from pipeline.stage import Stage, StageContext


class CountConfig(config.Strict):
    unit: str = "words"


@registry.register("count", "words", default=True)
class CountWords(Stage):
    """A new stage kind, registered from this test file: counts each sentence's words."""

    Config = CountConfig

    def process(self, doc: Document) -> Document:
        if self.context.progress is not None:
            self.context.progress(len(doc.segments), len(doc.segments))
        segments = tuple(replace(s, annotations={"count": len(s.source.split())}) for s in doc.segments)
        total = sum(s.annotations["count"] for s in segments)
        return replace(doc, segments=segments).annotate("count", {self.config.unit: total})


@registry.register("count", "broken")
class Broken(Stage):
    """Returns one document too few."""

    def pipe(self, docs: Iterable[Document]) -> Iterator[Document]:
        yield from list(docs)[1:]


@registry.register("count", "crash")
class Crash(Stage):
    def process(self, doc: Document) -> Document:
        raise RuntimeError("boom")


def test_a_new_stage_kind_is_one_class_and_a_config_entry() -> None:
    cfg = config.load(overrides=["pipeline=[segment, count]", "count.unit=mots"])
    progress: list[tuple[str, int, int]] = []
    pipeline = Pipeline(cfg, progress=lambda kind, done, total: progress.append((kind, done, total)))
    (doc,) = pipeline.run([Document("a", "Le chat dort. Il fait très beau.")])
    assert [kind for kind, _ in pipeline.stages] == ["segment", "count"]
    assert [s.annotations for s in doc.segments] == [{"count": 3}, {"count": 4}]
    assert doc.annotations == {"count": {"mots": 7}}
    assert progress == [("count", 2, 2)]
    assert pipeline.models() == []
    record = io.to_record(doc, models=[], config=cfg.to_dict(), versions={}, signature=str(pipeline.signature))
    assert record["annotations"] == {"count": {"mots": 7}}
    assert [s["annotations"] for s in record["segments"]] == [{"count": 3}, {"count": 4}]
    assert record["summary"] is None
    assert "pipeline:segment=french,count=words|" in record["signature"]


def test_documents_without_annotations_have_no_annotation_keys() -> None:
    cfg = config.load(overrides=["pipeline=[segment]"])
    (doc,) = Pipeline(cfg).run([Document("a", "Le chat dort.")])
    record = io.to_record(doc, models=[], config=cfg.to_dict(), versions={}, signature="")
    assert "annotations" not in record and "annotations" not in record["segments"][0]


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("broken", StageError, "stage 'count' (Broken) must return one Document per input document"),
        ("crash", StageFailed, "stage 'count' (Crash) failed: RuntimeError: boom"),
    ],
)
def test_the_runner_names_a_failing_stage(name: str, error: type[Exception], message: str) -> None:
    cfg = config.load(overrides=["pipeline=[segment, count]", f"count.name={name}"])
    with pytest.raises(error) as err:
        Pipeline(cfg).run([Document("a", "Un."), Document("b", "Deux.")])
    assert message in str(err.value)


def test_base_stage_call_and_pipe() -> None:
    stage = CountWords(CountConfig(), context=StageContext())
    doc = stage(Document("a", "x", segments=()))
    assert doc.annotations == {"count": {"words": 0}}
    with pytest.raises(NotImplementedError, match="Stage implements neither process"):
        Stage(CountConfig())(Document("a", "x"))


def test_registry_defaults() -> None:
    assert registry.default("count") == "words"
    assert registry.names("count") == ["broken", "crash", "words"]
    assert registry.default("segment") == "french"
    assert registry.default("summarize") == "seq2seq"
