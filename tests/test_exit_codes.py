"""What a user sees when something goes wrong: a coded line and an exit code, never a traceback.

``pipeline.cli.main`` is the console script: these tests call it as the shell does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import EXIT_CRASH, EXIT_FAILED, EXIT_PARTIAL, EXIT_SETUP, main

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "configs" / "tiny.yaml")
SAMPLE = str(ROOT / "samples" / "jedi-cloud.fr.md")
LEAD = ["--set", "summarize={name: lead}"]
ENGLISH = (
    "The Pentagon has awarded the cloud contract to Microsoft after a long battle with Amazon. "
    "The decision, announced on Friday evening, surprised many observers in Washington."
)
# French with English quotes and names: French all the same.
MIXED = (
    "Le Pentagone a attribué le contrat à Microsoft. « We are disappointed », a déclaré un porte-parole "
    "d'Amazon, qui conteste la décision devant la justice américaine depuis plusieurs mois."
)


def precis(capfd: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capfd.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def articles(tmp_path: Path) -> dict[str, str]:
    paths = {}
    for name, text in [("en", ENGLISH), ("mixed", MIXED)]:
        path = tmp_path / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        paths[name] = str(path)
    stray = tmp_path / "stray.md"
    stray.write_bytes(MIXED.encode() + b" \xff")
    paths["stray"] = str(stray)
    return paths


def test_a_bug_exits_70_with_one_line_and_the_traceback_in_a_file(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import pipeline.api

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(pipeline.api, "summarize_files", broken)
    monkeypatch.setenv("PRECIS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("PRECIS_DEBUG", raising=False)
    code, _, err = precis(capfd, "summarize", "-c", TINY, SAMPLE)
    assert code == EXIT_CRASH == 70
    [line] = err.splitlines()
    assert line.startswith("precis: internal error: ValueError: a bug (a bug in precis; traceback: ")
    [saved] = (tmp_path / "cache" / "crash").glob("precis-crash-*.txt")
    assert str(saved) in line and "ValueError: a bug" in saved.read_text()
    # Private: only this user reads the traceback (it may quote an article).
    assert (saved.stat().st_mode & 0o777, saved.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    monkeypatch.setenv("PRECIS_DEBUG", "1")
    code = main(["summarize", "-c", TINY, SAMPLE])
    assert code == 70 and "Traceback" in capfd.readouterr().err


def test_a_planted_symlink_never_receives_the_traceback(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tempfile

    import pipeline.api

    monkeypatch.setattr(pipeline.api, "summarize_files", lambda *a, **k: 1 / 0)
    monkeypatch.setenv("PRECIS_CACHE", "/proc/no-such-folder")  # the cache can't be used: the temp folder is next
    monkeypatch.delenv("PRECIS_DEBUG", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / f"precis-{os.getuid()}").symlink_to(tmp_path)  # another user's trap in a shared /tmp
    code, _, err = precis(capfd, "summarize", "-c", TINY, SAMPLE)
    assert code == EXIT_CRASH
    assert err.endswith("(a bug in precis; traceback: not saved: set PRECIS_DEBUG=1 to see it)\n")
    assert victim.read_text() == "keep me" and not list(tmp_path.glob("precis-crash-*"))


def test_output_errors_are_coded_and_come_before_the_work(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    for args in (["summarize", "-c", TINY, "--out", str(afile), SAMPLE], ["models", "tiny", "--out", str(afile)]):
        code, _, err = precis(capfd, *args)
        assert (code, err) == (
            EXIT_SETUP,
            f"precis: error: [E700] --out {afile}: is a file, not a folder; give a folder (it is created if missing)\n",
        )
    code, _, err = precis(capfd, "summarize", "-c", TINY, "--out", str(afile / "sub"), SAMPLE)
    assert code == EXIT_SETUP and f"[E700] --out {afile / 'sub'}: can't write there: " in err
    assert "models ready" not in err  # no model was loaded


def test_a_closed_or_full_stdout_is_a_coded_error() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "summarize", "-c", TINY, *LEAD, SAMPLE],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
    assert done.returncode == EXIT_SETUP
    assert (
        done.stderr.splitlines()[-1]
        == "precis: error: [E700] can't write to standard output: no space left on the device"
    )


def test_outputs_follow_the_umask(capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = precis(capfd, "summarize", "-c", TINY, *LEAD, "--out", str(tmp_path / "o"), SAMPLE)
    assert code == 0
    [written] = (tmp_path / "o").iterdir()
    from pipeline.files import file_mode

    assert written.stat().st_mode & 0o777 == file_mode() == 0o666 & ~_umask()
    assert not list((tmp_path / "o").glob(".*"))  # no temporary file left


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_language_check_refuses_warns_or_is_off(capfd: pytest.CaptureFixture[str], articles: dict[str, str]) -> None:
    code, out, err = precis(capfd, "summarize", "-c", TINY, *LEAD, articles["en"], articles["mixed"])
    assert code == EXIT_FAILED  # the French article is done, the English one refused
    assert f"[E210] {articles['en']}: the text looks like 'en' (probability 1.00), not 'fr'" in err
    assert out.count("## Translation") == 1
    code, out, err = precis(
        capfd, "summarize", "-c", TINY, *LEAD, "--set", "segment.language_check=warn", articles["en"]
    )
    assert code == 0 and "warning: en: segment: the text looks like 'en'" in err and "## Translation" in out
    code, out, err = precis(
        capfd, "summarize", "-c", TINY, *LEAD, "--set", "segment.language_check=off", articles["en"]
    )
    assert code == 0 and "looks like" not in err


def test_stray_bytes_are_replaced_and_the_encoding_recorded(
    capfd: pytest.CaptureFixture[str], articles: dict[str, str]
) -> None:
    code, out, err = precis(capfd, "summarize", "-c", TINY, *LEAD, "-f", "json", articles["stray"])
    assert code == 0
    record = json.loads(out)
    assert record["encoding"] == "utf-8"
    assert record["segments"][0]["source"] == "Le Pentagone a attribué le contrat à Microsoft."
    offset = len(MIXED.encode()) + 1
    warning = (
        f"input: 1 byte(s) of {articles['stray']} are not valid UTF-8 (offsets {offset}); each was replaced with U+FFFD"
    )
    assert record["warnings"][0] == warning and warning in err


def test_a_failed_summary_keeps_the_translation_and_exits_partial(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, articles: dict[str, str]
) -> None:
    from pipeline.summarize import Lead

    def broken(self, doc):
        if "We are disappointed" in doc.text:
            raise RuntimeError("input of 129 tokens exceeds the window of 128")
        return doc

    monkeypatch.setattr(Lead, "process", broken)
    code, out, err = precis(capfd, "summarize", "-c", TINY, *LEAD, "-f", "json", articles["mixed"], SAMPLE)
    assert code == EXIT_PARTIAL == 3
    mixed, sample = json.loads(out)
    message = "stage 'summarize' (Lead) failed: RuntimeError: input of 129 tokens exceeds the window of 128"
    assert mixed["failure"] == {"stage": "summarize", "code": "E410", "message": message}
    assert mixed["summary"] is None and all(s["translation"] for s in mixed["segments"])
    assert mixed["warnings"][-1] == f"summarize: failed, so the stages after it did not run: [E410] {message}"
    assert set(mixed["timings"]) == {"segment", "translate", "consistency"}  # support did not run
    assert "failure" not in sample
    assert list(sample["timings"]) == ["segment", "translate", "consistency", "summarize", "support"]
    assert f"warning: mixed: summarize: failed, so the stages after it did not run: [E410] {message}" in err
