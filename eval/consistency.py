"""How often the consistency check cries wolf on human translations, and how often it catches errors.

Sets (``eval.parallel.SETS``; ``../shared/data/parallel/``, licenses in that folder's
README): Tatoeba (short everyday sentences), TICO-19 (COVID-19 health information), and
the WMT news sets newstest2012 and newstest2013, on which the targets below are set. Each
is split into a development half, which the checker's rules and tables are tuned on, and
a held-out test half: a line pair goes to ``dev`` when the first byte of the SHA-256 of
``french + "\\t" + english`` is even, else to ``test``.

Severities. ``pipeline.facts.check(french, english)`` gives flags ``mismatch:<kind>``
(strong evidence the English lacks an item: what a *flag* is here) and ``check:<kind>``
(weaker: a quiet *note*). Only the prefixes are read here.

Two measures, per set and part:

- **false flags**: the share of human reference lines with a ``mismatch:*`` flag (every
  line, and the lines holding an item), and apart, the share with ``check:*`` notes only.
  A human translation may itself drop or change a fact, so not every flag is false: a
  second reader's verdicts (``eval/review.py``, ``eval/data/flag-review.jsonl``) split the
  flagged lines into *reference differs* and *false flags*; a flagged line the reader
  hasn't judged counts as a false flag, and in the *unreviewed* column.
- **detection**: one error injected into each reference the check passes (items found, no
  ``mismatch:*`` flag) that offers a place for it (``eval.injection``): ``number_changed``,
  ``unit_swapped`` (made on the checker's own reading), ``name_dropped`` (a whole English
  name whose words the French holds), ``name_word_dropped`` (one word of such a name of two
  or more words), ``number_word_changed`` (the English value of a number the French spells
  out). The last three read both sides with rules of their own, so the measure doesn't
  grade the checker by its own reading. A line is *caught* when the corrupted line has a
  ``mismatch:*`` flag; the report also gives the share with a flag of the item's own kind,
  the share with any flag (a mismatch, or a ``check:*`` note the clean line didn't have),
  and how many misses still had the item in a second English place (the check looks
  for an item anywhere in the sentence, so a second mention hides a changed one).

Targets, on the news sets (both halves; the test half is the one that counts):
``mismatch:*`` flags on at most 2% of lines; at least half the flags a reader has
judged are the reference's own change; caught: ``number_changed`` and ``name_dropped``
95%, ``name_word_dropped`` 85%, ``number_word_changed`` 80% (``TARGETS``).

``facts.check`` runs once per line pair and once per injected variant (``Checks``: the
French reading may be slow).

Run: ``python -m eval.consistency [--parts dev,test] [--seed 0] [--out runs/consistency]
[--unreviewed FILE]``; writes ``report.json`` and ``report.md`` into the output folder and
prints the Markdown. ``--unreviewed`` also writes the flagged lines no reader has judged,
in ``flag-review.jsonl``'s form less the verdicts, for a reader to fill in.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from eval import review
from eval.injection import ERRORS, inject
from eval.parallel import DATA, MISALIGNED, PARTS, ROOT, SETS, Pair, part_of, read_pairs
from pipeline import facts

NEWS = ("newstest2012", "newstest2013")
# Target of each measure on the news sets: ("max", x): at most x%; ("min", x): at least x%.
TARGETS: dict[str, tuple[str, float]] = {
    "flagged": ("max", 2.0),
    "judged_real": ("min", 50.0),
    "number_changed": ("min", 95.0),
    "name_dropped": ("min", 95.0),
    "name_word_dropped": ("min", 85.0),
    "number_word_changed": ("min", 80.0),
}
LABELS = {
    "tatoeba-test": "Tatoeba",
    "tico19-test": "TICO-19",
    "newstest2012": "newstest2012",
    "newstest2013": "newstest2013",
}


# ---------------------------------------------------------------- flags


def mismatches(flags: Iterable[str]) -> list[str]:
    """The kinds of the ``mismatch:<kind>`` flags."""
    return [f.split(":", 1)[1] for f in flags if f.startswith("mismatch:")]


def notes(flags: Iterable[str]) -> list[str]:
    """The kinds of the ``check:<kind>`` notes."""
    return [f.split(":", 1)[1] for f in flags if f.startswith("check:")]


class Checks:
    """``facts.check``, run once per (French, English) pair however often it is asked."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, str], facts.Check] = {}

    def __call__(self, french: str, english: str) -> facts.Check:
        key = (french, english)
        if key not in self._done:
            self._done[key] = facts.check(french, english)
        return self._done[key]

    @property
    def calls(self) -> int:
        return len(self._done)


