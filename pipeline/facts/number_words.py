"""French numbers written in words: read by text2num's French parser, and approximations (une vingtaine).

``deux``, ``vingt-sept``, ``trois cents``, ``deuxième``: the value text2num gives
(``find_numbers``), found in English as digits or words (``two``, ``2``, ``second``).
``un``/``une`` (also articles) and ``premier`` (``Premier ministre``: Prime Minister) are
not read. Approximations, ``une dizaine``, ``une vingtaine``, ``des centaines``, ``des
milliers``, are found as their value or the English plural of a round number (``dozens``,
``hundreds``, ``thousands``).

Both are weak items: translators write "both" for "les deux", "a decade" for "une
dizaine d'années", so a word number missing from the English is a note (``check:number``),
unless the English holds a number that no French item accounts for (a changed value).
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.facts.base import fold

# Approximate quantities: the noun's stem and its value.
APPROXIMATE = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
    "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000, "million": 10**6,
    "milliard": 10**9,
}  # fmt: skip
# English words that render a French number without being one: "les deux" / "both".
RENDERINGS = {
    1: ("first", "1st", "prime", "premier", "top", "leading", "former", "initial", "early", "earliest", "maiden",
        "opening", "inaugural", "debut", "lead", "best", "foremost", "original"),
    2: ("both", "couple", "pair", "twice", "double", "twin", "twins", "either", "neither"),
    3: ("thrice", "triple", "trio"),
    10: ("dozen", "dozens", "tens", "decade", "decades"),
    12: ("dozen", "dozens"),
    100: ("hundreds",),
    1000: ("thousands",),
    10**6: ("millions",),
    10**9: ("billions",),
}
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+|[^\w\s]", re.UNICODE)
# An approximation is a quantity of something: "une quarantaine de personnes", not "en quarantaine".
_APPROX = re.compile(
    r"(?i)\b(dizaine|douzaine|quinzaine|vingtaine|trentaine|quarantaine|cinquantaine|soixantaine|centaine|millier|"
    r"million|milliard)s?\s+(?:de\b|d['’])"
)
_NOT_READ = frozenset({"un", "une", "premier", "premiere", "premiers", "premieres", "neuf", "neuve", "milles"})
# "premier" is first, but "Premier ministre" is the Prime Minister.
_FIRST = re.compile(r"(?i)(?<![^\W\d_])premi(?:er|ère|ere)s?(?![^\W\d_])(?!\s+(?:ministre|ministères?)\b)")
_PERCENT_BEFORE = re.compile(r"(?i)pour\s*\Z")


class _Token:
    """A token as text2num's ``find_numbers`` reads it."""

    __slots__ = ("word",)

    def __init__(self, word: str) -> None:
        self.word = word

    def text(self) -> str:
        return self.word

    def nt_separated(self, previous: Any) -> bool:
        return False

    def not_a_number_part(self) -> bool:
        return False


def _find(tokens: list[str]) -> list[Any]:
    try:
        from text_to_num import find_numbers
    except ImportError:  # text2num is a dependency; without it words are not read
        return []
    return find_numbers([_Token(t) for t in tokens], "fr", threshold=0)


def number_words(french: str, text: str, add: Any, items: list) -> str:
    """Add the numbers written in words of ``text`` (digits already read are masked) as weak items."""
    if not any(c.isalpha() for c in text):
        return text
    matches = list(_TOKEN.finditer(text))
    taken: list[tuple[int, int]] = []
    for occurrence in _find([m.group(0) for m in matches]):
        words = matches[occurrence.start : occurrence.end]
        if not words or any(not m.group(0).isalpha() and "-" not in m.group(0) for m in words):
            continue
        if len(words) == 1 and fold(words[0].group(0)) in _NOT_READ or any(fold(w.group(0)) == "milles" for w in words):
            continue  # "milles": miles
        value = int(occurrence.value)
        if value < 2 or value != occurrence.value:
            continue
        start, end = words[0].start(), words[-1].end()
        if _PERCENT_BEFORE.search(text, max(0, start - 6), start):
            continue  # "pour cent": per cent, read with its number
        if fold(french[start:end]).startswith(("seconde", "second")) and not occurrence.is_ordinal:
            continue  # "une seconde": a second of time
        accepts = [{f"num:{value}"}, *({f"word:{w}"} for w in RENDERINGS.get(value, ()))]
        add("number", start, end, str(value), *accepts, label="words", strong=False)
        taken.append((start, end))
    for m in _FIRST.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        accepts = [{"num:1"}, *({f"word:{w}"} for w in RENDERINGS[1])]
        add("number", m.start(), m.end(), "1", *accepts, label="words", strong=False)
        taken.append(m.span())
    for m in _APPROX.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        value = APPROXIMATE[m.group(1).lower()]
        word_end = m.start() + len(m.group(0).split()[0])
        if value >= 10**6:
            continue  # "3 millions": read with its number
        accepts = [{f"num:{value}"}, *({f"word:{w}"} for w in RENDERINGS.get(value, ()))]
        add("number", m.start(), word_end, str(value), *accepts, label="about", strong=False)
        taken.append((m.start(), word_end))
    chars = list(text)
    for start, end in taken:
        chars[start:end] = " " * (end - start)
    return "".join(chars)
