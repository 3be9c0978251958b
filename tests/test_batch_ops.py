"""precis batch in operation: signals, a full disk, damaged cache and results; status, metrics, report, logs."""

from __future__ import annotations

import json
import os
import shutil
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


def has_ray() -> bool:
    return subprocess.run([sys.executable, "-c", "import ray"], capture_output=True).returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code", "engine"),
    [(signal.SIGTERM, 143, "local"), (signal.SIGINT, 130, "local"), (signal.SIGTERM, 143, "ray")],
)
def test_a_signal_stops_a_run_cleanly_and_a_rerun_completes(
    tmp_path: Path, signum: int, code: int, engine: str
) -> None:
    if engine == "ray" and not has_ray():
        pytest.skip("needs pip install -e '.[ray]'")
    source = day(tmp_path / "day.jsonl", 30)
    out = tmp_path / "out"
    proc = start_batch(source, out, "--engine", engine, *(["--ray-actors", "2"] if engine == "ray" else []))
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
    *log_lines, last = stderr.splitlines()  # the last: the CLI's plain line, as for every command
    assert [json.loads(line)["run_id"] for line in log_lines] == [manifests(out)[0]["run"]] * len(log_lines)
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


def test_a_signal_right_after_a_result_is_written_waits_until_it_is_indexed(tmp_path: Path, monkeypatch) -> None:
    """The race behind the flaky signal test, made certain: SIGTERM between a result's rename and its index line.

    The handler runs at once in the main thread (where ``run_batch`` runs here), so an
    unguarded record would leave the result written but missing from the run's index.
    """
    import pipeline.batch.signals as signals
    from pipeline import config as config_mod
    from pipeline.batch import BatchOptions, run_batch
    from pipeline.batch.store import Store

    original = Store.write

    def write(self: Store, name: str, text: str) -> Path:
        path = original(self, name, text)
        os.kill(os.getpid(), signal.SIGTERM)
        return path

    monkeypatch.setattr(Store, "write", write)
    out = tmp_path / "out"
    options = BatchOptions(input=day(tmp_path / "day.jsonl", 4), out=out, group_size=2, log_json=True)
    with pytest.raises(signals.Interrupted):
        run_batch(config_mod.load(TINY), options)
    assert result_ids(out) == ["a000"]
    assert [json.loads(line)["id"] for line in (out / "index.jsonl").read_text().splitlines()] == ["a000"]
    assert manifests(out)[0]["status"] == "interrupted"


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
    damaged = [(e["path"], e["problem"].split(":")[0]) for e in events(result.stderr) if e["event"] == "result_damaged"]
    assert damaged == [
        (f"results/{paths[1].name}", "is not valid JSON"),
        (f"results/{paths[2].name}", "is not valid JSON"),
        (f"results/{paths[3].name}", "is not a precis record (no id or segments)"),
    ]
    last = manifests(out)[-1]
    assert (last["counts"]["done"], last["counts"]["skipped"], last["repairs"]["results_redone"]) == (3, 3, 3)
    assert result_ids(out) == [f"a{i:03d}" for i in range(6)]


# --- operators' views: status, metrics, report, logs ------------------------------------------

RUN_ID = "20240502T020003.123Z-4121"


def a_manifest(status: str = "running", **counts: int) -> dict:
    """A manifest as a run writes it (only the fields status, metrics and the report read)."""
    c = {"total": 200, "done": 80, "skipped": 20, "failed": 5, "ignored": 0, **counts}
    return {
        "run": RUN_ID,
        "status": status,
        "started": "2024-05-02T02:00:03Z",
        "updated": "2024-05-02T02:00:43Z",
        "finished": None if status == "running" else "2024-05-02T02:01:03Z",
        "host": "news-1",
        "pid": 4121,
        "engine": "local",
        "counts": c,
        "timings": {
            "models_s": 1.5,
            "processing_s": 32.0,
            "wall_s": 40.0,
            "stages_s": {"translate": 20.5, "segment": 0.25},
        },
        "throughput": {"articles_per_s": 2.5},
        "signature": "precis:0.1.0|pipeline:segment=french|cfg:abc",
        "models": [{"stage": "translate", "name": "tiny:marian", "revision": "r1", "backend": "ctranslate2"}],
        "exit_code": None if status == "running" else 1,
    }