def flagged_missing(result: facts.Check) -> list[facts.Item]:
    """The missing items a ``mismatch:*`` flag stands for (what a reader judges)."""
    kinds = set(mismatches(result.flags))
    return [i for i in result.missing if i.kind in kinds]


# ---------------------------------------------------------------- measures


def _rate(n: int, d: int) -> float | None:
    return round(100 * n / d, 2) if d else None


def measure(
    pairs: list[Pair], seed: int, verdicts: review.Review | None = None, check: Checks | None = None
) -> dict[str, Any]:
    """False flags and detection on one part of one set; ``verdicts``: a second reader's (``eval.review``)."""
    check = check or Checks()
    lines = flagged = noted_only = with_items = differs = unreviewed = 0
    kind_lines: Counter[str] = Counter()
    kind_flagged: Counter[str] = Counter()
    kind_noted: Counter[str] = Counter()
    items_n: Counter[str] = Counter()
    missing_n: Counter[str] = Counter()
    clean: list[tuple[Pair, facts.Check]] = []
    for pair in pairs:
        result = check(pair.french, pair.english)
        strong, weak = mismatches(result.flags), notes(result.flags)
        lines += 1
        with_items += bool(result.items)
        flagged += bool(strong)
        noted_only += bool(weak) and not strong
        if strong:
            verdict = review.reference_differs(verdicts or {}, pair.set, pair.line, flagged_missing(result))
            differs += verdict is True
            unreviewed += verdict is None
        kind_lines.update({i.kind for i in result.items})
        kind_flagged.update(set(strong))
        kind_noted.update(set(weak))
        items_n.update(i.kind for i in result.items)
        missing_n.update(i.kind for i in result.missing)
        if result.items and not strong:
            clean.append((pair, result))
    detection = {}
    for error in ERRORS:
        injected = caught = any_flag = own = hidden = 0
        for pair, before in clean:
            corrupted = inject(pair, error, seed, before.items)
            if corrupted is None:
                continue
            flags = check(pair.french, corrupted["english"]).flags
            strong = mismatches(flags)
            new_notes = set(notes(flags)) - set(notes(before.flags))
            injected += 1
            caught += bool(strong)
            any_flag += bool(strong or new_notes)
            own += corrupted["kind"] in strong
            hidden += corrupted["elsewhere"] and not strong
        detection[error] = {
            "injected": injected,
            "caught": caught,
            "rate": _rate(caught, injected),
            "any_flag": any_flag,
            "any_flag_rate": _rate(any_flag, injected),
            "own_kind": own,
            "own_kind_rate": _rate(own, injected),
            "missed_found_elsewhere": hidden,
        }
    kinds = [*facts.KINDS, *sorted((set(kind_lines) | set(kind_flagged) | set(kind_noted)) - set(facts.KINDS))]
    reviewed = flagged - unreviewed
    return {
        "lines": lines,
        "lines_with_items": with_items,
        "flagged": flagged,
        "flag_rate": _rate(flagged, lines),
        "flag_rate_with_items": _rate(flagged, with_items),
        "noted_only": noted_only,
        "noted_only_rate": _rate(noted_only, lines),
        "reviewed": {
            "reviewed": reviewed,
            "reference_differs": differs,
            "judged_real_rate": _rate(differs, reviewed),
            "unreviewed": unreviewed,
            "false_flags": flagged - differs,
            "false_flag_rate": _rate(flagged - differs, lines),
        },
        "by_kind": {
            kind: {
                "lines": kind_lines[kind],
                "flagged": kind_flagged[kind],
                "rate": _rate(kind_flagged[kind], kind_lines[kind]),
                "noted": kind_noted[kind],
                "items": items_n[kind],
                "missing": missing_n[kind],
            }
            for kind in kinds
            if kind_lines[kind] or kind_flagged[kind] or kind_noted[kind]
        },
        "detection": detection,
    }


def flagged_lines(pairs: list[Pair], check: Checks, verdicts: review.Review | None = None) -> Iterator[dict[str, Any]]:
    """Each ``mismatch:*``-flagged line, with what it misses; ``verdicts`` given: only those no reader judged."""
    for pair in pairs:
        result = check(pair.french, pair.english)
        missing = flagged_missing(result)
        if not missing:
            continue
        if verdicts is not None and review.reference_differs(verdicts, pair.set, pair.line, missing) is not None:
            continue
        yield {
            "set": pair.set,
            "line": pair.line,
            "french": pair.french,
            "english": pair.english,
            "flags": list(result.flags),
            "items": [i.to_dict() for i in missing],
        }


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "pipeline/facts", "eval"], cwd=ROOT, capture_output=True, text=True
        )
        return (out.stdout.strip() or "unknown") + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


