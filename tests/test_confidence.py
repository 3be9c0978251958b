"""Confidence: the model's own mean token log-probability of its output, the same on every backend."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from models import loading
from models.backends import GenerationSettings
from pipeline import config
from pipeline.confidence import FLAG, ConfidenceConfig, annotate, combine, flag_low
from pipeline.document import Document, Segment
from pipeline.runner import Pipeline
from pipeline.stage import StageContext
from pipeline.translate import Translate

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


DECODE_SOURCES = [
    "Le Pentagone a attribué le contrat JEDI à Microsoft.",
    "Amazon conteste la décision.",
    "Un contrat de 10 milliards de dollars sur dix ans.",
]
# Settings without the search's rules (no-repeat n-grams, repetition penalty, minimum length).
PLAIN = [
    GenerationSettings(max_new_tokens=12, num_beams=1),
    GenerationSettings(max_new_tokens=12, num_beams=4, length_penalty=2.0),
]


@pytest.mark.parametrize("name", ["tiny:marian", "tiny:bart"])
@pytest.mark.parametrize("settings", PLAIN, ids=["greedy", "beam4"])
def test_decoding_scores_are_the_same_on_both_backends(name: str, settings: GenerationSettings) -> None:
    torch_model = loading.load(name, device="cpu", backend="transformers")
    ct2 = loading.load(name, device="cpu", backend="ctranslate2", quantization="none")
    a = next(torch_model.generate_scored_many([DECODE_SOURCES], [settings]))
    b = next(ct2.generate_scored_many([DECODE_SOURCES], [settings]))
    assert [o.text for o in a] == [o.text for o in b] == next(ct2.generate_many([DECODE_SOURCES], [settings]))
    # 12 new tokens, the last one the forced end token, which is not counted: 11
    assert [o.tokens for o in a] == [o.tokens for o in b] == [11, 11, 11]
    assert all(abs(x.logprob - y.logprob) < 1e-3 and x.logprob < 0 for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("name", ["tiny:marian", "tiny:bart"])
def test_a_decoding_score_is_the_mean_log_probability_of_the_generated_tokens(name: str) -> None:
    """The score of each output equals the generated ids teacher-forced through the model (greedy, no rules)."""
    model = loading.load(name, device="cpu", backend="transformers")
    settings = GenerationSettings(max_new_tokens=12, num_beams=1)
    scored = next(model.generate_scored_many([DECODE_SOURCES], [settings]))
    enc = model.tokenizer(DECODE_SOURCES, return_tensors="pt", padding=True)
    with torch.inference_mode():
        out = model.model.generate(**enc, max_new_tokens=12, num_beams=1, do_sample=False)
        logits = model.model(**enc, decoder_input_ids=out[:, :-1]).logits
    logprobs = torch.log_softmax(logits.float(), dim=-1).gather(-1, out[:, 1:].unsqueeze(-1)).squeeze(-1)
    # the last token is the forced end token: not the model's choice, left out
    expected = [float(row[:-1].mean()) for row in logprobs]
    assert all(abs(s.logprob - e) < 1e-4 for s, e in zip(scored, expected, strict=True))


def test_decode_source_takes_the_translators_own_scores_and_rescores_cache_hits(dict_cache) -> None:
    text = "Le chat dort. Un contrat de 10 milliards."
    rescore = config.load("configs/tiny.yaml", ["pipeline=[segment, translate]"])
    decode = config.load("configs/tiny.yaml", ["pipeline=[segment, translate]", "translate.confidence.source=decode"])
    (a,) = Pipeline(rescore).run([Document("a", text)])
    pipeline = Pipeline(decode)
    (b,) = pipeline.run([Document("a", text)])
    assert [s.translation for s in a.segments] == [s.translation for s in b.segments]
    # Random weights: re-encoding an output gives other tokens than were generated, so the two differ.
    assert [s.annotations["confidence"] for s in a.segments] != [s.annotations["confidence"] for s in b.segments]
    stage = dict(pipeline.stages)["translate"]
    sources = [s.source for s in b.segments]
    plan = stage.plan(stage.window.measure_all(sources))
    batches = stage.model.generate_scored_many([[sources[i] for i in b] for b, _ in plan], [s for _, s in plan])
    direct = {}
    for (batch, _), outputs in zip(plan, batches, strict=True):
        direct.update(
            {i: {"logprob": round(o.logprob, 4), "tokens": o.tokens} for i, o in zip(batch, outputs, strict=True)}
        )
    assert [s.annotations["confidence"] for s in b.segments] == [direct[i] for i in range(len(sources))]
    # From the cache, a translation has no decoding score: it is scored as with rescore.
    cache = dict_cache
    cached = Translate(stage.config, stage.model, context=StageContext(cache=cache, namespace="n"))
    segmented_doc = replace(b, segments=tuple(replace(s, translation=None, annotations={}) for s in b.segments))
    cached(segmented_doc)
    again = cached(segmented_doc)
    assert cache.hits == len(sources)
    assert [s.annotations["confidence"] for s in again.segments] == [s.annotations["confidence"] for s in a.segments]


def test_summary_decode_source_scores_the_chunks_without_a_second_pass() -> None:
    text = open("samples/jedi-cloud.fr.md", encoding="utf-8").read()
    over = ["pipeline=[segment, translate, summarize]"]
    (a,) = Pipeline(config.load("configs/tiny.yaml", over)).run([Document("a", text)])
    (b,) = Pipeline(config.load("configs/tiny.yaml", [*over, "summarize.confidence_source=decode"])).run(
        [Document("a", text)]
    )
    assert a.summary == b.summary
    chunks = b.annotations["summarize"]["confidence"]["chunks"]
    assert len(chunks) == b.summary_chunks > 1
    # tiny.yaml decodes 24 tokens at most; the forced end token, when it is reached, is not counted
    assert all(8 <= c["tokens"] <= 24 and c["logprob"] < 0 for c in chunks)
    assert chunks != a.annotations["summarize"]["confidence"]["chunks"]
