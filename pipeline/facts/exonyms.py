"""English forms of French names: CLDR's names of countries, languages and currencies, and a curated table.

A French name's English form is looked up here by its folded text (``base.fold``):

- countries and territories (``Ouganda`` -> ``Uganda``, ``Îles Malouines`` -> ``Falkland
  Islands``), languages and the nationalities that share their name (``les Tchèques``,
  ``tchèque`` -> ``Czech``; ``Français`` -> ``French``) and currencies, from the Unicode
  CLDR's French and English locale data as Babel ships it, so the table follows CLDR's
  releases rather than our typing;
- a country's adjective, from the official language CLDR gives it as home (``France`` ->
  French, ``Pays-Bas`` -> Dutch: ``nl`` is official in NL and NL is its likely territory), so "l'ambassade de France"
  may be "the French Embassy";
- ``tables.CURATED`` for what CLDR lacks: cities, regions, international organisations and
  their acronyms (OTAN/NATO, OIAC/OPCW), institutions, short forms (US, UK), demonyms
  that are no language's name (Américains/Americans) and given names with an English form.
"""

from __future__ import annotations

from functools import cache

from pipeline.facts.base import fold
from pipeline.facts.tables import CURATED

# The English language name is no country's adjective (English is the likely language of
# the US); those are in CURATED.
_NOT_ADJECTIVES = frozenset({"en"})


@cache
def table() -> dict[str, tuple[str, ...]]:
    """Folded French form -> English forms, CLDR's and the curated table's, curated first."""
    found: dict[str, list[str]] = {}

    def put(french: str, *english: str) -> None:
        forms = found.setdefault(fold(french).replace("\u2019", "'"), [])
        forms.extend(e for e in english if e and e not in forms)

    for french, english in CURATED.items():
        put(french, *english)
    for french, english in _cldr().items():
        put(french, *english)
    return {k: tuple(v) for k, v in found.items()}


def _cldr() -> dict[str, list[str]]:
    try:
        from babel import Locale
        from babel.core import get_global
        from babel.languages import get_official_languages
    except ImportError:  # Babel is a dependency; without it only the curated table is used
        return {}
    fr, en = Locale("fr"), Locale("en")
    out: dict[str, list[str]] = {}
    likely = get_global("likely_subtags")
    adjectives: dict[str, list[str]] = {}  # territory -> English names of the languages at home there
    for code, english in en.languages.items():
        if "_" in code or code in _NOT_ADJECTIVES or code not in fr.languages:
            continue
        home = str(likely.get(code, "")).split("_")[-1]
        if len(home) == 2 and home.isupper() and code in get_official_languages(home, de_facto=True):
            adjectives.setdefault(home, []).append(english)
        out.setdefault(fr.languages[code], []).append(english)
    for code, french in fr.territories.items():
        english = en.territories.get(code)
        if english:
            out.setdefault(french, []).extend([english, *adjectives.get(code, ())])
    for code, french in fr.currencies.items():
        english = en.currencies.get(code)
        if english:
            out.setdefault(french, []).append(english)
    return out


def english_forms(folded: str) -> tuple[str, ...]:
    """The English forms of a folded French name (plural, ``-la``/``-ci`` and elided forms too)."""
    known = table()
    for form in _variants(folded):
        if form in known:
            return known[form]
    return ()


def _variants(word: str) -> list[str]:
    word = " ".join(word.replace("\u00a0", " ").replace("\u202f", " ").split())
    if word.endswith(("-la", "-ci")):
        word = word[:-3]
    forms = [word]
    for article in ("l'", "le ", "la ", "les "):
        if word.startswith(article):
            forms.append(word[len(article) :])
    for form in list(forms):
        # plural and feminine forms: Tchèques, Allemandes, européennes -> européen
        for ending in ("s", "x", "es", "nes", "ne", "e"):
            if form.endswith(ending) and len(form) - len(ending) >= 4:
                forms.append(form[: -len(ending)])
    return forms
