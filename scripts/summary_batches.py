"""Summarization speed by ``summarize.batch_size``, and the share of the confidence pass.

    python scripts/summary_batches.py [--articles 8] [--tokens 900] [--batch-sizes 4 8] [--quick]

Runs precis's default summarize stage (CTranslate2 int8 on CPU) on ``--articles`` copies
of an English article of about ``--tokens`` tokens, with the bench's real-size random-weight
distilBART (``eval.bench``; ``--quick``: the toy size) in its end-to-end copy
(``eval.bench.endtoend.decoding_copy``: every summary 142 tokens long). Prints, per batch
size, the seconds per article and the seconds spent scoring the summaries
(``summarize.confidence``). One warm-up article is summarized first, so the model's load
and conversion are left out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--articles", type=int, default=8)
    p.add_argument("--tokens", type=int, default=900)
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[4, 8])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="the toy-sized model")
    args = p.parse_args()

    from eval.bench.data import ORANGESUM, bench_corpus, english_article, english_doc
    from eval.bench.endtoend import SUMMARY_TOKENS, decoding_copy
    from eval.bench.lineup import sizes
    from models import tiny
    from pipeline import config
    from pipeline.runner import build_stage

    size = sizes(args.quick)["bart"]
    if not args.quick:
        size = tiny.Size(**{**size.__dict__, "corpus": str(bench_corpus(ORANGESUM))})
    model = decoding_copy(str(tiny.ensure("bart", size)))
    docs = [english_doc(english_article(args.tokens, model))] * args.articles
    print("| batch_size | seconds | seconds per article | of which scoring |")
    print("|---|---|---|---|")
    for batch_size in args.batch_sizes:
        cfg = config.load(
            overrides=[
                f"summarize.model={model}",
                f"summarize.min_new_tokens={SUMMARY_TOKENS}",
                f"summarize.max_new_tokens={SUMMARY_TOKENS}",
                f"summarize.batch_size={batch_size}",
                f"runtime.threads={args.threads}",
            ]
        )
        stage = build_stage("summarize", cfg)
        list(stage.pipe(docs[:1]))  # warm-up
        score, scoring = stage.model.score, [0.0]

        def timed(sources: list[str], targets: list[str], score=score, scoring=scoring) -> list[tuple[float, int]]:
            start = time.perf_counter()
            try:
                return score(sources, targets)
            finally:
                scoring[0] += time.perf_counter() - start

        stage.model.score = timed
        start = time.perf_counter()
        list(stage.pipe(docs))
        total = time.perf_counter() - start
        print(f"| {batch_size} | {total:.1f} | {total / len(docs):.2f} | {scoring[0]:.1f} s |")


if __name__ == "__main__":
    main()
