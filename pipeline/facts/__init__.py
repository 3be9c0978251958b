"""What must survive translation: facts read from a French sentence, looked for in its English.

``extract(french)`` finds the items a translation must keep; ``check(french, english)``
says which of them the English lacks. No model, no torch: regular expressions, a few
tables and a string similarity, so a check runs on any system's output in milliseconds.

The rule that keeps it from crying wolf: the French side is read strictly (only what is
clearly a number, a date, a name...), the English side leniently (every way English may
write the same value counts). An item is missing only when no accepted English form of
it is in the English sentence; English items with no French counterpart are not checked.

Items (``Item.kind``) and their normalized values (``Item.value``):

- ``number``: digits in French formats. ``,`` is the decimal mark and spaces (also
  no-break and narrow no-break) group thousands: ``3,5`` -> ``3.5``, ``1 200`` ->
  ``1200``, ``12 000 000`` -> ``12000000``; dots group thousands in ``1.200.000``, and
  ``1.200`` may be either (1.2 or 1200: both accepted). ``millions``, ``milliards``
  (10^9), ``billions`` (10^12), ``mille``, ``M``, ``Md`` multiply: ``3,5 milliards`` ->
  ``3500000000``. Ordinals ``1er``, ``2e``, ``3ème``, ``XVIe`` -> ``1``, ``2``, ``3``,
  ``16``. Signs are ignored; digits inside names and codes (``COVID-19``, ``A4``) are not
  numbers. Spelled-out French numbers are not read (``un``/``une`` are also articles).
  Found in English as digits in English or French formats, number words (``three``,
  ``twenty-five``, ``first``, ``a hundred``), Roman numerals (``II``), with scale
  words (``3.5 billion``, ``€3.5bn``).
- ``percent``: a number with ``%``, ``pour cent`` or ``p. 100``: value ``20%``. Found as
  ``20%``, ``20 percent``, ``20 per cent`` (and ``10-20%`` for the 10).
- ``unit``: the unit or currency after (or, for symbols, before) a number: value a unit
  code (``EUR``, ``USD``, ``km``, ``kg``, ``day``, ``year``...). Found when the English
  sentence names the same unit anywhere, in any spelling (``€``, ``euro``, ``EUR``), or
  names no unit of that dimension at all (``DIMENSIONS``): a swapped unit is flagged, a
  unit left implicit (``plus de 60 ans`` / ``over 60``) is not.
- ``date``: ``1er janvier 2020`` -> ``2020-01-01``, ``15 mars`` -> ``--03-15`` (ISO 8601's
  form without a year), ``mars 2020`` -> ``2020-03``, ``mars`` -> ``--03``, ``lundi`` ->
  ``Monday``, ``01/02/2020`` -> ``2020-02-01``, and years (1000-2099 after ``en``,
  ``depuis``..., or in a range) -> ``2020``. Found as English dates in any order
  (``January 1, 2020``, ``1 January 2020``, ``1st of January``, ``Jan. 1``, ISO,
  ``dd/mm`` or ``mm/dd``); a French date without a year also matches one with a year.
- ``time``: ``14h30``, ``14 h 30``, ``14:30`` -> ``14:30``; ``9 h``, ``9 heures`` ->
  ``9:00`` (which also passes as the number 9, since ``24 h`` is often a duration).
  Found as ``14:30``, ``2:30 p.m.``, ``2:30`` (either half of the day), ``2 pm``,
  ``two o'clock``, ``noon``.
- ``name``: acronyms and codes (``JEDI``, ``OMS``, ``SARS-CoV-2``) anywhere, and runs of
  capitalized words not at the start of a sentence (``Donald Trump``, ``l'Italie``).
  Value: the expected English form. Found as the same word (accents and case folded), a
  close spelling (``Italie``/``Italy``, ``Pentagone``/``Pentagon``: same first letter and
  a long common prefix, or a similarity ratio of 0.8), an English exonym from
  ``EXONYMS`` (``Allemagne``/``Germany``, ``OMS``/``WHO``), or, for acronyms, the same
  letters in another order (``UE``/``EU``, ``OTAN``/``NATO``). A run passes when one
  of its words does.
- ``url``, ``email``: value as written (trailing punctuation dropped); found when the
  English holds the same address, case folded, the ``http(s)://`` prefix optional.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.facts.base import KINDS, Check, Item, Span, fold
from pipeline.facts.english import English, read_english
from pipeline.facts.french import extract
from pipeline.facts.tables import DIMENSIONS, EXONYMS, UNITS


def _holds(english: English, key: str) -> bool:
    """A key is in the English; a key written ``!key`` is not."""
    return not english.has(key[1:]) if key.startswith("!") else english.has(key)


def found(item: Item, english: English) -> bool:
    """Whether one of the item's accepted forms is wholly in the English."""
    return any(all(_holds(english, key) for key in alternative) for alternative in item.accepts)


def evidence(item: Item, english: English) -> list[Span]:
    """Where the English holds the item: the spans of every alternative that passes."""
    spans: set[Span] = set()
    for alternative in item.accepts:
        if all(_holds(english, key) for key in alternative):
            spans.update(s for key in alternative if not key.startswith("!") for s in english.spans(key))
    return sorted(spans)


def check(french: str, english: str, kinds: Iterable[str] = KINDS) -> Check:
    """The items of ``french`` of the given kinds, and those ``english`` lacks.

    Raises:
        ValueError: an unknown kind (the valid ones are KINDS).
    """
    kinds = set(kinds)
    unknown = kinds - set(KINDS)
    if unknown:
        raise ValueError(f"unknown item kind(s) {', '.join(sorted(unknown))}; valid kinds: {', '.join(KINDS)}")
    items = tuple(i for i in extract(french) if i.kind in kinds)
    if not items:
        return Check((), ())
    read = read_english(english)
    return Check(items, tuple(i for i in items if not found(i, read)))


__all__ = [
    "Check",
    "DIMENSIONS",
    "EXONYMS",
    "English",
    "Item",
    "KINDS",
    "Span",
    "UNITS",
    "check",
    "evidence",
    "extract",
    "fold",
    "found",
    "read_english",
]
