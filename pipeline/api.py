"""``summarize_files``: articles in, rendered translations and summaries out (``precis summarize``).

The CLI parses arguments and turns errors into exit codes; reading the articles,
running the pipeline, rendering each output and naming the files live here, so the
same run is one call from Python.
"""

from __future__ import annotations

import json
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
) -> SummarizeResult:
    """Translate and summarize the articles at ``paths`` ("-" is standard input).

    Each article succeeds or fails on its own: one that can't be read, or that a stage
    fails on, is reported (``on_error``) and the others go on.

    Args:
        out: write one file per article into this folder (``<id>.md|.json``, made unique);
            it is checked before any work is done.
        progress, on_stage: passed to the pipeline (a long stage's progress, each stage's time).
        on_error: called with each article that can't be read or processed, as it is met.
        on_ready: called as ``on_ready(seconds, articles)`` once the models are loaded.

    Raises:
        OutputError: ``out`` is a file, or can't be created or written (before any work),
            or an output can't be written (a full disk).
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
            docs.append(io.read_article(path))
            names.append("<stdin>" if path == "-" else path)
        except InputError as exc:
            result.unreadable.append(exc)
            report(exc)
    if not docs:
        return result
    start = time.perf_counter()
    pipeline = Pipeline(config, progress=progress)
    result.models_s = time.perf_counter() - start
    if on_ready is not None:
        on_ready(result.models_s, len(docs))
    meta = pipeline.meta()
    taken: set[str] = set()
    for doc, name in zip(pipeline.run(docs, on_stage=on_stage), names, strict=True):
        if doc.failure is not None and not doc.translated:
            error = _error_of(doc, name)
            result.failed.append(error)
            report(error)
            continue
        text = render(doc, format, meta)
        result.docs.append(doc)
        result.rendered.append(text)
        if out is not None:
            target = out / io.unique_name(doc.id, taken, f".{format}")
            write_atomic(target, text.encode("utf-8"))
            result.written.append(target)
    return result


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