def an_out(tmp_path: Path, manifest: dict, lock: dict | None) -> Path:
    out = tmp_path / "out"
    run = out / "runs" / manifest["run"]
    run.mkdir(parents=True)
    (run / "manifest.json").write_text(json.dumps(manifest))
    codes = ["E210", "E200", "E410", "E200", "E200"]
    (run / "failures.jsonl").write_text(
        "".join(json.dumps({"id": f"x{i}", "code": c}) + "\n" for i, c in enumerate(codes))
    )
    (out / ".lock").write_text(json.dumps(lock) if lock else "")
    return out


def dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


STATUSES = [
    # manifest status, who the lock names -> the lines precis batch status prints
    (
        "running",
        "me",
        "run         20240502T020003.123Z-4121\n"
        "status      running (pid {pid} on host {host})\n"
        "started     2024-05-02T02:00:03Z\n"
        "updated     2024-05-02T02:00:43Z\n"
        "articles    200 total: 80 done, 20 skipped, 5 failed, 95 remaining\n"
        "throughput  2.50 articles/s\n"
        "eta         38s\n"
        "failures    E200 3, E210 1, E410 1\n",
    ),
    (
        "running",
        "dead",  # kill -9: the manifest still says running, its pid is gone
        "run         20240502T020003.123Z-4121\n"
        "status      killed (host news-1)\n"
        "started     2024-05-02T02:00:03Z\n"
        "finished    -\n"
        "articles    200 total: 80 done, 20 skipped, 5 failed, 95 remaining\n"
        "throughput  2.50 articles/s\n"
        "eta         -\n"
        "failures    E200 3, E210 1, E410 1\n",
    ),
    (
        "complete",
        None,
        "run         20240502T020003.123Z-4121\n"
        "status      complete (host news-1, exit 1)\n"
        "started     2024-05-02T02:00:03Z\n"
        "finished    2024-05-02T02:01:03Z\n"
        "articles    200 total: 80 done, 20 skipped, 5 failed, 95 remaining\n"
        "throughput  2.50 articles/s\n"
        "eta         -\n"
        "failures    E200 3, E210 1, E410 1\n",
    ),
]


