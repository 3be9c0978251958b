"""Translate stage: every segment of every document, batched, order kept, output guarded.

Batching follows EasyNMT's idea: collect the sentences of all documents, sort them by
length, fill batches up to a token budget (so padding is small and a batch never
outgrows memory), translate, and put each translation back by its index. A sentence
too long for the model's input window is split at clause boundaries
(``fitting.split_long``), translated in pieces and joined again, with a flag.

A guard catches degenerate output (empty, repeated n-grams, far longer than the
source), retries those segments with safer settings, and flags any that stay bad.
Nothing is dropped and nothing is truncated.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from pydantic import Field

from models.backends import GenerationSettings, Seq2Seq
from pipeline import confidence, markup
from pipeline.confidence import ConfidenceConfig
from pipeline.config import MAX_BEAMS, MAX_TOKENS, Strict, speed_only
from pipeline.document import Document, Segment
from pipeline.fitting import Window, split_long
from pipeline.registry import register
from pipeline.stage import ModelStage, ModelStageConfig, StageContext


class GuardConfig(Strict):
    enabled: bool = True
    max_length_ratio: float = Field(default=3.0, gt=0, le=100)  # output chars > ratio * source chars + 20: too long
    repeat_ngram: int = Field(default=3, ge=1, le=100)  # word n-grams checked for repetition...
    max_repeats: int = Field(default=3, ge=2, le=1000)  # ...one occurring this often is degenerate
    retry_num_beams: int = Field(default=5, ge=1, le=MAX_BEAMS)  # the safer settings of the retry
    retry_no_repeat_ngram_size: int = Field(default=3, ge=0, le=100)
    retry_repetition_penalty: float = Field(default=1.3, ge=1.0, le=100)
    retry_length_ratio: float = Field(default=1.5, gt=0, le=100)  # tighter max_new_tokens on retry


class MarianConfig(ModelStageConfig):
    model: str = "Helsinki-NLP/opus-mt-fr-en"  # Hub id, local HF-format folder, or tiny:marian
    # Padded source tokens and sentences per batch; None: by device (the model's batch_limits)
    batch_tokens: int | None = speed_only(None, ge=8, le=10_000_000)
    max_batch_size: int | None = speed_only(None, ge=1, le=100_000)
    max_input_tokens: int | None = Field(default=None, ge=8, le=MAX_TOKENS)  # longer ones are split; None: window
    num_beams: int = Field(default=4, ge=1, le=MAX_BEAMS)
    length_penalty: float = Field(default=1.0, ge=-100, le=100)
    no_repeat_ngram_size: int = Field(default=0, ge=0, le=100)
    # max_new_tokens = ceil(ratio * longest source in the batch + offset), at most the model window
    max_new_tokens_ratio: float = Field(default=2.0, gt=0, le=100)
    max_new_tokens_offset: int = Field(default=10, ge=0, le=MAX_TOKENS)
    guard: GuardConfig = GuardConfig()
    confidence: ConfidenceConfig = ConfidenceConfig()  # pipeline/confidence.py
    # Put links, emphasis and code back into each translation (pipeline/markup.py); each
    # marked span is also translated alone, to be found in the sentence's translation.
    markup: bool = True


def normalize(text: str) -> str:
    """A sentence as a cache key: Unicode NFC, whitespace runs folded to one space."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


@dataclass(frozen=True)
class Translation:
    text: str
    retried: bool = False
    degenerate: str | None = None  # why the output still looks degenerate after a retry
    score: tuple[float, int] | None = None  # (mean token log-probability, tokens) from the decoding


def degenerate_reason(source: str, output: str, guard: GuardConfig) -> str | None:
    """Why ``output`` looks like a degenerate translation of ``source``, or None."""
    if not output.strip():
        return "empty"
    if len(output) > guard.max_length_ratio * len(source) + 20:
        return "too_long"
    words = output.lower().split()
    n = guard.repeat_ngram
    ngrams = Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    if ngrams and max(ngrams.values()) >= guard.max_repeats:
        return "repetition"
    if re.search(r"(\b\w+\b)(?:\W+\1\b){3,}", output.lower()) or re.search(r"(\D)\1{7,}", output):
        return "repetition"
    return None


