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
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.document import Cell

# --- inline Markdown -------------------------------------------------------------

# What ``strip_inline`` and ``find_links`` read, as regular expressions (the reference;
# tests check the scanners below against them):
#   image      !\[([^\]]*)\]\(TARGET(?:\s+"[^"]*")?\)
#   link       \[([^\]]+)\]\(TARGET(?:\s+"[^"]*")?\)     TARGET: (?:[^()\s]|\([^)]*\))*
#   reference  \[([^\]]+)\]\[[^\]]*\]
#   autolink   <((?:https?|ftp)://[^>\s]+|[^>\s@]+@[^>\s@]+)>
#   strong     (\*\*|__)(?=\S)(.+?)(?<=\S)\1
#   emphasis   (?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])   and the same with _
#   HTML tag   </?[A-Za-z][^>]*>
# Run by ``re``, each is quadratic on hostile text: a match tried at every "[", "*" or
# "<" reads ahead to a closing character that isn't there ("[" * 50000: 50000 reads of
# the rest of the text). The scanners find the same matches with each closing character
# looked up in a sorted list of where they are (``_Next``), and a link's target read once
# from each place (``_Links``), so a block is read in linear time (n log n at worst).
_CODE = re.compile(r"`([^`]+)`")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|])")
_WHOLE_EMPHASIS = re.compile(r"^(\*\*|__|\*|_)(?=\S)(.+)(?<=\S)\1$", re.DOTALL)
_STRONG_OPEN = re.compile(r"(?=(\*\*|__)\S)")
_STRONG_CLOSE = {"**": re.compile(r"(?<=\S)(?=\*\*)"), "__": re.compile(r"(?<=\S)(?=__)")}
_EM_OPEN = {"*": re.compile(r"(?<![\w*])\*(?=\S)"), "_": re.compile(r"(?<![\w_])_(?=\S)")}
_EM_CLOSE = {"*": re.compile(r"(?<=\S)\*(?![\w*])"), "_": re.compile(r"(?<=\S)_(?![\w_])")}
_NEWLINE = re.compile(r"\n")
_TARGET_RUN = re.compile(r"[^()\s]*")
_BLANKS = re.compile(r"\s+")
_SCHEME = re.compile(r"(?:https?|ftp)://")
_TAG_START = re.compile(r"</?[A-Za-z]")
_CHARS = {c: re.compile(re.escape(c)) for c in '])">'}
_URL_END = re.compile(r"[>\s]")
_ADDRESS_END = re.compile(r"[>\s@]")

# A match: where it starts and ends, and what replaces it.
_Match = tuple[int, int, str]


class _Next:
    """Where a pattern matches in a text, for "the first match at or after ``p``" by bisection."""

    def __init__(self, pattern: re.Pattern[str], text: str) -> None:
        self.starts = [m.start() for m in pattern.finditer(text)]

    def __call__(self, position: int) -> int | None:
        k = bisect_left(self.starts, position)
        return self.starts[k] if k < len(self.starts) else None


def _replace(text: str, matches: list[_Match]) -> str:
    """``text`` with each match (in order, none overlapping) replaced."""
    if not matches:
        return text
    out, last = [], 0
    for start, end, replacement in matches:
        out += (text[last:start], replacement)
        last = end
    out.append(text[last:])
    return "".join(out)


def _delimited(
    text: str, openers: list[tuple[int, str]], closers: dict[str, _Next], width: int
) -> list[tuple[int, int, int, int]]:
    r"""Matches of ``OPEN(?=\S)(.+?)(?<=\S)CLOSE`` (no line break inside) as ``re.finditer`` finds them.

    Args:
        openers: where an opening marker may start a match, with its marker, in order.
        closers: by marker, where a closing marker may end a match.
        width: the markers' length.

    Returns:
        (start, end, content start, content end) of each match.
    """
    newline = _Next(_NEWLINE, text)
    found, resume = [], 0
    for start, marker in openers:
        if start < resume:
            continue
        content = start + width
        close = closers[marker](content + 1)  # the lazy .+? stops at the first closer
        if close is None:
            continue
        line_end = newline(content)
        if line_end is not None and line_end < close:  # "." doesn't cross a line break
            continue
        found.append((start, close + width, content, close))
        resume = close + width
    return found


