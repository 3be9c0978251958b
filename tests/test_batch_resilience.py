"""precis batch holds up: logs that can't be written, an article that never ends, a cache someone else could write."""

from __future__ import annotations

import errno
import io as stdio
import json
import logging
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline.batch.signals as signals
from pipeline.batch import BatchOptions
from pipeline.batch.cache import SQLiteTranslationCache, untrusted
from pipeline.batch.engines.ray import RayEngine
from pipeline.batch.events import Reporter
from pipeline.cli import app
from pipeline.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "configs" / "tiny.yaml")
runner = CliRunner()

# Short original French news items (as in tests/test_batch_ops.py).
TEXTS = [
    "Le printemps arrive enfin sur la Bretagne. Les températures dépassent quinze degrés cet après-midi.",
    "Le conseil municipal a voté le budget mardi soir. La nouvelle piscine ouvrira ses portes en juin.",
    "L'équipe de Lyon a remporté le match de samedi. Les supporters ont célébré la victoire toute la nuit.",
    "Une nouvelle école primaire ouvrira dans le quartier nord. Elle accueillera deux cents élèves.",
    "La grève des cheminots perturbe le trafic ferroviaire. Un train sur trois circulera jeudi à Paris.",
]


def day(path: Path, n: int) -> Path:
    """A JSONL input of ``n`` distinct articles, ids a000..."""
    rows = [
        json.dumps({"id": f"a{i:03d}", "text": f"{TEXTS[i % len(TEXTS)]} Article numéro {i}."}, ensure_ascii=False)
        for i in range(n)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def batch(*args: str):
    return runner.invoke(app, ["batch", *args])


def manifests(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*/manifest.json"))]


def events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# What may differ between two runs of the same articles: the time taken, and the code's version
# (a source checkout's version has a hash of the sources, which change between runs while being edited).
VARYING = ("timings", "signature", "versions")


def records(out: Path) -> dict[str, dict]:
    """The complete results of ``out`` by id, without what may differ from run to run (``VARYING``)."""
    found = {}
    for path in sorted((out / "results").glob("*.json")):
        if not path.name.endswith(".partial.json"):
            record = json.loads(path.read_text(encoding="utf-8"))
            found[record["id"]] = {k: v for k, v in record.items() if k not in VARYING}
    return found


def is_root() -> bool:
    return os.geteuid() == 0


# --- logs are best effort: stderr full, closed or a broken pipe ------------------------------------


class Refusing(stdio.StringIO):
    """A stream whose writes fail as a full device or a pipe with no reader does."""

    def __init__(self, error: int) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise OSError(self.error, os.strerror(self.error))


def closed() -> stdio.StringIO:
    stream = stdio.StringIO()
    stream.close()
    return stream


@pytest.mark.parametrize(
    ("stream", "lost"),
    [
        (stdio.StringIO(), 0),
        (Refusing(errno.ENOSPC), 2),
        (Refusing(errno.EPIPE), 2),
        (closed(), 2),  # ValueError: I/O operation on closed file
    ],
)
def test_a_reporter_counts_the_lines_stderr_refuses_and_never_raises(stream, lost: int) -> None:
    reporter = Reporter(stream, json_lines=True)
    reporter.event("run_start", total=2)
    reporter.progress(done=1, skipped=0, failed=0, total=2, elapsed=1.0, force=True)
    assert reporter.lost == lost


def test_a_closed_stderr_gets_dev_null_so_no_file_takes_its_number(tmp_path: Path) -> None:
    code = (
        "import os, sys; from pipeline.batch.events import reserve_standard_fds; "
        "reserve_standard_fds(); fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT); "
        "os.write(1, str(fd).encode()); os.write(2, b'to stderr')"
    )
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" 2>&-', "sh", sys.executable, "-c", code, str(tmp_path / "f")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (0, "3")  # not 2: what goes to stderr can't land in the file
    assert (tmp_path / "f").read_bytes() == b""


def run_cli(source: Path, out: Path, stderr: str) -> subprocess.CompletedProcess:
    """``precis batch`` as a shell runs it, its stderr as given: "pipe" (read), "full", "closed" or "broken pipe"."""
    cmd = [sys.executable, "-m", "pipeline.cli", "batch", "-c", TINY, "-o", str(out), str(source)]
    if stderr == "closed":
        cmd = ["sh", "-c", 'exec "$@" 2>&-', "sh", *cmd]
    if stderr == "broken pipe":  # the reader of stderr is gone before the first line
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proc.stderr.close()
        stdout, _ = proc.communicate(timeout=300)
        return subprocess.CompletedProcess(cmd, proc.returncode, stdout, "")
    with open(os.devnull if stderr != "full" else "/dev/full", "w") as full:
        err = subprocess.PIPE if stderr == "pipe" else (full if stderr == "full" else None)
        return subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True, timeout=300)


@pytest.mark.slow
def test_a_full_closed_or_broken_stderr_loses_logs_not_results(tmp_path: Path) -> None:
    source = day(tmp_path / "day.jsonl", 4)
    reference = run_cli(source, tmp_path / "reference", "pipe")
    assert reference.returncode == 0, reference.stderr
    # (a "notice" says when a model is converted to CTranslate2, unless an earlier run did it)
    lines = [e["event"] for e in events(reference.stderr) if e["event"] != "notice"]
    assert lines == ["run_start", "models_ready", "progress", "run_end"]
    assert manifests(tmp_path / "reference")[0]["logs_lost"] == 0
    for stderr in ("full", "closed", "broken pipe"):
        out = tmp_path / stderr.replace(" ", "-")
        done = run_cli(source, out, stderr)
        assert (stderr, done.returncode, done.stdout) == (stderr, 0, "")
        [manifest] = manifests(out)
        assert (manifest["status"], manifest["exit_code"], manifest["error"]) == ("complete", 0, None)
        assert manifest["counts"] == {"total": 4, "done": 4, "skipped": 0, "failed": 0, "ignored": 0}
        assert (stderr, manifest["logs_lost"]) == (stderr, 4)  # every line, run_end included
        assert records(out) == records(tmp_path / "reference")
        assert (out / ".lock").read_text() == ""  # released, and nothing meant for stderr landed in it


# --- the per-article time limit ----------------------------------------------------------------


def busy_loop() -> None:
    while True:
        pass


def catastrophic_regex() -> None:
    re.match(r"(a+)+$", "a" * 64 + "b")  # 2**64 ways to fail: backtracks for ever


def long_sleep() -> None:
    time.sleep(3600)


def wait_for_ever() -> None:
    threading.Event().wait()


@pytest.mark.parametrize("stuck", [busy_loop, catastrophic_regex, long_sleep, wait_for_ever])
def test_a_time_limit_stops_python_code_a_regex_and_waits(stuck) -> None:
    before = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    with pytest.raises(signals.TimeLimit, match=r"^ran past its time limit of 0.5s$"):
        with signals.time_limit(0.5):
            stuck()
    assert 0.5 <= time.monotonic() - start < 10.0
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_block_within_its_time_limit_runs_whole_and_disarms_the_alarm() -> None:
    with signals.time_limit(5.0):
        value = sum(range(1000))
    time.sleep(0.01)
    assert (value, signal.getitimer(signal.ITIMER_REAL)) == (499500, (0.0, 0.0))


def test_outside_the_main_thread_a_time_limit_does_nothing() -> None:
    seen: list[object] = []

    def work() -> None:
        try:
            with signals.time_limit(0.05):
                time.sleep(0.3)
            seen.append("done")
        except BaseException as exc:  # noqa: BLE001 - the test says what came
            seen.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    assert (seen, signals.can_limit_time()) == (["done"], True)


def stuck_on(monkeypatch, stage: str, doc_id: str, how) -> None:
    """Make ``stage`` (its class's ``pipe``) run ``how`` for ever on any group that holds ``doc_id``."""
    from pipeline.summarize import Summarize
    from pipeline.translate import Translate

    cls = {"translate": Translate, "summarize": Summarize}[stage]
    original = cls.pipe

    def pipe(self, docs):
        docs = list(docs)
        if any(d.id == doc_id for d in docs):
            how()
        return original(self, docs)

    monkeypatch.setattr(cls, "pipe", pipe)


@pytest.mark.parametrize(
    ("stage", "how", "group_size"),
    [
        ("summarize", busy_loop, "2"),  # the group of a002 and a003 runs past 2 x 2 s; each then runs alone
        ("translate", catastrophic_regex, "2"),
        ("summarize", long_sleep, "1"),  # alone from the start
    ],
)
def test_an_article_past_the_time_limit_fails_with_e430_and_the_run_goes_on(
    tmp_path: Path, monkeypatch, stage: str, how, group_size: str
) -> None:
    stuck_on(monkeypatch, stage, "a002", how)
    source = day(tmp_path / "day.jsonl", 5)
    out = tmp_path / "out"
    start = time.monotonic()
    result = batch("-c", TINY, "-o", str(out), "--group-size", group_size, "--article-timeout", "2", str(source))
    elapsed = time.monotonic() - start
    assert result.exit_code == 1, result.output
    assert elapsed < 180  # 4 s for the group, 2 s alone, and the rest (a loaded machine)
    assert [{k: f[k] for k in ("id", "source", "code", "stage", "message")} for f in jsonl(out / "failures.jsonl")] == [
        {
            "id": "a002",
            "source": f"{source}:3",
            "code": "E430",
            "stage": stage,
            "message": f"{source}:3: took longer than the time limit of 2s (--article-timeout); stopped in stage "
            f"'{stage}'",
        }
    ]
    assert sorted(records(out)) == ["a000", "a001", "a003", "a004"]
    [manifest] = manifests(out)
    assert (manifest["counts"]["done"], manifest["counts"]["failed"], manifest["status"]) == (4, 1, "complete")


@pytest.mark.parametrize(("given", "shown"), [("0", "0.0"), ("-1", "-1.0"), ("nan", "nan"), ("inf", "inf")])
def test_an_article_timeout_that_is_no_number_of_seconds_is_a_coded_error(
    tmp_path: Path, given: str, shown: str
) -> None:
    result = batch(
        "-c", TINY, "-o", str(tmp_path / "out"), "--article-timeout", given, str(day(tmp_path / "d.jsonl", 1))
    )
    assert result.exit_code == 2
    assert result.stderr == f"precis: error: [E100] --article-timeout {shown}: give a number of seconds above 0\n"
    assert not (tmp_path / "out").exists()  # refused before anything is written


# --- signals: an outcome is recorded whole --------------------------------------------------------


def test_nested_deferred_blocks_hold_a_signal_until_the_outer_one_ends() -> None:
    order: list[str] = []
    with pytest.raises(signals.Interrupted):
        with signals.interruptible():
            with signals.deferred():
                with signals.deferred():
                    os.kill(os.getpid(), signal.SIGTERM)
                    time.sleep(0.05)  # the handler runs here
                    order.append("inner")
                order.append("outer")
            order.append("after")
    assert order == ["inner", "outer"]


def test_a_signal_while_a_result_is_written_waits_for_its_index_line(tmp_path: Path, monkeypatch) -> None:
    """SIGTERM right after a result file is written (before its index line): the run stops with both."""
    from pipeline.batch.store import Store

    write = Store.write
    written: list[str] = []

    def write_then_signal(self, name: str, text: str):
        path = write(self, name, text)
        written.append(name)
        if len(written) == 3:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)  # the handler runs here, inside the write of an outcome
        return path

    monkeypatch.setattr(Store, "write", write_then_signal)
    out = tmp_path / "out"
    result = batch("-c", TINY, "-o", str(out), "--group-size", "4", str(day(tmp_path / "day.jsonl", 8)))
    assert result.exit_code == 143, result.output
    indexed = sorted(e["id"] for e in jsonl(out / "index.jsonl"))
    assert indexed == sorted(records(out)) == ["a000", "a001", "a002"]
    assert manifests(out)[0]["status"] == "interrupted"


