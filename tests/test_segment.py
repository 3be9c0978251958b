"""Segmentation: tables of French edge cases, Markdown blocks and English sentences, with literal expected values."""

from __future__ import annotations

import re

import pytest

from pipeline.document import Document
from pipeline.fitting import Window, split_long
from pipeline.markdown import find_links, parse_blocks, strip_inline
from pipeline.segment import FrenchSegmenter, FrenchSegmenterConfig
from pipeline.sentences import ENGLISH_SPLITTER, split_english, split_sentences

SENTENCES = [
    # plain stops
    ("Il pleut. Il vente.", ["Il pleut.", "Il vente."]),
    ("", []),
    ("Sans point final", ["Sans point final"]),
    # abbreviations that never end a sentence
    ("M. Dupont est arrivé. Mme Durand aussi.", ["M. Dupont est arrivé.", "Mme Durand aussi."]),
    (
        "Le Dr Martin et le Pr. Lenoir ont signé. MM. Blanc et Noir aussi.",
        ["Le Dr Martin et le Pr. Lenoir ont signé.", "MM. Blanc et Noir aussi."],
    ),
    (
        "Selon l'art. 3 de la loi, c'est interdit. Voir aussi la p. 12.",
        ["Selon l'art. 3 de la loi, c'est interdit.", "Voir aussi la p. 12."],
    ),
    ("Des légumes, p. ex. des Poireaux, sont vendus. Fin.", ["Des légumes, p. ex. des Poireaux, sont vendus.", "Fin."]),
    ("La ville compte env. 3 000 hab. Elle grandit.", ["La ville compte env. 3 000 hab.", "Elle grandit."]),
    (
        "Selon l'art. L. 121-1 et l'art. 49 al. 3 du texte. Fin.",
        ["Selon l'art. L. 121-1 et l'art. 49 al. 3 du texte.", "Fin."],
    ),
    (
        "Trafic perturbé sur les RER A et B. Seul un train circule.",
        ["Trafic perturbé sur les RER A et B.", "Seul un train circule."],
    ),
    ("Les ventes ont bondi. eBay et iPhone en profitent.", ["Les ventes ont bondi.", "eBay et iPhone en profitent."]),
    ("Il est né en 52 av. J.-C. Rome dominait.", ["Il est né en 52 av. J.-C.", "Rome dominait."]),
    ("Voir cf. Chapitre 2 du rapport.", ["Voir cf. Chapitre 2 du rapport."]),
    # etc. ends a sentence before a capital, not before lowercase
    ("Des pommes, des poires, etc. Le marché ferme.", ["Des pommes, des poires, etc.", "Le marché ferme."]),
    ("Des pommes, etc. sont vendues ici.", ["Des pommes, etc. sont vendues ici."]),
    # initials
    ("J. K. Rowling publie un livre. Il sort lundi.", ["J. K. Rowling publie un livre.", "Il sort lundi."]),
    ("J.-P. Sartre et George W. Bush. Deux noms.", ["J.-P. Sartre et George W. Bush.", "Deux noms."]),
    # decimals, times, dates
    ("Le taux est de 3,5 %. Il était de 10.5 % en 2019.", ["Le taux est de 3,5 %.", "Il était de 10.5 % en 2019."]),
    (
        "Rendez-vous à 10h30. Puis à 18:45 le 25/10/2019. Enfin à 10 h 30.",
        ["Rendez-vous à 10h30.", "Puis à 18:45 le 25/10/2019.", "Enfin à 10 h 30."],
    ),
    ("Il a payé 1.234,56 €. C'est cher.", ["Il a payé 1.234,56 €.", "C'est cher."]),
    ("Le bilan de 2019. 25 personnes sont mortes.", ["Le bilan de 2019.", "25 personnes sont mortes."]),
    # ellipses
    ("Il hésite... Puis il part.", ["Il hésite...", "Puis il part."]),
    ("Il hésite… et il part.", ["Il hésite… et il part."]),
    ("Il hésite… Puis il part.", ["Il hésite…", "Puis il part."]),
    # guillemets and quotes closing after the final stop
    ("« Nous sommes prêts. » Le ministre a parlé.", ["« Nous sommes prêts. »", "Le ministre a parlé."]),
    (
        "« Nous sommes prêts », a-t-il dit. Puis il est parti.",
        ["« Nous sommes prêts », a-t-il dit.", "Puis il est parti."],
    ),
    ("« Êtes-vous prêts ? » a demandé le juge. Oui.", ["« Êtes-vous prêts ? » a demandé le juge.", "Oui."]),
    ("Il a dit : « Non. » Puis : « Jamais ! » Fin.", ["Il a dit : « Non. »", "Puis : « Jamais ! »", "Fin."]),
    ("Il a dit \u00ab\u00a0Non.\u00a0\u00bb Elle a ri.", ["Il a dit \u00ab\u00a0Non.\u00a0\u00bb", "Elle a ri."]),
    ('Il a crié "Stop." Tout le monde s\'est arrêté.', ['Il a crié "Stop."', "Tout le monde s'est arrêté."]),
    ("Il dit « oui ». « Non », répond-elle.", ["Il dit « oui ».", "« Non », répond-elle."]),
    # French spacing before ? and !
    (
        "Qui veut gagner des milliards ? Personne ! Vraiment ?! Oui.",
        ["Qui veut gagner des milliards ?", "Personne !", "Vraiment ?!", "Oui."],
    ),
    ("Quoi ? dit-il.", ["Quoi ? dit-il."]),
    # URLs and e-mails
    (
        "Voir www.exemple.fr. Écrivez à contact@mairie-paris.fr. Merci.",
        ["Voir www.exemple.fr.", "Écrivez à contact@mairie-paris.fr.", "Merci."],
    ),
    (
        "La page https://exemple.org/page.html est en ligne. Elle plaît.",
        ["La page https://exemple.org/page.html est en ligne.", "Elle plaît."],
    ),
    # acronyms, brackets, dashes
    ("La S.N.C.F. a annoncé une grève. L'ONU aussi.", ["La S.N.C.F. a annoncé une grève.", "L'ONU aussi."]),
    (
        "Le texte (voir p. 12) est clair. (Il a été voté.) Fin.",
        ["Le texte (voir p. 12) est clair.", "(Il a été voté.)", "Fin."],
    ),
    ("Il part. — Où vas-tu ? demande-t-elle.", ["Il part.", "— Où vas-tu ? demande-t-elle."]),
    ("Le XIXe siècle. Le 1er mai.", ["Le XIXe siècle.", "Le 1er mai."]),
    # sentences glued without a space, as in scraped news
    ("Il l'a dit au Figaro.Jusqu'à cet été, rien.", ["Il l'a dit au Figaro.", "Jusqu'à cet été, rien."]),
    ('Un ancien médecin."L\'unité est là", dit-il.', ["Un ancien médecin.", '"L\'unité est là", dit-il.']),
    ('Il a dit "non".Alors tout change.', ['Il a dit "non".', "Alors tout change."]),
    ("Le grand oublié ?Jacques Chirac.", ["Le grand oublié ?", "Jacques Chirac."]),
    (
        "Voir exemple.fr.Le site, www.Exemple.fr et la v2.0 ici.",
        ["Voir exemple.fr.", "Le site, www.Exemple.fr et la v2.0 ici."],
    ),
    (
        "Un oiseau s'est posé.\u00c0 peine arrivé, il est reparti.",
        ["Un oiseau s'est posé.\u00c0 peine arrivé, il est reparti."],
    ),
]


