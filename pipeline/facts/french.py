"""The strict side: what a French sentence holds that its translation must keep (``extract``)."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Iterator
from decimal import Decimal
from typing import Any

from pipeline.facts.base import KINDS, Item, Span, fold, key_of, mask
from pipeline.facts.exonyms import english_forms
from pipeline.facts.names import from_entities
from pipeline.facts.number_words import number_words
from pipeline.facts.tables import (
    DIMENSIONS,
    MONTHS_FR,
    NOT_NAMES,
    SCALES_FR,
    TITLE_ABBREVIATIONS,
    UNITS,
    WEEKDAY_NAMES,
    WEEKDAYS_FR,
)

_SP = r"[ \u00a0\u202f\u2009]"
# Letters: Latin-1 and Latin Extended-A and B (Czech, Polish, Turkish... names: Čaloun, Šumava, Łódź).
_L = "A-Za-zÀ-ÖØ-öø-\u024f"
_UP = "A-ZÀ-ÖØ-Þ" + "".join(chr(c) for c in range(0x100, 0x250) if chr(c).isupper())
_MONTH_FR = (
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    r"novembre|décembre|decembre|janv\.|févr\.|fevr\.|févr|fév\.|avr\.|juil\.|sept\.|oct\.|nov\.|déc\.|dec\."
)
_WEEKDAY_FR = r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"«»()\[\]{}]+", re.I)
_DOMAIN = re.compile(
    r"(?<![\w@.-])(?:[a-z0-9-]+\.)+(?:com|org|net|fr|eu|gov|edu|int|io|be|ch|ca|uk|de|info)"
    r"(?:/[^\s<>\"«»()]*)?(?![\w@])",
    re.I,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# An e-mail address tried at every character of a long run of [\w.+-] read the run to its
# end each time ("a" * 50000: quadratic); from anywhere in a run the match is the same
# (the run must end at "@"), so it is tried where a run starts (``_emails``).
_EMAIL_AT_RUN = re.compile(r"(?<![\w.+-])" + _EMAIL.pattern)

_TIME_HM = re.compile(rf"(?<![\w,.:])([01]?\d|2[0-4]){_SP}?(?:h|:){_SP}?([0-5]\d)(?!\d)(?:{_SP}?min\b)?")
_TIME_H = re.compile(
    rf"(?<![\w,.:])([01]?\d|2[0-4]){_SP}?(?:h(?![\w/])|heures?\b)(?:{_SP}+(?:et{_SP}+)?([0-5]\d)(?!\d))?"
)

_DATE_DMY = re.compile(
    rf"(?<![\w,.])(1er|1re|[0-3]?\d)(?:{_SP}|{_SP}?-{_SP}?)(?i:({_MONTH_FR}))(?![{_L}])(?:{_SP}+(\d{{4}})(?!\d))?"
)
_DATE_MY = re.compile(rf"(?<![{_L}])(?i:({_MONTH_FR}))(?:{_SP}+|{_SP}?-{_SP}?)(\d{{4}})(?!\d)")
_DATE_NUMERIC = re.compile(r"(?<![\w/.,])([0-3]?\d)([/.])([01]?\d)\2(\d{4}|\d{2})(?![\d/])")
# A month named alone: full names only, in lowercase ("sept" is also seven, "Mars" a planet).
_MONTH_ALONE = re.compile(
    rf"(?<![{_L}])(janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|"
    rf"décembre|decembre)(?![{_L}])"
)
_WEEKDAY = re.compile(rf"(?<![{_L}])((?:{_WEEKDAY_FR})|(?:{_WEEKDAY_FR.title()}))s?(?![{_L}])")

_NUMBER_FR = re.compile(
    rf"(?<![\w.,])(\d{{1,3}}(?:{_SP}\d{{3}}(?!\d))+|\d{{1,3}}(?:\.\d{{3}}(?!\d)){{2,}}|\d+)(?:([.,])(\d+)(?![.,]?\d))?"
)
# XVIe, Ier; one letter only for I, V, X ("Le" and "Ce" are words).
_ROMAN_ORDINAL = re.compile(r"(?<![\w])([IVXLC]{2,}|[IVX])(?:e|er|re|ème|eme|ᵉ)(?![\w])")
_ORDINAL_SUFFIX = re.compile(r"(?:er|re|ère|ere|e|ème|eme|ᵉ|ᵉʳ|nd|nde|d|ième|ieme)(?![\w])")
_PERCENT_FR = re.compile(rf"{_SP}?(?:%|pour{_SP}?-?{_SP}?cent\b|p\.{_SP}?100\b)")
_SCALE_FR = re.compile(
    rf"{_SP}?(millions?|milliards?|billions?|mille|Mds?|Mrds?|M(?={_SP}?(?:€|\$|£|d['’]|de\b))|k(?={_SP}?(?:€|\$|£)))(?![{_L}])"
)
_UNIT_FR = re.compile(
    rf"{_SP}?(?:de{_SP}+|d['’]{_SP}?)?(?:"
    + "|".join(f"(?P<u{k}>{fr})" for k, (_, fr, _) in enumerate(UNITS))
    + rf")(?![{_L}0-9'’²])"
)
_THOUSANDS_REST = re.compile(rf"{_SP}+(\d{{1,3}})(?![\d,.])")
_AND_A_HALF = re.compile(rf"{_SP}+et{_SP}+demie?\b")
_UNIT_AFTER_SCALE_ONLY = re.compile(rf"^{_SP}?(?:de{_SP}|d['’])")
_CURRENCY_BEFORE = re.compile(rf"(€|\$|£|¥){_SP}?$")
_YEAR_CONTEXT = frozenset(
    "en de depuis des dès avant apres après vers jusqu'en jusqu'à an l'an année années ete été hiver printemps "
    "automne fin début debut mi courant entre et à au ou".split()
)
_WORD = re.compile(rf"[{_L}0-9]+(?:[-‐'’][{_L}0-9]+)*")
_ELISION = re.compile(r"(?i)(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)['’]")
# The words before a ministry's domain: "ministère des", "ministre de la", "ministres de l'".
# Matched backwards, from the word, in the folded text reversed: searching the text
# before each capitalized word for it (and folding that text) made names quadratic.
_MINISTRY_BEFORE = re.compile(
    rf"\n?(?:{_SP}+al{_SP}+ed|'l{_SP}+ed|{_SP}+sed|{_SP}+ud|{_SP}+ed){_SP}+s?(?:er|ere)tsinim(?!\w)"
)
_ROMAN = re.compile(r"^(?=[MDCLXVI]{2,}$)M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")


def roman(text: str) -> int | None:
    if not _ROMAN.match(text):
        return None
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for k, c in enumerate(text):
        v = values[c]
        total += -v if k + 1 < len(text) and values[text[k + 1]] > v else v
    return total


def _french_value(whole: str, sep: str | None, frac: str | None) -> list[Decimal]:
    """The value(s) of a French number as written: ``1.200`` may be 1.2 or 1200."""
    digits = re.sub(r"[ \u00a0\u202f\u2009.]", "", whole)
    if not frac:
        return [Decimal(digits)]
    decimal = Decimal(f"{digits}.{frac}")
    if sep == "." and len(frac) == 3 and "." not in whole and len(whole) <= 3:
        return [decimal, Decimal(digits + frac)]
    return [decimal]


def extract(french: str, reading: Any = None, common: Container[str] = frozenset()) -> list[Item]:
    """Every item of ``french`` a translation must keep, in order of appearance.

    Args:
        french: the sentence.
        reading: what the NER model read in it (``models.ner.Reading``); None: names by rules.
        common: the model's lexicon of common French words (with ``reading``).
    """
    items: list[Item] = []
    text = french

    def add(kind: str, start: int, end: int, value: str, *accepts: Iterable[str], **more: Any) -> None:
        items.append(Item(kind, french[start:end], value, start, end, tuple(frozenset(a) for a in accepts), **more))

    for pattern, kind in ((_EMAIL, "email"), (_URL, "url"), (_DOMAIN, "url")):
        for m in _emails(text) if pattern is _EMAIL else pattern.finditer(text):
            start, end = m.span()
            address = m.group(0)
            while address and address[-1] in ".,;:!?'\"»”’":
                address, end = address[:-1], end - 1
            key = fold(re.sub(r"^https?://", "", address, flags=re.I)).rstrip("/")
            add(kind, start, end, address, {f"{kind}:{key}"})
        text = mask(text, ((i.start, i.end) for i in items))

    text = _times(french, text, add, items)
    text = _dates(french, text, add, items)
    text = _numbers(french, text, add, items)
    text = number_words(french, text, add, items)
    runs = _names(french, text, add, rules=reading is None)
    if reading is not None:

        def initial(start: int) -> bool:
            return _sentence_initial(french, start)

        for name in from_entities(
            french,
            mask(text, [(i.start, i.end) for i in items if i.kind == "name"]),
            reading.entities,
            reading.pos,
            common,
            runs,
            initial,
        ):
            _add_entity(french, name, add)
    return sorted(items, key=lambda i: (i.start, KINDS.index(i.kind)))


def _emails(text: str) -> Iterator[re.Match[str]]:
    """``_EMAIL.finditer(text)``, in linear time: tried where the last match ended, then
    only where a run of the local part's characters starts (``_EMAIL_AT_RUN``)."""
    if "@" not in text:
        return
    position = 0
    while position < len(text):
        m = _EMAIL.match(text, position) or _EMAIL_AT_RUN.search(text, position)
        if m is None:
            return
        yield m
        position = m.end()