# --- translation cache trust -------------------------------------------------------------------


def a_cache(folder: Path, mode: int = 0o600) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cache.sqlite"
    cache = SQLiteTranslationCache(path, run="r1")
    cache.store("ns", [("Bonjour.", "Hello.")])
    cache.close()
    path.chmod(mode)
    return path


def chown(path: Path, uid: int) -> None:
    if not is_root():
        pytest.skip("making a file another user's needs root")
    os.chown(path, uid, -1)


def side(path: Path, suffix: str, mode: int = 0o600) -> Path:
    file = path.with_name(path.name + suffix)
    file.write_bytes(b"")
    file.chmod(mode)
    return file


TRUST = [
    # how the cache at tmp/c/cache.sqlite is set up -> what untrusted() says ({c}: its folder, {f}: the file)
    ("0600, mine", lambda p: None, None),
    ("absent", lambda p: p.unlink(), None),
    ("absent, in a folder to make", lambda p: shutil.rmtree(p.parent), None),
    ("0644", lambda p: p.chmod(0o644), None),
    (
        "0666",
        lambda p: p.chmod(0o666),
        "{f} can be written by others (mode 666); if only you wrote it, run chmod go-w {f}",
    ),
    (
        "0620",
        lambda p: p.chmod(0o620),
        "{f} can be written by others (mode 620); if only you wrote it, run chmod go-w {f}",
    ),
    (
        "-wal 0666",
        lambda p: side(p, "-wal", 0o666),
        "{f}-wal can be written by others (mode 666); if only you wrote it, run chmod go-w {f}-wal",
    ),
    ("another's", lambda p: chown(p, 12345), "{f} belongs to another user (uid 12345); use a cache of your own"),
    (
        "-shm another's",
        lambda p: chown(side(p, "-shm"), 12345),
        "{f}-shm belongs to another user (uid 12345); use a cache of your own",
    ),
    (
        "folder 0777",
        lambda p: p.parent.chmod(0o777),
        "anyone can write to the folder {c} (mode 777) and it has no sticky bit, so anyone can replace the cache; "
        "use a folder of your own",
    ),
    ("folder 1777 (like /tmp)", lambda p: p.parent.chmod(0o1777), None),
    ("folder 0775", lambda p: p.parent.chmod(0o775), None),  # the group's: as the admin shared it
    (
        "folder another's",
        lambda p: chown(p.parent, 12345),
        "the folder {c} belongs to another user (uid 12345); use a folder of your own",
    ),
]


