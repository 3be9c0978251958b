"""The end-to-end row: ``precis batch`` over the bench articles, today's code beside a baseline commit's.

Both run the default config on the same articles, machine and real-size random-weight
models, one after the other in separate processes, with no translation cache. Random
weights would end outputs at random, and would pick tokens a real model never writes, so
the row's models are copies of the bench's (``decoding_copy``) whose output layer gives
-10,000 to the end token and, in Marian, to every token the target tokenizer can't write
(the vocabulary's padding rows and the source side's pieces): every translation runs to
its ``max_new_tokens`` (``translate.max_new_tokens_ratio=1``, offset 0: as many tokens as
the batch's longest source sentence), every summary to 142 tokens
(``summarize.min_new_tokens`` = ``max_new_tokens``), and an output re-encodes to about
its own length, as a real model's does (else the translation guard would retry nearly
every sentence and the confidence pass would score outputs three times their length). The
output layer keeps its full size, so the work per step is the published model's. The two
codes then do the same decoding work, and their outputs can be compared article by
article.

The baseline is the code as it was before the batch job's scale work (``BASELINE``),
extracted with ``git archive`` from this repository and run with this environment's
packages. Articles per minute count the batch's processing time (``processing_s`` of its
manifest: the models' load and conversion left out); the stage shares come from the
manifest's ``stages_s``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.bench.data import ROOT

# The batch job as of 2026-11-30 (its last commit before the scale work).
BASELINE = "2211336"
EOS_BIAS = -10_000.0
SUMMARY_TOKENS = 142


def decoding_copy(folder: str) -> str:
    """A copy of a built model that never ends early nor writes what its tokenizer can't (built once, cached).

    The end token, and in Marian every id that isn't a piece of the target tokenizer, get
    ``EOS_BIAS`` in the output layer's bias.
    """
    from models.tiny import build_once

    source = Path(folder)
    target = source.with_name(source.name + "-decoding")

    def make(out: Path) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM

        model = AutoModelForSeq2SeqLM.from_pretrained(source)
        eos = model.config.eos_token_id
        blocked = [eos, *unwritable(source)]
        with torch.no_grad():
            model.final_logits_bias[0, blocked] = EOS_BIAS
        model.save_pretrained(out)
        for f in source.iterdir():
            if f.is_file() and not (out / f.name).exists():
                shutil.copy2(f, out / f.name)
        # Loaded back, the bias must be there: a loader that re-initialized it would make the row meaningless.
        again = AutoModelForSeq2SeqLM.from_pretrained(out)
        if float(again.final_logits_bias[0, eos]) != EOS_BIAS:
            raise RuntimeError(f"{out}: the end token's bias did not survive saving")

    return str(build_once(target, make))


def unwritable(folder: Path) -> list[int]:
    """Marian's ids that aren't pieces of its target SentencePiece model (none for other tokenizers)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    target = getattr(tokenizer, "spm_target", None)
    if target is None:
        return []
    special = set(tokenizer.all_special_ids)
    return sorted(
        i
        for piece, i in tokenizer.get_vocab().items()
        if i not in special and (piece.startswith("<") or target.piece_to_id(piece) == target.unk_id())
    )


def overrides(threads: int) -> list[str]:
    """The ``--set`` options both codes run with besides the models: fixed decode lengths, no guard."""
    return [
        "translate.max_new_tokens_ratio=1.0",
        "translate.max_new_tokens_offset=0",
        f"summarize.min_new_tokens={SUMMARY_TOKENS}",
        f"summarize.max_new_tokens={SUMMARY_TOKENS}",
        # Random weights loop and run long: the guard would retry most sentences, as a real model
        # never makes it; the bench's translation rows leave it out too.
        "translate.guard.enabled=false",
        f"runtime.threads={threads}",
    ]