def _taken(items: list[Item], start: int) -> list[Span]:
    return [(i.start, i.end) for i in items[start:]]


def _times(french: str, text: str, add: Any, items: list[Item]) -> str:
    first = len(items)
    for m in _TIME_HM.finditer(text):
        h, mm = int(m.group(1)), m.group(2)
        add("time", *m.span(), f"{h}:{mm}", {f"time:{h}:{mm}"}, {f"num:{h}", f"num:{int(mm)}"})
    text = mask(text, _taken(items, first))
    first = len(items)
    for m in _TIME_H.finditer(text):
        h, mm = int(m.group(1)), m.group(2)
        if mm:
            add("time", *m.span(), f"{h}:{mm}", {f"time:{h}:{mm}"}, {f"num:{h}", f"num:{int(mm)}"})
        else:
            add("time", *m.span(), f"{h}:00", {f"time:{h}:00"}, {f"num:{h}"})
    return mask(text, _taken(items, first))


def _dates(french: str, text: str, add: Any, items: list[Item]) -> str:
    first = len(items)
    for m in _DATE_DMY.finditer(text):
        day = 1 if m.group(1)[0:2] in ("1e", "1r") else int(m.group(1))
        month = _month_fr(m.group(2))
        if not month or not 1 <= day <= 31:
            continue
        md = f"--{month:02d}-{day:02d}"
        if m.group(3):
            year = m.group(3)
            add(
                "date",
                *m.span(),
                f"{year}-{month:02d}-{day:02d}",
                {f"date:{year}-{month:02d}-{day:02d}"},
                {f"date:{md}", f"num:{year}"},
            )
        else:
            add("date", *m.span(), md, {f"date:{md}"})
    text = mask(text, _taken(items, first))
    first = len(items)
    for m in _DATE_NUMERIC.finditer(text):
        day, month, year = int(m.group(1)), int(m.group(3)), m.group(4)
        if not (1 <= day <= 31 and 1 <= month <= 12):
            continue
        year = year if len(year) == 4 else f"20{year}"
        value = f"{year}-{month:02d}-{day:02d}"
        add("date", *m.span(), value, {f"date:{value}"})
    text = mask(text, _taken(items, first))
    first = len(items)
    for m in _DATE_MY.finditer(text):
        month = _month_fr(m.group(1))
        if month:
            year = m.group(2)
            add(
                "date",
                *m.span(),
                f"{year}-{month:02d}",
                {f"date:{year}-{month:02d}"},
                {f"month:{month:02d}", f"num:{year}"},
            )
    text = mask(text, _taken(items, first))
    first = len(items)
    for m in _MONTH_ALONE.finditer(text):
        month = _month_fr(m.group(1))
        if month:
            add("date", *m.span(), f"--{month:02d}", {f"month:{month:02d}"})
    for m in _WEEKDAY.finditer(text):
        day = WEEKDAYS_FR[fold(m.group(1))]
        add("date", *m.span(1), WEEKDAY_NAMES[day], {f"weekday:{day}"})
    return mask(text, _taken(items, first))


