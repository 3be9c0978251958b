"""Errors injected into human reference translations, for the consistency check's detection rates.

Five kinds (``ERRORS``), each made in one English place (``eval.consistency`` explains how
the rates use them). Two read the line with the checker's own reading, which the
injections built for them can only test on its own terms:

- ``number_changed``: one digit, or a number word, of one English place where the checker
  found a French number or percentage, changed.
- ``unit_swapped``: one English unit or scale word of a French unit or scaled number the
  checker found, replaced by another of the same dimension (euros/dollars, days/weeks,
  million/billion).

Three read both sides with rules of their own, not the checker's, so that a measure of the
checker doesn't grade itself:

- ``name_dropped``: a whole English name deleted: a run of capitalized words (a single one
  not opening a sentence, or any run of two or more; initials such as ``J.`` inside it;
  no months, weekdays or function words such as ``The``) each of whose words is also in
  the French, written with a capital there (accents and case folded, or a close spelling:
  a difflib ratio of at least 0.8). ``Keith Alexander heads the NSA.`` -> ``heads the
  NSA.`` or ``Keith Alexander heads the.``
- ``name_word_dropped``: one word (not an initial) of such a name of two or more words
  deleted, the others kept: ``Keith Alexander`` -> ``Keith`` or ``Alexander``.
- ``number_word_changed``: a number the French spells out (``deux``, ``quarante-cinq``,
  ``deuxième``, ``une vingtaine``: read by text2num's ``alpha2digit``; ``un``/``une``,
  also articles, left out) whose value the English gives as a word or as digits (``two``,
  ``2``, ``second``, ``2nd``, ``twenty``), that English expression changed to another
  value (another number word, or another digit), never to a value the French spells out.

Which line place, word and new value come from a random generator seeded with the seed,
set, line and error type, so a run is reproducible. ``inject`` returns None when the line
offers no place for the error.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from text_to_num import alpha2digit

from eval.parallel import Pair
from pipeline import facts

ERRORS = ("number_changed", "name_dropped", "name_word_dropped", "number_word_changed", "unit_swapped")

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


def inject(pair: Pair, error: str, seed: int, items: Iterable[facts.Item] | None = None) -> dict[str, Any] | None:
    """The reference with one injected error, or None when the line offers no place for it.

    Args:
        items: the checker's items of ``pair.french`` when already at hand (``number_changed``
            and ``unit_swapped`` need them; read with ``facts.extract`` when not given).

    Returns:
        ``english`` (the corrupted translation), ``kind`` (the kind of item it corrupts:
        ``number``, ``percent``, ``unit``, ``name``), ``elsewhere`` (the English still holds
        the item in another place: the changed value, or a word of the dropped name).

    Raises:
        ValueError: an unknown error type (the valid ones are ERRORS).
    """
    rng = random.Random(f"{seed}|{pair.set}|{pair.line}|{error}")
    if error in ("number_changed", "unit_swapped"):
        return _checker_error(pair, error, rng, facts.extract(pair.french) if items is None else tuple(items))
    if error in ("name_dropped", "name_word_dropped"):
        return _drop_name(pair.french, pair.english, rng, whole=error == "name_dropped")
    if error == "number_word_changed":
        return _change_number_word(pair.french, pair.english, rng)
    raise ValueError(f"unknown error {error!r}; valid errors: {', '.join(ERRORS)}")


# ---------------------------------------------------------------- on the checker's reading


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


def _checker_error(pair: Pair, error: str, rng: random.Random, items: tuple[facts.Item, ...]) -> dict[str, Any] | None:
    english = facts.read_english(pair.english)
    options = []
    for item in items:
        regions = _regions(facts.evidence(item, english), pair.english)
        if not regions:
            continue
        if error == "number_changed" and item.kind in ("number", "percent"):
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
    new = _change_number(old, rng) if error == "number_changed" else _swap_unit(old)
    if new is None:
        return None
    return {
        "english": pair.english[:start] + new + pair.english[end:],
        "kind": item.kind,
        "elsewhere": len(regions) > 1,
    }


# ---------------------------------------------------------------- names, read apart from the checker


def _fold(text: str) -> str:
    """Lowercase, accents stripped."""
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_PARTS = re.compile(r"['’-]")
# Capitalized English words that open a phrase rather than name something, and months and
# weekdays (dates: the checker's date items, not names).
_NOT_NAMES = frozenset(
    "a an the in on at of for and but or nor to by with from as if so no not yes then than "
    "i he she it we they you me him us them his her its our their my your this that these those "
    "there here what when where which who whom whose why how all some any each every mr mrs ms dr "
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)
_OPENERS = '.!?:;…"“«‘(—–-'  # a capital after these (or at the start) opens a sentence or a quote
_POSSESSIVE = ("'s", "’s")


@dataclass(frozen=True)
class _Word:
    text: str  # as written, without a possessive 's
    start: int
    end: int  # end of ``text``
    stop: int  # end of the word with its possessive 's, if any
    opening: bool  # first word of a sentence or a quote


def _words(english: str) -> list[_Word]:
    words = []
    for m in _WORD.finditer(english):
        text, end = m.group(0), m.end()
        if text.endswith(_POSSESSIVE):
            text, end = text[:-2], end - 2
        before = english[: m.start()].rstrip()
        words.append(_Word(text, m.start(), end, m.end(), not before or before[-1] in _OPENERS))
    return words


def _parts(word: str) -> list[str]:
    return [p for p in _PARTS.split(_fold(word)) if p]


def _french_capitals(french: str) -> set[str]:
    """The folded parts of the French words written with a capital: ``Italie`` of ``l'Italie``,
    but not ``innovateur`` of ``L'innovateur``; every part of a hyphenated name (``al-Assad``)."""
    capitals = set()
    for m in _WORD.finditer(french):
        for piece in re.split(r"['’]", m.group(0)):
            if any(part[:1].isupper() for part in piece.split("-")):
                capitals.update(_parts(piece))
    return capitals


