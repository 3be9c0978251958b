"""Reading articles (Markdown, text, HTML; UTF-8, UTF-16 or Windows-1252) and writing outputs.

Reading validates at the boundary: a missing file, bytes that aren't text, text that
decodes in no supported encoding, an article over the size limit, or an empty article
raise InputError with the file named. HTML is reduced to Markdown by
``pipeline.html_input``. Writing makes every link target safe to write (``link_target``)
and names outputs apart from inputs (``output_suffix``).
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import unicodedata
from dataclasses import asdict, dataclass, replace
from html import unescape
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from pipeline.document import Document, Paragraph, Segment
from pipeline.errors import ArticleTooLarge, InputError
from pipeline.html_input import html_to_markdown, looks_like_html

HTML_SUFFIXES = (".html", ".htm", ".xhtml")

# One article is read up to this many bytes, the batch job's default --max-bytes: a file, a
# pipe or a device (/dev/zero) that goes on longer is refused, not read until memory runs out.
MAX_ARTICLE_BYTES = 1_000_000
_READ_CHUNK = 1 << 16


@dataclass(frozen=True)
class Decoded:
    """An article's text, the encoding it was read in, and what the reader should know about it."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


# At most this many offsets of invalid bytes are named in the warning (the count has them all).
MAX_OFFSETS_NAMED = 5
# Python's "surrogateescape" error handler decodes each byte that isn't valid UTF-8 to one of
# these lone surrogates (U+DC80-U+DCFF: 0xDC00 + the byte), in one linear pass.
_ESCAPED = re.compile("[\udc80-\udcff]")
_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")
# Bytes Windows-1252 leaves undefined: C1 control codes, which no French text contains.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def decode(data: bytes, name: str) -> Decoded:
    """Decode an article's bytes: UTF-8 (with or without BOM), UTF-16 (with or without BOM), else Windows-1252.

    A few invalid bytes in UTF-8 text (more valid multi-byte characters than invalid
    bytes) don't turn the whole article into Windows-1252 mojibake: they are replaced
    with U+FFFD and a warning names their offsets. Otherwise the invalid bytes are read
    as Windows-1252, a superset of latin-1's printable characters that adds the œ, €, ’
    and « » French text in that encoding uses, and the valid UTF-8 around them as UTF-8
    (a file pasted together from both encodings reads right); a warning says so. Bytes
    Windows-1252 leaves undefined are C1 control codes, which no French text contains,
    so they mean the file is not cp1252 text. NUL bytes at every other position, and
    none elsewhere, are UTF-16 without a byte-order mark (LE or BE by which side they
    are on), read with a warning; other NUL bytes mean a binary file.

    Raises:
        InputError: binary data, or bytes valid in none of these encodings.
    """
    warnings: tuple[str, ...] = ()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name}: starts with a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason} at "
                f"offset {exc.start}); re-save the file as UTF-8"
            ) from None
    elif b"\x00" in data:
        text, encoding, warnings = _decode_utf16_without_bom(data, name)
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            text, encoding, warnings = _decode_damaged(data, name)
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    if controls > max(3, len(text) // 100):
        raise InputError(f"{name}: {controls} control characters: looks like a binary file, not a text article")
    return Decoded(text, encoding, warnings)


def _decode_utf16_without_bom(data: bytes, name: str) -> tuple[str, str, tuple[str, ...]]:
    """Bytes with NULs: UTF-16 LE or BE without a byte-order mark, or a binary file.

    French text in UTF-16 is mostly ASCII and latin-1 letters, whose high byte is 0: a
    NUL in at least half of the code units, all on one side (odd offsets: LE, even: BE),
    and text that decodes cleanly with no U+0000 in it.
    """
    units = len(data) // 2
    if len(data) % 2 == 0 and units:
        for encoding, label, high in (("utf-16-le", "UTF-16 LE", data[1::2]), ("utf-16-be", "UTF-16 BE", data[0::2])):
            if 2 * high.count(0) < units:
                continue
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                warning = f"input: {name} has no byte-order mark; its NUL bytes say {label}: read as {label}"
                return text, encoding, (warning,)
    raise InputError(f"{name}: looks like a binary file (NUL bytes), not a text article")


def _byte_offset(text: str, index: int, bom: int) -> int:
    """The byte offset in the file of character ``index`` of ``text`` decoded with surrogateescape."""
    return bom + len(text[:index].encode("utf-8", "surrogateescape"))


def _decode_damaged(data: bytes, name: str) -> tuple[str, str, tuple[str, ...]]:
    """Bytes that aren't valid UTF-8: UTF-8 with a few bad bytes replaced, or Windows-1252 where UTF-8 fails."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    text = data[bom:].decode("utf-8", "surrogateescape")
    escaped = list(islice(_ESCAPED.finditer(text), MAX_OFFSETS_NAMED))
    bad = len(_ESCAPED.findall(text))
    multibyte = len(_MULTIBYTE.findall(text))
    offsets = [_byte_offset(text, m.start(), bom) for m in escaped]
    named = ", ".join(map(str, offsets)) + (", ..." if bad > MAX_OFFSETS_NAMED else "")
    if multibyte >= bad:
        return _ESCAPED.sub("\ufffd", text), "utf-8", (
            f"input: {bad} byte(s) of {name} are not valid UTF-8 (offsets {named}); each was replaced with U+FFFD",
        )
    undefined = next((m for m in _ESCAPED.finditer(text) if ord(m.group()) - 0xDC00 in _CP1252_UNDEFINED), None)
    if undefined is not None:
        raise InputError(
            f"{name}: byte 0x{ord(undefined.group()) - 0xDC00:02x} at offset "
            f"{_byte_offset(text, undefined.start(), bom)} is not valid UTF-8 or Windows-1252 (latin-1); "
            f"re-save the file as UTF-8"
        )
    text = _ESCAPED.sub(lambda m: bytes([ord(m.group()) - 0xDC00]).decode("cp1252"), text)
    if not multibyte:
        return text, "cp1252", (f"input: {name} is not UTF-8: read as Windows-1252 (cp1252)",)
    return text, "utf-8+cp1252", (
        f"input: {name} mixes UTF-8 with {bad} byte(s) of another encoding (offsets {named}): "
        f"those were read as Windows-1252 (cp1252), the rest as UTF-8",
    )


def read_limited(stream: BinaryIO, name: str, max_bytes: int) -> bytes:
    """All of ``stream``, read in chunks, or ArticleTooLarge as soon as it passes ``max_bytes``.

    Chunks, so an endless source (/dev/zero, a pipe that never closes) stops at the
    limit instead of filling the memory.

    Raises:
        ArticleTooLarge: more than ``max_bytes`` bytes (the message names the limit).
        OSError: the stream can't be read.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_READ_CHUNK, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise ArticleTooLarge(f"{name}: more than {max_bytes} bytes, over the limit of {max_bytes} for one article")


def read_article(path: str, *, max_bytes: int = MAX_ARTICLE_BYTES) -> Document:
    """Read one article from a file path, or from standard input when ``path`` is "-".

    A pipe or a device given as a path (``<(cmd)``, /dev/stdin) is read like standard
    input, up to the same limit.

    Raises:
        ArticleTooLarge: more than ``max_bytes`` bytes.
        InputError: missing, unreadable or closed input, binary or undecodable bytes, empty article.
    """
    if path == "-":
        name, doc_id = "<stdin>", "stdin"
        stdin = sys.stdin  # None when the shell closed it (precis summarize - <&-)
        closed = f"{name}: standard input is closed; give an article file, or pipe an article into -"
        if stdin is None:
            raise InputError(closed)
        try:
            data = read_limited(stdin.buffer, name, max_bytes)
        except (AttributeError, ValueError):  # replaced by a stream without bytes, or closed by the caller
            raise InputError(closed) from None
        except OSError as exc:
            raise InputError(f"{name}: can't be read ({exc.strerror})") from None
    else:
        p = Path(path)
        name, doc_id = path, p.stem
        if not p.exists():
            raise InputError(f"{path}: no such file")
        if p.is_dir():
            raise InputError(f"{path}: is a directory, not an article file")
        try:
            with open(p, "rb") as f:
                info = os.fstat(f.fileno())
                if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:  # refused before reading any of it
                    raise ArticleTooLarge(
                        f"{path}: {info.st_size} bytes, over the limit of {max_bytes} for one article"
                    )
                data = read_limited(f, name, max_bytes)
        except OSError as exc:
            raise InputError(f"{path}: can't be read ({exc.strerror})") from None
    decoded = decode(data, name)
    doc = to_document(decoded.text, name, doc_id, html=path.lower().endswith(HTML_SUFFIXES))
    return replace(doc, encoding=decoded.encoding, warnings=decoded.warnings)


def to_document(text: str, name: str, doc_id: str, html: bool = False) -> Document:
    """An article's text as a Document: HTML (``html``, or text that looks like it) reduced to Markdown.

    Raises:
        InputError: the article is empty.
    """
    if html or looks_like_html(text):
        text = html_to_markdown(text)
    if not text.strip():
        raise InputError(f"{name}: the article is empty (nothing but whitespace)")
    return Document(id=doc_id, text=text)


# --- links -----------------------------------------------------------------------

# The schemes a written link may have: an allowlist, so javascript:, vbscript:, data:, file:
# and whatever a browser runs next stay out. Targets without a scheme (relative, "#part") are
# kept as text, not links: they point into the article's own site, not beside the output.
LINK_SCHEMES = ("http", "https", "mailto")
# What a written target keeps as it is: RFC 3986's reserved and unreserved characters, and
# "%" so an escape isn't escaped twice. Everything else (spaces, < > " ( ) `, backslashes,
# controls, non-ASCII as UTF-8) is percent-encoded, so a target can't end a Markdown link or
# autolink, open a code span, or open an HTML tag or attribute (markdown-it's normalizeLink
# encodes the same way).
_URL_SAFE = "/:?#[]@!$&'*+,;=%~"
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark 2.4: any ASCII punctuation
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SCHEME_NAME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")


def _scheme(url: str) -> str | None:
    """The scheme a browser could see in ``url`` (lowercase), or None for a relative target.

    Controls and blanks anywhere are left out first: browsers drop tabs and newlines inside
    a URL and blanks around it, so ``java\tscript:`` and `` javascript:`` are javascript:.
    Whatever precedes the first ":" before any "/", "?" or "#" is a scheme (an invalid
    one, as in ``10:30``, too: it is returned as written, and allowed nowhere).
    """
    squashed = "".join(c for c in url if not unicodedata.category(c).startswith(("C", "Z")))
    head = re.split(r"[/?#]", squashed, maxsplit=1)[0]
    return head.partition(":")[0].lower() if ":" in head else None


def _decoded(target: str) -> str:
    """A link destination as CommonMark reads it (backslash escapes, then character references
    ending in ";"), without the blanks and controls around it or tabs and newlines inside it
    (as browsers read it)."""
    url = _ENTITY.sub(lambda m: unescape(m.group()), _BACKSLASH_ESCAPE.sub(r"\1", target))
    return re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))