def _month_fr(word: str) -> int | None:
    w = fold(word)
    return MONTHS_FR.get(w) or MONTHS_FR.get(w.rstrip(".")) or MONTHS_FR.get(w.rstrip(".") + ".")


def _numbers(french: str, text: str, add: Any, items: list[Item]) -> str:
    first = len(items)
    for m in _ROMAN_ORDINAL.finditer(text):
        value = roman(m.group(1)) if len(m.group(1)) > 1 else {"I": 1, "V": 5, "X": 10}[m.group(1)]
        if value:
            add("number", *m.span(), str(value), {f"num:{value}"})
    text = mask(text, _taken(items, first))
    first = len(items)
    for m in _NUMBER_FR.finditer(text):
        start, end = m.span()
        if start >= 2 and text[start - 1] in "-‐" and text[start - 2].isalpha():
            continue  # COVID-19: part of a code
        values = _french_value(m.group(1), m.group(2), m.group(3))
        # What follows is matched in place: a copy of the rest of the text per number
        # (text[end:]) made a long run of numbers quadratic.
        ordinal = _ORDINAL_SUFFIX.match(text, end) if not m.group(3) else None
        if ordinal:
            add("number", start, ordinal.end(), key_of(values[0]), {f"num:{key_of(values[0])}"})
            continue
        if text[end : end + 1].isalpha() and not _SCALE_FR.match(text, end) and not _UNIT_FR.match(text, end):
            continue  # 67P, 3D, 4x: a code, not a quantity
        percent = _PERCENT_FR.match(text, end)
        if percent:
            keys = [{f"pct:{key_of(v)}"} for v in values]
            add("percent", start, percent.end(), f"{key_of(values[0])}%", *keys)
            continue
        scale = _SCALE_FR.match(text, end)
        if scale:
            half = _AND_A_HALF.match(text, scale.end())  # 2 millions et demi: 2.5 million
            values = [(v + (Decimal("0.5") if half else 0)) * SCALES_FR[scale.group(1)] for v in values]
            end = half.end() if half else scale.end()
            rest = _THOUSANDS_REST.match(text, end) if scale.group(1) == "mille" else None
            if rest:  # 6 mille 74: 6074
                values = [v + int(rest.group(1)) for v in values]
                end = rest.end()
        year = _year_kind(text, start, end, values, scale)
        accepts = [{f"num:{key_of(v)}"} for v in values]
        if not scale and _after_capitalized_word(text, start):
            accepts.append({f"glued:{key_of(values[0])}"})  # ACE 2: ACE2
        add(year or "number", start, end, key_of(values[0]), *accepts)
        unit = _UNIT_FR.match(text, end)
        connector = unit is not None and _UNIT_AFTER_SCALE_ONLY.match(text[end : unit.end()])
        # The symbol ends at most 3 characters before (symbol, space, line break before $).
        before = _CURRENCY_BEFORE.search(text, max(0, start - 3), start)
        if unit and (scale or not connector):
            code = UNITS[int(next(k for k, v in unit.groupdict().items() if v)[1:])][0]
            add("unit", start, unit.end(), code, {f"unit:{code}"}, {f"!dim:{DIMENSIONS[code]}"})
        elif before:
            code = next(c for c, fr, _ in UNITS if re.fullmatch(fr, before.group(1)))
            add("unit", before.start(), end, code, {f"unit:{code}"}, {f"!dim:{DIMENSIONS[code]}"})
    return mask(text, _taken(items, first))


