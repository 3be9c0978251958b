"""The speed benchmark in its quick mode: every variant runs, decodes, and is reported.

What depends on the device (the default backend and its number format, the batch limits,
which variants run) is read from the code under test, so the suite passes on a GPU too.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from eval import bench
from eval.bench.endtoend import BASELINE


def test_agreement() -> None:
    assert bench.agreement([[1, 2, 3], [4, 5]], [[1, 2, 3, 9], [4, 6]]) == {"sentences": 0.5, "tokens": 0.8}


def _has_commit(commit: str) -> bool:
    """Whether this clone holds ``commit`` (a shallow clone may not)."""
    root = Path(__file__).resolve().parent.parent
    found = subprocess.run(["git", "-C", str(root), "cat-file", "-e", f"{commit}^{{commit}}"], check=False)
    return found.returncode == 0


def _device() -> str:
    from models.loading import resolve_device

    return resolve_device("auto")


def _default_translator(device: str) -> Any:
    """precis's default translation model as the quick bench loads it (2 threads)."""
    from models import loading, tiny

    backend, quantization = loading.resolve_backend("auto", "auto", device)
    folder = str(tiny.ensure("marian", bench.sizes(quick=True)["marian"]))
    return loading.load(folder, device=device, backend=backend, quantization=quantization, threads=2)


@pytest.mark.slow
def test_quick_bench(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from models.loading import resolve_backend

    device = _device()
    bench.main(["--quick", "--threads", "2", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    # The default's CTranslate2 row (on CPU, the default itself) is timed against CTranslate2 called directly.
    assert list(report["translate"]) == bench.rows("translate", device)
    assert list(report["summarize"]) == bench.rows("summarize", device)
    if device == "cpu":
        assert bench.rows("translate", device) == [
            "naive-fp32",
            "precis-default",
            "ctranslate2-int8-direct",
            "transformers-fp32",
            "transformers-bf16",
            "transformers-int8",
        ]
        assert bench.rows("summarize", device) == [
            "fp32",
            "precis-default",
            "transformers-fp32",
            "transformers-bf16",
            "transformers-int8",
        ]
    assert report["failed"] == {}
    naive = report["translate"]["naive-fp32"]
    assert naive["speedup"] == 1.0 and naive["agreement_vs_fp32"] == {"sentences": 1.0, "tokens": 1.0}
    for r in report["translate"].values():
        assert r["source_tokens"] == naive["source_tokens"] > 0
        assert r["seconds"] > 0 and r["peak_mb"] > 0
    default = report["translate"]["precis-default"]
    model = _default_translator(device)
    assert (default["backend"], default["dtype"]) == (resolve_backend("auto", "auto", device)[0], model.dtype)
    tokens, sentences = model.batch_limits()
    # exact on CPU; on CUDA the token budget follows free memory, which the run itself moves a little
    assert default["batch_limits"] == pytest.approx({"tokens": tokens, "sentences": sentences}, rel=0.01)
    paired = bench.paired_variant(device)
    direct = report["translate"]["ctranslate2-int8-direct"]
    assert len(report["translate"][paired]["all_seconds"]) == len(direct["all_seconds"]) == 3
    assert report["targets"]["translate_ctranslate2_variant"] == paired
    if "transformers-int8" in report["translate"]:
        assert report["translate"]["transformers-int8"]["dtype"] == "int8-dynamic"
    for name in ("precis-default", "transformers-fp32"):
        assert report["translate"][name]["greedy_batched_equals_single"] == {"equal": 6, "total": 6}
    assert report["flatness"]["chunks"] == {"100": 1, "200": 2, "400": 4}
    markdown = (tmp_path / "bench.md").read_text(encoding="utf-8")
    assert "| naive-fp32 |" in markdown and "## Targets" in markdown
    assert "## End to end: precis batch, default config" in markdown
    assert capsys.readouterr().out == markdown + "\n"
    # The end-to-end row: precis batch today, today with the decoding's confidence, at the baseline
    # commit, and today without marked spans.
    e = report["endtoend"]
    n = report["data"]["articles"]  # 3, or 1 where the OrangeSum sample isn't beside the clone
    # The decoding's confidence changes no output: the same decoding, one pass fewer.
    same = e["agreement_decode_confidence"]
    assert same["summaries_equal"] == same["articles"] == n
    assert same["translations_equal"] == same["sentences"] == (30 if n == 3 else 16)
    assert e["decode_confidence_vs_today"] > 0
    if not _has_commit(BASELINE):  # a shallow clone: the row says why it ran today's code alone
        assert list(e["rows"]) == ["today", "today-decode-confidence"] and BASELINE in e["baseline_skipped"]
        return
    assert e["baseline_skipped"] is None, e["baseline_skipped"]
    assert list(e["rows"]) == ["today", "today-decode-confidence", "baseline", "today-no-markup"]
    assert [(r["articles"], r["failed"]) for r in e["rows"].values()] == [(n, 0)] * 4
    assert set(e["rows"]["today"]["stages_s"]) == {"segment", "translate", "consistency", "summarize", "support"}
    assert set(e["rows"]["baseline"]["stages_s"]) == {"segment", "translate", "summarize"}
    # With marked spans off, today's translations are the baseline's, sentence for sentence.
    same = e["agreement_no_markup"]
    assert same["articles"] == n and same["translations_equal"] == same["sentences"] == (30 if n == 3 else 16)
    assert report["targets"]["endtoend_today_vs_baseline"] == e["speedup"] > 0
    rates = {name: r["articles_per_min"] for name, r in e["rows"].items()}
    assert e["decode_confidence_vs_baseline"] == rates["today-decode-confidence"] / rates["baseline"]
    assert f"against the baseline: **{e['decode_confidence_vs_baseline']:.2f}x**." in markdown
    assert f"| baseline {BASELINE} |" in markdown


SPREADS = [
    # seconds per 1k tokens by article length -> spread, slowest vs the shortest article
    ({"1000": 5.0, "5000": 5.0, "20000": 4.0}, {"spread": 0.25, "worst_vs_shortest": 0.0}),
    ({"1000": 4.0, "5000": 5.0, "20000": 4.5}, {"spread": 0.25, "worst_vs_shortest": 0.25}),
    ({"20000": 2.0, "1000": 2.0}, {"spread": 0.0, "worst_vs_shortest": 0.0}),
]


@pytest.mark.parametrize(("per_1k", "expected"), SPREADS)
def test_spread(per_1k: dict[str, float], expected: dict[str, float]) -> None:
    assert bench.spread(per_1k) == pytest.approx(expected)


@pytest.mark.slow
def test_quick_batch_limit_sweep(capsys: pytest.CaptureFixture[str]) -> None:
    from models.loading import resolve_backend

    device = _device()
    bench.main(["--quick", "--threads", "2", "--sweep-batches", "64x4", "16x2", "--sweep-variants", "precis-default"])
    rows = [line.split(" | ") for line in capsys.readouterr().out.splitlines() if line.startswith("| precis-default")]
    backend = f"{resolve_backend('auto', 'auto', device)[0]} / {_default_translator(device).dtype}"
    if device == "cpu":
        assert backend == "ctranslate2 / int8_float32"
    # the limits the translate stage actually used, one row each
    assert [(r[1], r[2], r[3]) for r in rows] == [(backend, "64", "4"), (backend, "16", "2")]
    assert all(float(r[5].rstrip(" |")) > 0 for r in rows)
