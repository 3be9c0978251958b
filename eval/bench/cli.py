"""``python -m eval.bench``: parses the arguments, runs the bench (or the sweep, or one worker), writes the report."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from eval.bench.data import ORANGESUM, ROOT
from eval.bench.endtoend import BASELINE
from eval.bench.lineup import BACKENDS
from eval.bench.report import to_markdown
from eval.bench.run import run_bench, run_sweep
from eval.bench.workers import work


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m eval.bench", description="Speed benchmark of translation and summarization."
    )
    p.add_argument("--quick", action="store_true", help="toy sizes and few sentences (the test suite's mode)")
    p.add_argument("--articles", type=int, default=21, help="articles: the sample + N-1 OrangeSum articles")
    p.add_argument("--data", type=Path, default=ORANGESUM, help="OrangeSum articles, one per line")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument(
        "--repeats", type=int, default=3, help="timed runs of precis's CTranslate2 path and the direct call (median)"
    )
    p.add_argument(
        "--endtoend",
        choices=["on", "off", "only"],
        default="on",
        help="the end-to-end precis batch row: on (after the others), off, or only it",
    )
    p.add_argument(
        "--endtoend-baseline",
        default=BASELINE,
        metavar="COMMIT",
        help=f"the commit the end-to-end row compares with (default {BASELINE}); none: today's code only",
    )
    p.add_argument("--out", type=Path, default=None, help="folder for bench.json and bench.md")
    p.add_argument(
        "--sweep-batches",
        nargs="+",
        metavar="TOKENSxSENTENCES",
        help="instead of the bench: translation tok/s at each batch limit, e.g. 4096x64 768x16",
    )
    p.add_argument(
        "--sweep-variants", nargs="+", default=["precis-default", "transformers-fp32"], choices=list(BACKENDS)
    )
    p.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)  # task, variant, spec file, result file
    return p


def main(argv: list[str] | None = None) -> None:
    """Run the bench and print its Markdown report; ``--out`` (default ``runs/bench-<time>``) gets both files."""
    args = parser().parse_args(argv)
    if args.worker:
        task, variant, spec_file, out = args.worker
        spec = json.loads(Path(spec_file).read_text(encoding="utf-8"))
        Path(out).write_text(json.dumps(work(task, variant, spec)), encoding="utf-8")
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
