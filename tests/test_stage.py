"""The stage contract: a new stage kind is one class plus a config entry; what it needs comes at build time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import pytest

from pipeline import config, io, registry
from pipeline.document import Document, Failure
from pipeline.errors import StageError, UnsupportedLanguage
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
    """Raises on documents whose text says "boom", as a stage's bug on some input would."""

    def process(self, doc: Document) -> Document:
        if "boom" in doc.text:
            raise RuntimeError("boom")
        return doc.annotate("count", "ok")


@registry.register("count", "refuse")
class Refuse(Stage):
    """Raises a precis error of its own: its code is kept."""

    def process(self, doc: Document) -> Document:
        raise UnsupportedLanguage("not today")


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


def test_a_stage_that_breaks_its_contract_stops_the_run() -> None:
    cfg = config.load(overrides=["pipeline=[segment, count]", "count.name=broken"])
    with pytest.raises(StageError, match="stage 'count' \\(Broken\\) must return one Document per input document"):
        Pipeline(cfg).run([Document("a", "Un."), Document("b", "Deux.")])


@pytest.mark.parametrize(
    ("name", "failure"),
    [
        ("crash", Failure("count", "E410", "stage 'count' (Crash) failed: RuntimeError: boom")),
        ("refuse", Failure("count", "E210", "not today")),
    ],
)
def test_a_failing_stage_fails_only_its_document_and_keeps_earlier_work(name: str, failure: Failure) -> None:
    cfg = config.load(overrides=["pipeline=[segment, count]", f"count.name={name}"])
    ok, bad = Pipeline(cfg).run([Document("a", "Un."), Document("b", "Deux boom.")])
    assert (bad.failure, [s.source for s in bad.segments], list(bad.timings)) == (failure, ["Deux boom."], ["segment"])
    assert bad.warnings == (f"count: failed, so the stages after it did not run: [{failure.code}] {failure.message}",)
    record = io.to_record(bad, models=[], config=cfg.to_dict(), versions={}, signature="")
    assert record["failure"] == {"stage": "count", "code": failure.code, "message": failure.message}
    if name == "crash":  # the other document of the group is done
        assert (ok.failure, ok.annotations, list(ok.timings)) == (None, {"count": "ok"}, ["segment", "count"])


def test_base_stage_call_and_pipe() -> None:
    stage = CountWords(CountConfig(), context=StageContext())
    doc = stage(Document("a", "x", segments=()))
    assert doc.annotations == {"count": {"words": 0}}
    with pytest.raises(NotImplementedError, match="Stage implements neither process"):
        Stage(CountConfig())(Document("a", "x"))


def test_registry_defaults() -> None:
    assert registry.default("count") == "words"
    assert registry.names("count") == ["broken", "crash", "refuse", "words"]
    assert registry.default("segment") == "french"
    assert registry.default("summarize") == "seq2seq"
