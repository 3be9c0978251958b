"""precis batch against hostile input: what a shell user, a cron line or a bad feed can give it.

Every case runs ``python -m pipeline.cli batch`` in a subprocess, as a shell runs it, and
checks the exit code, the error code on stderr (never a traceback), the counts of the
run's manifest and that the input was left as it was. Lone surrogates and NULs are
per-article failures, FIFOs and sockets are skipped (opening a FIFO would wait forever),
symlinks are followed only where they stay inside the input folder, an --out that
overlaps the input is refused before any work, and numeric options out of range are a
coded exit 2.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.batch import inputs
from pipeline.batch.inputs import BROKEN, HIDDEN, LOOP, NOT_AN_ARTICLE, OUTSIDE, Item, Limits, list_items
from pipeline.batch.keys import article_key, result_name
from pipeline.errors import ConfigError, InputError

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "configs" / "tiny.yaml")

# Short original French news items, confidently French for the language check.
METEO = "Le printemps arrive enfin sur la Bretagne. Les températures dépassent quinze degrés cet après-midi."
BUDGET = "Le conseil municipal a voté le budget mardi soir. La nouvelle piscine ouvrira ses portes en juin."
SECRET = "Le mot de passe du serveur est dans ce fichier. Il ne doit jamais quitter ce dossier privé."


def batch(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """``precis batch ARGS`` as a shell runs it (stderr is not a terminal: JSON events)."""
    cmd = [sys.executable, "-m", "pipeline.cli", "batch", "-c", TINY, *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry below ``root``, links not followed: a file's bytes, a link's target, a special file's type."""
    seen: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs + files):
            path = Path(folder, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                seen[str(path.relative_to(root))] = ("link", os.readlink(path))
            elif stat.S_ISREG(mode):
                seen[str(path.relative_to(root))] = ("file", path.read_bytes())
            else:
                seen[str(path.relative_to(root))] = (stat.S_IFMT(mode),)
    return seen


def manifest(out: Path) -> dict:
    [path] = sorted((out / "runs").glob("*/manifest.json"))[-1:]
    return json.loads(path.read_text(encoding="utf-8"))


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- input set-ups: each builds tmp/in (and what lies beside it) and returns the INPUT argument ----------------


def folder(tmp: Path, articles: dict[str, str] | None = None) -> Path:
    root = tmp / "in"
    root.mkdir()
    for name, text in (articles or {"meteo.txt": METEO}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def day(tmp: Path, *rows: dict) -> Path:
    """A JSONL input; json.dumps writes a lone surrogate as its \\u escape, as a feed would."""
    (tmp / "in").mkdir()
    path = tmp / "in" / "day.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def surrogate_in_text(tmp: Path) -> Path:
    return day(tmp, {"id": "a1", "text": METEO}, {"id": "a2", "text": BUDGET + " \udfff"})


def surrogate_in_id(tmp: Path) -> Path:
    return day(tmp, {"id": "a\udfff", "text": BUDGET}, {"id": "a2", "text": METEO})


def surrogate_in_metadata(tmp: Path) -> Path:
    return day(tmp, {"id": "a1", "text": METEO}, {"id": "a2", "text": BUDGET, "metadata": {"\udfff": 1}})


def nul_in_a_listed_path(tmp: Path) -> Path:
    folder(tmp, {"meteo.txt": METEO, "budget.txt": BUDGET})
    listing = tmp / "in" / "list.txt"
    listing.write_bytes(b"meteo.txt\nbud\x00get.txt\nbudget.txt\n")
    return listing


def fifo_in_a_list(tmp: Path) -> Path:
    root = folder(tmp)
    os.mkfifo(root / "pipe.md")
    (root / "list.txt").write_text("meteo.txt\npipe.md\n", encoding="utf-8")
    return root / "list.txt"


def special_files(tmp: Path) -> Path:
    root = folder(tmp)
    os.mkfifo(root / "pipe.md")  # a FIFO: opening it would wait for a writer forever
    os.mknod(root / "socket.txt", stat.S_IFSOCK | 0o600)
    (root / ".draft.md").write_text(BUDGET, encoding="utf-8")
    (root / "notes.pdf").write_bytes(b"%PDF")
    return root


def not_utf8_file_name(tmp: Path) -> Path:
    root = folder(tmp)
    with open(os.path.join(os.fsencode(root), b"caf\xe9.txt"), "w", encoding="utf-8") as f:  # latin-1 "café"
        f.write(BUDGET)
    return root


def symlinked_files(tmp: Path) -> Path:
    root = folder(tmp)
    (tmp / "elsewhere").mkdir()
    (tmp / "elsewhere" / "secret.txt").write_text(SECRET, encoding="utf-8")
    (root / "inside.md").symlink_to("meteo.txt")
    (root / "outside.md").symlink_to(tmp / "elsewhere" / "secret.txt")
    (root / "broken.md").symlink_to("gone.txt")
    return root


def symlinked_folders(tmp: Path) -> Path:
    root = folder(tmp, {"sub/budget.txt": BUDGET})
    (tmp / "elsewhere").mkdir()
    (tmp / "elsewhere" / "secret.txt").write_text(SECRET, encoding="utf-8")
    (root / "alias").symlink_to("sub")  # inside: followed
    (root / "away").symlink_to(tmp / "elsewhere")  # out of the folder: skipped
    (root / "sub" / "loop").symlink_to("..")  # back to an ancestor: skipped
    return root


def a_device(tmp: Path) -> Path:
    root = folder(tmp)
    (root / "null.md").symlink_to("/dev/null")  # followed (--follow-symlinks): a character device
    return root


SETUPS: dict[str, Callable[[Path], Path]] = {
    f.__name__: f
    for f in (
        surrogate_in_text,
        surrogate_in_id,
        surrogate_in_metadata,
        nul_in_a_listed_path,
        fifo_in_a_list,
        special_files,
        not_utf8_file_name,
        symlinked_files,
        symlinked_folders,
        a_device,
    )
}


def counts(total: int, done: int, failed: int = 0, ignored: int = 0) -> dict[str, int]:
    return {"total": total, "done": done, "skipped": 0, "failed": failed, "ignored": ignored}


RUN_END = '"event": "run_end"'
SPECIAL_FILES = {"FIFO": 1, HIDDEN: 1, NOT_AN_ARTICLE: 1, "socket": 1}  # as special_files makes them
# set-up, extra arguments -> exit code, on stderr, manifest counts, ignored by reason, failures (source's end, code)
RUNS = [
    ("surrogate_in_text", [], 0, RUN_END, counts(2, 2), {}, []),
    ("surrogate_in_id", [], 1, '"code": "E200"', counts(2, 1, failed=1), {}, [("day.jsonl:1", "E200")]),
    ("surrogate_in_metadata", [], 1, '"code": "E200"', counts(2, 1, failed=1), {}, [("day.jsonl:2", "E200")]),
    ("nul_in_a_listed_path", [], 1, '"code": "E200"', counts(3, 2, failed=1), {}, [("bud\\x00get.txt", "E200")]),
    ("fifo_in_a_list", [], 1, '"code": "E200"', counts(2, 1, failed=1), {}, [("pipe.md", "E200")]),
    ("special_files", [], 0, RUN_END, counts(1, 1, ignored=4), SPECIAL_FILES, []),
    ("not_utf8_file_name", [], 0, RUN_END, counts(2, 2), {}, []),
    ("symlinked_files", [], 0, RUN_END, counts(2, 2, ignored=2), {BROKEN: 1, OUTSIDE: 1}, []),
    ("symlinked_files", ["--follow-symlinks"], 0, RUN_END, counts(3, 3, ignored=1), {BROKEN: 1}, []),
    ("symlinked_folders", [], 0, RUN_END, counts(2, 2, ignored=3), {LOOP: 2, OUTSIDE: 1}, []),
    ("symlinked_folders", ["--follow-symlinks"], 0, RUN_END, counts(3, 3, ignored=2), {LOOP: 2}, []),
    ("a_device", ["--follow-symlinks"], 0, RUN_END, counts(1, 1, ignored=1), {"character device": 1}, []),
]


@pytest.mark.parametrize(
    ("setup", "extra", "code", "on_stderr", "expected", "by_reason", "failures"),
    RUNS,
    ids=[f"{r[0]}{'+' + ' '.join(r[1]) if r[1] else ''}" for r in (getattr(r, "values", r) for r in RUNS)],
)
def test_hostile_input_is_counted_or_failed_and_the_run_goes_on(
    tmp_path: Path,
    setup: str,
    extra: list[str],
    code: int,
    on_stderr: str,
    expected: dict[str, int],
    by_reason: dict[str, int],
    failures: list[tuple[str, str]],
) -> None:
    source = SETUPS[setup](tmp_path)
    before = snapshot(tmp_path / "in")
    out = tmp_path / "out"
    done = batch("-o", str(out), *extra, str(source), timeout=120)  # a FIFO opened would hang until the timeout
    assert done.returncode == code, done.stderr
    assert on_stderr in done.stderr and "Traceback" not in done.stderr
    m = manifest(out)
    assert m["counts"] == expected
    assert m["ignored_by_reason"] == by_reason
    assert len(m["ignored_files"]) == expected["ignored"]
    got = [(f["source"], f["code"]) for f in jsonl(out / "failures.jsonl")]
    assert [(s[-len(end) :], c) for (s, c), (end, _) in zip(got, failures, strict=True)] == failures
    index = jsonl(out / "index.jsonl")  # readable as UTF-8, whatever the input's names
    assert len(index) == expected["done"] and all((out / e["path"]).is_file() for e in index)
    assert snapshot(tmp_path / "in") == before


def test_a_lone_surrogate_in_the_text_is_replaced_with_a_warning(tmp_path: Path) -> None:
    done = batch("-o", str(tmp_path / "out"), str(surrogate_in_text(tmp_path)))
    assert done.returncode == 0, done.stderr
    [entry] = [e for e in jsonl(tmp_path / "out" / "index.jsonl") if e["id"] == "a2"]
    record = json.loads((tmp_path / "out" / entry["path"]).read_text(encoding="utf-8"))
    assert record["segments"][-1]["source"] == "La nouvelle piscine ouvrira ses portes en juin. \ufffd"
    assert (
        f"input: 1 lone surrogate(s) in the text of {tmp_path / 'in' / 'day.jsonl'}:2 (character offsets 98) are "
        "not text; each was replaced with U+FFFD"
    ) in record["warnings"]


def test_what_a_folder_holds_besides_articles_is_in_status_and_report(tmp_path: Path) -> None:
    root = special_files(tmp_path)
    (root / "meteo.txt").unlink()  # nothing to process: no model loads
    out = tmp_path / "out"
    assert batch("-o", str(out), str(root)).returncode == 0
    status = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "batch", "status", str(out)], capture_output=True, text=True
    )
    assert status.stdout.splitlines()[-1] == (
        f"ignored     4 input entries not read (FIFO 1, hidden 1, {NOT_AN_ARTICLE} 1, socket 1): "
        "the manifest lists them"
    )
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f"<tr><td>{root / 'pipe.md'}</td><td>FIFO</td><td></td></tr>" in report