@pytest.mark.parametrize(("text", "expected"), SENTENCES)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_extra_abbreviations_from_config() -> None:
    text = "Le col. Martin arrive. Il salue."
    assert split_sentences(text) == ["Le col. Martin arrive.", "Il salue."]
    assert split_sentences("Le lt-col. Martin arrive.", ["lt-col"]) == ["Le lt-col. Martin arrive."]
    assert split_sentences("Le lt-col. Martin arrive.") == ["Le lt-col.", "Martin arrive."]


INLINE = [
    ("un [lien](https://exemple.fr) ici", ("un lien ici", "")),
    ("un [lien](#) et ![image](a.png)", ("un lien et image", "")),
    ("*« Citation entière. »*", ("« Citation entière. »", "*")),
    ("**gras** et *italique* et _souligné_", ("gras et italique et souligné", "")),
    ("le fichier snake_case_name reste", ("le fichier snake_case_name reste", "")),
    ("du `code` et <https://exemple.fr>", ("du code et https://exemple.fr", "")),
    ("deux\nlignes", ("deux lignes", "")),
    ("*a* et *b*", ("a et b", "")),
    ("5 \\* 3", ("5 * 3", "")),
]


LINKS = [
    ("un [lien](https://exemple.fr) ici", (("lien", "https://exemple.fr"),)),
    ("un [lien](#), [vide]() et ![image](https://a.fr/i.png)", ()),
    (
        '[**Le Monde**](https://lemonde.fr/a_(b) "titre") puis <https://x.org>',
        (("Le Monde", "https://lemonde.fr/a_(b)"), ("https://x.org", "https://x.org")),
    ),
    ("écrire à <redaction@exemple.fr>", (("redaction@exemple.fr", "mailto:redaction@exemple.fr"),)),
    ("[B](https://b.fr) avant [A](https://a.fr)", (("B", "https://b.fr"), ("A", "https://a.fr"))),
    ("[t](<https://a.fr/x>) puis <https://b.fr>", (("t", "https://a.fr/x"), ("https://b.fr", "https://b.fr"))),
]


