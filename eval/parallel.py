"""The human French-English line pairs the consistency check is measured on, and their halves.

``../shared/data/parallel/`` holds line-aligned sets (Tatoeba, TICO-19, the WMT news sets
newstest2012 and newstest2013; licenses in that folder's README). Each line pair goes to
``dev`` when the first byte of the SHA-256 of ``french + "\\t" + english`` is even, else to
``test`` (``part_of``). ``eval.consistency`` measures on them; ``eval.injection`` corrupts them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "parallel"
SETS = ("tatoeba-test", "tico19-test", "newstest2012", "newstest2013")
PARTS = ("dev", "test")
# Line ranges (1-based, inclusive) whose French and English are not translations of each
# other: in this copy of TICO-19 the English lines 425-698 and 786-810 belong to other
# French lines (French 793 "Origines zoonotiques des coronavirus humains" is English 425
# "Zoonotic origins of human coronaviruses"). Found by matching digits and acronyms across
# lines, boundaries checked by reading the lines around them. Flags there are true
# flags, so they are counted apart: the false-flag and detection rates use aligned lines.
MISALIGNED = {"tico19-test": ((425, 698), (786, 810))}


@dataclass(frozen=True)
class Pair:
    set: str
    line: int  # 1-based, in the set's files
    french: str
    english: str

    @property
    def aligned(self) -> bool:
        return not any(a <= self.line <= b for a, b in MISALIGNED.get(self.set, ()))


def part_of(french: str, english: str) -> str:
    """``dev`` or ``test``: the deterministic half a line pair belongs to."""
    return PARTS[hashlib.sha256(f"{french}\t{english}".encode()).digest()[0] % 2]


def read_pairs(data: Path, name: str) -> list[Pair]:
    fr = (data / f"{name}.fr").read_text(encoding="utf-8").split("\n")
    en = (data / f"{name}.en").read_text(encoding="utf-8").split("\n")
    if fr and fr[-1] == "" and en and en[-1] == "":
        fr, en = fr[:-1], en[:-1]
    if len(fr) != len(en):
        raise SystemExit(f"{name}: {len(fr)} French lines but {len(en)} English lines")
    return [Pair(name, k + 1, f, e) for k, (f, e) in enumerate(zip(fr, en, strict=True))]