@pytest.mark.parametrize(("status", "holder", "expected"), STATUSES)
def test_batch_status_lines(tmp_path: Path, status: str, holder: str | None, expected: str) -> None:
    import socket

    manifest = a_manifest(status)
    lock = None
    if holder == "me":  # a live run on this host: this test's own pid stands for it
        manifest.update(host=socket.gethostname(), pid=os.getpid())
        lock = {"pid": os.getpid(), "host": socket.gethostname(), "run": RUN_ID}
    elif holder == "dead":
        lock = {"pid": dead_pid(), "host": socket.gethostname(), "run": RUN_ID}
        manifest["host"] = "news-1"
    out = an_out(tmp_path, manifest, lock)
    result = runner.invoke(app, ["batch", "status", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected.format(pid=os.getpid(), host=socket.gethostname())


def test_batch_status_json_and_errors(tmp_path: Path) -> None:
    out = an_out(tmp_path, a_manifest("complete"), None)
    result = runner.invoke(app, ["batch", "status", "--json", str(out)])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "out": str(out),
        "run": RUN_ID,
        "state": "complete",
        "host": "news-1",
        "pid": 4121,
        "started": "2024-05-02T02:00:03Z",
        "updated": "2024-05-02T02:00:43Z",
        "finished": "2024-05-02T02:01:03Z",
        "total": 200,
        "done": 80,
        "skipped": 20,
        "failed": 5,
        "remaining": 95,
        "articles_per_s": 2.5,
        "eta_s": None,
        "failures": {"E200": 3, "E210": 1, "E410": 1},
        "exit_code": 1,
        "signature": "precis:0.1.0|pipeline:segment=french|cfg:abc",
        "ignored": 0,
        "ignored_by_reason": {},
    }
    empty = runner.invoke(app, ["batch", "status", str(tmp_path / "nothing")])
    assert empty.exit_code == 2
    assert empty.stderr == (
        f"precis: error: [E200] {tmp_path / 'nothing'}: no precis batch run there (no runs/*/manifest.json); "
        "give a batch --out folder\n"
    )


def test_metrics_in_the_prometheus_text_format() -> None:
    from pipeline.batch.metrics import render

    text = render(a_manifest("complete"), {"E200": 3, "E210": 1, "E410": 1}, last_success=1714615263.0)
    assert text == (
        "# HELP precis_batch_articles Articles of the current or last batch run, by outcome.\n"
        "# TYPE precis_batch_articles gauge\n"
        'precis_batch_articles{outcome="done"} 80\n'
        'precis_batch_articles{outcome="skipped"} 20\n'
        'precis_batch_articles{outcome="failed"} 5\n'
        'precis_batch_articles{outcome="remaining"} 95\n'
        "# HELP precis_batch_failures Failed articles of the current or last batch run, by error code.\n"
        "# TYPE precis_batch_failures gauge\n"
        'precis_batch_failures{code="E200"} 3\n'
        'precis_batch_failures{code="E210"} 1\n'
        'precis_batch_failures{code="E410"} 1\n'
        "# HELP precis_batch_stage_seconds Seconds each stage spent on the results of the current or last batch run.\n"
        "# TYPE precis_batch_stage_seconds gauge\n"
        'precis_batch_stage_seconds{stage="segment"} 0.25\n'
        'precis_batch_stage_seconds{stage="translate"} 20.5\n'
        "# HELP precis_batch_throughput_articles_per_second "
        "Articles done per second of processing, this run or the last.\n"
        "# TYPE precis_batch_throughput_articles_per_second gauge\n"
        "precis_batch_throughput_articles_per_second 2.5\n"
        "# HELP precis_batch_running 1 while a batch run is in progress, 0 once it has ended.\n"
        "# TYPE precis_batch_running gauge\n"
        "precis_batch_running 0\n"
        "# HELP precis_batch_run_start_timestamp_seconds When the current or last batch run started (Unix time).\n"
        "# TYPE precis_batch_run_start_timestamp_seconds gauge\n"
        "precis_batch_run_start_timestamp_seconds 1714615203\n"
        "# HELP precis_batch_last_success_timestamp_seconds When the latest complete batch run finished (Unix time).\n"
        "# TYPE precis_batch_last_success_timestamp_seconds gauge\n"
        "precis_batch_last_success_timestamp_seconds 1714615263\n"
        "# HELP precis_batch_run_info The current or last batch run: id, host and status (value 1).\n"
        "# TYPE precis_batch_run_info gauge\n"
        'precis_batch_run_info{run_id="20240502T020003.123Z-4121",host="news-1",status="complete"} 1\n'
    )


@pytest.fixture
def finished_run(tmp_path: Path) -> Path:
    """A real run of 9 articles in groups of 2, one of them empty (E200), then a rerun that finds nothing to do."""
    source = day(tmp_path / "day.jsonl", 8)
    with source.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "vide", "text": "  "}) + "\n")
    out = tmp_path / "out"
    result = batch(
        "-c", TINY, "-o", str(out), "--group-size", "2", "--metrics", str(tmp_path / "tf" / "precis.prom"), str(source)
    )
    assert result.exit_code == 1, result.output
    log = events(result.stderr)
    assert len(log) == len(result.stderr.splitlines())  # every line is one JSON object...
    assert {e["run_id"] for e in log} == {manifests(out)[0]["run"]}  # ...with the run's id
    return out