@pytest.mark.parametrize(("case", "setup", "problem"), TRUST, ids=[t[0] for t in TRUST])
def test_which_caches_are_trusted(tmp_path: Path, case: str, setup, problem: str | None) -> None:
    path = a_cache(tmp_path / "c")
    setup(path)
    expected = None if problem is None else problem.format(f=path, c=path.parent)
    assert untrusted(path) == expected


def test_a_cache_precis_creates_is_its_users_alone(tmp_path: Path) -> None:
    old = os.umask(0o002)  # a umask that would make files group-writable
    try:
        cache = SQLiteTranslationCache(tmp_path / "new" / "cache.sqlite", run="r1")
        cache.store("ns", [("Bonjour.", "Hello.")])
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "new").iterdir()}
        cache.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert modes == {"cache.sqlite": 0o600, "cache.sqlite-wal": 0o600, "cache.sqlite-shm": 0o600}


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_cache_refused_is_not_opened(tmp_path: Path) -> None:
    path = a_cache(tmp_path / "c", 0o666)
    before = path.read_bytes()
    warnings = Lines()
    logger = logging.getLogger("precis.cache")  # its own handler: the CLI's stops "precis" propagating
    logger.addHandler(warnings)
    try:
        cache = SQLiteTranslationCache(path, run="r2")
    finally:
        logger.removeHandler(warnings)
    found = cache.lookup("ns", ["Bonjour."])
    cache.store("ns", [("Merci.", "Thanks.")])
    cache.close()
    problem = f"{path} can be written by others (mode 666); if only you wrote it, run chmod go-w {path}"
    assert (found, cache.hits, cache.refused, cache.broken) == ({}, 0, problem, None)
    assert path.read_bytes() == before
    assert warnings.lines == [f"translation cache {path} not used: {problem}; sentences are translated without it"]


