"""The tables of the check: months, weekdays, scales, units and their dimensions, English names of French names."""

from __future__ import annotations

import re

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
WEEKDAY_NAMES = {v: k.capitalize() for k, v in WEEKDAYS_EN.items()}

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
UNIT_EN = {code: re.compile(english) for code, _, english in UNITS}
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

# English forms of French names that CLDR lacks (``exonyms`` adds CLDR's countries,
# languages and currencies): short forms, regions, cities, organisations and acronyms,
# institutions, peoples, given names. By folded French form (singular: a final s or x is
# also tried). A form in capitals of at most three letters (``US``) must match with its
# case, so that it is never the pronoun "us".
CURATED: dict[str, tuple[str, ...]] = {
    # countries, regions, seas
    "angleterre": ("England", "English"), "belgique": ("Belgium", "Belgian"), "coree": ("Korea",),
    "ecosse": ("Scotland", "Scottish"),
    "etats-unis": ("United States", "US", "USA", "U.S.", "U.S.A.", "America", "American"),
    "etats unis": ("United States", "US", "USA", "U.S.", "America", "American"),
    "grande-bretagne": ("Great Britain", "Britain", "British", "UK"), "inde": ("India", "Indian"),
    "mexique": ("Mexico", "Mexican"),
    "pays-bas": ("Netherlands", "Holland", "Dutch"),
    "royaume-uni": ("United Kingdom", "UK", "U.K.", "Britain", "British"), "suisse": ("Switzerland", "Swiss"),
    "turquie": ("Turkey", "Turkish"),
    "asie": ("Asia", "Asian"), "arabie": ("Arabia", "Saudi"), "saoudite": ("Saudi",),
    "emirats": ("Emirates", "UAE"), "afrique": ("Africa", "African"), "europe": ("Europe", "European"),
    "amerique": ("America", "American", "United States", "US"), "mediterranee": ("Mediterranean",),
    "manche": ("Channel",),
    "bretagne": ("Brittany",), "corse": ("Corsica",), "sicile": ("Sicily",), "sardaigne": ("Sardinia",),
    "baviere": ("Bavaria",), "cisjordanie": ("West Bank",), "perse": ("Persia", "Persian"), "siberie": ("Siberia",),
    "urss": ("USSR", "Soviet"), "birmanie": ("Burma", "Myanmar"), "kirghizistan": ("Kyrgyzstan",),
        "trinite-et-tobago": ("Trinidad and Tobago",), "macedoine": ("Macedonia",),
        "californie": ("California",), "floride": ("Florida",), "louisiane": ("Louisiana",), "caroline": ("Carolina",),
    "virginie": ("Virginia",), "pennsylvanie": ("Pennsylvania",), "hawai": ("Hawaii",),
    "moyen-orient": ("Middle East",), "proche-orient": ("Near East", "Middle East"), "extreme-orient": ("Far East",),
    "sud-est": ("Southeast", "South-East", "South East"), "sud-ouest": ("Southwest", "South-West", "South West"),
    "nord-est": ("Northeast", "North-East", "North East"), "nord-ouest": ("Northwest", "North-West", "North West"),
    "nord": ("North", "Northern"), "sud": ("South", "Southern"), "est": ("East", "Eastern"),
    "ouest": ("West", "Western"), "orient": ("East", "Eastern", "Orient"),
    "occident": ("West", "Western"), "occidental": ("West", "Western", "Westerner"),
    "galles": ("Wales", "Welsh"), "pays de galles": ("Wales", "Welsh"),
    "iles malouines": ("Falklands", "Falkland Islands"),
    "malouines": ("Falklands", "Falkland"), "mer rouge": ("Red Sea",), "mer noire": ("Black Sea",),
    "mer morte": ("Dead Sea",),
    "haye": ("Hague",), "la haye": ("The Hague", "Hague"), "prague": ("Prague", "Praha"),
    "tchecoslovaquie": ("Czechoslovakia",),
    "web": ("web", "website", "online", "internet"), "chambre des representants": ("House of Representatives", "House"),
    "chambre des communes": ("House of Commons", "Commons"), "chambre des lords": ("House of Lords", "Lords"),
    "nil": ("Nile",),
    # nationalities and peoples (capitalized nouns in French)
    "francais": ("French", "Frenchman", "Frenchmen"), "anglais": ("English", "British"),
    "americain": ("American", "Americans", "Yanks"), "juif": ("Jew", "Jews", "Jewish"),
    "arabe": ("Arab", "Arabs", "Arabic"), "espagnol": ("Spanish", "Spaniard"),
    "ecossais": ("Scottish", "Scots", "Scot"), "belge": ("Belgian",),
    "hollandais": ("Dutch",), "suedois": ("Swedish", "Swede"),
    "danois": ("Danish", "Dane"), "polonais": ("Polish", "Pole"), "turc": ("Turkish", "Turk"),
    "bresilien": ("Brazilian",), "marocain": ("Moroccan",),
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
    "onu": ("UN", "U.N.", "United Nations"), "otan": ("NATO",), "tv": ("TV", "television", "TV's"),
    "3d": ("3D", "three-dimensional"),
    "czk": ("CZK", "crowns", "koruna", "korunas"), "oiac": ("OPCW",),
    "omd": ("MDGs", "MDG", "Millennium Development Goals"),
    "sep": ("MS", "multiple sclerosis"), "ovni": ("UFO",), "pme": ("SMEs", "SME"), "ong": ("NGO", "NGOs"),
    "opep": ("OPEC",), "bit": ("ILO",), "cio": ("IOC",), "uefa": ("UEFA",), "fifa": ("FIFA",),
    "btp": ("construction",), "ue": ("EU", "European Union"), "eee": ("EEA",),
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
TITLE_ABBREVIATIONS = frozenset({"m", "mm", "mme", "mlle", "dr", "pr", "st", "ste", "mgr", "me", "c", "j", "av", "fig"})

# English number and ordinal words (the numbers and the dates readers).
NUMBER_WORDS_EN = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
ORDINAL_WORDS_EN = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
    "eightieth": 80, "ninetieth": 90, "hundredth": 100, "thousandth": 1000, "millionth": 10**6,
}  # fmt: skip
