"""The faithfulness columns of an eval report: how much of each system's output its checks flag.

Read from what the pipeline's stages wrote on each document, so the report shows the
checks a reader of that system's output sees:

- **low-confidence segments**: translated segments flagged ``low_confidence`` (the
  translate stage's confidence, ``pipeline/confidence.py``), among the scored ones;
- **mismatched segments**: translated segments with a ``mismatch:*`` flag (the
  consistency stage: a number, date, name... of the French not found in the English),
  among the checked ones;
- **unsupported summary sentences**: summary sentences holding a number or name that
  the translation lacks (the support stage), among all summary sentences.

A rate is None ("–" in the report) when the system didn't run that check: a config
without the stage, a backend that gives no scores, or outputs read from a file. A
baseline summarizer's summaries are checked by the support stage on the translation it
reuses; the translation's own rates are its pipeline system's.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pipeline.document import Document

COLUMNS = ("low_confidence", "mismatched", "unsupported")


def of_documents(docs: list[Document]) -> dict[str, Any]:
    """Counts and rates (percent) of flagged segments and summary sentences over a system's documents."""
    scored = [s for d in docs for s in d.segments if "confidence" in s.annotations]
    checked = [d.annotations["consistency"] for d in docs if "consistency" in d.annotations]
    supported = [d.annotations["support"]["sentences"] for d in docs if "support" in d.annotations]
    sentences = [s for entries in supported for s in entries]
    counts = {
        "low_confidence": (sum("low_confidence" in s.flags for s in scored), len(scored)) if scored else None,
        "mismatched": (
            (sum(len(c["flagged_segments"]) for c in checked), sum(c["segments_checked"] for c in checked))
            if checked
            else None
        ),
        "unsupported": (sum(bool(s["unsupported"]) for s in sentences), len(sentences)) if supported else None,
    }
    return {name: _rate(pair) for name, pair in counts.items()}


def of_summaries(summaries: list[str], docs: list[Document]) -> dict[str, Any]:
    """The unsupported-sentence rate of summaries written from ``docs``'s translations (a baseline's)."""
    from pipeline import registry

    cls = registry.get("support", "tfidf")
    stage = cls(cls.Config())
    checked = [stage(replace(d, summary=s, annotations={})) for d, s in zip(docs, summaries, strict=True)]
    return {"low_confidence": None, "mismatched": None, "unsupported": of_documents(checked)["unsupported"]}


def _rate(pair: tuple[int, int] | None) -> dict[str, Any] | None:
    if pair is None:
        return None
    flagged, total = pair
    return {"flagged": flagged, "total": total, "percent": round(100 * flagged / total, 2) if total else None}
