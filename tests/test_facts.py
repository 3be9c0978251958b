"""Facts a translation must keep: what is read from French, and when English keeps or loses it."""

from __future__ import annotations

import pytest

from pipeline import facts


@pytest.mark.parametrize(
    ("french", "expected"),
    [
        # numbers in French formats
        ("Il pèse 3,5 tonnes.", [("number", "3,5", "3.5"), ("unit", "3,5 tonnes", "t")]),
        ("Il y a 1 200 inscrits.", [("number", "1 200", "1200")]),
        ("Soit 12 000 000 d'habitants.", [("number", "12 000 000", "12000000")]),
        ("Soit 12\u202f000\u202f000 d'habitants.", [("number", "12\u202f000\u202f000", "12000000")]),
        ("En 1.200.000 exemplaires.", [("number", "1.200.000", "1200000")]),
        ("Un angle de 23.4 degrés.", [("number", "23.4", "23.4"), ("unit", "23.4 degrés", "°")]),
        ("Soit 3 millions de fans.", [("number", "3 millions", "3000000")]),
        ("Le 2e et le 3ème, puis le XVIe siècle.", [
            ("number", "2e", "2"), ("number", "3ème", "3"), ("number", "XVIe", "16"),
        ]),
        ("Le 1er arrivé.", [("number", "1er", "1")]),
        ("Ce chiffre ne change pas.", []),  # "Ce" is no Roman numeral
        ("Le COVID-19 et le 5G.", [("name", "COVID-19", "COVID-19"), ("name", "5G", "5G")]),
        # percentages
        ("Près de 20 % des cas.", [("percent", "20 %", "20%")]),
        ("Près de 47,7 pour cent.", [("percent", "47,7 pour cent", "47.7%")]),
        # amounts and units
        (
            "Un contrat de 3,5 milliards d'euros.",
            [("number", "3,5 milliards", "3500000000"), ("unit", "3,5 milliards d'euros", "EUR")],
        ),
        ("Il a payé 5 $ et 10 km à pied.", [
            ("number", "5", "5"), ("unit", "5 $", "USD"), ("number", "10", "10"), ("unit", "10 km", "km"),
        ]),
        ("Il a payé $5.", [("unit", "$5", "USD"), ("number", "5", "5")]),
        ("Pendant 14 jours.", [("number", "14", "14"), ("unit", "14 jours", "day")]),
        # dates
        ("Le 1er janvier 2020.", [("date", "1er janvier 2020", "2020-01-01")]),
        ("Le 15 mars, puis en mars 2020.", [("date", "15 mars", "--03-15"), ("date", "mars 2020", "2020-03")]),
        ("Jusqu'en avril, le lundi.", [("date", "avril", "--04"), ("date", "lundi", "Monday")]),
        ("Le 01/02/2020.", [("date", "01/02/2020", "2020-02-01")]),
        ("Né en 1977 (1868-1941).", [("date", "1977", "1977"), ("date", "1868", "1868"), ("date", "1941", "1941")]),
        ("Ils étaient 1500 joueurs.", [("number", "1500", "1500")]),
        ("Sept personnes.", [("number", "Sept", "7")]),  # seven, a number in words; no month alone
        # times
        ("À 14h30 ou 14 h 30.", [("time", "14h30", "14:30"), ("time", "14 h 30", "14:30")]),
        ("De 9 heures à 22 h.", [("time", "9 heures", "9:00"), ("time", "22 h", "22:00")]),
        ("Ouvert 24 h/24.", [("number", "24", "24"), ("number", "24", "24")]),
        ("À 50 km/h.", [("number", "50", "50"), ("unit", "50 km/h", "km/h")]),
        # names and acronyms
        ("Cloud du Pentagone : face à Microsoft, Amazon contre-attaque pour JEDI", [
            ("name", "Pentagone", "Pentagon"), ("name", "Microsoft", "Microsoft"), ("name", "Amazon", "Amazon"),
            ("name", "JEDI", "JEDI"),
        ]),
        ("Il a vu Donald Trump et l'OMS.", [("name", "Donald Trump", "Donald Trump"), ("name", "OMS", "WHO")]),
        ("Tom est là. Marie aussi.", []),  # capitals that open a sentence say nothing
        ("L'Italie et la Chine.", [("name", "Italie", "Italy"), ("name", "Chine", "China")]),
        ("Il a dit : « Bonjour Monsieur. »", []),
        ("Selon M. Dupont.", [("name", "Dupont", "Dupont")]),
        # URLs and e-mails
        (
            "Voir https://example.com/a. Écrire à x.y@example.fr.",
            [("url", "https://example.com/a", "https://example.com/a"), ("email", "x.y@example.fr", "x.y@example.fr")],
        ),
        ("Sur www.ncbi.nlm.nih.gov/pubmed/, ou example.org.", [
            ("url", "www.ncbi.nlm.nih.gov/pubmed/", "www.ncbi.nlm.nih.gov/pubmed/"),
            ("url", "example.org", "example.org"),
        ]),
        ("", []),
    ],
)  # fmt: skip
def test_extract(french: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(i.kind, i.source, i.value) for i in facts.extract(french, ner="rules")] == expected