def refused_line(stderr: str) -> str:
    """The one line of the cache_refused event: no other line (a notice from a worker) names the cache."""
    [line] = [line for line in stderr.splitlines() if '"event": "cache_refused"' in line]
    return line


@pytest.mark.parametrize("distrust", ["chmod 0666", "chown 12345"])
def test_a_run_refuses_a_cache_others_could_write_and_works_without_it(tmp_path: Path, distrust: str) -> None:
    source = day(tmp_path / "day.jsonl", 4)
    cache = tmp_path / "shared" / "cache.sqlite"
    first = batch("-c", TINY, "-o", str(tmp_path / "first"), "--cache", str(cache), str(source))
    assert first.exit_code == 0, first.output
    assert manifests(tmp_path / "first")[0]["cache"]["misses"] > 0
    if distrust == "chmod 0666":
        cache.chmod(0o666)
        problem = f"{cache} can be written by others (mode 666); if only you wrote it, run chmod go-w {cache}"
    else:
        chown(cache, 12345)
        problem = f"{cache} belongs to another user (uid 12345); use a cache of your own"
    planted = cache.read_bytes()
    out = tmp_path / "second"
    result = batch("-c", TINY, "-o", str(out), "--cache", str(cache), str(source))
    assert result.exit_code == 0, result.output
    refused = [e for e in events(result.stderr) if e["event"] == "cache_refused"]
    assert [(e["path"], e["problem"]) for e in refused] == [(str(cache), problem)]
    assert [line for line in result.stderr.splitlines() if str(cache) in line] == [refused_line(result.stderr)]
    [manifest] = manifests(out)
    assert (manifest["cache"], manifest["counts"]["done"]) == ({"path": None, "hits": 0, "misses": 0}, 4)
    assert records(out) == records(tmp_path / "first")  # the same translations, made again
    assert cache.read_bytes() == planted  # not opened


# --- the Ray engine: options Ray can't run with, an actor stuck past the limit ---------------------