@pytest.mark.parametrize(("text", "expected"), LINKS)
def test_find_links(text: str, expected: tuple[tuple[str, str], ...]) -> None:
    assert find_links(text) == expected


@pytest.mark.parametrize(("text", "expected"), INLINE)
def test_strip_inline(text: str, expected: tuple[str, str]) -> None:
    assert strip_inline(text) == expected


BLOCKS = [
    (
        "# Titre\n\nUn paragraphe\nsur deux lignes.\n\n## Sous-titre",
        [
            ("heading", "Titre", 1, ""),
            ("text", "Un paragraphe\nsur deux lignes.", 0, ""),
            ("heading", "Sous-titre", 2, ""),
        ],
    ),
    (
        "- un\n- deux\n  suite\n1. premier",
        [("list_item", "un", 0, "-"), ("list_item", "deux\n  suite", 0, "-"), ("list_item", "premier", 0, "1.")],
    ),
    ("> cité\n> encore\n>\n> autre", [("quote", "cité\nencore", 0, ""), ("quote", "autre", 0, "")]),
    ("```\ncode. Ici\n```\n\nTexte.", [("code", "code. Ici", 0, ""), ("text", "Texte.", 0, "")]),
    (
        "Titre\n=====\n\nTexte.\n\n---\n\nFin.",
        [("heading", "Titre", 1, ""), ("text", "Texte.", 0, ""), ("text", "Fin.", 0, "")],
    ),
    ("  \n\n", []),
]


@pytest.mark.parametrize(("markdown", "expected"), BLOCKS)
def test_parse_blocks(markdown: str, expected: list[tuple[str, str, int, str]]) -> None:
    assert [(b.kind, b.text, b.level, b.marker) for b in parse_blocks(markdown)] == expected


