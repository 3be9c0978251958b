"""The reading view (``--format html``): its structure, highlights and reasons, parsed back; then in chromium."""

from __future__ import annotations

import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline import config, io
from pipeline.document import Cell, Document, Failure, Paragraph, Segment
from pipeline.reading import render_html, segment_reasons

# One article with each thing the page shows: a title, flagged sentences of each kind, a list
# item, code, a 2x2 table, a quote with markup to escape, links, and a summary with its support.
LOST = [
    {"kind": "number", "source": "10 milliards", "value": "10000000000"},
    {"kind": "name", "source": "Pentagone", "value": "Pentagon"},
]
# The same, as the consistency stage writes them with severities: strong evidence, and a quiet note.
SEVERE = [
    {
        "kind": "name",
        "source": "Keith Alexander",
        "value": "Keith Alexander",
        "severity": "mismatch",
        "reason": "no form of 'Keith Alexander' in the English; 'Keith' alone is there",
    },
    {"kind": "name", "source": "NSA", "value": "NSA", "severity": "check", "reason": "'NSA' is there only spelled out"},
]
PARAGRAPHS = (
    Paragraph(0, "heading", level=1),
    Paragraph(
        1,
        "text",
        links=(
            ("Le Monde", "https://lemonde.fr/a?b=1&c=2"),
            ("ici", "#"),
            ("x", "javascript:x()"),
            ("s", 'https://ex.org/"><script>'),
            ("rel", "/a b"),
            ("d", "Data:text/html,x"),
        ),
    ),
    Paragraph(2, "list_item", marker="-"),
    Paragraph(3, "code"),
    Paragraph(4, "table_cell", cell=Cell(0, 0, 0)),
    Paragraph(5, "table_cell", cell=Cell(0, 0, 1, "right")),
    Paragraph(6, "table_cell", cell=Cell(0, 1, 0)),
    Paragraph(7, "table_cell", cell=Cell(0, 1, 1, "right")),
    Paragraph(8, "quote", emphasis="*"),
)
SEGMENTS = (
    Segment(0, 0, "Le contrat JEDI", "The JEDI contract"),
    Segment(
        1,
        1,
        "Le Pentagone paie 10 milliards.",
        "The Department pays a lot.",
        flags=("mismatch:number", "mismatch:name"),
        annotations={"consistency": {"expected": LOST}},
    ),
    Segment(
        2,
        1,
        "Amazon conteste.",
        "Amazon disputes.",
        flags=("low_confidence",),
        annotations={"confidence": {"logprob": -2.345}},
    ),
    Segment(3, 2, "Un point de liste.", "A a a a a.", flags=("split:2", "retried", "degenerate:repetition")),
    Segment(4, 3, "x = 1", "x = 1", flags=("verbatim",), verbatim=True),
    Segment(5, 4, "Société", "Company"),
    Segment(6, 5, "Montant", "Amount"),
    Segment(
        7,
        6,
        "Microsoft",
        "Macrohard",
        flags=("mismatch:name",),
        annotations={"consistency": {"expected": [{"kind": "name", "source": "Microsoft", "value": "Microsoft"}]}},
    ),
    Segment(8, 7, "10 %", "10%"),
    Segment(9, 8, "Il a dit <script>alert(1)</script> & « non ».", "He said <script>alert(1)</script> & “no”."),
)
SUPPORT = {
    "method": "tfidf-cosine",
    "sentences": [
        {
            "text": "The Department pays a lot to Amazon.",
            "support": [1, 2, 9],
            "scores": [0.61, 0.2, 0.1234],
            "unsupported": [],
        },
        {
            "text": "Google paid $12 billion.",
            "support": [],
            "scores": [],
            "unsupported": [{"kind": "name", "text": "Google"}, {"kind": "number", "text": "12 billion"}],
        },
        {"text": "The table lists Company.", "support": [5], "scores": [0.5], "unsupported": []},
    ],
}
META = {
    "signature": "precis:0.1.0|mt:tiny:marian@local-1",
    "models": [
        {
            "stage": "translate",
            "name": "tiny:marian",
            "revision": "local-1",
            "dtype": "float32",
            "backend": "transformers",
            "quantization": "none",
            "device": "cpu",
        }
    ],
    "config": {"pipeline": ["segment", "translate"], "translate": {"num_beams": 2}},
    "versions": {"python": "3.11.7", "precis": "0.1.0"},
}
DOC = Document(
    "jedi",
    "text",
    paragraphs=PARAGRAPHS,
    segments=SEGMENTS,
    summary="The Department pays a lot to Amazon. Google paid $12 billion. The table lists Company.",
    summary_chunks=2,
    warnings=("consistency: segment 1: not found in the translation: number '10 milliards'",),
    annotations={"support": SUPPORT},
    timings={"translate": 1.5},
)