# The text before a number or a word is read backwards from it, as far as a rule needs:
# copying or searching all of it for each one made extraction quadratic.
_WORD_CHAR = re.compile(rf"[{_L}0-9-]")
_SP_CHARS = " \u00a0\u202f\u2009"
_GLUED_WORD = re.compile(rf"(?<![{_L}])[{_UP}][{_L}0-9-]*{_SP}\Z")
_RANGE_AFTER = re.compile(r"[-–]\d")
_LONGEST_YEAR_WORD = max(map(len, _YEAR_CONTEXT))
_LONGEST_TITLE = max(map(len, TITLE_ABBREVIATIONS))
_OPENING = " \t\u00a0\u202f«“\"'(—–-["
_TITLE_CHAR = re.compile(rf"[{_L}.-]")
_BEFORE_STOP = re.compile(rf"[{_L}.-]+\Z")


def _after_capitalized_word(text: str, start: int) -> bool:
    """Whether ``text[:start]`` ends with a capitalized word and a space ("ACE 2"), as the regex
    ``(?<![L])[UP][L0-9-]*SP$`` says (``$``: at the end or before a final line break)."""
    end = start - 1 if start and text[start - 1] == "\n" else start
    if not end or text[end - 1] not in _SP_CHARS:
        return False
    run = end - 1  # the run of word characters before the space; runs of two numbers never overlap
    while run and _WORD_CHAR.match(text, run - 1):
        run -= 1
    return bool(_GLUED_WORD.search(text, run, end))