def test_a_run_keeps_its_metrics_file_and_report(finished_run: Path) -> None:
    out = finished_run
    metrics = (out.parent / "tf" / "precis.prom").read_text()
    samples = dict(line.rsplit(" ", 1) for line in metrics.splitlines() if not line.startswith("#"))
    run = manifests(out)[0]
    assert {
        k: v for k, v in samples.items() if "stage_seconds" not in k and "timestamp" not in k and "throughput" not in k
    } == {
        'precis_batch_articles{outcome="done"}': "8",
        'precis_batch_articles{outcome="skipped"}': "0",
        'precis_batch_articles{outcome="failed"}': "1",
        'precis_batch_articles{outcome="remaining"}': "0",
        'precis_batch_failures{code="E200"}': "1",
        "precis_batch_running": "0",
        f'precis_batch_run_info{{run_id="{run["run"]}",host="{run["host"]}",status="complete"}}': "1",
    }
    stages = sorted(k for k in samples if "stage_seconds" in k)
    assert [k.split('"')[1] for k in stages] == sorted(run["timings"]["stages_s"])
    assert float(samples["precis_batch_last_success_timestamp_seconds"]) >= float(
        samples["precis_batch_run_start_timestamp_seconds"]
    )
    assert [p.name for p in (out.parent / "tf").iterdir()] == ["precis.prom"]  # no temporary file left
    timeline = [json.loads(line) for line in (out / "runs" / run["run"] / "progress.jsonl").read_text().splitlines()]
    assert [(r["done"], r["failed"]) for r in timeline] == [(2, 0), (4, 0), (6, 0), (8, 0)]  # vide: read before a group
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_the_report_in_headless_chromium(finished_run: Path) -> None:
    """report.html renders in a real browser: its plots, failures table, signature and models; no console errors."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("PRECIS_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (PRECIS_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium not installed (CI installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    run = manifests(finished_run)[0]
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((finished_run / "report.html").as_uri())
        assert page.title() == "precis batch report"
        assert page.locator("h1").inner_text() == f"precis batch run {run['run']}"
        assert page.locator("#summary tr").nth(2).inner_text().split() == ["status", "complete", "(exit", "1)"]
        assert page.locator("#plot-throughput svg").is_visible()
        assert page.locator("#plot-throughput svg circle").count() == 4  # one per group
        assert page.locator("#plot-length svg circle").count() == 8  # one per result
        rows = page.locator("#failures tbody tr")
        assert rows.count() == 1
        assert rows.first.locator("td").all_inner_texts()[:3] == [f"{finished_run.parent / 'day.jsonl'}:9", "E200", ""]
        assert page.locator("#signature").inner_text() == run["signature"]
        assert page.locator("#models tbody tr td:nth-child(2)").all_inner_texts() == ["tiny:marian", "tiny:bart"]
        browser.close()
    assert errors == []


@pytest.mark.parametrize(("started", "after"), [(100.0, 105.0), (None, None)])
def test_processing_time_leaves_the_models_load_out(started: float | None, after: float | None) -> None:
    """Models load with the first group: their 5 s move the start of processing (throughput, ETA) by 5 s."""
    from types import SimpleNamespace

    from pipeline.batch.run import _models_ready

    events: list[tuple] = []
    loaded: list[tuple] = []
    run = SimpleNamespace(processing_started=started, reporter=SimpleNamespace(event=lambda *a, **k: events.append(a)))
    manifest = SimpleNamespace(models_loaded=lambda models, seconds: loaded.append((models, seconds)))
    _models_ready(run, manifest, [{"stage": "translate", "name": "m"}], 5.0)  # type: ignore[arg-type]
    assert run.processing_started == after
    assert loaded == [([{"stage": "translate", "name": "m"}], 5.0)]
    assert events == [("models_ready", "models ready in 5.0s (translate: m)")]
