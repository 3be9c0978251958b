"""Translate stage: batching under a token budget, order kept, long sentences split, guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import loading
from pipeline import config
from pipeline.document import Document
from pipeline.segment import FrenchSegmenter, FrenchSegmenterConfig
from pipeline.stage import StageContext
from pipeline.translate import GuardConfig, MarianConfig, Translate, degenerate_reason, token_batches

CORPUS_FR = Path(__file__).resolve().parent.parent / "models" / "corpus" / "fr.txt"

BATCHES = [
    ([], 100, 8, []),
    ([5, 3, 9, 1], 100, 8, [[3, 1, 0, 2]]),
    ([5, 3, 9, 1], 10, 8, [[3, 1], [0], [2]]),  # 2*3=6 fits; 3*5=15 doesn't
    ([4, 4, 4, 4, 4], 100, 2, [[0, 1], [2, 3], [4]]),
    ([50, 2], 10, 8, [[1], [0]]),  # longer than the budget: a batch of its own
]


@pytest.mark.parametrize(("lengths", "budget", "size", "expected"), BATCHES)
def test_token_batches(lengths: list[int], budget: int, size: int, expected: list[list[int]]) -> None:
    assert token_batches(lengths, budget, size) == expected


GUARD = [
    ("Il pleut.", "It is raining.", None),
    ("Il pleut.", "   ", "empty"),
    ("Il pleut.", "It rains " * 10, "too_long"),
    ("Une longue phrase sur le budget de la ville.", "the city the city the city budget", None),
    ("Une longue phrase sur le budget de la ville.", "the city budget the city budget the city budget", "repetition"),
    ("Une longue phrase sur le budget de la ville de Paris.", "Paris Paris Paris Paris budget", "repetition"),
    ("Un titre", "****************", "repetition"),
    ("Il a payé 1 000 000 €.", "He paid 1,000,000 €.", None),
]


@pytest.mark.parametrize(("source", "output", "reason"), GUARD)
def test_degenerate_reason(source: str, output: str, reason: str | None) -> None:
    assert degenerate_reason(source, output, GuardConfig()) == reason


def segmented(text: str, doc_id: str = "d") -> Document:
    return FrenchSegmenter(FrenchSegmenterConfig())(Document(doc_id, text))


def test_order_kept_across_documents_and_batches(fake_model) -> None:
    docs = [
        segmented("Un. Deux trois quatre. Cinq six.", "a"),
        segmented("# Titre\n\nSept huit neuf dix onze. Douze.", "b"),
    ]
    stage = Translate(MarianConfig(batch_tokens=12), fake_model)
    out = list(stage.pipe(docs))
    for before, after in zip(docs, out, strict=True):
        assert [s.translation for s in after.segments] == [s.source.upper() for s in before.segments]
        assert after.warnings == ()
    # Sorted by length, batched under the budget of 12 padded tokens, across both documents.
    assert [batch for batch, _ in fake_model.batches] == [
        ["Un.", "Titre", "Douze.", "Cinq six."],  # 4 x 3 tokens = 12
        ["Deux trois quatre.", "Sept huit neuf dix onze."],  # 2 x 6 tokens = 12
    ]


def test_generation_settings_from_config(fake_model) -> None:
    cfg = MarianConfig(
        num_beams=3, length_penalty=0.8, no_repeat_ngram_size=2, max_new_tokens_ratio=1.5, max_new_tokens_offset=4
    )
    list(Translate(cfg, fake_model).pipe([segmented("Deux trois quatre.")]))
    ((_, settings),) = fake_model.batches
    # 4 source tokens: ceil(1.5 * 4 + 4) = 10
    assert (settings.num_beams, settings.length_penalty, settings.no_repeat_ngram_size, settings.max_new_tokens) == (
        3,
        0.8,
        2,
        10,
    )


def test_long_sentence_split_at_clauses_and_flagged(fake_model) -> None:
    words = [f"mot{i}" for i in range(20)]
    sentence = " ".join(words[:10]) + " ; " + " ".join(words[10:]) + "."
    doc = segmented(sentence)
    out = Translate(MarianConfig(max_input_tokens=12), fake_model)(doc)
    (seg,) = out.segments
    assert seg.flags == ("split:2",)
    assert seg.translation == sentence.upper()
    # Pieces are batched shortest first: 11 tokens, then 12 (the ";" is a word here).
    assert [b for b, _ in fake_model.batches] == [[" ".join(words[10:]) + ".", " ".join(words[:10]) + " ;"]]
    assert "translated in 2 pieces" in out.warnings[0]


def test_guard_retries_and_flags(fake_model) -> None:
    calls = {"n": 0}

    def flaky(text: str) -> str:
        calls["n"] += 1
        if text.startswith("Bon") or (text.startswith("Mauvais") and calls["n"] > 3):
            return "fine"
        return "la la la la la"

    fake_model.fn = flaky
    doc = segmented("Bon début. Mauvais milieu. Pire fin.")
    out = Translate(MarianConfig(), fake_model)(doc)
    assert [s.flags for s in out.segments] == [(), ("retried",), ("retried", "degenerate:repetition")]
    assert [s.translation for s in out.segments] == ["fine", "fine", "la la la la la"]
    first, retry = (s for _, s in fake_model.batches)
    assert (first.num_beams, first.repetition_penalty) == (4, 1.0)
    assert (retry.num_beams, retry.no_repeat_ngram_size, retry.repetition_penalty) == (5, 3, 1.3)
    assert out.warnings == (
        "translate: 1 segment(s) still looked degenerate after a retry with safer settings and are flagged: 2",
    )


def test_verbatim_code_is_not_translated(fake_model) -> None:
    out = Translate(MarianConfig(), fake_model)(segmented("Texte.\n\n```\nx = 1\n```"))
    assert [(s.translation, s.flags) for s in out.segments] == [("TEXTE.", ()), ("x = 1", ("verbatim",))]


@pytest.mark.slow
def test_5000_word_article_with_tiny_marian() -> None:
    text = CORPUS_FR.read_text(encoding="utf-8")
    assert len(text.split()) >= 5000
    doc = segmented(text, "long")
    cfg = config.load(Path(__file__).resolve().parent.parent / "configs" / "tiny.yaml")
    _, section = cfg.stage("translate")
    model = loading.load(section.model, device="cpu", backend=section.backend, quantization=section.quantization)
    out = Translate(section, model)(doc)
    assert len(out.segments) == len(doc.segments) > 250
    assert [s.index for s in out.segments] == list(range(len(doc.segments)))
    assert [s.source for s in out.segments] == [s.source for s in doc.segments]
    assert all(s.translation and s.translation.strip() for s in out.segments)


def test_cache_translates_only_new_sentences(fake_model, dict_cache) -> None:
    cache = dict_cache
    stage = Translate(MarianConfig(), fake_model, context=StageContext(cache=cache, namespace="a"))
    stage(segmented("E\u0301te\u0301 chaud. Trois."))  # decomposed accents
    assert (cache.hits, cache.misses) == (0, 2)
    out = stage(segmented("\u00c9t\u00e9 chaud. Quatre."))  # the same sentence, NFC: a hit
    assert [s.translation for s in out.segments] == ["E\u0301TE\u0301 CHAUD.", "QUATRE."]
    assert (cache.hits, cache.misses) == (1, 3)
    assert [b for b, _ in fake_model.batches] == [["Trois.", "E\u0301te\u0301 chaud."], ["Quatre."]]
    # Another namespace (other settings: pipeline.signature): nothing shared.
    other = Translate(MarianConfig(num_beams=2), fake_model, context=StageContext(cache=cache, namespace="b"))
    other(segmented("Trois."))
    assert (cache.hits, cache.misses) == (1, 4)


def test_degenerate_outputs_are_not_cached(fake_model, dict_cache) -> None:
    fake_model.fn = lambda text: "la la la la la"
    cache = dict_cache
    Translate(MarianConfig(), fake_model, context=StageContext(cache=cache, namespace="a"))(segmented("Phrase."))
    assert cache.data == {}


def test_progress_comes_with_the_context(fake_model) -> None:
    calls: list[tuple[int, int]] = []
    stage = Translate(
        MarianConfig(max_batch_size=1), fake_model, context=StageContext(progress=lambda d, t: calls.append((d, t)))
    )
    stage(segmented("Un. Deux trois."))
    assert calls == [(1, 2), (2, 2)]
