"""A second reader's verdicts on the human reference lines the consistency check flags.

A flag on a human translation is not always false: the translator may have changed a
name ("Yoshi" -> "Yoko") or replaced an idiom that holds one ("de Charybde en Sylla" ->
"out of the frying pan into the fire"). ``data/flag-review.jsonl`` holds, for each line
the check flagged at a0e7f5b in ``../shared/data/parallel`` (Tatoeba and TICO-19, both
parts), the verdict of a reader who saw only the sentence pair and the items the check
missed (not the checker's code, nor the rates): per item ``reference_differs`` (the
English doesn't convey it, or gives another value) or ``false_flag`` (the English conveys
it in a form the check didn't match), with a short reason. Rows are keyed by set name and
line, so the news sets (``newstest2012``, ``newstest2013``) take rows of the same form;
none are judged yet (``python -m eval.consistency --unreviewed FILE`` lists the flagged
lines awaiting a reader).

A line flagged today (a ``mismatch:*`` flag; ``eval.consistency`` passes the items those
flags stand for) counts as *reference differs* only when every item it misses now was
reviewed and at least one was judged ``reference_differs``; a flagged line the reader
didn't see (a later rule flags something new, or reports an item under another value)
counts as a false flag, and as unreviewed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pipeline.facts import Item

REVIEW = Path(__file__).resolve().parent / "data" / "flag-review.jsonl"

Review = dict[tuple[str, int], dict[str, str]]  # (set, line) -> item value -> verdict


def load(path: Path = REVIEW) -> Review:
    """The verdicts, by (set, line); empty when the file is absent."""
    if not path.exists():
        return {}
    review: Review = {}
    for row in map(json.loads, path.read_text(encoding="utf-8").splitlines()):
        review[(row["set"], row["line"])] = {item["value"]: item["verdict"] for item in row["items"]}
    return review


def reference_differs(review: Review, name: str, line: int, missing: Iterable[Item]) -> bool | None:
    """Whether the reader found the reference itself differs on a flagged line; None: not reviewed."""
    verdicts = review.get((name, line))
    values = {item.value for item in missing}
    if verdicts is None or not values <= verdicts.keys():
        return None
    return any(verdicts[v] == "reference_differs" for v in values)
