"""``summarize_files``: articles in, rendered translations and summaries out (``precis summarize``).

The CLI parses arguments and turns errors into exit codes; reading the articles,
running the pipeline, rendering each output and naming the files live here, so the
same run is one call from Python.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pipeline import io
from pipeline.config import Config
from pipeline.document import Document
from pipeline.errors import InputError, OutputError, PrecisError, StageFailed
from pipeline.files import output_folder, write_atomic

Format = Literal["md", "json", "html"]


@dataclass
class SummarizeResult:
    """What a ``summarize_files`` call did.

    Attributes:
        docs: the documents with an output, in the order of their paths: complete, or
            partial (``doc.failure`` set by a stage after translation; the translation is kept).
        rendered: each document's output (Markdown or JSON text), in that order.
        written: the files written with ``out``, in that order; empty otherwise.
        unreadable: an InputError for each path that could not be read.
        failed: an error for each article the pipeline failed on before it was translated
            (refused as not French, a translation that raised); it has no output.
        models_s: seconds spent building the pipeline (loading models).
    """

    docs: list[Document] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    unreadable: list[InputError] = field(default_factory=list)
    failed: list[PrecisError] = field(default_factory=list)
    models_s: float = 0.0

    @property
    def partial(self) -> list[Document]:
        """The documents output without what a failed late stage would have added (their summary)."""
        return [d for d in self.docs if d.failure is not None]

    def combined(self, format: Format) -> str:
        """All outputs as one text for stdout: a JSON array for several JSON records."""
        if format == "json" and len(self.rendered) > 1:
            return json.dumps([json.loads(r) for r in self.rendered], ensure_ascii=False, indent=2) + "\n"
        return "\n---\n\n".join(self.rendered)


def summarize_files(
    paths: list[str],
    config: Config,
    *,
    format: Format = "md",
    out: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    on_stage: Callable[[str, float], None] | None = None,
    on_error: Callable[[PrecisError], None] | None = None,
    on_ready: Callable[[float, int], None] | None = None,
    max_bytes: int = io.MAX_ARTICLE_BYTES,
) -> SummarizeResult:
    """Translate and summarize the articles at ``paths`` ("-" is standard input).

    Each article succeeds or fails on its own: one that can't be read, or that a stage
    fails on, is reported (``on_error``) and the others go on.

    Args:
        out: write one file per article into this folder (``<id>.en.md|.en.json|.en.html``,
            made unique, and never the name of an input: see ``output_paths``); it is
            checked, and the names chosen, before any work is done.
        progress, on_stage: passed to the pipeline (a long stage's progress, each stage's time).
        on_error: called with each article that can't be read or processed, as it is met.
        on_ready: called as ``on_ready(seconds, articles)`` once the models are loaded.
        max_bytes: an article longer than this is refused (ArticleTooLarge, reported with
            ``on_error``), a file, pipe or device read no further than that.

    Raises:
        OutputError: ``out`` is a file, or can't be created or written (before any work),
            or an output can't be written (a full disk), or became an input's file meanwhile.
        ModelUnavailable, ConfigError, StageError: the pipeline can't be built or run.
    """
    from pipeline.runner import Pipeline

    if out is not None:
        output_folder(out)
    elif format == "html" and len(paths) > 1:
        raise OutputError(f"--format html writes one page per article: give --out DIR for {len(paths)} articles")
    result = SummarizeResult()
    report = on_error or (lambda exc: None)
    docs, names = [], []
    for path in paths:
        try:
            docs.append(io.read_article(path, max_bytes=max_bytes))
            names.append("<stdin>" if path == "-" else path)
        except InputError as exc:
            result.unreadable.append(exc)
            report(exc)
    if not docs:
        return result
    inputs = _identities(paths)
    targets = output_paths(out, [doc.id for doc in docs], format, inputs) if out is not None else []
    start = time.perf_counter()
    pipeline = Pipeline(config, progress=progress)
    result.models_s = time.perf_counter() - start
    if on_ready is not None:
        on_ready(result.models_s, len(docs))
    meta = pipeline.meta()
    for i, (doc, name) in enumerate(zip(pipeline.run(docs, on_stage=on_stage), names, strict=True)):
        if doc.failure is not None and not doc.translated:
            error = _error_of(doc, name)
            result.failed.append(error)
            report(error)
            continue
        doc = io.safe_links(doc)  # here, not only in the writer: its warnings are reported with the others
        text = render(doc, format, meta)
        result.docs.append(doc)
        result.rendered.append(text)
        if out is not None:
            target = targets[i]
            if _is_input(target, inputs):  # made a link to an input while the pipeline ran
                raise OutputError(f"{target}: is now one of the input files; precis won't write over an input")
            write_atomic(target, text.encode("utf-8"))
            result.written.append(target)
    return result


def output_paths(out: Path, ids: list[str], format: Format, inputs: set[tuple[int, int]]) -> list[Path]:
    """Where each article's output goes in ``out``: ``<id>.en.<format>``, made unique, never an input.

    The ``.en`` keeps an output from taking its source's name when ``out`` is the
    article's own folder; a name that is an input all the same (``x.en.md`` given beside
    ``x.md``, or a symlink or hard link to an input already there) is passed over for the
    next one (``x-2.en.md``), so writing can never replace an input.

    Args:
        inputs: the (device, inode) of each input file (``_identities``).
    """
    taken: set[str] = set()
    paths = []
    for doc_id in ids:
        target = out / io.unique_name(doc_id, taken, io.output_suffix(format))
        while _is_input(target, inputs):
            target = out / io.unique_name(doc_id, taken, io.output_suffix(format))
        paths.append(target)
    return paths


def _identities(paths: list[str]) -> set[tuple[int, int]]:
    """The (device, inode) of each input that is a file: what makes two paths the same file.

    Compared with ``os.stat``, which follows symlinks, so a symlink to an input, a hard
    link to it, or the same file by another path (``./a.md``, ``dir/../a.md``) all match,
    as ``os.path.samefile`` would.
    """
    found = set()
    for path in paths:
        if path != "-":
            try:
                info = os.stat(path)
            except (OSError, ValueError):
                continue  # a missing input is reported by reading, and can't be written over
            found.add((info.st_dev, info.st_ino))
    return found


def _is_input(target: Path, inputs: set[tuple[int, int]]) -> bool:
    try:
        info = os.stat(target)
    except (OSError, ValueError):
        return False  # nothing there (or a dangling symlink): no input to lose
    return (info.st_dev, info.st_ino) in inputs


def render(doc: Document, format: Format, meta: dict[str, object]) -> str:
    """One article's output: Markdown, JSON (with ``meta``: models, config, signature), or an HTML reading page."""
    if format == "json":
        return io.render_json(doc, **meta)
    if format == "html":
        from pipeline import reading

        return reading.render_html(doc, **meta)
    return io.render_markdown(doc)


def _error_of(doc: Document, name: str) -> PrecisError:
    """The failure of an article that has no output, as an error naming its file, with the failure's code."""
    failure = doc.failure
    assert failure is not None
    error = StageFailed(f"{name}: {failure.message}")
    error.code = failure.code  # E210 for an article refused as not French
    return error
