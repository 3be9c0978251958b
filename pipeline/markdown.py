"""Markdown blocks and inline spans: the layout an article's translation is put back into.

``parse_blocks`` reads the block layout (headings, paragraphs, list items, blockquotes,
code) with markdown-it-py's CommonMark parser, so the blocks are those any CommonMark
renderer sees: an ordered list interrupts a paragraph only when it starts at 1 (a line
"2024. Le budget..." inside a paragraph stays in it), lazy continuation lines, setext
headings, nested lists, fenced and indented code, quotes of several paragraphs,
thematic breaks, HTML blocks and GFM tables. Each block's text is its inline source as
written, sliced from the article by the parser's line ranges, container markers ("> ",
the list marker) removed. A table gives one block per cell (empty cells too), with its
table, row, column and alignment, so each cell is translated and the writer rebuilds
the table.

``strip_inline`` removes inline markup (links keep their text, emphasis and code lose
their markers); ``find_links`` keeps the links' targets, which the writer lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.document import Cell

# --- inline Markdown -------------------------------------------------------------

_IMAGE = re.compile(r"!\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)")
# [text](target "title"): group 1 the text, group 2 the target (parentheses inside allowed)
_LINK = re.compile(r"\[([^\]]+)\]\(((?:[^()\s]|\([^)]*\))*)(?:\s+\"[^\"]*\")?\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+|[^>\s@]+@[^>\s@]+)>")
_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])")
_WHOLE_EMPHASIS = re.compile(r"^(\*\*|__|\*|_)(?=\S)(.+)(?<=\S)\1$", re.DOTALL)


def strip_inline(text: str) -> tuple[str, str]:
    """Remove inline Markdown from a block's text.

    Returns:
        (plain text with whitespace runs folded, emphasis marker wrapping the whole block or "").
    """
    emphasis = ""
    whole = _WHOLE_EMPHASIS.match(text.strip())
    if whole and whole.group(1) not in whole.group(2):
        emphasis, text = whole.group(1), whole.group(2)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _STRONG.sub(r"\2", text)
    text = _EM_STAR.sub(r"\1", text)
    text = _EM_UNDERSCORE.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    # Fold ordinary whitespace (soft line breaks included); keep French non-breaking spaces.
    return re.sub(r"[ \t\r\n]+", " ", text).strip(), emphasis


def find_links(text: str) -> tuple[tuple[str, str], ...]:
    """The links of a block's text, in order: (link text without markup, target).

    Inline links and autolinks; images are left out, and so are targets that point
    nowhere ("" or a bare "#"). The translation keeps a link's text but not its target,
    so the writer lists them.
    """
    text = _IMAGE.sub("", text)
    found: list[tuple[int, str, str]] = []
    for m in _LINK.finditer(text):
        target = m.group(2).removeprefix("<").removesuffix(">")  # <target> is allowed too
        if target not in ("", "#"):
            found.append((m.start(), strip_inline(m.group(1))[0], target))
    # autolinks outside inline links (blanked, so positions keep the order)
    for m in _AUTOLINK.finditer(_LINK.sub(lambda m: " " * len(m.group(0)), text)):
        found.append((m.start(), m.group(1), m.group(1) if "://" in m.group(1) else "mailto:" + m.group(1)))
    return tuple((label, target) for _, label, target in sorted(found))


# --- Markdown blocks -------------------------------------------------------------

# A blockquote marker at the start of a line (CommonMark 5.1: ">" and one optional
# space); leading blanks also cover a quote's indentation inside a list item.
_QUOTE_MARKER = re.compile(r"^[ \t]*>[ \t]?")
# HTML blocks that render as nothing readable (CommonMark 4.6, types 1-5: script and
# style elements, comments, processing instructions, declarations, CDATA): not text
# to translate. The other HTML blocks are read as text; strip_inline drops their tags.
_HIDDEN_HTML = re.compile(r"[ \t]*(?:<!--|<\?|<![A-Za-z]|<!\[CDATA\[|<(?:script|style)(?:[\s>]|$))", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    """A Markdown block before sentence splitting.

    Attributes:
        kind: heading, text, list_item, quote or code (``document.PARAGRAPH_KINDS``).
        text: the block's inline source as written (code: its content, verbatim).
        level: heading level (1-6) or list nesting depth (0-based); 0 otherwise.
        marker: a list item's marker as written ("-", "*", "1.", "2)"), else "".
        cell: a table cell's place in its table (kind "table_cell"), else None.
    """

    kind: str
    text: str
    level: int = 0
    marker: str = ""
    cell: Cell | None = None


@dataclass
class _Container:
    """An open blockquote or list item, while the parser's tokens are walked."""

    kind: str  # "quote" or "item"
    first_line: int  # where the container starts: a list item's marker is on that line
    level: int = 0
    marker: str = ""
    has_child: bool = False  # a list item's first block is the item; later ones are text