# --- refused before any work: exit 2, one coded line, no output folder -------------------------------------------


def out_inside(tmp: Path) -> tuple[Path, Path]:
    return folder(tmp), tmp / "in" / "out"


def out_is_input(tmp: Path) -> tuple[Path, Path]:
    return folder(tmp), tmp / "in"


def out_links_into_input(tmp: Path) -> tuple[Path, Path]:
    root = folder(tmp)
    (root / "results").mkdir()
    (tmp / "out").symlink_to(root / "results")
    return root, tmp / "out"


def input_inside_out(tmp: Path) -> tuple[Path, Path]:
    (tmp / "out").mkdir()
    (tmp / "out" / "day.jsonl").write_text(json.dumps({"id": "a1", "text": METEO}) + "\n", encoding="utf-8")
    return tmp / "out" / "day.jsonl", tmp / "out"


def plain(tmp: Path) -> tuple[Path, Path]:
    return folder(tmp), tmp / "out"


REFUSED = [
    # set-up, extra arguments -> on stderr (one line, exit 2)
    (out_inside, [], "[E100] --out {out} is inside the input folder {input}: every run would read the outputs"),
    (out_is_input, [], "[E100] --out {out} is the input folder: every run would read the outputs of the last one"),
    (out_links_into_input, [], "[E100] --out {out} is inside the input folder {input}"),
    (input_inside_out, [], "[E100] the input {input} is inside --out {out}: precis rewrites and cleans that folder"),
    (plain, ["--engine", "bogus"], "[E100] --engine 'bogus': valid engines: local, ray"),
    (plain, ["--group-size", "0"], "[E100] --group-size 0: valid values: a whole number of 1 or more"),
    (plain, ["--group-size", "-3"], "[E100] --group-size -3: valid values: a whole number of 1 or more"),
    (plain, ["--max-failures", "0"], "[E100] --max-failures 0: valid values: a whole number of 1 or more"),
    (plain, ["--max-bytes", "0"], "[E100] --max-bytes 0: valid values: a whole number of 1 or more"),
    # Ray's rules (RayEngine.check), applied whatever the engine
    (plain, ["--ray-actors", "0"], "[E100] --ray-actors 0: give a whole number of actors, 1 or more"),
    (plain, ["--ray-cpus-per-actor", "-1"], "[E100] --ray-cpus-per-actor -1.0: give a number, 0 or more"),
    (plain, ["--ray-cpus-per-actor", "nan"], "[E100] --ray-cpus-per-actor nan: give a number, 0 or more"),
    (plain, ["--ray-gpus-per-actor", "inf"], "[E100] --ray-gpus-per-actor inf: give a number, 0 or more"),
    (plain, ["--ray-gpus-per-actor", "0.00001"], "[E100] --ray-gpus-per-actor 1e-05: Ray counts resources in steps"),
    (plain, ["--ray-gpus-per-actor", "1.5"], "[E100] --ray-gpus-per-actor 1.5: Ray shares a GPU between actors only"),
    (plain, ["--article-timeout", "0"], "[E100] --article-timeout 0.0: give a number of seconds above 0"),
    (plain, ["--article-timeout", "-5"], "[E100] --article-timeout -5.0: give a number of seconds above 0"),
    (plain, ["--article-timeout", "nan"], "[E100] --article-timeout nan: give a number of seconds above 0"),
    # typer's own usage errors: pipeline.cli makes them a coded line too
    (plain, ["--group-size", "many"], "[E010] Invalid value for '--group-size'"),
    (plain, ["--ray-actors", "1.5"], "[E010] Invalid value for '--ray-actors'"),
]


