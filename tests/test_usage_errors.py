"""Every user mistake on the command line or in a config is a coded exit 2, never 70.

The console script is run as a shell runs it (``python -m pipeline.cli`` in a subprocess,
through ``main()``), so what the parser raises reaches the same code a user's shell does:
tests that call the typer app through ``CliRunner`` miss exceptions that escape ``main``
(typer 0.29 carries its own copy of click, whose errors are not click's).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "configs" / "tiny.yaml")
SAMPLE = str(ROOT / "samples" / "jedi-cloud.fr.md")
LEAD = ["--set", "summarize={name: lead}"]

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
CONFIGS = {
    "date.yaml": "runtime:\n  threads: 2020-01-01\n",
    "alias.yaml": "translate: &x\n  guard: *x\n",
    "laughs.yaml": LAUGHS,
    "beams.yaml": "translate:\n  num_beams: 100000000000000000000000000000000000\n",
}


def shell(
    args: list[str], *, cwd: Path, env: dict[str, str] | None = None, close_stdout: bool = False
) -> subprocess.CompletedProcess[str]:
    """``precis ARGS`` as a shell runs it; stdout closed (``>&-``) when asked."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        capture_output=not close_stdout,
        stderr=subprocess.PIPE if close_stdout else None,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=cwd,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        preexec_fn=(lambda: os.close(1)) if close_stdout else None,
        timeout=300,
    )


# (arguments, exit code, what stderr says): {tmp} is a fresh folder, {afile} a file in it.
ROWS = [
    # Typos and bad values: the parser's words, coded E010, with where to look.
    (["--fromat"], 2, "precis: error: [E010] No such option: --fromat; see 'precis --help'"),
    (["summarize", "--confg", TINY, SAMPLE], 2, "[E010] No such option: --confg"),
    (["sumarize", SAMPLE], 2, "[E010] No such command 'sumarize'. Did you mean 'summarize'?"),
    (["summarize", "--format", "pdf", SAMPLE], 2, "[E010] Invalid value for '--format' / '-f': 'pdf' is not one of"),
    (["summarize", SAMPLE, "--out"], 2, "[E010] Option '--out' requires an argument"),
    (["summarize"], 2, "[E010] Missing argument"),
    (["batch", SAMPLE, "--out", "{tmp}/o", "--engine", "bogus"], 2, "[E100] --engine 'bogus': valid engines: local"),
    (["batch", SAMPLE, "--out", "{tmp}/o", "--group-size", "0"], 2, "[E100] --group-size 0: valid values: a whole"),
    (["batch", SAMPLE, "--out", "{tmp}/o", "--ray-actors", "0"], 2, "[E100] --ray-actors 0: give a whole number"),
    (["check", SAMPLE, SAMPLE, "--skip", "colours"], 2, "[E100] --skip 'colours': unknown check"),
    # Config values and files.
    (["segment", "-c", "{tmp}/date.yaml", SAMPLE], 2, "[E100] runtime.threads: Input should be a valid integer"),
    (["segment", "-c", "{tmp}/alias.yaml", SAMPLE], 2, "[E100] config file '{tmp}/alias.yaml': an alias refers"),
    (["segment", "-c", "{tmp}/laughs.yaml", SAMPLE], 2, "more than 100000 values once its aliases are expanded"),
    (["segment", "-c", "{tmp}/beams.yaml", SAMPLE], 2, "[E100] translate.num_beams: Input should be less than or"),
    (["segment", "-c", "{tmp}", SAMPLE], 2, "is not a regular file"),
    (["segment", "--set", "translate.max_new_tokens_ratio=.inf", SAMPLE], 2, "Input should be a finite number"),
    (["segment", "--set", "runtime.threads=1000000", SAMPLE], 2, "less than or equal to 1024 (got 1000000)"),
    (["summarize", "--set", "pipeline=[translate]", SAMPLE], 2, "translate (marian) needs segments"),
    (["summarize", "--set", "pipeline=[summarize, segment]", SAMPLE], 2, "summarize (seq2seq) needs translations"),
    # Outputs: refused before the work, the file left as it was.
    (["eval", "--predictions", SAMPLE, "--references", SAMPLE, "--out", "{afile}"], 2, "[E700] --out {afile}: is a"),
    (["summarize", "-c", TINY, *LEAD, "--out", "{afile}", SAMPLE], 2, "[E700] --out {afile}: is a file"),
]


@pytest.mark.parametrize(("args", "code", "message"), ROWS, ids=[" ".join(r[0])[:60] for r in ROWS])
def test_user_mistakes_exit_2_with_a_coded_line(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    for name, text in CONFIGS.items():
        (tmp_path / name).write_text(text)
    afile = tmp_path / "afile"
    afile.write_text("keep me")

    def fill(text: str) -> str:
        return text.replace("{tmp}", str(tmp_path)).replace("{afile}", str(afile))

    start = time.monotonic()
    done = shell([fill(a) for a in args], cwd=ROOT)
    assert time.monotonic() - start < 60  # a billion laughs is refused, not expanded
    assert (done.returncode, "Traceback" in done.stderr) == (code, False), done.stderr
    assert fill(message) in done.stderr
    assert "a bug in precis" not in done.stderr
    assert afile.read_text() == "keep me"


def test_no_command_shows_the_help_and_exits_2() -> None:
    done = shell([], cwd=ROOT)
    assert done.returncode == 2 and "Usage: precis" in done.stdout + done.stderr and "Traceback" not in done.stderr


def test_version_names_the_code() -> None:
    from pipeline.version import code_version

    done = shell(["--version"], cwd=ROOT)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"precis {code_version()}\n", "")


@pytest.mark.parametrize("args", [["segment", SAMPLE], ["--version"]])
def test_a_closed_stdout_is_e700(args: list[str]) -> None:
    done = shell(args, cwd=ROOT, close_stdout=True)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == "precis: error: [E700] can't write to standard output: it is closed"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PRECIS_CACHE": "/proc/precis-cache"}, "[E300] can't use the model cache /proc/precis-cache (PRECIS_CACHE)"),
        ({"PRECIS_CACHE": "", "HOME": "/proc/precis-home"}, "model cache /proc/precis-home/.cache/precis"),
    ],
)
def test_an_unusable_model_cache_is_e300(env: dict[str, str], message: str) -> None:
    done = shell(["summarize", "-c", TINY, *LEAD, SAMPLE], cwd=ROOT, env=env)
    assert (done.returncode, done.stdout) == (2, "")
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_model_cache_others_can_write_to_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / ".cache" / "precis"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    done = shell(["summarize", "-c", TINY, *LEAD, SAMPLE], cwd=ROOT, env={"PRECIS_CACHE": "", "HOME": str(tmp_path)})
    assert done.returncode == 2
    assert f"{shared}: others can write to it (mode 777); run chmod go-w {shared}" in done.stderr
    assert list(shared.iterdir()) == []  # nothing was built where another user could have planted it