def link_target(target: str) -> str | None:
    """``target`` as it is safe to write in Markdown, JSON and HTML, or None where its scheme isn't allowed.

    The target is decoded (``_decoded``), then percent-encoded (``_URL_SAFE``); an "&" that
    would read as a character reference again is encoded too, so the result reads back as
    itself (``link_target(link_target(t)) == link_target(t)``).
    """
    url = _decoded(target)
    scheme = _scheme(url)
    if scheme is not None and scheme not in LINK_SCHEMES:
        return None
    return _ENTITY.sub(lambda m: "%26" + m.group()[1:], quote(url, safe=_URL_SAFE))


def is_absolute(target: str) -> bool:
    """Whether a target ``link_target`` returned is a link to follow (http, https, mailto), not a relative one."""
    return re.match(r"(?:https?|mailto):", target, re.IGNORECASE) is not None


def _dropped(scheme: str | None) -> str:
    # The scheme is named only when it is a valid name: the warning is written into the
    # outputs, and an invalid "scheme" can hold anything, markup included.
    named = f"{scheme!r}" if scheme and _SCHEME_NAME.fullmatch(scheme) else "that isn't valid"
    return f"its target has a scheme {named}, and only {', '.join(LINK_SCHEMES)} links are written"


def safe_links(doc: Document) -> Document:
    """``doc`` with every link target as ``link_target`` writes it, and links it refuses dropped.

    A dropped link keeps its text in the translation, and a warning on the document names
    it. Inline markup put back into a translation (``Segment.markup``) with a link whose
    scheme isn't allowed is dropped for that segment, which is then written plain. Applied
    by each writer (Markdown, JSON, the reading view) and by ``summarize_files`` before them,
    so the warning is shown: a second pass finds nothing to change.
    """
    warnings: list[str] = []
    paragraphs = []
    for para in doc.paragraphs:
        links = []
        for label, target in para.links:
            safe = link_target(target)
            if safe is None:
                why = _dropped(_scheme(_decoded(target)))
                warnings.append(f"links: paragraph {para.index}: link {label!r} dropped: {why}")
            else:
                links.append((label, safe))
        paragraphs.append(para if tuple(links) == para.links else replace(para, links=tuple(links)))
    segments = []
    for seg in doc.segments:
        refused = _refused_markup_link(seg.markup) if seg.markup is not None and ":" in seg.markup else None
        if refused is not None:
            warnings.append(f"links: segment {seg.index}: markup dropped, the sentence is written plain: {refused}")
            seg = replace(seg, markup=None)
        segments.append(seg)
    if tuple(paragraphs) == doc.paragraphs and not warnings:
        return doc
    return replace(doc, paragraphs=tuple(paragraphs), segments=tuple(segments), warnings=(*doc.warnings, *warnings))


