"""The items a check is made of, and the text helpers both sides use (folding, numbers as keys)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# Every item kind, in the order flags are listed.
KINDS = ("number", "percent", "unit", "date", "time", "name", "url", "email")

Span = tuple[int, int]
SEVERITIES = ("mismatch", "check")


@dataclass(frozen=True)
class Item:
    """One thing in the French that the translation must keep.

    Attributes:
        kind: one of KINDS.
        source: the French text it was read from, as written.
        value: its normalized value (module docstring).
        start, end: where ``source`` is in the French text.
        accepts: the ways it may appear in English: alternatives, each a set of keys
            (``num:3.5``, ``date:2020-01-01``, ``name:pentagon``) that must all be in the
            English for that alternative to pass (a key ``!k``: ``k`` must not be).
        parts: for a name, its words, each with the keys of which one must be in the
            English (``(word, keys, proper)``); the name is also found when every part is.
        label: what read it: a name's NER label (PER, LOC, ORG, MISC), ``rule`` (capitalized
            words, acronyms), ``words`` (a number written in words), ``about`` (an
            approximate number: une vingtaine), or empty.
        strong: whether its absence is strong evidence (``mismatch:``) by itself; a weak
            item missing is a ``check:`` note unless the English holds a different value.
    """

    kind: str
    source: str
    value: str
    start: int
    end: int
    accepts: tuple[frozenset[str], ...]
    parts: tuple[tuple[str, tuple[str, ...], bool], ...] = ()
    label: str = ""
    strong: bool = True

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "source": self.source, "value": self.value}


@dataclass(frozen=True)
class Finding:
    """A missing item, how strong the evidence is (``mismatch`` or ``check``) and why, in words."""

    item: Item
    severity: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {**self.item.to_dict(), "severity": self.severity, "reason": self.reason}


@dataclass(frozen=True)
class Check:
    """The items of a French sentence (of the kinds checked), those its English lacks, and why."""

    items: tuple[Item, ...]
    missing: tuple[Item, ...]
    findings: tuple[Finding, ...] = ()

    @property
    def flags(self) -> tuple[str, ...]:
        """``mismatch:<kind>`` for each kind with a strongly missing item, then ``check:<kind>``
        for each kind with only weak ones, in KINDS order."""
        severity = {f.item: f.severity for f in self.findings}
        strong = {i.kind for i in self.missing if severity.get(i, "mismatch") == "mismatch"}
        weak = {i.kind for i in self.missing} - strong
        return tuple(f"mismatch:{kind}" for kind in KINDS if kind in strong) + tuple(
            f"check:{kind}" for kind in KINDS if kind in weak
        )

    @property
    def mismatches(self) -> tuple[Item, ...]:
        """The missing items with strong evidence."""
        weak = {f.item for f in self.findings if f.severity != "mismatch"}
        return tuple(i for i in self.missing if i not in weak)


_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"
_QUOTES = "\u2019\u2018\u02bc`"


def _fold_char(c: str) -> str:
    if c in _DASHES:
        return "-"
    if c in _QUOTES:
        return "'"
    base = unicodedata.normalize("NFD", c)[0]
    low = base.lower()
    return low if len(low) == 1 else base


def fold(text: str) -> str:
    """Lowercase, accents stripped, typographic dashes and apostrophes made ASCII.

    Keeps the length of ``text``, so a span found in the folded text is a span of the
    original.
    """
    return "".join(_fold_char(c) for c in text)


def to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def key_of(value: Decimal) -> str:
    """A number as a canonical string: no exponent, no trailing zeros (``3.50`` -> ``3.5``)."""
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def mask(text: str, spans: Iterable[Span]) -> str:
    """``text`` with the given spans blanked out, so later patterns don't read them again."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


# French and English transliterate names differently (Moubarak / Mubarak, Tchétchénie /
# Chechnya, Kadhafi / Gaddafi, Tymochenko / Tymoshenko): both are brought to one spelling
# of their sounds before they are compared.
_SOUNDS = (
    ("tch", "ch"), ("sch", "sh"), ("ch", "sh"), ("ou", "u"), ("ph", "f"), ("kh", "k"), ("dh", "d"), ("gh", "g"),
    ("th", "t"), ("dj", "j"), ("ck", "k"), ("q", "k"), ("c", "k"), ("g", "k"), ("y", "i"), ("w", "v"), ("z", "s"),
    ("sh", "s"),
)  # fmt: skip


@lru_cache(maxsize=1 << 16)
def sounds(word: str) -> str:
    """A folded word spelled by its sounds, letters doubled once, a final e dropped."""
    for written, sound in _SOUNDS:
        word = word.replace(written, sound)
    word = re.sub(r"(.)\1+", r"\1", word)
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


@lru_cache(maxsize=1 << 16)
def skeleton(word: str) -> str:
    """A word's consonants, each vowel (a, e, i, o, u) written ``*``: morsi and mursi are ``m*rs*``."""
    return re.sub(r"[aeiou]", "*", word)