# ---------------------------------------------------------------- report


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _met(name: str, value: float | None) -> str:
    if value is None or name not in TARGETS:
        return ""
    way, bound = TARGETS[name]
    return " ✓" if (value <= bound if way == "max" else value >= bound) else " ✗"


def _target(name: str) -> str:
    if name not in TARGETS:
        return "-"
    way, bound = TARGETS[name]
    return f"{'≤' if way == 'max' else '≥'} {bound:g}%"


def _pooled(results: dict[str, dict[str, Any]], names: Iterable[str], part: str) -> dict[str, Any] | None:
    """The news sets' counts summed, for one part."""
    rows = [results[n][part] for n in names if n in results and part in results[n]]
    if not rows:
        return None

    def total(*path: str) -> int:
        out = 0
        for r in rows:
            value: Any = r
            for key in path:
                value = value[key]
            out += value
        return out

    return {
        "lines": total("lines"),
        "flagged": total("flagged"),
        "reviewed": total("reviewed", "reviewed"),
        "reference_differs": total("reviewed", "reference_differs"),
        "detection": {
            e: (total("detection", e, "caught"), total("detection", e, "injected")) for e in rows[0]["detection"]
        },
    }


def _cell(name: str, n: int, d: int, empty: str = "-") -> str:
    rate = _rate(n, d)
    return empty if rate is None else f"{_pct(rate)}{_met(name, rate)} ({n}/{d})"


def _targets(report: dict[str, Any]) -> list[str]:
    results = report["results"]
    parts = [p for p in ("test", "dev") if p in report["parts"]]
    news = {p: _pooled(results, NEWS, p) for p in parts}
    if not any(news.values()):
        return []
    out = [
        "## Targets: news (newstest2012 + newstest2013)",
        "",
        "| measure | target | " + " | ".join(parts) + " |",
        "|---|---|" + "---|" * len(parts),
    ]

    def row(label: str, name: str, cells: list[str]) -> None:
        out.append(f"| {label} | {_target(name)} | " + " | ".join(cells) + " |")

    row("lines flagged `mismatch:*`", "flagged", [_cell("flagged", n["flagged"], n["lines"]) for n in news.values()])
    row(
        "flags judged real, of those reviewed",
        "judged_real",
        [
            _cell("judged_real", n["reference_differs"], n["reviewed"], f"- (0 of {n['flagged']} reviewed)")
            for n in news.values()
        ],
    )
    for error in ERRORS:
        row(f"caught: {error}", error, [_cell(error, *n["detection"][error]) for n in news.values()])
    for name in SETS:
        if name in NEWS or name not in results:
            continue
        cells = [_cell("", results[name][p]["flagged"], results[name][p]["lines"]) for p in parts]
        row(f"{LABELS.get(name, name)}: lines flagged `mismatch:*`", "", cells)
    out += [
        "",
        "✓/✗: target met or not. Caught: the corrupted line has a `mismatch:*` flag. Judged real: a second reader "
        "found the reference itself drops or changes the item (`eval/data/flag-review.jsonl`); news flags are not "
        "reviewed yet.",
        "",
    ]
    return out


