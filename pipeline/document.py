"""The typed documents that flow between stages.

``Document``, ``Paragraph`` and ``Segment`` are the only types that cross stage
boundaries. They are frozen: a stage returns a new Document built with
``dataclasses.replace`` and never mutates its input. Segments keep their index and
paragraph so order and layout survive cross-document batching.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

# Paragraph kinds the segmenter recognises in Markdown; the writer restores each one.
PARAGRAPH_KINDS = ("heading", "text", "list_item", "quote", "code", "table_cell")


@dataclass(frozen=True)
class Cell:
    """Where a table cell is: which table of the article, its row (0: the header) and column.

    Attributes:
        align: the column's alignment as written in the delimiter row: "", "left",
            "center" or "right".
    """

    table: int
    row: int
    column: int
    align: str = ""


@dataclass(frozen=True)
class Paragraph:
    """A block of the article, as laid out in its Markdown.

    Attributes:
        index: position of the block in the article.
        kind: one of PARAGRAPH_KINDS.
        level: heading level (1-6) or list nesting depth (0-based); 0 otherwise.
        marker: list marker as written ("-", "*", "1."), else "".
        emphasis: markup wrapping the whole block ("*", "_", "**"), restored on output.
        links: the block's links as (link text, target), listed on output.
        cell: for a table cell, its place in its table (the writer rebuilds the table).
    """

    index: int
    kind: str
    level: int = 0
    marker: str = ""
    emphasis: str = ""
    links: tuple[tuple[str, str], ...] = ()
    cell: Cell | None = None


@dataclass(frozen=True)
class InlineSpan:
    """A marked span of a sentence's plain text.

    Attributes:
        start, end: where it is in the text it belongs to (a block's, then a sentence's).
        kind: link, strong, em or code.
        target: a link's URL ("" otherwise).
        marker: the emphasis or code marker as written ("*", "__", "`"); for a link, "<>"
            when it was an autolink.
    """

    start: int
    end: int
    kind: str
    target: str = ""
    marker: str = ""

    def shifted(self, offset: int, limit: int) -> InlineSpan | None:
        """The span in a piece of the text that starts at ``offset`` and is ``limit`` long; None if outside."""
        start, end = max(0, self.start - offset), min(limit, self.end - offset)
        if end <= start:
            return None
        return InlineSpan(start, end, self.kind, self.target, self.marker)


@dataclass(frozen=True)
class Segment:
    """A sentence (or a heading, or a verbatim block) of the article.

    Attributes:
        index: position in the document; output order follows it.
        paragraph: index of the Paragraph it belongs to.
        source: the French text, Markdown inline markup removed.
        translation: the English text, None until the translate stage ran.
        flags: what a stage did to this segment that a reader should know
            (for example "split:3", "retried", "degenerate:repetition", "verbatim").
        verbatim: a control signal, not a note for readers: the segment is copied as it
            is (code), never translated. The segmenter also flags it "verbatim".
        annotations: what stages found out about the segment, by stage kind (a place for
            new stages' results, so they need no field of their own).
        spans: the inline markup of ``source`` (links, emphasis, code), as offsets into it.
        markup: the translation with those spans put back (``pipeline.markup``); None when
            the source has none.
    """

    index: int
    paragraph: int
    source: str
    translation: str | None = None
    flags: tuple[str, ...] = ()
    verbatim: bool = False
    annotations: dict[str, Any] = field(default_factory=dict)
    spans: tuple[InlineSpan, ...] = ()
    markup: str | None = None


@dataclass(frozen=True)
class Failure:
    """A stage that raised on a document: the stages after it did not run for it.

    Attributes:
        stage: the stage kind that failed ("summarize").
        code: the error's code ("E410").
        message: the error, one line.
    """

    stage: str
    code: str
    message: str


@dataclass(frozen=True)
class Document:
    """An article and everything the stages produced for it.

    ``failure`` is set by the runner when a stage raised on this document: what the
    stages before it produced is kept (a translation survives a failed summary).
    """

    id: str
    text: str
    paragraphs: tuple[Paragraph, ...] = ()
    segments: tuple[Segment, ...] = ()
    summary: str | None = None
    summary_chunks: int = 0
    warnings: tuple[str, ...] = ()
    # Seconds per stage; set by the runner, not by stages.
    timings: dict[str, float] = field(default_factory=dict)
    # What stages found out about the whole article, by stage kind (see ``annotate``).
    annotations: dict[str, Any] = field(default_factory=dict)
    failure: Failure | None = None
    # The encoding the article's bytes were read in ("utf-8", "cp1252"); None: given as text.
    encoding: str | None = None

    def annotate(self, kind: str, value: Any) -> Document:
        """A copy with ``value`` recorded under ``kind``: how a stage adds its own results."""
        return replace(self, annotations={**self.annotations, kind: value})

    @property
    def title_paragraph(self) -> Paragraph | None:
        """The first heading if the article opens with one, else None."""
        if self.paragraphs and self.paragraphs[0].kind == "heading":
            return self.paragraphs[0]
        return None

    def segments_of(self, paragraph: int) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.paragraph == paragraph)

    def body_translation(self) -> list[str]:
        """Translated sentences of the body paragraphs (no headings, no code), in order."""
        kinds = {p.index: p.kind for p in self.paragraphs}
        return [
            s.translation
            for s in self.segments
            if s.translation and kinds.get(s.paragraph) in ("text", "list_item", "quote")
        ]

    @property
    def translated(self) -> bool:
        """Whether every segment that is translated has its translation."""
        return bool(self.segments) and all(s.translation is not None for s in self.segments)

    def to_translate(self) -> list[Segment]:
        """The segments a translator translates: all but the verbatim ones."""
        return [s for s in self.segments if not s.verbatim]
