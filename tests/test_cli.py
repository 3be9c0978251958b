"""The precis command through typer's CliRunner: outputs, and bad input with exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.version import code_version

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "configs" / "tiny.yaml")
SAMPLE = str(ROOT / "samples" / "jedi-cloud.fr.md")
runner = CliRunner()


def run(*args: str, input: bytes | str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_summarize_markdown() -> None:
    result = run("summarize", "--config", TINY, SAMPLE)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("# ")
    assert out.count("\n## Summary\n") == 1 and out.count("\n## Translation\n") == 1
    translation = out.split("\n## Translation\n\n", 1)[1].split("\n## Warnings\n", 1)[0]
    # Layout kept: 7 body paragraphs and the level-2 heading, shifted under "## Translation".
    blocks = translation.strip().split("\n\n")
    assert len(blocks) == 8
    assert blocks[4].startswith("### ")
    assert blocks[6].startswith("*") and blocks[6].endswith("*")


def test_summarize_json_keys_and_every_segment_translated() -> None:
    result = run("summarize", "--config", TINY, "--format", "json", SAMPLE)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"summary", "segments", "summary_chunks", "models", "config", "timings", "warnings"}
    pipeline = "pipeline:segment=french,translate=marian,consistency=facts,summarize=seq2seq,support=tfidf"
    assert data["signature"].startswith(f"precis:{code_version()}|{pipeline}|")
    assert f"|mt:tiny:marian@{data['models'][0]['revision']}|" in data["signature"]
    assert len(data["segments"]) == 16
    assert [s["index"] for s in data["segments"]] == list(range(16))
    assert all(s["translation"] for s in data["segments"])
    assert set(data["segments"][0]) >= {"index", "paragraph", "kind", "source", "translation", "flags"}
    # The checks of the default pipeline: random weights lose every name of the title.
    assert data["segments"][0]["flags"] == ["low_confidence", "mismatch:name"]
    assert data["segments"][0]["annotations"]["consistency"]["expected"][0]["source"] == "Cloud du Pentagone"
    assert data["annotations"]["support"]["method"] == "tfidf-cosine"
    assert [m["stage"] for m in data["models"]] == ["translate", "summarize"]
    # the default backend on CPU: CTranslate2 int8
    assert [(m["name"], m["backend"], m["dtype"]) for m in data["models"]] == [
        ("tiny:marian", "ctranslate2", "int8_float32"),
        ("tiny:bart", "ctranslate2", "int8_float32"),
    ]
    assert data["models"][0]["revision"].startswith("local-")
    assert data["config"]["translate"]["num_beams"] == 2
    assert set(data["timings"]) == {"segment", "translate", "consistency", "summarize", "support"}


@pytest.mark.slow
def test_article_ten_times_the_sample_is_chunked(tmp_path: Path) -> None:
    body = Path(SAMPLE).read_text(encoding="utf-8")
    article = tmp_path / "long.md"
    article.write_text("\n\n".join([body] * 10), encoding="utf-8")
    result = run("summarize", "--config", TINY, "--format", "json", "--out", str(tmp_path / "out"), str(article))
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "long.en.json").read_text(encoding="utf-8"))
    assert len(data["segments"]) == 160
    assert all(s["translation"] for s in data["segments"])
    assert data["summary_chunks"] > 1
    assert any("chunks combined by map_reduce" in w for w in data["warnings"])


def test_out_dir_and_several_files(tmp_path: Path) -> None:
    other = tmp_path / "jedi-cloud.fr.md"
    other.write_text("# Titre\n\nUne phrase. Une autre.", encoding="utf-8")
    result = run("summarize", "-c", TINY, "--out", str(tmp_path / "out"), SAMPLE, str(other))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["jedi-cloud.fr-2.en.md", "jedi-cloud.fr.en.md"]


def test_output_beside_its_source_leaves_the_source_alone(tmp_path: Path) -> None:
    article = tmp_path / "article.md"
    article.write_bytes(Path(SAMPLE).read_bytes())
    result = run("summarize", "-c", TINY, "--set", "pipeline=[segment]", "--out", str(tmp_path), str(article))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.en.md", "article.md"]
    assert article.read_bytes() == Path(SAMPLE).read_bytes()


def test_stdin_is_read_up_to_the_limit() -> None:
    result = run("summarize", "-c", TINY, "--set", "pipeline=[segment]", "-", input=b"Un. " * 250_001)
    assert result.exit_code == 2
    assert result.output == (
        "precis: error: [E220] <stdin>: more than 1000000 bytes, over the limit of 1000000 for one article\n"
    )


def test_stdin_and_set_override() -> None:
    result = run(
        "summarize", "-c", TINY, "--set", "summarize={name: lead}", "-f", "json", "-", input="Un. Deux. Trois. Quatre."
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["id"] == "stdin"
    assert data["config"]["summarize"] == {"name": "lead", "k": 3}
    assert data["summary"] == " ".join(s["translation"] for s in data["segments"][:3])


def test_segment_command() -> None:
    result = run("segment", SAMPLE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 16
    assert lines[7] == "Qui veut gagner des milliards ?"


def test_segment_cp1252_and_html(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes("L'été à Noël. « Déjà ? » Œuvre coûte 5 €.".encode("cp1252"))
    result = run("segment", str(latin))
    assert result.stdout.splitlines() == ["L'été à Noël.", "« Déjà ? »", "Œuvre coûte 5 €."]
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Titre</h1><p>Un. Deux.</p><script>x()</script></body></html>")
    assert run("segment", str(page)).stdout.splitlines() == ["Titre", "Un.", "Deux."]


BAD = [
    (["summarize", "missing.md"], 2, "missing.md: no such file"),
    (["summarize", "--config", "nope.yaml", "x.md"], 2, "config file 'nope.yaml' not found"),
    (["summarize", "--set", "translate.beams=2", SAMPLE], 2, "translate.beams: unknown key"),
    (["summarize", "--set", "translate.num_beams=-1", SAMPLE], 2, "translate.num_beams: Input should be greater"),
    (["summarize", "--set", "runtime.device", SAMPLE], 2, "expected KEY=VALUE"),
    (["summarize", "--format", "pdf", SAMPLE], 2, "Invalid value"),
    (
        ["summarize", "-c", TINY, "--set", "translate.model=precis-test/no-such-model", SAMPLE],
        2,
        "model 'precis-test/no-such-model' can't be loaded",
    ),
    (
        ["summarize", "-c", TINY, "--set", "summarize.model=./no/such/dir", SAMPLE],
        2,
        "model directory './no/such/dir' not found",
    ),
]


@pytest.mark.parametrize(("args", "code", "message"), BAD)
def test_bad_usage(args: list[str], code: int, message: str) -> None:
    result = run(*args)
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("  \n\n ")
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    undecodable = tmp_path / "bad.txt"
    undecodable.write_bytes(b"caf\x81")
    for path, message in [(empty, "the article is empty"), (binary, "binary file"), (undecodable, "not valid UTF-8")]:
        result = run("summarize", "-c", TINY, str(path))
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    # One bad file among good ones: the good one is processed, exit code 1.
    result = run("summarize", "-c", TINY, "--set", "summarize={name: lead}", str(empty), SAMPLE)
    assert result.exit_code == 1
    assert "## Translation" in result.stdout and "the article is empty" in result.output


def test_models_tiny(tmp_path: Path) -> None:
    result = run("models", "tiny", "--out", str(tmp_path))
    assert result.exit_code == 0
    assert (tmp_path / "marian" / "source.spm").is_file() and (tmp_path / "bart" / "tokenizer.json").is_file()
    # A local folder in Hugging Face format works as a model name.
    override = f"translate.model={tmp_path / 'marian'}"
    result = run("summarize", "-c", TINY, "--set", override, "--set", "summarize={name: lead}", "-f", "json", SAMPLE)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["models"][0]["name"] == str(tmp_path / "marian")


def test_pipeline_without_summarize() -> None:
    result = run("summarize", "--config", TINY, "--set", "pipeline=[segment, translate]", "--format", "json", SAMPLE)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["summary"] is None and set(data["timings"]) == {"segment", "translate"}
    assert all(s["translation"] for s in data["segments"])
