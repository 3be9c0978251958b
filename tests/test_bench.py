"""The speed benchmark in its quick mode: every variant runs, decodes, and is reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import bench


def test_agreement() -> None:
    assert bench.agreement([[1, 2, 3], [4, 5]], [[1, 2, 3, 9], [4, 6]]) == {"sentences": 0.5, "tokens": 0.8}


@pytest.mark.slow
def test_quick_bench(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench.main(["--quick", "--threads", "2", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert list(report["translate"]) == list(bench.TRANSLATE_VARIANTS)
    assert list(report["summarize"]) == list(bench.SUMMARIZE_VARIANTS)
    naive = report["translate"]["naive-fp32"]
    assert naive["speedup"] == 1.0 and naive["agreement_vs_fp32"] == {"sentences": 1.0, "tokens": 1.0}
    for r in report["translate"].values():
        assert r["source_tokens"] == naive["source_tokens"] > 0
        assert r["seconds"] > 0 and r["peak_mb"] > 0
    assert report["translate"]["ctranslate2-int8"]["backend"] == "ctranslate2"
    assert report["translate"]["transformers-int8"]["dtype"] == "int8-dynamic"
    greedy = report["translate"]["precis-default"]["greedy_batched_equals_single"]
    assert greedy == {"equal": 6, "total": 6}
    assert report["flatness"]["chunks"] == {"100": 1, "200": 2, "400": 4}
    markdown = (tmp_path / "bench.md").read_text(encoding="utf-8")
    assert "| naive-fp32 |" in markdown and "## Targets" in markdown
    assert capsys.readouterr().out == markdown + "\n"
