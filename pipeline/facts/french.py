"""The strict side: what a French sentence holds that its translation must keep (``extract``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pipeline.facts.base import KINDS, Item, Span, fold, key_of, mask
from pipeline.facts.tables import (
    DIMENSIONS,
    EXONYMS,
    MONTHS_FR,
    NOT_NAMES,
    SCALES_FR,
    TITLE_ABBREVIATIONS,
    UNITS,
    WEEKDAY_NAMES,
    WEEKDAYS_FR,
)

_SP = r"[ \u00a0\u202f\u2009]"
_L = "A-Za-zÀ-ÖØ-öø-ÿŒœŸ"
_UP = "A-ZÀ-ÖØ-ÞŒŸ"
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
_UNIT_AFTER_SCALE_ONLY = re.compile(rf"^{_SP}?(?:de{_SP}|d['’])")
_CURRENCY_BEFORE = re.compile(rf"(€|\$|£|¥){_SP}?$")
_YEAR_CONTEXT = frozenset(
    "en de depuis des dès avant apres après vers jusqu'en jusqu'à an l'an année années ete été hiver printemps "
    "automne fin début debut mi courant entre et à au ou".split()
)
_WORD = re.compile(rf"[{_L}0-9]+(?:[-‐'’][{_L}0-9]+)*")
_ELISION = re.compile(r"(?i)(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)['’]")
# The words before a ministry's domain: "ministère des", "ministre de la", "ministres de l'".
_MINISTRY = re.compile(rf"\bminist(?:re|ere)s?{_SP}+(?:de{_SP}+la{_SP}+|de{_SP}+l'|des{_SP}+|du{_SP}+|de{_SP}+)$")
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


def extract(french: str) -> list[Item]:
    """Every item of ``french`` a translation must keep, in order of appearance."""
    items: list[Item] = []
    text = french

    def add(kind: str, start: int, end: int, value: str, *accepts: Iterable[str]) -> None:
        items.append(Item(kind, french[start:end], value, start, end, tuple(frozenset(a) for a in accepts)))

    for pattern, kind in ((_EMAIL, "email"), (_URL, "url"), (_DOMAIN, "url")):
        for m in pattern.finditer(text):
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
    _names(french, text, add)
    return sorted(items, key=lambda i: (i.start, KINDS.index(i.kind)))


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
        rest = text[end:]
        ordinal = _ORDINAL_SUFFIX.match(rest) if not m.group(3) else None
        if ordinal:
            add("number", start, end + ordinal.end(), key_of(values[0]), {f"num:{key_of(values[0])}"})
            continue
        if rest[:1].isalpha() and not _SCALE_FR.match(rest) and not _UNIT_FR.match(rest):
            continue  # 67P, 3D, 4x: a code, not a quantity
        percent = _PERCENT_FR.match(rest)
        if percent:
            keys = [{f"pct:{key_of(v)}"} for v in values]
            add("percent", start, end + percent.end(), f"{key_of(values[0])}%", *keys)
            continue
        scale = _SCALE_FR.match(rest)
        if scale:
            values = [v * SCALES_FR[scale.group(1)] for v in values]
            end += scale.end()
        year = _year_kind(text, start, end, values, scale)
        accepts = [{f"num:{key_of(v)}"} for v in values]
        if not scale and re.search(rf"(?<![{_L}])[{_UP}][{_L}0-9-]*{_SP}$", text[:start]):
            accepts.append({f"glued:{key_of(values[0])}"})  # ACE 2: ACE2
        add(year or "number", start, end, key_of(values[0]), *accepts)
        unit = _UNIT_FR.match(text, end)
        connector = unit is not None and _UNIT_AFTER_SCALE_ONLY.match(text[end : unit.end()])
        before = _CURRENCY_BEFORE.search(text, 0, start)
        if unit and (scale or not connector):
            code = UNITS[int(next(k for k, v in unit.groupdict().items() if v)[1:])][0]
            add("unit", start, unit.end(), code, {f"unit:{code}"}, {f"!dim:{DIMENSIONS[code]}"})
        elif before:
            code = next(c for c, fr, _ in UNITS if re.fullmatch(fr, before.group(1)))
            add("unit", before.start(), end, code, {f"unit:{code}"}, {f"!dim:{DIMENSIONS[code]}"})
    return mask(text, _taken(items, first))


def _year_kind(text: str, start: int, end: int, values: list[Decimal], scale: Any) -> str | None:
    """``date`` for a year: 1000-2099 as four plain digits, after a year word or in a range."""
    token = text[start:end]
    if scale or _UNIT_FR.match(text, end) or not re.fullmatch(r"\d{4}", token) or not 1000 <= values[0] <= 2099:
        return None
    before = text[:start].rstrip()
    word = fold(before.split()[-1]) if before.split() else ""
    in_range = before.endswith(("(", "-", "–")) or re.match(r"[-–]\d", text[end:])
    return "date" if word in _YEAR_CONTEXT or in_range else None


def _sentence_initial(text: str, start: int) -> bool:
    """Whether a word at ``start`` opens a sentence or clause (its capital says nothing)."""
    before = text[:start].rstrip(" \t\u00a0\u202f«“\"'(—–-[")
    if not before or before.endswith("\n"):
        return True
    if before[-1] in '!?…:;»”"':
        return True
    if before[-1] == ".":
        prev = re.search(rf"([{_L}.-]+)\.$", before)
        word = fold(prev.group(1)) if prev else ""
        return not (word in TITLE_ABBREVIATIONS or re.fullmatch(r"[a-z]", word))
    return text[:start].rstrip(" \u00a0\u202f")[-1:] in '«“"—–'


def _names(french: str, text: str, add: Any) -> None:
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.6 * len(letters)
    run: list[tuple[str, int, int]] = []

    def close(also: str | None = None) -> None:
        if run:
            _add_name(french, run, add, also)
            run.clear()

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
            _add_name(french, [(word, start, end)], add)
            continue
        if _ministry(text, start) and not run:
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


def _ministry(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a ministry's domain: "ministre de la Santé"."""
    return bool(_MINISTRY.search(fold(text[:start])))


def _add_name(french: str, run: list[tuple[str, int, int]], add: Any, also: str | None = None) -> None:
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
    add("name", start, end, value, *({a} for a in dict.fromkeys(alternatives)))


def _exonyms(word: str) -> tuple[str, ...]:
    """The table's English forms of a folded French word, plural or ``-la``/``-ci`` form too."""
    word = re.sub(r"-(?:la|ci)$", "", re.sub(r"[\s\u00a0\u202f]+", " ", word))
    for form in (word, word[:-1] if word.endswith(("s", "x")) else None, word[:-2] if word.endswith("es") else None):
        if form and form in EXONYMS:
            return EXONYMS[form]
    return ()


def _form_key(form: str) -> str:
    return f"case:{form}" if form.isupper() and len(form.replace(".", "")) <= 3 else f"name:{fold(form)}"
