"""The eval report's faithfulness columns: what the checks flagged, counted per system (eval.faithfulness)."""

from __future__ import annotations

from eval import faithfulness
from pipeline.document import Document, Paragraph, Segment

CONF = {"confidence": {"logprob": -1.2, "tokens": 9}}


def doc(segments: list[Segment], **annotations: object) -> Document:
    return Document("d", "", (Paragraph(0, "text"),), tuple(segments), summary="s", annotations=dict(annotations))


def support(*unsupported: int) -> dict:
    """A support annotation with one summary sentence per count of unsupported items."""
    return {"method": "tfidf", "sentences": [{"unsupported": [{"kind": "name", "text": "X"}] * n} for n in unsupported]}


CASES = [
    # documents -> counts per column (None: the system ran no such check)
    (
        [
            doc(
                [
                    Segment(0, 0, "a", "a", ("low_confidence",), annotations=CONF),
                    Segment(1, 0, "b", "b", ("mismatch:number",), annotations=CONF),
                    Segment(2, 0, "c", "c", annotations=CONF),
                ],
                consistency={"segments_checked": 3, "flagged_segments": [1]},
                support=support(0, 2),
            ),
            doc(
                [Segment(0, 0, "d", "d", ("low_confidence", "mismatch:name"), annotations=CONF)],
                consistency={"segments_checked": 1, "flagged_segments": [0]},
                support=support(1, 0, 0),
            ),
        ],
        {
            "low_confidence": {"flagged": 2, "total": 4, "percent": 50.0},
            "mismatched": {"flagged": 2, "total": 4, "percent": 50.0},
            "unsupported": {"flagged": 2, "total": 5, "percent": 40.0},
        },
    ),
    # no scores, no consistency stage, no support stage
    ([doc([Segment(0, 0, "a", "a")])], {"low_confidence": None, "mismatched": None, "unsupported": None}),
    # the checks ran and found nothing to check
    (
        [doc([], consistency={"segments_checked": 0, "flagged_segments": []}, support=support())],
        {
            "low_confidence": None,
            "mismatched": {"flagged": 0, "total": 0, "percent": None},
            "unsupported": {"flagged": 0, "total": 0, "percent": None},
        },
    ),
]


def test_of_documents() -> None:
    for docs, expected in CASES:
        assert faithfulness.of_documents(docs) == expected


def test_a_baselines_summaries_are_checked_against_the_translation_it_reuses() -> None:
    translated = Document(
        "d",
        "",
        (Paragraph(0, "text"),),
        (
            Segment(0, 0, "Le Pentagone a signé.", "The Pentagon signed."),
            Segment(1, 0, "Le contrat vaut 10 milliards.", "The contract is worth 10 billion."),
        ),
    )
    summaries = ["The Pentagon signed. The contract is worth 12 billion. It went to Amazon."]
    assert faithfulness.of_summaries(summaries, [translated]) == {
        "low_confidence": None,
        "mismatched": None,
        "unsupported": {"flagged": 2, "total": 3, "percent": 66.67},
    }