@pytest.mark.parametrize(
    ("french", "english", "flags", "missing"),
    [
        # numbers: French formats, English formats and number words
        ("Il y a 1 200 inscrits.", "There are 1,200 members.", (), []),
        ("Il y a 1 200 inscrits.", "There are 1200 members.", (), []),
        ("Il y a 1 200 inscrits.", "There are 1,300 members.", ("mismatch:number",), ["1200"]),
        ("Une moyenne de 3,5.", "An average of 3.5.", (), []),
        ("Une moyenne de 3,5.", "An average of 35.", ("mismatch:number",), ["3.5"]),
        ("Soit 12 000 000 d'habitants.", "That is 12 million inhabitants.", (), []),
        ("Soit 12 000 000 d'habitants.", "That is 12 billion inhabitants.", ("mismatch:number",), ["12000000"]),
        ("Soit 3 millions de fans.", "That is three million fans.", (), []),
        ("Il a 3 chats.", "He has three cats.", (), []),
        ("La Chine est 25 fois plus grande.", "China is twenty-five times as large.", (), []),
        ("Il y a 555 phrases.", "There are five hundred fifty-five sentences.", (), []),
        ("Le 1er arrivé.", "The first to arrive.", (), []),
        ("Le 2e arrivé.", "The 2nd to arrive.", (), []),
        ("Du XVIe siècle.", "Of the 16th century.", (), []),
        ("Lors de la 2e guerre mondiale.", "During World War II.", (), []),
        ("Le taux est de 0,08 %.", "The rate is .08%.", (), []),
        ("La saison 2019-2020.", "The 2019-20 season.", (), []),
        ("Le récepteur de l'ACE 2.", "The ACE2 receptor.", (), []),
        ("Le coronavirus 2 (SARS-CoV-2).", "The coronavirus 8 (SARS-CoV-2).", ("mismatch:number",), ["2"]),
        # percentages
        ("Près de 20 % des cas.", "About 20% of cases.", (), []),
        ("Près de 20 % des cas.", "About 20 percent of cases.", (), []),
        ("Près de 20 % des cas.", "About 20 per cent of cases.", (), []),
        ("Près de 20 % des cas.", "About 25% of cases.", ("mismatch:percent",), ["20%"]),
        ("Entre 10 % et 20 %.", "Between 10-20%.", (), []),
        # amounts and units
        ("Un contrat de 3,5 milliards d'euros.", "A contract of 3.5 billion euros.", (), []),
        ("Un contrat de 3,5 milliards d'euros.", "A €3.5 billion contract.", (), []),
        ("Un contrat de 3,5 milliards d'euros.", "A €3.5bn contract.", (), []),
        (
            "Un contrat de 3,5 milliards d'euros.",
            "A contract of 3.5 million euros.",
            ("mismatch:number",),
            ["3500000000"],
        ),
        ("Un contrat de 3,5 milliards d'euros.", "A contract of 3.5 billion dollars.", ("mismatch:unit",), ["EUR"]),
        ("Un contrat de 3,5 milliards d'euros.", "A contract of 3.5 billion.", (), []),  # unit left implicit
        ("Soit 200 millions de yens.", "That is 200 million yen.", (), []),
        ("Pendant 14 jours.", "For 14 days.", (), []),
        ("Pendant 14 jours.", "For 14 weeks.", ("mismatch:unit",), ["day"]),
        ("L'incidence à 14 jours.", "The 14-day incidence.", (), []),
        ("Ceux de plus de 60 ans.", "Those over 60.", (), []),
        ("Il a 54 ans.", "He is 54 months old.", ("mismatch:unit",), ["year"]),
        # dates
        ("Le 1er janvier 2020.", "On January 1, 2020.", (), []),
        ("Le 1er janvier 2020.", "On 1 January 2020.", (), []),
        ("Le 1er janvier 2020.", "On the 1st of January, 2020.", (), []),
        ("Le 1er janvier 2020.", "On January 2, 2020.", ("mismatch:date",), ["2020-01-01"]),
        ("Le 1er janvier 2020.", "On January 1, 2021.", ("mismatch:date",), ["2020-01-01"]),
        ("Noël est fêté le 25 décembre.", "Christmas is celebrated on December twenty-fifth.", (), []),
        ("Le 2 mai 2011.", "The 2nd of May 2011.", (), []),
        ("Du 1er au 15 mars.", "From March 1-15.", (), []),
        ("En décembre 2013.", "In December 2013.", (), []),
        ("En décembre 2013.", "In November 2013.", ("mismatch:date",), ["2013-12"]),
        ("Le lundi.", "On Mondays.", (), []),
        ("Le lundi.", "On Tuesdays.", ("mismatch:date",), ["Monday"]),
        ("Le 01/02/2020.", "On 2/1/2020.", (), []),
        ("Le 01/02/2020.", "On February 1, 2020.", (), []),
        ("En 1985, il a gagné.", "In 1985, he won.", (), []),
        ("En 1985, il a gagné.", "In 1986, he won.", ("mismatch:date",), ["1985"]),
        # times
        ("Rendez-vous à 14h30.", "Meet at 2:30 p.m.", (), []),
        ("Rendez-vous à 14h30.", "Meet at 14:30.", (), []),
        ("Rendez-vous à 14h30.", "Meet at 2:30.", (), []),
        ("Rendez-vous à 14h30.", "Meet at 2:30 a.m.", ("mismatch:time",), ["14:30"]),
        ("Rendez-vous à 14h30.", "Meet at 3:30 p.m.", ("mismatch:time",), ["14:30"]),
        ("Il est déjà 22 h.", "It's already 10 p.m.", (), []),
        ("De 9 heures à 17 heures.", "From 9 a.m. to 5 p.m.", (), []),
        ("Je me couche vers 10 heures.", "I go to bed about ten.", (), []),
        ("Dans les dernières 24 heures.", "Within the last 24 hours.", (), []),
        ("À 8 h 00.", "At eight o'clock.", (), []),
        # names and acronyms
        ("La décision du Pentagone sur JEDI.", "The Pentagon's decision on JEDI.", (), []),
        ("La décision du Pentagone sur JEDI.", "The decision on JEDI.", ("mismatch:name",), ["Pentagon"]),
        ("La décision du Pentagone sur JEDI.", "The Pentagon's decision on the cloud.", ("mismatch:name",), ["JEDI"]),
        ("Selon l'OMS et l'ONU.", "According to WHO and the UN.", (), []),
        ("Au sein de l'UE et de l'OTAN.", "In the EU and NATO.", (), []),
        ("Des récepteurs (PRR).", "Receptors (PRRs).", (), []),
        ("Des tests de l'ARNm.", "Tests of mRNA.", (), []),
        ("Il vit en Allemagne.", "He lives in Germany.", (), []),
        ("Il vit en Italie.", "He lives in Italy.", (), []),
        ("Il vit en Italie.", "He lives in Spain.", ("mismatch:name",), ["Italy"]),
        ("Les États-Unis et le Royaume-Uni.", "The US and the UK.", (), []),
        ("Les États-Unis et le Royaume-Uni.", "The us and the UK.", ("mismatch:name",), ["United States"]),
        ("Les Japonais mangent du riz.", "The Japanese eat rice.", (), []),
        ("En Corée du Sud.", "In South Korea.", (), []),
        ("Selon Vladimir Chizhov.", "According to Chizhov.", (), []),  # a run passes when one word does
        ("Selon Vladimir Chizhov.", "According to him.", ("mismatch:name",), ["Vladimir Chizhov"]),
        ("Le SARS-CoV-2 est un virus.", "SARS-CoV-2 is a virus.", (), []),
        ("Il a parlé au Dr Smith.", "He spoke to Dr. Smith.", (), []),
        # an acronym after a name qualifies it: either one keeps the name
        ("Notre bureau de Washington DC.", "Our DC office.", (), []),
        ("Notre bureau de Washington DC.", "Our Washington office.", ("mismatch:name",), ["DC"]),
        ("Notre bureau de Washington DC.", "Our office.", ("mismatch:name",), ["Washington", "DC"]),
        ("Il vit à Paris, DC.", "He lives in DC.", ("mismatch:name",), ["Paris"]),  # a comma between: two names
        # a ministry's domain is not a name; the names after it still are
        ("Le ministère des Affaires étrangères a parlé.", "The foreign ministry spoke.", (), []),
        ("Le ministre de l'Intérieur a parlé.", "The interior minister spoke.", (), []),
        ("Le ministre de la Santé Olivier Véran.", "Health Minister Véran.", (), []),
        ("Le ministre de la Santé Olivier Véran.", "The health minister.", ("mismatch:name",), ["Olivier Véran"]),
        ("Le ministère de la Santé et Microsoft.", "The ministry and Apple.", ("mismatch:name",), ["Microsoft"]),
        # URLs and e-mails
        ("Voir https://example.com/a.", "See https://example.com/a.", (), []),
        ("Voir https://example.com/a.", "See example.com/a", (), []),
        ("Voir https://example.com/a.", "See https://example.com/b.", ("mismatch:url",), ["https://example.com/a"]),
        ("Écrire à x@example.fr.", "Write to X@Example.fr.", (), []),
        ("Écrire à x@example.fr.", "Write to y@example.fr.", ("mismatch:email",), ["x@example.fr"]),
        # several kinds at once, in KINDS order
        (
            "Le 3 mars, l'OMS a compté 20 % de cas en plus.",
            "On March 4, the agency counted 25% more cases.",
            ("mismatch:percent", "mismatch:date", "mismatch:name"),
            ["--03-03", "WHO", "20%"],
        ),
        # an empty translation loses everything; an empty source has nothing to lose
        ("Le 3 mars.", "", ("mismatch:date",), ["--03-03"]),
        ("", "Anything 42.", (), []),
    ],
)
def test_check(french: str, english: str, flags: tuple[str, ...], missing: list[str]) -> None:
    result = facts.check(french, english, ner="rules")
    assert result.flags == flags
    assert [i.value for i in result.missing] == missing