def _word_before(text: str, end: int, longest: int) -> str:
    """The run of non-space characters ending at ``end``; cut to ``longest + 1`` characters."""
    start = end
    while start > end - longest - 1 and start and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def _year_kind(text: str, start: int, end: int, values: list[Decimal], scale: Any) -> str | None:
    """``date`` for a year: 1000-2099 as four plain digits, after a year word or in a range."""
    token = text[start:end]
    if scale or _UNIT_FR.match(text, end) or not re.fullmatch(r"\d{4}", token) or not 1000 <= values[0] <= 2099:
        return None
    stripped = start  # text[:start].rstrip()
    while stripped and text[stripped - 1].isspace():
        stripped -= 1
    # The word before: a longer one than the longest year word is none of them.
    word = fold(_word_before(text, stripped, _LONGEST_YEAR_WORD))
    in_range = text[stripped - 1 : stripped] in ("(", "-", "–") or _RANGE_AFTER.match(text, end)
    return "date" if word in _YEAR_CONTEXT or in_range else None


def _sentence_initial(text: str, start: int) -> bool:
    """Whether a word at ``start`` opens a sentence or clause (its capital says nothing)."""
    before = start  # text[:start].rstrip(_OPENING)
    while before and text[before - 1] in _OPENING:
        before -= 1
    if not before or text[before - 1] == "\n":
        return True
    if text[before - 1] in '!?…:;»”"':
        return True
    if text[before - 1] == ".":
        # The word before the stop (the regex ([L.-]+)\.$): a longer one than the longest
        # title is no title, nor a single letter.
        window = max(0, before - 2 - _LONGEST_TITLE)
        prev = _BEFORE_STOP.search(text, window, before - 1)
        word = fold(prev.group(0)) if prev else ""
        if prev and prev.start() == window and window and _TITLE_CHAR.match(text, window - 1):
            return True  # the word goes on before the window: longer than any title
        return not (word in TITLE_ABBREVIATIONS or re.fullmatch(r"[a-z]", word))
    spaced = start  # text[:start].rstrip(" \u00a0\u202f")
    while spaced and text[spaced - 1] in " \u00a0\u202f":
        spaced -= 1
    return not spaced or text[spaced - 1] in '«“"—–'


