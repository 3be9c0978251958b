"""How precis scales with article length: seconds per MB of each stage, and peak memory.

Builds French articles of each size (100 KB, 1 MB and 10 MB by default) from the
OrangeSum sample (``../shared/data/orangesum-sample/articles.fr.txt``, repeated; the
tiny models' corpus where the sample is missing), and runs each through the whole
pipeline with the tiny models (``configs/tiny.yaml``) in a process of its own, so each
peak RSS is that size's own. Linear cost means the same seconds per MB at every size;
``growth`` is a size's seconds per MB over the smallest size's.

Beside the news text, hostile inputs (``HOSTILE``: "1." * N, "Jean de " * N, a URL of
50 000 dots, paragraphs under 1000 quotes...) run at their own sizes (100 KB by default), the
language check off (they are no French). For each, ``vs news`` is its seconds per MB
over the news text's at the same size (or the nearest): once for the stages that read
text with rules (read, segment, consistency, support, render), once for all. The
model stages cost what the tokens cost, and hostile text has its own tokens per MB.

    .venv/bin/python scripts/scaling.py                        # 100KB 1MB 10MB (10 MB takes long)
    .venv/bin/python scripts/scaling.py --sizes 100KB 1MB      # quicker
    .venv/bin/python scripts/scaling.py --quick                # 20 KB and 80 KB, every input: a minute or two
    .venv/bin/python scripts/scaling.py --hostile none         # the news text only

Writes ``runs/scaling/scaling.md`` (the table) and ``scaling.json`` (every number) and
prints the table. On a terminal each run shows its progress.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from eval import hostile as hostile_inputs

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "orangesum-sample" / "articles.fr.txt"
CORPUS = ROOT / "models" / "corpus" / "fr.txt"
UNITS = {"KB": 1000, "MB": 1000**2, "B": 1}


def parse_size(text: str) -> int:
    """'100KB', '1MB', '250000' -> bytes (decimal units, as ``head -c 300000`` counts)."""
    upper = text.strip().upper()
    for unit, factor in UNITS.items():
        if upper.endswith(unit) and upper[: -len(unit)].replace(".", "", 1).isdigit():
            return int(float(upper[: -len(unit)]) * factor)
    return int(upper)


def label(size: int) -> str:
    return f"{size / 1000**2:g} MB" if size >= 1000**2 else f"{size / 1000:g} KB"


def article(source: Path, size: int) -> str:
    """The source text repeated to ``size`` bytes of UTF-8, cut at a line end, under a heading."""
    text = source.read_text(encoding="utf-8").strip() + "\n"
    data = ("# Article de test\n\n" + text * (size // len(text.encode("utf-8")) + 1)).encode("utf-8")[:size]
    cut = data.rfind(b"\n")
    return data[: cut if cut > size // 2 else size].decode("utf-8", errors="ignore")


# Hostile inputs: name -> text of ``n`` characters or so (``hostile`` cuts it to n bytes).
HOSTILE = {**hostile_inputs.HOSTILE, **hostile_inputs.NESTED}
# The stages that read text with rules, no model: what the hostile inputs are about.
TEXT_STAGES = ("read", "segment", "consistency", "support", "render")


def hostile(name: str, size: int) -> str:
    """Hostile input ``name``, ``size`` bytes of UTF-8."""
    return HOSTILE[name](size + 8).encode("utf-8")[:size].decode("utf-8", errors="ignore")


def rss_mb() -> float:
    """This process's peak resident memory so far, in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(size: int, config_path: str, source: Path, input_name: str = "news") -> dict[str, Any]:
    """One article of ``size`` bytes through the pipeline in this process: times and memory."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from pipeline import config, io, language
    from pipeline.runner import Pipeline

    text = article(source, size) if input_name == "news" else hostile(input_name, size)
    overrides = [] if input_name == "news" else ["segment.language_check=off"]
    tty = sys.stderr.isatty()

    def progress(kind: str, done: int, total: int) -> None:
        if tty:
            sys.stderr.write(f"\r\033[K{input_name} {label(size)}: {kind}: {done}/{total}")
            sys.stderr.flush()

    start = time.perf_counter()
    pipeline = Pipeline(config.load(config_path, overrides), progress=progress)
    language.detect("Un texte.")  # the detector's model is loaded with the others, not in the segment stage
    models_s = time.perf_counter() - start
    rss_models = rss_mb()
    timings: dict[str, float] = {}
    peaks: dict[str, float] = {}  # the peak RSS once each stage is done: which stage raised it

    def on_stage(kind: str, seconds: float) -> None:
        timings[kind], peaks[kind] = seconds, round(rss_mb(), 1)

    start = time.perf_counter()
    doc = io.to_document(text, "scaling.md", "scaling")
    on_stage("read", time.perf_counter() - start)
    [doc] = pipeline.run([doc], on_stage=on_stage)
    start = time.perf_counter()
    io.render_markdown(doc)
    io.render_json(doc, **pipeline.meta())
    on_stage("render", time.perf_counter() - start)
    if tty:
        sys.stderr.write("\r\033[K")
    return {
        "input": input_name,
        "size": size,
        "bytes": len(text.encode("utf-8")),
        "segments": len(doc.segments),
        "summary_chunks": doc.summary_chunks,
        "failure": None if doc.failure is None else f"{doc.failure.stage}: [{doc.failure.code}] {doc.failure.message}",
        "models_s": round(models_s, 2),
        "seconds": {k: round(v, 3) for k, v in timings.items()},
        "rss_after_models_mb": round(rss_models, 1),
        "peak_rss_mb": round(rss_mb(), 1),
        "peak_rss_after_stage_mb": peaks,
    }


def per_mb(result: dict[str, Any], stages: tuple[str, ...] | None = None) -> float:
    """Seconds per MB of ``result``, of the given stages (None: all)."""
    seconds = result["seconds"]
    return sum(v for k, v in seconds.items() if stages is None or k in stages) / (result["bytes"] / 1000**2)


def table(results: list[dict[str, Any]]) -> str:
    """The Markdown table: seconds per MB per stage, total, growth over the smallest size, memory.

    Hostile inputs get ``vs news``: their seconds per MB over the news text's at the
    nearest size, text stages (``TEXT_STAGES``) and all stages.
    """
    stages = list(dict.fromkeys(kind for r in results for kind in r["seconds"]))  # in pipeline order
    head = ["input", "size", "segments", "chunks", *(f"{s} s/MB" for s in stages), "text stages s/MB"]
    head += ["total s", "total s/MB"]
    head += ["growth", "vs news (text stages)", "vs news (all)", "RSS after models MB", "peak RSS MB"]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    news = [r for r in results if r.get("input", "news") == "news"]
    bases: dict[str, float] = {}
    for r in results:
        name = r.get("input", "news")
        mb = r["bytes"] / 1000**2
        total = sum(r["seconds"].values())
        bases.setdefault(name, total / mb)
        cells = [name, label(r["size"]), str(r["segments"]), str(r["summary_chunks"])]
        cells += [f"{r['seconds'].get(s, 0.0) / mb:.1f}" for s in stages]
        cells += [f"{per_mb(r, TEXT_STAGES):.1f}", f"{total:.1f}", f"{total / mb:.1f}"]
        cells += [f"{total / mb / bases[name]:.2f}"]
        if name != "news" and news:
            near = min(news, key=lambda n: abs(n["size"] - r["size"]))
            cells += [f"{per_mb(r, TEXT_STAGES) / per_mb(near, TEXT_STAGES):.2f}", f"{per_mb(r) / per_mb(near):.2f}"]
        else:
            cells += ["", ""]
        cells += [f"{r['rss_after_models_mb']:.0f}", f"{r['peak_rss_mb']:.0f}"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["100KB", "1MB", "10MB"], help="article sizes (KB, MB)")
    parser.add_argument(
        "--hostile", nargs="+", default=["all"], help=f"hostile inputs: all, none, or some of: {', '.join(HOSTILE)}"
    )
    parser.add_argument("--hostile-sizes", nargs="+", default=["100KB"], help="sizes of the hostile inputs")
    parser.add_argument("--quick", action="store_true", help="20KB and 80KB for the news text and the hostile inputs")
    parser.add_argument("--config", default=str(ROOT / "configs" / "tiny.yaml"))
    parser.add_argument("--source", type=Path, default=SAMPLE if SAMPLE.exists() else CORPUS, help="French text")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "scaling")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)  # one size, in this process
    parser.add_argument("--input", default="news", help=argparse.SUPPRESS)  # the child's input
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.config, args.source, args.input)))
        return 0
    names = list(HOSTILE) if args.hostile == ["all"] else [] if args.hostile == ["none"] else args.hostile
    unknown = [n for n in names if n not in HOSTILE]
    if unknown:
        parser.error(f"unknown hostile input(s) {', '.join(unknown)}; known: {', '.join(HOSTILE)}")
    sizes = ["20KB", "80KB"] if args.quick else args.sizes
    hostile_sizes = ["20KB", "80KB"] if args.quick else args.hostile_sizes
    runs = [("news", size) for size in sorted(parse_size(s) for s in sizes)]
    runs += [(name, size) for name in names for size in sorted(parse_size(s) for s in hostile_sizes)]
    results = []
    for name, size in runs:
        command = [
            sys.executable,
            __file__,
            "--child",
            str(size),
            "--config",
            args.config,
            "--source",
            str(args.source),
            "--input",
            name,
        ]
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{name} {label(size)}: {json.dumps(results[-1])}", file=sys.stderr)
        args.out.mkdir(parents=True, exist_ok=True)  # written after each size: a long run keeps what it has
        report = table(results)
        (args.out / "scaling.md").write_text(report, encoding="utf-8")
        (args.out / "scaling.json").write_text(
            json.dumps({"source": str(args.source), "config": args.config, "results": results}, indent=2) + "\n",
            encoding="utf-8",
        )
    print(report, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