@pytest.mark.parametrize(
    ("setup", "extra", "message"),
    REFUSED,
    ids=[f"{r[0].__name__}{' ' + ' '.join(r[1]) if r[1] else ''}" for r in REFUSED],
)
def test_refused_before_any_work_with_one_coded_line(
    tmp_path: Path, setup: Callable[[Path], tuple[Path, Path]], extra: list[str], message: str
) -> None:
    source, out = setup(tmp_path)
    existed = out.exists()
    before = snapshot(tmp_path)
    done = batch("-o", str(out), *extra, str(source), timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("precis: error: " + message.format(out=out, input=source))
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert out.exists() == existed and snapshot(tmp_path) == before  # nothing made, nothing written


# --- the pieces, without a run ----------------------------------------------------------------------------------


def test_keys_and_names_never_fail_on_a_lone_surrogate() -> None:
    assert article_key("Bonjour.", "sig") == "76f3a5b039896080c604"  # plain text keys as before
    assert article_key("x\udfff", "d") == "a6c3f0e0e8e0314daf4b"
    assert result_name("caf\udce9", "k") == "caf~0dabcef4.k.json"
    assert result_name("caf\udce8", "k") != result_name("caf\udce9", "k")


@pytest.mark.parametrize(
    ("follow", "ids", "skipped"),
    [
        (False, ["inside", "meteo", "alias/budget", "sub/budget"], [("alias/loop", LOOP), ("away", OUTSIDE),
                                                                   ("broken.md", BROKEN), ("outside.md", OUTSIDE),
                                                                   ("sub/loop", LOOP)]),
        (True, ["inside", "meteo", "outside", "alias/budget", "away/secret", "sub/budget"],
         [("alias/loop", LOOP), ("broken.md", BROKEN), ("sub/loop", LOOP)]),
    ],
)  # fmt: skip
def test_listing_a_folder_follows_links_that_stay_inside(
    tmp_path: Path, follow: bool, ids: list[str], skipped: list[tuple[str, str]]
) -> None:
    root = symlinked_folders(tmp_path)
    (root / "meteo.txt").write_text(METEO, encoding="utf-8")
    (root / "inside.md").symlink_to("meteo.txt")
    (root / "outside.md").symlink_to(tmp_path / "elsewhere" / "secret.txt")
    (root / "broken.md").symlink_to("gone.txt")
    ignored: list[inputs.Skipped] = []
    items = list(list_items(root, exclude=tmp_path / "out", ignored=ignored, follow_symlinks=follow))
    assert [i.id for i in items] == ids  # each folder's files by name, then its subfolders
    assert sorted((str(Path(s.path).relative_to(root)), s.reason) for s in ignored) == skipped


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "{tmp}/bud\x00get.txt",
            "{tmp}/bud\\x00get.txt: a file name can't hold a NUL character; fix the list of paths",
        ),
        ("{tmp}/pipe.md", "{tmp}/pipe.md: a FIFO, not a regular file; not read"),
        ("/dev/null", "/dev/null: a character device, not a regular file; not read"),
    ],
)
def test_reading_what_is_not_an_article_file_is_an_input_error(tmp_path: Path, path: str, message: str) -> None:
    os.mkfifo(tmp_path / "pipe.md")
    path = path.format(tmp=tmp_path)
    with pytest.raises(InputError) as caught:
        inputs.read(Item(source=inputs.shown(path), path=path, id="x"), Limits())
    assert caught.value.message == message.format(tmp=tmp_path)


def test_check_out_refuses_overlaps_only(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "day.jsonl").write_text("")
    inputs.check_out(tmp_path / "in", tmp_path / "out")  # beside it: fine
    inputs.check_out(tmp_path / "day.jsonl", tmp_path / "out")  # a file's folder may hold --out
    with pytest.raises(ConfigError):
        inputs.check_out(tmp_path / "in", tmp_path / "in" / "deep" / "out")
    with pytest.raises(ConfigError):
        inputs.check_out(tmp_path / "in", tmp_path)