def _in_french(word: str, capitals: set[str]) -> bool:
    """Each part of the English word is a French capitalized word's, the same or a close spelling."""
    return all(p in capitals or any(SequenceMatcher(None, p, q).ratio() >= 0.8 for q in capitals) for p in _parts(word))


def names(french: str, english: str) -> list[list[_Word]]:
    """The English names whose every word is also in the French: runs of capitalized words
    (only spaces between them) split at a word the French lacks; a single word opening a
    sentence is no name (its capital says nothing)."""
    capitals = _french_capitals(french)
    runs: list[list[_Word]] = []
    current: list[_Word] = []
    previous: _Word | None = None
    for word in _words(english):
        named = (
            word.text[:1].isupper()
            and (len(word.text) > 1 or _initial(english, word))
            and _fold(word.text) not in _NOT_NAMES
            and _in_french(word.text, capitals)
        )
        joined = previous is not None and current and current[-1] is previous and previous.end == previous.stop
        gap = english[previous.stop : word.start] if previous else ""
        if named and joined and (gap == " " or (gap == ". " and _initial(english, previous))):
            current.append(word)
        elif named:
            current = [word]
            runs.append(current)
        previous = word
    runs = [run for run in runs if any(not _initial(english, w) for w in run)]
    return [run for run in runs if len(run) > 1 or not run[0].opening]


def _initial(english: str, word: _Word | None) -> bool:
    """An initial inside a name: one capital and a dot (the ``J.`` of ``Samuel J. Palmisano``)."""
    return word is not None and len(word.text) == 1 and word.text.isupper() and english[word.end : word.end + 1] == "."


def _delete(text: str, start: int, end: int) -> str:
    """``text`` without ``[start, end)``, the spaces around the gap tidied."""
    left, right = text[:start], text[end:]
    if left.endswith(" ") and (right.startswith(" ") or not right or right[0] in ".,;:!?)]}…"):
        left = left[:-1]
    elif (not left.strip() or left[-1] in '"“«‘([') and right.startswith(" "):
        right = right.lstrip(" ")
    if left[-1:] in (",", ";") and right[:1] == left[-1]:
        right = right[1:]  # "deputies, Gianfranco Fini, said" -> "deputies, said"
    return left + right


def _drop_name(french: str, english: str, rng: random.Random, whole: bool) -> dict[str, Any] | None:
    runs = [run for run in names(french, english) if whole or sum(not _initial(english, w) for w in run) > 1]
    if not runs:
        return None
    run = rng.choice(runs)
    if whole:
        start, end, dropped = run[0].start, run[-1].stop, run
    else:
        k = rng.choice([k for k, w in enumerate(run) if not _initial(english, w)])
        word = run[k]
        # The last word's possessive stays, on the word before: "Barack Obama's" -> "Barack's".
        start, end = (run[k - 1].end, word.end) if k and word.stop > word.end else (word.start, word.end)
        dropped = [word]
    corrupted = _delete(english, start, end)
    left = {p for w in _words(corrupted) for p in _parts(w.text)}
    return {
        "english": corrupted,
        "kind": "name",
        "elsewhere": any(p in left for w in dropped for p in _parts(w.text)),
    }


# ---------------------------------------------------------------- spelled-out numbers, read apart from the checker

