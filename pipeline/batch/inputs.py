"""Where a batch job's articles come from, and reading one with every check.

An input is a folder of article files, a JSONL file (one ``{"id", "text", "metadata"}``
object a line), or a text file listing article paths one a line. Listing an input
yields ``Item``s: where each article is, never its text, so a run over thousands of
articles holds only the few it is working on. ``read`` turns an item into an
``Article`` or raises an InputError (or a subclass) that names the article and why:
too large, unreadable, binary or undecodable, empty, or not valid JSON. (An article in
another language is refused by the segment stage, as in ``precis summarize``.)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline import io
from pipeline.document import Document
from pipeline.errors import ArticleTooLarge, InputError

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".xhtml")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class Item:
    """One article of an input, before it is read.

    Attributes:
        source: where it is, for people: a path, or ``file.jsonl:LINE``.
        path: the file to read.
        id: the article id when the listing knows it (files); None for JSONL lines.
        offset, length: the line's bytes in a JSONL file; -1 for a whole file.
    """

    source: str
    path: str
    id: str | None = None
    offset: int = -1
    length: int = -1


@dataclass(frozen=True)
class Limits:
    """What a batch job accepts.

    Attributes:
        max_bytes: articles larger than this (bytes as stored) are rejected.
    """

    max_bytes: int = 1_000_000


@dataclass(frozen=True)
class Article:
    """An article read and checked: its document (id set) and where it came from."""

    item: Item
    doc: Document
    metadata: dict[str, Any] | None = field(default=None)


def kind_of(path: Path) -> str:
    """``folder``, ``jsonl`` or ``list``, by what ``path`` is.

    Raises:
        InputError: the input doesn't exist.
    """
    if path.is_dir():
        return "folder"
    if not path.is_file():
        raise InputError(f"{path}: no such file or folder (INPUT is a folder, a .jsonl file or a list of paths)")
    return "jsonl" if path.suffix.lower() in JSONL_SUFFIXES else "list"


def list_items(path: Path, exclude: Path | None = None, ignored: list[str] | None = None) -> Iterator[Item]:
    """The articles of an input, in a stable order, without reading them.

    Args:
        path: a folder, a JSONL file, or a file listing article paths.
        exclude: a folder never to look into (the batch's own output folder).
        ignored: if given, collects the files of a folder that are skipped because of
            their suffix, so they can be reported rather than silently dropped.

    Raises:
        InputError: the input doesn't exist, or a list file's first line names no file
            (it is probably an article, not a list).
    """
    kind = kind_of(path)
    if kind == "folder":
        yield from _folder_items(path, exclude, ignored)
    elif kind == "jsonl":
        yield from _jsonl_items(path)
    else:
        yield from _list_items(path)


def _folder_items(root: Path, exclude: Path | None, ignored: list[str] | None) -> Iterator[Item]:
    skip = exclude.resolve() if exclude is not None else None
    for folder, dirs, files in os.walk(root):
        # Hidden folders (.git, editors' caches) and the batch's own output are not input.
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (Path(folder, d).resolve() != skip))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder, name)
            if path.suffix.lower() not in ARTICLE_SUFFIXES:
                if ignored is not None:
                    ignored.append(str(path))
                continue
            # The id is the path below the input folder without its suffix: unique in the folder.
            doc_id = path.relative_to(root).with_suffix("").as_posix()
            yield Item(source=str(path), path=str(path), id=doc_id)


def _list_items(listing: Path) -> Iterator[Item]:
    base = listing.parent
    first = True
    with listing.open(encoding="utf-8-sig", errors="replace") as f:
        for line in f:
            name = line.strip()
            if not name or name.startswith("#"):
                continue
            path = Path(name).expanduser()
            if not path.is_absolute():
                path = base / path
            if first and not path.is_file():
                raise InputError(
                    f"{listing}: its first line {name[:60]!r} names no file; a list file holds one article path "
                    f"a line (for articles themselves use a folder, or a .jsonl file)"
                )
            first = False
            yield Item(source=str(path), path=str(path), id=path.stem)


def _jsonl_items(path: Path) -> Iterator[Item]:
    """One item per non-blank line; lines are located by byte offsets, never held whole."""
    with path.open("rb") as f:
        number = 0
        while True:
            start = f.tell()
            piece = f.readline(_READ_CHUNK)
            if not piece:
                return
            number += 1
            blank = not piece.strip()
            while not piece.endswith(b"\n"):  # a line longer than one chunk: find its end
                piece = f.readline(_READ_CHUNK)
                if not piece:
                    break
                blank = False
            if blank:
                continue
            yield Item(source=f"{path}:{number}", path=str(path), offset=start, length=f.tell() - start)


def read(item: Item, limits: Limits) -> Article:
    """Read one article and check it.

    Raises:
        ArticleTooLarge: over ``limits.max_bytes``.
        InputError: missing, unreadable, binary or undecodable, empty, or a JSONL line
            that isn't a JSON object with a string ``id`` and ``text``.
    """
    if item.offset >= 0:
        article = _read_line(item, limits)
    else:
        try:
            size = os.stat(item.path).st_size
        except OSError:
            size = 0  # read_article names the problem
        if size > limits.max_bytes:
            raise ArticleTooLarge(f"{item.source}: {size} bytes, over the limit of {limits.max_bytes} (--max-bytes)")
        doc = io.read_article(item.path)
        article = Article(item=item, doc=replace(doc, id=item.id or doc.id))
    return article


def _read_line(item: Item, limits: Limits) -> Article:
    if item.length > limits.max_bytes:
        raise ArticleTooLarge(
            f"{item.source}: line of {item.length} bytes, over the limit of {limits.max_bytes} (--max-bytes)"
        )
    with open(item.path, "rb") as f:
        f.seek(item.offset)
        data = f.read(item.length)
    decoded = io.decode(data, item.source)
    text = decoded.text
    try:
        row = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{item.source}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(row, dict):
        raise InputError(f"{item.source}: expected a JSON object with id and text, got {type(row).__name__}")
    doc_id, body, metadata = row.get("id"), row.get("text"), row.get("metadata")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise InputError(f'{item.source}: missing or empty "id" (a string or an integer)')
    if not isinstance(body, str):
        raise InputError(f'{item.source}: "text" must be a string, got {type(body).__name__}')
    if metadata is not None and not isinstance(metadata, dict):
        raise InputError(f'{item.source}: "metadata" must be an object, got {type(metadata).__name__}')
    doc = replace(io.to_document(body, item.source, doc_id), encoding=decoded.encoding, warnings=decoded.warnings)
    return Article(item=replace(item, id=doc_id), doc=doc, metadata=metadata)