@register("translate", "marian", default=True)
class Translate(ModelStage):
    """MarianMT (or any seq2seq model) translation of all segments.

    From its context it takes a progress callback (called after each batch) and, in
    batch jobs, a sentence translation cache with its namespace.
    """

    Config = MarianConfig
    requires = ("segments",)
    assigns = ("translations",)

    def __init__(self, config: MarianConfig, model: Seq2Seq, *, context: StageContext | None = None) -> None:
        super().__init__(config, model, context=context)
        self.max_input_tokens = min(config.max_input_tokens or model.window, model.window)
        # A source is given to the model as it is: its token count is the model's input length.
        self.window = Window(model.count_tokens, self.max_input_tokens)
        tokens, size = model.batch_limits()
        self.batch_tokens = config.batch_tokens or tokens
        self.max_batch_size = config.max_batch_size or size

    def pipe(self, docs: Iterable[Document]) -> Iterator[Document]:
        docs = list(docs)
        # (doc, segment) -> the pieces its source was split into to fit the window
        keys = [(d, s) for d, doc in enumerate(docs) for s, seg in enumerate(doc.segments) if not seg.verbatim]
        sources = [docs[d].segments[s].source for d, s in keys]
        lengths = self.window.measure_all(sources)
        pieces = {
            key: [text] if n <= self.max_input_tokens else split_long(text, self.window)
            for key, text, n in zip(keys, sources, lengths, strict=True)
        }
        flat = [p for parts in pieces.values() for p in parts]
        spans = self._span_texts(docs, list(pieces))
        wanted = [text for text, translate in spans.values() if translate]
        translated = self.translate(flat + wanted)
        renderings = iter(t.text for t in translated[len(flat) :])
        rendered = {key: next(renderings) if translate else text for key, (text, translate) in spans.items()}
        translated = translated[: len(flat)]
        results = iter(translated)
        scores = iter(self._scores(flat, translated))
        for d, doc in enumerate(docs):
            segments, warnings, bad = [], [], []
            for s, seg in enumerate(doc.segments):
                if (d, s) not in pieces:
                    segments.append(seg)
                    continue
                parts = pieces[(d, s)]
                done = [next(results) for _ in parts]
                seg = self._merge(seg, parts, done, warnings, bad)
                scored = [next(scores) for _ in parts]
                seg = confidence.annotate(seg, *confidence.combine(scored)) if self.scoring else seg
                if seg.spans and self.config.markup:
                    seg = _with_markup(seg, [rendered[(d, s, k)] for k in range(len(seg.spans))])
                segments.append(seg)
            if bad:
                warnings.append(
                    f"translate: {len(bad)} segment(s) still looked degenerate after a retry with safer "
                    f"settings and are flagged: {', '.join(map(str, bad))}"
                )
            if self.scoring:
                segments, low = confidence.flag_low(segments, self.config.confidence)
                warnings += low
            yield replace(doc, segments=tuple(segments), warnings=doc.warnings + tuple(warnings))

    def _span_texts(
        self, docs: list[Document], keys: list[tuple[int, int]]
    ) -> dict[tuple[int, int, int], tuple[str, bool]]:
        """Each marked span's text, and whether it is translated alone (code, URLs and spans
        too long for the window are not: they are looked for as written)."""
        if not self.config.markup:
            return {}
        out = {}
        for d, s in keys:
            seg = docs[d].segments[s]
            for k, span in enumerate(seg.spans):
                text = seg.source[span.start : span.end]
                alone = span.kind != "code" and span.marker != "<>" and self.window.fits(text)
                out[(d, s, k)] = (text, alone)
        return out

    @property
    def scoring(self) -> bool:
        """Whether outputs get a confidence score: asked for, and the backend gives scores."""
        return self.config.confidence.enabled and self.model.scores

    @property
    def decoding_scores(self) -> bool:
        """Whether scores come from the decoding itself (``confidence.source: decode``)."""
        return self.scoring and self.config.confidence.source == "decode" and self.model.decode_scores

    def _scores(self, sources: list[str], done: list[Translation]) -> list[tuple[float, int]]:
        """Each translation's score: its decoding's, else (rescore, cache hits) a teacher-forced pass."""
        if not self.scoring:
            return [(0.0, 0)] * len(sources)
        scores = [t.score for t in done]
        todo = [i for i, score in enumerate(scores) if score is None]
        texts = [sources[i] for i in todo]
        batches = token_batches(self.window.measure_all(texts), self.batch_tokens, self.max_batch_size)
        rescored = confidence.score(self.model, texts, [done[i].text for i in todo], batches)
        for i, score in zip(todo, rescored, strict=True):
            scores[i] = score
        return [s or (0.0, 0) for s in scores]

    def _merge(
        self, seg: Segment, parts: list[str], done: list[Translation], warnings: list[str], bad: list[int]
    ) -> Segment:
        flags = list(seg.flags)
        if len(parts) > 1:
            flags.append(f"split:{len(parts)}")
            warnings.append(
                f"translate: segment {seg.index} is longer than the translator's input window "
                f"({self.max_input_tokens} tokens); translated in {len(parts)} pieces split at clause boundaries"
            )
        if any(t.retried for t in done):
            flags.append("retried")
        reasons = sorted({t.degenerate for t in done if t.degenerate})
        if reasons:
            flags.extend(f"degenerate:{r}" for r in reasons)
            bad.append(seg.index)
        text = " ".join(t.text for t in done if t.text)
        return replace(seg, translation=text, flags=tuple(flags))

    def settings(self, source_tokens: int, retry: bool = False) -> GenerationSettings:
        """Generation settings for a batch whose longest source has ``source_tokens`` tokens."""
        c, g = self.config, self.config.guard
        ratio = g.retry_length_ratio if retry else c.max_new_tokens_ratio
        max_new = min(math.ceil(ratio * source_tokens + c.max_new_tokens_offset), self.model.window)
        return GenerationSettings(
            max_new_tokens=max_new,
            num_beams=max(c.num_beams, g.retry_num_beams) if retry else c.num_beams,
            length_penalty=c.length_penalty,
            no_repeat_ngram_size=max(c.no_repeat_ngram_size, g.retry_no_repeat_ngram_size)
            if retry
            else c.no_repeat_ngram_size,
            repetition_penalty=g.retry_repetition_penalty if retry else 1.0,
        )

    def plan(self, lengths: list[int], retry: bool = False) -> list[tuple[list[int], GenerationSettings]]:
        """The batches of texts with these token ``lengths`` (indices, sorted by length, under
        the batch limits), each with its generation settings."""
        return [
            (batch, self.settings(max(lengths[i] for i in batch), retry=retry))
            for batch in token_batches(lengths, self.batch_tokens, self.max_batch_size)
        ]

    def translate(self, texts: list[str]) -> list[Translation]:
        """Translate texts that each fit the window; results in the input order.

        With a cache in the context, known sentences are taken from it and only the others
        are translated; outputs still degenerate after the retry are never cached. The
        cache's namespace is this stage's part of the output signature.
        """
        cache, namespace = self.context.cache, self.context.namespace
        if cache is None:
            return self._translate(texts)
        keys = [normalize(t) for t in texts]
        found = cache.lookup(namespace, keys)  # every key, repeats included: the cache counts hits
        todo = [i for i, k in enumerate(keys) if k not in found]
        fresh = dict(zip(todo, self._translate([texts[i] for i in todo]), strict=True))
        cache.store(namespace, [(keys[i], t.text) for i, t in fresh.items() if t.degenerate is None])
        return [fresh[i] if i in fresh else Translation(found[k]) for i, k in enumerate(keys)]

    def _translate(self, texts: list[str]) -> list[Translation]:
        results = self._generate(texts, retry=False)
        if not self.config.guard.enabled:
            return results
        suspect = [i for i, r in enumerate(results) if degenerate_reason(texts[i], r.text, self.config.guard)]
        if suspect:
            retried = self._generate([texts[i] for i in suspect], retry=True)
            for i, out in zip(suspect, retried, strict=True):
                reason = degenerate_reason(texts[i], out.text, self.config.guard)
                results[i] = replace(out, retried=True, degenerate=reason)
        return results

    def _generate(self, texts: list[str], retry: bool) -> list[Translation]:
        """Each text's translation, with its decoding score when the scores come from the decoding."""
        lengths = self.window.measure_all(texts)
        out = [Translation("")] * len(texts)
        done = 0
        plan = self.plan(lengths, retry)
        batches, settings = [[texts[i] for i in batch] for batch, _ in plan], [s for _, s in plan]
        if self.decoding_scores:
            outputs = (
                [Translation(o.text, score=(o.logprob, o.tokens)) for o in batch]
                for batch in self.model.generate_scored_many(batches, settings)
            )
        else:
            outputs = ([Translation(text) for text in batch] for batch in self.model.generate_many(batches, settings))
        for (batch, _), results in zip(plan, outputs, strict=True):
            for i, result in zip(batch, results, strict=True):
                out[i] = result
            done += len(batch)
            if self.context.progress is not None and not retry:
                self.context.progress(done, len(texts))
        return out


def token_batches(lengths: list[int], budget: int, max_size: int) -> list[list[int]]:
    """Group indices, sorted by length, into batches whose padded size fits ``budget``.

    A batch of k items costs k * (its longest length) tokens once padded; a single item
    longer than the budget still gets a batch of its own.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    for i in order:
        if batches and len(batches[-1]) < max_size and (len(batches[-1]) + 1) * lengths[i] <= budget:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def _with_markup(seg: Segment, renderings: list[str]) -> Segment:
    """The segment with its translation's markup restored, flagged when a span had to move."""
    placed = markup.place(seg.source, seg.translation or "", seg.spans, renderings)
    flags = (*seg.flags, markup.FLAG) if placed.moved else seg.flags
    return replace(seg, markup=placed.text, flags=flags)