def write_articles(articles: list[str], folder: Path) -> Path:
    """The articles as files of a batch input folder (the sample as Markdown, the others as text)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(articles):
        (folder / f"{i:03d}.{'md' if i == 0 else 'txt'}").write_text(text + "\n", encoding="utf-8")
    return folder


def extract(commit: str, dest: Path) -> Path:
    """The repository's files at ``commit`` in ``dest`` (``git archive``).

    Raises:
        RuntimeError: no git, or the commit isn't in this clone (a shallow one).
    """
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit], capture_output=True, check=False
    )
    if archive.returncode != 0:
        raise RuntimeError(f"git archive {commit}: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def run_batch(code: Path, inputs: Path, out: Path, sets: list[str]) -> dict[str, Any]:
    """``precis batch INPUTS --out OUT`` with the code in ``code``: its manifest's numbers and its outputs."""
    command = [
        sys.executable,
        "-m",
        "pipeline.cli",
        "batch",
        str(inputs),
        "--out",
        str(out),
        "--no-cache",
        "--log-json",
    ]
    for s in sets:
        command += ["--set", s]
    env = {**os.environ, "PYTHONPATH": str(code)}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"precis batch ({code}) exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    (manifest_path,) = (out / "runs").glob("*/manifest.json")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    timings = manifest["timings"]
    done_count = manifest["counts"]["done"]
    stages = timings["stages_s"]
    return {
        "articles": done_count,
        "failed": manifest["counts"]["failed"],
        "process_wall_s": round(wall, 2),
        "models_s": timings["models_s"],
        "processing_s": timings["processing_s"],
        "articles_per_min": done_count / timings["processing_s"] * 60,
        "stages_s": stages,
        "stage_shares": {k: v / sum(stages.values()) for k, v in stages.items()} if sum(stages.values()) else {},
        "outputs": outputs(out),
    }


def outputs(out: Path) -> dict[str, dict[str, Any]]:
    """Each result's summary and sentence translations, by article id."""
    found = {}
    for path in sorted((out / "results").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        found[record["id"]] = {
            "summary": record["summary"],
            "translations": [s["translation"] for s in record["segments"]],
        }
    return found


def same_outputs(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """How many articles have the same summary, and how many sentences the same translation, in both."""
    ids = sorted(set(a) & set(b))
    pairs = [(x, y) for i in ids for x, y in zip(a[i]["translations"], b[i]["translations"], strict=False)]
    return {
        "articles": len(ids),
        "summaries_equal": sum(a[i]["summary"] == b[i]["summary"] for i in ids),
        "sentences": len(pairs),
        "translations_equal": sum(x == y for x, y in pairs),
        "articles_all_equal": sum(a[i] == b[i] for i in ids),
    }


# The row that takes confidence from the decoding itself (pipeline/confidence.py): no rescoring pass.
DECODE_CONFIDENCE = ["translate.confidence.source=decode", "summarize.confidence_source=decode"]


def run_endtoend(articles: list[str], built: dict[str, str], threads: int, baseline: str | None) -> dict[str, Any]:
    """Today's ``precis batch`` and the baseline's on ``articles``: articles/min, stage shares, output agreement."""
    models = [f"translate.model={decoding_copy(built['marian'])}", f"summarize.model={decoding_copy(built['bart'])}"]
    sets = models + overrides(threads)
    skipped = None
    with tempfile.TemporaryDirectory(prefix="precis-e2e-") as tmp:
        work = Path(tmp)
        inputs = write_articles(articles, work / "articles")
        runs = {"today": (ROOT, []), "today-decode-confidence": (ROOT, DECODE_CONFIDENCE)}
        if baseline:
            try:
                runs["baseline"] = (extract(baseline, work / "baseline-code"), [])
                # Marked spans translated alone join the sentences' batches, which changes the batches'
                # decode lengths: with them off, today's translations can be compared with the baseline's.
                runs["today-no-markup"] = (ROOT, ["translate.markup=false"])
            except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
                skipped = str(exc)
        rows = {
            name: run_batch(code, inputs, work / f"out-{name}", sets + extra) for name, (code, extra) in runs.items()
        }
    report: dict[str, Any] = {
        "baseline_commit": baseline,
        "baseline_skipped": skipped,
        "overrides": overrides(threads),
        "rows": rows,
    }
    if "baseline" in rows:
        today, base = rows["today"], rows["baseline"]
        report["speedup"] = today["articles_per_min"] / base["articles_per_min"]
        report["agreement"] = same_outputs(today["outputs"], base["outputs"])
        report["agreement_no_markup"] = same_outputs(rows["today-no-markup"]["outputs"], base["outputs"])
        report["decode_confidence_vs_baseline"] = (
            rows["today-decode-confidence"]["articles_per_min"] / base["articles_per_min"]
        )
    decode = rows["today-decode-confidence"]
    report["decode_confidence_vs_today"] = decode["articles_per_min"] / rows["today"]["articles_per_min"]
    report["agreement_decode_confidence"] = same_outputs(decode["outputs"], rows["today"]["outputs"])
    for row in rows.values():
        del row["outputs"]
    return report
