"""The bench's orchestration: build the models, run every variant's worker, derive the ratios; the sweep."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

from eval.bench.data import bench_corpus, english_article, load_articles, sentences_of
from eval.bench.endtoend import SUMMARY_TOKENS, run_endtoend
from eval.bench.lineup import BASELINES, DIRECT, paired_variant, sizes, variants
from eval.bench.measures import agreement, spread
from eval.bench.report import sweep_row, sweep_table
from eval.bench.workers import run_worker


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def setup(args: argparse.Namespace) -> tuple[str, list[str], str, dict[str, str], list[str]]:
    """Device, articles, their description, the built models and the sentences to translate."""
    from models import tiny
    from models.loading import resolve_device

    device = resolve_device(args.device)
    articles, source = load_articles(3 if args.quick else args.articles, args.data)
    corpus = bench_corpus(args.data)
    built = {}
    for kind, size in sizes(args.quick).items():
        if not args.quick:
            size = tiny.Size(**{**size.__dict__, "corpus": str(corpus)})
        log(f"building {kind} ({size.d_model} d_model, vocabulary {size.model_vocab or size.vocab_size})")
        built[kind] = str(tiny.ensure(kind, size))
    sentences = sentences_of(articles)
    return device, articles, source, built, sentences[:6] if args.quick else sentences


def _run(task: str, variant: str, spec: dict[str, Any], inline: bool) -> dict[str, Any]:
    """One worker on ``spec``, passed to it in a temporary JSON file."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(spec, f)
    try:
        return run_worker(task, variant, Path(f.name), inline=inline)
    finally:
        Path(f.name).unlink()


def run_sweep(args: argparse.Namespace) -> str:
    """Translation throughput of precis variants under several batch limits (``--sweep-batches``)."""
    device, _, source, built, sentences = setup(args)
    rows = []
    for variant in args.sweep_variants:
        for limits in args.sweep_batches:
            tokens, size = (int(x) for x in limits.lower().split("x"))
            spec = {
                "marian": built["marian"],
                "sentences": sentences,
                "device": device,
                "threads": args.threads,
                "repeats": 1,
                "greedy_check": 0,
                "direct": False,
                "batch_limits": {"batch_tokens": tokens, "max_batch_size": size},
            }
            log(f"sweep: {variant} at {tokens} tokens / {size} sentences per batch")
            rows.append(sweep_row(variant, _run("translate", variant, spec, inline=args.quick)))
    return sweep_table(rows, source, len(sentences), device, args.threads)


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    """Every variant on this machine, and the report's numbers (``bench.json``)."""
    from pipeline.signature import versions

    device, articles, source, built, sentences = setup(args)
    report: dict[str, Any] = {
        "machine": machine(device, args.threads),
        "versions": versions(),
        "data": {"articles": len(articles), "source": source, "sentences": len(sentences)},
    }
    if args.endtoend == "only":
        report["settings"] = {"beams": 4, "summary_tokens": SUMMARY_TOKENS, "quick": args.quick}
        report["endtoend"] = endtoend(args, articles, built)
        return report
    summary_tokens = 8 if args.quick else 142
    article_tokens = [100, 200, 400] if args.quick else [1000, 5000, 20000]
    spec = {
        "marian": built["marian"],
        "bart": built["bart"],
        "sentences": sentences,
        "device": device,
        "threads": args.threads,
        "repeats": args.repeats,
        "greedy_check": 6 if args.quick else 40,
        "summary_tokens": summary_tokens,
        "article_tokens": article_tokens,
        "articles": {str(n): english_article(n, built["bart"]) for n in article_tokens},
        "flat_variant": "precis-default",
    }
    translate, summarize, failed = run_variants(spec, inline=args.quick)
    paired = paired_variant(device) if DIRECT in translate else None
    translation_ratios(translate, len(articles))
    summary_ratios(summarize, str(article_tokens[0]))
    for r in [*translate.values(), *summarize.values()]:
        del r["ids"]
    report |= {
        "settings": {
            "beams": 4,
            "repeats": args.repeats,
            "summary_tokens": summary_tokens,
            "quick": args.quick,
            "sizes": {k: v.__dict__ for k, v in sizes(args.quick).items()},
        },
        "translate": translate,
        "summarize": summarize,
        "failed": failed,
        "flatness": flatness(summarize[spec["flat_variant"]], spec["flat_variant"]),
        "targets": targets(translate, summarize, paired),
    }
    if args.endtoend == "on":
        report["endtoend"] = endtoend(args, articles, built)
        compare_stages(report, article_tokens[0])
    return report


