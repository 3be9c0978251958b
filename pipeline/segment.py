"""French- and Markdown-aware segmentation: an article into paragraphs and sentences.

Two steps. ``parse_blocks`` reads the Markdown layout (headings, list items,
blockquotes, code fences, paragraphs) so the translation can be put back in the same
layout; ``strip_inline`` removes inline markup (links keep their text, emphasis and
code lose their markers), and ``find_links`` keeps the links' targets for the output.
Then ``split_sentences`` finds sentence boundaries with rules for French typography:
abbreviations (M., Mme, av. J.-C., p. ex., art. 3), initials (J. K. Rowling), decimals
(3,5 and 10.5), ellipses, « guillemets » and quotes that close after the final stop,
"?" and "!" preceded by a space, URLs and e-mails.

``split_long`` splits a sentence too long for a model's input window at clause
boundaries, and by words or tokens only as a last resort; the translate stage uses it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from pydantic import Field

from pipeline.config import Strict
from pipeline.document import Document, Paragraph, Segment
from pipeline.registry import register

# Abbreviations after which a period never ends a sentence (lowercased, without the
# final period). "etc." is left out on purpose: it usually ends its sentence when a
# capital follows. Sources: Grevisse, "Le Bon Usage", and the Office québécois de la
# langue française's list of common abbreviations.
ABBREVIATIONS = frozenset(
    """
    m mm mme mmes mlle mlles dr drs pr me mgr st ste sts stes mr mrs
    cf ex av apr art al n no nos vol chap fig p pp env tél tel bd boul fg
    réf coll éd dir trad gén col cdt cne lt sgt adj prof vs cie ets sté dpt
    ann suiv sq sqq op cit ibid
    """.split()
)

# Words that open sentences and are never part of a name: after a lone capital
# ("la ligne B. Seul un train..."), one of these means the capital ended a sentence.
SENTENCE_OPENERS = frozenset(
    """
    il elle ils elles on nous vous je ce cet cette ces cela ça mais et or donc car
    seul seule seuls seules selon pour dans depuis après avant alors puis si quand
    un une aucun aucune chaque tous toutes tout toute plusieurs son sa ses leur leurs
    notre nos votre vos en au aux y c'est
    """.split()
)

_SPACE = r"[ \t\u00a0\u202f]"
_UP = "A-ZÀ-ÖØ-ÞŒŸ"  # French capitals, Œ and Ÿ included
_LOW = "a-zà-öø-ÿœ"
# A stop: an ellipsis or a run of . ! ? (?! ?? !!), then closing quotes or brackets
# that belong to the sentence it ends. A straight double quote counts as closing only
# when glued to the stop and not to a following word ('fin."Début' opens the next
# sentence); "»", "”" and ")" may follow after a (non-breaking) space.
_STOP = re.compile(r"(?:\.\.\.|…|[.!?]+)(?:\"(?![" + _LOW + _UP + r"])|’|'|(?:" + _SPACE + r"?[»”)\]]))*")
# What may open the next sentence: a capital, a digit, an opening quote or bracket, a
# dash, or a brand written with a lowercase first letter (eBay, iPhone).
_STARTER = re.compile(rf"[{_UP}0-9«“\"'(\[—–¿¡-]|[a-z][A-Z]")
# Sentences glued with no space ("au Figaro.Jusqu'à", common in scraped news): a
# lowercase letter, digit or closing quote, the stop, then a capitalised word.
_GLUED = re.compile(rf"\"?[{_UP}](?:[{_LOW}{_UP}]|['’])")
_INITIAL = re.compile(rf"^(?:[{_UP}]|[{_UP}]\.-[{_UP}])$")
_OPENERS = "«“\"'([—–-"


def _token_before(text: str, end: int) -> str:
    """The run of non-space characters ending at ``end``, without opening punctuation or elision."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:end].lstrip(_OPENERS)
    return re.split(r"['’]", word)[-1]  # l'art. -> art