# What the CommonMark parser reads differently from line-by-line rules (CommonMark 0.31, sections 5.2-5.3, 4.4, 4.6).
COMMONMARK_BLOCKS = [
    # an ordered list interrupts a paragraph only when it starts at 1: a year ending a line stays in its paragraph
    (
        "Le conseil a voté le budget de\n2024. Le budget augmente.",
        [("text", "Le conseil a voté le budget de\n2024. Le budget augmente.", 0, "")],
    ),
    ("Les mesures :\n3. la gratuité", [("text", "Les mesures :\n3. la gratuité", 0, "")]),
    (
        "Les mesures :\n1. la gratuité\n2. les horaires",
        [
            ("text", "Les mesures :", 0, ""),
            ("list_item", "la gratuité", 0, "1."),
            ("list_item", "les horaires", 0, "2."),
        ],
    ),
    # nested lists: level is the nesting depth, marker as written
    (
        "- un\n  - deux\n    - trois\n- quatre",
        [
            ("list_item", "un", 0, "-"),
            ("list_item", "deux", 1, "-"),
            ("list_item", "trois", 2, "-"),
            ("list_item", "quatre", 0, "-"),
        ],
    ),
    (
        "1. un\n   1) sous\n2. deux",
        [("list_item", "un", 0, "1."), ("list_item", "sous", 1, "1)"), ("list_item", "deux", 0, "2.")],
    ),
    ("10) dix\n11) onze", [("list_item", "dix", 0, "10)"), ("list_item", "onze", 0, "11)")]),
    # a list item's second paragraph is a paragraph, as the writer renders it
    (
        "- un\n\n  suite du même\n- deux",
        [("list_item", "un", 0, "-"), ("text", "suite du même", 0, ""), ("list_item", "deux", 0, "-")],
    ),
    # a quote of two paragraphs, a lazy continuation line, a quote inside a list item
    (
        "> Premier paragraphe\n> cité.\n>\n> Second.",
        [("quote", "Premier paragraphe\ncité.", 0, ""), ("quote", "Second.", 0, "")],
    ),
    ("> Cité\nsuite paresseuse.", [("quote", "Cité\nsuite paresseuse.", 0, "")]),
    ("- > dans\n  > liste", [("quote", "dans\nliste", 0, "")]),
    ("## Titre ##\n> ## Cité", [("heading", "Titre", 2, ""), ("heading", "Cité", 2, "")]),
    # indented code after a blank line; an indented line can't interrupt a paragraph
    (
        "Texte.\n\n    code indenté\n    ligne 2\n\nFin.",
        [("text", "Texte.", 0, ""), ("code", "code indenté\nligne 2", 0, ""), ("text", "Fin.", 0, "")],
    ),
    ("Texte\n    pas du code", [("text", "Texte\n    pas du code", 0, "")]),
    ("```python\nx = 1\n\ny = 2\n```", [("code", "x = 1\n\ny = 2", 0, "")]),
    # setext heading with the paragraph that follows it; thematic breaks give no block
    ("Titre\n-----\nTexte.", [("heading", "Titre", 2, ""), ("text", "Texte.", 0, "")]),
    ("Avant.\n\n* * *\n\nAprès.", [("text", "Avant.", 0, ""), ("text", "Après.", 0, "")]),
    # HTML blocks: comments are not text; other blocks are, their tags dropped by strip_inline
    (
        "<!-- note -->\n\n<div>\nUn **texte**\n</div>\n\nFin.",
        [("text", "<div>\nUn **texte**\n</div>", 0, ""), ("text", "Fin.", 0, "")],
    ),
    ("Texte\r\nsuite\r\n\r\n- a", [("text", "Texte\nsuite", 0, ""), ("list_item", "a", 0, "-")]),
]


@pytest.mark.parametrize(("markdown", "expected"), COMMONMARK_BLOCKS)
def test_parse_blocks_commonmark(markdown: str, expected: list[tuple[str, str, int, str]]) -> None:
    assert [(b.kind, b.text, b.level, b.marker) for b in parse_blocks(markdown)] == expected


def test_segmenter_year_mid_paragraph_and_code() -> None:
    text = "Le conseil a voté le budget de\n2024. Le budget augmente.\n\n```\nx = 1. Y\n```"
    doc = FrenchSegmenter(FrenchSegmenterConfig())(Document("d", text))
    assert [(p.index, p.kind) for p in doc.paragraphs] == [(0, "text"), (1, "code")]
    assert [(s.paragraph, s.source, s.translation, s.flags, s.verbatim) for s in doc.segments] == [
        (0, "Le conseil a voté le budget de 2024.", None, (), False),
        (0, "Le budget augmente.", None, (), False),
        (1, "x = 1. Y", "x = 1. Y", ("verbatim",), True),
    ]
    assert doc.to_translate() == list(doc.segments[:2])


