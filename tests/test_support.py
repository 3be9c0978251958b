"""Summary support: each summary sentence's supporting segments, and what it says that the translation doesn't."""

from __future__ import annotations

import pytest

from pipeline import config
from pipeline.document import Document, Paragraph, Segment
from pipeline.runner import Pipeline
from pipeline.support import Support, SupportConfig, cosine, tfidf, unsupported, words

TRANSLATION = [
    "The Pentagon awarded the $10 billion JEDI contract to Microsoft on October 25, 2019.",
    "Amazon challenged the decision in court.",
    "The contract runs for ten years and covers 20% of the cloud budget.",
    "Oracle had also bid.",
]
ARTICLE = " ".join(TRANSLATION)

UNSUPPORTED = [
    ("The Pentagon gave Microsoft the $10 billion JEDI deal.", []),
    ("In 2019, the Pentagon chose Microsoft.", []),
    ("It covers 20% of the budget.", []),
    ("It covers 25% of the budget.", [{"kind": "percent", "text": "25%"}]),
    (
        "Amazon won a $12 billion contract from Google in 2020.",
        [
            {"kind": "number", "text": "12 billion"},
            {"kind": "name", "text": "Google"},
            {"kind": "number", "text": "2020"},
        ],
    ),
    ("On October 26 it was signed.", [{"kind": "date", "text": "October 26"}]),
    ("The deal was signed on 10,000,000,000.", []),  # 10 billion, another way
    ("One firm challenged it.", []),  # number words and sentence-opening words are not checked
    ("Amazon and IBM protested.", [{"kind": "name", "text": "IBM"}]),
]


@pytest.mark.parametrize(("sentence", "expected"), UNSUPPORTED)
def test_unsupported_numbers_and_names(sentence: str, expected: list[dict[str, str]]) -> None:
    assert unsupported(sentence, ARTICLE) == expected


ACCENTED = "Élisabeth Borne met the mayor of Orléans and L'Oréal's chief."
NAMES_WITH_ACCENTS = [
    # names are read whole, accented letters included: "Orl" of "Orléans" is no name of its own
    ("They met in Orléans.", []),
    ("Borne met Élisabeth at L'Oréal.", []),
    ("They met in Orlando.", [{"kind": "name", "text": "Orlando"}]),
    ("They met Émile.", [{"kind": "name", "text": "Émile"}]),
]


# Names and numbers read as the consistency check reads them (pipeline.facts).
SAME_MODEL = [
    ("They said Mubarak left.", "Hosni Moubarak left power.", []),  # a transliteration, a last name
    ("They said Mubarak left.", "The president left power.", [{"kind": "name", "text": "Mubarak"}]),
    ("It cost twenty euros.", "It cost 20 euros.", []),
    ("It cost thirty euros.", "It cost 20 euros.", [{"kind": "number", "text": "thirty"}]),
    ("One of them left.", "Two of them left.", []),  # "one" is too common to flag
    ("The NSA spied.", "The nsa spied.", []),
]


@pytest.mark.parametrize(("sentence", "translation", "expected"), SAME_MODEL)
def test_summary_names_and_numbers_read_as_the_check_reads_them(
    sentence: str, translation: str, expected: list[dict[str, str]]
) -> None:
    assert unsupported(sentence, translation) == expected


@pytest.mark.parametrize(("sentence", "expected"), NAMES_WITH_ACCENTS)
def test_names_with_accented_letters(sentence: str, expected: list[dict[str, str]]) -> None:
    assert unsupported(sentence, ACCENTED) == expected


def test_numbers_and_names_can_be_turned_off() -> None:
    sentence = "Amazon won a $12 billion contract from Google."
    assert unsupported(sentence, ARTICLE, numbers=False) == [{"kind": "name", "text": "Google"}]
    assert unsupported(sentence, ARTICLE, names=False) == [{"kind": "number", "text": "12 billion"}]


def test_tfidf_cosine() -> None:
    assert words("The Pentagon's JEDI contract was awarded.") == ["pentagon's", "jedi", "contract", "awarded"]
    a, b, c = tfidf([["jedi", "contract"], ["jedi", "contract"], ["court"]])
    assert round(cosine(a, b), 4) == 1.0 and cosine(a, c) == 0.0


def doc_with(summary: str) -> Document:
    segments = tuple(Segment(i, 0, f"fr {i}", t) for i, t in enumerate(TRANSLATION))
    return Document("d", "x", paragraphs=(Paragraph(0, "text"),), segments=segments, summary=summary)


def test_each_summary_sentence_gets_its_support_best_first() -> None:
    summary = (
        "Microsoft won the JEDI contract from the Pentagon. Amazon went to court. "
        "Oracle bid, and Google won $12 billion."
    )
    doc = Support(SupportConfig())(doc_with(summary))
    sentences = doc.annotations["support"]["sentences"]
    assert doc.annotations["support"]["method"] == "tfidf-cosine"
    assert [(s["text"], s["support"]) for s in sentences] == [
        ("Microsoft won the JEDI contract from the Pentagon.", [0, 2]),
        ("Amazon went to court.", [1]),
        ("Oracle bid, and Google won $12 billion.", [3, 0]),  # "billion" is in sentence 0 too
    ]
    assert all(s["scores"] == sorted(s["scores"], reverse=True) and min(s["scores"]) >= 0.1 for s in sentences)
    google, money = {"kind": "name", "text": "Google"}, {"kind": "number", "text": "12 billion"}
    assert sentences[2]["unsupported"] == [google, money]
    assert doc.warnings == ("support: summary sentence 3: not in the translation: name 'Google', number '12 billion'",)


def test_a_sentence_with_no_support_is_said() -> None:
    doc = Support(SupportConfig())(doc_with("Bananas are yellow."))
    assert doc.annotations["support"]["sentences"][0]["support"] == []
    assert doc.warnings == ("support: summary sentence 1 matches no sentence of the translation",)


def test_no_summary_no_annotation() -> None:
    assert "support" not in Support(SupportConfig())(doc_with("")).annotations


def test_the_stage_in_a_pipeline_of_tiny_models() -> None:
    cfg = config.load("configs/tiny.yaml", ["pipeline=[segment, translate, summarize, support]"])
    (doc,) = Pipeline(cfg).run([Document("a", open("samples/jedi-cloud.fr.md", encoding="utf-8").read())])
    sentences = doc.annotations["support"]["sentences"]
    assert sentences and " ".join(s["text"] for s in sentences).split() == str(doc.summary).split()
    indices = {s.index for s in doc.segments if s.translation}
    assert all(set(s["support"]) <= indices and len(s["support"]) <= 3 for s in sentences)
