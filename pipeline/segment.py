"""The segmenter stage: a French Markdown article into Paragraphs and sentence Segments.

``pipeline.markdown`` reads the article's block layout and inline markup, so the
translation can be put back in the same layout; ``pipeline.sentences`` splits each
block's plain text into French sentences. A heading is one segment, and code is copied
verbatim, never translated. An article confidently in another language is refused
(``language_check``, ``pipeline.language``) before any work is spent on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from pydantic import Field, field_validator

from pipeline import language
from pipeline.config import Strict
from pipeline.document import Document, InlineSpan, Paragraph, Segment
from pipeline.errors import UnsupportedLanguage
from pipeline.inline import spans_of
from pipeline.markdown import MAX_NESTING, find_links, parse_layout, strip_inline
from pipeline.registry import register
from pipeline.sentences import split_sentences
from pipeline.stage import Stage


class FrenchSegmenterConfig(Strict):
    # More abbreviations (without the final period) after which a period never ends a sentence.
    abbreviations: list[str] = Field(default_factory=list)
    # An article confidently not in French: refuse it (E210), go on with a warning, or don't check.
    language_check: Literal["refuse", "warn", "off"] = "refuse"

    @field_validator("language_check", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        # YAML reads a bare off/no as false (and on/yes as true).
        return {False: "off", True: "refuse"}.get(value, value) if isinstance(value, bool) else value


@register("segment", "french", default=True)
class FrenchSegmenter(Stage):
    """Splits an article's text into Paragraphs and sentence Segments."""

    Config = FrenchSegmenterConfig
    requires = ()
    assigns = ("segments",)
    config: FrenchSegmenterConfig

    def process(self, doc: Document) -> Document:
        warnings = self._check_language(doc)
        paragraphs: list[Paragraph] = []
        segments: list[Segment] = []
        layout = parse_layout(doc.text)
        if layout.flattened:
            warnings += (_flattened_warning(layout.flattened),)
        for block in layout.blocks:
            index = len(paragraphs)
            if block.kind == "code":
                paragraphs.append(Paragraph(index, "code"))
                # verbatim=True keeps it from the translator; the flag tells readers.
                segments.append(Segment(len(segments), index, block.text, block.text, ("verbatim",), verbatim=True))
                continue
            text, emphasis = strip_inline(block.text)
            if not text and block.cell is None:  # an empty cell keeps its place in its table
                continue
            links = find_links(block.text)
            paragraphs.append(Paragraph(index, block.kind, block.level, block.marker, emphasis, links, block.cell))
            if block.kind == "heading":
                sentences = [text]  # a heading is translated whole, even with a stop inside
            elif not text:
                sentences = []
            else:
                sentences = split_sentences(text, self.config.abbreviations)
            spans = spans_of(_inner(block.text, emphasis), text)
            base = len(segments)
            segments.extend(
                Segment(base + k, index, sentence, spans=own)
                for k, (sentence, own) in enumerate(_share(text, sentences, spans))
            )
        return replace(doc, paragraphs=tuple(paragraphs), segments=tuple(segments), warnings=doc.warnings + warnings)

    def admit(self, doc: Document) -> None:
        """Refuse an article confidently in another language than French (``language_check: refuse``)."""
        if self.config.language_check == "refuse":
            language.check(doc.text, "fr")

    def _check_language(self, doc: Document) -> tuple[str, ...]:
        if self.config.language_check == "off":
            return ()
        try:
            language.check(doc.text, "fr")
        except UnsupportedLanguage as exc:
            if self.config.language_check == "refuse":
                raise
            return (f"segment: {exc.message}; translated anyway (segment.language_check=warn)",)
        return ()


def _flattened_warning(ranges: tuple[tuple[int, int], ...]) -> str:
    """The warning for content nested too deep, naming its lines (the first five ranges)."""
    named = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges[:5]) + (", ..." if len(ranges) > 5 else "")
    return (
        f"segment: line(s) {named} nested deeper than {MAX_NESTING} levels (a quote counts one, a list two); "
        "their text is kept, flattened into the deepest level read"
    )


def _inner(markdown: str, emphasis: str) -> str:
    """A block's inline Markdown without the emphasis that wraps it whole (the paragraph keeps that)."""
    text = markdown.strip()
    return text[len(emphasis) : len(text) - len(emphasis)] if emphasis else text


def _share(
    text: str, sentences: list[str], spans: tuple[InlineSpan, ...]
) -> list[tuple[str, tuple[InlineSpan, ...]]]:
    """Each sentence with the spans of the block that fall in it, as offsets into the sentence.

    A span across a sentence boundary is cut in two, one part in each sentence. The
    spans (in order of their starts) are swept along with the sentences, so a sentence
    looks only at the spans open over it: a paragraph of 4000 sentences and as many
    links looked at every span for every sentence (4 s at 80 KB).
    """
    out, position = [], 0
    waiting, open_ = 0, []  # spans[waiting:] start after the sentences so far; open_ may reach further
    for sentence in sentences:
        start = text.find(sentence, position)
        if start < 0:  # not a plain substring (never seen): the sentence keeps no spans
            out.append((sentence, ()))
            continue
        position = start + len(sentence)
        while waiting < len(spans) and spans[waiting].start < position:
            open_.append(spans[waiting])
            waiting += 1
        open_ = [span for span in open_ if span.end > start]  # in order; the others ended before
        own = tuple(s for s in (span.shifted(start, len(sentence)) for span in open_) if s is not None)
        out.append((sentence, own))
    return out