def _names(french: str, text: str, add: Any, rules: bool = True) -> list[list[tuple[str, int, int]]]:
    """Acronyms and codes as names, and the runs of capitalized words, each added as a name
    (``rules``) or returned for the NER reading to weigh (``names.from_entities``)."""
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.6 * len(letters)
    run: list[tuple[str, int, int]] = []
    runs: list[list[tuple[str, int, int]]] = []

    def close(also: str | None = None) -> None:
        if run:
            if rules:
                _add_name(french, run, add, also)
            else:
                runs.append(list(run))
            run.clear()

    reversed_folded: list[str] = []  # fold(text) reversed, for _ministry, made on first use

    def ministry(start: int) -> bool:
        """Whether the word at ``start`` opens a ministry's domain: "ministre de la Santé"."""
        if not reversed_folded:
            reversed_folded.append(fold(text)[::-1])
        return bool(_MINISTRY_BEFORE.match(reversed_folded[0], len(text) - start))

    last_end = -1
    for m in _WORD.finditer(text):
        word, start = m.group(0), m.start()
        elided = _ELISION.match(word)
        if elided:
            word, start = word[elided.end() :], start + elided.end()
        word = word.rstrip(".")
        end = start + len(word)
        kind = _name_shape(word)
        if kind is None or (kind == "acronym" and (shouting or fold(word) in NOT_NAMES)):
            close()
            continue
        if kind in ("acronym", "code"):
            # "Washington DC": the acronym qualifies the name before it, and an English
            # that keeps only the acronym ("our DC office") keeps the name too.
            qualified = run and kind == "acronym" and re.fullmatch(r"[ \u00a0]", text[last_end:start])
            close(f"acro:{word}" if qualified else None)
            _add_name(french, [(word, start, end)], add, label="rule")
            continue
        if not run and ministry(start):
            # "ministère des Affaires étrangères": French capitalizes a ministry's domain;
            # it is what the ministry does ("the foreign ministry"), not a name.
            last_end = end
            continue
        if fold(word) in NOT_NAMES or (not elided and _sentence_initial(text, start)):
            close()
            last_end = end
            continue
        if run and not re.fullmatch(r"[ \u00a0]", text[last_end:start]):
            close()
        run.append((word, start, end))
        last_end = end
    close()
    return runs


def _name_shape(word: str) -> str | None:
    """``acronym`` (JEDI), ``code`` (SARS-CoV-2, K2, 5G), ``camel`` (PubMed), ``word`` (Italie) or None."""
    letters = [c for c in word if c.isalpha()]
    uppers = sum(c.isupper() for c in letters)
    if len(word) >= 2 and any(c.isdigit() for c in word):
        return "code" if uppers else None  # 5G, K2, COVID-19; 1er is no code
    if len(word) < 2 or not word[0].isupper():
        return None
    if uppers == len(letters) and 2 <= len(letters) <= 7:
        return "acronym"
    if uppers == len(letters):
        return None  # a shouted word, not an acronym
    if re.search(r"[a-zà-ÿœ][A-ZÀ-ÞŒ]", word):
        return "camel"
    return "word"


