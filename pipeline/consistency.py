"""The consistency stage: flags translated segments that lost or changed a fact of their source.

Runs after ``translate``: for every translated segment (verbatim ones excepted), the
items ``pipeline.facts`` reads from the French (numbers, percentages, units, dates,
times, names, URLs, e-mail addresses) are looked for in the English. A segment with a
missing item gets a flag per kind (``mismatch:number``, ``mismatch:name``...), the
missing items in ``annotations["consistency"]["expected"]`` and a warning that names
them. The document's ``annotations["consistency"]`` counts what was checked and found
missing. No model: the check is rules and tables, so it costs milliseconds.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline import facts
from pipeline.config import Strict
from pipeline.document import Document, Segment
from pipeline.registry import register
from pipeline.stage import Stage

# Config key -> item kind (facts.KINDS).
CHECKS = {
    "numbers": "number",
    "percentages": "percent",
    "units": "unit",
    "dates": "date",
    "times": "time",
    "names": "name",
    "urls": "url",
    "emails": "email",
}


class FactsConfig(Strict):
    """Which item kinds are checked; each can be turned off."""

    numbers: bool = True  # 3,5 / 1 200 / 12 000 000 / 3 millions / 1er, 2e, XVIe
    percentages: bool = True  # 20 %, 20 pour cent
    units: bool = True  # the unit or currency of a number: 3,5 milliards d'euros, 10 km, 14 jours
    dates: bool = True  # 1er janvier 2020, 15 mars, mars 2020, lundi, years (en 2003)
    times: bool = True  # 14h30, 9 h, 17 heures
    names: bool = True  # acronyms and codes (JEDI, OMS, SARS-CoV-2), capitalized words not opening a sentence
    urls: bool = True
    emails: bool = True

    def kinds(self) -> tuple[str, ...]:
        """The item kinds this config checks, in facts.KINDS order."""
        on = {kind for key, kind in CHECKS.items() if getattr(self, key)}
        return tuple(kind for kind in facts.KINDS if kind in on)


def describe(item: facts.Item) -> str:
    """An item for a warning: ``number '3,5 milliards' (3500000000)``."""
    if item.value == item.source:
        return f"{item.kind} {item.source!r}"
    return f"{item.kind} {item.source!r} ({item.value})"


def check_segment(segment: Segment, kinds: tuple[str, ...]) -> tuple[Segment, facts.Check | None]:
    """The segment with its mismatch flags and annotation, and the check (None: not checked)."""
    if segment.verbatim or segment.translation is None:
        return segment, None
    result = facts.check(segment.source, segment.translation, kinds)
    if not result.missing:
        return segment, result
    annotations = {**segment.annotations, "consistency": {"expected": [i.to_dict() for i in result.missing]}}
    return replace(segment, flags=segment.flags + result.flags, annotations=annotations), result


@register("consistency", "facts", default=True)
class Consistency(Stage):
    """Checks each translated segment against its source's numbers, dates, names and more."""

    Config = FactsConfig
    requires = ("translations",)
    assigns = ("consistency",)
    config: FactsConfig

    def process(self, doc: Document) -> Document:
        kinds = self.config.kinds()
        segments, warnings = [], []
        checked = items = 0
        missing: dict[str, int] = {}
        flagged = []
        for segment in doc.segments:
            segment, result = check_segment(segment, kinds)
            segments.append(segment)
            if result is None:
                continue
            checked += 1
            items += len(result.items)
            for item in result.missing:
                missing[item.kind] = missing.get(item.kind, 0) + 1
            if result.missing:
                flagged.append(segment.index)
                expected = ", ".join(describe(i) for i in result.missing)
                warnings.append(f"consistency: segment {segment.index}: not found in the translation: {expected}")
        if not checked and doc.segments:
            warnings.append("consistency: no translated segment to check (the stage runs after translate)")
        summary = {"segments_checked": checked, "items": items, "missing": missing, "flagged_segments": flagged}
        doc = replace(doc, segments=tuple(segments), warnings=doc.warnings + tuple(warnings))
        return doc.annotate("consistency", summary)
