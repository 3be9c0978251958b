"""One variant's timed work, each in its own process, so peak memory and thread settings are its own.

A worker reads the bench's spec (models, sentences, articles, device, threads) and returns
its timings, the token ids of its outputs (for the agreement check) and what it ran on.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.bench.data import ROOT, english_doc
from eval.bench.lineup import BASELINES, DIRECT, fixed_length_summarizer, fixed_length_translator, paired_variant
from eval.bench.measures import peak_mb


def run_worker(task: str, variant: str, spec_file: Path, inline: bool = False) -> dict[str, Any]:
    """Run one variant in its own process (its own peak memory), or in this one (quick mode)."""
    if inline:
        result = work(task, variant, json.loads(spec_file.read_text(encoding="utf-8")))
        return json.loads(json.dumps(result))  # the same key types as through a file
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    cmd = [sys.executable, "-m", "eval.bench", "--worker", task, variant, str(spec_file), str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{task}/{variant} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(out.read_text())
    out.unlink()
    return result


def work(task: str, variant: str, spec: dict[str, Any]) -> dict[str, Any]:
    """One variant of ``task`` ("translate" or "summarize"), timed on this process's threads."""
    import torch

    torch.set_num_threads(spec["threads"])
    return (worker_translate if task == "translate" else worker_summarize)(variant, spec)


def worker_translate(variant: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Translate every sentence: the naive baseline, or precis's stage (and CTranslate2 called directly)."""
    from eval.bench.direct import reference

    sentences, stage = spec["sentences"], None
    if variant == BASELINES["translate"]:
        model = _naive_model(spec)
        runs = {"precis": lambda texts: naive_translate(model, texts)}
    else:
        stage = fixed_length_translator(variant, spec)
        model = stage.model.wrapped
        runs = {"precis": lambda texts: precis_translate(stage, texts)}
        if variant == paired_variant(spec["device"]) and spec.get("direct", True):
            runs["direct"] = reference(stage, model, spec["marian"], spec["threads"])
    lengths = model.count_tokens(sentences)
    runs["precis"](sentences[:4])  # warm-up
    timings, outputs = alternate(runs, sentences, spec["repeats"] if "direct" in runs else 1)
    result = _translation_result(variant, timings["precis"], outputs["precis"], lengths, model)
    if stage is not None:
        result["batch_limits"] = {"tokens": stage.batch_tokens, "sentences": stage.max_batch_size}
    if "direct" in runs:
        result["direct"] = _translation_result(DIRECT, timings["direct"], outputs["direct"], lengths, model)
    if variant in ("precis-default", "transformers-fp32"):
        result["greedy_batched_equals_single"] = _greedy_equivalence(model, sentences[: spec["greedy_check"]])
    return result


def _naive_model(spec: dict[str, Any]) -> Any:
    from models import loading

    return loading.load(spec["marian"], device=spec["device"], dtype="float32", backend="transformers")


def naive_translate(model: Any, texts: list[str]) -> list[list[int]]:
    """What a user would write: one ``generate()`` per sentence, one output token per source token."""
    from models.backends import GenerationSettings

    return [
        model.generate_ids([t], GenerationSettings(max_new_tokens=n, min_new_tokens=n, num_beams=4))[0]
        for t, n in zip(texts, model.count_tokens(texts), strict=True)
    ]


def precis_translate(stage: Any, texts: list[str]) -> list[list[int]]:
    """precis's own path (plan, concurrent batches, order restored); the ids its model recorded."""
    stage.translate(texts)
    return stage.model.take(texts)


def alternate(
    runs: dict[str, Callable[[list[str]], list[list[int]]]], texts: list[str], repeats: int
) -> tuple[dict[str, list[float]], dict[str, list[list[int]]]]:
    """Seconds of each run on ``texts``, the runs alternating ``repeats`` times, and each one's last outputs."""
    timings: dict[str, list[float]] = {name: [] for name in runs}
    outputs: dict[str, list[list[int]]] = {}
    for _ in range(repeats):
        for name, fn in runs.items():
            start = time.perf_counter()
            outputs[name] = fn(texts)
            timings[name].append(time.perf_counter() - start)
    return timings, outputs


def _translation_result(
    variant: str, seconds: list[float], ids: list[list[int]], lengths: list[int], model: Any
) -> dict[str, Any]:
    return {
        "variant": variant,
        "seconds": statistics.median(seconds),
        "all_seconds": seconds,
        "source_tokens": sum(lengths),
        "generated_tokens": sum(lengths),  # fixed: one per source token (padding work not counted)
        "peak_mb": peak_mb(),
        "dtype": model.dtype,
        "backend": model.backend,
        "ids": ids,
    }


def _greedy_equivalence(model: Any, sentences: list[str]) -> dict[str, int]:
    """How many sentences decode greedily to the same tokens batched as one by one."""
    from models.backends import GenerationSettings

    settings = GenerationSettings(max_new_tokens=24, min_new_tokens=24, num_beams=1)
    batched = model.generate_ids(sentences, settings)
    single = [model.generate_ids([s], settings)[0] for s in sentences]
    return {"equal": sum(a == b for a, b in zip(batched, single, strict=True)), "total": len(sentences)}


def worker_summarize(variant: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Summarize the first article (and, for the flatness variant, every length) with one variant."""
    results: dict[str, Any] = {"variant": variant}
    if variant == BASELINES["summarize"]:
        model = _summarize_baseline(spec, results)
    else:
        model = _summarize_precis(variant, spec, results)
    results.update(peak_mb=peak_mb(), dtype=model.dtype, backend=model.backend)
    return results


def _summarize_baseline(spec: dict[str, Any], results: dict[str, Any]) -> Any:
    """A plain ``generate()`` in fp32 with distilbart-cnn's published settings (which precis uses too)."""
    from models import loading
    from models.backends import GenerationSettings
    from pipeline.summarize import Seq2SeqSummarizerConfig

    n, first = spec["summary_tokens"], spec["article_tokens"][0]
    model = loading.load(spec["bart"], device=spec["device"], dtype="float32", backend="transformers")
    c = Seq2SeqSummarizerConfig()
    settings = GenerationSettings(n, n, c.num_beams, c.length_penalty, c.no_repeat_ngram_size)
    text = spec["articles"][str(first)]
    model.generate_ids([text], settings)  # warm-up
    start = time.perf_counter()
    ids = model.generate_ids([text], settings)
    results.update(seconds={first: time.perf_counter() - start}, ids=ids)
    return model


def _summarize_precis(variant: str, spec: dict[str, Any], results: dict[str, Any]) -> Any:
    """precis's summarize stage on whole documents, at each article length its variant is timed on."""
    stage = fixed_length_summarizer(variant, spec)
    model, first = stage.model, spec["article_tokens"][0]
    article = spec["articles"][str(first)]
    stage.chunk([article])  # tokenizer warm-up
    model.generate_ids([article], stage.settings())  # warm-up
    seconds, chunks = {}, {}
    for tokens in spec["article_tokens"] if variant == spec["flat_variant"] else [first]:
        doc = english_doc(spec["articles"][str(tokens)])
        times: list[float] = []
        # median of up to `repeats` runs, repeated while they take under a minute in all
        while not times or (len(times) < spec["repeats"] and sum(times) < 60):
            start = time.perf_counter()
            out = stage(doc)
            times.append(time.perf_counter() - start)
        seconds[tokens] = statistics.median(times)
        chunks[tokens] = out.summary_chunks
    results.update(seconds=seconds, chunks=chunks, ids=model.generate_ids([article], stage.settings()))
    return model
