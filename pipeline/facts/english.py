"""The lenient side: every key an English sentence may satisfy, with where it is (``read_english``)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from difflib import SequenceMatcher
from functools import cached_property, lru_cache
from typing import Any

from pipeline.facts.base import Span, fold, key_of, skeleton, sounds, to_decimal
from pipeline.facts.english_dates import english_dates, english_times
from pipeline.facts.french import roman
from pipeline.facts.index import Acronyms, Names, Words
from pipeline.facts.tables import DIMENSIONS, NUMBER_WORDS_EN, ORDINAL_WORDS_EN, SCALES_EN, UNIT_EN

_MULTIPLIERS = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_OTHER_WORDS = {
    "once": 1, "twice": 2, "thrice": 3, "half": Decimal("0.5"), "dozen": 12, "dozens": 12, "single": 1,
    "twenties": 20, "thirties": 30, "forties": 40, "fifties": 50, "sixties": 60, "seventies": 70, "eighties": 80,
    "nineties": 90,
}  # fmt: skip
_A_UNITS = (
    r"hour|day|week|month|year|minute|second|century|decade|dozen|hundred|thousand|million|billion|"
    r"kilomet(?:er|re)|met(?:er|re)|mile|kilo(?:gram)?|liter|litre|gram"
)
_EN_CHUNK = re.compile(r"(?<!\d)\d+(?:[.,]\d+)*(?!\d)")
_EN_SPACED = re.compile(r"(?<!\d)\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?![\d])")
_EN_SCALE = re.compile(r"\s*-?\s*(thousand|million|billion|trillion|bn|mn|mln|tn|k|m|b)s?(?![a-z])")
_EN_PERCENT = re.compile(r"\s*(?:%|percent\b|per cent\b|pc\b|percentage points?\b|pct\b)")
_EN_RANGE_TO_PERCENT = re.compile(
    r"\s*(?:-|to|and|or)\s*(?:\d+(?:[.,]\d+)?|[a-z]+(?:-[a-z]+)*)\s*(?:%|percent\b|per cent\b)"
)
_EN_WORD = re.compile(r"[a-z]+")
_EN_TOKEN = re.compile(r"[a-z0-9µ]+(?:['-][a-z0-9µ]+)*")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
# A hyphenated word gives a token for each run of its parts ("rig-i-like": rig, rig-i, i,
# i-like, like), but runs of at most this many parts: a word of k parts has k * k / 2 runs,
# and "a-a-a-..." of 50 000 characters is no word (it took minutes). No word of
# ordinary text has that many parts; the whole word stays a token however long.
MAX_PARTS = 8
# Keys read by searching the sentence (names, acronyms, exact cases, addresses), not
# looked up in ``English.keys``.
_SEARCHED = frozenset({"url", "email", "name", "acro", "case", "word", "text"})
_INITIAL_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SKIPPED_IN_INITIALS = frozenset({"of", "the", "and", "for", "on", "in", "de", "du", "des", "la", "le", "et"})


@dataclass(frozen=True)
class English:
    """An English sentence read for checking: the keys it holds, with where each is.

    Attributes:
        text, folded: the sentence, and ``fold(text)`` (same length).
        keys: ``num:``, ``pct:``, ``date:``, ``month:``, ``weekday:``, ``time:``, ``unit:``
            keys, each with the spans it was read from.
        tokens: (folded, original, start, end) of each word, and of each part of a
            hyphenated word.
    """

    text: str
    folded: str
    keys: dict[str, tuple[Span, ...]]
    tokens: tuple[tuple[str, str, int, int], ...]
    # The searched keys' spans, each key searched once: a sentence of 6000 names asked
    # the same name of every token 6000 times.
    searched: dict[str, tuple[Span, ...]] = field(default_factory=dict, compare=False, repr=False)
    held: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)  # the names asked by has()

    def spans(self, key: str) -> list[Span]:
        """Where the English holds ``key`` (empty: it doesn't)."""
        if key.partition(":")[0] in _SEARCHED:
            return list(self._searched(key))
        return list(self.keys.get(key, ()))

    def has(self, key: str) -> bool:
        kind, _, value = key.partition(":")
        if kind == "name" and key not in self.searched and not (" " in value or "-" in value or "." in value):
            # A name is found as soon as one token is similar: the same word first.
            if key not in self.held:
                self.held[key] = any(_similar(value, folded) for folded in self.names.candidates(value))
            return self.held[key]
        if kind == "init":
            return value in self.initials
        if kind in _SEARCHED:
            return bool(self._searched(key))
        return key in self.keys  # a key is only put with a span

    def _searched(self, key: str) -> tuple[Span, ...]:
        found = self.searched.get(key)
        if found is None:
            kind, _, value = key.partition(":")
            if kind in ("url", "email", "text"):
                found = tuple(_literal_spans(value, self))
            elif kind == "name":
                found = tuple(_name_spans(value, self))
            elif kind == "acro":
                found = tuple(_acronym_spans(value, self))
            elif kind == "word":
                found = tuple((self.tokens[k][2], self.tokens[k][3]) for k in self.names.at.get(value, ()))
            else:
                found = tuple(self._case_spans(value))
            self.searched[key] = found
        return found

    def _case_spans(self, value: str) -> list[Span]:
        spans = [(s, e) for k in self.by_original.get(value, ()) for _, _, s, e in (self.tokens[k],)]
        return spans or [m.span() for m in re.finditer(rf"(?<![\w.]){re.escape(value)}(?!\w)", self.text)]

    # Indexes of the tokens and words, built on first use, so a search looks only where
    # its key may be (``pipeline.facts.index``).
    @cached_property
    def initials(self) -> frozenset[str]:
        """The initials of every run of up to 8 words, lower case, with and without small words
        ("Bank of Japan": boj and bj), so an acronym is found spelled out."""
        words = [m.group(0) for m in _INITIAL_WORD.finditer(self.text)]
        found: set[str] = set()
        for i in range(len(words)):
            every = kept = ""
            for word in words[i : i + 8]:
                every += word[0].lower()
                if word.lower() not in _SKIPPED_IN_INITIALS:
                    kept += word[0].lower()
                found.update((every, kept))
        return frozenset(found)

    @cached_property
    def by_original(self) -> dict[str, list[int]]:
        """Token indexes by the token as written."""
        index: dict[str, list[int]] = {}
        for k, (_, original, _, _) in enumerate(self.tokens):
            index.setdefault(original, []).append(k)
        return index

    @cached_property
    def names(self) -> Names:
        return Names([folded for folded, _, _, _ in self.tokens])

    @cached_property
    def acronyms(self) -> Acronyms:
        plain = [_NOT_ALNUM.sub("", folded) for folded, _, _, _ in self.tokens]
        return Acronyms(plain, [original for _, original, _, _ in self.tokens])

    @cached_property
    def words(self) -> Words:
        return Words(self.folded)


def read_english(english: str) -> English:
    """Every key the English sentence may satisfy (the lenient side of the check)."""
    folded = fold(english)
    keys: dict[str, list[Span]] = {}

    def put(key: str, span: Span) -> None:
        keys.setdefault(key, []).append(span)

    _english_numbers(folded, put, english)
    english_dates(folded, put)
    english_times(folded, put)
    for code, pattern in UNIT_EN.items():
        for m in pattern.finditer(folded):
            put(f"unit:{code}", m.span())
            put(f"dim:{DIMENSIONS[code]}", m.span())
    for m in re.finditer(r"(?<![A-Za-z])[MDCLXVI]{2,}(?![A-Za-z])", english):
        value = roman(m.group(0))
        if value:
            put(f"num:{value}", m.span())
    tokens = []
    for m in re.finditer(r"(?<![A-Za-z.])(?:[A-Z]\.){2,}", english):  # U.S.A.: USA
        letters = m.group(0).replace(".", "")
        tokens.append((letters.lower(), letters, m.start(), m.end()))
    for m in _EN_TOKEN.finditer(folded):
        tokens.append((m.group(0), english[m.start() : m.end()], m.start(), m.end()))
        if "-" in m.group(0) or "'" in m.group(0):
            # each run of its parts: "rig-i-like" gives rig, rig-i, i, i-like, like
            parts = list(re.finditer(r"[a-z0-9µ]+", m.group(0)))
            for a in range(len(parts)):
                for b in range(a, min(a + MAX_PARTS, len(parts))):
                    if (a, b) != (0, len(parts) - 1):
                        s, e = m.start() + parts[a].start(), m.start() + parts[b].end()
                        tokens.append((folded[s:e], english[s:e], s, e))
    return English(english, folded, {k: tuple(v) for k, v in keys.items()}, tuple(tokens))


_LOWER_WORD_BEFORE = re.compile(r"(?<![A-Za-z])[a-z]{3,}[-.]\Z")


def _glued(folded: str, start: int, english: str = "") -> bool:
    """Whether digits at ``start`` are part of a code: right after a letter (ACE2), or after a
    letter and a hyphen or dot (COVID-19, Fig.1), not after a lower-case word and a hyphen
    (mid-2013, pre-2008)."""
    if start == 0:
        return False
    before = folded[start - 1]
    if before.isalpha():
        return True
    if start >= 2 and before in "-." and folded[start - 2].isalpha():
        return not (english and _LOWER_WORD_BEFORE.search(english, max(0, start - 12), start))
    return False


def _english_numbers(folded: str, put: Any, english: str = "") -> None:
    values: list[tuple[Decimal, Span, bool]] = []
    for m in _EN_CHUNK.finditer(folded):
        chunk, base = m.group(0), m.start()
        glued = _glued(folded, base, english)
        for run in re.finditer(r"\d+", chunk):
            values.append((Decimal(run.group(0)), (base + run.start(), base + run.end()), glued))
        runs = re.split(r"[.,]", chunk)
        seps = re.findall(r"[.,]", chunk)
        if seps:
            if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", chunk):
                values.append((Decimal(chunk.replace(",", "")), m.span(), glued))
            if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", chunk):
                values.append((Decimal(chunk.replace(".", "").replace(",", ".")), m.span(), glued))
            start = base  # where runs[k] starts, kept as k goes (joining runs[:k] made it quadratic)
            for k in range(len(seps)):  # any "a.b" or "a,b" inside as a decimal
                value = to_decimal(f"{runs[k]}.{runs[k + 1]}")
                if value is not None:
                    values.append((value, (start, start + len(runs[k]) + 1 + len(runs[k + 1])), glued))
                start += len(runs[k]) + 1
        if re.fullmatch(r"\d{4}", chunk) and folded[m.end() : m.end() + 1] == "s":
            values.append((Decimal(chunk[2:]), m.span(), glued))  # the 1940s: the 40s
    for m in _EN_SPACED.finditer(folded):
        values.append((Decimal(re.sub(r"\D", "", m.group(0))), m.span(), _glued(folded, m.start())))
    for m in re.finditer(r"'(\d{2})s\b", folded):
        values.append((Decimal(m.group(1)), m.span(1), False))
    for m in re.finditer(r"(?<![\d.,])\.(\d+)", folded):  # .08%
        values.append((Decimal(f"0.{m.group(1)}"), m.span(), _glued(folded, m.start())))
    for m in re.finditer(r"(?<!\d)((?:1[0-9]|20)\d{2})[-/](\d{2})(?!\d)", folded):  # 2019-20: 2020
        values.append((Decimal(m.group(1)[:2] + m.group(2)), m.span(2), False))
    values.extend((value, span, False) for value, span in _number_words(folded))
    for m in re.finditer(rf"(?<![a-z])an?\s+(?:{_A_UNITS})s?(?![a-z])", folded):
        values.append((Decimal(1), m.span(), False))
    for m in re.finditer(r"(?<![a-z])half an?\s+(dozen|hundred|thousand|million|billion|century)(?![a-z])", folded):
        scale = {"dozen": 12, "century": 100, **_MULTIPLIERS}[m.group(1)]
        values.append((Decimal(scale) / 2, m.span(), False))
    for m in re.finditer(r"(?<![a-z])(?:an?|one|(\d+|[a-z]+))[\s-]+decades?(?![a-z])", folded):
        count = Decimal(1) if m.group(1) is None else _count(m.group(1))
        if count is not None:
            values.append((count * 10, m.span(), False))  # "seven decades": 70 (years)
    for m in re.finditer(r"(?<![\d'])(\d)0s(?![a-z])", folded):  # the 90s: 90, and 1990 or 2090... any century
        values.extend((Decimal(f"{c}{m.group(1)}0"), m.span(), False) for c in ("", 18, 19, 20))
    for value, (start, end), glued in values:
        if glued:
            put(f"glued:{key_of(value)}", (start, end))
            continue
        put(f"num:{key_of(value)}", (start, end))
        scale = _EN_SCALE.match(folded, end)
        if scale:
            value = value * SCALES_EN[scale.group(1)]
            more = _EN_SCALE.match(folded, scale.end())  # "6 thousand million": 6 billion
            if more and more.group(1) in ("million", "billion") and scale.group(1) == "thousand":
                value, scale = value * SCALES_EN[more.group(1)], more
            put(f"num:{key_of(value)}", (start, scale.end()))
            end = scale.end()
        if _EN_PERCENT.match(folded, end) or _EN_RANGE_TO_PERCENT.match(folded, end):
            put(f"pct:{key_of(value)}", (start, end))


def _count(word: str) -> Decimal | None:
    """A count written with digits or as a number word (``seven``), else None."""
    if word.isdigit():
        return Decimal(word)
    value = NUMBER_WORDS_EN.get(word)
    return None if value is None else Decimal(value)


def _number_words(folded: str) -> list[tuple[Decimal, Span]]:
    """Values of spelled-out numbers: each word alone, and each run of them together."""
    found: list[tuple[Decimal, Span]] = []
    words = list(_EN_WORD.finditer(folded))
    k = 0
    while k < len(words):
        run: list[re.Match[str]] = []
        j = k
        while j < len(words):
            w = words[j].group(0)
            gap = folded[words[j - 1].end() : words[j].start()] if run else ""
            if run and not re.fullmatch(r"[ -]", gap):
                break
            if w in NUMBER_WORDS_EN or w in _MULTIPLIERS or w in ORDINAL_WORDS_EN or w in _OTHER_WORDS:
                run.append(words[j])
            elif (
                w in ("a", "an")
                and not run
                and j + 1 < len(words)
                and words[j + 1].group(0) in (*_MULTIPLIERS, "dozen")
            ):
                run.append(words[j])
            elif (
                w == "and"
                and run
                and run[-1].group(0) in _MULTIPLIERS
                and j + 1 < len(words)
                and words[j + 1].group(0) in NUMBER_WORDS_EN
            ):
                run.append(words[j])
            else:
                break
            j += 1
        if not run:
            k += 1
            continue
        total, current = Decimal(0), Decimal(0)
        for w in (r.group(0) for r in run):
            if w in NUMBER_WORDS_EN:
                current += NUMBER_WORDS_EN[w]
                found.append((Decimal(NUMBER_WORDS_EN[w]), _span_of(words, w, run)))
            elif w in ORDINAL_WORDS_EN:
                current = (
                    current + ORDINAL_WORDS_EN[w]
                    if ORDINAL_WORDS_EN[w] < 100
                    else max(current, 1) * ORDINAL_WORDS_EN[w]
                )
                found.append((Decimal(ORDINAL_WORDS_EN[w]), _span_of(words, w, run)))
            elif w in _OTHER_WORDS:
                current = max(current, 1) * _OTHER_WORDS[w] if w.startswith("dozen") else current + _OTHER_WORDS[w]
                found.append((Decimal(_OTHER_WORDS[w]), _span_of(words, w, run)))
            elif w == "hundred":
                current = max(current, 1) * 100
            elif w in _MULTIPLIERS:
                total += max(current, 1) * _MULTIPLIERS[w]
                current = Decimal(0)
        found.append((total + current, (run[0].start(), run[-1].end())))
        k = j
    return found


def _span_of(words: list[re.Match[str]], word: str, run: list[re.Match[str]]) -> Span:
    for r in run:
        if r.group(0) == word:
            return r.span()
    return run[0].span()


def _similar(a: str, b: str) -> bool:
    """Whether two folded words are the same name, in French and English spellings."""
    if a == b:
        return True
    if min(len(a), len(b)) >= 3 and a.isalpha() and b.isalpha():
        sa, sb = sounds(a), sounds(b)
        if sa == sb:
            return True
        if min(len(a), len(b)) >= 5 and skeleton(sa) == skeleton(sb):
            return True  # Morsi / Mursi: the same consonants, vowels in the same places
    if min(len(a), len(b)) >= 3 and a.rstrip("s") == b.rstrip("s"):
        return True
    if min(len(a), len(b)) < 4 or a[0] != b[0]:
        return False
    prefix = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix += 1
    if prefix >= 4 and prefix >= 0.6 * min(len(a), len(b)):
        return True
    if _adjective_of(a, b) or _adjective_of(b, a):
        return True
    if min(len(a), len(b)) < 6:
        return False  # paris / parks: a ratio of 0.8 on short words says little
    # SequenceMatcher's two quick ratios (lengths, then letters in common) bound its ratio
    # from above; computed here, with each word's letters counted once, they turn away
    # most pairs of different words before a matcher is built (a sentence of many names
    # makes many pairs).
    total = len(a) + len(b)
    if 2.0 * min(len(a), len(b)) / total < 0.8:
        return False
    letters_a, letters_b = _letters(a), _letters(b)
    if 2.0 * sum(min(n, letters_b.get(c, 0)) for c, n in letters_a.items()) / total < 0.8:
        return False
    return SequenceMatcher(None, a, b).ratio() >= 0.8


_ADJECTIVE_ENDINGS = ("an", "ian", "ean", "n", "ese", "i", "ish", "ic", "ine")


def _adjective_of(name: str, word: str) -> bool:
    """Whether ``word`` is an English adjective or demonym of a place ``name``: Puerto Rico /
    Rican, Andes / Andean, Iraq / Iraqi, Kenya / Kenyan (the name, less a final vowel, and an ending)."""
    if len(name) < 4:
        return False
    stem = name[:-1] if name[-1] in "aeiouy" else name
    return word.startswith(stem) and word[len(stem) :] in _ADJECTIVE_ENDINGS


@lru_cache(maxsize=1 << 16)
def _letters(word: str) -> dict[str, int]:
    return Counter(word)


def _name_spans(form: str, english: English) -> list[Span]:
    if " " in form or "-" in form or "." in form:
        pattern = re.escape(form).replace(r"\-", "[- ]?").replace(r"\ ", "[- ]")
        pattern = rf"(?<![a-z0-9]){pattern}(?![a-z0-9])"
        return english.words.find(re.compile(pattern), form, english.folded, whole=True)
    names = english.names
    indexes = sorted(k for folded in names.candidates(form) if _similar(form, folded) for k in names.at[folded])
    return [(english.tokens[k][2], english.tokens[k][3]) for k in indexes]


def _literal_spans(value: str, english: English) -> list[Span]:
    """Where ``value`` is in the folded English, anywhere, as ``re.finditer`` finds it."""
    return english.words.find(re.compile(re.escape(value)), value, english.folded, whole=False)


def _acronym_spans(acronym: str, english: English) -> list[Span]:
    """The same acronym (or code) in any case, with a plural ``s`` (PRRs) or digits (ACE2)
    after it, or its letters in another order in capitals (UE/EU, ARNm/mRNA)."""
    plain = re.sub(r"[^a-z0-9]", "", fold(acronym))
    return [(english.tokens[k][2], english.tokens[k][3]) for k in english.acronyms.find(plain)]
