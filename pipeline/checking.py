"""``precis check``: the consistency check on any system's output, from two aligned text files.

Line N of the French file and line N of the English file are one segment and its
translation. Each line pair is checked as the ``consistency`` stage checks a segment
(``pipeline.facts``: names by spaCy's French NER, read in batches; no translation model is
loaded); the result is one record per line and a summary. Lines are independent unless
``document`` says they form one text (a person named in full on an earlier line may then
be named by the last name alone, and a first name dropped is a mismatch, not a note).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import config as config_mod
from pipeline import facts
from pipeline.consistency import FactsConfig
from pipeline.errors import InputError


@dataclass(frozen=True)
class CheckResult:
    """Per line ``{"line": N, "flags": [...], "expected": [...]}`` (1-based, every line), and a summary."""

    lines: list[dict[str, Any]]
    summary: dict[str, Any]


def load_config(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> FactsConfig:
    """The ``consistency`` section of a config file (or the defaults), with ``--set`` overrides.

    The config's other sections are validated but not used; its pipeline need not list
    ``consistency``.

    Raises:
        ConfigError: unknown key or bad value.
    """
    # The stages the check runs after in a pipeline are named only so the config's order
    # check passes (consistency needs translations); nothing of theirs is loaded.
    cfg = config_mod.load(path, [*overrides, "pipeline=[segment, translate, consistency]"])
    _, section = cfg.stage("consistency")
    if not isinstance(section, FactsConfig):
        raise TypeError(f"consistency: expected the facts stage's config, got {type(section).__name__}")
    return section


def read_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 text file (a BOM is allowed), without their line endings.

    Lines are split at ``\\n`` only (``\\r\\n`` too), as ``wc -l`` and aligned corpora
    count them; a final newline ends the last line instead of starting an empty one.

    Raises:
        InputError: missing, not a file, unreadable or not UTF-8.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():
        raise InputError(f"{path}: not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: can't be read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
            "convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def check_lines(
    sources: list[str], translations: list[str], config: FactsConfig | None = None, document: bool = False
) -> CheckResult:
    """Check each translation against its source line (the lists must be aligned).

    Raises:
        InputError: the two lists differ in length.
    """
    if len(sources) != len(translations):
        raise InputError(
            f"the source has {len(sources)} line(s) and the translation {len(translations)}; "
            "they must be aligned, one segment a line"
        )
    config = config or FactsConfig()
    kinds = config.kinds()
    records: list[dict[str, Any]] = []
    items: dict[str, int] = dict.fromkeys(kinds, 0)
    missing: dict[str, int] = dict.fromkeys(kinds, 0)
    flagged_by: dict[str, int] = {f"{severity}:{kind}": 0 for severity in facts.SEVERITIES for kind in kinds}
    # Thousands of lines: the NER model reads in one process per core (two at most).
    processes = min(2, os.cpu_count() or 1) if len(sources) >= 2000 else 1
    facts.prepare(sources, config.ner, processes)
    seen: set[str] = set()
    for n, (source, translation) in enumerate(zip(sources, translations, strict=True), start=1):
        result = facts.check(
            source, translation, kinds, ner=config.ner, seen=frozenset(seen) if document else frozenset(),
            document=document,
        )  # fmt: skip
        if document:
            seen |= facts.persons(result)
        for item in result.items:
            items[item.kind] += 1
        for item in result.missing:
            missing[item.kind] += 1
        for flag in result.flags:
            flagged_by[flag] += 1
        expected = [f.to_dict() for f in result.findings]
        records.append({"line": n, "flags": list(result.flags), "expected": expected})
    flagged = sum(any(f.startswith("mismatch:") for f in r["flags"]) for r in records)
    noted = sum(bool(r["flags"]) for r in records) - flagged
    summary = {
        "lines": len(records),
        "flagged": flagged,
        "flagged_rate": round(flagged / len(records), 4) if records else 0.0,
        "noted": noted,
        "checks": list(kinds),
        "names": facts.names_reader(config.ner),
        "document": document,
        "items": items,
        "missing": missing,
        "flagged_by": flagged_by,
    }
    return CheckResult(records, summary)


def check_files(
    source_path: str | Path, translation_path: str | Path, config: FactsConfig | None = None, document: bool = False
) -> CheckResult:
    """Check a translation file against its source file, line by line (``precis check``).

    Raises:
        InputError: a file is missing or not UTF-8, or their line counts differ.
    """
    sources = read_lines(source_path)
    translations = read_lines(translation_path)
    if len(sources) != len(translations):
        raise InputError(
            f"{source_path} has {len(sources)} line(s) but {translation_path} has {len(translations)}; "
            "they must be aligned, one segment a line"
        )
    return check_lines(sources, translations, config, document)


def summary_line(summary: dict[str, Any]) -> str:
    """The summary in words, for stderr: ``3 of 120 lines flagged (2.5%): mismatch:number 2, ... [names: ...]``."""
    by = ", ".join(f"{flag} {n}" for flag, n in summary["flagged_by"].items() if n)
    rate = f"{100 * summary['flagged_rate']:.1f}%"
    notes = f", {summary['noted']} with notes only" if summary.get("noted") else ""
    line = f"{summary['flagged']} of {summary['lines']} lines flagged ({rate}){notes}" + (f": {by}" if by else "")
    return line + f" [names: {summary['names']}]" if "names" in summary else line