def compare_stages(report: dict[str, Any], tokens: int) -> None:
    """Beside the end-to-end row: the per-stage rows' time for the same work, and its target's ratio."""
    e = report["endtoend"]
    seconds = report["summarize"]["precis-default"]["seconds"][str(tokens)]
    e["stage_sum_article_tokens"] = tokens
    e["stage_sum_s"] = report["translate"]["precis-default"]["seconds"] + report["data"]["articles"] * seconds
    e["today_model_stages_s"] = sum(e["rows"]["today"]["stages_s"].get(k, 0.0) for k in ("translate", "summarize"))
    if "speedup" in e:
        report["targets"]["endtoend_today_vs_baseline"] = e["speedup"]


def endtoend(args: argparse.Namespace, articles: list[str], built: dict[str, str]) -> dict[str, Any]:
    """The end-to-end row (``endtoend.run_endtoend``): today's precis batch and the baseline's."""
    baseline = None if args.endtoend_baseline == "none" else args.endtoend_baseline
    log(f"end to end: precis batch on {len(articles)} articles, today" + (f" and at {baseline}" if baseline else ""))
    return run_endtoend(articles, built, args.threads, baseline)


def run_variants(spec: dict[str, Any], inline: bool) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Each variant's worker: the translation rows, the summarization rows, and the variants that failed.

    An optional backend that can't run here (CTranslate2 without CUDA libraries) is listed as
    failed; the baselines and precis's default must run.
    """
    translate: dict[str, Any] = {}
    summarize: dict[str, Any] = {}
    failed: dict[str, str] = {}
    for kind, results in (("translate", translate), ("summarize", summarize)):
        for variant in variants(kind, spec["device"]):
            log(f"{kind}: {variant}" + (f" on {len(spec['sentences'])} sentences" if kind == "translate" else ""))
            try:
                results[variant] = _run(kind, variant, spec, inline)
            except Exception as exc:
                if variant in (BASELINES[kind], "precis-default"):
                    raise
                failed[f"{kind}/{variant}"] = str(exc).strip().splitlines()[-1]
                log(f"{kind}: {variant} failed: {failed[f'{kind}/{variant}']}")
                continue
            if "direct" in results[variant]:
                translate[DIRECT] = results[variant].pop("direct")
    return translate, summarize, failed


def translation_ratios(translate: dict[str, Any], articles: int) -> None:
    """Add each translation row's speed-up and agreement against the naive baseline, and its rates."""
    naive = translate[BASELINES["translate"]]
    for r in translate.values():
        r["speedup"] = naive["seconds"] / r["seconds"]
        r["agreement_vs_fp32"] = agreement(naive["ids"], r["ids"])
        r["source_tokens_per_s"] = r["source_tokens"] / r["seconds"]
        r["generated_tokens_per_s"] = r["generated_tokens"] / r["seconds"]
        r["articles_per_min"] = articles / r["seconds"] * 60


def summary_ratios(summarize: dict[str, Any], first: str) -> None:
    """Add each summarization row's speed-up and agreement against fp32, on the ``first`` article length."""
    fp32 = summarize[BASELINES["summarize"]]
    for r in summarize.values():
        r["speedup"] = fp32["seconds"][first] / r["seconds"][first]
        r["agreement_vs_fp32"] = agreement(fp32["ids"], r["ids"])


def flatness(flat: dict[str, Any], variant: str) -> dict[str, Any]:
    """Seconds per 1k input tokens of the map-reduce summarizer at each article length, and their spread."""
    per_1k = {n: flat["seconds"][n] / int(n) * 1000 for n in flat["seconds"]}
    return {"variant": variant, "seconds_per_1k_tokens": per_1k, "chunks": flat.get("chunks", {}), **spread(per_1k)}


def targets(translate: dict[str, Any], summarize: dict[str, Any], paired: str | None) -> dict[str, Any]:
    """The ratios the bench's targets are about."""
    direct = translate[DIRECT]["seconds"] if paired else None
    precis_rows = [v for v in translate if v not in (BASELINES["translate"], DIRECT)]
    return {
        "translate_default_vs_naive": translate["precis-default"]["speedup"],
        "translate_best_precis_vs_naive": max(translate[v]["speedup"] for v in precis_rows),
        "translate_ctranslate2_variant": paired,
        "translate_ctranslate2_precis_vs_direct": direct / translate[paired]["seconds"] if paired else None,
        "summarize_default_vs_fp32": summarize["precis-default"]["speedup"],
        "summarize_best_vs_fp32": max(summarize[v]["speedup"] for v in summarize if v != BASELINES["summarize"]),
    }


def machine(device: str, threads: int) -> dict[str, Any]:
    """What the bench ran on."""
    import torch

    return {
        "platform": platform.platform(),
        "processor": _cpu_name(),
        "cores": os.cpu_count(),
        "threads": threads,
        "device": device,
        "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None,
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
