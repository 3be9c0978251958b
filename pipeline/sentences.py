"""Sentence splitting: French rules for the articles, pysbd for English summaries.

``split_sentences`` finds sentence boundaries in a paragraph of French text with rules
for French typography: abbreviations (M., Mme, av. J.-C., p. ex., art. 3), initials
(J. K. Rowling), decimals (3,5 and 10.5), ellipses, « guillemets » and quotes that close
after the final stop, "?" and "!" preceded by a space, URLs and e-mails. The segmenter
stage uses it; ``eval/segmentation`` measures it against a gold set.

``split_english`` splits English text (summaries, references) for ROUGE-Lsum, which
scores one sentence per line; it is pysbd's English rules (Sadvilkar and Neumann, 2020,
"PySBD: Pragmatic Sentence Boundary Disambiguation"), named by ``ENGLISH_SPLITTER`` in
the scores' signatures.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    import pysbd

# Abbreviations after which a period never ends a sentence (lowercased, without the
# final period). "etc." is left out on purpose: it usually ends its sentence when a
# capital follows. Sources: Grevisse, "Le Bon Usage", and the Office québécois de la
# langue française's list of common abbreviations.
ABBREVIATIONS = frozenset(
    """
    m mm mme mmes mlle mlles dr drs pr me mgr st ste sts stes mr mrs
    cf ex av apr art al n no nos vol chap fig p pp env tél tel bd boul fg
    réf coll éd dir trad gén col cdt cne lt sgt adj prof vs cie ets sté dpt
    ann suiv sq sqq op cit ibid
    """.split()
)

# Words that open sentences and are never part of a name: after a lone capital
# ("la ligne B. Seul un train..."), one of these means the capital ended a sentence.
SENTENCE_OPENERS = frozenset(
    """
    il elle ils elles on nous vous je ce cet cette ces cela ça mais et or donc car
    seul seule seuls seules selon pour dans depuis après avant alors puis si quand
    un une aucun aucune chaque tous toutes tout toute plusieurs son sa ses leur leurs
    notre nos votre vos en au aux y c'est
    """.split()
)

_SPACE = r"[ \t\u00a0\u202f]"
_UP = "A-ZÀ-ÖØ-ÞŒŸ"  # French capitals, Œ and Ÿ included
_LOW = "a-zà-öø-ÿœ"
# A stop: an ellipsis or a run of . ! ? (?! ?? !!), then closing quotes or brackets
# that belong to the sentence it ends. A straight double quote counts as closing only
# when glued to the stop and not to a following word ('fin."Début' opens the next
# sentence); "»", "”" and ")" may follow after a (non-breaking) space.
_STOP = re.compile(r"(?:\.\.\.|…|[.!?]+)(?:\"(?![" + _LOW + _UP + r"])|’|'|(?:" + _SPACE + r"?[»”)\]]))*")
# What may open the next sentence: a capital, a digit, an opening quote or bracket, a
# dash, or a brand written with a lowercase first letter (eBay, iPhone).
_STARTER = re.compile(rf"[{_UP}0-9«“\"'(\[—–¿¡-]|[a-z][A-Z]")
# Sentences glued with no space ("au Figaro.Jusqu'à", common in scraped news): a
# lowercase letter, digit or closing quote, the stop, then a capitalised word.
_GLUED = re.compile(rf"\"?[{_UP}](?:[{_LOW}{_UP}]|['’])")
_INITIAL = re.compile(rf"^(?:[{_UP}]|[{_UP}]\.-[{_UP}])$")
_OPENERS = "«“\"'([—–-"


# The word before a stop is read from the run of non-space characters it ends, and a run
# can be the whole paragraph ("1.1.1.1...", a long URL): ``_WordsBefore`` moves forward
# only, so splitting stays linear in the paragraph's length (rereading the run at each
# stop made it quadratic). These find, in one backward pass over the newly read stretch,
# the last blank, apostrophe or address character in it.
_LAST_BLANK = re.compile(r".*\s", re.DOTALL)
_LAST_APOSTROPHE = re.compile(r".*['’]", re.DOTALL)
_LAST_ADDRESS = re.compile(r".*[/@]", re.DOTALL)
_LEADING_OPENERS = re.compile("[" + re.escape(_OPENERS) + "]*")
# No word longer than this is an abbreviation or an initial ("J.-C" has 4 characters).
_LONGEST_WORD = max(4, *map(len, ABBREVIATIONS))


class _Word(NamedTuple):
    """The word before a stop, as much of it as the rules read."""

    text: str  # cut after ``limit + 1`` characters: a longer word is no abbreviation anyway
    address: bool  # it holds a "/" or "@" (a URL, an e-mail address)
    www: bool  # it opens with "www"


class _WordsBefore:
    """The word before each stop of a paragraph, the stops visited left to right.

    The word is the run of non-space characters ending at the stop, without opening
    punctuation and without what an elision's apostrophe cuts off (``l'art.`` -> ``art``).
    """

    def __init__(self, text: str, limit: int) -> None:
        self.text, self.limit = text, limit
        self._start()

    def _start(self) -> None:
        self.read = 0  # text[:read] is read
        self.run = 0  # where the run of non-space characters being read starts
        self.apostrophe = -1  # the last apostrophe read, -1: none
        self.address = -1  # the last "/" or "@" read
        self.openers = (-1, 0)  # (run, where its leading opening punctuation ends)

    def at(self, end: int) -> _Word:
        if end < self.read:  # a stop before the last one: read again from the start
            self._start()
        text = self.text
        blank = _LAST_BLANK.match(text, self.read, end)
        if blank:
            self.run = blank.end()
        for pattern, name in ((_LAST_APOSTROPHE, "apostrophe"), (_LAST_ADDRESS, "address")):
            found = pattern.match(text, max(self.read, self.run), end)
            if found:
                setattr(self, name, found.end() - 1)
        self.read = end
        if self.openers[0] != self.run:
            self.openers = (self.run, _LEADING_OPENERS.match(text, self.run, end).end())  # type: ignore[union-attr]
        start = self.openers[1]
        if self.apostrophe >= start:
            start = self.apostrophe + 1
        return _Word(
            text[start : min(end, start + self.limit + 1)],
            self.address >= start,
            text[start : min(end, start + 3)].lower() == "www",
        )


def _is_glued_boundary(text: str, stop: re.Match[str], word: _Word) -> bool:
    before = text[stop.start() - 1] if stop.start() else ""
    if not (before.islower() or before.isdigit() or before in '"»”)' or stop.group()[0] in "?!"):
        return False
    if word.address or word.www:
        return False
    return bool(_GLUED.match(text, stop.end()))


# What follows a stop is read this far: a paragraph is never copied whole per stop
# (that made splitting quadratic in the paragraph's length).
_LOOKAHEAD = 200
_BLANKS = re.compile(r"\s*")


def _is_boundary(text: str, stop: re.Match[str], extra_abbreviations: frozenset[str], words: _WordsBefore) -> bool:
    after = _BLANKS.match(text, stop.end()).end()  # type: ignore[union-attr]
    if after == len(text):
        return True
    if after == stop.end():  # no space after the stop: "10.5", "exemple.fr", "J.-C"
        return _is_glued_boundary(text, stop, words.at(stop.start()))
    stripped = text[after : after + _LOOKAHEAD]
    if not _STARTER.match(stripped):  # « Prêts ? » a-t-il demandé / etc. et ...
        return False
    if stop.group().startswith(".") and not stop.group().startswith("..."):
        word = words.at(stop.start()).text
        if word.lower() in ABBREVIATIONS or word.lower() in extra_abbreviations:
            return False
        # A lone capital before a capitalised word is an initial (J. K. Rowling,
        # M. Dupont), and before a number a reference (art. L. 121-1); but "la ligne B."
        # ends its sentence when a word that only opens sentences follows.
        # "J.-C." is an era (av. J.-C.), not a name: it may end a sentence.
        if _INITIAL.match(word) and word != "J.-C":
            next_word = re.split(r"[\s,;:]", stripped, maxsplit=1)[0].lower()
            if stripped[0].isdigit():
                return False
            if stripped[0].isupper() and (word == "M" or next_word not in SENTENCE_OPENERS):
                return False
    return True


def split_sentences(text: str, extra_abbreviations: Iterable[str] = ()) -> list[str]:
    """Split one paragraph of plain French text into sentences.

    Args:
        text: a paragraph, inline markup already removed.
        extra_abbreviations: more abbreviations (without their period) that never end a sentence.

    Returns:
        The sentences, stripped, in order; their concatenation with single spaces
        reproduces the input's non-space characters exactly.
    """
    extra = frozenset(a.lower().rstrip(".") for a in extra_abbreviations)
    words = _WordsBefore(text, max(_LONGEST_WORD, *map(len, extra)) if extra else _LONGEST_WORD)
    sentences, start = [], 0
    for stop in _STOP.finditer(text):
        if _is_boundary(text, stop, extra, words):
            sentence = text[start : stop.end()].strip()
            if sentence:
                sentences.append(sentence)
            start = stop.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


# --- English ---------------------------------------------------------------------

# Named in ROUGE signatures: another splitter (or pysbd version) gives other Lsum scores.
ENGLISH_SPLITTER = f"pysbd-{version('pysbd')}-en"

# pysbd's Segmenter keeps the text being split on itself (``original_text``) while it
# works, so one instance must not split two texts at once.
_ENGLISH_LOCK = threading.Lock()


@cache
def _english_segmenter() -> pysbd.Segmenter:
    import pysbd  # imported on first use: the French segmenter stage never needs it

    # clean=False: no text normalization, so every character of the input comes back.
    return pysbd.Segmenter(language="en", clean=False)


def split_english(text: str) -> list[str]:
    """Split English text into sentences (pysbd's English rules).

    Args:
        text: plain English text; pysbd also ends a sentence at each line break.

    Returns:
        The sentences, stripped, in order, none empty; together they hold the input's
        non-space characters exactly. Should pysbd ever lose text (it rebuilds sentences
        by searching them in the input), the whole text is returned as one sentence.
    """
    if not text.strip():
        return []
    with _ENGLISH_LOCK:
        pieces = _english_segmenter().segment(text)
    sentences = [s.strip() for s in pieces if s.strip()]
    if "".join(text.split()) != "".join("".join(s.split()) for s in sentences):
        return [text.strip()]
    return sentences