def _refused_markup_link(markup: str) -> str | None:
    """Why a link of a translation's inline markup can't be written, or None when all can."""
    from pipeline.inline import read  # markdown-it, as the markup was read and is read back

    for span in read(markup)[1]:
        if span.kind == "link" and link_target(span.target) is None:
            return _dropped(_scheme(_decoded(span.target)))
    return None


# --- writing ---------------------------------------------------------------------


def title_of(doc: Document) -> str:
    """The translated title (the opening heading), else the document id."""
    title = doc.title_paragraph
    if title is not None:
        seg = doc.segments_of(title.index)
        if seg and seg[0].translation:
            return seg[0].translation
    return doc.id


def _rendered(segments: tuple[Segment, ...]) -> str:
    """The translations of a paragraph's segments, each with its inline markup when it has some."""
    return " ".join(s.markup if s.markup is not None else s.translation or "" for s in segments).strip()


def _render_block(doc: Document, para: Paragraph, heading_shift: int) -> str:
    if para.kind == "code":  # verbatim: not stripped, and fenced longer than any backtick run inside
        code = "\n".join(s.translation or s.source for s in doc.segments_of(para.index))
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", code)), default=0))
        return f"{fence}\n{code}\n{fence}"
    text = _rendered(doc.segments_of(para.index))
    if para.emphasis and text:
        text = f"{para.emphasis}{text}{para.emphasis}"
    if para.kind == "heading":
        return "#" * min(6, para.level + heading_shift) + " " + text
    if para.kind == "list_item":
        return "  " * para.level + f"{para.marker or '-'} {text}"
    if para.kind == "quote":
        return f"> {text}"
    return text