def _strong(text: str) -> list[_Match]:
    if "**" not in text and "__" not in text:
        return []
    openers = [(m.start(), m.group(1)) for m in _STRONG_OPEN.finditer(text)]
    closers = {marker: _Next(pattern, text) for marker, pattern in _STRONG_CLOSE.items()}
    return [(a, b, text[c:d]) for a, b, c, d in _delimited(text, openers, closers, 2)]


def _emphasis(text: str, marker: str) -> list[_Match]:
    if marker not in text:
        return []
    openers = [(m.start(), marker) for m in _EM_OPEN[marker].finditer(text)]
    closers = {marker: _Next(_EM_CLOSE[marker], text)}
    return [(a, b, text[c:d]) for a, b, c, d in _delimited(text, openers, closers, 1)]


class _Links:
    """Images, inline links and reference links of a text, as their regular expressions match them.

    A match is tried at the first "[" after the last "]" only: every "[" up to the next
    "]" has the same label end and what follows it, so it matches or fails with the
    first. A link's target is read once from each place it starts (``_target_end``).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.bracket = _Next(_CHARS["]"], text)
        self.paren = _Next(_CHARS[")"], text)
        self.quote = _Next(_CHARS['"'], text)
        self.targets: dict[int, int] = {}

    def _target_end(self, start: int) -> int:
        """Where the greedy TARGET that starts at ``start`` ends (memoized, with the places it passed)."""
        text, passed = self.text, []
        position = start
        while position not in self.targets:
            passed.append(position)
            run = _TARGET_RUN.match(text, position).end()  # type: ignore[union-attr]
            close = self.paren(run + 1) if text.startswith("(", run) else None
            if close is None:
                self.targets[position] = run
                break
            position = close + 1  # a (...) group: up to the next ")"
        end = self.targets[position]
        for p in passed:
            self.targets[p] = end
        return end

    def _inline_end(self, target: int) -> tuple[int, int] | None:
        r"""(target end, match end) of ``TARGET(?:\s+"[^"]*")?\)`` from ``target``, or None.

        Only the greedy TARGET can be followed by a title or ")": a shorter one is followed
        by the next character of the target, neither a blank nor ")".
        """
        text = self.text
        end = self._target_end(target)
        if text.startswith(")", end):
            return end, end + 1
        blanks = _BLANKS.match(text, end)
        if blanks and text.startswith('"', blanks.end()):
            quote = self.quote(blanks.end() + 1)
            if quote is not None and text.startswith(")", quote + 1):
                return end, quote + 2
        return None

    def find(self, opener: str, empty_label: bool, follow: str) -> list[tuple[int, int, str, str]]:
        """(start, end, label, target) of each match, in order.

        Args:
            opener: "![" for images, "[" for links.
            empty_label: whether the label may be empty (images).
            follow: "(" for inline links and images, "[" for reference links (target "").
        """
        text, found, resume = self.text, [], 0
        while True:
            start = text.find(opener, resume)
            if start < 0:
                return found
            label = start + len(opener)
            close = self.bracket(label)
            if close is None:  # no "]" after: no later opener matches either
                return found
            resume = close + 1
            if close == label and not empty_label or not text.startswith(follow, close + 1):
                continue
            if follow == "[":
                end = self.bracket(close + 2)
                if end is not None:
                    found.append((start, end + 1, text[label:close], ""))
                    resume = end + 1
                continue
            inline = self._inline_end(close + 2)
            if inline is not None:
                found.append((start, inline[1], text[label:close], text[close + 2 : inline[0]]))
                resume = inline[1]


def _images(text: str) -> list[tuple[int, int, str, str]]:
    return _Links(text).find("![", True, "(") if "![" in text else []


def _links(text: str) -> list[tuple[int, int, str, str]]:
    return _Links(text).find("[", False, "(") if "[" in text else []


def _reference_links(text: str) -> list[tuple[int, int, str, str]]:
    return _Links(text).find("[", False, "[") if "][" in text else []


def _autolinks(text: str) -> list[tuple[int, int, str]]:
    """(start, end, address) of each ``<https://...>`` or ``<name@host>``, in order."""
    if "<" not in text:
        return []
    url_end, address_end = _Next(_URL_END, text), _Next(_ADDRESS_END, text)
    found, resume = [], 0
    while (start := text.find("<", resume)) >= 0:
        resume = start + 1
        body = start + 1
        scheme = _SCHEME.match(text, body)
        if scheme:
            end = url_end(scheme.end())
            if end is not None and end > scheme.end() and text[end] == ">":
                found.append((start, end + 1, text[body:end]))
                resume = end + 1
                continue
        at = address_end(body)
        if at is None or at == body or text[at] != "@":
            continue
        end = address_end(at + 1)
        if end is not None and end > at + 1 and text[end] == ">":
            found.append((start, end + 1, text[body:end]))
            resume = end + 1
    return found


