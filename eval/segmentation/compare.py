"""Boundary precision/recall/F1 of French sentence segmenters on the gold set.

Compares precis's segmenter (``pipeline.sentences.split_sentences``) with pysbd and
sentencex on the development set ``fr_gold.jsonl`` (precis's rules were refined while
looking at its errors) and the held-out set ``fr_heldout.jsonl`` (annotated separately,
never looked at while tuning), and writes ``results.md`` and ``results.json`` beside
them. A boundary is the character offset where a sentence starts, the first sentence
of each text excepted; a predicted boundary counts when it is exactly a gold one.

Run: ``make segeval`` (or ``python -m eval.segmentation.compare``).
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).parent
SETS = {"held-out": HERE / "fr_heldout.jsonl", "development": HERE / "fr_gold.jsonl"}


def boundaries(text: str, sentences: list[str]) -> set[int]:
    """Start offsets in ``text`` of every sentence but the first.

    Segmenters may trim or re-space their output, so each sentence is looked up from
    where the previous one ended, by its first 20 non-space characters.
    """
    found, cursor = set(), 0
    for k, sentence in enumerate(s.strip() for s in sentences):
        if not sentence:
            continue
        at = text.find(sentence[:20], cursor)
        if at < 0:
            raise ValueError(f"sentence not found in text: {sentence[:40]!r}")
        if k > 0 and at > 0:
            found.add(at)
        cursor = at + max(1, len(sentence) - 1)
    return found


def segmenters() -> dict[str, tuple[str, Callable[[str], list[str]]]]:
    """name -> (version, function) for each segmenter compared."""
    import pysbd
    import sentencex

    from pipeline.sentences import split_sentences

    fr = pysbd.Segmenter(language="fr", clean=False)
    return {
        "precis": (version("precis"), split_sentences),
        "pysbd": (version("pysbd"), fr.segment),
        "sentencex": (version("sentencex"), lambda text: list(sentencex.segment("fr", text))),
    }


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(100 * p, 1),
        "recall": round(100 * r, 1),
        "f1": round(100 * f, 1),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def evaluate(rows: list[dict]) -> dict:
    results = {}
    for name, (ver, segment) in segmenters().items():
        counts: dict[str, list[int]] = {}
        errors = []
        for row in rows:
            gold = boundaries(row["text"], row["sentences"])
            pred = boundaries(row["text"], segment(row["text"]))
            for group in ("all", row["source"]):
                c = counts.setdefault(group, [0, 0, 0])
                c[0] += len(gold & pred)
                c[1] += len(pred - gold)
                c[2] += len(gold - pred)
            if gold != pred and len(errors) < 200:
                errors.append({"id": row["id"], "missed": sorted(gold - pred), "extra": sorted(pred - gold)})
        results[name] = {"version": ver, "scores": {g: prf(*c) for g, c in counts.items()}, "errors": errors}
    return results


def table(results: dict, rows: list[dict]) -> list[str]:
    groups = ["all", *sorted({r["source"] for r in rows})]
    n = {g: sum(len(r["sentences"]) - 1 for r in rows if g in ("all", r["source"])) for g in groups}
    lines = [
        "| segmenter | version | " + " | ".join(f"{g} ({n[g]}) P / R / F1" for g in groups) + " |",
        "|---|---|" + "---|" * len(groups),
    ]
    for name, res in results.items():
        cells = [
            f"{res['scores'][g]['precision']} / {res['scores'][g]['recall']} / **{res['scores'][g]['f1']}**"
            for g in groups
        ]
        lines.append(f"| {name} | {res['version']} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    lines = [
        "# French sentence segmentation: boundary precision / recall / F1",
        "",
        "Produced by `make segeval` (`python -m eval.segmentation.compare`). Boundaries are the character",
        "offsets where sentences start; sources, licences and annotation rules in README.md.",
    ]
    everything = {}
    for name, path in SETS.items():
        if not path.is_file():
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        results = evaluate(rows)
        everything[name] = results
        note = (
            "annotated separately; never looked at while writing precis's rules"
            if name == "held-out"
            else "precis's rules were refined while looking at its errors, so its precis numbers are optimistic"
        )
        boundaries_n = sum(len(r["sentences"]) - 1 for r in rows)
        lines += [
            "",
            f"## {name} set: `{path.name}` ({len(rows)} texts, {boundaries_n} boundaries)",
            "",
            f"_{note}_",
            "",
        ]
        lines += table(results, rows)
    lines += [
        "",
        f"Python {platform.python_version()}. pysbd with `language='fr', clean=False`; sentencex with language `fr`.",
    ]
    (HERE / "results.json").write_text(json.dumps(everything, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    markdown = "\n".join(lines) + "\n"
    (HERE / "results.md").write_text(markdown, encoding="utf-8")
    print(markdown)


if __name__ == "__main__":
    main()
