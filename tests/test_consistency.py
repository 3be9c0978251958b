"""The consistency stage: mismatch flags, expected items and warnings on translated segments; each check can be off."""

from __future__ import annotations

import pytest

from pipeline import config, io
from pipeline.consistency import CHECKS, Consistency, FactsConfig
from pipeline.document import Document, Paragraph, Segment
from pipeline.errors import ConfigError
from pipeline.runner import build_stage
from pipeline.segment import FrenchSegmenter, FrenchSegmenterConfig
from pipeline.translate import MarianConfig, Translate

ARTICLE = (
    "# Cloud du Pentagone : Amazon conteste JEDI\n\n"
    "Le Pentagone a attribué à Microsoft un contrat de 10 milliards de dollars. "
    "Amazon conteste la décision depuis le 25 octobre 2019.\n\n"
    "```\nprix = 10\n```\n"
)
# A translation with two errors: the date is off by one day, and the amount became millions.
TRANSLATIONS = {
    "Cloud du Pentagone : Amazon conteste JEDI": "Pentagon cloud: Amazon challenges JEDI",
    "Le Pentagone a attribué à Microsoft un contrat de 10 milliards de dollars.": (
        "The Pentagon awarded Microsoft a $10 million contract."
    ),
    "Amazon conteste la décision depuis le 25 octobre 2019.": (
        "Amazon has contested the decision since October 26, 2019."
    ),
}


def translated(model) -> Document:
    """The article segmented and translated by the fake model, with TRANSLATIONS."""
    model.fn = TRANSLATIONS.__getitem__
    doc = FrenchSegmenter(FrenchSegmenterConfig())(Document("jedi", ARTICLE))
    return Translate(MarianConfig(), model)(doc)


def test_segment_translate_consistency_in_the_json_output(fake_model) -> None:
    cfg = config.load(overrides=["pipeline=[segment, translate, consistency]"])
    stage = build_stage("consistency", cfg)
    assert isinstance(stage, Consistency) and stage.config == FactsConfig()
    doc = stage(translated(fake_model))
    record = io.to_record(doc, models=[], config=cfg.to_dict(), versions={}, signature="")
    segments = [(s["flags"], s.get("annotations")) for s in record["segments"]]
    assert segments == [
        ([], None),
        (
            ["mismatch:number"],
            {
                "consistency": {
                    "expected": [
                        {
                            "kind": "number",
                            "source": "10 milliards",
                            "value": "10000000000",
                            "severity": "mismatch",
                            "reason": "no form of '10 milliards' (10000000000) in the English",
                        }
                    ]
                }
            },
        ),
        (
            ["mismatch:date"],
            {
                "consistency": {
                    "expected": [
                        {
                            "kind": "date",
                            "source": "25 octobre 2019",
                            "value": "2019-10-25",
                            "severity": "mismatch",
                            "reason": "no form of '25 octobre 2019' (2019-10-25) in the English",
                        }
                    ]
                }
            },
        ),
        (["verbatim"], None),  # code is never checked
    ]
    assert record["warnings"] == [
        "consistency: segment 1: mismatch: no form of '10 milliards' (10000000000) in the English",
        "consistency: segment 2: mismatch: no form of '25 octobre 2019' (2019-10-25) in the English",
    ]
    assert record["annotations"] == {
        "consistency": {
            "segments_checked": 3,
            # Pentagone, JEDI; Pentagone, Microsoft, 10 milliards, dollars; 25 octobre 2019
            # and, read by the NER model, Amazon and Cloud du Pentagone
            "items": 9,
            "missing": {"number": 1, "date": 1},
            "flagged_segments": [1, 2],
            "noted_segments": [],
            "names": "fr_core_news_md@3.8.0",
        }
    }
    assert record["config"]["consistency"] == {
        "name": "facts",
        "numbers": True,
        "percentages": True,
        "units": True,
        "dates": True,
        "times": True,
        "names": True,
        "urls": True,
        "emails": True,
        "ner": "fr_core_news_md",
    }


