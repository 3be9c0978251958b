"""Speed benchmark of translation and summarization (``make bench``).

Real-size architectures with random weights, built locally: the compute of a forward
pass doesn't depend on the weight values. Marian as ``Helsinki-NLP/opus-mt-fr-en``
(6+6 layers, d_model 512, 8 heads, FFN 2048, vocabulary 59,514) and BART as
``sshleifer/distilbart-cnn-12-6`` (12+6 layers, d_model 1024, 16 heads, FFN 4096,
vocabulary 50,264), with tokenizers trained on French news text. Random weights would
stop decoding at random, so every variant decodes a fixed number of tokens
(``min_new_tokens = max_new_tokens``): one output token per source token for
translation, a fixed summary length for summarization. Each variant runs in its own
process, so peak memory and thread settings are its own.

Translation variants, all with beam 4, on the sentences of the sample article and the
OrangeSum articles:
- ``naive-fp32``: what a user would write: one ``generate()`` per sentence, fp32;
- ``precis-default``: precis's translate stage as configured by default (``backend: auto``:
  CTranslate2 int8 on CPU, transformers bf16/fp16 on CUDA; length-sorted token-budget
  batches sized for the device);
- ``transformers-fp32`` (``configs/exact.yaml``), ``transformers-bf16``,
  ``transformers-int8`` (dynamic, CPU only), ``ctranslate2-int8``: precis with that backend
  (a variant that resolves to the same backend as the default isn't run twice);
- ``ctranslate2-int8-direct``: CTranslate2 called directly on the same batches, as a user
  writes it (its own translator with all threads, one ``translate_batch`` per batch, in
  order), the reference to meet. It is timed in the same process as precis's CTranslate2
  variant, the two alternating ``--repeats`` times; both report their median.

Summarization variants on a 1,000-token article (``fp32`` is a plain ``generate()`` with
distilbart-cnn's published settings: beam 4, length penalty 2.0, no repeated 3-grams),
then time per input token of precis's default map-reduce summarizer from 1k- to
20k-token articles.

Run: ``make bench`` (``python -m eval.bench``); ``--quick`` for a small run on toy sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "jedi-cloud.fr.md"
ORANGESUM = ROOT.parent / "shared" / "data" / "orangesum-sample" / "articles.fr.txt"

TRANSLATE_VARIANTS = (
    "naive-fp32",
    "precis-default",
    "transformers-fp32",
    "transformers-bf16",
    "transformers-int8",
    "ctranslate2-int8",
    "ctranslate2-int8-direct",
)
SUMMARIZE_VARIANTS = (
    "fp32",
    "precis-default",
    "transformers-fp32",
    "transformers-bf16",
    "transformers-int8",
    "ctranslate2-int8",
)
# precis settings per variant: (backend, quantization, runtime dtype)
BACKENDS = {
    "precis-default": ("auto", "auto", "auto"),
    "transformers-fp32": ("transformers", "none", "float32"),
    "transformers-bf16": ("transformers", "none", "bfloat16"),
    "transformers-int8": ("transformers", "int8", "auto"),
    "ctranslate2-int8": ("ctranslate2", "int8", "auto"),
}


def variants(kind: str, device: str) -> list[str]:
    """The variants to run on ``device``, each in its own process.

    ``ctranslate2-int8`` is left out where the default resolves to it (it is the default's
    row); dynamic int8 is CPU-only; the direct CTranslate2 row comes from the process of
    precis's CTranslate2 variant.
    """
    from models.loading import resolve_backend

    default = resolve_backend("auto", "auto", device)
    names = TRANSLATE_VARIANTS if kind == "translate" else SUMMARIZE_VARIANTS
    skip = {"ctranslate2-int8-direct"}
    if default == ("ctranslate2", "int8"):
        skip.add("ctranslate2-int8")
    if device != "cpu":
        skip.add("transformers-int8")
    return [name for name in names if name not in skip]


def sizes(quick: bool) -> dict[str, Any]:
    from models.tiny import Size

    if quick:
        return {"marian": Size(), "bart": Size()}
    return {
        "marian": Size(
            d_model=512,
            encoder_layers=6,
            decoder_layers=6,
            heads=8,
            ffn_dim=2048,
            max_positions=512,
            vocab_size=8000,
            model_vocab=59514,
        ),
        "bart": Size(
            d_model=1024,
            encoder_layers=12,
            decoder_layers=6,
            heads=16,
            ffn_dim=4096,
            max_positions=1024,
            vocab_size=8000,
            model_vocab=50264,
        ),
    }


def bench_corpus(data: Path) -> Path:
    """Tokenizer training text: the repo's corpus plus every OrangeSum article (whatever --articles says)."""
    from models.tiny import CORPUS, cache_root

    folder = cache_root() / "bench-corpus"
    folder.mkdir(parents=True, exist_ok=True)
    fr = (CORPUS / "fr.txt").read_text(encoding="utf-8")
    if data.is_file():
        fr += "\n" + data.read_text(encoding="utf-8")
    (folder / "fr.txt").write_text(fr, encoding="utf-8")
    (folder / "en.txt").write_text((CORPUS / "en.txt").read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def load_articles(n: int, data: Path) -> tuple[list[str], str]:
    articles = [SAMPLE.read_text(encoding="utf-8")]
    if data.is_file():
        lines = [line.strip() for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
        articles += lines[: max(0, n - 1)]
        return articles, f"samples/jedi-cloud.fr.md + {len(articles) - 1} articles of {data.name}"
    return articles, "samples/jedi-cloud.fr.md (OrangeSum sample not found)"


def sentences_of(articles: list[str]) -> list[str]:
    from pipeline.document import Document
    from pipeline.segment import FrenchSegmenter, FrenchSegmenterConfig

    segmenter = FrenchSegmenter(FrenchSegmenterConfig())
    return [s.source for a in articles for s in segmenter(Document("a", a)).segments]


# --- workers (one process per variant) -------------------------------------------


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stage(kind: str, variant: str, spec: dict[str, Any], overrides: list[str]) -> Any:
    """precis's stage for a variant, built as the runner builds it (model loaded on its backend)."""
    from pipeline import config
    from pipeline.runner import build_stage

    backend, quantization, dtype = BACKENDS[variant]
    model = spec["marian"] if kind == "translate" else spec["bart"]
    cfg = config.load(
        overrides=[
            f"{kind}.model={model}",
            f"{kind}.backend={backend}",
            f"{kind}.quantization={quantization}",
            f"{kind}.num_beams=4",
            *overrides,
            f"runtime.dtype={dtype}",
            f"runtime.device={spec['device']}",
            f"runtime.threads={spec['threads']}",
        ]
    )
    return build_stage(kind, cfg)


def worker_translate(variant: str, spec: dict[str, Any]) -> dict[str, Any]:
    import torch

    from models import loading
    from models.loading import GenerationSettings

    torch.set_num_threads(spec["threads"])
    sentences = spec["sentences"]
    direct = None
    if variant == "naive-fp32":
        model = loading.load(spec["marian"], device=spec["device"], dtype="float32", backend="transformers")

        def run(texts: list[str], lens: list[int]) -> list[list[int]]:
            return [
                model.generate_ids([t], GenerationSettings(max_new_tokens=n, min_new_tokens=n, num_beams=4))[0]
                for t, n in zip(texts, lens, strict=True)
            ]
    else:
        stage = _stage(
            "translate",
            variant,
            spec,
            [
                "translate.max_new_tokens_ratio=1.0",  # one output token per source token...
                "translate.max_new_tokens_offset=0",
                "translate.fixed_decode_length=true",  # ...exactly, whatever the random weights say
                "translate.guard.enabled=false",  # retries would add work to some variants only
                *[f"translate.{k}={v}" for k, v in spec.get("batch_limits", {}).items()],
            ],
        )
        model = stage.model

        def run(texts: list[str], lens: list[int]) -> list[list[int]]:
            # The stage's own batching, settings and generation path; ids for the agreement check.
            ids: list[list[int]] = [[] for _ in texts]
            plan = stage.plan(lens)
            outputs = model.generate_ids_many([[texts[i] for i in batch] for batch, _ in plan], [s for _, s in plan])
            for (batch, _), rows in zip(plan, outputs, strict=True):
                for i, row in zip(batch, rows, strict=True):
                    ids[i] = row
            return ids

        if model.backend == "ctranslate2" and spec.get("direct", True):
            import ctranslate2

            # What a CTranslate2 user writes: a translator of the same converted model, with
            # all threads on each call, and one translate_batch per batch of precis's.
            translator = ctranslate2.Translator(
                model.path,
                device=model.device,
                compute_type=model.translator.compute_type,
                intra_threads=spec["threads"],
            )
            tokenizer = model.tokenizer

            def direct(texts: list[str], lens: list[int]) -> list[list[int]]:
                out: list[list[int]] = [[] for _ in texts]
                for batch, settings in stage.plan(lens):
                    # the length generate() gives: one step less where the model forces its last token
                    n = model.max_length(settings)
                    tokens = [tokenizer.convert_ids_to_tokens(tokenizer(texts[i])["input_ids"]) for i in batch]
                    results = translator.translate_batch(
                        tokens, beam_size=4, max_decoding_length=n, min_decoding_length=n, max_batch_size=0
                    )
                    for i, r in zip(batch, results, strict=True):
                        out[i] = tokenizer.convert_tokens_to_ids(r.hypotheses[0])
                return out

    lengths = model.count_tokens(sentences)
    run(sentences[:4], lengths[:4])  # warm-up
    timings: dict[str, list[float]] = {"precis": [], "direct": []}
    outputs: dict[str, list[list[int]]] = {}
    for _ in range(spec["repeats"] if direct else 1):  # alternate precis and direct
        for name, fn in (("precis", run), ("direct", direct)):
            if fn is None:
                continue
            start = time.perf_counter()
            outputs[name] = fn(sentences, lengths)
            timings[name].append(time.perf_counter() - start)
    result = _translation_result(variant, timings["precis"], outputs["precis"], lengths, model)
    if variant != "naive-fp32":
        result["batch_limits"] = {"tokens": stage.batch_tokens, "sentences": stage.max_batch_size}
    if direct:
        result["direct"] = _translation_result(
            "ctranslate2-int8-direct", timings["direct"], outputs["direct"], lengths, model
        )
    if variant in ("precis-default", "transformers-fp32"):
        result["greedy_batched_equals_single"] = _greedy_equivalence(model, sentences[: spec["greedy_check"]])
    return result


def _translation_result(
    variant: str, seconds: list[float], ids: list[list[int]], lengths: list[int], model: Any
) -> dict[str, Any]:
    return {
        "variant": variant,
        "seconds": statistics.median(seconds),
        "all_seconds": seconds,
        "source_tokens": sum(lengths),
        "generated_tokens": sum(lengths),  # fixed: one per source token (padding work not counted)
        "peak_mb": _peak_mb(),
        "dtype": model.dtype,
        "backend": model.backend,
        "ids": ids,
    }


def _greedy_equivalence(model: Any, sentences: list[str]) -> dict[str, int]:
    """How many sentences decode greedily to the same tokens batched as one by one."""
    from models.loading import GenerationSettings

    settings = GenerationSettings(max_new_tokens=24, min_new_tokens=24, num_beams=1)
    batched = model.generate_ids(sentences, settings)
    single = [model.generate_ids([s], settings)[0] for s in sentences]
    return {"equal": sum(a == b for a, b in zip(batched, single, strict=True)), "total": len(sentences)}


def worker_summarize(variant: str, spec: dict[str, Any]) -> dict[str, Any]:
    import torch

    from models import loading
    from models.loading import GenerationSettings

    torch.set_num_threads(spec["threads"])
    n = spec["summary_tokens"]
    results: dict[str, Any] = {"variant": variant}
    if variant == "fp32":
        from pipeline.summarize import Seq2SeqSummarizerConfig

        model = loading.load(spec["bart"], device=spec["device"], dtype="float32", backend="transformers")
        # distilbart-cnn's published settings, which generate() applies by default and precis too
        c = Seq2SeqSummarizerConfig()
        settings = GenerationSettings(n, n, c.num_beams, c.length_penalty, c.no_repeat_ngram_size)
        text = spec["articles"][str(spec["article_tokens"][0])]
        model.generate_ids([text], settings)  # warm-up
        start = time.perf_counter()
        ids = model.generate_ids([text], settings)
        results.update(seconds={spec["article_tokens"][0]: time.perf_counter() - start}, ids=ids)
    else:
        stage = _stage("summarize", variant, spec, [f"summarize.min_new_tokens={n}", f"summarize.max_new_tokens={n}"])
        model = stage.model
        first = spec["article_tokens"][0]
        stage.chunk([spec["articles"][str(first)]])  # tokenizer warm-up
        model.generate_ids([spec["articles"][str(first)]], stage.settings())  # warm-up
        seconds, chunks = {}, {}
        lengths = spec["article_tokens"] if variant == spec["flat_variant"] else spec["article_tokens"][:1]
        for tokens in lengths:
            doc = _english_doc(spec["articles"][str(tokens)])
            times: list[float] = []
            # median of up to `repeats` runs, repeated while they take under a minute in all
            while not times or (len(times) < spec["repeats"] and sum(times) < 60):
                start = time.perf_counter()
                out = stage(doc)
                times.append(time.perf_counter() - start)
            seconds[tokens] = statistics.median(times)
            chunks[tokens] = out.summary_chunks
        results.update(seconds=seconds, chunks=chunks)
        results["ids"] = model.generate_ids([spec["articles"][str(first)]], stage.settings())
    results.update(peak_mb=_peak_mb(), dtype=model.dtype, backend=model.backend)
    return results


def _english_doc(text: str) -> Any:
    from pipeline.document import Document, Paragraph, Segment
    from pipeline.segment import split_sentences

    sentences = split_sentences(text)
    return Document("bench", text, (Paragraph(0, "text"),), tuple(Segment(i, 0, s, s) for i, s in enumerate(sentences)))


# --- orchestration ---------------------------------------------------------------


def run_worker(task: str, variant: str, spec_file: Path, inline: bool = False) -> dict[str, Any]:
    """Run one variant in its own process (its own peak memory), or in this one (quick mode)."""
    if inline:
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
        result = (worker_translate if task == "translate" else worker_summarize)(variant, spec)
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


def spread(per_1k: dict[str, float]) -> dict[str, float]:
    """How flat time per token is over article lengths (keys: tokens).

    ``spread``: slowest over fastest, minus 1; ``worst_vs_shortest``: slowest over the
    shortest article, minus 1, which says whether longer articles cost more per token.
    """
    shortest = per_1k[min(per_1k, key=int)]
    return {
        "spread": max(per_1k.values()) / min(per_1k.values()) - 1,
        "worst_vs_shortest": max(per_1k.values()) / shortest - 1,
    }


def agreement(reference: list[list[int]], other: list[list[int]]) -> dict[str, float]:
    """Share of sentences, and of tokens, equal to the reference (on their common length)."""
    same_seq = same_tok = total_tok = 0
    for a, b in zip(reference, other, strict=True):
        n = min(len(a), len(b))
        same_seq += a[:n] == b[:n]
        same_tok += sum(x == y for x, y in zip(a[:n], b[:n], strict=True))
        total_tok += n
    return {"sentences": same_seq / max(1, len(reference)), "tokens": same_tok / max(1, total_tok)}


def english_article(tokens: int, tokenizer_dir: str) -> str:
    """English news text (the repo's corpus, repeated) cut to about ``tokens`` tokens."""
    from transformers import AutoTokenizer

    from models.tiny import CORPUS
    from pipeline.segment import split_sentences

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    sentences = [
        s for line in (CORPUS / "en.txt").read_text(encoding="utf-8").splitlines() for s in split_sentences(line)
    ]
    out, used, i = [], 2, 0
    while True:
        s = sentences[i % len(sentences)]
        n = len(tok(s, add_special_tokens=False)["input_ids"]) + 1
        if used + n > tokens:
            return " ".join(out)
        out.append(s)
        used += n
        i += 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="toy sizes and few sentences (the test suite's mode)")
    parser.add_argument("--articles", type=int, default=21, help="articles: the sample + N-1 OrangeSum articles")
    parser.add_argument("--data", type=Path, default=ORANGESUM, help="OrangeSum articles, one per line")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs of precis's CTranslate2 path and the direct call (median)"
    )
    parser.add_argument("--out", type=Path, default=None, help="folder for bench.json and bench.md")
    parser.add_argument(
        "--sweep-batches",
        nargs="+",
        metavar="TOKENSxSENTENCES",
        help="instead of the bench: translation tok/s at each batch limit, e.g. 4096x64 768x16",
    )
    parser.add_argument(
        "--sweep-variants", nargs="+", default=["precis-default", "transformers-fp32"], choices=list(BACKENDS)
    )
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        task, variant, spec_file, out = args.worker
        spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
        fn = worker_translate if task == "translate" else worker_summarize
        Path(out).write_text(json.dumps(fn(variant, spec)), encoding="utf-8")
        return
    if args.sweep_batches:
        print(run_sweep(args))
        return
    report = run_bench(args)
    out = args.out or ROOT / "runs" / time.strftime("bench-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    markdown = to_markdown(report)
    (out / "bench.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    print(f"wrote {out / 'bench.json'} and {out / 'bench.md'}", file=sys.stderr)


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _setup(args: argparse.Namespace) -> tuple[str, list[str], str, dict[str, str], list[str]]:
    """Device, articles, their description, the built models and the sentences to translate."""
    from models import tiny
    from models.loading import resolve_device

    device = resolve_device(args.device)
    n_articles = 3 if args.quick else args.articles
    articles, source = load_articles(n_articles, args.data)
    corpus = bench_corpus(args.data)
    built = {}
    for kind, size in sizes(args.quick).items():
        if not args.quick:
            size = tiny.Size(**{**size.__dict__, "corpus": str(corpus)})
        _log(f"building {kind} ({size.d_model} d_model, vocabulary {size.model_vocab or size.vocab_size})")
        built[kind] = str(tiny.ensure(kind, size))
    sentences = sentences_of(articles)
    if args.quick:
        sentences = sentences[:6]
    return device, articles, source, built, sentences


def _write_spec(spec: dict[str, Any]) -> Path:
    """The workers' spec in a temporary JSON file (the caller removes it)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(spec, f)
    return Path(f.name)


def run_sweep(args: argparse.Namespace) -> str:
    """Translation throughput of precis variants under several batch limits (``--sweep-batches``)."""
    device, _, source, built, sentences = _setup(args)
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
            spec_file = _write_spec(spec)
            _log(f"sweep: {variant} at {tokens} tokens / {size} sentences per batch")
            try:
                r = run_worker("translate", variant, spec_file, inline=args.quick)
            finally:
                spec_file.unlink()
            used = r["batch_limits"]  # as the stage applied them
            rows.append(
                f"| {variant} | {r['backend']} / {r['dtype']} | {used['tokens']} | {used['sentences']} "
                f"| {r['seconds']:.1f} "
                f"| {r['source_tokens'] / r['seconds']:.0f} |"
            )
    return (
        "\n".join(
            [
                "# precis batch-limit sweep (translation, beam 4, fixed decode lengths)",
                "",
                f"Data: {source}: {len(sentences)} sentences; device {device}, {args.threads} threads.",
                "",
                "| variant | backend / dtype | batch tokens | batch sentences | seconds | source tok/s |",
                "|---|---|---|---|---|---|",
                *rows,
            ]
        )
        + "\n"
    )


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    device, articles, source, built, sentences = _setup(args)
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
    spec_file = _write_spec(spec)
    translate: dict[str, Any] = {}
    summarize: dict[str, Any] = {}
    failed: dict[str, str] = {}  # optional backends that could not run here (e.g. CTranslate2 without CUDA libraries)
    try:
        for kind, results in (("translate", translate), ("summarize", summarize)):
            for variant in variants(kind, device):
                _log(f"{kind}: {variant}" + (f" on {len(sentences)} sentences" if kind == "translate" else ""))
                try:
                    results[variant] = run_worker(kind, variant, spec_file, inline=args.quick)
                except Exception as exc:
                    if variant in ("naive-fp32", "fp32", "precis-default"):
                        raise
                    failed[f"{kind}/{variant}"] = str(exc).strip().splitlines()[-1]
                    _log(f"{kind}: {variant} failed: {failed[f'{kind}/{variant}']}")
                    continue
                if "direct" in results[variant]:
                    translate["ctranslate2-int8-direct"] = results[variant].pop("direct")
    finally:
        spec_file.unlink()
    # the precis row CTranslate2 called directly is compared with (timed alternately with it)
    paired = next((v for v in translate if v in BACKENDS and translate[v]["backend"] == "ctranslate2"), None)
    naive = translate["naive-fp32"]
    for r in translate.values():
        r["speedup"] = naive["seconds"] / r["seconds"]
        r["agreement_vs_fp32"] = agreement(naive["ids"], r["ids"])
        r["source_tokens_per_s"] = r["source_tokens"] / r["seconds"]
        r["generated_tokens_per_s"] = r["generated_tokens"] / r["seconds"]
        r["articles_per_min"] = len(articles) / r["seconds"] * 60
    first = str(article_tokens[0])
    fp32 = summarize["fp32"]
    for r in summarize.values():
        r["speedup"] = fp32["seconds"][first] / r["seconds"][first]
        r["agreement_vs_fp32"] = agreement(fp32["ids"], r["ids"])
    for r in [*translate.values(), *summarize.values()]:
        del r["ids"]
    flat = summarize[spec["flat_variant"]]
    per_1k = {n: flat["seconds"][n] / int(n) * 1000 for n in flat["seconds"]}
    direct = translate["ctranslate2-int8-direct"]["seconds"] if paired else None
    precis_rows = [v for v in translate if v not in ("naive-fp32", "ctranslate2-int8-direct")]
    return {
        "machine": {
            "platform": platform.platform(),
            "processor": _cpu_name(),
            "cores": os.cpu_count(),
            "threads": args.threads,
            "device": device,
            "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None,
        },
        "versions": _versions(),
        "data": {"articles": len(articles), "source": source, "sentences": len(sentences)},
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
        "flatness": {
            "variant": spec["flat_variant"],
            "seconds_per_1k_tokens": per_1k,
            "chunks": flat.get("chunks", {}),
            **spread(per_1k),
        },
        "targets": {
            "translate_default_vs_naive": translate["precis-default"]["speedup"],
            "translate_best_precis_vs_naive": max(translate[v]["speedup"] for v in precis_rows),
            "translate_ctranslate2_variant": paired,
            "translate_ctranslate2_precis_vs_direct": direct / translate[paired]["seconds"] if paired else None,
            "summarize_default_vs_fp32": summarize["precis-default"]["speedup"],
            "summarize_best_vs_fp32": max(summarize[v]["speedup"] for v in summarize if v != "fp32"),
        },
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for package in ("precis", "torch", "transformers", "ctranslate2"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def to_markdown(report: dict[str, Any]) -> str:
    m, d = report["machine"], report["data"]
    lines = [
        "# precis speed benchmark",
        "",
        f"Machine: {m['processor']}, {m['cores']} cores, {m['threads']} threads, device {m['device']}"
        + (f" ({m['gpu']})" if m["gpu"] else ""),
        f"Data: {d['source']}: {d['sentences']} sentences. Beam 4; fixed decode lengths "
        f"(one output token per source token; {report['settings']['summary_tokens']}-token summaries).",
        f"Versions: {', '.join(f'{k} {v}' for k, v in report['versions'].items())}",
        "",
        "## Translation (Marian, opus-mt-fr-en size)",
        "",
        "| variant | backend / dtype | seconds | source tok/s | generated tok/s | articles/min | peak MB "
        "| vs naive | sentences = fp32 | tokens = fp32 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in report["translate"].items():
        a = r["agreement_vs_fp32"]
        lines.append(
            f"| {name} | {r['backend']} / {r['dtype']} | {r['seconds']:.1f} | {r['source_tokens_per_s']:.0f} "
            f"| {r['generated_tokens_per_s']:.0f} | {r['articles_per_min']:.1f} | {r['peak_mb']:.0f} "
            f"| **{r['speedup']:.2f}x** | {100 * a['sentences']:.0f}% | {100 * a['tokens']:.1f}% |"
        )
    t, paired = report["translate"], report["targets"]["translate_ctranslate2_variant"]
    limits = t["precis-default"]["batch_limits"]
    lines += [
        "",
        f"precis batches: sentences sorted by length, at most {limits['tokens']} padded source tokens and "
        f"{limits['sentences']} sentences per batch (the device's defaults).",
    ]
    if paired:
        lines[-1] += (
            f" {paired} and ctranslate2-int8-direct ran in one process, alternately, "
            f"{report['settings']['repeats']} times each; their seconds are the medians "
            f"({', '.join(f'{x:.1f}' for x in t[paired]['all_seconds'])} "
            f"and {', '.join(f'{x:.1f}' for x in t['ctranslate2-int8-direct']['all_seconds'])})."
        )
    for name in ("transformers-fp32", "precis-default"):
        g = t.get(name, {}).get("greedy_batched_equals_single")
        if g:
            lines.append(
                f"Greedy, batched vs one sentence at a time ({name}, {t[name]['backend']} / {t[name]['dtype']}): "
                f"{g['equal']}/{g['total']} sentences equal."
            )
    first = str(min(int(k) for k in report["summarize"]["fp32"]["seconds"]))
    lines += [
        "",
        f"## Summarization (BART, distilbart-cnn-12-6 size), {first}-token article",
        "",
        "| variant | backend / dtype | seconds | peak MB | vs fp32 | tokens = fp32 |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in report["summarize"].items():
        lines.append(
            f"| {name} | {r['backend']} / {r['dtype']} | {r['seconds'][first]:.2f} | {r['peak_mb']:.0f} "
            f"| **{r['speedup']:.2f}x** | {100 * r['agreement_vs_fp32']['tokens']:.1f}% |"
        )
    f = report["flatness"]
    lines += [
        "",
        f"## Time per input token, map-reduce summarizer ({f['variant']})",
        "",
        "| article tokens | chunks | seconds per 1k tokens |",
        "|---|---|---|",
    ]
    for n, s in f["seconds_per_1k_tokens"].items():
        lines.append(f"| {n} | {f['chunks'].get(n, '')} | {s:.2f} |")
    t = report["targets"]
    lines += [
        "",
        f"Spread of time per token: {100 * f['spread']:.0f}% (target: within 25%). "
        f"Slowest length per token against the shortest article: {100 * f['worst_vs_shortest']:+.0f}%.",
        "",
        "## Targets",
        "",
        f"- translation, precis default vs naive: {t['translate_default_vs_naive']:.2f}x; "
        f"best precis backend vs naive: {t['translate_best_precis_vs_naive']:.2f}x (target >= 8x)",
        f"- translation, precis {t['translate_ctranslate2_variant']} vs CTranslate2 int8 called directly "
        f"on the same batches: {_ratio(t['translate_ctranslate2_precis_vs_direct'])} (target >= 1x)",
        f"- summarization of a {first}-token article, precis default vs fp32: "
        f"{t['summarize_default_vs_fp32']:.2f}x; best precis backend: {t['summarize_best_vs_fp32']:.2f}x "
        "(target >= 2x)",
        f"- time per token from {min(f['seconds_per_1k_tokens'], key=int)} to "
        f"{max(f['seconds_per_1k_tokens'], key=int)} tokens, precis default: spread {100 * f['spread']:.0f}% "
        "(target: within 25%)",
    ]
    if report["failed"]:
        lines += ["", "## Variants that could not run here", ""]
        lines += [f"- {name}: {why}" for name, why in report["failed"].items()]
    return "\n".join(lines) + "\n"


def _ratio(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}x"


if __name__ == "__main__":
    main()
