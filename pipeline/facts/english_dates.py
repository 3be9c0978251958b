"""English dates and times for the lenient side of the check (``english.read_english`` calls them).

Each reader puts the keys a date or time may satisfy, with its span: months, days and
years in any order English writes them (March 5, 5th of March, 5-7 March, 2024-03-05,
05/03/2024 read both ways), weekdays, and times on the 24- and 12-hour clocks.
"""

from __future__ import annotations

import re
from typing import Any

from pipeline.facts.base import Span
from pipeline.facts.tables import MONTHS_EN, NUMBER_WORDS_EN, ORDINAL_WORDS_EN, WEEKDAYS_EN

_EN_MONTH = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
_ORDINAL_WORD_RE = "|".join(
    sorted(
        [
            f"(?:twenty|thirty)[- ]?(?:{w})"
            for w in ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
        ]
        + list(ORDINAL_WORDS_EN),
        key=len,
        reverse=True,
    )
)
_EN_DAY = rf"(\d{{1,2}})(?:st|nd|rd|th)?|({_ORDINAL_WORD_RE})"
_EN_DATE_MDY = re.compile(
    rf"(?<![a-z])({_EN_MONTH})\.?,?\s+(?:the\s+)?(?:{_EN_DAY})(?![a-z\d])(?:\s*(?:-|to|and)\s*(\d{{1,2}})(?!\d))?(?:,?\s+(\d{{4}})(?!\d))?"
)
_EN_DATE_DMY = re.compile(
    rf"(?<![a-z\d])(?:the\s+)?(?:{_EN_DAY})\s*(?:of\s+)?({_EN_MONTH})(?![a-z])\.?(?:,?\s+(\d{{4}})(?!\d))?"
)
_EN_DATE_RANGE_DMY = re.compile(rf"(?<![\d])(\d{{1,2}})\s*(?:-|to|and)\s*(\d{{1,2}})\s+({_EN_MONTH})(?![a-z])")
_EN_MONTH_YEAR = re.compile(rf"(?<![a-z])({_EN_MONTH})\.?,?\s+(?:of\s+)?(\d{{4}})(?!\d)")
_EN_MONTH_ANY = re.compile(rf"(?<![a-z])({_EN_MONTH})(?![a-z])")
_EN_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_EN_NUMERIC_DATE = re.compile(r"(?<![\d/.])(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})(?![\d/])")
_EN_WEEKDAY = re.compile(
    r"(?<![a-z])(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)s?(?![a-z])"
)
_AMPM = r"(a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z])"
_AMPM_AHEAD = r"(?:a\.?\s?m\.?|p\.?\s?m\.?)(?![a-z])"
# 14:30, 14h30, 2:30 p.m.; 2.30 only with a.m./p.m. (else it is a decimal).
_EN_TIME_HM = re.compile(
    rf"(?<![\d.,:])([01]?\d|2[0-4])(?::|h|\.(?=[0-5]\d\s*{_AMPM_AHEAD}))([0-5]\d)(?!\d)(?:\s*{_AMPM})?"
)
_EN_TIME_H = re.compile(rf"(?<![\d.,:])(1[0-2]|0?[1-9])\s*{_AMPM}")
_WORD_HOURS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_EN_TIME_WORD = re.compile(rf"(?<![a-z])({_WORD_HOURS}|1[0-2]|0?[1-9])(?:\s*o'?\s?clock|\s+{_AMPM})")
_EN_WEEKDAY_SHORT = {
    "mon": 1,
    "tue": 2,
    "tues": 2,
    "wed": 3,
    "thu": 4,
    "thur": 4,
    "thurs": 4,
    "fri": 5,
    "sat": 6,
    "sun": 7,
}


def _english_day(digits: str | None, word: str | None) -> int | None:
    if digits:
        return int(digits)
    if not word:
        return None
    word = word.replace(" ", "-")
    if word in ORDINAL_WORDS_EN:
        return ORDINAL_WORDS_EN[word]
    tens, _, unit = word.replace("-", " ", 1).partition(" ")
    if not unit and word.startswith(("twenty", "thirty")):
        tens, unit = word[:6], word[6:]
    return NUMBER_WORDS_EN.get(tens, 0) + ORDINAL_WORDS_EN.get(unit.strip("-"), 0) or None


def english_dates(folded: str, put: Any) -> None:
    """Put the month, day, year and weekday keys of every English date in ``folded``."""

    def date(year: str | None, month: int, day: int | None, span: Span) -> None:
        put(f"month:{month:02d}", span)
        if day and 1 <= day <= 31:
            put(f"date:--{month:02d}-{day:02d}", span)
            if year:
                put(f"date:{year}-{month:02d}-{day:02d}", span)
        if year:
            put(f"date:{year}-{month:02d}", span)

    for m in _EN_DATE_MDY.finditer(folded):
        month = MONTHS_EN[m.group(1)]
        date(m.group(5), month, _english_day(m.group(2), m.group(3)), m.span())
        if m.group(4):
            date(m.group(5), month, int(m.group(4)), m.span())
    for m in _EN_DATE_DMY.finditer(folded):
        date(m.group(4), MONTHS_EN[m.group(3)], _english_day(m.group(1), m.group(2)), m.span())
    for m in _EN_DATE_RANGE_DMY.finditer(folded):
        date(None, MONTHS_EN[m.group(3)], int(m.group(1)), m.span())
    for m in _EN_MONTH_YEAR.finditer(folded):
        date(m.group(2), MONTHS_EN[m.group(1)], None, m.span())
    for m in _EN_MONTH_ANY.finditer(folded):
        put(f"month:{MONTHS_EN[m.group(1)]:02d}", m.span())
    for m in _EN_ISO.finditer(folded):
        if 1 <= int(m.group(2)) <= 12:
            date(m.group(1), int(m.group(2)), int(m.group(3)), m.span())
    for m in _EN_NUMERIC_DATE.finditer(folded):
        a, b, year = int(m.group(1)), int(m.group(3)), m.group(4)
        year = year if len(year) == 4 else f"20{year}"
        for day, month in ((a, b), (b, a)):  # dd/mm or mm/dd
            if 1 <= month <= 12:
                date(year, month, day, m.span())
    for m in _EN_WEEKDAY.finditer(folded):
        name = m.group(1)
        put(f"weekday:{WEEKDAYS_EN.get(name) or _EN_WEEKDAY_SHORT[name]}", m.span())


def english_times(folded: str, put: Any) -> None:
    """Put a ``time:H:MM`` key for every reading of each English time in ``folded`` (14:30, 2 p.m., noon)."""

    def time(hour: int, minutes: str, ampm: str | None, span: Span) -> None:
        if ampm:
            pm = ampm.startswith("p")
            hours = [hour % 12 + (12 if pm else 0)]
        else:
            hours = [hour] + ([hour + 12] if 1 <= hour < 12 else [0] if hour in (12, 24) else [24] if hour == 0 else [])
        for h in hours:
            put(f"time:{h}:{minutes}", span)

    for m in _EN_TIME_HM.finditer(folded):
        time(int(m.group(1)), m.group(2), m.group(3), m.span())
    for m in _EN_TIME_H.finditer(folded):
        time(int(m.group(1)), "00", m.group(2), m.span())
    for m in _EN_TIME_WORD.finditer(folded):
        hour = NUMBER_WORDS_EN.get(m.group(1)) or int(m.group(1))
        time(hour, "00", m.group(2), m.span())
    for m in re.finditer(r"(?<![a-z])(noon|midday|midnight)(?![a-z])", folded):
        for h in (12,) if m.group(1) != "midnight" else (0, 24):
            put(f"time:{h}:00", m.span())