# The warnings the page adds: the links it refuses to write (io.safe_links).
DROPPED = tuple(
    f"links: paragraph 1: link {label!r} dropped: its target has a scheme {scheme!r}, "
    "and only http, https, mailto links are written"
    for label, scheme in (("x", "javascript"), ("d", "data"))
)


class Page(HTMLParser):
    """Every element of a page: its tag, attributes and text (the text of its children included)."""

    VOID = {"meta", "br", "wbr", "img", "link", "input", "hr"}

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.open: list[dict] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = {"tag": tag, **{k: v or "" for k, v in attrs}, "text": ""}
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            element = self.open.pop()
            element["end"] = len(self.elements)
            if element["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element["text"] += data

    def find(self, **attrs: str) -> list[dict]:
        return [e for e in self.elements if all(e.get(k) == v for k, v in attrs.items())]

    def with_class(self, name: str) -> list[dict]:
        return [e for e in self.elements if name in e.get("class", "").split()]

    def inside(self, element: dict) -> list[dict]:
        """The elements inside ``element``, in document order."""
        start = next(i for i, e in enumerate(self.elements) if e is element)
        return self.elements[start + 1 : element.get("end", start + 1)]


@pytest.fixture(scope="module")
def page() -> Page:
    return Page(render_html(DOC, **META))


REASONS = [
    # flags, annotations, (highlight classes, title lines)
    ((), {}, ([], [])),
    (("mismatch:number",), {}, (["mismatch"], ["mismatch: number: not found in the English"])),
    (
        ("mismatch:number", "mismatch:name"),
        {"consistency": {"expected": LOST}},
        (
            ["mismatch"],
            [
                "mismatch: number '10 milliards' (10000000000): not found in the English",
                "mismatch: name 'Pentagone' (Pentagon): not found in the English",
            ],
        ),
    ),
    (  # a flagged kind no item explains is named alone
        ("mismatch:date", "mismatch:name"),
        {"consistency": {"expected": [{"kind": "name", "source": "Esper", "value": "Esper"}]}},
        (
            ["mismatch"],
            ["mismatch: name 'Esper': not found in the English", "mismatch: date: not found in the English"],
        ),
    ),
    (  # severities and reasons: each item under its own severity, with its own reason
        ("low_confidence", "mismatch:name", "check:name"),
        {"consistency": {"expected": SEVERE}},
        (
            ["low_confidence", "mismatch", "check"],
            [
                "low confidence",
                "mismatch: name 'Keith Alexander': no form of 'Keith Alexander' in the English; 'Keith' alone is there",
                "check: name 'NSA': 'NSA' is there only spelled out",
            ],
        ),
    ),
    (("check:number",), {}, (["check"], ["check: number: may be missing from the English"])),
    (
        ("check:date",),
        {"consistency": {"expected": [{"kind": "date", "source": "lundi", "value": "Monday", "severity": "check"}]}},
        (["check"], ["check: date 'lundi' (Monday): may be missing from the English"]),
    ),
    (  # an unknown severity, or a reason that isn't text, reads as before severities
        ("mismatch:name",),
        {"consistency": {"expected": [{"kind": "name", "source": "X", "severity": "fatal", "reason": 3}]}},
        (["mismatch"], ["mismatch: name 'X': not found in the English"]),
    ),
    (("low_confidence",), {}, (["low_confidence"], ["low confidence"])),
    (
        ("low_confidence",),
        {"confidence": {"logprob": -1.5, "n": 3}},
        (["low_confidence"], ["low confidence (log-probability -1.50)"]),
    ),
    (("low_confidence",), {"confidence": {"logprob": "?"}}, (["low_confidence"], ["low confidence"])),
    (
        ("split:3", "retried", "degenerate:too_long"),
        {},
        (
            ["degenerate"],
            [
                "translated in 3 pieces (longer than the model's input window)",
                "retried with safer settings",
                "degenerate translation: too long",
            ],
        ),
    ),
    (("verbatim",), {}, ([], ["copied as it is (code), not translated"])),
    (("markup:moved",), {}, ([], ["inline markup moved to the end of the sentence"])),
    (("someday:new",), {}, ([], ["someday:new"])),  # a flag this view doesn't know yet: shown as it is
]


@pytest.mark.parametrize(("flags", "annotations", "expected"), REASONS)
def test_segment_reasons(flags: tuple[str, ...], annotations: dict, expected: tuple[list[str], list[str]]) -> None:
    assert segment_reasons(Segment(0, 0, "fr", "en", flags=flags, annotations=annotations)) == expected


def test_highlighted_segments_and_their_reasons(page: Page) -> None:
    got = [(e["tag"], e.get("id"), e["class"], e.get("title"), e.get("data-flags")) for e in page.with_class("hl")]
    assert got == [
        ("span", "sum-1", "sentence hl unsupported", "matches no sentence of the translation", None),
        ("mark", None, "hl unsupported", "name 'Google': not in the translation", None),
        ("mark", None, "hl unsupported", "number '12 billion': not in the translation", None),
        (
            "span",
            "en-1",
            "seg hl mismatch",
            "segment 1\nmismatch: number '10 milliards' (10000000000): not found in the English\n"
            "mismatch: name 'Pentagone' (Pentagon): not found in the English",
            "mismatch:number mismatch:name",
        ),
        (
            "span",
            "en-2",
            "seg hl low_confidence",
            "segment 2\nlow confidence (log-probability -2.35)",
            "low_confidence",
        ),
        (
            "span",
            "en-3",
            "seg hl degenerate",
            "segment 3\ntranslated in 2 pieces (longer than the model's input window)\nretried with safer settings\n"
            "degenerate translation: repetition",
            "split:2 retried degenerate:repetition",
        ),
        (
            "span",
            "en-7",
            "seg hl mismatch",
            "segment 7\nmismatch: name 'Microsoft': not found in the English",
            "mismatch:name",
        ),
    ]
    notes = [(e["id"], e["title"]) for e in page.with_class("note") if e["tag"] == "span" and e.get("id")]
    assert notes == [("en-4", "segment 4\ncopied as it is (code), not translated")]


def test_french_items_the_english_lost_are_underlined(page: Page) -> None:
    assert [(e["text"], e["title"]) for e in page.find(tag="mark", **{"class": "lost"})] == [
        ("Pentagone", "name 'Pentagone' (Pentagon): not found in the English"),
        ("10 milliards", "number '10 milliards' (10000000000): not found in the English"),
        ("Microsoft", "name 'Microsoft': not found in the English"),
    ]
    assert page.find(id="fr-1")[0]["text"] == "Le Pentagone paie 10 milliards."


def test_summary_sentences_link_to_their_paragraphs(page: Page) -> None:
    sentences = [(e["id"], e["class"], e["text"]) for e in page.with_class("sentence")]
    assert sentences == [
        ("sum-0", "sentence", "The Department pays a lot to Amazon."),
        ("sum-1", "sentence hl unsupported", "Google paid $12 billion."),
        ("sum-2", "sentence", "The table lists Company."),
    ]
    refs = [(a["href"], a["title"], a["text"]) for a in page.find(tag="a") if a["text"].startswith("¶")]
    assert refs == [
        ("#p-1", "segment 1 (score 0.61), segment 2 (score 0.20)", "¶1"),
        ("#p-8", "segment 9 (score 0.12)", "¶8"),
        ("#p-4", "segment 5 (score 0.50)", "¶4"),
    ]
    targets = {e["id"] for e in page.elements if e.get("id", "").startswith("p-")}
    assert {"p-1", "p-8", "p-4"} <= targets  # every link lands on a paragraph (a table cell for p-4)
    assert page.find(id="summary")[0]["text"].endswith(
        "Summarized in 2 chunks. ¶ links: the paragraphs each sentence rests on, best first (tfidf-cosine)."
    )


def test_summary_without_support_is_plain_sentences() -> None:
    doc = Document(
        "d",
        "t",
        paragraphs=(Paragraph(0, "text"),),
        segments=(Segment(0, 0, "Un.", "One."),),
        summary="It rains. Dr. Smith stays home.",
    )
    page = Page(render_html(doc))
    assert [(e["id"], e["class"], e["text"]) for e in page.with_class("sentence")] == [
        ("sum-0", "sentence", "It rains."),
        ("sum-1", "sentence", "Dr. Smith stays home."),
    ]
    assert page.find(tag="sup") == [] and page.with_class("hl") == []
    assert page.find(id="summary")[0]["text"] == "It rains. Dr. Smith stays home."


PARTIAL_SUPPORT = [
    # annotations["support"] as a stage still being written might leave it -> the sentence's class, its links
    ({"method": "x"}, "sentence", []),  # no sentences: the summary is shown as plain sentences
    ({"sentences": [{"text": "One."}]}, "sentence hl unsupported", []),
    ({"sentences": [{"text": "One.", "support": [99, "x", 0]}]}, "sentence", [("#p-0", "segment 0")]),
    ({"sentences": [{"text": "One.", "support": [0], "scores": ["?"]}]}, "sentence", [("#p-0", "segment 0")]),
    (
        {"sentences": [{"text": "One.", "support": [0], "unsupported": [{"kind": "name"}, "x"]}]},
        "sentence",
        [("#p-0", "segment 0")],
    ),
]


@pytest.mark.parametrize(("support", "cls", "links"), PARTIAL_SUPPORT)
def test_partial_support_annotations(support: dict, cls: str, links: list[tuple[str, str]]) -> None:
    segment = Segment(0, 0, "Un.", "One.", flags=("mismatch:date",), annotations={"consistency": {"expected": "?"}})
    doc = Document("d", "t", paragraphs=(Paragraph(0, "text"),), segments=(segment,), summary="One.")
    page = Page(render_html(doc.annotate("support", support)))
    assert [(e["id"], e["class"], e["text"]) for e in page.with_class("sentence")] == [("sum-0", cls, "One.")]
    assert [(a["href"], a["title"]) for a in page.find(tag="a")] == links
    assert page.find(id="en-0")[0]["title"] == "segment 0\nmismatch: date: not found in the English"


LAYOUT = [
    # row id, classes, French column's HTML tags, English column's text (each sentence led by its number)
    ("p-0", "row kind-heading", ["div", "h2", "span", "span"], "§0The JEDI contract"),
    (
        "p-1",
        "row kind-text",
        ["div", "p", "span", "span", "mark", "mark", "span", "span"],
        "§1The Department pays a lot. §2Amazon disputes.",
    ),
    ("p-2", "row kind-list_item", ["div", "p", "span", "span"], "• §3A a a a a."),
    ("p-3", "row kind-code", ["div", "pre", "code", "span", "span"], "§4x = 1"),
    (
        "table-0",
        "row kind-table",
        ["div", "table", "tr", "th", "span", "span", "th", "span", "span"]
        + ["tr", "td", "span", "span", "mark", "td", "span", "span"],
        "§5Company§6Amount§7Macrohard§810%",
    ),
    (
        "p-8",
        "row kind-quote",
        ["div", "blockquote", "em", "span", "span"],
        "§9He said <script>alert(1)</script> & “no”.",
    ),
]


@pytest.mark.parametrize(("row_id", "classes", "french_tags", "english"), LAYOUT)
def test_side_by_side_rows(page: Page, row_id: str, classes: str, french_tags: list[str], english: str) -> None:
    (row,) = page.find(id=row_id)
    assert row["class"] == classes
    start = page.elements.index(row)
    columns = [e for e in page.elements[start:] if e.get("class") in ("fr", "en")][:2]
    assert [(c["lang"], c["class"]) for c in columns] == [("fr", "fr"), ("en", "en")]
    fr_at, en_at = page.elements.index(columns[0]), page.elements.index(columns[1])
    assert [e["tag"] for e in page.elements[fr_at:en_at]] == french_tags
    assert columns[1]["text"] == english


def test_rows_in_article_order_and_table_cells_aligned(page: Page) -> None:
    assert [e["id"] for e in page.with_class("row") if e.get("id")] == ["p-0", "p-1", "p-2", "p-3", "table-0", "p-8"]
    assert [(e["id"], e.get("style")) for e in page.find(tag="td") + page.find(tag="th") if e.get("id")] == [
        ("p-6", None),
        ("p-7", "text-align:right"),
        ("p-4", None),
        ("p-5", "text-align:right"),
    ]


def test_everything_escaped_and_nothing_loaded(page: Page) -> None:
    text = render_html(DOC, **META)
    assert "<script" not in text and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; « non »." in text
    assert [e["tag"] for e in page.elements if e["tag"] in ("script", "img", "link", "iframe", "object")] == []
    assert [e for e in page.elements if "src" in e] == []
    external = [a["href"] for a in page.find(tag="a") if not a["href"].startswith("#")]
    # the article's own links, percent-encoded; not javascript: or data:, not "#", not a relative one
    assert external == ["https://lemonde.fr/a?b=1&c=2", "https://ex.org/%22%3E%3Cscript%3E"]
    assert [li["text"] for li in page.find(tag="li") if li["text"].startswith("¶")] == [
        "¶1 Le Monde: https://lemonde.fr/a?b=1&c=2",
        "¶1 s: https://ex.org/%22%3E%3Cscript%3E",
        "¶1 rel: /a%20b",  # text: it points into the article's own site
    ]
    assert [w["text"] for w in page.find(id="warnings")] == ["".join(DOC.warnings + DROPPED)]
    (csp,) = page.find(tag="meta", **{"http-equiv": "Content-Security-Policy"})
    assert csp["content"] == "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def test_legend_counts_and_provenance(page: Page) -> None:
    assert [e["text"] for e in page.inside(page.find(id="legend")[0]) if e["tag"] == "li"] == [
        "mismatch: a number, date or name of the French is missing from the English (2)",
        "check: weaker evidence that something may be missing: worth a look (0)",
        "low confidence: the translator scored its own output low (1)",
        "degenerate: the translation still looked broken after a retry (1)",
        "unsupported: the summary says it, the translation doesn't (3)",
        "cues combine: a mismatch, in low confidence",
        "10 milliards French the English lost",
        "Keith French the English may have lost (check)",
        "§3 a sentence's number, as the warnings give it; its reasons are written under its paragraph",
        "dotted split, retried or verbatim: hover for what was done",
    ]
    (provenance,) = page.find(id="provenance")
    assert provenance["text"].startswith(
        "signatureprecis:0.1.0|mt:tiny:marian@local-1"
        "modelsstagenamerevisionbackendquantizationdtypedevice"
        "translatetiny:marianlocal-1transformersnonefloat32cpu"
        "versionspython 3.11.7, precis 0.1.0timingstranslate 1.50 sconfigresolved, every default filled in"
    )
    assert json.loads(page.find(tag="pre")[-1]["text"]) == META["config"]
    assert page.find(tag="title")[0]["text"] == "The JEDI contract · precis"
    assert page.find(id="warnings")[0]["text"] == "".join(DOC.warnings + DROPPED)


def test_failed_stage_and_bare_document() -> None:
    failed = Document(
        "d",
        "t",
        paragraphs=(Paragraph(0, "text"),),
        segments=(Segment(0, 0, "Un.", "One."),),
        failure=Failure("summarize", "E410", "the summarizer ran out of memory"),
    )
    page = Page(render_html(failed))
    assert [e["text"] for e in page.find(role="alert")] == [
        "The summarize stage failed (E410): the summarizer ran out of memory"
    ]
    assert page.find(id="summary")[0]["text"] == "No summary: the summarize stage failed."
    assert page.find(id="provenance")[0]["text"] == "signature–"
    bare = Page(render_html(Document("empty", "")))
    assert bare.find(id="title")[0]["text"] == "empty"
    assert bare.find(id="summary")[0]["text"] == "No summary (the pipeline has no summarize stage)."
    assert [e.get("id") for e in bare.with_class("row")] == [None]  # the column heads only


# Severities, as the consistency stage writes them, beside a document written before them:
# a mismatch in low confidence, a quiet check, both in one sentence, and a hostile source.
HOSTILE = "<img src=x onerror=alert(1)>"
SEVERITY_DOC = Document(
    "severities",
    "text",
    paragraphs=(Paragraph(0, "text"), Paragraph(1, "text"), Paragraph(2, "text")),
    segments=(
        Segment(
            0,
            0,
            "Le Pentagone paie 10 milliards.",
            "The Department pays a lot.",
            flags=("mismatch:number", "mismatch:name", "low_confidence"),
            annotations={"consistency": {"expected": LOST}, "confidence": {"logprob": -3.0}},
        ),
        Segment(
            1,
            0,
            "La NSA écoute.",
            "The National Security Agency listens.",
            flags=("check:name",),
            annotations={"consistency": {"expected": SEVERE[1:]}},
        ),
        Segment(2, 1, "Il part.", "He leaves."),
        Segment(
            3,
            1,
            "Keith Alexander dirige la NSA.",
            "Keith heads the National Security Agency.",
            flags=("low_confidence", "mismatch:name", "check:name"),
            annotations={"consistency": {"expected": SEVERE}},
        ),
        Segment(
            4,
            2,
            f"Le site {HOSTILE} & « non ».",
            "The site & “no”.",
            flags=("check:name",),
            annotations={
                "consistency": {
                    "expected": [
                        {
                            "kind": "name",
                            "source": HOSTILE,
                            "value": "<b>x</b>",
                            "severity": "check",
                            "reason": "<script>alert('x')</script> & \"quoted\"",
                        }
                    ]
                }
            },
        ),
    ),
    warnings=(
        "consistency: segment 3: not found in the translation: name 'Keith Alexander'",
        "consistency: segment 9: gone",  # no such segment: no link
        "links: paragraph 1: link 'x' dropped",
        "support: summary sentence 1 matches no sentence of the translation",
    ),
)


@pytest.fixture(scope="module")
def severities() -> Page:
    return Page(render_html(SEVERITY_DOC))


def test_every_flag_of_a_sentence_is_shown_at_once(severities: Page) -> None:
    got = [(e["id"], e["class"], e["data-flags"]) for e in severities.with_class("hl")]
    assert got == [
        ("en-0", "seg hl mismatch low_confidence", "mismatch:number mismatch:name low_confidence"),
        ("en-1", "seg hl check", "check:name"),  # a check is a note of its own, not a mismatch
        ("en-3", "seg hl low_confidence mismatch check", "low_confidence mismatch:name check:name"),
        ("en-4", "seg hl check", "check:name"),
    ]
    legend = [e["text"] for e in severities.inside(severities.find(id="legend")[0]) if e["tag"] == "li"][:4]
    assert legend == [
        "mismatch: a number, date or name of the French is missing from the English (2)",
        "check: weaker evidence that something may be missing: worth a look (3)",
        "low confidence: the translator scored its own output low (2)",
        "degenerate: the translation still looked broken after a retry (0)",
    ]


ROW_NOTES = [
    # row id -> each reason under it: its cue's class, the note's text (mismatches first, then checks, low confidence)
    (
        "p-0",
        [
            ("cue mismatch", "§0 mismatch: number '10 milliards' (10000000000): not found in the English"),
            ("cue mismatch", "§0 mismatch: name 'Pentagone' (Pentagon): not found in the English"),
            ("cue low_confidence", "§0 low confidence (log-probability -3.00)"),
            ("cue check", "§1 check: name 'NSA': 'NSA' is there only spelled out"),
        ],
    ),
    (
        "p-1",
        [
            (
                "cue mismatch",
                "§3 mismatch: name 'Keith Alexander': no form of 'Keith Alexander' in the English; "
                "'Keith' alone is there",
            ),
            ("cue check", "§3 check: name 'NSA': 'NSA' is there only spelled out"),
            ("cue low_confidence", "§3 low confidence"),
        ],
    ),
    ("p-2", [("cue check", f"§4 check: name {HOSTILE!r} (<b>x</b>): <script>alert('x')</script> & \"quoted\"")]),
]


@pytest.mark.parametrize(("row_id", "notes"), ROW_NOTES)
def test_reasons_written_under_their_row(severities: Page, row_id: str, notes: list[tuple[str, str]]) -> None:
    (row,) = severities.find(id=row_id)
    (reasons,) = [e for e in severities.inside(row) if e.get("class") == "reasons"]
    items = [e for e in severities.inside(reasons) if e["tag"] == "li"]
    assert [(severities.inside(li)[0]["class"], li["text"]) for li in items] == notes


def test_french_marks_by_severity(severities: Page) -> None:
    marks = [e for e in severities.inside(severities.with_class("parallel")[0]) if e["tag"] == "mark"]
    assert [(e["class"], e["text"], e["title"]) for e in marks] == [
        ("lost", "Pentagone", "name 'Pentagone' (Pentagon): not found in the English"),
        ("lost", "10 milliards", "number '10 milliards' (10000000000): not found in the English"),
        ("lost check", "NSA", "name 'NSA': 'NSA' is there only spelled out"),
        (
            "lost",
            "Keith Alexander",
            "name 'Keith Alexander': no form of 'Keith Alexander' in the English; 'Keith' alone is there",
        ),
        ("lost check", "NSA", "name 'NSA': 'NSA' is there only spelled out"),
        ("lost check", HOSTILE, f"name {HOSTILE!r} (<b>x</b>): <script>alert('x')</script> & \"quoted\""),
    ]


ROW_NUMBERS = [
    # row id, its paragraph cell, the French sentences' numbers, the English ones' ids and numbers
    ("p-0", "¶0", ["§0", "§1"], [("s-0", "§0"), ("s-1", "§1")]),
    ("p-1", "¶1", ["§2", "§3"], [("s-2", "§2"), ("s-3", "§3")]),
    ("p-2", "¶2", ["§4"], [("s-4", "§4")]),
]


@pytest.mark.parametrize(("row_id", "cell", "french", "english"), ROW_NUMBERS)
def test_rows_number_their_sentences(
    severities: Page, row_id: str, cell: str, french: list[str], english: list[tuple[str, str]]
) -> None:
    (row,) = severities.find(id=row_id)
    inside = severities.inside(row)
    assert [e["text"] for e in inside if e.get("class") == "n"] == [cell]
    (fr,) = [e for e in inside if e.get("class") == "fr"]
    (en,) = [e for e in inside if e.get("class") == "en"]
    assert [e["text"] for e in severities.inside(fr) if e.get("class") == "sn" and "id" not in e] == french
    assert [(e["id"], e["text"]) for e in severities.inside(en) if e.get("class") == "sn"] == english


def test_warnings_link_to_the_sentence_they_name(severities: Page) -> None:
    (warnings,) = severities.find(id="warnings")
    assert [(a["href"], a["text"]) for a in severities.inside(warnings) if a["tag"] == "a"] == [
        ("#s-3", "segment 3"),
        ("#p-1", "paragraph 1"),
    ]
    assert warnings["text"] == "".join(SEVERITY_DOC.warnings)


def test_hostile_source_and_reason_escaped(severities: Page) -> None:
    text = render_html(SEVERITY_DOC)
    assert "<img" not in text and "<script" not in text and "<b>x" not in text
    assert (
        "§4</span> check: name &#x27;&lt;img src=x onerror=alert(1)&gt;&#x27; (&lt;b&gt;x&lt;/b&gt;): "
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;</li>"
    ) in text
    assert [e["tag"] for e in severities.elements if e["tag"] in ("script", "img", "b")] == []


# --- in a real browser -----------------------------------------------------------


def chromium_or_skip() -> str:
    """Debian's chromium, as the eval report's browser test finds it (CI installs it and requires it)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("PRECIS_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (PRECIS_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium not installed (CI installs it)")
    return chromium


@pytest.fixture(scope="module")
def sample_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The sample article through the tiny pipeline with the consistency check: its page and its JSON record."""
    from pipeline.runner import Pipeline

    cfg = config.load(
        Path(__file__).parent.parent / "configs" / "tiny.yaml",
        ["pipeline=[segment, translate, consistency, summarize]"],
    )
    pipeline = Pipeline(cfg)
    (doc,) = pipeline.run([io.read_article(str(Path(__file__).parent.parent / "samples" / "jedi-cloud.fr.md"))])
    path = tmp_path_factory.mktemp("reading") / "jedi.html"
    path.write_text(render_html(doc, **pipeline.meta()), encoding="utf-8")
    return path, json.loads(io.render_json(doc, **pipeline.meta()))


def test_reading_view_in_headless_chromium(sample_page: tuple[Path, dict], tmp_path: Path) -> None:
    """The pages render with no console error and no request, highlighted where the JSON record flags."""
    chromium = chromium_or_skip()
    sync_api = pytest.importorskip("playwright.sync_api")
    built = tmp_path / "built.html"
    built.write_text(render_html(DOC, **META), encoding="utf-8")
    severities = tmp_path / "severities.html"
    severities.write_text(render_html(SEVERITY_DOC, **META), encoding="utf-8")
    pages = [
        (sample_page[0], sample_page[1]),
        (built, json.loads(io.render_json(DOC, **META))),
        (severities, json.loads(io.render_json(SEVERITY_DOC, **META))),
    ]
    errors: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        for path, record in pages:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri())
            assert page.title() == f"{record['title']} · precis"
            flagged = {
                f"en-{s['index']}"
                for s in record["segments"]
                if any(f.split(":")[0] in ("mismatch", "check", "low_confidence", "degenerate") for f in s["flags"])
            }
            assert flagged  # the sample's tiny translation loses names and numbers
            shown = page.eval_on_selector_all(
                ".en .hl",
                """els => els.map(e => { const s = getComputedStyle(e); return [e.id, e.title, e.className,
                    s.backgroundColor, s.boxShadow, s.textDecorationStyle, s.outlineStyle] })""",
            )
            assert {i for i, *_ in shown} == flagged
            assert all(title.startswith(i.replace("en-", "segment ")) for i, title, *_ in shown)
            for _, _, classes, background, shadow, decoration, outline in shown:  # each flag's own cue, all at once
                cues = {
                    "mismatch": background not in ("rgba(0, 0, 0, 0)", "transparent"),
                    "low_confidence": shadow != "none",
                    "check": decoration == "dotted",
                    "degenerate": outline == "dashed",
                }
                assert {c for c, on in cues.items() if on} == set(classes.split()) - {"seg", "hl"}
            # every flagged sentence's number leads a reason written under its row
            cues = page.eval_on_selector_all(".reasons .cue", "els => els.map(e => e.textContent)")
            assert set(cues) == {i.replace("en-", "§") for i in flagged}
            lost = {
                item["source"]
                for s in record["segments"]
                for item in s.get("annotations", {}).get("consistency", {}).get("expected", [])
            }
            assert set(page.eval_on_selector_all(".fr mark.lost", "els => els.map(e => e.textContent)")) == lost
            assert page.locator(".row").count() == 1 + len(record["paragraphs"]) - sum(
                1 for p in record["paragraphs"] if p.get("cell") and (p["cell"]["row"] or p["cell"]["column"])
            )
            assert page.locator("#legend").is_visible() and page.locator("#provenance").is_visible()
            assert page.locator("#provenance .signature").inner_text().replace("\n", "") == record["signature"]
            if path == built:  # a summary sentence's link shows its paragraph
                page.locator("#sum-0 + .refs a").first.click()
                assert page.url.endswith("#p-1")
                assert page.eval_on_selector("#p-1", "e => getComputedStyle(e).backgroundColor") == "rgb(230, 240, 255)"
            if path == severities:  # a warning's segment shows its row
                page.locator("#warnings a").first.click()
                assert page.url.endswith("#s-3")
                assert page.eval_on_selector("#p-1", "e => getComputedStyle(e).backgroundColor") == "rgb(230, 240, 255)"
                assert page.eval_on_selector("#p-0", "e => getComputedStyle(e).backgroundColor") != "rgb(230, 240, 255)"
            page.close()
        browser.close()
    assert errors == []
    assert requests == [path.as_uri() for path, _ in pages]
