"""Markdown tables keep their cells: each cell is a paragraph of its own, and the writer rebuilds the table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.document import Cell
from pipeline.io import render_translation, to_record
from pipeline.markdown import Block, parse_blocks
from pipeline.segment import FrenchSegmenter, FrenchSegmenterConfig

TABLE = """Le Pentagone a comparé deux offres.

| Entreprise | Montant \\| total | Note |
|:---|---:|:-:|
| Microsoft | 10 milliards. Sur dix ans. | **Retenue** |
| Amazon | | Rejetée |

Le contrat a été signé."""


def test_a_table_gives_one_block_per_cell_empty_ones_too() -> None:
    assert parse_blocks(TABLE) == [
        Block("text", "Le Pentagone a comparé deux offres."),
        Block("table_cell", "Entreprise", cell=Cell(0, 0, 0, "left")),
        Block("table_cell", "Montant | total", cell=Cell(0, 0, 1, "right")),
        Block("table_cell", "Note", cell=Cell(0, 0, 2, "center")),
        Block("table_cell", "Microsoft", cell=Cell(0, 1, 0, "left")),
        Block("table_cell", "10 milliards. Sur dix ans.", cell=Cell(0, 1, 1, "right")),
        Block("table_cell", "**Retenue**", cell=Cell(0, 1, 2, "center")),
        Block("table_cell", "Amazon", cell=Cell(0, 2, 0, "left")),
        Block("table_cell", "", cell=Cell(0, 2, 1, "right")),
        Block("table_cell", "Rejetée", cell=Cell(0, 2, 2, "center")),
        Block("text", "Le contrat a été signé."),
    ]


def segmented(text: str):
    doc = FrenchSegmenter(FrenchSegmenterConfig(language_check="off"))(_doc(text))
    # A stand-in translator: upper case, so what comes back where is visible.
    return replace(doc, segments=tuple(replace(s, translation=s.source.upper()) for s in doc.segments))


def _doc(text: str):
    from pipeline.document import Document

    return Document("t", text)


def test_each_cell_is_translated_and_the_table_rebuilt() -> None:
    doc = segmented(TABLE)
    assert [s.source for s in doc.segments if doc.paragraphs[s.paragraph].cell is not None] == [
        "Entreprise", "Montant | total", "Note", "Microsoft", "10 milliards.", "Sur dix ans.", "Retenue", "Amazon",
        "Rejetée",
    ]  # fmt: skip
    assert render_translation(doc) == (
        "LE PENTAGONE A COMPARÉ DEUX OFFRES.\n\n"
        "| ENTREPRISE | MONTANT \\| TOTAL | NOTE |\n"
        "| :--- | ---: | :---: |\n"
        "| MICROSOFT | 10 MILLIARDS. SUR DIX ANS. | **RETENUE** |\n"
        "| AMAZON |  | REJETÉE |\n\n"
        "LE CONTRAT A ÉTÉ SIGNÉ."
    )
    # The rebuilt table parses back into the same cells.
    assert [b.cell for b in parse_blocks(render_translation(doc)) if b.cell] == [
        b.cell for b in parse_blocks(TABLE) if b.cell
    ]


@pytest.mark.parametrize(
    ("text", "tables"),
    [
        ("| a |\n|---|\n| b |\n\n| c | d |\n|---|---|", [(0, 1, 2), (1, 2, 1)]),  # (table, columns, rows)
        ("Pas une table | ici.", []),
        ("| a | b |\n| c | d |", []),  # no delimiter row: a paragraph
    ],
)
def test_tables_found(text: str, tables: list[tuple[int, int, int]]) -> None:
    cells = [b.cell for b in parse_blocks(text) if b.cell is not None]
    found = sorted({c.table for c in cells})
    assert [
        (t, 1 + max(c.column for c in cells if c.table == t), 1 + max(c.row for c in cells if c.table == t))
        for t in found
    ] == tables


def test_json_paragraphs_say_where_a_cell_is() -> None:
    record = to_record(segmented(TABLE), models=[], config={}, versions={}, signature="")
    assert record["paragraphs"][3]["cell"] == {"table": 0, "row": 0, "column": 2, "align": "center"}
    assert "cell" not in record["paragraphs"][0]
