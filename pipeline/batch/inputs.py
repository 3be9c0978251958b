"""Where a batch job's articles come from, and reading one with every check.

An input is a folder of article files, a JSONL file (one ``{"id", "text", "metadata"}``
object a line), or a text file listing article paths one a line. Listing an input
yields ``Item``s: where each article is, never its text, so a run over thousands of
articles holds only the few it is working on. ``read`` turns an item into an
``Article`` or raises an InputError (or a subclass) that names the article and why:
too large, not a regular file, unreadable, binary or undecodable, empty, or not valid
JSON. (An article in another language is refused by the segment stage, as in
``precis summarize``.)

What a folder holds besides articles is skipped, never read, and listed with the reason
(``Skipped``): other suffixes, hidden files, FIFOs, sockets and devices (opening a FIFO
would wait for a writer forever), symbolic links that lead out of the folder (unless
``Limits.follow_symlinks``), broken links and links that loop.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from pipeline import io
from pipeline.document import Document
from pipeline.errors import ArticleTooLarge, ConfigError, InputError

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".xhtml")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
_READ_CHUNK = 1 << 20
# A lone UTF-16 surrogate: JSON's "\udfff" escape gives one, and no UTF-8 text can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")

# Why an entry of an input folder is skipped: the manifest counts them by these reasons.
NOT_AN_ARTICLE = "not an article (.md, .txt or .html)"
HIDDEN = "hidden"
OUTSIDE = "symlink out of the input folder (--follow-symlinks follows it)"
BROKEN = "broken symlink"
LOOP = "symlink loop"
OUT_FOLDER = "the --out folder"
UNREADABLE = "can't be listed"
_SPECIAL = {
    stat.S_IFIFO: "FIFO",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
}


@dataclass(frozen=True)
class Item:
    """One article of an input, before it is read.

    Attributes:
        source: where it is, for people: a path, or ``file.jsonl:LINE`` (bytes of a
            file name that aren't UTF-8 shown as ``\\xNN``).
        path: the file to read.
        id: the article id when the listing knows it (files); None for JSONL lines.
        offset, length: the line's bytes in a JSONL file; -1 for a whole file.
    """

    source: str
    path: str
    id: str | None = None
    offset: int = -1
    length: int = -1


class Skipped(NamedTuple):
    """An entry of an input folder that is not an article: its path, why, and what more there is to say."""

    path: str
    reason: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.path} ({self.reason}{': ' + self.detail if self.detail else ''})"


@dataclass(frozen=True)
class Limits:
    """What a batch job accepts.

    Attributes:
        max_bytes: articles larger than this (bytes as stored) are rejected.
        follow_symlinks: follow symbolic links of an input folder wherever they lead;
            False: only those that stay inside the folder (a link to ``~/.ssh`` or
            ``/etc`` must not become an article whose text is published).
    """

    max_bytes: int = 1_000_000
    follow_symlinks: bool = False


@dataclass(frozen=True)
class Article:
    """An article read and checked: its document (id set) and where it came from."""

    item: Item
    doc: Document
    metadata: dict[str, Any] | None = field(default=None)


def kind_of(path: Path) -> str:
    """``folder``, ``jsonl`` or ``list``, by what ``path`` is.

    Raises:
        InputError: the input doesn't exist, or is neither a folder nor a regular file.
    """
    if path.is_dir():
        return "folder"
    if not path.is_file():
        if path.exists():
            raise InputError(
                f"{shown(str(path))}: not a folder or a regular file (a pipe or a device can't be read twice); "
                f"INPUT is a folder, a .jsonl file or a list of paths"
            )
        raise InputError(
            f"{shown(str(path))}: no such file or folder (INPUT is a folder, a .jsonl file or a list of paths)"
        )
    return "jsonl" if path.suffix.lower() in JSONL_SUFFIXES else "list"


def check_out(path: Path, out: Path) -> None:
    """Refuse an output folder that is, or is inside, the input folder, and an input inside the output folder.

    An --out inside the input folder makes every run read the last one's outputs
    (report.html) as articles. An input inside --out is refused too: precis owns that
    folder (it replaces index.jsonl, failures.jsonl, report.html and metrics.prom, and
    removes its temporary files), so a file there can be overwritten by the run that
    reads it, and deleting OUT to start over would delete the articles.

    Raises:
        ConfigError: they overlap (symlinks resolved).
    """
    source, target = Path(os.path.realpath(path)), Path(os.path.realpath(out))
    if source.is_dir() and (target == source or source in target.parents):
        where = "is the input folder" if target == source else f"is inside the input folder {shown(str(path))}"
        raise ConfigError(
            f"--out {shown(str(out))} {where}: every run would read the outputs of the last one as articles; "
            f"give an --out folder outside the input"
        )
    if target in source.parents:
        raise ConfigError(
            f"the input {shown(str(path))} is inside --out {shown(str(out))}: precis rewrites and cleans that "
            f"folder; keep the input outside it"
        )


def list_items(
    path: Path,
    exclude: Path | None = None,
    ignored: list[Skipped] | None = None,
    *,
    follow_symlinks: bool = False,
) -> Iterator[Item]:
    """The articles of an input, in a stable order, without reading them.

    Args:
        path: a folder, a JSONL file, or a file listing article paths.
        exclude: the batch's own output folder: refused where it overlaps the input
            (``check_out``), and never looked into.
        ignored: if given, collects what a folder holds that isn't read (``Skipped``:
            path and reason), so it can be reported rather than silently dropped.
        follow_symlinks: follow a folder's symbolic links wherever they lead (see Limits).

    Raises:
        InputError: the input doesn't exist, or a list file's first line names no file
            (it is probably an article, not a list).
        ConfigError: ``exclude`` overlaps the input (``check_out``).
    """
    kind = kind_of(path)
    if exclude is not None:
        check_out(path, exclude)
    if kind == "folder":
        walk = _Walk(path, exclude, ignored if ignored is not None else [], follow_symlinks)
        yield from walk.items(path, frozenset({_identity(os.stat(path))}))
    elif kind == "jsonl":
        yield from _jsonl_items(path)
    else:
        yield from _list_items(path)


def _identity(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


class _Walk:
    """A folder's articles in a stable order (each folder's files by name, then its subfolders by name).

    ``os.walk`` is not enough: it reports neither a FIFO nor a link that leads out of
    the folder, and skips symlinked subfolders without a word.
    """

    def __init__(self, root: Path, exclude: Path | None, skipped: list[Skipped], follow: bool) -> None:
        self.root = root
        self.top = os.path.realpath(root)
        self.exclude = os.path.realpath(exclude) if exclude is not None else None
        self.skipped = skipped
        self.follow = follow

    def items(self, folder: Path, ancestors: frozenset[tuple[int, int]]) -> Iterator[Item]:
        try:
            names = sorted(entry.name for entry in os.scandir(folder))
        except OSError as exc:
            self.skip(folder, UNREADABLE, exc.strerror or "")
            return
        folders: list[tuple[Path, tuple[int, int]]] = []
        for name in names:
            path = folder / name
            if name.startswith("."):  # .git, editors' swap files
                self.skip(path, HIDDEN)
                continue
            st = self.target(path)
            if st is None:
                continue
            if stat.S_ISDIR(st.st_mode):
                if _identity(st) in ancestors:
                    self.skip(path, LOOP, f"leads back to {shown(os.path.realpath(path))}")
                elif self.exclude is not None and os.path.realpath(path) == self.exclude:
                    self.skip(path, OUT_FOLDER)
                else:
                    folders.append((path, _identity(st)))
            elif not stat.S_ISREG(st.st_mode):
                self.skip(path, _SPECIAL.get(stat.S_IFMT(st.st_mode), "not a regular file"))
            elif path.suffix.lower() not in ARTICLE_SUFFIXES:
                self.skip(path, NOT_AN_ARTICLE)
            else:
                # The id is the path below the input folder without its suffix: unique in the folder.
                doc_id = shown(path.relative_to(self.root).with_suffix("").as_posix())
                yield Item(source=shown(str(path)), path=str(path), id=doc_id)
        for path, identity in folders:
            yield from self.items(path, ancestors | {identity})

    def target(self, path: Path) -> os.stat_result | None:
        """What ``path`` is, its symbolic link followed where that is allowed; None: skipped (and noted)."""
        try:
            st = os.lstat(path)
        except OSError as exc:  # removed since it was listed
            self.skip(path, UNREADABLE, exc.strerror or "")
            return None
        if not stat.S_ISLNK(st.st_mode):
            return st
        try:
            st = os.stat(path)
        except OSError as exc:
            self.skip(path, BROKEN, f"-> {shown(os.readlink(path))} ({exc.strerror})")
            return None
        real = os.path.realpath(path)
        if not self.follow and os.path.commonpath([real, self.top]) != self.top:
            self.skip(path, OUTSIDE, f"-> {shown(real)}")
            return None
        return st

    def skip(self, path: Path, reason: str, detail: str = "") -> None:
        self.skipped.append(Skipped(shown(str(path)), reason, detail))


def shown(path: str) -> str:
    """A path as people (and JSON files) can be shown it: bytes that aren't UTF-8 as ``\\xNN``, NUL as ``\\x00``.

    Python reads such bytes of a file name as lone surrogates (PEP 383), which no UTF-8
    text can hold; shown this way, two different names never look the same.
    """
    try:
        text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no file name gave: not from the file system
        text = path.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00")


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
                    f"{shown(str(listing))}: its first line {shown(name[:60])!r} names no file; a list file holds "
                    f"one article path a line (for articles themselves use a folder, or a .jsonl file)"
                )
            first = False
            yield Item(source=shown(str(path)), path=str(path), id=shown(path.stem))


def _jsonl_items(path: Path) -> Iterator[Item]:
    """One item per non-blank line; lines are located by byte offsets, never held whole."""
    name = shown(str(path))
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
            yield Item(source=f"{name}:{number}", path=str(path), offset=start, length=f.tell() - start)


def read(item: Item, limits: Limits) -> Article:
    """Read one article and check it.

    Raises:
        ArticleTooLarge: over ``limits.max_bytes``.
        InputError: missing, not a regular file (a FIFO, a device), unreadable, binary or
            undecodable, empty, or a JSONL line that isn't a JSON object with a string
            ``id`` and ``text`` (and an object ``metadata``) that UTF-8 can hold.
    """
    if item.offset >= 0:
        return _read_line(item, limits)
    if "\x00" in item.path:  # os.stat would raise ValueError: no file name holds a NUL
        raise InputError(f"{item.source}: a file name can't hold a NUL character; fix the list of paths")
    try:
        st = os.stat(item.path)
    except OSError:
        st = None  # read_article names the problem
    if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        kind = _SPECIAL.get(stat.S_IFMT(st.st_mode), "special file")
        # Reading a FIFO waits for a writer, a device may never end: neither is an article.
        raise InputError(f"{item.source}: a {kind}, not a regular file; not read")
    size = st.st_size if st is not None else 0
    if size > limits.max_bytes:
        raise ArticleTooLarge(f"{item.source}: {size} bytes, over the limit of {limits.max_bytes} (--max-bytes)")
    doc = io.read_article(item.path, max_bytes=limits.max_bytes)
    return Article(item=item, doc=replace(doc, id=item.id or doc.id))


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
    # The id names the result file and the metadata is copied into the index: changed, they
    # would misfile the article, so a lone surrogate there fails it. In the text it is
    # replaced with U+FFFD and a warning, as invalid UTF-8 bytes in an article file are.
    for what, value in (("id", doc_id), ("metadata", json.dumps(metadata, ensure_ascii=False))):
        bad = _SURROGATE.search(value)
        if bad:
            raise InputError(
                f'{item.source}: "{what}" holds a lone surrogate (\\u{ord(bad.group()):04x}), which no UTF-8 '
                f"text can hold; fix that \\u escape (a character outside the BMP is written as a pair)"
            )
    body, warnings = _replace_surrogates(body, item.source)
    doc = replace(
        io.to_document(body, item.source, doc_id), encoding=decoded.encoding, warnings=decoded.warnings + warnings
    )
    return Article(item=replace(item, id=doc_id), doc=doc, metadata=metadata)


def _replace_surrogates(text: str, source: str) -> tuple[str, tuple[str, ...]]:
    """``text`` with each lone surrogate replaced by U+FFFD, and a warning naming their offsets."""
    offsets = [m.start() for m in _SURROGATE.finditer(text)]
    if not offsets:
        return text, ()
    named = ", ".join(map(str, offsets[: io.MAX_OFFSETS_NAMED])) + (
        ", ..." if len(offsets) > io.MAX_OFFSETS_NAMED else ""
    )
    warning = (
        f"input: {len(offsets)} lone surrogate(s) in the text of {source} (character offsets {named}) are not "
        f"text; each was replaced with U+FFFD"
    )
    return _SURROGATE.sub("\ufffd", text), (warning,)