def _html_tags(text: str) -> list[_Match]:
    if "<" not in text:
        return []
    close = _Next(_CHARS[">"], text)
    found: list[_Match] = []
    resume = 0
    while (start := text.find("<", resume)) >= 0:
        resume = start + 1
        tag = _TAG_START.match(text, start)
        if tag is None:
            continue
        end = close(tag.end())
        if end is None:  # no ">" after: no later tag either
            break
        found.append((start, end + 1, ""))
        resume = end + 1
    return found


def strip_inline(text: str) -> tuple[str, str]:
    """Remove inline Markdown from a block's text.

    Returns:
        (plain text with whitespace runs folded, emphasis marker wrapping the whole block or "").
    """
    emphasis = ""
    whole = _WHOLE_EMPHASIS.match(text.strip())
    if whole and whole.group(1) not in whole.group(2):
        emphasis, text = whole.group(1), whole.group(2)
    text = _replace(text, [(a, b, label) for a, b, label, _ in _images(text)])
    text = _replace(text, [(a, b, label) for a, b, label, _ in _links(text)])
    text = _replace(text, [(a, b, label) for a, b, label, _ in _reference_links(text)])
    text = _replace(text, _autolinks(text))
    text = _CODE.sub(r"\1", text)
    text = _replace(text, _strong(text))
    text = _replace(text, _emphasis(text, "*"))
    text = _replace(text, _emphasis(text, "_"))
    text = _replace(text, _html_tags(text))
    text = _ESCAPE.sub(r"\1", text)
    # Fold ordinary whitespace (soft line breaks included); keep French non-breaking spaces.
    return re.sub(r"[ \t\r\n]+", " ", text).strip(), emphasis


def find_links(text: str) -> tuple[tuple[str, str], ...]:
    """The links of a block's text, in order: (link text without markup, target).

    Inline links and autolinks; images are left out, and so are targets that point
    nowhere ("" or a bare "#"). The translation keeps a link's text but not its target,
    so the writer lists them.
    """
    text = _replace(text, [(a, b, "") for a, b, _, _ in _images(text)])
    links = _links(text)
    found: list[tuple[int, str, str]] = []
    for start, _, label, target in links:
        target = target.removeprefix("<").removesuffix(">")  # <target> is allowed too
        if target not in ("", "#"):
            found.append((start, strip_inline(label)[0], target))
    # autolinks outside inline links (blanked, so positions keep the order)
    for start, _, address in _autolinks(_replace(text, [(a, b, " " * (b - a)) for a, b, _, _ in links])):
        found.append((start, address, address if "://" in address else "mailto:" + address))
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


# How deep markdown-it reads nested containers: each blockquote is one level, each list
# two (the list and its item). Past it markdown-it skips a container's content without a
# word (the commonmark preset's 20 kept 9 levels of nested lists and dropped a paragraph
# under 20 ">"), so ``parse_layout`` reads what it skipped itself, flattened into the
# deepest container kept. 32 keeps 31 quotes and 15 nested lists; markdown-it recurses
# once per level, so the limit also keeps it far from Python's recursion limit.
MAX_NESTING = 32


@cache
def _parser() -> MarkdownIt:
    # The CommonMark preset, plus GFM tables. Only the block layout is read here (an inline
    # token's ``content`` is its source): inline parsing is ``pipeline.inline``'s.
    parser = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable("table").disable("inline")
    return parser