def _is_glued_boundary(text: str, stop: re.Match[str]) -> bool:
    before = text[stop.start() - 1] if stop.start() else ""
    if not (before.islower() or before.isdigit() or before in '"»”)' or stop.group()[0] in "?!"):
        return False
    word = _token_before(text, stop.start())
    if "/" in word or "@" in word or word.lower().startswith("www"):
        return False
    return bool(_GLUED.match(text, stop.end()))


def _is_boundary(text: str, stop: re.Match[str], extra_abbreviations: frozenset[str]) -> bool:
    rest = text[stop.end() :]
    stripped = rest.lstrip()
    if not stripped:
        return True
    if len(stripped) == len(rest):  # no space after the stop: "10.5", "exemple.fr", "J.-C"
        return _is_glued_boundary(text, stop)
    if not _STARTER.match(stripped):  # « Prêts ? » a-t-il demandé / etc. et ...
        return False
    if stop.group().startswith(".") and not stop.group().startswith("..."):
        word = _token_before(text, stop.start())
        if word.lower() in ABBREVIATIONS or word.lower() in extra_abbreviations:
            return False
        # A lone capital before a capitalised word is an initial (J. K. Rowling,
        # M. Dupont), and before a number a reference (art. L. 121-1); but "la ligne B."
        # ends its sentence when a word that only opens sentences follows.
        # "J.-C." is an era (av. J.-C.), not a name: it may end a sentence.
        if _INITIAL.match(word) and word != "J.-C":
            next_word = re.split(r"[\s,;:]", stripped, maxsplit=1)[0].lower()
            if stripped[0].isdigit():
                return False
            if stripped[0].isupper() and (word == "M" or next_word not in SENTENCE_OPENERS):
                return False
    return True


def split_sentences(text: str, extra_abbreviations: Iterable[str] = ()) -> list[str]:
    """Split one paragraph of plain French text into sentences.

    Args:
        text: a paragraph, inline markup already removed.
        extra_abbreviations: more abbreviations (without their period) that never end a sentence.

    Returns:
        The sentences, stripped, in order; their concatenation with single spaces
        reproduces the input's non-space characters exactly.
    """
    extra = frozenset(a.lower().rstrip(".") for a in extra_abbreviations)
    sentences, start = [], 0
    for stop in _STOP.finditer(text):
        if _is_boundary(text, stop, extra):
            sentence = text[start : stop.end()].strip()
            if sentence:
                sentences.append(sentence)
            start = stop.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


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
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])")
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

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]+(.*)$")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?(.*)$")
_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")


@dataclass(frozen=True)
class Block:
    """A Markdown block before sentence splitting."""

    kind: str
    text: str
    level: int = 0
    marker: str = ""