_FR_ORDINAL = re.compile(r"(\d+)(er|ers|re|res|ère|ères|e|es|ème|èmes|eme|emes)?")
_FR_APPROX = re.compile(
    r"(?<![\w])(?:une|un|d'une|d'un|quelque)\s+"
    r"(dizaine|douzaine|quinzaine|vingtaine|trentaine|quarantaine|cinquantaine|soixantaine|centaine|millier)(?!\w)"
)
_FR_APPROX_VALUES = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
    "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000,
}  # fmt: skip
_FR_SECOND = re.compile(r"(?<![\w'’])(?<!une )(?<!quelques )(?<!chaque )(second|seconde)(?![\w'’-])")

_EN_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen"
).split()
_EN_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_EN_SCALES = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9}
_EN_ORDINALS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
).split()
_EN_TENS_ORDINALS = "twentieth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth".split()
_EN_CARDINAL = {w: v for v, w in enumerate(_EN_SMALL)} | {w: 20 + 10 * k for k, w in enumerate(_EN_TENS)}
_EN_ORDINAL = (
    {w: v for v, w in enumerate(_EN_ORDINALS)}
    | {w: 20 + 10 * k for k, w in enumerate(_EN_TENS_ORDINALS)}
    | {"hundredth": 100, "thousandth": 1000, "millionth": 10**6}
)
_EN_WORDS = frozenset(_EN_CARDINAL) | frozenset(_EN_ORDINAL)
_EN_NUMBER_WORD = re.compile(r"[A-Za-z]+")
_EN_DIGITS = re.compile(
    r"(?<![\w.,])(?<![A-Za-z]-)(\d{1,3}(?:,\d{3})+|\d+)(st|nd|rd|th)?(?:\s+(hundred|thousand|million|billion))?(?![\w]|[.,]\d)"
)


@dataclass(frozen=True)
class _Number:
    value: int
    ordinal: bool
    start: int = 0
    end: int = 0
    digits: bool = False


def french_numbers(french: str) -> list[_Number]:
    """The numbers ``french`` spells out (no position): what ``alpha2digit`` turns into digits,
    but ``un``/``une``, ``cent`` of ``pour cent`` and words next to digits; ordinals; ``une
    vingtaine`` and the like (20); ``second``/``seconde`` as an ordinal."""
    found: list[_Number] = []
    words = french.split()
    digits = alpha2digit(french, "fr", threshold=0).split()
    blocks = SequenceMatcher(None, words, digits, autojunk=False).get_opcodes()
    for op, i1, i2, j1, j2 in blocks:
        if op != "replace" or any(c.isdigit() for w in words[i1:i2] for c in w):
            continue
        before = _fold(words[i1 - 1]) if i1 else ""
        first = _fold(words[i1])
        if (
            (first.startswith("cent") and before == "pour")
            or first.startswith(("million", "milliard"))
            or (first.startswith("mille") and any(c.isdigit() for c in before))
        ):
            continue  # pour cent; quelques millions, 2 millions; 3 mille
        for token in digits[j1:j2]:
            m = _FR_ORDINAL.fullmatch(token.strip(".,;:!?()«»\"“”'’"))
            if not m:
                continue
            value, ordinal = int(m.group(1)), bool(m.group(2))
            if value != 1 or ordinal:  # un, une: also articles
                found.append(_Number(value, ordinal))
    lower = french.lower().replace("’", "'")
    found += [_Number(_FR_APPROX_VALUES[m.group(1)], False) for m in _FR_APPROX.finditer(lower)]
    found += [_Number(2, True) for _ in _FR_SECOND.finditer(lower)]
    return found


def english_numbers(english: str) -> list[_Number]:
    """Every English number with its place: digits (``2``, ``1,000``, ``2nd``, ``3 million``)
    and runs of number words (``two``, ``forty-five``, ``a hundred``, ``second``, ``a dozen``)."""
    found = []
    for m in _EN_DIGITS.finditer(english):
        value = int(m.group(1).replace(",", "")) * _EN_SCALES.get(m.group(3) or "", 1)
        found.append(_Number(value, bool(m.group(2)), m.start(), m.end(), digits=True))
    words = list(_EN_NUMBER_WORD.finditer(english))
    k = 0
    while k < len(words):
        run = _number_run(english, words, k)
        if run is None:
            k += 1
            continue
        stop, number = run
        found.append(number)
        k = stop
    return found


