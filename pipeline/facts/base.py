"""The items a check is made of, and the text helpers both sides use (folding, numbers as keys)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Every item kind, in the order flags are listed.
KINDS = ("number", "percent", "unit", "date", "time", "name", "url", "email")

Span = tuple[int, int]


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
    """

    kind: str
    source: str
    value: str
    start: int
    end: int
    accepts: tuple[frozenset[str], ...]

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "source": self.source, "value": self.value}


@dataclass(frozen=True)
class Check:
    """The items of a French sentence (of the kinds checked) and those its English lacks."""

    items: tuple[Item, ...]
    missing: tuple[Item, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        """``mismatch:<kind>`` for each kind with a missing item, in KINDS order."""
        kinds = {item.kind for item in self.missing}
        return tuple(f"mismatch:{kind}" for kind in KINDS if kind in kinds)


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
