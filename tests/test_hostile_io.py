"""Hostile input and output paths through ``precis summarize``, run as a shell runs it.

One table: each row makes its files, runs the command in a subprocess, and checks the
exit code, a line of stderr (an error's code and message, or a warning), what stdout and
the outputs must and must not hold, and that every file the row made (the inputs) has
the same bytes afterwards. No row may print a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "configs" / "tiny.yaml")
# Reading and writing are what these rows test: the segmenter alone loads no model.
SEGMENT_ONLY = ["--set", "pipeline=[segment]"]
LEAD = ["--set", "summarize={name: lead}"]  # the translation and its markup, without a summarizer model
LIMIT = 1_000_000  # io.MAX_ARTICLE_BYTES, written out: the messages name it

FRENCH = "# Le contrat\n\nLe Pentagone a choisi Microsoft. Amazon conteste la décision.\n"
PAGE = "<html><body><h1>Le contrat</h1><p>Le Pentagone a choisi Microsoft.</p></body></html>"
LINKS = (
    '# Les liens\n\nLe [lien](https://ex.org/a"<script>alert(1)</script>/b), le [js](JaVaScRiPt:alert(1)), '
    "le [d](data:text/html;base64,PHNjcmlwdD4=) et le [v](vbscript:x).\n"
)
SAFE_LINK = "https://ex.org/a%22%3Cscript%3Ealert%281%29%3C/script%3E/b"
LINKED_PAGE = (
    '<html><body><h1>Le contrat</h1><p>Selon <a href="https://ex.org/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">'
    'le journal</a> et <a href="java&#9;script:alert(1)">ici</a>, le Pentagone a choisi Microsoft.</p></body></html>'
)
# What no output may hold once those links are written.
ACTIVE = ("<script", "javascript:", "vbscript:", "data:text")
DROPPED = "links: paragraph 1: link 'js' dropped: its target has a scheme 'javascript'"


def file(name: str, data: bytes | str) -> Callable[[Path], None]:
    def make(tmp: Path) -> None:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)

    return make


def linked(make_link: Callable[[Path, Path], None], name: str, to: str) -> Callable[[Path], None]:
    def make(tmp: Path) -> None:
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        make_link(tmp / to, tmp / name)

    return make


def fifo(name: str) -> Callable[[Path], None]:
    return lambda tmp: os.mkfifo(tmp / name)


def sparse(name: str, size: int) -> Callable[[Path], None]:
    def make(tmp: Path) -> None:
        with open(tmp / name, "wb") as f:
            f.truncate(size)

    return make


@dataclass(frozen=True)
class Row:
    """One hostile case. In ``args``, ``stderr``, ``writer`` and ``stdin``, ``{tmp}`` is the row's folder.

    Attributes:
        setup: what makes the row's files (all of them are inputs: their bytes must not change).
        args: the arguments after ``precis summarize -c configs/tiny.yaml``.
        code: the exit code.
        stderr: a line stderr must hold: the error with its code, a warning, or what was written.
        present: what stdout must hold.
        absent: what neither stdout nor any output file may hold (compared case-insensitively).
        writer: a shell command run in the background before precis (what feeds a FIFO).
        stdin: "" (empty), "closed" (``<&-``), or a path to read standard input from.
    """

    id: str
    setup: tuple[Callable[[Path], None], ...]
    args: tuple[str, ...]
    code: int
    stderr: str
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    writer: str = ""
    stdin: str = ""


ROWS = [
    # --- outputs never replace an input -----------------------------------------------
    Row(
        "out-is-the-article-folder-md",
        (file("article.md", FRENCH),),
        (*SEGMENT_ONLY, "--out", "{tmp}", "{tmp}/article.md"),
        0,
        "precis: wrote {tmp}/article.en.md",
    ),
    Row(
        "out-is-the-article-folder-html",
        (file("page.html", PAGE),),
        (*SEGMENT_ONLY, "--format", "html", "--out", "{tmp}", "{tmp}/page.html"),
        0,
        "precis: wrote {tmp}/page.en.html",
    ),
    Row(
        "out-is-the-article-folder-json",
        (file("a.json", FRENCH),),
        (*SEGMENT_ONLY, "--format", "json", "--out", "{tmp}", "{tmp}/a.json"),
        0,
        "precis: wrote {tmp}/a.en.json",
    ),
    Row(
        "out-is-the-article-folder-txt",
        (file("note.txt", FRENCH),),
        (*SEGMENT_ONLY, "--out", "{tmp}", "{tmp}/note.txt"),
        0,
        "precis: wrote {tmp}/note.en.md",
    ),
    Row(
        "an-input-has-the-name-of-another-ones-output",
        (file("x.md", FRENCH), file("x.en.md", FRENCH)),
        (*SEGMENT_ONLY, "--out", "{tmp}", "{tmp}/x.md", "{tmp}/x.en.md"),
        0,
        "precis: wrote {tmp}/x-2.en.md\nprecis: wrote {tmp}/x.en.en.md",
    ),
    Row(
        "the-output-name-is-a-symlink-to-the-input",
        (file("src/article.md", FRENCH), linked(os.symlink, "out/article.en.md", "src/article.md")),
        (*SEGMENT_ONLY, "--out", "{tmp}/out", "{tmp}/src/article.md"),
        0,
        "precis: wrote {tmp}/out/article-2.en.md",
    ),
    Row(
        "the-output-name-is-a-hard-link-to-the-input",
        (file("src/article.md", FRENCH), linked(os.link, "out/article.en.md", "src/article.md")),
        (*SEGMENT_ONLY, "--out", "{tmp}/out", "{tmp}/src/article.md"),
        0,
        "precis: wrote {tmp}/out/article-2.en.md",
    ),
    Row(
        "the-out-folder-is-a-symlink-to-the-inputs-folder",
        (file("src/x.md", FRENCH), file("src/x.en.md", FRENCH), linked(os.symlink, "out", "src")),
        (*SEGMENT_ONLY, "--out", "{tmp}/out", "{tmp}/src/x.md", "{tmp}/src/x.en.md"),
        0,
        "precis: wrote {tmp}/out/x-2.en.md\nprecis: wrote {tmp}/out/x.en.en.md",
    ),
    # --- link targets can't carry HTML or a script --------------------------------------
    Row(
        "links-md-markup-off",
        (file("article.md", LINKS),),
        (*LEAD, "--set", "translate.markup=false", "{tmp}/article.md"),
        0,
        f"precis: warning: article: {DROPPED}",
        present=(f"- lien: <{SAFE_LINK}>",),
        absent=ACTIVE,
    ),
    Row(
        "links-json",
        (file("article.md", LINKS),),
        (*SEGMENT_ONLY, "--format", "json", "{tmp}/article.md"),
        0,
        f"precis: warning: article: {DROPPED}",
        present=(f'"url": "{SAFE_LINK}"',),
        absent=ACTIVE,
    ),
    Row(
        "links-html",
        (file("article.md", LINKS),),
        (*SEGMENT_ONLY, "--format", "html", "--out", "{tmp}/out", "{tmp}/article.md"),
        0,
        f"precis: warning: article: {DROPPED}",
        absent=ACTIVE,
    ),
    Row(
        "links-of-an-html-article",
        (file("page.html", LINKED_PAGE),),
        (*SEGMENT_ONLY, "{tmp}/page.html"),
        0,
        "precis: segment: ",
        present=("- le journal: <https://ex.org/%22%3E%3Cimg%20src=x%20onerror=alert%281%29>",),
        absent=("<img", "javascript:", 'href="java'),
    ),
    Row(
        "links-markup-on-data-image",
        (file("article.md", "# Titre\n\nLe [logo](data:image/png;base64,AAAA) du Pentagone.\n"),),
        (*LEAD, "--format", "json", "{tmp}/article.md"),
        0,
        # The link is dropped where it is restored, its text kept; the sentence's other markup stays.
        "precis: warning: article: links: paragraph 1: link 'logo' dropped: its target has a scheme 'data', "
        "and only http, https, mailto links are written",
        absent=("data:image",),
    ),
    # --- encodings --------------------------------------------------------------------
    Row(
        "utf-16-le-without-bom",
        (file("a.md", FRENCH.encode("utf-16-le")),),
        (*SEGMENT_ONLY, "--format", "json", "{tmp}/a.md"),
        0,
        "precis: warning: a: input: {tmp}/a.md has no byte-order mark; its NUL bytes say UTF-16 LE: read as UTF-16 LE",
        present=('"source": "Amazon conteste la décision."', '"encoding": "utf-16-le"'),
    ),
    Row(
        "utf-16-be-without-bom",
        (file("a.md", FRENCH.encode("utf-16-be")),),
        (*SEGMENT_ONLY, "--format", "json", "{tmp}/a.md"),
        0,
        "precis: warning: a: input: {tmp}/a.md has no byte-order mark; its NUL bytes say UTF-16 BE: read as UTF-16 BE",
        present=('"source": "Amazon conteste la décision."', '"encoding": "utf-16-be"'),
    ),
    Row(
        "utf-16-bom-then-not-utf-16",
        (file("a.md", b"\xff\xfe" + "Bonjour".encode("utf-16-le") + b"x"),),
        (*SEGMENT_ONLY, "{tmp}/a.md"),
        2,
        "precis: error: [E200] {tmp}/a.md: starts with a UTF-16 byte-order mark but is not valid UTF-16",
    ),
    Row(
        "utf-8-with-more-latin-1-bytes",
        (file("a.md", "# Été\n\n".encode() + "Amazon conteste la décision. Théâtre, café.".encode("cp1252")),),
        (*SEGMENT_ONLY, "--format", "json", "{tmp}/a.md"),
        0,
        "precis: warning: a: input: {tmp}/a.md mixes UTF-8 with 4 byte(s) of another encoding "
        "(offsets 29, 40, 41, 50): those were read as Windows-1252 (cp1252), the rest as UTF-8",
        present=('"source": "Été"', '"source": "Amazon conteste la décision."', '"encoding": "utf-8+cp1252"'),
    ),
    Row(
        "latin-1",
        (file("a.md", FRENCH.encode("latin-1")),),
        (*SEGMENT_ONLY, "--format", "json", "{tmp}/a.md"),
        0,
        "precis: warning: a: input: {tmp}/a.md is not UTF-8: read as Windows-1252 (cp1252)",
        present=('"source": "Amazon conteste la décision."', '"encoding": "cp1252"'),
    ),
    # --- reading is bounded, whatever the source --------------------------------------
    Row(
        "dev-zero",
        (),
        (*SEGMENT_ONLY, "/dev/zero"),
        2,
        f"precis: error: [E220] /dev/zero: more than {LIMIT} bytes, over the limit of {LIMIT} for one article",
    ),
    Row(
        "a-file-over-the-limit",
        (sparse("big.md", LIMIT + 1),),
        (*SEGMENT_ONLY, "{tmp}/big.md"),
        2,
        f"precis: error: [E220] {{tmp}}/big.md: {LIMIT + 1} bytes, over the limit of {LIMIT} for one article",
    ),
    Row(
        "an-endless-fifo",
        (fifo("feed"),),
        (*SEGMENT_ONLY, "{tmp}/feed"),
        2,
        f"precis: error: [E220] {{tmp}}/feed: more than {LIMIT} bytes, over the limit of {LIMIT} for one article",
        writer="exec yes 'Une phrase.' > {tmp}/feed",
    ),
    Row(
        "a-fifo-with-an-article",
        (fifo("feed"), file("article.md", FRENCH)),
        (*SEGMENT_ONLY, "--format", "json", "{tmp}/feed"),
        0,
        "precis: segment: ",
        present=('"source": "Amazon conteste la décision."',),
        writer="exec cat {tmp}/article.md > {tmp}/feed",
    ),
    Row(
        "endless-stdin",
        (),
        (*SEGMENT_ONLY, "-"),
        2,
        f"precis: error: [E220] <stdin>: more than {LIMIT} bytes, over the limit of {LIMIT} for one article",
        stdin="/dev/zero",
    ),
    Row(
        "closed-stdin",
        (),
        (*SEGMENT_ONLY, "-"),
        2,
        "precis: error: [E200] <stdin>: standard input is closed; give an article file, or pipe an article into -",
        stdin="closed",
    ),
    Row(
        "closed-stdin-and-a-file",
        (file("article.md", FRENCH),),
        (*SEGMENT_ONLY, "-", "{tmp}/article.md"),
        1,
        "precis: error: [E200] <stdin>: standard input is closed",
        present=("## Translation",),
        stdin="closed",
    ),
]


def snapshot(tmp: Path) -> dict[str, bytes | str]:
    """Every entry under ``tmp``: a symlink's target, a file's bytes (FIFOs and folders left out)."""
    found: dict[str, bytes | str] = {}
    for path in sorted(tmp.rglob("*")):
        if path.is_symlink():
            found[str(path)] = os.readlink(path)
        elif path.is_file():
            found[str(path)] = path.read_bytes()
    return found


@pytest.fixture
def background() -> Iterator[list[subprocess.Popen]]:
    """The writers a row starts; each is ended (by its own pid) when the row is done."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_hostile_io(row: Row, tmp_path: Path, tiny_cache: Path, background: list[subprocess.Popen]) -> None:
    for make in row.setup:
        make(tmp_path)
    before = snapshot(tmp_path)

    def at(text: str) -> str:
        return text.replace("{tmp}", str(tmp_path))

    if row.writer:
        background.append(subprocess.Popen(["sh", "-c", at(row.writer)]))
    command = [sys.executable, "-m", "pipeline.cli", "summarize", "-c", TINY]
    command += [at(arg) for arg in row.args]
    env = dict(os.environ, PRECIS_CACHE=str(tiny_cache), HF_HUB_OFFLINE="1")
    if row.stdin == "closed":  # as a shell runs `precis summarize - <&-`
        done = subprocess.run(
            ["sh", "-c", 'exec "$@" <&-', "sh", *command], capture_output=True, cwd=ROOT, env=env, timeout=120
        )
    else:
        with open(at(row.stdin) if row.stdin else os.devnull, "rb") as stdin:
            done = subprocess.run(command, stdin=stdin, capture_output=True, cwd=ROOT, env=env, timeout=120)
    out, err = done.stdout.decode(), done.stderr.decode()
    assert "Traceback" not in err
    assert done.returncode == row.code, err
    assert at(row.stderr) in err
    after = snapshot(tmp_path)
    assert {path: after.get(path) for path in before} == before  # every input as it was
    written = "".join(data.decode() for path, data in after.items() if path not in before and isinstance(data, bytes))
    for text in row.present:
        assert text in out + written
    for text in row.absent:
        assert text.lower() not in (out + written).lower()
