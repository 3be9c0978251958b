"""How often the consistency check cries wolf on human translations, and how often it catches errors.

Reads the line-aligned French-English sets in ``../shared/data/parallel/`` (Tatoeba and
TICO-19, human translations; licenses in that folder's README) and splits each into a
development half, which the checker's rules and tables were tuned on, and a held-out
test half, run once at the end: a line pair goes to ``dev`` when the first byte of the
SHA-256 of ``french + "\\t" + english`` is even, else to ``test``.

Two measures, per set and part:

- **false flags**: the share of human reference lines that ``pipeline.facts.check``
  flags (every line, and the lines holding an item of each kind). A human translation
  may itself drop or change a fact, so not every flag here is false; the rate is an
  upper bound of the checker's false-flag rate.
- **detection**: errors injected into references the checker passes: a number
  changed (one digit, or a number word, of one English place where a French number or
  percentage was found), a name dropped (one English mention of a French name deleted:
  the words the check matched there, "Vladimir Chizhov" whole) and a unit swapped (one
  English unit or scale word of a French unit or scaled number, replaced by another of
  the same dimension: euros/dollars, days/weeks, million/billion). Only lines with such
  an item get one; which item, place and new digit come from a random generator seeded
  with the seed, set, line and error type, so a run is reproducible. A detection is any
  flag on the corrupted line. The report also gives the share flagged with the item's
  own kind, and how many misses had the item in a second English place (the check looks
  for an item anywhere in the sentence, so a second mention hides a changed one). An
  injected error in the only English mention of an item is caught by construction; what
  these rates measure is how often the English holds a second, lenient match.

Run: ``python -m eval.consistency [--parts dev,test] [--seed 0] [--out runs/consistency]``;
writes ``report.json`` and ``report.md`` into the output folder and prints the Markdown.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eval import review
from eval.injection import inject
from eval.parallel import DATA, MISALIGNED, PARTS, ROOT, SETS, Pair, part_of, read_pairs
from pipeline import facts

ERRORS = ("number_changed", "name_dropped", "unit_swapped")


# ---------------------------------------------------------------- measures


def _rate(n: int, d: int) -> float | None:
    return round(100 * n / d, 2) if d else None


def measure(pairs: list[Pair], seed: int, verdicts: review.Review | None = None) -> dict[str, Any]:
    """False flags and detection on one part of one set; ``verdicts``: a second reader's (``eval.review``)."""
    lines = flagged = with_items = differs = unreviewed = 0
    kind_lines: Counter[str] = Counter()
    kind_flagged: Counter[str] = Counter()
    items_n: Counter[str] = Counter()
    missing_n: Counter[str] = Counter()
    clean: list[Pair] = []
    for pair in pairs:
        result = facts.check(pair.french, pair.english)
        lines += 1
        with_items += bool(result.items)
        flagged += bool(result.flags)
        if result.flags:
            verdict = review.reference_differs(verdicts or {}, pair.set, pair.line, result.missing)
            differs += verdict is True
            unreviewed += verdict is None
        for kind in {i.kind for i in result.items}:
            kind_lines[kind] += 1
        for kind in {i.kind for i in result.missing}:
            kind_flagged[kind] += 1
        items_n.update(i.kind for i in result.items)
        missing_n.update(i.kind for i in result.missing)
        if result.items and not result.flags:
            clean.append(pair)
    detection = {}
    for error in ERRORS:
        injected = detected = own = hidden = 0
        for pair in clean:
            corrupted = inject(pair, error, seed)
            if corrupted is None:
                continue
            result = facts.check(pair.french, corrupted["english"])
            injected += 1
            detected += bool(result.flags)
            own += f"mismatch:{corrupted['kind']}" in result.flags
            hidden += corrupted["elsewhere"] and not result.flags
        detection[error] = {
            "injected": injected,
            "detected": detected,
            "rate": _rate(detected, injected),
            "own_kind_rate": _rate(own, injected),
            "missed_found_elsewhere": hidden,
        }
    return {
        "lines": lines,
        "lines_with_items": with_items,
        "flagged": flagged,
        "false_flag_rate": _rate(flagged, lines),
        "false_flag_rate_with_items": _rate(flagged, with_items),
        "reviewed": {
            "reference_differs": differs,
            "unreviewed": unreviewed,
            "false_flags": flagged - differs,
            "false_flag_rate": _rate(flagged - differs, lines),
        },
        "by_kind": {
            kind: {
                "lines": kind_lines[kind],
                "flagged": kind_flagged[kind],
                "rate": _rate(kind_flagged[kind], kind_lines[kind]),
                "items": items_n[kind],
                "missing": missing_n[kind],
            }
            for kind in facts.KINDS
            if kind_lines[kind]
        },
        "detection": detection,
    }


