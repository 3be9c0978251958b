"""The segmentation comparison: boundary offsets, gold files valid, precis ahead of pysbd and sentencex."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from eval.segmentation import compare

HERE = Path(compare.__file__).parent

BOUNDARIES = [
    ("Un. Deux. Trois.", ["Un.", "Deux.", "Trois."], {4, 10}),
    ("Un. Deux. Trois.", ["Un. Deux.", "Trois."], {10}),
    ("Un.Deux.", ["Un.", "Deux."], {3}),
    ("Seul.", ["Seul."], set()),
    ("A.  B.", [" A. ", "B."], {4}),
]


@pytest.mark.parametrize(("text", "sentences", "expected"), BOUNDARIES)
def test_boundaries(text: str, sentences: list[str], expected: set[int]) -> None:
    assert compare.boundaries(text, sentences) == expected


@pytest.mark.parametrize(("tp", "fp", "fn", "p", "r", "f"), [(9, 1, 0, 90.0, 100.0, 94.7), (0, 0, 0, 0.0, 0.0, 0.0)])
def test_prf(tp: int, fp: int, fn: int, p: float, r: float, f: float) -> None:
    scores = compare.prf(tp, fp, fn)
    assert (scores["precision"], scores["recall"], scores["f1"]) == (p, r, f)


@pytest.mark.parametrize("name", ["fr_gold.jsonl", "fr_heldout.jsonl"])
def test_gold_files_are_valid(name: str) -> None:
    result = subprocess.run(
        [sys.executable, str(HERE / "check_gold.py"), str(HERE / name)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("OK")


@pytest.mark.parametrize("name", ["fr_heldout.jsonl", "fr_gold.jsonl"])
def test_precis_beats_pysbd_and_sentencex(name: str) -> None:
    import json

    rows = [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    f1 = {seg: res["scores"]["all"]["f1"] for seg, res in compare.evaluate(rows).items()}
    assert f1["precis"] > f1["pysbd"]
    assert f1["precis"] > f1["sentencex"]