def to_markdown(report: dict[str, Any]) -> str:
    results = report["results"]
    each = [(name, part, r) for name, parts in results.items() for part, r in parts.items()]
    out = [
        "# Source-translation consistency: human references",
        "",
        f"`{report['command']}` at {report['commit']}; seed {report['seed']}; data `{report['data']}`; "
        f"{report['checks']} checks, {report['seconds']:.0f} s.",
        "",
        *_targets(report),
        "## False flags (flagged human reference lines)",
        "",
        "| set | part | lines | with items | flagged `mismatch:*` | rate | rate, lines with items "
        "| `check:*` notes only | rate | reader: reference differs | false flags | unreviewed | rate |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, part, r in each:
        v = r["reviewed"]
        out.append(
            f"| {name} | {part} | {r['lines']} | {r['lines_with_items']} | {r['flagged']} | {_pct(r['flag_rate'])} | "
            f"{_pct(r['flag_rate_with_items'])} | {r['noted_only']} | {_pct(r['noted_only_rate'])} | "
            f"{v['reference_differs']} | {v['false_flags']} | {v['unreviewed']} | {_pct(v['false_flag_rate'])} |"
        )
    out += [
        "",
        "Flagged: lines with a `mismatch:*` flag, the upper bound of the false-flag rate; `check:*` notes only: "
        "lines with quiet notes and no flag. A second reader judged flagged lines (`eval/data/flag-review.jsonl`, "
        "`eval/review.py`): *reference differs* where the human English itself drops or changes the item; the rest "
        "are false flags, the *unreviewed* lines (no verdict for every item they miss) among them.",
    ]
    for name, part, r in each:
        if "misaligned" in r:
            m = r["misaligned"]
            out.append(
                f"\n{name} {part}: {m['lines']} more lines pair sentences that are not translations of each "
                f"other (lines {', '.join(f'{a}-{b}' for a, b in report['misaligned'][name])}); left out above; "
                f"the check flags {m['flagged']} of them ({_pct(m['rate'])})."
            )
    out += [
        "",
        "By item kind (lines holding an item of the kind; of those, flagged `mismatch:<kind>`; lines with a "
        "`check:<kind>` note):",
        "",
        "| set | part | kind | lines | flagged | rate | noted | items | missing |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, part, r in each:
        for kind, k in r["by_kind"].items():
            out.append(
                f"| {name} | {part} | {kind} | {k['lines']} | {k['flagged']} | {_pct(k['rate'])} | {k['noted']} | "
                f"{k['items']} | {k['missing']} |"
            )
    out += [
        "",
        "## Detection of injected errors (references the check passes, one error each)",
        "",
        "| set | part | error | injected | caught | rate | flag of the item's kind | any flag or new note "
        "| missed, item also elsewhere |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, part, r in each:
        for error, d in r["detection"].items():
            out.append(
                f"| {name} | {part} | {error} | {d['injected']} | {d['caught']} | {_pct(d['rate'])}"
                f"{_met(error, d['rate'])} | {_pct(d['own_kind_rate'])} | {_pct(d['any_flag_rate'])} | "
                f"{d['missed_found_elsewhere']} of {d['injected'] - d['caught']} |"
            )
    out += [
        "",
        "Caught: a `mismatch:*` flag on the corrupted line. ✓/✗ against the news targets (every set shown). "
        "Injected errors: `eval/injection.py`.",
    ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.consistency", description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of the parallel sets")
    parser.add_argument("--parts", default="dev,test", help="dev, test or both (dev,test)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the injected errors")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "consistency", help="report folder")
    parser.add_argument("--show", type=int, default=0, help="print N flagged dev references of each set to stderr")
    parser.add_argument(
        "--unreviewed", type=Path, help="write the flagged lines no reader has judged to this JSONL file"
    )
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if not parts or any(p not in PARTS for p in parts):
        parser.error(f"--parts {args.parts!r}: valid parts: dev, test")
    started = time.perf_counter()
    check = Checks()
    results: dict[str, dict[str, Any]] = {}
    verdicts = review.load()
    pending: list[dict[str, Any]] = []
    for name in SETS:
        pairs = read_pairs(args.data, name)
        results[name] = {}
        for part in parts:
            chosen = [p for p in pairs if part_of(p.french, p.english) == part and p.aligned]
            results[name][part] = measure(chosen, args.seed, verdicts, check)
            misaligned = [p for p in pairs if part_of(p.french, p.english) == part and not p.aligned]
            if misaligned:
                flagged = sum(bool(mismatches(check(p.french, p.english).flags)) for p in misaligned)
                results[name][part]["misaligned"] = {
                    "lines": len(misaligned),
                    "flagged": flagged,
                    "rate": _rate(flagged, len(misaligned)),
                }
            if part == "dev" and args.show:
                for k, example in enumerate(flagged_lines(chosen, check)):
                    if k == args.show:
                        break
                    print(json.dumps(example, ensure_ascii=False), file=sys.stderr)
            if args.unreviewed:
                pending += flagged_lines(chosen, check, verdicts)
    command = "python -m eval.consistency" + ("" if parts == list(PARTS) else f" --parts {','.join(parts)}")
    report = {
        "command": command + ("" if args.seed == 0 else f" --seed {args.seed}"),
        "commit": _commit(),
        "seed": args.seed,
        "data": str(args.data),
        "parts": parts,
        "split": "sha256(french + '\\t' + english)[0] even: dev, odd: test",
        "targets": {"sets": list(NEWS), **{k: list(v) for k, v in TARGETS.items()}},
        "misaligned": {name: [list(r) for r in ranges] for name, ranges in MISALIGNED.items()},
        "checks": check.calls,
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown = to_markdown(report)
    (args.out / "report.md").write_text(markdown, encoding="utf-8")
    if args.unreviewed:
        args.unreviewed.parent.mkdir(parents=True, exist_ok=True)
        args.unreviewed.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pending), "utf-8")
    print(markdown, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
