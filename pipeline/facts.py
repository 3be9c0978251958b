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

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Any

# Every item kind, in the order flags are listed.
KINDS = ("number", "percent", "unit", "date", "time", "name", "url", "email")

Span = tuple[int, int]


@dataclass(frozen=True)
class Item:
    """One thing in the French that the translation must keep.

    Attributes:
        kind: one of KINDS.
        source: the French text it was read from, as written.
        value: its normalized value (module docstring).
        start, end: where ``source`` is in the French text.
        accepts: the ways it may appear in English: alternatives, each a set of keys
            (``num:3.5``, ``date:2020-01-01``, ``name:pentagon``) that must all be in the
            English for that alternative to pass (a key ``!k``: ``k`` must not be).
    """

    kind: str
    source: str
    value: str
    start: int
    end: int
    accepts: tuple[frozenset[str], ...]

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "source": self.source, "value": self.value}


@dataclass(frozen=True)
class Check:
    """The items of a French sentence (of the kinds checked) and those its English lacks."""

    items: tuple[Item, ...]
    missing: tuple[Item, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        """``mismatch:<kind>`` for each kind with a missing item, in KINDS order."""
        kinds = {item.kind for item in self.missing}
        return tuple(f"mismatch:{kind}" for kind in KINDS if kind in kinds)


# ---------------------------------------------------------------- text helpers

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212"
_QUOTES = "\u2019\u2018\u02bc`"


def _fold_char(c: str) -> str:
    if c in _DASHES:
        return "-"
    if c in _QUOTES:
        return "'"
    base = unicodedata.normalize("NFD", c)[0]
    low = base.lower()
    return low if len(low) == 1 else base


def fold(text: str) -> str:
    """Lowercase, accents stripped, typographic dashes and apostrophes made ASCII.

    Keeps the length of ``text``, so a span found in the folded text is a span of the
    original.
    """
    return "".join(_fold_char(c) for c in text)


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _key(value: Decimal) -> str:
    """A number as a canonical string: no exponent, no trailing zeros (``3.50`` -> ``3.5``)."""
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _mask(text: str, spans: Iterable[Span]) -> str:
    """``text`` with the given spans blanked out, so later patterns don't read them again."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


# ---------------------------------------------------------------- tables

MONTHS_FR = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "janv.": 1, "fevr.": 2, "fev.": 2, "avr.": 4, "juil.": 7, "sept.": 9, "oct.": 10,
    "nov.": 11, "dec.": 12,
}  # fmt: skip
MONTHS_EN = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS_FR = {"lundi": 1, "mardi": 2, "mercredi": 3, "jeudi": 4, "vendredi": 5, "samedi": 6, "dimanche": 7}
WEEKDAYS_EN = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7}
_WEEKDAY_NAMES = {v: k.capitalize() for k, v in WEEKDAYS_EN.items()}

# French scale words after a number, and what they multiply by.
SCALES_FR = {
    "million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9,
    "billion": 10**12, "billions": 10**12, "mille": 10**3,
    "M": 10**6, "Md": 10**9, "Mds": 10**9, "Mrd": 10**9, "Mrds": 10**9, "k": 10**3,
}  # fmt: skip
SCALES_EN = {
    "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
    "k": 10**3, "m": 10**6, "mn": 10**6, "mln": 10**6, "bn": 10**9, "b": 10**9, "tn": 10**12,
}  # fmt: skip

# Units after a French number: (code, French pattern, English pattern). French patterns
# are case-sensitive (``m`` is a metre, ``M`` a million); English ones are matched on the
# folded (lowercased) English text, anywhere in it. Longer units come first.
UNITS: tuple[tuple[str, str, str], ...] = (
    ("EUR", r"€|(?i:euros?)|EUR", r"€|\beuros?\b|\beur\b"),
    ("USD", r"\$|(?i:dollars?)|USD", r"\$|\bdollars?\b|\busd\b|\bbucks\b"),
    ("GBP", r"£|(?i:livres?\s+sterling)|GBP", r"£|\bpounds?\b|\bgbp\b|\bsterling\b"),
    ("JPY", r"¥|(?i:yens?)|JPY", r"¥|\byens?\b|\bjpy\b"),
    ("CHF", r"(?i:francs?(?:\s+suisses?)?)|CHF", r"\bfrancs?\b|\bchf\b"),
    ("CNY", r"(?i:yuans?|renminbis?)|CNY|RMB", r"\byuans?\b|\brenminbi\b|\brmb\b|\bcny\b"),
    ("INR", r"(?i:roupies?)", r"\brupees?\b|\binr\b"),
    ("RUB", r"(?i:roubles?)", r"\b[rR]o?ubles?\b|\brub\b"),
    (
        "km/h",
        r"km/h|(?i:km/heure|kilomètres?\s+(?:par|à\s+l['’])\s*heure)",
        r"km/h|\bkph\b|\bkmh\b|kilomet(?:er|re)s? (?:per|an|a) hour|km per hour",
    ),
    ("km2", r"km²|km2|(?i:kilomètres?\s+carrés?)", r"km²|km2|square kilomet(?:er|re)s?|sq\.? ?km"),
    ("m2", r"m²|m2|(?i:mètres?\s+carrés?)", r"m²|\bm2\b|square met(?:er|re)s?|sq\.? ?m\b"),
    ("km", r"km|(?i:kilomètres?)", r"\bkms?\b|kilomet(?:er|re)s?"),
    ("cm", r"cm|(?i:centimètres?)", r"\bcm\b|centimet(?:er|re)s?"),
    ("mm", r"mm|(?i:millimètres?)", r"\bmm\b|millimet(?:er|re)s?"),
    ("m", r"m|(?i:mètres?)", r"\bm\b|\bmet(?:er|re)s?\b"),
    ("kg", r"kg|(?i:kilos?|kilogrammes?)", r"\bkgs?\b|\bkilos?\b|kilogram(?:me)?s?"),
    ("mg", r"mg|(?i:milligrammes?)", r"\bmg\b|milligram(?:me)?s?"),
    ("µg", r"[µμ]g|(?i:microgrammes?)", r"[µμ]g|\bmcg\b|\bug\b|microgram(?:me)?s?"),
    ("g", r"g|(?i:grammes?)", r"\bg\b|\bgram(?:me)?s?\b"),
    ("t", r"t|(?i:tonnes?)", r"\bt\b|\btons?\b|\btonnes?\b"),
    ("ml", r"ml|mL|(?i:millilitres?)", r"\bml\b|millilit(?:er|re)s?"),
    ("cl", r"cl|cL|(?i:centilitres?)", r"\bcl\b|centilit(?:er|re)s?"),
    ("l", r"l|L|(?i:litres?)", r"\bl\b|\blit(?:er|re)s?\b"),
    ("°C", r"°\s?C|(?i:degrés?\s+Celsius)", r"°\s?c\b|\bcelsius\b|\bdegrees? c\b"),
    ("°", r"°|(?i:degrés?)", r"°|\bdegrees?\b"),
    ("ha", r"ha|(?i:hectares?)", r"\bha\b|\bhectares?\b"),
    ("GB", r"Go|GB|(?i:gigaoctets?)", r"\bgb\b|gigabytes?"),
    ("MB", r"Mo|MB|(?i:mégaoctets?)", r"\bmb\b|megabytes?"),
    ("TB", r"To|TB|(?i:téraoctets?)", r"\btb\b|terabytes?"),
    ("kWh", r"kWh", r"\bkwh\b|kilowatt[- ]hours?"),
    ("kW", r"kW", r"\bkw\b|kilowatts?"),
    ("MW", r"MW", r"\bmw\b|megawatts?"),
    ("W", r"W|(?i:watts?)", r"\bw\b|\bwatts?\b"),
    ("V", r"V|(?i:volts?)", r"\bv\b|\bvolts?\b"),
    ("minute", r"min|(?i:minutes?)", r"\bmins?\b|\bminutes?\b"),
    ("second", r"(?i:secondes?)", r"\bsecs?\b|\bseconds\b"),  # not "second": also an ordinal
    ("day", r"(?i:jours?)", r"\bdays?\b|\bdaily\b"),
    ("week", r"(?i:semaines?)", r"\bweeks?\b|\bweekly\b"),
    ("month", r"(?i:mois)", r"\bmonths?\b|\bmonthly\b"),
    ("hour", r"(?i:heures?)", r"\bhours?\b|\bhrs?\b|\bh\b|\bhourly\b"),
    ("year", r"(?i:ans|an|années?)", r"\byears?\b|\byrs?\b|\bannual(?:ly)?\b"),
    ("century", r"(?i:siècles?)", r"\bcentur(?:y|ies)\b"),
    ("mile", r"(?i:miles?)", r"\bmiles?\b|\bmi\b"),
    ("foot", r"(?i:pieds?)", r"\bfeet\b|\bfoot\b|\bft\b"),
    ("inch", r"(?i:pouces?)", r"\binch(?:es)?\b|\bin\.|″"),
    ("pound", r"(?i:livres?)", r"\bpounds?\b|\blbs?\b"),
)
_UNIT_EN = {code: re.compile(english) for code, _, english in UNITS}
# What each unit measures: a French unit is missing from the English only when the English
# names another unit of the same dimension (dollars for euros, weeks for days). An English
# sentence with no unit of that dimension passes, because translators often leave a unit
# implicit ("plus de 60 ans" / "over 60"); the number itself is checked on its own.
DIMENSIONS = {
    **dict.fromkeys(("EUR", "USD", "GBP", "JPY", "CHF", "CNY", "INR", "RUB"), "currency"),
    **dict.fromkeys(("km", "cm", "mm", "m", "mile", "foot", "inch"), "length"),
    **dict.fromkeys(("kg", "mg", "µg", "g", "t", "pound"), "mass"),
    **dict.fromkeys(("ml", "cl", "l"), "volume"),
    **dict.fromkeys(("km2", "m2", "ha"), "area"),
    **dict.fromkeys(("GB", "MB", "TB"), "data"),
    **dict.fromkeys(("kWh", "kW", "MW", "W"), "power"),
    **dict.fromkeys(("minute", "second", "hour", "day", "week", "month", "year", "century"), "time"),
    "°C": "temperature",
    "°": "angle",
    "V": "voltage",
    "km/h": "speed",
}

# English exonyms and translations of French names, by folded French form (singular:
# a final s or x is also tried). A form in capitals of at most three letters (``US``)
# must match with its case, so that it is never the pronoun "us".
EXONYMS: dict[str, tuple[str, ...]] = {
    # countries, regions, seas
    "allemagne": ("Germany", "German"), "angleterre": ("England", "English"), "autriche": ("Austria",),
    "belgique": ("Belgium", "Belgian"), "bresil": ("Brazil",), "chypre": ("Cyprus",), "coree": ("Korea",),
    "croatie": ("Croatia",), "ecosse": ("Scotland", "Scottish"), "espagne": ("Spain", "Spanish"),
    "etats-unis": ("United States", "US", "USA", "U.S.", "America", "American"),
    "etats unis": ("United States", "US", "USA", "U.S.", "America", "American"),
    "grande-bretagne": ("Great Britain", "Britain", "British", "UK"), "hongrie": ("Hungary",),
    "inde": ("India", "Indian"), "irlande": ("Ireland", "Irish"), "islande": ("Iceland",),
    "lituanie": ("Lithuania",), "lettonie": ("Latvia",), "estonie": ("Estonia",), "mexique": ("Mexico", "Mexican"),
    "norvege": ("Norway", "Norwegian"), "pays-bas": ("Netherlands", "Holland", "Dutch"),
    "pologne": ("Poland", "Polish"), "roumanie": ("Romania",), "slovaquie": ("Slovakia",), "slovenie": ("Slovenia",),
    "royaume-uni": ("United Kingdom", "UK", "U.K.", "Britain", "British"), "suede": ("Sweden", "Swedish"),
    "suisse": ("Switzerland", "Swiss"), "tchequie": ("Czechia", "Czech"), "turquie": ("Turkey", "Turkish"),
    "asie": ("Asia", "Asian"), "grece": ("Greece", "Greek"), "japon": ("Japan", "Japanese"),
    "chine": ("China", "Chinese"), "egypte": ("Egypt",), "maroc": ("Morocco",), "tunisie": ("Tunisia",),
    "nouvelle-zelande": ("New Zealand",), "arabie": ("Arabia", "Saudi"), "saoudite": ("Saudi",),
    "emirats": ("Emirates", "UAE"), "liban": ("Lebanon",), "syrie": ("Syria",), "jordanie": ("Jordan",),
    "ethiopie": ("Ethiopia",), "afrique": ("Africa", "African"), "europe": ("Europe", "European"),
    "amerique": ("America", "American", "United States", "US"), "oceanie": ("Oceania",),
    "antarctique": ("Antarctica",), "mediterranee": ("Mediterranean",), "manche": ("Channel",),
    "bretagne": ("Brittany",), "corse": ("Corsica",), "sicile": ("Sicily",), "sardaigne": ("Sardinia",),
    "baviere": ("Bavaria",), "cisjordanie": ("West Bank",), "perse": ("Persia", "Persian"), "siberie": ("Siberia",),
    "urss": ("USSR", "Soviet"), "cameroun": ("Cameroon",), "bielorussie": ("Belarus",), "moldavie": ("Moldova",),
    "georgie": ("Georgia",), "armenie": ("Armenia",), "indonesie": ("Indonesia",), "malaisie": ("Malaysia",),
    "singapour": ("Singapore",), "cambodge": ("Cambodia",), "thailande": ("Thailand", "Thai"),
    "birmanie": ("Burma", "Myanmar"), "equateur": ("Ecuador",), "perou": ("Peru",), "bolivie": ("Bolivia",),
    "colombie": ("Colombia",), "argentine": ("Argentina",), "kirghizistan": ("Kyrgyzstan",),
    "ouzbekistan": ("Uzbekistan",), "tadjikistan": ("Tajikistan",), "azerbaidjan": ("Azerbaijan",),
    "trinite-et-tobago": ("Trinidad and Tobago",), "macedoine": ("Macedonia",),
    "nouvelle-caledonie": ("New Caledonia",),
    "californie": ("California",), "floride": ("Florida",), "louisiane": ("Louisiana",), "caroline": ("Carolina",),
    "virginie": ("Virginia",), "pennsylvanie": ("Pennsylvania",), "hawai": ("Hawaii",),
    "moyen-orient": ("Middle East",), "proche-orient": ("Near East", "Middle East"), "extreme-orient": ("Far East",),
    "sud-est": ("Southeast", "South-East", "South East"), "sud-ouest": ("Southwest", "South-West", "South West"),
    "nord-est": ("Northeast", "North-East", "North East"), "nord-ouest": ("Northwest", "North-West", "North West"),
    "nord": ("North", "Northern"), "sud": ("South", "Southern"), "est": ("East", "Eastern"),
    "ouest": ("West", "Western"), "orient": ("East", "Eastern", "Orient"), "occident": ("West", "Western"),
    "nil": ("Nile",),
    # nationalities and peoples (capitalized nouns in French)
    "japonais": ("Japanese",), "francais": ("French", "Frenchman", "Frenchmen"), "anglais": ("English", "British"),
    "allemand": ("German", "Germans"), "americain": ("American", "Americans", "Yanks"), "chinois": ("Chinese",),
    "juif": ("Jew", "Jews", "Jewish"), "arabe": ("Arab", "Arabs", "Arabic"), "espagnol": ("Spanish", "Spaniard"),
    "ecossais": ("Scottish", "Scots", "Scot"), "irlandais": ("Irish",), "belge": ("Belgian",),
    "neerlandais": ("Dutch",), "hollandais": ("Dutch",), "suedois": ("Swedish", "Swede"),
    "danois": ("Danish", "Dane"), "polonais": ("Polish", "Pole"), "grec": ("Greek",), "turc": ("Turkish", "Turk"),
    "portugais": ("Portuguese",), "bresilien": ("Brazilian",), "coreen": ("Korean",), "marocain": ("Moroccan",),
    "irakien": ("Iraqi",), "libanais": ("Lebanese",), "asiatique": ("Asian",), "blanc": ("White", "white"),
    "noir": ("Black", "black"),
    # cities
    "londres": ("London",), "pekin": ("Beijing", "Peking"), "varsovie": ("Warsaw",), "bruxelles": ("Brussels",),
    "le caire": ("Cairo",), "caire": ("Cairo",), "edimbourg": ("Edinburgh",), "vienne": ("Vienna",),
    "moscou": ("Moscow",), "lisbonne": ("Lisbon",), "geneve": ("Geneva",), "anvers": ("Antwerp",), "bale": ("Basel",),
    "venise": ("Venice",), "seville": ("Seville",), "havane": ("Havana",), "alger": ("Algiers",),
    "canton": ("Guangzhou", "Canton"), "bombay": ("Mumbai", "Bombay"), "mecque": ("Mecca",),
    "nouvelle-orleans": ("New Orleans",), "athenes": ("Athens",), "copenhague": ("Copenhagen",),
    # institutions and acronyms
    "pentagone": ("Pentagon",), "maison-blanche": ("White House",), "maison blanche": ("White House",),
    "oms": ("WHO", "World Health Organization"),
    "onu": ("UN", "U.N.", "United Nations"), "otan": ("NATO",), "ue": ("EU", "European Union"), "eee": ("EEA",),
    "cepcm": ("ECDC",), "pib": ("GDP",), "omc": ("WTO",), "pdg": ("CEO",), "bce": ("ECB",), "fmi": ("IMF",),
    "ocde": ("OECD",), "sida": ("AIDS",), "vih": ("HIV",), "adn": ("DNA",), "arn": ("RNA",), "arnm": ("mRNA",),
    "sras": ("SARS",), "rdc": ("DRC",), "rfa": ("FRG", "West Germany"), "ia": ("AI",), "jo": ("Olympics", "Olympic"),
    "tva": ("VAT",), "irm": ("MRI",), "epi": ("PPE",), "tdm": ("CT",), "toc": ("OCD",), "usppi": ("PHEIC",),
    "cim": ("ICD",), "civd": ("DIC",), "dro": ("ROS",), "sdra": ("ARDS",), "bpco": ("COPD",), "avc": ("stroke",),
    "imc": ("BMI",), "ist": ("STI", "STD"), "mst": ("STD", "STI"), "hta": ("hypertension",), "ogm": ("GMO",),
    "sms": ("SMS", "text"), "aele": ("EFTA",), "alena": ("NAFTA",), "cpi": ("ICC", "CPI"), "cij": ("ICJ",),
    "cedh": ("ECHR",), "ua": ("AU",), "berd": ("EBRD",), "bei": ("EIB",), "oit": ("ILO",), "aiea": ("IAEA",),
    "omm": ("WMO",), "ompi": ("WIPO",), "pnud": ("UNDP",), "hcr": ("UNHCR",), "pam": ("WFP",), "oaci": ("ICAO",),
    "oim": ("IOM",), "cicr": ("ICRC",), "ok": ("OK", "okay"), "internet": ("Internet", "online", "web", "net"),
    "croix-rouge": ("Red Cross",), "haut-commissariat": ("High Commission", "High Commissioner"),
    "etat": ("State", "state", "government"), "congres": ("Congress",), "senat": ("Senate",),
    "parlement": ("Parliament",), "ministere": ("Ministry", "Department"), "espace": ("Area", "Space"),
    "cour": ("Court",), "conseil": ("Council", "Board"), "assemblee": ("Assembly",), "communaute": ("Community",),
    "agence": ("Agency",), "organisation": ("Organization", "Organisation"), "commission": ("Commission", "Committee"),
    "coupe": ("Cup",), "monde": ("World",), "guerre": ("War",), "jeux": ("Games", "Olympics"),
    "olympique": ("Olympic",),
    "premier": ("Prime", "First", "Premier"), "premiere": ("First",), "seconde": ("Second",), "deuxieme": ("Second",),
    "sante": ("Health",), "travail": ("Labour", "Labor", "Work"), "affaire": ("Affairs",), "recherche": ("Research",),
    "directive": ("Guidelines", "Directive"), "journee": ("Day",), "jour": ("Day",), "annee": ("Year",),
    "societe": ("Society", "Company", "College"), "ecole": ("School",), "universite": ("University",),
    "planification": ("Planning",), "traite": ("Treaty",), "observatoire": ("Observatory",), "prix": ("Prize", "Award"),
    "republique": ("Republic",), "royaume": ("Kingdom",), "revolution": ("Revolution",), "paix": ("Peace",),
    "parti": ("Party",), "banque": ("Bank",), "bourse": ("Stock Exchange", "Exchange"), "marche": ("Market",),
    "ligue": ("League",), "championnat": ("Championship",), "musee": ("Museum",), "bibliotheque": ("Library",),
    "chateau": ("Castle", "Chateau"), "palais": ("Palace",), "place": ("Square", "Place"), "rue": ("Street",),
    "pont": ("Bridge",), "tour": ("Tower", "Tour"), "mont": ("Mount",), "montagne": ("Mountain",), "lac": ("Lake",),
    "mer": ("Sea",), "fleuve": ("River",), "riviere": ("River",), "ile": ("Island", "Isle"), "golfe": ("Gulf",),
    "baie": ("Bay",), "cap": ("Cape",), "vallee": ("Valley",), "foret": ("Forest",), "cote": ("Coast",),
    "justice": ("Justice",), "interieur": ("Interior", "Home"), "defense": ("Defense", "Defence"),
    "finance": ("Finance", "Treasury"), "economie": ("Economy",), "education": ("Education",),
    "environnement": ("Environment",), "securite": ("Security",), "etoile": ("Star", "Stars"),
    "empire": ("Empire",), "comte": ("Count",), "roi": ("King",), "reine": ("Queen",), "duc": ("Duke",),
    "pape": ("Pope",), "majeste": ("Majesty",), "pere": ("Father",), "mere": ("Mother",),
    # religion, sky, calendar
    "dieu": ("God", "Lord"), "seigneur": ("Lord",), "eternel": ("Lord", "Eternal"), "eglise": ("Church",),
    "coran": ("Quran", "Koran"), "noel": ("Christmas", "Xmas"), "paques": ("Easter",), "careme": ("Lent",),
    "toussaint": ("All Saints",), "saint-valentin": ("Valentine",), "nouvel": ("New",), "an": ("Year",),
    "saint": ("Saint", "St", "St."), "sainte": ("Saint", "St", "St."), "semaine": ("Week",), "vierge": ("Virgin",),
    "ciel": ("Heaven", "Sky"), "enfer": ("Hell",), "paradis": ("Paradise",),
    "terre": ("Earth", "earth", "world"), "lune": ("Moon", "moon"), "soleil": ("Sun", "sun"), "singe": ("Monkey",),
    "homme": ("man", "men", "human", "humans", "mankind", "humanity"), "histoire": ("history",),
    # people
    "marie": ("Mary", "Maria", "Marie"), "jean": ("John", "Jean"), "pierre": ("Peter", "Pierre"),
    "jacques": ("James", "Jack", "Jacques"), "guillaume": ("William",), "henri": ("Henry",),
    "etienne": ("Stephen", "Steven"), "mathieu": ("Matthew",), "matthieu": ("Matthew",), "luc": ("Luke",),
    "marc": ("Mark", "Marc"), "jeanne": ("Joan", "Jane", "Jeanne"), "antoine": ("Anthony", "Antony", "Antoine"),
    "francois": ("Francis", "Francois"), "therese": ("Theresa", "Teresa"), "catherine": ("Catherine", "Katherine"),
    "moise": ("Moses",), "mahomet": ("Muhammad", "Mohammed"), "cesar": ("Caesar",), "elisabeth": ("Elizabeth",),
    "colomb": ("Columbus",), "poutine": ("Putin",),
}  # fmt: skip

# Capitalized French words that are not names: courtesy titles, and words capitalized
# only because they open a clause the sentence rules don't see (after a quote, a dash).
NOT_NAMES = frozenset(
    """
    monsieur madame mademoiselle messieurs mesdames mesdemoiselles m mm mme mmes mlle mlles
    dr pr me mgr st ste sr jr etc cf ibid
    je j tu il elle on nous vous ils elles le la les l un une des du de d au aux ce cet cette
    ces mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs qui que qu quoi quel
    quelle quels quelles quand comment pourquoi ou où oui non si mais et donc or ni car alors
    puis ensuite enfin bien bon ah oh eh hé he ha hein merci bonjour bonsoir salut adieu
    voici voila voilà tiens allez attention pardon excusez s'il dans en pour par sur sous avec
    sans chez vers selon depuis pendant après apres avant comme tout tous toute toutes rien
    personne chaque aucun aucune ceci cela ça ca y ne pas plus très tres
    """.split()
)
# Abbreviations ending in a period after which a capital does not start a sentence.
_TITLE_ABBREVIATIONS = frozenset(
    {"m", "mm", "mme", "mlle", "dr", "pr", "st", "ste", "mgr", "me", "c", "j", "av", "fig"}
)

# ---------------------------------------------------------------- French patterns

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
_ROMAN = re.compile(r"^(?=[MDCLXVI]{2,}$)M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")


def _roman(text: str) -> int | None:
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


# ---------------------------------------------------------------- extraction


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
        text = _mask(text, ((i.start, i.end) for i in items))

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
    text = _mask(text, _taken(items, first))
    first = len(items)
    for m in _TIME_H.finditer(text):
        h, mm = int(m.group(1)), m.group(2)
        if mm:
            add("time", *m.span(), f"{h}:{mm}", {f"time:{h}:{mm}"}, {f"num:{h}", f"num:{int(mm)}"})
        else:
            add("time", *m.span(), f"{h}:00", {f"time:{h}:00"}, {f"num:{h}"})
    return _mask(text, _taken(items, first))


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
    text = _mask(text, _taken(items, first))
    first = len(items)
    for m in _DATE_NUMERIC.finditer(text):
        day, month, year = int(m.group(1)), int(m.group(3)), m.group(4)
        if not (1 <= day <= 31 and 1 <= month <= 12):
            continue
        year = year if len(year) == 4 else f"20{year}"
        value = f"{year}-{month:02d}-{day:02d}"
        add("date", *m.span(), value, {f"date:{value}"})
    text = _mask(text, _taken(items, first))
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
    text = _mask(text, _taken(items, first))
    first = len(items)
    for m in _MONTH_ALONE.finditer(text):
        month = _month_fr(m.group(1))
        if month:
            add("date", *m.span(), f"--{month:02d}", {f"month:{month:02d}"})
    for m in _WEEKDAY.finditer(text):
        day = WEEKDAYS_FR[fold(m.group(1))]
        add("date", *m.span(1), _WEEKDAY_NAMES[day], {f"weekday:{day}"})
    return _mask(text, _taken(items, first))


def _month_fr(word: str) -> int | None:
    w = fold(word)
    return MONTHS_FR.get(w) or MONTHS_FR.get(w.rstrip(".")) or MONTHS_FR.get(w.rstrip(".") + ".")


def _numbers(french: str, text: str, add: Any, items: list[Item]) -> str:
    first = len(items)
    for m in _ROMAN_ORDINAL.finditer(text):
        value = _roman(m.group(1)) if len(m.group(1)) > 1 else {"I": 1, "V": 5, "X": 10}[m.group(1)]
        if value:
            add("number", *m.span(), str(value), {f"num:{value}"})
    text = _mask(text, _taken(items, first))
    first = len(items)
    for m in _NUMBER_FR.finditer(text):
        start, end = m.span()
        if start >= 2 and text[start - 1] in "-‐" and text[start - 2].isalpha():
            continue  # COVID-19: part of a code
        values = _french_value(m.group(1), m.group(2), m.group(3))
        rest = text[end:]
        ordinal = _ORDINAL_SUFFIX.match(rest) if not m.group(3) else None
        if ordinal:
            add("number", start, end + ordinal.end(), _key(values[0]), {f"num:{_key(values[0])}"})
            continue
        if rest[:1].isalpha() and not _SCALE_FR.match(rest) and not _UNIT_FR.match(rest):
            continue  # 67P, 3D, 4x: a code, not a quantity
        percent = _PERCENT_FR.match(rest)
        if percent:
            keys = [{f"pct:{_key(v)}"} for v in values]
            add("percent", start, end + percent.end(), f"{_key(values[0])}%", *keys)
            continue
        scale = _SCALE_FR.match(rest)
        if scale:
            values = [v * SCALES_FR[scale.group(1)] for v in values]
            end += scale.end()
        year = _year_kind(text, start, end, values, scale)
        accepts = [{f"num:{_key(v)}"} for v in values]
        if not scale and re.search(rf"(?<![{_L}])[{_UP}][{_L}0-9-]*{_SP}$", text[:start]):
            accepts.append({f"glued:{_key(values[0])}"})  # ACE 2: ACE2
        add(year or "number", start, end, _key(values[0]), *accepts)
        unit = _UNIT_FR.match(text, end)
        connector = unit is not None and _UNIT_AFTER_SCALE_ONLY.match(text[end : unit.end()])
        before = _CURRENCY_BEFORE.search(text, 0, start)
        if unit and (scale or not connector):
            code = UNITS[int(next(k for k, v in unit.groupdict().items() if v)[1:])][0]
            add("unit", start, unit.end(), code, {f"unit:{code}"}, {f"!dim:{DIMENSIONS[code]}"})
        elif before:
            code = next(c for c, fr, _ in UNITS if re.fullmatch(fr, before.group(1)))
            add("unit", before.start(), end, code, {f"unit:{code}"}, {f"!dim:{DIMENSIONS[code]}"})
    return _mask(text, _taken(items, first))


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
        return not (word in _TITLE_ABBREVIATIONS or re.fullmatch(r"[a-z]", word))
    return text[:start].rstrip(" \u00a0\u202f")[-1:] in '«“"—–'


def _names(french: str, text: str, add: Any) -> None:
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.6 * len(letters)
    run: list[tuple[str, int, int]] = []

    def close() -> None:
        if run:
            _add_name(french, run, add)
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
            close()
            _add_name(french, [(word, start, end)], add)
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


def _add_name(french: str, run: list[tuple[str, int, int]], add: Any) -> None:
    start, end = run[0][1], run[-1][2]
    whole = french[start:end]
    alternatives: list[str] = []
    forms = _exonyms(fold(whole))
    for word, _, _ in run:
        shape = _name_shape(word)
        table = _exonyms(fold(word))
        forms = forms or table
        alternatives.extend(_form_key(f) for f in table)
        if shape in ("acronym", "code"):
            roman = _roman(word)
            alternatives.append(f"acro:{word}")
            if roman:
                alternatives.append(f"num:{roman}")
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


# ---------------------------------------------------------------- English side

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
    "eightieth": 80, "ninetieth": 90, "hundredth": 100, "thousandth": 1000, "millionth": 10**6,
}  # fmt: skip
_MULTIPLIERS = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_OTHER_WORDS = {"once": 1, "twice": 2, "thrice": 3, "half": Decimal("0.5"), "dozen": 12, "dozens": 12, "single": 1}
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
        + list(_ORDINAL_WORDS),
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
_EN_TOKEN = re.compile(r"[a-z0-9µ]+(?:['-][a-z0-9µ]+)*")
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

    def spans(self, key: str) -> list[Span]:
        """Where the English holds ``key`` (empty: it doesn't)."""
        kind, _, value = key.partition(":")
        if kind in ("url", "email"):
            return [m.span() for m in re.finditer(re.escape(value), self.folded)]
        if kind == "name":
            return _name_spans(value, self)
        if kind == "acro":
            return _acronym_spans(value, self)
        if kind == "case":
            return [(s, e) for _, original, s, e in self.tokens if original == value] or [
                m.span() for m in re.finditer(rf"(?<![\w.]){re.escape(value)}(?!\w)", self.text)
            ]
        return list(self.keys.get(key, ()))

    def has(self, key: str) -> bool:
        return bool(self.spans(key))


def read_english(english: str) -> English:
    """Every key the English sentence may satisfy (the lenient side of the check)."""
    folded = fold(english)
    keys: dict[str, list[Span]] = {}

    def put(key: str, span: Span) -> None:
        keys.setdefault(key, []).append(span)

    _english_numbers(folded, put)
    _english_dates(folded, put)
    _english_times(folded, put)
    for code, pattern in _UNIT_EN.items():
        for m in pattern.finditer(folded):
            put(f"unit:{code}", m.span())
            put(f"dim:{DIMENSIONS[code]}", m.span())
    for m in re.finditer(r"(?<![A-Za-z])[MDCLXVI]{2,}(?![A-Za-z])", english):
        value = _roman(m.group(0))
        if value:
            put(f"num:{value}", m.span())
    tokens = []
    for m in _EN_TOKEN.finditer(folded):
        tokens.append((m.group(0), english[m.start() : m.end()], m.start(), m.end()))
        if "-" in m.group(0) or "'" in m.group(0):
            # each run of its parts: "rig-i-like" gives rig, rig-i, i, i-like, like
            parts = list(re.finditer(r"[a-z0-9µ]+", m.group(0)))
            for a in range(len(parts)):
                for b in range(a, len(parts)):
                    if (a, b) != (0, len(parts) - 1):
                        s, e = m.start() + parts[a].start(), m.start() + parts[b].end()
                        tokens.append((folded[s:e], english[s:e], s, e))
    return English(english, folded, {k: tuple(v) for k, v in keys.items()}, tuple(tokens))


def _glued(folded: str, start: int) -> bool:
    """Whether digits at ``start`` are part of a code: right after a letter (ACE2), or after a
    letter and a hyphen or dot (COVID-19, Fig.1)."""
    if start == 0:
        return False
    before = folded[start - 1]
    return before.isalpha() or (start >= 2 and before in "-." and folded[start - 2].isalpha())


def _english_numbers(folded: str, put: Any) -> None:
    values: list[tuple[Decimal, Span, bool]] = []
    for m in _EN_CHUNK.finditer(folded):
        chunk, base = m.group(0), m.start()
        glued = _glued(folded, base)
        for run in re.finditer(r"\d+", chunk):
            values.append((Decimal(run.group(0)), (base + run.start(), base + run.end()), glued))
        runs = re.split(r"[.,]", chunk)
        seps = re.findall(r"[.,]", chunk)
        if seps:
            if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", chunk):
                values.append((Decimal(chunk.replace(",", "")), m.span(), glued))
            if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", chunk):
                values.append((Decimal(chunk.replace(".", "").replace(",", ".")), m.span(), glued))
            for k in range(len(seps)):  # any "a.b" or "a,b" inside as a decimal
                value = _number(f"{runs[k]}.{runs[k + 1]}")
                if value is not None:
                    start = base + len(",".join(runs[:k])) + (1 if k else 0)
                    values.append((value, (start, start + len(runs[k]) + 1 + len(runs[k + 1])), glued))
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
    for value, (start, end), glued in values:
        if glued:
            put(f"glued:{_key(value)}", (start, end))
            continue
        put(f"num:{_key(value)}", (start, end))
        scale = _EN_SCALE.match(folded, end)
        if scale:
            put(f"num:{_key(value * SCALES_EN[scale.group(1)])}", (start, scale.end()))
            end = scale.end()
        if _EN_PERCENT.match(folded, end) or _EN_RANGE_TO_PERCENT.match(folded, end):
            put(f"pct:{_key(value)}", (start, end))


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
            if w in _NUMBER_WORDS or w in _MULTIPLIERS or w in _ORDINAL_WORDS or w in _OTHER_WORDS:
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
                and words[j + 1].group(0) in _NUMBER_WORDS
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
            if w in _NUMBER_WORDS:
                current += _NUMBER_WORDS[w]
                found.append((Decimal(_NUMBER_WORDS[w]), _span_of(words, w, run)))
            elif w in _ORDINAL_WORDS:
                current = (
                    current + _ORDINAL_WORDS[w] if _ORDINAL_WORDS[w] < 100 else max(current, 1) * _ORDINAL_WORDS[w]
                )
                found.append((Decimal(_ORDINAL_WORDS[w]), _span_of(words, w, run)))
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


def _english_day(digits: str | None, word: str | None) -> int | None:
    if digits:
        return int(digits)
    if not word:
        return None
    word = word.replace(" ", "-")
    if word in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[word]
    tens, _, unit = word.replace("-", " ", 1).partition(" ")
    if not unit and word.startswith(("twenty", "thirty")):
        tens, unit = word[:6], word[6:]
    return _NUMBER_WORDS.get(tens, 0) + _ORDINAL_WORDS.get(unit.strip("-"), 0) or None


def _english_dates(folded: str, put: Any) -> None:
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


def _english_times(folded: str, put: Any) -> None:
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
        hour = _NUMBER_WORDS.get(m.group(1)) or int(m.group(1))
        time(hour, "00", m.group(2), m.span())
    for m in re.finditer(r"(?<![a-z])(noon|midday|midnight)(?![a-z])", folded):
        for h in (12,) if m.group(1) != "midnight" else (0, 24):
            put(f"time:{h}:00", m.span())


def _similar(a: str, b: str) -> bool:
    """Whether two folded words are the same name, in French and English spellings."""
    if a == b:
        return True
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
    return SequenceMatcher(None, a, b).ratio() >= 0.8


def _name_spans(form: str, english: English) -> list[Span]:
    if " " in form or "-" in form or "." in form:
        pattern = re.escape(form).replace(r"\-", "[- ]").replace(r"\ ", "[- ]")
        return [m.span() for m in re.finditer(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", english.folded)]
    return [(s, e) for folded, _, s, e in english.tokens if _similar(form, folded)]


def _acronym_spans(acronym: str, english: English) -> list[Span]:
    """The same acronym (or code) in any case, with a plural ``s`` (PRRs) or digits (ACE2)
    after it, or its letters in another order in capitals (UE/EU, ARNm/mRNA)."""
    plain = re.sub(r"[^a-z0-9]", "", fold(acronym))
    spans = []
    for folded, original, s, e in english.tokens:
        token = re.sub(r"[^a-z0-9]", "", folded)
        if token == plain or (token.startswith(plain) and re.fullmatch(r"s|\d+", token[len(plain) :])):
            spans.append((s, e))
            continue
        letters = original[:-1] if original.endswith("s") and original[:-1].isupper() else original
        uppers = sum(c.isupper() for c in letters)
        if (
            letters.isalpha()
            and uppers > len(letters) / 2
            and len(plain) >= 2
            and sorted(letters.lower()) == sorted(plain)
        ):
            spans.append((s, e))
    return spans


# ---------------------------------------------------------------- the check


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