ENGLISH = [
    (
        "Dr. Smith met Mr. Jones at 3 p.m. on Jan. 5. They talked.",
        ["Dr. Smith met Mr. Jones at 3 p.m. on Jan. 5.", "They talked."],
    ),
    (
        "Amazon is contesting the Pentagon's $10 billion JEDI award to Microsoft. It says President Trump's bias"
        " against Jeff Bezos cost it the contract. A judge in Washington will hear the case.",
        [
            "Amazon is contesting the Pentagon's $10 billion JEDI award to Microsoft.",
            "It says President Trump's bias against Jeff Bezos cost it the contract.",
            "A judge in Washington will hear the case.",
        ],
    ),
    (
        "The U.S. economy grew 2.5% in Q3. Analysts expected 2.1%.",
        ["The U.S. economy grew 2.5% in Q3.", "Analysts expected 2.1%."],
    ),
    # pysbd keeps a quotation of several sentences whole (the French rules split it)
    (
        '"We knew we would suffer. Tonight, nobody can take it away," he said. The draw is on Wednesday.',
        ['"We knew we would suffer. Tonight, nobody can take it away," he said.', "The draw is on Wednesday."],
    ),
    ("One\ntwo. Three.", ["One", "two.", "Three."]),
    ("No final stop", ["No final stop"]),
    ("", []),
    ("  \n ", []),
]


@pytest.mark.parametrize(("text", "expected"), ENGLISH)
def test_split_english(text: str, expected: list[str]) -> None:
    sentences = split_english(text)
    assert sentences == expected
    assert "".join(sentences).replace(" ", "") == "".join(text.split())  # nothing lost


def test_english_splitter_name() -> None:
    assert ENGLISH_SPLITTER == "pysbd-0.3.4-en"


def test_sample_article_segments(sample_text: str) -> None:
    doc = FrenchSegmenter(FrenchSegmenterConfig())(Document("jedi", sample_text))
    assert [p.kind for p in doc.paragraphs] == [
        "heading",
        "text",
        "text",
        "text",
        "text",
        "heading",
        "text",
        "text",
        "text",
    ]
    assert doc.paragraphs[7].emphasis == "*"
    assert [s.index for s in doc.segments] == list(range(16))
    assert [len(doc.segments_of(p.index)) for p in doc.paragraphs] == [1, 1, 2, 2, 1, 1, 1, 4, 3]
    assert doc.segments[0].source == "Cloud du Pentagone : face à Microsoft, Amazon contre-attaque pour JEDI"
    assert doc.segments[1].source.endswith("a relevé jeudi le Wall Street Journal.")
    assert doc.segments[12].source == "Il est important que ces questions soient examinées et rectifiées. »"
    assert doc.segments[-1].source.startswith("« Je suis convaincu")
    # Nothing lost: the segments hold exactly the article's words, markup removed.
    plain = re.sub(r"^#+ ", "", sample_text.replace("](#)", "").replace("[", "").replace("*", ""), flags=re.M)
    assert " ".join(s.source for s in doc.segments).split() == plain.split()
    assert len(plain.split()) == 334


def words(n: int) -> Window:
    """A window of ``n`` words, one token each."""
    return Window(lambda texts: [len(t.split()) for t in texts], n)


def characters(n: int) -> Window:
    return Window(lambda texts: [len(t) for t in texts], n)


SPLITS = [
    ("court", 5, ["court"]),
    ("un deux trois ; quatre cinq six ; sept", 4, ["un deux trois ;", "quatre cinq six ;", "sept"]),
    ("un deux : trois quatre, cinq six, sept huit", 4, ["un deux :", "trois quatre, cinq six,", "sept huit"]),
    ("a b c d e f g h i", 4, ["a b c d", "e f g h", "i"]),
]


@pytest.mark.parametrize(("text", "limit", "expected"), SPLITS)
def test_split_long(text: str, limit: int, expected: list[str]) -> None:
    assert split_long(text, words(limit)) == expected


def test_split_long_last_resort_characters() -> None:
    # A single word too long: cut between characters into the longest pieces that fit.
    assert split_long("x" * 30, characters(10)) == ["x" * 10] * 3
    # A piece never starts with a combining accent: "e" + U+0301 stays whole.
    assert split_long("ab" + "e\u0301" * 3, characters(3)) == ["ab", "e\u0301", "e\u0301", "e\u0301"]
