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
from pipeline.errors import InputError

Format = Literal["md", "json"]


@dataclass
class SummarizeResult:
    """What a ``summarize_files`` call did.

    Attributes:
        docs: the processed documents, in the order of the paths that could be read.
        rendered: each document's output (Markdown or JSON text), in that order.
        written: the files written with ``out``, in that order; empty otherwise.
        unreadable: an InputError for each path that could not be read.
        models_s: seconds spent building the pipeline (loading models).
    """

    docs: list[Document] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    unreadable: list[InputError] = field(default_factory=list)
    models_s: float = 0.0

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
    on_error: Callable[[InputError], None] | None = None,
    on_ready: Callable[[float, int], None] | None = None,
) -> SummarizeResult:
    """Translate and summarize the articles at ``paths`` ("-" is standard input).

    Args:
        out: write one file per article into this folder (``<id>.md|.json``, made unique).
        progress, on_stage: passed to the pipeline (a long stage's progress, each stage's time).
        on_error: called with each article that can't be read, as it is met.
        on_ready: called as ``on_ready(seconds, articles)`` once the models are loaded.

    Raises:
        ModelUnavailable, ConfigError, StageFailed: the pipeline can't be built or run.
    """
    from pipeline.runner import Pipeline

    result = SummarizeResult()
    docs = []
    for path in paths:
        try:
            docs.append(io.read_article(path))
        except InputError as exc:
            result.unreadable.append(exc)
            if on_error is not None:
                on_error(exc)
    if not docs:
        return result
    start = time.perf_counter()
    pipeline = Pipeline(config, progress=progress)
    result.models_s = time.perf_counter() - start
    if on_ready is not None:
        on_ready(result.models_s, len(docs))
    result.docs = pipeline.run(docs, on_stage=on_stage)
    meta = pipeline.meta()
    result.rendered = [io.render_json(d, **meta) if format == "json" else io.render_markdown(d) for d in result.docs]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        taken: set[str] = set()
        for doc, text in zip(result.docs, result.rendered, strict=True):
            target = out / io.unique_name(doc.id, taken, f".{format}")
            target.write_text(text, encoding="utf-8")
            result.written.append(target)
    return result