def _number_run(english: str, words: list[re.Match[str]], k: int) -> tuple[int, _Number] | None:
    """The run of number words from ``words[k]``: (index after it, its value), or None."""
    total = current = 0
    seen = False
    ordinal = False
    j = k
    if words[k].group(0).lower() in ("hundred", "dozen", *_EN_SCALES):
        return None  # "million" alone, "hundreds": no value
    while j < len(words) and not ordinal:
        w = words[j].group(0).lower()
        if j > k and english[words[j - 1].end() : words[j].start()] not in (" ", "-"):
            break
        after = words[j + 1].group(0).lower() if j + 1 < len(words) else ""
        if w == "a" and not seen and after in ("hundred", "thousand", "million", "billion", "dozen"):
            current = 1
        elif w == "and" and seen and after in _EN_WORDS:
            pass
        elif w in _EN_CARDINAL:
            current += _EN_CARDINAL[w]
        elif w == "dozen":
            current = (current or 1) * 12
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in _EN_SCALES:
            total += (current or 1) * _EN_SCALES[w]
            current = 0
        elif w in _EN_ORDINAL:
            value = _EN_ORDINAL[w]
            if value >= 100:
                current = (current or 1) * value
            else:
                current += value
            ordinal = True
        else:
            break
        seen = seen or w not in ("a", "and")
        j += 1
    while j > k and words[j - 1].group(0).lower() in ("a", "and"):
        j -= 1
    if not seen or j == k:
        return None
    return j, _Number(total + current, ordinal, words[k].start(), words[j - 1].end())


def _say(value: int, ordinal: bool) -> str | None:
    """English words for the values ``_new_value`` picks."""
    if value < 20:
        return (_EN_ORDINALS if ordinal else _EN_SMALL)[value]
    if value < 100 and value % 10 == 0:
        return (_EN_TENS_ORDINALS if ordinal else _EN_TENS)[value // 10 - 2]
    for scale, word in ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred")):
        if value >= scale and value % scale == 0 and value // scale < 20 and not ordinal:
            return f"{_EN_SMALL[value // scale]} {word}"
    return None


def _new_value(old: int, ordinal: bool, avoid: set[int], rng: random.Random) -> int | None:
    """Another value of the same size: 2-12 for one under 13, 13-19, tens, or a multiple of the scale."""
    if old < 13:
        choices = range(2 if not ordinal else 1, 13)
    elif old < 20:
        choices = range(13, 20)
    elif old < 100:
        choices = range(20, 100, 10)
    else:
        scale = next(s for s in (10**9, 10**6, 1000, 100) if old >= s)
        choices = [scale * k for k in (1, 2, 3, 5, 10) if scale * k < 1000 or scale >= 1000] if not ordinal else []
    options = [v for v in choices if v != old and v not in avoid and _say(v, ordinal)]
    return rng.choice(options) if options else None


def _suffix(value: int) -> str:
    if value % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")


def _changed(text: str, number: _Number, avoid: set[int], rng: random.Random) -> str | None:
    """The English expression of ``number`` (``text``) with another value, or None."""
    if number.digits:
        m = re.match(r"[\d,]+", text)
        assert m is not None
        head, rest = m.group(0), text[m.end() :]
        scale = number.value // int(head.replace(",", "")) if int(head.replace(",", "")) else 1
        options = []
        for k, c in enumerate(head):
            if not c.isdigit():
                continue
            for d in "0123456789":
                new = head[:k] + d + head[k + 1 :]
                value = int(new.replace(",", ""))
                if d != c and not (k == 0 and d == "0" and len(head) > 1) and value * scale not in avoid:
                    options.append(new)
        if not options:
            return None
        new = rng.choice(options)
        if number.ordinal:
            rest = _suffix(int(new.replace(",", ""))) + rest[2:]
        return new + rest
    value = _new_value(number.value, number.ordinal, avoid, rng)
    if value is None:
        return None
    words = _say(value, number.ordinal)
    assert words is not None
    return words.capitalize() if text[:1].isupper() else words


def _change_number_word(french: str, english: str, rng: random.Random) -> dict[str, Any] | None:
    wanted = french_numbers(french)
    if not wanted:
        return None
    keys = {(n.value, n.ordinal) for n in wanted}
    places = sorted(
        {(n.start, n.end): n for n in english_numbers(english) if (n.value, n.ordinal) in keys}.values(),
        key=lambda n: n.start,
    )
    avoid = {n.value for n in wanted}
    while places:
        number = rng.choice(places)
        new = _changed(english[number.start : number.end], number, avoid, rng)
        if new is not None:
            corrupted = english[: number.start] + new + english[number.end :]
            still = any((n.value, n.ordinal) == (number.value, number.ordinal) for n in english_numbers(corrupted))
            return {"english": corrupted, "kind": "number", "elsewhere": still}
        places.remove(number)
    return None