def flagged_examples(pairs: list[Pair], limit: int) -> Iterator[dict[str, Any]]:
    """Flagged human references (for looking at on the dev part only)."""
    shown = 0
    for pair in pairs:
        result = facts.check(pair.french, pair.english)
        if result.flags and shown < limit:
            shown += 1
            yield {
                "set": pair.set,
                "line": pair.line,
                "french": pair.french,
                "english": pair.english,
                "missing": [i.to_dict() for i in result.missing],
            }


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "pipeline/facts"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def to_markdown(report: dict[str, Any]) -> str:
    out = [
        "# Source-translation consistency: human references",
        "",
        f"`{report['command']}` at {report['commit']}; seed {report['seed']}; data `{report['data']}`.",
        "",
        "## False flags (flagged human reference lines)",
        "",
        "| set | part | lines | with items | flagged | rate | rate, lines with items | reader: reference differs "
        "| false flags | rate |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, parts in report["results"].items():
        for part, r in parts.items():
            out.append(
                f"| {name} | {part} | {r['lines']} | {r['lines_with_items']} | {r['flagged']} | "
                f"{_pct(r['false_flag_rate'])} | {_pct(r['false_flag_rate_with_items'])} | "
                f"{r['reviewed']['reference_differs']} | {r['reviewed']['false_flags']} | "
                f"{_pct(r['reviewed']['false_flag_rate'])} |"
            )
    out += [
        "",
        "Flagged: the upper bound of the false-flag rate. A second reader judged each flagged line "
        "(`eval/data/flag-review.jsonl`, `eval/review.py`): *reference differs* where the human English itself "
        "drops or changes the item; the rest are false flags. Flagged lines the reader didn't see: "
        + ", ".join(
            f"{name} {part} {r['reviewed']['unreviewed']}" for name, parts in report["results"].items()
            for part, r in parts.items()
        )
        + " (counted as false flags).",
    ]
    for name, parts in report["results"].items():
        for part, r in parts.items():
            if "misaligned" in r:
                m = r["misaligned"]
                out.append(
                    f"\n{name} {part}: {m['lines']} more lines pair sentences that are not translations of each "
                    f"other (lines {', '.join(f'{a}-{b}' for a, b in report['misaligned'][name])}); left out above; "
                    f"the check flags {m['flagged']} of them ({_pct(m['rate'])})."
                )
    out += ["", "By item kind (lines holding an item of the kind; of those, flagged for it):", ""]
    out += ["| set | part | kind | lines | flagged | rate | items | missing |", "|---|---|---|---|---|---|---|---|"]
    for name, parts in report["results"].items():
        for part, r in parts.items():
            for kind, k in r["by_kind"].items():
                out.append(
                    f"| {name} | {part} | {kind} | {k['lines']} | {k['flagged']} | {_pct(k['rate'])} | "
                    f"{k['items']} | {k['missing']} |"
                )
    out += [
        "",
        "## Detection of injected errors (references the check passes, one error each)",
        "",
        "| set | part | error | injected | detected | rate | flag of the item's kind | missed, item also elsewhere |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, parts in report["results"].items():
        for part, r in parts.items():
            for error, d in r["detection"].items():
                out.append(
                    f"| {name} | {part} | {error} | {d['injected']} | {d['detected']} | {_pct(d['rate'])} | "
                    f"{_pct(d['own_kind_rate'])} | {d['missed_found_elsewhere']} of {d['injected'] - d['detected']} |"
                )
    return "\n".join(out) + "\n"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.consistency", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the parallel sets")
    parser.add_argument("--parts", default="dev,test", help="dev, test or both (dev,test)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the injected errors")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "consistency", help="report folder")
    parser.add_argument("--show", type=int, default=0, help="print N flagged dev references to stderr")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if not parts or any(p not in PARTS for p in parts):
        parser.error(f"--parts {args.parts!r}: valid parts: dev, test")
    results: dict[str, dict[str, Any]] = {}
    verdicts = review.load()
    for name in SETS:
        pairs = read_pairs(args.data, name)
        results[name] = {}
        for part in parts:
            chosen = [p for p in pairs if part_of(p.french, p.english) == part and p.aligned]
            results[name][part] = measure(chosen, args.seed, verdicts)
            misaligned = [p for p in pairs if part_of(p.french, p.english) == part and not p.aligned]
            if misaligned:
                flagged = sum(bool(facts.check(p.french, p.english).flags) for p in misaligned)
                results[name][part]["misaligned"] = {
                    "lines": len(misaligned),
                    "flagged": flagged,
                    "rate": _rate(flagged, len(misaligned)),
                }
            if part == "dev" and args.show:
                for example in flagged_examples(chosen, args.show):
                    print(json.dumps(example, ensure_ascii=False), file=sys.stderr)
    command = "python -m eval.consistency" + ("" if parts == list(PARTS) else f" --parts {','.join(parts)}")
    report = {
        "command": command + ("" if args.seed == 0 else f" --seed {args.seed}"),
        "commit": _commit(),
        "seed": args.seed,
        "data": str(args.data),
        "split": "sha256(french + '\\t' + english)[0] even: dev, odd: test",
        "misaligned": {name: [list(r) for r in ranges] for name, ranges in MISALIGNED.items()},
        "results": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown = to_markdown(report)
    (args.out / "report.md").write_text(markdown, encoding="utf-8")
    print(markdown, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