def _content_lines(lines: list[str], start: int, end: int, stack: list[_Container]) -> list[str]:
    """Source lines ``start``..``end`` (exclusive), the markers of the containers in ``stack`` removed.

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
    return out


def _inline_source(lines: list[str], start: int, end: int, stack: list[_Container]) -> str:
    """Source lines ``start``..``end`` (exclusive) of a block, container markers removed, stripped."""
    return "\n".join(_content_lines(lines, start, end, stack)).strip()


# The container markers that open a line nested past MAX_NESTING: quote markers and list
# markers (the last list marker is group 1), in any number. Each repetition starts with a
# marker character, so a line is read once.
_NESTED_MARKERS = re.compile(r"[ \t]*(?:(?:>|([-+*]|\d{1,9}[.)])(?=[ \t]|$))[ \t]*)*")


def _flattened(lines: list[str], start: int, end: int, stack: list[_Container]) -> list[Block]:
    """The blocks of a container markdown-it skipped (nested past MAX_NESTING), flattened into it.

    Every container marker is removed; a line that opened a list item, or follows a blank
    line, starts a new block. Each block is what the container's next paragraph would be
    (``_flow_kind``), a list item keeping its own marker at the container's level.
    """
    pieces: list[tuple[str, list[str]]] = []  # (list marker, lines)
    fresh = True
    for line in _content_lines(lines, start, end, stack):
        markers = _NESTED_MARKERS.match(line)  # never None: it matches the empty string
        text = line[markers.end() if markers else 0 :].strip()
        if not text:
            fresh = True
            continue
        marker = markers.group(1) or "" if markers else ""
        if fresh or marker:
            pieces.append((marker, []))
        pieces[-1][1].append(text)
        fresh = False
    blocks = []
    for marker, texts in pieces:
        kind, level, own = _flow_kind(stack)
        if stack[-1].kind == "item" and marker:
            kind, level, own = "list_item", stack[-1].level, marker
        blocks.append(Block(kind, "\n".join(texts), level, own))
    return blocks


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


@dataclass(frozen=True)
class Layout:
    """An article's blocks, and where content nested past MAX_NESTING was flattened.

    Attributes:
        blocks: as ``parse_blocks`` returns them.
        flattened: the line ranges (1-based, inclusive) of each container whose content
            was nested too deep for markdown-it and was read flattened into it.
    """

    blocks: list[Block]
    flattened: tuple[tuple[int, int], ...] = ()


def parse_blocks(markdown: str) -> list[Block]:
    """Read the block layout of a Markdown article (CommonMark).

    Each paragraph, heading, list item and blockquote paragraph is a block of its own;
    code is kept verbatim; thematic breaks and hidden HTML (comments, scripts) give none.
    Content nested deeper than MAX_NESTING is flattened into the deepest container kept
    (``parse_layout`` says where).

    Returns:
        The blocks in order; none is empty but a table's empty cells.
    """
    return parse_layout(markdown).blocks


def parse_layout(markdown: str) -> Layout:
    """``parse_blocks``' blocks, and the line ranges of content flattened for nesting too deep."""
    # markdown-it reads "\r\n" and "\r" as line ends too: normalize so its line numbers index ``lines``.
    source = markdown.replace("\r\n", "\n").replace("\r", "\n")
    lines = source.split("\n")
    tokens = _parser().parse(source)
    blocks: list[Block] = []
    flattened: list[tuple[int, int]] = []
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
        elif token.type in ("blockquote_open", "list_item_open"):
            start, end = token.map or (0, 0)
            if token.type == "blockquote_open":
                stack.append(_Container("quote", start))
            else:
                # An ordered item's number is in ``info`` as written ("01"), its delimiter in ``markup``.
                stack.append(_Container("item", start, lists - 1, token.info + token.markup))
            if token.level + 1 >= MAX_NESTING:  # markdown-it skipped its content: the next token closes it
                inner = _flattened(lines, start, end, stack)
                blocks.extend(inner)
                if inner:
                    flattened.append((start + 1, end))
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
    return Layout(blocks, tuple(flattened))
