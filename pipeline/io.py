"""Reading articles (Markdown, text, HTML; UTF-8 or Windows-1252) and writing outputs.

Reading validates at the boundary: a missing file, bytes that aren't text, text that
decodes in no supported encoding, or an empty article raise InputError with the file
named. HTML is reduced to Markdown by ``pipeline.html_input``.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from pipeline.document import Document, Paragraph, Segment
from pipeline.errors import InputError
from pipeline.html_input import html_to_markdown, looks_like_html

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass(frozen=True)
class Decoded:
    """An article's text, the encoding it was read in, and what the reader should know about it."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


# At most this many offsets of invalid bytes are named in the warning (the count has them all).
MAX_OFFSETS_NAMED = 5


def decode(data: bytes, name: str) -> Decoded:
    """Decode an article's bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    A few invalid bytes in UTF-8 text (more valid multi-byte characters than invalid
    bytes) don't turn the whole article into Windows-1252 mojibake: they are replaced
    with U+FFFD and a warning names their offsets. Text with invalid bytes and no valid
    multi-byte character is read as Windows-1252, a superset of latin-1's printable
    characters that adds the œ, €, ’ and « » French text in that encoding uses; bytes it
    leaves undefined are C1 control codes, which no French text contains, so they mean
    the file is not cp1252 text.

    Raises:
        InputError: binary data, or bytes valid in none of these encodings.
    """
    warnings: tuple[str, ...] = ()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = data.decode("utf-16"), "utf-16"
    elif b"\x00" in data:
        raise InputError(f"{name}: looks like a binary file (NUL bytes), not a text article")
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            text, encoding, warnings = _decode_damaged(data, name)
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f")
    if controls > max(3, len(text) // 100):
        raise InputError(f"{name}: {controls} control characters: looks like a binary file, not a text article")
    return Decoded(text, encoding, warnings)


def _decode_damaged(data: bytes, name: str) -> tuple[str, str, tuple[str, ...]]:
    """Bytes that aren't valid UTF-8: UTF-8 with a few bad bytes replaced, or Windows-1252."""
    bad: list[int] = []
    pos = 0
    while True:  # the offsets of the invalid bytes, one error at a time
        try:
            data[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            bad.append(pos + exc.start)
            pos += exc.end
    text = data.decode("utf-8-sig", errors="replace")
    multibyte = sum(1 for c in text if ord(c) > 0x7F and c != "\ufffd")
    if multibyte >= len(bad):
        named = ", ".join(map(str, bad[:MAX_OFFSETS_NAMED])) + (", ..." if len(bad) > MAX_OFFSETS_NAMED else "")
        return text, "utf-8", (
            f"input: {len(bad)} byte(s) of {name} are not valid UTF-8 (offsets {named}); "
            f"each was replaced with U+FFFD",
        )
    try:
        return data.decode("cp1252"), "cp1252", ()
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid UTF-8 or "
            f"Windows-1252 (latin-1); re-save the file as UTF-8"
        ) from None


def read_article(path: str) -> Document:
    """Read one article from a file path, or from standard input when ``path`` is "-".

    Raises:
        InputError: missing or unreadable file, binary or undecodable bytes, empty article.
    """
    if path == "-":
        name, doc_id = "<stdin>", "stdin"
        data = sys.stdin.buffer.read()
    else:
        p = Path(path)
        name, doc_id = path, p.stem
        if not p.exists():
            raise InputError(f"{path}: no such file")
        if p.is_dir():
            raise InputError(f"{path}: is a directory, not an article file")
        try:
            data = p.read_bytes()
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
    """Title, summary, then the full translation in its paragraphs."""
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
        parts += ["## Links", "\n".join(f"- {label}: <{target}>" for label, target in links)]
    if doc.warnings:
        parts += ["## Warnings", "\n".join(f"- {w}" for w in doc.warnings)]
    return "\n\n".join(parts) + "\n"


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
    ``failure`` (stage, code, message) only when a stage failed on the article.
    """
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


def unique_name(stem: str, taken: set[str], suffix: str = "") -> str:
    """``stem + suffix``, or ``stem-2 + suffix``, ``stem-3``... : the first not in ``taken`` (then added)."""
    name, n = f"{stem}{suffix}", 2
    while name in taken:
        name, n = f"{stem}-{n}{suffix}", n + 1
    taken.add(name)
    return name