def _add_name(french: str, run: list[tuple[str, int, int]], add: Any, also: str | None = None, label: str = "") -> None:
    """Add a run of capitalized words as one name item; ``also``: one more accepted key."""
    start, end = run[0][1], run[-1][2]
    whole = french[start:end]
    alternatives: list[str] = [also] if also else []
    forms = _exonyms(fold(whole))
    for word, _, _ in run:
        shape = _name_shape(word)
        table = _exonyms(fold(word))
        forms = forms or table
        alternatives.extend(_form_key(f) for f in table)
        if shape in ("acronym", "code"):
            numeral = roman(word)
            alternatives.append(f"acro:{word}")
            if word.isalpha() and 2 <= len(word) <= 8:
                alternatives.append(f"init:{word.lower()}")  # BoJ: Bank of Japan
            if not word.isalnum():
                alternatives.append(f"text:{fold(word)}")  # I/43, F/589: as written
            if numeral:
                alternatives.append(f"num:{numeral}")
        if shape != "acronym":
            alternatives.append(f"name:{fold(word)}")
        if "-" in fold(word) and not table:  # Saint-Pierre: St. Peter; CIM-10: ICD-10
            for part in fold(word).split("-"):
                alternatives.extend(_form_key(f) for f in _exonyms(part))
                if shape != "code" and len(part) >= 4:
                    alternatives.append(f"name:{part}")
    alternatives.extend(_form_key(f) for f in _exonyms(fold(whole)))
    if len(run) > 1:
        alternatives.append(f"name:{fold(whole)}")
    value = forms[0] if forms else whole
    add("name", start, end, value, *({a} for a in dict.fromkeys(alternatives)), label=label)


def _word_keys(word: str) -> tuple[str, ...]:
    """The keys of which one must be in the English for one word of a name."""
    folded = fold(word).replace("’", "'")
    keys = [f"name:{folded}"] if not (word.isupper() and len(word) >= 2) else [f"acro:{word}"]
    if word.isupper() and len(word) >= 2:
        keys.append(f"name:{folded}")
    keys.extend(_form_key(f) for f in _exonyms(folded))
    if word.isalpha() and 2 <= len(word) <= 8 and sum(c.isupper() for c in word) >= 2:
        keys.append(f"init:{word.lower()}")  # BoJ, NSA: Bank of Japan, National Security Agency
    if not folded.replace("-", "").replace("'", "").isalnum():
        keys.append(f"text:{folded}")  # I/43, AT&T: as written
    if "-" in folded:
        keys.extend(_form_key(f) for part in folded.split("-") for f in _exonyms(part))
    numeral = roman(word)
    if numeral:
        keys.append(f"num:{numeral}")
    return tuple(dict.fromkeys(keys))


def _add_entity(french: str, name: Any, add: Any) -> None:
    """Add a name read with the NER model: its parts, and the English forms of the whole."""
    whole = french[name.start : name.end]
    folded = fold(whole).replace("’", "'")
    forms = _exonyms(folded)
    alternatives = [{_form_key(f)} for f in forms] + [{f"acro:{a}"} for a in name.also]
    keys = [list(_word_keys(p.word)) for p in name.parts]
    # An English form of a run of its words stands for each of them ("Union européenne" /
    # EU in "la Commission de l'Union européenne"; "pays de Galles" / Wales).
    words = [(m.group(0), m.start(), m.end()) for m in re.finditer(r"\S+", folded)]
    spans = [(p.start - name.start, p.end - name.start) for p in name.parts]
    for a in range(len(words)):
        for b in range(a + 1, min(len(words), a + 5)):
            forms_of_run = _exonyms(" ".join(w for w, _, _ in words[a : b + 1]))
            if not forms_of_run:
                continue
            run_start, run_end = words[a][1], words[b][2]
            for k, (s, e) in enumerate(spans):
                if run_start <= s and e <= run_end:
                    keys[k].extend(_form_key(f) for f in forms_of_run)
    parts = tuple((p.word, tuple(dict.fromkeys(k)), p.proper) for p, k in zip(name.parts, keys, strict=True))
    capitals = [p.word[0] for p in name.parts if p.word[:1].isupper()]
    if len(capitals) >= 2 and len(capitals) == len(name.parts):
        alternatives.append({f"case:{''.join(capitals)}"})  # New York: NY
    value = forms[0] if forms else whole
    add("name", name.start, name.end, value, *alternatives, parts=parts, label=name.label)


def _exonyms(word: str) -> tuple[str, ...]:
    """The English forms of a folded French word (``exonyms``), plural or ``-la``/``-ci`` form too."""
    return english_forms(word)


def _form_key(form: str) -> str:
    return f"case:{form}" if form.isupper() and len(form.replace(".", "")) <= 3 else f"name:{fold(form)}"
