"""Names of a French sentence, read by a trained NER model where one is installed, and how each is matched.

With the model (``models.ner``, spaCy's French pipeline), a name is an entity the model
finds (person, place, organisation, other), its edges cleaned by rules: leading
lower-case words and titles (``M.``, ``Mme``, ``Dr``...) are dropped. Capitalized words
the model missed are names too when one of them is not a common French word (the
model's lexicon, or its part-of-speech tag says proper noun): "le Caire" is one, "le
Sommet" or "la Chambre" are not (French capitalizes institutions; they are translated).
Without the model, the rules alone read names (``french._names``).

A name is one item whose **parts** are its words, less particles (de, du, la...): the
English must hold every part (in any accepted form: the same word or a close spelling,
a transliteration, an English form from ``exonyms``), or a form of the whole name
("pays de Galles" -> Wales, "Union européenne" -> EU). So "Keith Alexander" is not
found in an English that keeps "Keith" alone. A part is **proper** when it is not a
common French word (or the model says it is a person's name); a missing proper part is
strong evidence (``mismatch:name``), a missing common word only a note (``check:name``):
"Chambre des représentants" may be "the House".
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Container
from dataclasses import dataclass

from pipeline.facts.base import fold

# Words inside a name that are not one of its parts: particles and articles.
PARTICLES = frozenset(
    "de du des d la le les l et a au aux en sur sous pour par y von van der den di da del della el al bin ben "
    "ibn ou the of and".split()
)
TITLES = frozenset(
    "m mm mme mmes mlle mlles dr pr me mgr monsieur madame mademoiselle messieurs mesdames sir lord".split()
)
LABELS = ("PER", "LOC", "ORG", "MISC")
_WORDLIKE = re.compile(r"[^\W_]", re.UNICODE)
_ELIDED = re.compile(r"(?i)(?:[ldjmnstc]|qu)['’\"]")


@dataclass(frozen=True)
class Part:
    """One word of a name: as written, where, and whether it is a proper word (not a common French word)."""

    word: str
    start: int
    end: int
    proper: bool


@dataclass(frozen=True)
class Name:
    """A name found in a French sentence: its span, label (PER, LOC, ORG, MISC, or ``rule``) and parts."""

    start: int
    end: int
    label: str
    parts: tuple[Part, ...]
    also: tuple[str, ...] = ()  # acronyms in it that stand for the whole


def _capitalized(word: str) -> bool:
    return word[:1].isupper() or any(c.isdigit() for c in word) and any(c.isupper() for c in word)


def _is_proper(word: str, pos: str, common: Container[str], initial: bool, label: str = "") -> bool:
    """A capitalized word that is not a common French word, or a common word that both models
    take for a person's or place's name (the tagger's proper noun, not at the start of a
    sentence, where it often takes a verb for one; the NER's PER or LOC: "Virginie"). An
    organisation's common words ("Nouvelle Démocratie", "Parti conservateur") are translated."""
    if not _capitalized(word):
        return False
    if any(c.isdigit() for c in word) or (word.isupper() and len(word) >= 2):
        return True  # a code or an acronym
    low = word.lower().replace("\u2019", "'")
    parts = [p for p in low.split("-") if p]  # Bois-tu, Peut-être: each part a common word
    # A capital often drops its accent: "Ecrivez" is "écrivez", "A" is "à".
    accented = {"e": ("é", "è", "ê"), "a": ("à", "â"), "i": ("î",), "o": ("ô",), "u": ("ù", "û")}
    variants = (
        [parts[0][:1].replace(parts[0][:1], v) + parts[0][1:] for v in accented.get(parts[0][:1], ())] if parts else []
    )
    is_common = all(any(w in common for w in {p, p.rstrip("s")}) for p in parts) if parts else True
    if not is_common and len(parts) == 1 and any(v in common for v in variants):
        is_common = True
    if label == "PER" and not initial:
        return True  # a person's name: Morales, Blanc, Pierre
    return not is_common or (pos == "PROPN" and not initial and label == "LOC")


def from_entities(
    french: str,
    text: str,
    entities: tuple,
    pos: dict[int, str],
    common: Container[str],
    runs: list[list[tuple[str, int, int]]],
    initial: Callable[[int], bool],
) -> list[Name]:
    """The names of ``french``: the model's entities, and the rule runs it missed that hold a proper word.

    Args:
        french: the sentence.
        text: the sentence with the items already read (numbers, dates) blanked out.
        entities: ``models.ner.Entity`` of the sentence.
        pos: part of speech by token start.
        common: the lexicon of common French words (lower case).
        runs: the rules' runs of capitalized words (``french._names``): (word, start, end) each.
        initial: whether a word starting there opens a sentence.
    """
    names: list[Name] = []
    covered: list[tuple[int, int]] = []
    for entity in entities:
        if entity.label not in LABELS:
            continue
        # Words already read as another item (a date, a number: "XXe siècle") are not the name's.
        tokens = [t for t in entity.tokens if _WORDLIKE.search(t[0]) and text[t[1] : t[2]].strip()]
        while tokens and (not _capitalized(tokens[0][0]) or _folded(tokens[0][0]) in TITLES | PARTICLES):
            tokens.pop(0)
        while tokens and (_folded(tokens[-1][0]) in PARTICLES or _folded(tokens[-1][0]) in TITLES):
            tokens.pop()
        if not tokens:
            continue
        parts = tuple(
            Part(word, start, end, _is_proper(word, tag, common, initial(start), entity.label))
            for word, start, end, tag in map(_unelided, tokens)
            if word and _folded(word) not in PARTICLES and _folded(word) not in TITLES
        )
        # Common words only: an institution translated word for word or not ("Chambre des
        # représentants" / the House, "ministère des Affaires étrangères" / the foreign
        # ministry), or the model taking a sentence's first words for a name ("Veuillez").
        if not any(p.proper for p in parts):
            continue
        if entity.label == "MISC" and len(parts) == 1 and initial(parts[0].start):
            continue  # a short sentence's first word taken for a name ("Whaou !", "Mdr")
        # An acronym in the entity, read on its own, stands for it too ("Washington DC" / "our DC office").
        also = tuple(t[0] for t in entity.tokens if t[0].isupper() and len(t[0]) >= 2 and not text[t[1] : t[2]].strip())
        names.append(Name(tokens[0][1], tokens[-1][2], entity.label, parts, also))
        covered.append((entity.start, entity.end))
    starts = [a for a, _ in covered]  # the entities, in order, never overlapping: their ends are in order too
    for run in runs:
        start, end = run[0][1], run[-1][2]
        last = bisect_left(starts, end) - 1  # the last entity starting before the run ends
        if last >= 0 and covered[last][1] > start:
            continue
        parts = tuple(Part(w, s, e, _is_proper(w, pos.get(s, ""), common, initial(s))) for w, s, e in run)
        if any(p.proper for p in parts):
            names.append(Name(start, end, "rule", parts))
    return sorted(names, key=lambda n: n.start)


def _unelided(token: tuple[str, int, int, str]) -> tuple[str, int, int, str]:
    """A token without an elided article glued to it (``L'équipe``, ``L"équipe``: ``équipe``)."""
    word, start, end, pos = token
    m = _ELIDED.match(word)
    return (word[m.end() :], start + m.end(), end, pos) if m else token


def _folded(word: str) -> str:
    return fold(word).rstrip(".").replace("\u2019", "'")
