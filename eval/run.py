"""The two eval modes, as plain functions the CLI calls.

(a) ``evaluate_dataset``: run pipeline configs (plus baselines) over an eval set and
    score them; (b) ``evaluate_predictions``: score existing prediction files against a
    reference file, with no model loaded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from eval import datasets, scoring, systems
from pipeline.errors import InputError
from pipeline.io import unique_name


def _words(markdown: str) -> int:
    return len(re.sub(r"[#*_>\[\]()`-]", " ", markdown).split())


def evaluate_dataset(
    *,
    dataset: str,
    configs: list[str | None],
    split: str = "train",
    columns: datasets.Columns = datasets.Columns(),
    overrides: list[str] | tuple[str, ...] = (),
    baselines: list[str] | tuple[str, ...] = ("lead", "centroid"),
    k: int = 3,
    baseline: str | None = None,
    options: scoring.ScoringOptions = scoring.ScoringOptions(),
) -> dict[str, Any]:
    """Run each config (None: the built-in defaults) over ``dataset`` and score everything."""
    items, digest = datasets.load(dataset, split=split, columns=columns)
    if not items:
        raise InputError(f"dataset {dataset!r} (split {split!r}) is empty")
    if not configs:
        raise InputError("give at least one --config to evaluate (baselines reuse its translation)")
    taken: set[str] = set()
    outputs, base_docs = [], None
    for path in configs:
        name = unique_name(Path(path).stem if path else "default", taken)
        output, docs = systems.run_pipeline(name, path, items, overrides)
        outputs.append(output)
        base_docs = base_docs or docs
    for kind in baselines:
        outputs.append(systems.run_baseline(kind, k, outputs[0], base_docs))
    translations = [i.translation for i in items]
    return scoring.score(
        systems=outputs,
        references=[i.summary for i in items],
        reference_translations=translations if all(translations) else None,
        ids=[i.id for i in items],
        lengths=[_words(i.source) for i in items],
        baseline=baseline or outputs[0].name,
        options=options,
        dataset={"name": dataset, "split": split, "size": len(items), "digest": digest},
    )


def evaluate_predictions(
    *,
    predictions: list[str],
    references: str,
    baseline: str | None = None,
    options: scoring.ScoringOptions = scoring.ScoringOptions(),
) -> dict[str, Any]:
    """Score prediction files (one text per line, or JSONL) against a reference file."""
    refs = systems.read_texts(references, ("reference", "summary", "text"))
    taken: set[str] = set()
    outputs = []
    for path in predictions:
        output = systems.read_predictions(path)
        output.name = unique_name(output.name, taken)
        if len(output.summaries) != len(refs):
            raise InputError(f"{path}: {len(output.summaries)} predictions but {references} has {len(refs)} references")
        outputs.append(output)
    return scoring.score(
        systems=outputs,
        references=refs,
        reference_translations=None,
        ids=[str(i + 1) for i in range(len(refs))],
        lengths=[len(r.split()) for r in refs],
        baseline=baseline or outputs[0].name,
        options=options,
        dataset={"name": references, "size": len(refs), "digest": datasets.digest_texts(refs)},
    )