def _cell_text(doc: Document, para: Paragraph) -> str:
    text = _rendered(doc.segments_of(para.index))
    if para.emphasis and text:
        text = f"{para.emphasis}{text}{para.emphasis}"
    return text.replace("|", "\\|").replace("\n", " ")


_DELIMITERS = {"": "---", "left": ":---", "center": ":---:", "right": "---:"}


def _tables(doc: Document) -> dict[int, str]:
    """Each table of the document rebuilt as a GFM table of translated cells, by table number."""
    cells: dict[int, dict[tuple[int, int], Paragraph]] = {}
    for para in doc.paragraphs:
        if para.cell is not None:
            cells.setdefault(para.cell.table, {})[(para.cell.row, para.cell.column)] = para
    tables = {}
    for number, table in cells.items():
        rows = 1 + max(r for r, _ in table)
        columns = 1 + max(c for _, c in table)
        lines = []
        for r in range(rows):
            texts = [_cell_text(doc, table[(r, c)]) if (r, c) in table else "" for c in range(columns)]
            lines.append("| " + " | ".join(texts) + " |")
            if r == 0:
                aligns = [table[(0, c)].cell.align if (0, c) in table else "" for c in range(columns)]  # type: ignore[union-attr]
                lines.append("| " + " | ".join(_DELIMITERS.get(a, "---") for a in aligns) + " |")
        tables[number] = "\n".join(lines)
    return tables


def render_translation(doc: Document, heading_shift: int = 0) -> str:
    """The translation in the article's layout: headings, list items, quotes, code, paragraphs.

    The opening heading is left out: it is the output's title.
    """
    title = doc.title_paragraph
    out = ""
    previous = None
    tables = _tables(doc)
    for para in doc.paragraphs:
        if title is not None and para.index == title.index:
            continue
        if para.cell is not None:
            if para.cell.row or para.cell.column:
                continue  # the table is written at its first cell
            block = tables[para.cell.table]
        else:
            block = _render_block(doc, para, heading_shift)
        # Consecutive list items form one list: no blank line between them.
        sep = "\n" if para.kind == previous == "list_item" else "\n\n"
        out = f"{out}{sep}{block}" if out else block
        previous = para.kind
    return out