def parse_blocks(markdown: str) -> list[Block]:
    """Read the block layout of a Markdown article.

    Paragraphs are separated by blank lines; each heading, list item and blockquote
    paragraph is a block of its own; fenced code is kept verbatim.
    """
    blocks: list[Block] = []
    lines: list[str] = []
    current = "text"
    meta: tuple[int, str] = (0, "")

    def flush() -> None:
        nonlocal lines, current, meta
        text = "\n".join(lines).strip()
        if text:
            blocks.append(Block(current, text, *meta))
        lines, current, meta = [], "text", (0, "")

    source = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(source):
        line = source[i]
        i += 1
        fence = _FENCE.match(line)
        if fence:
            flush()
            body = []
            while i < len(source) and not source[i].lstrip().startswith(fence.group(1)):
                body.append(source[i])
                i += 1
            i += 1  # the closing fence (or the end of the text)
            if any(b.strip() for b in body):
                blocks.append(Block("code", "\n".join(body)))
            continue
        if not line.strip():
            flush()
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            blocks.append(Block("heading", heading.group(2) or "", len(heading.group(1))))
            continue
        if lines and current == "text" and _SETEXT.match(line):
            level = 1 if line.strip().startswith("=") else 2
            text = "\n".join(lines)
            lines = []
            blocks.append(Block("heading", text, level))
            continue
        if _RULE.match(line):
            flush()
            continue
        quote = _QUOTE.match(line)
        if quote:
            if current != "quote":
                flush()
                current = "quote"
            if not quote.group(1).strip():
                flush()
                current = "quote"
            else:
                lines.append(quote.group(1))
            continue
        item = _ITEM.match(line)
        if item:
            flush()
            current = "list_item"
            indent = len(item.group(1).expandtabs(4))
            meta = (indent // 2, item.group(2))
            lines.append(item.group(3))
            continue
        if current == "quote":  # a lazy continuation line ends a quote only at a blank line
            lines.append(line)
            continue
        lines.append(line)
    flush()
    return [b for b in blocks if b.kind == "code" or b.text.strip()]


class FrenchSegmenterConfig(Strict):
    # More abbreviations (without the final period) after which a period never ends a sentence.
    abbreviations: list[str] = Field(default_factory=list)


@register("segment", "french")
class FrenchSegmenter:
    """Splits an article's text into Paragraphs and sentence Segments."""

    Config = FrenchSegmenterConfig

    def __init__(self, config: FrenchSegmenterConfig) -> None:
        self.config = config

    def __call__(self, doc: Document) -> Document:
        paragraphs: list[Paragraph] = []
        segments: list[Segment] = []
        for block in parse_blocks(doc.text):
            index = len(paragraphs)
            if block.kind == "code":
                paragraphs.append(Paragraph(index, "code"))
                segments.append(Segment(len(segments), index, block.text, block.text, ("verbatim",)))
                continue
            text, emphasis = strip_inline(block.text)
            if not text:
                continue
            paragraphs.append(Paragraph(index, block.kind, block.level, block.marker, emphasis, find_links(block.text)))
            if block.kind == "heading":
                sentences = [text]  # a heading is translated whole, even with a stop inside
            else:
                sentences = split_sentences(text, self.config.abbreviations)
            base = len(segments)
            segments.extend(Segment(base + k, index, s) for k, s in enumerate(sentences))
        return replace(doc, paragraphs=tuple(paragraphs), segments=tuple(segments))

    def pipe(self, docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            yield self(doc)


# --- long sentences --------------------------------------------------------------

# Clause boundaries, strongest first: a split keeps the punctuation on the left part.
_CLAUSE_BREAKS = (r"(?<=;)\s+", r"(?<=:)\s+", r"\s+(?=[—–]\s)", r"(?<=,)\s+")


def split_long(
    text: str,
    fits: Callable[[str], bool],
    split_tokens: Callable[[str], list[str]],
) -> list[str]:
    """Split ``text`` into pieces that each ``fits`` a model's input window.

    Clause boundaries come first (";", ":", dashes, then commas), packing as many
    clauses as fit into each piece; a clause that still doesn't fit is split between
    words; ``split_tokens`` is the last resort, for a single word too long to fit
    (a huge URL, say). Nothing is dropped: the pieces joined with spaces give back
    the text's words.
    """
    if fits(text):
        return [text]
    for pattern in _CLAUSE_BREAKS:
        parts = [p for p in re.split(pattern, text) if p]
        if len(parts) > 1:
            pieces: list[str] = []
            for part in _pack(parts, fits):
                pieces.extend(split_long(part, fits, split_tokens))
            return pieces
    words = text.split()
    if len(words) > 1:
        pieces = []
        for part in _pack(words, fits):
            pieces.extend(split_long(part, fits, split_tokens) if not fits(part) else [part])
        return pieces
    return split_tokens(text)


def _pack(parts: list[str], fits: Callable[[str], bool]) -> list[str]:
    """Greedily join consecutive parts with spaces while the result still fits."""
    packed: list[str] = []
    for part in parts:
        if packed and fits(f"{packed[-1]} {part}"):
            packed[-1] = f"{packed[-1]} {part}"
        else:
            packed.append(part)
    return packed
