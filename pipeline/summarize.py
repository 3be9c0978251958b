"""Summarize stage: an English summary of the translated article.

``seq2seq`` runs an abstractive model (distilBART, BART, PEGASUS, T5). Input longer
than the model's window is never truncated: the translated sentences are packed into
chunks that fit, each measured as the model is given it, prefix and special tokens
included (``fitting.chunk``), each chunk is summarized (map), and the partial summaries are
combined (reduce: summarized again when they fit the window, else mapped again; or
simply joined with ``strategy: concat``). The number of chunks is recorded on the
document, and a warning says the input was chunked.

``lead`` is the lead-k baseline: the first k translated sentences, no model.
``centroid`` is an extractive baseline: the k sentences closest to the article's centroid.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Literal

from pydantic import Field, model_validator

from models.backends import GenerationSettings, Seq2Seq
from pipeline import confidence
from pipeline.config import MAX_BEAMS, MAX_TOKENS, Strict, speed_only
from pipeline.document import Document
from pipeline.errors import ConfigError
from pipeline.fitting import Chunk, Window, chunk, fits_joined
from pipeline.registry import register
from pipeline.sentences import split_english
from pipeline.stage import ModelStage, ModelStageConfig, Stage, StageContext


class Seq2SeqSummarizerConfig(ModelStageConfig):
    model: str = "sshleifer/distilbart-cnn-12-6"  # Hub id, local HF-format folder, or tiny:bart
    prefix: str = ""  # prepended to every input; T5 needs "summarize: "
    max_input_tokens: int | None = Field(default=None, ge=16, le=MAX_TOKENS)  # chunk size; None: the model window
    strategy: Literal["map_reduce", "concat"] = "map_reduce"  # how partial summaries are combined
    max_rounds: int = Field(default=4, ge=1, le=100)  # map rounds before map_reduce falls back to concat
    # Summary length in tokens; the defaults are distilbart-cnn-12-6's published settings.
    min_new_tokens: int = Field(default=56, ge=0, le=MAX_TOKENS)
    max_new_tokens: int = Field(default=142, ge=1, le=MAX_TOKENS)
    num_beams: int = Field(default=4, ge=1, le=MAX_BEAMS)
    length_penalty: float = Field(default=2.0, ge=-100, le=100)
    no_repeat_ngram_size: int = Field(default=3, ge=0, le=100)
    batch_size: int = speed_only(4, ge=1, le=100_000)  # chunks decoded together
    # Score each chunk's summary as translations are scored (pipeline/confidence.py):
    # annotations.summarize.confidence of the article.
    confidence: bool = True
    # rescore: a teacher-forced pass over the chunk summaries; decode: the search's own scores
    confidence_source: Literal["rescore", "decode"] = "rescore"

    @model_validator(mode="after")
    def _lengths(self) -> Seq2SeqSummarizerConfig:
        if self.min_new_tokens > self.max_new_tokens:
            raise ValueError(f"min_new_tokens ({self.min_new_tokens}) exceeds max_new_tokens ({self.max_new_tokens})")
        return self


# Input tokens a chunk must have room for beside the prefix and special tokens: one
# character, which a byte-level tokenizer may encode as up to 4 tokens (its UTF-8 bytes).
MIN_ROOM = 4


class LeadConfig(Strict):
    k: int = Field(default=3, ge=1, le=10_000)  # how many leading sentences make the summary


@register("summarize", "seq2seq", default=True)
class Summarize(ModelStage):
    """Abstractive summarization with map-reduce over chunks for long input."""

    Config = Seq2SeqSummarizerConfig
    requires = ("translations",)
    assigns = ("summary",)

    def __init__(self, config: Seq2SeqSummarizerConfig, model: Seq2Seq, *, context: StageContext | None = None) -> None:
        super().__init__(config, model, context=context)
        self.limit = min(config.max_input_tokens or model.window, model.window)
        # Inputs are measured exactly as they are given to the model: prefix and special tokens included.
        self.window = Window(lambda texts: model.count_tokens([config.prefix + t for t in texts]), self.limit)
        self.overhead = self.window.measure([""])[0]  # the prefix and special tokens
        if self.limit - self.overhead < MIN_ROOM:
            raise ConfigError(
                f"summarize.prefix {config.prefix!r} and the special tokens take {self.overhead} of the "
                f"{self.limit} input tokens, leaving fewer than {MIN_ROOM} for the text; shorten the prefix "
                "or raise summarize.max_input_tokens"
            )

    def settings(self) -> GenerationSettings:
        c = self.config
        # The decoder can't go past its position table: never ask for more than the window.
        max_new = min(c.max_new_tokens, self.model.window - 2)
        return GenerationSettings(
            max_new_tokens=max_new,
            min_new_tokens=min(c.min_new_tokens, max_new),
            num_beams=c.num_beams,
            length_penalty=c.length_penalty,
            no_repeat_ngram_size=c.no_repeat_ngram_size,
        )

    def pipe(self, docs: Iterable[Document]) -> Iterator[Document]:
        docs = list(docs)
        chunked = [self.chunks(doc.body_translation()) for doc in docs]
        # First map step batched across documents; single-chunk documents are done here.
        flat = [c for chunks in chunked for c in chunks]
        first = self._generate([c.text for c in flat], [len(c.pieces) for c in flat])
        partials = iter([text for text, _ in first])
        scores = iter(self._scores([c.text for c in flat], first))
        for doc, chunks in zip(docs, chunked, strict=True):
            if not chunks:
                yield replace(
                    doc, summary="", summary_chunks=0, warnings=doc.warnings + ("summarize: nothing to summarize",)
                )
                continue
            summaries = [next(partials) for _ in chunks]
            scored = [next(scores) for _ in chunks]
            if self.scoring:
                doc = doc.annotate("summarize", {"confidence": _confidence(scored)})
            warnings = list(doc.warnings)
            if len(chunks) > 1:
                pieces = [p for c in chunks for p in c.pieces]
                total = self.overhead + sum(n - self.overhead for n in self.window.measure_all(pieces))
                warnings.append(
                    f"summarize: input of about {total} tokens exceeds the model window of {self.limit}; "
                    f"summarized in {len(chunks)} chunks combined by {self.config.strategy}"
                )
                summary = self._combine(summaries, warnings)
            else:
                summary = summaries[0]
            yield replace(doc, summary=summary, summary_chunks=len(chunks), warnings=tuple(warnings))

    @property
    def scoring(self) -> bool:
        """Whether chunk summaries get a confidence score: asked for, and the backend gives scores."""
        return self.config.confidence and self.model.scores

    @property
    def decoding_scores(self) -> bool:
        """Whether scores come from the decoding itself (``confidence_source: decode``)."""
        return self.scoring and self.config.confidence_source == "decode" and self.model.decode_scores

    def _scores(
        self, texts: list[str], summaries: list[tuple[str, tuple[float, int] | None]]
    ) -> list[tuple[float, int]]:
        """Each chunk summary's score: its decoding's, else a teacher-forced pass."""
        if not self.scoring:
            return [(0.0, 0)] * len(texts)
        if self.decoding_scores:
            return [score or (0.0, 0) for _, score in summaries]
        size = self.config.batch_size
        batches = [list(range(start, min(start + size, len(texts)))) for start in range(0, len(texts), size)]
        inputs = [self.config.prefix + t for t in texts]
        return confidence.score(self.model, inputs, [text for text, _ in summaries], batches)

    def chunks(self, sentences: list[str]) -> list[Chunk]:
        """Sentences packed into chunks that fit the input window (``fitting.chunk``), as the model sees them."""
        return chunk(sentences, self.window)

    def chunk(self, sentences: list[str]) -> list[str]:
        """The texts of ``chunks``: each fits the input window with the prefix."""
        return [c.text for c in self.chunks(sentences)]

    def _combine(self, summaries: list[str], warnings: list[str]) -> str:
        if self.config.strategy == "concat":
            return " ".join(summaries)
        rounds = 1  # the first map round is done by the caller
        while not fits_joined(summaries, self.window):
            if rounds >= self.config.max_rounds:
                break
            # The partial summaries are English: split by the English splitter.
            chunks = self.chunks([s for p in summaries for s in split_english(p)])
            summaries = self._summarize([c.text for c in chunks], [len(c.pieces) for c in chunks])
            rounds += 1
        else:
            return self._summarize([" ".join(summaries)])[0]
        warnings.append(
            f"summarize: partial summaries still exceed the window after {self.config.max_rounds} rounds; "
            "joined as they are"
        )
        return " ".join(summaries)

    def _summarize(self, texts: list[str], weights: list[int] | None = None) -> list[str]:
        """Summarize texts that fit the window; the summaries in input order (``_generate``)."""
        return [text for text, _ in self._generate(texts, weights)]

    def _generate(
        self, texts: list[str], weights: list[int] | None = None
    ) -> list[tuple[str, tuple[float, int] | None]]:
        """Summarize texts that fit the window, shortest first in batches; results in input order,
        each with its decoding score when the scores come from the decoding.

        ``progress(done, total)`` from the context is called after each batch, counting
        ``weights`` (the sentences each text holds; one each by default).
        """
        if not texts:
            return []
        weights = weights or [1] * len(texts)
        lengths = self.window.measure_all(texts)
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        out: list[tuple[str, tuple[float, int] | None]] = [("", None)] * len(texts)
        settings = [self.settings()] * math.ceil(len(order) / self.config.batch_size)
        size = self.config.batch_size
        batches = [order[start : start + size] for start in range(0, len(order), size)]
        inputs = [[self.config.prefix + texts[i] for i in batch] for batch in batches]
        if self.decoding_scores:
            outputs = (
                [(o.text, (o.logprob, o.tokens)) for o in batch]
                for batch in self.model.generate_scored_many(inputs, settings)
            )
        else:
            outputs = ([(text, None) for text in batch] for batch in self.model.generate_many(inputs, settings))
        done, total = 0, sum(weights)
        for batch, summaries in zip(batches, outputs, strict=True):
            for i, summary in zip(batch, summaries, strict=True):
                out[i] = summary
            done += sum(weights[i] for i in batch)
            if self.context.progress is not None:
                self.context.progress(done, total)
        return out


@register("summarize", "lead")
class Lead(Stage):
    """The lead-k baseline: the first k translated sentences of the article body."""

    Config = LeadConfig
    requires = ("translations",)
    assigns = ("summary",)

    def process(self, doc: Document) -> Document:
        lead = doc.body_translation()[: self.config.k]
        return replace(doc, summary=" ".join(lead), summary_chunks=1 if lead else 0)


class CentroidConfig(Strict):
    k: int = Field(default=3, ge=1, le=10_000)  # how many sentences make the summary


# Function words left out of the centroid: they say nothing about what a text is about.
_STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being it its
    this that these those he she they we you i his her their our your not no so than then there here
    has have had do does did will would can could should may might must also into over after before
    about up out said says""".split()
)


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W_]+", text.lower()) if w not in _STOPWORDS]


