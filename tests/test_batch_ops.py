"""precis batch in operation: signals, a full disk, damaged cache and results; status, metrics, report, logs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.batch.cache import SQLiteTranslationCache, check
from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "configs" / "tiny.yaml")
runner = CliRunner()

# Short original French news items (the same style as tests/test_batch.py's).
TEXTS = [
    "Le printemps arrive enfin sur la Bretagne. Les températures dépassent quinze degrés cet après-midi.",
    "Le conseil municipal a voté le budget mardi soir. La nouvelle piscine ouvrira ses portes en juin.",
    "L'équipe de Lyon a remporté le match de samedi. Les supporters ont célébré la victoire toute la nuit.",
    "Une nouvelle école primaire ouvrira dans le quartier nord. Elle accueillera deux cents élèves.",
    "La grève des cheminots perturbe le trafic ferroviaire. Un train sur trois circulera jeudi à Paris.",
    "Le musée des beaux-arts présente une exposition sur les impressionnistes. Elle restera ouverte cet été.",
]


def day(path: Path, n: int, start: int = 0) -> Path:
    """A JSONL input of ``n`` distinct articles, ids a000...; ``start`` numbers them from there."""
    rows = []
    for i in range(start, start + n):
        text = f"{TEXTS[i % len(TEXTS)]} Article numéro {i}."
        rows.append(json.dumps({"id": f"a{i:03d}", "text": text}, ensure_ascii=False))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def batch(*args: str):
    return runner.invoke(app, ["batch", *args])


def manifests(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*/manifest.json"))]


def events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def result_ids(out: Path) -> list[str]:
    """The ids of the complete results in ``out`` (a partial or damaged file counts as none)."""
    ids = []
    for path in sorted((out / "results").glob("*.json")):
        if path.name.endswith(".partial.json"):
            continue
        ids.append(json.loads(path.read_text(encoding="utf-8"))["id"])
    return sorted(ids)


def temp_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".tmp")]


# --- signals ---------------------------------------------------------------------------------


def start_batch(source: Path, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "pipeline.cli", "batch", "-c", TINY, "-o", str(out), "--group-size", "2"]
    return subprocess.Popen(
        [*cmd, *extra, str(source)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def wait_for_results(proc: subprocess.Popen, out: Path, n: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "results").is_dir() and len(list((out / "results").glob("*.json"))) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"{n} results didn't come in {timeout}s (exit {proc.poll()})")


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_a_run_cleanly_and_a_rerun_completes(tmp_path: Path, signum: int, code: int) -> None:
    source = day(tmp_path / "day.jsonl", 30)
    out = tmp_path / "out"
    proc = start_batch(source, out)
    wait_for_results(proc, out, 4)
    sent = time.monotonic()
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=30)
    stopped_in = time.monotonic() - sent
    assert proc.returncode == code, stderr
    assert stopped_in < 5.0
    assert "Traceback" not in stderr
    name = signal.Signals(signum).name
    assert stderr.splitlines()[-1] == f"precis: interrupted by {name}; run the same command again to do what is left"
    end = events(stderr)[-1]
    assert (end["event"], end["status"], end["exit_code"]) == ("run_end", "interrupted", code)
    [manifest] = manifests(out)
    assert (manifest["status"], manifest["exit_code"], manifest["error"]) == (
        "interrupted",
        code,
        f"interrupted by {name}",
    )
    assert (out / ".lock").read_text() == ""  # released
    assert temp_files(out) == []
    written = result_ids(out)  # every file there is a complete record
    assert 4 <= len(written) < 30
    indexed = sorted(json.loads(line)["id"] for line in (out / "index.jsonl").read_text().splitlines())
    assert indexed == written

    rerun = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "batch", "-c", TINY, "-o", str(out), str(source)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert result_ids(out) == [f"a{i:03d}" for i in range(30)]
    last = manifests(out)[-1]
    assert last["counts"] == {
        "total": 30,
        "done": 30 - len(written),
        "skipped": len(written),
        "failed": 0,
        "ignored": 0,
    }
    assert last["lock"]["stale_taken_over"] is None  # the interrupted run released its lock


# --- a full disk -------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 320 KiB tmpfs (root only: skipped elsewhere), grown to 16 MiB by calling the fixture's value."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"can't mount a tmpfs here: {done.stderr.decode().strip()}")

    def grow() -> None:
        subprocess.run(["mount", "-o", "remount,size=16m", str(mount)], check=True)

    try:
        yield mount, grow
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.slow
def test_a_full_disk_fails_the_run_naming_the_path_and_a_rerun_with_space_completes(tmp_path: Path, small_disk) -> None:
    disk, grow = small_disk
    source = day(tmp_path / "day.jsonl", 40)
    out = disk / "out"
    result = batch(
        "-c", TINY, "-o", str(out), "--group-size", "4", "--cache", str(tmp_path / "cache.sqlite"), str(source)
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    error = result.stderr.splitlines()[-1]
    assert error.startswith(f"precis: error: [E700] can't write {out}/")
    assert ": no space left on the device; the " in error
    assert "result(s) written before are complete and kept: free some space" in error
    kept = result_ids(out)  # every result there loads
    assert 0 < len(kept) < 40
    assert temp_files(out) == []
    assert (out / ".lock").read_text() == ""

    grow()
    rerun = batch("-c", TINY, "-o", str(out), "--cache", str(tmp_path / "cache.sqlite"), str(source))
    assert rerun.exit_code == 0, rerun.output
    assert result_ids(out) == [f"a{i:03d}" for i in range(40)]
    assert manifests(out)[-1]["counts"]["skipped"] == len(kept)
    assert temp_files(out) == []


# --- damaged cache and results --------------------------------------------------------------------


def garbage(path: Path) -> None:
    path.write_bytes(b"\x13\x37not sqlite at all " * 4000)


def halve(path: Path) -> None:
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)


def filled_cache(path: Path, n: int = 3000) -> None:
    cache = SQLiteTranslationCache(path, run="r1")
    cache.store("ns", [(f"phrase numéro {i} " * 4, f"sentence {i} " * 4) for i in range(n)])
    cache.close()


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (None, None),
        (garbage, "file is not a database"),
        (halve, "database disk image is malformed"),
    ],
)
def test_cache_check_and_a_damaged_cache_turns_itself_off(tmp_path: Path, damage, problem) -> None:
    path = tmp_path / "cache.sqlite"
    filled_cache(path)
    if damage is not None:
        damage(path)
    assert check(path) == problem
    cache = SQLiteTranslationCache(path, run="r2")
    sources = ["phrase numéro 1 " * 4, "inconnue"]
    found = cache.lookup("ns", sources)  # never raises: a damaged cache is no cache
    cache.store("ns", [("nouvelle", "new")])
    if problem is None:
        assert (found, cache.broken, cache.hits, cache.misses) == ({sources[0]: "sentence 1 " * 4}, None, 1, 1)
    else:
        assert (found, cache.broken, cache.hits, cache.misses) == ({}, f"DatabaseError: {problem}", 0, 2)


@pytest.mark.parametrize(
    ("damage", "problem"), [(garbage, "file is not a database"), (halve, "database disk image is malformed")]
)
def test_a_damaged_cache_is_set_aside_and_rebuilt(tmp_path: Path, damage, problem) -> None:
    out = tmp_path / "out"
    first = batch("-c", TINY, "-o", str(out), str(day(tmp_path / "day.jsonl", 8)))
    assert first.exit_code == 0, first.output
    cache = out / "cache.sqlite"
    filled_cache(cache)  # big enough that half of it cuts its tables
    damage(cache)
    result = batch("-c", TINY, "-o", str(out), str(day(tmp_path / "day.jsonl", 12)))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    run = manifests(out)[-1]["run"]
    [event] = [e for e in events(result.stderr) if e["event"] == "cache_damaged"]
    assert (event["path"], event["problem"], event["moved_to"]) == (str(cache), problem, f"{cache}.damaged-{run}")
    assert manifests(out)[-1]["repairs"] == {"cache_set_aside": f"{cache}.damaged-{run}", "results_redone": 0}
    assert manifests(out)[-1]["counts"]["done"] == 4
    assert check(cache) is None and len(SQLiteTranslationCache(cache)) > 0  # a new, sound cache
    assert Path(f"{cache}.damaged-{run}").is_file()  # kept for whoever wants to look at it
    assert result_ids(out) == [f"a{i:03d}" for i in range(12)]


def test_damaged_results_are_redone_not_skipped(tmp_path: Path) -> None:
    out = tmp_path / "out"
    source = day(tmp_path / "day.jsonl", 6)
    assert batch("-c", TINY, "-o", str(out), str(source)).exit_code == 0
    paths = sorted(p for p in (out / "results").glob("*.json"))
    halve(paths[1])
    paths[2].write_bytes(b"\x00" * 100)
    paths[3].write_text('{"other": "json"}')
    result = batch("-c", TINY, "-o", str(out), str(source))
    assert result.exit_code == 0, result.output
    damaged = [
        (e["path"], e["problem"].split(":")[0]) for e in events(result.stderr) if e["event"] == "result_damaged"
    ]
    assert damaged == [
        (f"results/{paths[1].name}", "is not valid JSON"),
        (f"results/{paths[2].name}", "is not valid JSON"),
        (f"results/{paths[3].name}", "is not a precis record (no id or segments)"),
    ]
    last = manifests(out)[-1]
    assert (last["counts"]["done"], last["counts"]["skipped"], last["repairs"]["results_redone"]) == (3, 3, 3)
    assert result_ids(out) == [f"a{i:03d}" for i in range(6)]
