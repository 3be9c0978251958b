"""The second reader's verdicts: which flagged human lines count as the reference's own change."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from eval import review
from eval.consistency import measure
from eval.parallel import Pair
from pipeline import facts


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "review.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _row(line: int, *items: tuple[str, str]) -> dict:
    verdict = "reference_differs" if any(v == "reference_differs" for _, v in items) else "false_flag"
    return {"set": "s", "line": line, "verdict": verdict, "items": [{"value": n, "verdict": v} for n, v in items]}


ROWS = [
    _row(1, ("Yoshi", "reference_differs")),  # English: Yoko
    _row(2, ("Pays", "false_flag")),  # English: Wonderland
    _row(3, ("Marie", "false_flag"), ("Jean", "reference_differs")),
]


@pytest.mark.parametrize(
    ("line", "missing", "expected"),
    [
        (1, ["Yoshi"], True),
        (2, ["Pays"], False),
        (3, ["Marie", "Jean"], True),
        (3, ["Marie"], False),  # only the item judged a false flag is missing now
        (1, ["Yoshi", "Tokyo"], None),  # an item the reader never saw: unreviewed
        (4, ["Yoshi"], None),  # a line the reader never saw
    ],
)
def test_reference_differs(tmp_path: Path, line: int, missing: list[str], expected: bool | None) -> None:
    verdicts = review.load(_write(tmp_path, ROWS))
    items = [facts.Item("name", v, v, 0, len(v), ()) for v in missing]
    assert review.reference_differs(verdicts, "s", line, items) is expected


def test_a_missing_review_file_is_no_review(tmp_path: Path) -> None:
    assert review.load(tmp_path / "absent.jsonl") == {}


def test_the_report_counts_the_readers_verdicts(tmp_path: Path) -> None:
    pairs = [
        Pair("s", 1, "Un homme approcha de Yoshi.", "A man approached Yoko."),  # flagged; reference differs
        Pair("s", 2, "Alice au Pays des merveilles.", "Alice in Wonderland."),  # flagged; false flag
        Pair("s", 3, "Il vit en Italie.", "He lives in Spain."),  # flagged; never reviewed
        Pair("s", 4, "Il vit en Italie.", "He lives in Italy."),  # not flagged
    ]
    # The reader judged the items the checker reports on lines 1 and 2, under the values it gives them.
    rows = [
        _row(pair.line, *((item.value, verdict) for item in facts.check(pair.french, pair.english).missing))
        for pair, verdict in zip(pairs[:2], ("reference_differs", "false_flag"), strict=True)
    ]
    verdicts = review.load(_write(tmp_path, rows))
    result = measure(pairs, seed=0, verdicts=verdicts)
    assert (result["lines"], result["flagged"]) == (4, 3)
    assert result["reviewed"] == {
        "reviewed": 2,
        "reference_differs": 1,
        "judged_real_rate": 50.0,
        "unreviewed": 1,
        "false_flags": 2,
        "false_flag_rate": 50.0,
    }


class _Checker:
    """A stand-in for facts.check that gives the flags of a table, by English sentence."""

    def __init__(self, flags: dict[str, tuple[str, ...]]) -> None:
        self.flags = flags
        self.asked: list[tuple[str, str]] = []

    def __call__(self, french: str, english: str) -> SimpleNamespace:
        self.asked.append((french, english))
        item = facts.Item("name", "Tom", "Tom", 0, 3, ())
        flags = self.flags.get(english, ())
        return SimpleNamespace(items=(item,), missing=(item,) if flags else (), flags=flags)


def test_the_report_reads_the_flag_prefixes() -> None:
    """mismatch:* flags a line and catches an error; check:* notes are counted apart, and only a new one counts
    among any flags; each pair is checked once."""
    pairs = [
        Pair("s", 1, "Tom vit à Paris.", "Tom lives in Paris."),  # flagged
        Pair("s", 2, "Tom vit à Rome.", "Tom lives in Rome."),  # a note only: clean
        Pair("s", 3, "Tom vit à Oslo.", "Tom lives in Oslo now."),  # clean
    ]
    checker = _Checker(
        {
            "Tom lives in Paris.": ("mismatch:name",),
            "Tom lives in Rome.": ("check:name",),
            "Tom lives in.": ("check:name",),  # Rome dropped: the note the clean line had
            "Tom lives in now.": ("check:date", "mismatch:name"),  # Oslo dropped
        }
    )
    result = measure(pairs, seed=0, check=checker)  # type: ignore[arg-type]
    assert (result["flagged"], result["noted_only"], result["reviewed"]["unreviewed"]) == (1, 1, 1)
    assert result["by_kind"]["name"] == {"lines": 3, "flagged": 1, "rate": 33.33, "noted": 1, "items": 3, "missing": 2}
    assert result["detection"]["name_dropped"] == {
        "injected": 2,
        "caught": 1,
        "rate": 50.0,
        "any_flag": 1,
        "any_flag_rate": 50.0,
        "own_kind": 1,
        "own_kind_rate": 50.0,
        "missed_found_elsewhere": 0,
    }
    assert len(checker.asked) == len(set(checker.asked)) == 5


def test_the_shipped_review_judges_every_item() -> None:
    """393 lines; a line's verdict follows its items'; the counts are those eval/data/README.md gives."""
    rows = [json.loads(line) for line in review.REVIEW.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 393
    verdicts = ("reference_differs", "false_flag")
    counts = {
        name: [sum(r["set"] == name and r["verdict"] == v for r in rows) for v in verdicts]
        for name in ("tatoeba-test", "tico19-test", "newstest2012", "newstest2013")
    }
    assert counts == {
        "tatoeba-test": [10, 71],
        "tico19-test": [1, 61],
        "newstest2012": [55, 94],
        "newstest2013": [41, 60],
    }
    assert {r["verdict"] for r in rows} == {"reference_differs", "false_flag"}
    differs = {(r["set"], r["line"]) for r in rows if r["verdict"] == "reference_differs"}
    assert sorted(line for s, line in differs if s == "tatoeba-test") == [
        151,
        587,
        731,
        2938,
        3548,
        5828,
        10064,
        10267,
        11405,
        12448,
    ]
    assert all(
        r["verdict"]
        == ("reference_differs" if any(i["verdict"] == "reference_differs" for i in r["items"]) else "false_flag")
        for r in rows
    )