@register("summarize", "centroid")
class Centroid(Stage):
    """Extractive baseline: the k translated sentences closest to the article's centroid.

    Sentences are TF-IDF vectors (each sentence a "document" for IDF); the centroid is
    their mean; the k sentences with the highest cosine similarity to it are kept, in
    article order (Radev et al. 2004, "Centroid-based summarization of multiple documents").
    """

    Config = CentroidConfig
    requires = ("translations",)
    assigns = ("summary",)

    def process(self, doc: Document) -> Document:
        sentences = doc.body_translation()
        if not sentences:
            return replace(doc, summary="", summary_chunks=0)
        bags = [Counter(_words(s)) for s in sentences]
        df = Counter(w for bag in bags for w in bag)
        idf = {w: math.log(len(bags) / n) + 1.0 for w, n in df.items()}
        vectors = [{w: c * idf[w] for w, c in bag.items()} for bag in bags]
        centroid: Counter[str] = Counter()
        for v in vectors:
            centroid.update(v)

        def cosine(v: dict[str, float]) -> float:
            dot = sum(x * centroid[w] for w, x in v.items())
            norm = math.sqrt(sum(x * x for x in v.values())) * math.sqrt(sum(x * x for x in centroid.values()))
            return dot / norm if norm else 0.0

        ranked = sorted(range(len(sentences)), key=lambda i: (-cosine(vectors[i]), i))
        keep = sorted(ranked[: self.config.k])
        return replace(doc, summary=" ".join(sentences[i] for i in keep), summary_chunks=1)


def _confidence(scored: list[tuple[float, int]]) -> dict[str, object]:
    """The confidence of each map-round chunk's summary, and their token-weighted mean."""
    mean, tokens = confidence.combine(scored)
    return {
        "logprob": round(mean, 4),
        "tokens": tokens,
        "chunks": [{"logprob": round(m, 4), "tokens": n} for m, n in scored],
    }
