"""Summary support: each summary sentence linked to the translated sentences it rests on.

The ``support`` stage runs after ``summarize``. For every sentence of the English
summary (split by ``sentences.split_english``) it lists the translated segments that
support it, best first, and the numbers and names it holds that appear nowhere in the
translation: the classic abstractive hallucination ("$12 billion" in the summary of an
article that says 10).

Alignment is TF-IDF cosine over the article's own translated sentences (bag of folded
words, English stop words removed, smoothed IDF ``log((1 + N) / (1 + df)) + 1``): the
IDF weighs what is rare in the article (names, numbers, the topic's words) over what
every sentence shares, so a summary sentence goes to the sentences it paraphrases,
while ROUGE's plain n-gram overlap counts "the" as much as "Pentagon". It needs no model
and no library, and it is computed in the translation's own language, English.

Numbers, percentages, dates and times are read with ``pipeline.facts.read_english``
(the same lenient English reading as the consistency check, so "10 billion",
"10,000,000,000" and "ten billion" are one value, and "twenty" is supported by "20");
those written with digits or as cardinal number words other than "one" are checked
("a", "one", "first" are too common to flag). Names are capitalized words not opening the
sentence, found in the translation as the consistency check finds a name in English: the
same word, a close spelling or transliteration ("Mubarak" in "Hosni Mubarak" or
"Moubarak"), an acronym in any case.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import replace
from typing import Any

from pydantic import Field

from pipeline.config import Strict
from pipeline.document import Document, Segment
from pipeline.facts import English, fold, read_english
from pipeline.facts.tables import NUMBER_WORDS_EN
from pipeline.registry import register
from pipeline.sentences import split_english
from pipeline.stage import Stage

METHOD = "tfidf-cosine"

_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
# Function words: they carry no claim, so they align nothing.
STOP_WORDS = frozenset(
    """a about after against all also an and any are as at be been before being between both but by can could did
    do does during each for from had has have he her hers him his how i if in into is it its itself me more most my
    no nor not of off on once only or other our out over own same she should so some such than that the their them
    then there these they this those through to too under until up very was we were what when where which while who
    whom why will with would you your said says say""".split()
)
_KEY_KINDS = ("num", "pct", "date", "time")
# Number words a summary's value may be written in (the English side of the consistency check reads them).
_CARDINALS = frozenset({*NUMBER_WORDS_EN, "hundred", "thousand", "million", "billion", "trillion", "and"})
# Capitalized words that are not names when not opening a sentence.
_NOT_NAMES = frozenset({"I", "The", "A", "An", "In", "On", "It", "This", "That", "He", "She", "They", "We", "But"})
# A capitalized word, accented letters included ("Orléans", "Élisabeth", "L'Oréal"), whole.
_NAME = re.compile(r"(?<![\w'’-])[A-ZÀ-ÖØ-ÞŒŸ](?:[\w'’.-]*[^\W_])?")


class SupportConfig(Strict):
    # A segment supports a summary sentence when their cosine is at least this.
    min_score: float = Field(default=0.1, ge=0.0, le=1.0)
    max_support: int = Field(default=3, ge=1)  # supporting segments listed per sentence, best first
    numbers: bool = True  # flag numbers, percentages, dates and times the translation lacks
    names: bool = True  # flag names the translation lacks


def words(text: str) -> list[str]:
    """The content words of an English text, folded (case and accents)."""
    return [w for w in _WORD.findall(fold(text)) if w not in STOP_WORDS]


def tfidf(documents: list[list[str]]) -> list[dict[str, float]]:
    """Unit-length TF-IDF vectors of tokenized sentences, with smoothed IDF over them."""
    df = Counter(w for doc in documents for w in set(doc))
    n = len(documents)
    vectors = []
    for doc in documents:
        counts = Counter(doc)
        vector = {w: c * (math.log((1 + n) / (1 + df[w])) + 1) for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    return vectors


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(w, 0.0) for w, v in a.items())


def unsupported(
    sentence: str, translation: str | English, *, numbers: bool = True, names: bool = True
) -> list[dict[str, str]]:
    """The numbers (with digits) and names of a summary sentence that the translation lacks, in order.

    ``translation`` may be given read (``facts.read_english``), so a long article is
    read once for all its summary sentences.
    """
    article = translation if isinstance(translation, English) else read_english(translation)
    translation = article.text
    found: list[tuple[int, dict[str, str]]] = []
    if numbers:
        found += _unsupported_values(sentence, article)
    if names:
        for m in _NAME.finditer(sentence):
            name = m.group(0).rstrip(".")
            if _opens(sentence, m.start()) or name in _NOT_NAMES or name.isdigit():
                continue
            if not _name_in(name, article, translation):
                found.append((m.start(), {"kind": "name", "text": name}))
    found.sort(key=lambda pair: pair[0])
    return [item for _, item in found]


def _name_in(name: str, article: English, translation: str) -> bool:
    """Whether the translation holds a name of the summary as the consistency check finds a
    name in English: the same word or a close spelling or transliteration, an acronym in any
    case ("Mubarak" in "Hosni Mubarak", "Moubarak"; "NSA")."""
    if re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", translation):
        return True
    folded = fold(name).replace("\u2019", "'")
    if name.isupper() and len(name) >= 2:
        return article.has(f"acro:{name}")
    if not re.fullmatch(r"[a-z]+", folded):
        return False
    return article.has(f"name:{folded}")


def _is_value(text: str) -> bool:
    """Digits, or a number in words other than one ("twenty", "two hundred"; not "a", "one", "first")."""
    if any(c.isdigit() for c in text):
        return True
    words = re.findall(r"[a-z]+", text.lower())
    return bool(words) and all(w in _CARDINALS for w in words) and not set(words) <= {"one", "zero", "and"}


def _unsupported_values(sentence: str, article: English) -> list[tuple[int, dict[str, str]]]:
    """Numbers, percentages, dates and times written with digits that the translation lacks.

    One value may be read under several keys and spans ("$12 billion": ``num:12`` and
    ``num:12000000000``; "20%": ``pct:`` and ``num:``): overlapping spans are one value,
    read by its longest span and most specific kind, and supported when the translation
    holds that reading.
    """
    summary = read_english(sentence)
    spans = sorted(
        (start, end, key)
        for key, where in summary.keys.items()
        if key.partition(":")[0] in _KEY_KINDS
        for start, end in where
        if _is_value(sentence[start:end])
    )
    groups: list[list[tuple[int, int, str]]] = []
    for span in spans:
        if groups and span[0] < max(end for _, end, _ in groups[-1]):
            groups[-1].append(span)
        else:
            groups.append([span])
    out = []
    for group in groups:
        # What the value is: its longest reading, of its most specific kind ("25%" is a
        # percentage, not the 25 of "October 25"; "$12 billion" is not the 12 of "12 days").
        start, end, key = max(group, key=lambda g: (g[1] - g[0], _PRIORITY.index(g[2].partition(":")[0])))
        kind = key.partition(":")[0]
        readings = [k for s, e, k in group if (s, e) == (start, end) and k.partition(":")[0] == kind]
        if any(article.has(k) for k in readings):
            continue
        if key.startswith("pct:") and sentence[end : end + 1] == "%":
            end += 1
        out.append((start, {"kind": _kind(key.partition(":")[0]), "text": sentence[start:end].strip()}))
    return out


# For a value read under several kinds on the same span, the most specific one names it.
_PRIORITY = ("num", "time", "date", "pct")


def _kind(key_kind: str) -> str:
    return {"num": "number", "pct": "percent"}.get(key_kind, key_kind)


def _opens(sentence: str, start: int) -> bool:
    """Whether the word at ``start`` opens the sentence (after quotes or brackets)."""
    return not sentence[:start].strip(" \"'“‘«([—–-")


@register("support", "tfidf", default=True)
class Support(Stage):
    """Links each summary sentence to its supporting translated sentences; flags unsupported numbers and names."""

    Config = SupportConfig
    requires = ("summary",)
    assigns = ("support",)
    config: SupportConfig

    def process(self, doc: Document) -> Document:
        if not doc.summary:
            return doc
        segments = [s for s in doc.segments if s.translation and not s.verbatim]
        sentences = split_english(doc.summary)
        translation = read_english(" ".join(str(s.translation) for s in segments))  # read once
        vectors = tfidf([words(str(s.translation)) for s in segments] + [words(t) for t in sentences])
        targets, queries = vectors[: len(segments)], vectors[len(segments) :]
        out, warnings = [], []
        for number, (sentence, query) in enumerate(zip(sentences, queries, strict=True), 1):
            entry = self._entry(sentence, query, segments, targets, translation)
            out.append(entry)
            if not entry["support"]:
                warnings.append(f"support: summary sentence {number} matches no sentence of the translation")
            if entry["unsupported"]:
                listed = ", ".join(f"{u['kind']} {u['text']!r}" for u in entry["unsupported"])
                warnings.append(f"support: summary sentence {number}: not in the translation: {listed}")
        doc = replace(doc, warnings=doc.warnings + tuple(warnings))
        return doc.annotate("support", {"method": METHOD, "sentences": out})

    def _entry(
        self,
        sentence: str,
        query: dict[str, float],
        segments: list[Segment],
        targets: list[dict[str, float]],
        translation: English,
    ) -> dict[str, Any]:
        scored = sorted(
            ((round(cosine(query, t), 4), s.index) for s, t in zip(segments, targets, strict=True)),
            key=lambda pair: (-pair[0], pair[1]),
        )
        best = [(score, index) for score, index in scored if score >= self.config.min_score and score > 0]
        best = best[: self.config.max_support]
        return {
            "text": sentence,
            "support": [index for _, index in best],
            "scores": [score for score, _ in best],
            "unsupported": unsupported(sentence, translation, numbers=self.config.numbers, names=self.config.names),
        }