@cache
def _parser() -> MarkdownIt:
    # The CommonMark preset, plus GFM tables.
    return MarkdownIt("commonmark").enable("table")


def _inline_source(lines: list[str], start: int, end: int, stack: list[_Container]) -> str:
    """Source lines ``start``..``end`` (exclusive) of a block, container markers removed, stripped.

    Continuation lines keep their indentation as written; quote markers are removed on
    every line that has one (lazy continuation lines have none), a list item's marker
    on the item's first line.
    """
    out = []
    for number in range(start, end):
        line = lines[number]
        for container in stack:
            if container.kind == "quote":
                line = _QUOTE_MARKER.sub("", line, count=1)
            elif number == container.first_line:
                line = re.sub(rf"^[ \t]*{re.escape(container.marker)}(?:[ \t]+|$)", "", line, count=1)
        out.append(line)
    return "\n".join(out).strip()


def _flow_kind(stack: list[_Container]) -> tuple[str, int, str]:
    """(kind, level, marker) of a paragraph in its innermost container; marks the container used."""
    if not stack:
        return "text", 0, ""
    inner = stack[-1]
    first = not inner.has_child
    inner.has_child = True
    if inner.kind == "quote":
        return "quote", 0, ""
    # A list item's later paragraphs are plain paragraphs, as the writer renders them.
    return ("list_item", inner.level, inner.marker) if first else ("text", 0, "")


def _leaf(tokens: list[Token], i: int, lines: list[str], stack: list[_Container]) -> Block | None:
    """The block a leaf token opens, or None (thematic breaks, hidden HTML, empty code)."""
    token = tokens[i]
    start, end = token.map or (0, 0)
    if token.type in ("fence", "code_block"):
        if stack:
            stack[-1].has_child = True
        code = token.content.removesuffix("\n")
        return Block("code", code) if code.strip() else None
    if token.type == "heading_open":
        if stack:
            stack[-1].has_child = True
        level = int(token.tag[1:])
        if token.markup in ("=", "-"):  # setext: the text lines, then the underline
            return Block("heading", _inline_source(lines, start, end - 1, stack), level)
        return Block("heading", tokens[i + 1].content, level)  # ATX: markdown-it drops the #s
    if token.type == "paragraph_open" or (token.type == "html_block" and not _HIDDEN_HTML.match(token.content)):
        kind, level, marker = _flow_kind(stack)
        return Block(kind, _inline_source(lines, start, end, stack), level, marker)
    return None


def parse_blocks(markdown: str) -> list[Block]:
    """Read the block layout of a Markdown article (CommonMark).

    Each paragraph, heading, list item and blockquote paragraph is a block of its own;
    code is kept verbatim; thematic breaks and hidden HTML (comments, scripts) give none.

    Returns:
        The blocks in order; none is empty but a table's empty cells.
    """
    # markdown-it reads "\r\n" and "\r" as line ends too: normalize so its line numbers index ``lines``.
    source = markdown.replace("\r\n", "\n").replace("\r", "\n")
    lines = source.split("\n")
    tokens = _parser().parse(source)
    blocks: list[Block] = []
    stack: list[_Container] = []
    lists = 0  # open lists: a list item's nesting depth
    tables, row, column = 0, -1, -1
    for i, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open") and stack:
            stack[-1].has_child = True
        if token.type in ("bullet_list_open", "ordered_list_open"):
            lists += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
        elif token.type == "blockquote_open":
            stack.append(_Container("quote", (token.map or (0, 0))[0]))
        elif token.type == "list_item_open":
            # An ordered item's number is in ``info`` as written ("01"), its delimiter in ``markup``.
            stack.append(_Container("item", (token.map or (0, 0))[0], lists - 1, token.info + token.markup))
        elif token.type in ("blockquote_close", "list_item_close"):
            stack.pop()
        elif token.type == "table_open":
            row = -1
        elif token.type == "table_close":
            tables += 1
        elif token.type == "tr_open":
            row, column = row + 1, -1
        elif token.type in ("th_open", "td_open"):
            column += 1
            align = str(token.attrs.get("style", "")).removeprefix("text-align:")
            blocks.append(Block("table_cell", tokens[i + 1].content.strip(), cell=Cell(tables, row, column, align)))
        elif token.nesting >= 0 and token.type != "inline":
            block = _leaf(tokens, i, lines, stack)
            if block is not None and (block.kind == "code" or block.text):
                blocks.append(block)
    return blocks
