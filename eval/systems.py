"""The systems an eval report compares, and how their outputs are produced.

- ``run_pipeline``: a pipeline config run over the eval set, one article at a time so
  that each article's time per stage is its own;
- ``run_baseline``: lead-k or the centroid extractive baseline, on the translation of a
  pipeline system (so baselines show where models stand on the same translation);
- ``read_predictions``: outputs someone else produced, from a file; no model is loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eval import faithfulness
from eval.datasets import EvalItem
from pipeline.document import Document
from pipeline.errors import InputError

BASELINES = ("lead", "centroid")


@dataclass
class SystemOutput:
    """One system's outputs on the eval set, in the eval set's order."""

    name: str
    kind: str  # "pipeline", "baseline" or "predictions"
    summaries: list[str]
    translations: list[str] | None = None  # full English translation per article
    translation_of: str | None = None  # the system whose translation a baseline reuses
    models: list[dict[str, Any]] = field(default_factory=list)
    config: dict[str, Any] | None = None
    signature: str | None = None  # the output signature (pipeline.signature) of a pipeline system
    timings: list[dict[str, float]] = field(default_factory=list)  # per article: seconds per stage
    tokens: list[dict[str, int]] = field(default_factory=list)  # per article: tokens each stage read
    warnings: list[list[str]] = field(default_factory=list)
    # Flagged shares (eval.faithfulness): None where the system's outputs carry no checks.
    faithfulness: dict[str, Any] | None = None


def _translation_text(doc: Document) -> str:
    return "\n".join(
        " ".join(s.translation or "" for s in doc.segments_of(p.index)).strip()
        for p in doc.paragraphs
        if p.kind != "code"
    )


def run_pipeline(
    name: str, config_path: str | None, items: list[EvalItem], overrides: list[str] | tuple[str, ...] = ()
) -> tuple[SystemOutput, list[Document]]:
    """Run a pipeline config over the eval set; return its outputs and the translated documents."""
    from pipeline import config as config_mod
    from pipeline.runner import Pipeline

    cfg = config_mod.load(config_path, overrides)
    pipeline = Pipeline(cfg)
    stages = dict(pipeline.stages)
    out = SystemOutput(name, "pipeline", [], [], models=pipeline.models(), config=cfg.to_dict())
    out.signature = str(pipeline.signature)
    docs = []
    for item in items:
        (doc,) = pipeline.run([Document(item.id, item.source)])
        docs.append(doc)
        out.summaries.append(doc.summary or "")
        out.translations.append(_translation_text(doc))
        out.timings.append(dict(doc.timings))
        out.tokens.append(_tokens_read(doc, stages))
        out.warnings.append(list(doc.warnings))
    out.faithfulness = faithfulness.of_documents(docs)
    return out, docs


def _tokens_read(doc: Document, stages: dict[str, Any]) -> dict[str, int]:
    """Tokens each model stage read for this article, counted with that stage's tokenizer."""
    tokens = {}
    translate = stages.get("translate")
    if translate is not None and translate.needs_model:
        tokens["translate"] = sum(translate.model.count_tokens([s.source for s in doc.to_translate()]))
    summarize = stages.get("summarize")
    if summarize is not None and summarize.needs_model:
        tokens["summarize"] = sum(summarize.model.count_tokens(doc.body_translation()))
    return tokens


def run_baseline(kind: str, k: int, base: SystemOutput, docs: list[Document]) -> SystemOutput:
    """A model-free summarizer applied to the translation ``base`` produced."""
    import time

    from pipeline import registry

    if kind not in BASELINES:
        raise InputError(f"unknown baseline {kind!r}; valid: {', '.join(BASELINES)}")
    cls = registry.get("summarize", kind)
    stage = cls(cls.Config(k=k))
    # The translation is base's: scored once, under base's name.
    out = SystemOutput(f"{kind}-{k}", "baseline", [], translation_of=base.name)
    out.config = {"summarize": {"name": kind, "k": k}}
    for doc in docs:
        start = time.perf_counter()
        summary = stage(replace(doc, summary=None)).summary or ""
        out.summaries.append(summary)
        out.timings.append({"summarize": round(time.perf_counter() - start, 6)})
        out.tokens.append({})
        out.warnings.append([])
    out.faithfulness = faithfulness.of_summaries(out.summaries, docs)
    return out


def read_texts(path: str, fields: tuple[str, ...]) -> list[str]:
    """Texts from a file: one per line, or JSONL with the text in the first of ``fields`` present.

    In JSONL a text may hold newlines (one sentence per line, for rougeLsum).

    Raises:
        InputError: naming the file: missing, not UTF-8 text, no text at all, a bad JSONL line.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such file")
    try:
        data = p.read_bytes()
        if b"\x00" in data:
            raise InputError(f"{path}: looks like a binary file (NUL bytes), not one text per line")
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: byte 0x{data[exc.start]:02x} at offset {exc.start} is not valid UTF-8") from None
    except OSError as exc:
        raise InputError(f"{path}: can't be read ({exc.strerror})") from None
    if not any(line.strip() for line in lines):
        raise InputError(f"{path}: is empty: expected one text per line (or JSONL)")
    if p.suffix.lower() != ".jsonl":
        return lines
    texts = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
        if isinstance(row, str):
            texts.append(row)
            continue
        found = next((f for f in fields if isinstance(row, dict) and f in row), None)
        if found is None:
            raise InputError(f"{path}:{n}: no field among {', '.join(fields)}")
        texts.append(str(row[found]))
    return texts


def read_predictions(path: str) -> SystemOutput:
    return SystemOutput(Path(path).stem, "predictions", read_texts(path, ("summary", "prediction", "text")))
