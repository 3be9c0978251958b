"""Inline markup of a block: which spans of its plain text are links, emphasis or code.

``spans_of(markdown, plain)`` reads a block's inline Markdown with markdown-it-py's
CommonMark parser and returns its spans as offsets into ``plain``, the block's text with
the markup removed (``markdown.strip_inline``), so they can follow each sentence into
its translation (``pipeline.markup`` puts them back). Spans nest (a link holding
emphasis gives two), never overlap partially. Images keep their alt text, unmarked;
raw HTML tags are dropped, as ``strip_inline`` drops them.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt

from pipeline.document import InlineSpan

KINDS = ("link", "strong", "em", "code")  # outer first, for spans on the same text


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


def read(markdown: str) -> tuple[str, list[InlineSpan]]:
    """The inline text as markdown-it reads it, and its spans as offsets into that text."""
    tokens = _parser().parseInline(markdown)
    children = tokens[0].children if tokens and tokens[0].children else []
    text: list[str] = []
    length = 0
    spans: list[InlineSpan] = []
    open_: list[tuple[str, int, str, str]] = []
    for token in children:
        kind = token.type
        if kind in ("text", "code_inline", "image"):
            content = token.content
            start = length
            text.append(content)
            length += len(content)
            if kind == "code_inline" and content:
                spans.append(InlineSpan(start, length, "code", marker=token.markup))
        elif kind in ("softbreak", "hardbreak"):
            text.append(" ")
            length += 1
        elif kind in ("link_open", "em_open", "strong_open"):
            name = kind.removesuffix("_open")
            target = str(token.attrs.get("href", "")) if name == "link" else ""
            marker = "<>" if token.markup == "autolink" else token.markup
            open_.append((name, length, target, marker))
        elif kind in ("link_close", "em_close", "strong_close") and open_:
            name, start, target, marker = open_.pop()
            if length > start:
                spans.append(InlineSpan(start, length, name, target, marker))
    return "".join(text), spans


# How far ``_align`` looks ahead in ``plain`` for a character of ``read``.
_RESYNC = 8


def _align(read: str, plain: str) -> list[int | None]:
    """Where each character of ``read`` is in ``plain`` (None: nowhere), in one pass.

    The two differ by whitespace (``plain`` folds runs to one space) and by what each
    reading unescapes: characters are paired in order, a whitespace run of ``read`` goes
    to one space of ``plain``, and a character of ``read`` is looked for a few
    characters ahead at most (not found: it is only in ``read``). Linear in the text's
    length (a diff would be quadratic on a long paragraph).
    """
    where: list[int | None] = [None] * len(read)
    j = 0
    for i, char in enumerate(read):
        if char.isspace():
            if j < len(plain) and plain[j].isspace():
                where[i], j = j, j + 1
            continue  # more of a whitespace run, folded away in ``plain``
        while j < len(plain) and plain[j].isspace():
            j += 1  # a space ``read`` has not
        ahead = plain.find(char, j, j + _RESYNC)
        if ahead >= 0:  # skip what only ``plain`` has (a few characters at most)
            where[i], j = ahead, ahead + 1
    return where


def spans_of(markdown: str, plain: str) -> tuple[InlineSpan, ...]:
    """The spans of a block's inline Markdown, as offsets into its plain text ``plain``.

    The two readings of the text (markdown-it's, and ``strip_inline``'s, which folds
    whitespace) are aligned (``_align``), and each span's ends are carried over; a span
    whose text is not found in ``plain`` is left out. Outer spans come before the spans they hold.
    """
    if not any(c in markdown for c in "*_`[<"):  # nothing opens a span: most blocks are read no further
        return ()
    read_text, spans = read(markdown)
    if not spans:
        return ()
    if read_text != plain:
        where = _align(read_text, plain)
        moved = []
        for span in spans:
            mapped = [where[k] for k in range(span.start, span.end) if where[k] is not None]
            if mapped:
                moved.append(InlineSpan(mapped[0], mapped[-1] + 1, span.kind, span.target, span.marker))
        spans = moved
    # Trim blanks at the ends (emphasis of " word "), then order: outer first.
    trimmed = []
    for span in spans:
        start, end = span.start, span.end
        while start < end and plain[start].isspace():
            start += 1
        while end > start and plain[end - 1].isspace():
            end -= 1
        if end > start:
            trimmed.append(InlineSpan(start, end, span.kind, span.target, span.marker))
    return tuple(sorted(set(trimmed), key=lambda s: (s.start, -s.end, KINDS.index(s.kind))))
