"""Errors injected into human reference translations, for the consistency check's detection rates.

Three kinds, each in one English place of an item the French holds (``eval.consistency``
explains how the rates use them): a number changed (one digit, or a number word), a name
dropped (the words the check matched there), a unit or scale word swapped for another of
the same dimension. Which item, place and new digit come from a random generator seeded
with the seed, set, line and error type, so a run is reproducible.
"""

from __future__ import annotations

import random
import re
from typing import Any

from eval.parallel import Pair
from pipeline import facts

# English unit and scale words and what an injected error turns each into (same dimension).
SWAPS = {
    "euros": "dollars", "euro": "dollar", "eur": "usd", "€": "$", "dollars": "euros", "dollar": "euro",
    "usd": "eur", "$": "€", "pounds": "euros", "pound": "euro", "£": "€", "yen": "dollars",
    "km": "m", "kilometers": "meters", "kilometres": "metres", "kilometer": "meter", "kilometre": "metre",
    "m": "km", "meters": "kilometers", "metres": "kilometres", "meter": "kilometer", "metre": "kilometre",
    "cm": "mm", "centimeters": "millimeters", "centimetres": "millimetres", "mm": "cm",
    "kg": "g", "kilos": "grams", "kilo": "gram", "kilograms": "grams", "kilogram": "gram",
    "g": "kg", "grams": "kilograms", "gram": "kilogram", "mg": "g", "milligrams": "grams",
    "l": "ml", "liters": "milliliters", "litres": "millilitres", "ml": "l",
    "days": "weeks", "day": "week", "weeks": "months", "week": "month", "months": "years", "month": "year",
    "years": "months", "year": "month", "minutes": "hours", "minute": "hour", "min": "h",
    "seconds": "minutes", "second": "minute", "centuries": "decades", "century": "decade",
    "million": "billion", "millions": "billions", "billion": "million", "billions": "millions",
    "thousand": "million", "thousands": "millions", "trillion": "billion", "bn": "m",
}  # fmt: skip
_SCALE_WORDS = re.compile(r"(?<![a-z])(thousand|million|billion|trillion|bn)s?(?![a-z])")
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "twenty")


def _regions(spans: list[tuple[int, int]], text: str = "", joined: str = "") -> list[tuple[int, int]]:
    """Overlapping spans merged into disjoint regions, in order; spans with only characters
    of ``joined`` between them (a name's words) are merged too."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        gap = text[merged[-1][1] : start] if merged else ""
        if merged and (start < merged[-1][1] or (joined and gap and not gap.strip(joined))):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _change_number(text: str, rng: random.Random) -> str | None:
    digits = [k for k, c in enumerate(text) if c.isdigit()]
    if digits:
        k = rng.choice(digits)
        new = rng.choice([d for d in "0123456789" if d != text[k]])
        return text[:k] + new + text[k + 1 :]
    words = [m for m in re.finditer(r"[A-Za-z]+", text) if m.group(0).lower() in _NUMBER_WORDS]
    if not words:
        return None
    m = rng.choice(words)
    new = rng.choice([w for w in _NUMBER_WORDS if w != m.group(0).lower()])
    return text[: m.start()] + new + text[m.end() :]


def _swap_unit(text: str) -> str | None:
    word = text.lower()
    if word not in SWAPS:
        return None
    new = SWAPS[word]
    return new.capitalize() if text[:1].isupper() and len(text) > 1 else new


def inject(pair: Pair, error: str, seed: int) -> dict[str, Any] | None:
    """The reference with one injected error, or None when the line has no item of that type.

    Returns:
        ``english`` (the corrupted translation), ``kind`` (the item's kind),
        ``elsewhere`` (the item was found in more than one English place).
    """
    rng = random.Random(f"{seed}|{pair.set}|{pair.line}|{error}")
    english = facts.read_english(pair.english)
    items = facts.extract(pair.french)
    options = []
    for item in items:
        regions = _regions(facts.evidence(item, english), pair.english, " -" if item.kind == "name" else "")
        if not regions:
            continue
        if error == "number_changed" and item.kind in ("number", "percent"):
            options.append((item, regions, regions))
        elif error == "name_dropped" and item.kind == "name":
            options.append((item, regions, regions))
        elif error == "unit_swapped" and item.kind == "unit":
            swappable = [r for r in regions if _swap_unit(pair.english[r[0] : r[1]])]
            options.append((item, regions, swappable))
        elif error == "unit_swapped" and item.kind == "number":
            scaled = [
                (r[0] + m.start(), r[0] + m.end())
                for r in regions
                for m in _SCALE_WORDS.finditer(english.folded[r[0] : r[1]])
            ]
            if scaled:
                options.append((item, regions, scaled))
    options = [o for o in options if o[2]]
    if not options:
        return None
    item, regions, targets = rng.choice(options)
    start, end = rng.choice(targets)
    old = pair.english[start:end]
    if error == "number_changed":
        new = _change_number(old, rng)
    elif error == "unit_swapped":
        new = _swap_unit(old)
    else:
        new = ""
        if pair.english[end : end + 2] in ("'s", "’s"):
            end += 2
        if pair.english[end : end + 1] == " ":
            end += 1
        elif pair.english[start - 1 : start] == " ":
            start -= 1
    if new is None:
        return None
    return {
        "english": pair.english[:start] + new + pair.english[end:],
        "kind": item.kind,
        "elsewhere": len(regions) > 1,
    }