@pytest.mark.parametrize(
    ("overrides", "flags"),
    [
        ([], [[], ["mismatch:number"], ["mismatch:date"]]),
        (["consistency.numbers=false"], [[], [], ["mismatch:date"]]),
        (["consistency.dates=false"], [[], ["mismatch:number"], []]),
        (["consistency.numbers=false", "consistency.dates=false"], [[], [], []]),
        (["consistency.names=false", "consistency.units=false"], [[], ["mismatch:number"], ["mismatch:date"]]),
    ],
)
def test_each_check_can_be_turned_off(overrides: list[str], flags: list[list[str]], fake_model) -> None:
    cfg = config.load(overrides=["pipeline=[segment, translate, consistency]", *overrides])
    doc = build_stage("consistency", cfg)(translated(fake_model))
    assert [list(s.flags) for s in doc.segments if not s.verbatim] == flags


@pytest.mark.parametrize(
    ("config_", "kinds"),
    [
        (FactsConfig(), ("number", "percent", "unit", "date", "time", "name", "url", "email")),
        (FactsConfig(numbers=False, urls=False, emails=False), ("percent", "unit", "date", "time", "name")),
        (FactsConfig(**dict.fromkeys(CHECKS, False)), ()),
    ],
)
def test_config_kinds(config_: FactsConfig, kinds: tuple[str, ...]) -> None:
    assert config_.kinds() == kinds


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "consistency.number=false",
            "[E100] consistency.number: unknown key; valid keys: name, dates, emails, names, ner, numbers, "
            "percentages, times, units, urls",
        ),
        ("consistency.numbers=maybe", "[E100] consistency.numbers: Input should be a valid boolean (got 'maybe')"),
        ("consistency.name=other", "[E100] consistency.name: unknown stage 'other'; valid choices: facts"),
    ],
)
def test_strict_config(override: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        config.load(overrides=["pipeline=[segment, consistency]", override])
    assert str(err.value) == message


def test_a_hand_built_document_keeps_its_flags_and_annotations() -> None:
    doc = Document(
        "d",
        "",
        paragraphs=(Paragraph(0, "text"),),
        segments=(
            Segment(0, 0, "Il a 3 chats.", "He has 4 cats.", flags=("retried",), annotations={"other": 1}),
            Segment(1, 0, "Selon l'OMS, 20 % des cas.", "According to WHO, 20% of cases."),
            Segment(2, 0, "Pas encore traduit, le 3 mars.", None),
        ),
    )
    out = Consistency(FactsConfig())(doc)
    assert [s.flags for s in out.segments] == [("retried", "mismatch:number"), (), ()]
    assert out.segments[0].annotations == {
        "other": 1,
        "consistency": {
            "expected": [
                {
                    "kind": "number",
                    "source": "3",
                    "value": "3",
                    "severity": "mismatch",
                    "reason": "no form of '3' in the English",
                }
            ]
        },
    }
    assert out.annotations["consistency"] == {
        "segments_checked": 2,
        "items": 3,
        "missing": {"number": 1},
        "flagged_segments": [0],
        "noted_segments": [],
        "names": "fr_core_news_md@3.8.0",
    }
    assert doc.segments[0].flags == ("retried",)  # the input is not mutated


def test_without_translate_the_stage_says_so() -> None:
    # A config that runs it before any translation is refused when it is loaded...
    with pytest.raises(ConfigError, match=r"consistency \(facts\) needs translations, which no stage before it makes"):
        config.load(overrides=["pipeline=[segment, consistency]"])
    # ...and a document that reaches it untranslated all the same is said so, not passed as checked.
    segmented = FrenchSegmenter(FrenchSegmenterConfig())(Document("a", "Le 3 mars, 20 % des cas."))
    doc = Consistency(FactsConfig())(segmented)
    assert doc.segments[0].flags == ()
    assert doc.warnings == ("consistency: no translated segment to check (the stage runs after translate)",)
    assert doc.annotations["consistency"]["segments_checked"] == 0