@pytest.mark.parametrize(
    ("kinds", "flags"),
    [
        (facts.KINDS, ("mismatch:number", "mismatch:name")),
        (("number",), ("mismatch:number",)),
        (("name", "date"), ("mismatch:name",)),
        ((), ()),
    ],
)
def test_check_only_the_kinds_asked(kinds: tuple[str, ...], flags: tuple[str, ...]) -> None:
    result = facts.check("Le Pentagone a payé 10 millions.", "They paid 11 million.", kinds)
    assert result.flags == flags
    assert all(i.kind in kinds for i in result.items)


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown item kind.s. numbers; valid kinds: number, percent"):
        facts.check("1", "1", ["numbers"])


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Élisabeth", "elisabeth"), ("l’État", "l'etat"), ("1–2", "1-2"), ("İstanbul", "istanbul"), ("Œuvre", "œuvre")],
)
def test_fold_keeps_the_length(text: str, folded: str) -> None:
    assert facts.fold(text) == folded
    assert len(facts.fold(text)) == len(text)


def test_evidence_is_where_the_english_holds_an_item() -> None:
    english = "The Pentagon paid 3.5 billion euros; the Pentagon said so."
    read = facts.read_english(english)
    pentagon, amount, unit = facts.extract("Le Pentagone a payé 3,5 milliards d'euros.")
    assert [english[s:e] for s, e in facts.evidence(pentagon, read)] == ["Pentagon", "Pentagon"]
    assert [english[s:e] for s, e in facts.evidence(amount, read)] == ["3.5 billion"]
    assert [english[s:e] for s, e in facts.evidence(unit, read)] == ["euros"]
    assert facts.evidence(pentagon, facts.read_english("They paid.")) == []
