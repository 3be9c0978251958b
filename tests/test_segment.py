"""Segmentation: tables of French edge cases with literal expected sentences."""

from __future__ import annotations

import re

import pytest

from pipeline.document import Document
from pipeline.segment import (
    FrenchSegmenter,
    FrenchSegmenterConfig,
    find_links,
    parse_blocks,
    split_long,
    split_sentences,
    strip_inline,
)

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


def fits_words(n: int):
    return lambda text: len(text.split()) <= n


def no_token_split(text: str) -> list[str]:
    raise AssertionError(f"token split used for {text!r}")


SPLITS = [
    ("court", 5, ["court"]),
    ("un deux trois ; quatre cinq six ; sept", 4, ["un deux trois ;", "quatre cinq six ;", "sept"]),
    ("un deux : trois quatre, cinq six, sept huit", 4, ["un deux :", "trois quatre, cinq six,", "sept huit"]),
    ("a b c d e f g h i", 4, ["a b c d", "e f g h", "i"]),
]


@pytest.mark.parametrize(("text", "limit", "expected"), SPLITS)
def test_split_long(text: str, limit: int, expected: list[str]) -> None:
    assert split_long(text, fits_words(limit), no_token_split) == expected


def test_split_long_last_resort_tokens() -> None:
    word = "x" * 30
    assert split_long(word, lambda t: len(t) <= 10, lambda t: [t[:10], t[10:20], t[20:]]) == ["x" * 10] * 3