RAY_OPTIONS = [
    ({"ray_actors": 0}, "--ray-actors 0: give a whole number of actors, 1 or more"),
    ({"ray_actors": 1.5}, "--ray-actors 1.5: give a whole number of actors, 1 or more"),
    ({"ray_cpus_per_actor": float("nan")}, "--ray-cpus-per-actor nan: give a number, 0 or more"),
    ({"ray_cpus_per_actor": float("inf")}, "--ray-cpus-per-actor inf: give a number, 0 or more"),
    ({"ray_gpus_per_actor": -1.0}, "--ray-gpus-per-actor -1.0: give a number, 0 or more"),
    ({"ray_cpus_per_actor": 1e-9}, "--ray-cpus-per-actor 1e-09: Ray counts resources in steps of 0.0001"),
    (
        {"ray_gpus_per_actor": 1.5},
        "--ray-gpus-per-actor 1.5: Ray shares a GPU between actors only below 1; give a fraction below 1 or a whole "
        "number",
    ),
    ({"ray_cpus_per_actor": 1.5, "ray_gpus_per_actor": 0.25, "ray_actors": 3}, None),
    ({"ray_cpus_per_actor": 0.0, "ray_gpus_per_actor": 2.0}, None),
]


@pytest.mark.parametrize(("given", "error"), RAY_OPTIONS)
def test_ray_options_ray_would_crash_or_hang_on_are_refused(tmp_path: Path, given: dict, error: str | None) -> None:
    options = BatchOptions(input=tmp_path, out=tmp_path / "out", engine="ray", **given)
    if error is None:
        RayEngine.check(options)
        return
    with pytest.raises(ConfigError) as info:
        RayEngine.check(options)
    assert info.value.message == error


def test_ray_fails_at_once_when_no_node_can_hold_an_actor() -> None:
    from types import SimpleNamespace

    from pipeline.batch.engines.ray import _check_feasible
    from pipeline.errors import EngineError

    nodes = [
        {"Alive": True, "Resources": {"CPU": 0.0}},  # a head without CPUs
        {"Alive": True, "Resources": {"CPU": 2.0}},
        {"Alive": False, "Resources": {"CPU": 8.0, "GPU": 1.0}},  # gone
    ]
    ray = SimpleNamespace(nodes=lambda: nodes)
    options = BatchOptions(input=Path("in"), out=Path("out"), engine="ray", ray_cpus_per_actor=2.0)
    _check_feasible(ray, options)  # the second node has 2 CPUs
    with pytest.raises(EngineError) as info:
        _check_feasible(ray, BatchOptions(input=Path("in"), out=Path("out"), engine="ray", ray_gpus_per_actor=0.5))
    assert info.value.message == (
        "no node of the Ray cluster has the 1 CPUs and 0.5 GPUs one actor asks for (--ray-cpus-per-actor, "
        "--ray-gpus-per-actor); its nodes have 0 CPUs and 0 GPUs; 2 CPUs and 0 GPUs"
    )


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_ray_actor_stuck_past_the_limit_is_replaced_and_its_article_fails_with_e430(
    tmp_path: Path, monkeypatch
) -> None:
    ray = pytest.importorskip("ray")
    from pipeline.batch.engines import ray as ray_engine

    class StuckInNativeCode(ray_engine.RayActor):
        """An actor whose Worker can't stop a002: SIGALRM blocked, as in a C call that never returns."""

        def run_group(self, rows):
            if any(row["id"] == "a002" for row in rows):
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
                time.sleep(3600)
            return super().run_group(rows)

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the actors can't import this test module
    monkeypatch.setattr(ray_engine, "RayActor", StuckInNativeCode)
    source = day(tmp_path / "day.jsonl", 4)
    out = tmp_path / "out"
    result = batch(
        "-c", TINY, "-o", str(out), "--engine", "ray", "--group-size", "2", "--article-timeout", "2", str(source)
    )
    assert result.exit_code == 1, result.output
    assert [{k: f[k] for k in ("id", "code", "message")} for f in jsonl(out / "failures.jsonl")] == [
        {
            "id": "a002",
            "code": "E430",
            "message": f"{source}:3: took longer than the time limit of 2s (--article-timeout); its Ray actor was "
            f"stopped",
        }
    ]
    assert sorted(records(out)) == ["a000", "a001", "a003"]  # a003, in a002's group, went again alone
    notices = [e["message"] for e in events(result.stderr) if e["event"] == "notice" and "time limit" in e["message"]]
    assert notices == [
        "a Ray actor ran past the time limit of its group of 2 article(s) (--article-timeout 2s): stopped, and a new "
        "actor started",
        "a Ray actor ran past the time limit of its group of 1 article(s) (--article-timeout 2s): stopped, and a new "
        "actor started",
    ]