def render_markdown(doc: Document) -> str:
    """Title, summary, then the full translation in its paragraphs; then links and warnings.

    Link targets are written as ``safe_links`` leaves them: an autolink for http, https and
    mailto, a code span for a relative target (percent-encoded, neither can hold a "<" or
    a backtick to break out of); "<" in link texts and warnings is escaped, so no raw HTML
    reaches a Markdown renderer from them.
    """
    doc = safe_links(doc)
    summary = doc.summary or "_(no summary)_"
    if doc.failure is not None and doc.summary is None:
        summary = f"_(no summary: the {doc.failure.stage} stage failed, see Warnings)_"
    parts = [
        f"# {title_of(doc)}",
        "## Summary",
        summary,
        "## Translation",
        render_translation(doc, heading_shift=1),
    ]
    # Links put back in their sentences need no list; the others (markup off) are listed.
    inline = {s.paragraph for s in doc.segments if s.markup is not None}
    links = [link for para in doc.paragraphs if para.index not in inline for link in para.links]
    if links:  # the translation keeps each link's text, not its target
        parts += ["## Links", "\n".join(f"- {_escape_tags(label)}: {_target_markdown(t)}" for label, t in links)]
    if doc.warnings:
        parts += ["## Warnings", "\n".join(f"- {_escape_tags(w)}" for w in doc.warnings)]
    return "\n\n".join(parts) + "\n"


def _escape_tags(text: str) -> str:
    """``text`` with each "<" backslash-escaped: CommonMark then shows it, and never reads a tag there."""
    return text.replace("<", "\\<")


def _target_markdown(target: str) -> str:
    """A safe target (``link_target``) in Markdown: an autolink to follow, or a relative one as code."""
    return f"<{target}>" if is_absolute(target) else f"`{target}`"


def to_record(
    doc: Document,
    *,
    models: list[dict[str, Any]],
    config: dict[str, Any],
    versions: dict[str, str],
    signature: str,
) -> dict[str, Any]:
    """Everything about one processed article, as JSON-ready data.

    ``signature`` is the output signature (``pipeline.signature``); stage annotations
    are listed only when a stage made some, on the article and on its segments; and
    ``failure`` (stage, code, message) only when a stage failed on the article. Links are
    as ``safe_links`` leaves them.
    """
    doc = safe_links(doc)
    record = {
        "id": doc.id,
        "title": title_of(doc),
        "summary": doc.summary,
        "summary_chunks": doc.summary_chunks,
        "segments": [
            {
                "index": s.index,
                "paragraph": s.paragraph,
                "kind": doc.paragraphs[s.paragraph].kind,
                "source": s.source,
                "translation": s.translation,
                "flags": list(s.flags),
                **({"markup": s.markup} if s.markup is not None else {}),
                **({"annotations": s.annotations} if s.annotations else {}),
            }
            for s in doc.segments
        ],
        "paragraphs": [
            {
                "index": p.index,
                "kind": p.kind,
                "level": p.level,
                "marker": p.marker,
                "emphasis": p.emphasis,
                "links": [{"text": label, "url": target} for label, target in p.links],
                **({"cell": asdict(p.cell)} if p.cell is not None else {}),
            }
            for p in doc.paragraphs
        ],
        "encoding": doc.encoding,
        "signature": signature,
        "models": models,
        "config": config,
        "versions": versions,
        "timings": doc.timings,
        "warnings": list(doc.warnings),
    }
    if doc.annotations:
        record["annotations"] = doc.annotations
    if doc.failure is not None:
        record["failure"] = {"stage": doc.failure.stage, "code": doc.failure.code, "message": doc.failure.message}
    return record


def render_json(doc: Document, **meta: Any) -> str:
    return json.dumps(to_record(doc, **meta), ensure_ascii=False, indent=2) + "\n"


# Outputs are named <article>.en.<format>, so an output written beside its French source
# (--out the folder the article is in) can't take the source's name: article.md gives
# article.en.md, page.html page.en.html. ``api.summarize_files`` also skips any name that is
# an input already (article.en.md given as an input, or a link to one).
OUTPUT_TAG = ".en"


def output_suffix(format: str) -> str:
    """The end of an output's name in ``format`` (md, json, html): ``.en.md``."""
    return f"{OUTPUT_TAG}.{format}"


def unique_name(stem: str, taken: set[str], suffix: str = "") -> str:
    """``stem + suffix``, or ``stem-2 + suffix``, ``stem-3``... : the first not in ``taken`` (then added)."""
    name, n = f"{stem}{suffix}", 2
    while name in taken:
        name, n = f"{stem}-{n}{suffix}", n + 1
    taken.add(name)
    return name
