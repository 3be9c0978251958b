"""Confidence: the model's own mean token log-probability of its output, the same on every backend."""

from __future__ import annotations

import pytest

from models import loading
from pipeline import config
from pipeline.confidence import FLAG, ConfidenceConfig, annotate, combine, flag_low
from pipeline.document import Document, Segment
from pipeline.runner import Pipeline

SOURCES = ["Amazon a notifié la Cour fédérale des plaintes.", "Un contrat de 10 milliards.", "Oui."]
TARGETS = ["Amazon notified the Court.", "A contract of 10 billion.", ""]


@pytest.mark.parametrize("name", ["tiny:marian", "tiny:bart"])
def test_both_backends_give_the_same_score(name: str) -> None:
    reference = loading.load(name, device="cpu", backend="transformers").score(SOURCES, TARGETS)
    exact = loading.load(name, device="cpu", backend="ctranslate2", quantization="none").score(SOURCES, TARGETS)
    int8 = loading.load(name, device="cpu", backend="ctranslate2", quantization="int8").score(SOURCES, TARGETS)
    assert [n for _, n in reference] == [n for _, n in exact] == [n for _, n in int8]
    assert all(n >= 1 for _, n in reference)  # the end token is scored too: an empty output has one
    assert all(abs(a - b) < 1e-3 for (a, _), (b, _) in zip(reference, exact, strict=True))
    assert all(abs(a - b) < 1.0 for (a, _), (b, _) in zip(reference, int8, strict=True))
    assert all(mean < 0 for mean, _ in reference)


def test_pieces_combine_by_their_tokens() -> None:
    assert combine([(-1.0, 10), (-4.0, 30)]) == (-3.25, 40)
    assert combine([]) == (0.0, 0)


def segments(*scores: float) -> list[Segment]:
    return [annotate(Segment(i, 0, f"s{i}", f"t{i}"), score, 5) for i, score in enumerate(scores)]


FLAGGING = [
    (ConfidenceConfig(threshold=-1.0), (-0.2, -1.5, -0.9, -3.0), [1, 3], "below -1.0"),
    (ConfidenceConfig(threshold=None, lowest_fraction=0.25), (-0.2, -1.5, -0.9, -3.0), [3], "the lowest 25%"),
    (
        ConfidenceConfig(threshold=-1.0, lowest_fraction=0.5),
        (-0.2, -0.5, -0.9, -0.3),
        [1, 2],
        "below -1.0 or the lowest 50%",
    ),
    (ConfidenceConfig(threshold=-1.0), (-0.2, -0.5), [], ""),
]


@pytest.mark.parametrize(("cfg", "scores", "flagged", "rule"), FLAGGING)
def test_low_confidence_flags(cfg: ConfidenceConfig, scores: tuple[float, ...], flagged: list[int], rule: str) -> None:
    out, warnings = flag_low(segments(*scores), cfg)
    assert [s.index for s in out if FLAG in s.flags] == flagged
    expected = f"translate: {len(flagged)} segment(s) with low model confidence ({rule}): " + ", ".join(
        map(str, flagged)
    )
    assert warnings == ([expected] if flagged else [])


def test_every_translated_segment_gets_its_score() -> None:
    cfg = config.load("configs/tiny.yaml", ["pipeline=[segment, translate]"])
    (doc,) = Pipeline(cfg).run([Document("a", "Le chat dort. Un contrat de 10 milliards.\n\n```\ncode\n```")])
    scored = [s for s in doc.segments if not s.verbatim]
    assert [set(s.annotations["confidence"]) for s in scored] == [{"logprob", "tokens"}] * 2
    assert all(s.annotations["confidence"]["logprob"] < -1.0 and FLAG in s.flags for s in scored)  # random weights
    assert [s.annotations for s in doc.segments if s.verbatim] == [{}]  # code is not translated, not scored
    off = config.load("configs/tiny.yaml", ["pipeline=[segment, translate]", "translate.confidence.enabled=false"])
    (doc,) = Pipeline(off).run([Document("a", "Le chat dort.")])
    assert doc.segments[0].annotations == {} and FLAG not in doc.segments[0].flags


def test_summary_chunks_get_their_scores() -> None:
    cfg = config.load("configs/tiny.yaml", ["pipeline=[segment, translate, summarize]"])
    text = open("samples/jedi-cloud.fr.md", encoding="utf-8").read()
    (doc,) = Pipeline(cfg).run([Document("a", text)])
    scored = doc.annotations["summarize"]["confidence"]
    assert len(scored["chunks"]) == doc.summary_chunks > 1
    assert scored["tokens"] == sum(c["tokens"] for c in scored["chunks"])
    mean = sum(c["logprob"] * c["tokens"] for c in scored["chunks"]) / scored["tokens"]
    assert abs(scored["logprob"] - mean) < 1e-3 and all(c["logprob"] < 0 for c in scored["chunks"])
    off = config.load("configs/tiny.yaml", ["pipeline=[segment, translate, summarize]", "summarize.confidence=false"])
    assert "summarize" not in Pipeline(off).run([Document("a", text)])[0].annotations
