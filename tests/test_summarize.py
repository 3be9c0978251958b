"""Summarize stage: single-chunk input, map-reduce over chunks for long input, lead-k."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.document import Document, Paragraph, Segment
from pipeline.errors import ConfigError
from pipeline.stage import StageContext
from pipeline.summarize import Centroid, CentroidConfig, Lead, LeadConfig, Seq2SeqSummarizerConfig, Summarize


def translated_doc(sentences: list[str], heading: str | None = None) -> Document:
    paragraphs, segments = [], []
    if heading is not None:
        paragraphs.append(Paragraph(0, "heading", 1))
        segments.append(Segment(0, 0, heading, heading))
    paragraphs.append(Paragraph(len(paragraphs), "text"))
    for s in sentences:
        segments.append(Segment(len(segments), paragraphs[-1].index, s, s))
    return Document("d", "", tuple(paragraphs), tuple(segments))


def first_words(text: str) -> str:
    return " ".join(text.split()[:3])


def test_short_input_is_one_chunk(fake_model) -> None:
    fake_model.fn = first_words
    fake_model.window = 1024
    doc = translated_doc(["One two three four.", "Five six."], heading="Title words here")
    out = Summarize(Seq2SeqSummarizerConfig(), fake_model)(doc)
    assert (out.summary, out.summary_chunks, out.warnings) == ("One two three", 1, ())
    # The heading is not summarized; settings come from config.
    ((batch, settings),) = fake_model.batches
    assert batch == ["One two three four. Five six."]
    assert (settings.min_new_tokens, settings.max_new_tokens, settings.num_beams) == (56, 142, 4)


def test_long_input_map_reduce(fake_model) -> None:
    fake_model.fn = first_words
    fake_model.window = 12
    sentences = [f"w{i}a w{i}b w{i}c w{i}d." for i in range(6)]  # 4 words = 5 tokens each
    out = Summarize(Seq2SeqSummarizerConfig(), fake_model)(translated_doc(sentences))
    # Budget 12 - 1 special = 11 tokens: two sentences (4 + 1 + 4 words) per chunk;
    # the whole input is 24 words + 1 special token = 25 tokens.
    assert out.summary_chunks == 3
    assert [b for b, _ in fake_model.batches] == [
        ["w0a w0b w0c w0d. w1a w1b w1c w1d.", "w2a w2b w2c w2d. w3a w3b w3c w3d.", "w4a w4b w4c w4d. w5a w5b w5c w5d."],
        ["w0a w0b w0c w2a w2b w2c w4a w4b w4c"],
    ]
    assert out.summary == "w0a w0b w0c"
    assert out.warnings == (
        "summarize: input of about 25 tokens exceeds the model window of 12; "
        "summarized in 3 chunks combined by map_reduce",
    )


def test_long_input_concat(fake_model) -> None:
    fake_model.fn = first_words
    fake_model.window = 12
    sentences = [f"w{i}a w{i}b w{i}c w{i}d." for i in range(4)]
    out = Summarize(Seq2SeqSummarizerConfig(strategy="concat"), fake_model)(translated_doc(sentences))
    assert (out.summary, out.summary_chunks) == ("w0a w0b w0c w2a w2b w2c", 2)
    assert len(fake_model.batches) == 1


def test_reduce_maps_again_when_partials_do_not_fit(fake_model) -> None:
    fake_model.fn = lambda text: text  # partial summaries as long as their input
    fake_model.window = 12
    sentences = [f"w{i}a w{i}b w{i}c w{i}d." for i in range(4)]
    out = Summarize(Seq2SeqSummarizerConfig(max_rounds=2, batch_size=8), fake_model)(translated_doc(sentences))
    assert out.summary_chunks == 2
    assert out.summary == " ".join(sentences)  # nothing lost even when nothing shrinks
    assert "partial summaries still exceed the window after 2 rounds" in out.warnings[-1]


def test_sentence_longer_than_window_is_split_not_truncated(fake_model) -> None:
    fake_model.fn = lambda text: text
    fake_model.window = 6
    long = "a b c d e f g h i j k l"
    out = Summarize(Seq2SeqSummarizerConfig(strategy="concat"), fake_model)(translated_doc([long]))
    assert out.summary == long
    assert out.summary_chunks == 3


def test_prefix_for_t5(fake_model) -> None:
    out = Summarize(Seq2SeqSummarizerConfig(prefix="summarize: "), fake_model)(translated_doc(["Un deux."]))
    assert fake_model.batches[0][0] == ["summarize: Un deux."]
    assert out.summary == "SUMMARIZE: UN DEUX."


def test_empty_document(fake_model) -> None:
    out = Summarize(Seq2SeqSummarizerConfig(), fake_model)(translated_doc([], heading="Only a title"))
    assert (out.summary, out.summary_chunks, out.warnings) == ("", 0, ("summarize: nothing to summarize",))
    assert fake_model.batches == []


def test_batched_across_documents(fake_model) -> None:
    fake_model.fn = first_words
    docs = [replace(translated_doc([f"Doc {i} text here."]), id=str(i)) for i in range(3)]
    out = list(Summarize(Seq2SeqSummarizerConfig(batch_size=8), fake_model).pipe(docs))
    assert [d.summary for d in out] == ["Doc 0 text", "Doc 1 text", "Doc 2 text"]
    assert len(fake_model.batches) == 1


@pytest.mark.parametrize(("k", "expected"), [(1, "A."), (2, "A. B."), (5, "A. B. C.")])
def test_lead(k: int, expected: str) -> None:
    out = Lead(LeadConfig(k=k))(translated_doc(["A.", "B.", "C."], heading="Title"))
    assert (out.summary, out.summary_chunks) == (expected, 1)


def test_summary_length_capped_by_decoder_window(fake_model) -> None:
    fake_model.window = 32
    cfg = Seq2SeqSummarizerConfig(min_new_tokens=100, max_new_tokens=500)
    Summarize(cfg, fake_model)(translated_doc(["Un deux."]))
    ((_, settings),) = fake_model.batches
    assert (settings.min_new_tokens, settings.max_new_tokens) == (30, 30)


def test_centroid_picks_central_sentences_in_order() -> None:
    sentences = [
        "The weather was sunny on Monday.",
        "The city council voted the new bus budget.",
        "The bus budget adds ten buses to the city network.",
        "A cat slept.",
        "Council members said the city bus network needs the budget.",
    ]
    out = Centroid(CentroidConfig(k=2))(translated_doc(sentences, heading="Title"))
    # The two sentences sharing most weighted words (bus, budget, city, network) with the others;
    # the off-topic ones ("weather", "cat") are never picked.
    assert out.summary == (
        "The bus budget adds ten buses to the city network. Council members said the city bus network needs the budget."
    )
    assert Centroid(CentroidConfig(k=9))(translated_doc(sentences)).summary == " ".join(sentences)


def test_progress_counts_the_sentences_of_each_round(fake_model) -> None:
    fake_model.fn = first_words
    fake_model.window = 12
    calls: list[tuple[int, int]] = []
    context = StageContext(progress=lambda done, total: calls.append((done, total)))
    stage = Summarize(Seq2SeqSummarizerConfig(batch_size=1), fake_model, context=context)
    stage(translated_doc([f"w{i}a w{i}b w{i}c w{i}d." for i in range(6)]))
    # The map round: 3 chunks of 2 sentences, one per batch; then the partial summaries, joined.
    assert calls == [(2, 6), (4, 6), (6, 6), (1, 1)]


def test_prefix_that_leaves_no_room_is_a_config_error(fake_model) -> None:
    fake_model.window = 16
    with pytest.raises(ConfigError) as err:
        Summarize(Seq2SeqSummarizerConfig(prefix="a b c d e f g h i j k l "), fake_model)
    assert str(err.value) == (
        "[E100] summarize.prefix 'a b c d e f g h i j k l ' and the special tokens take 13 of the 16 input tokens, "
        "leaving fewer than 4 for the text; shorten the prefix or raise summarize.max_input_tokens"
    )
