"""The nightly-batch acceptance run, reproducible: kill -9, resume, skip, Ray, timed.

    python scripts/batch_demo.py jsonl ARTICLES.txt OUT.jsonl   # one article a line -> JSONL
    python scripts/batch_demo.py demo [--work DIR] [--config FILE] [--kill-after N] [--ray-actors N] [--no-ray]

``demo`` builds an input folder of the 200 OrangeSum sample articles (one .txt each)
plus 5 bad files (empty, binary, undecodable, English, over the size limit), then:

1. runs ``precis batch`` and kills it with SIGKILL once ``--kill-after`` results exist;
2. reruns it: every article must end with exactly one result, the 5 bad files in
   failures.jsonl, no temporary file left, exit code 1;
3. reruns it again: everything skipped;
4. runs ``--engine ray`` and an uninterrupted local run into fresh folders and compares
   their records (timings aside). Without the ray extra it stops at once, before step 1,
   with one line and exit 2; ``--no-ray`` leaves the Ray steps out.

It prints one line per step with its wall time and exits non-zero if any check fails.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ray_cluster import require_ray  # noqa: E402 - scripts/ is not a package

ROOT = Path(__file__).resolve().parent.parent
ORANGESUM = ROOT.parent / "shared" / "data" / "orangesum-sample" / "articles.fr.txt"
ENGLISH = (
    "The city council approved the budget on Tuesday evening after a long debate. The new swimming pool "
    "will open in June, and prices will stay the same for residents, the mayor said."
)


def to_jsonl(source: Path, target: Path, prefix: str = "orangesum") -> int:
    """Write one {"id", "text", "metadata"} line per non-blank line of ``source``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with source.open(encoding="utf-8") as f, target.open("w", encoding="utf-8") as out:
        for number, line in enumerate(f, 1):
            if line.strip():
                row = {"id": f"{prefix}-{number:03d}", "text": line.strip(), "metadata": {"line": number}}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    return count


def make_input(folder: Path, source: Path) -> tuple[int, int]:
    """200 article files from ``source`` plus 5 bad ones; returns (good, bad)."""
    folder.mkdir(parents=True)
    lines = [line.strip() for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    for number, text in enumerate(lines, 1):
        (folder / f"orangesum-{number:03d}.txt").write_text(text + "\n", encoding="utf-8")
    (folder / "bad-empty.md").write_text(" \n\n")
    (folder / "bad-binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "bad-undecodable.txt").write_bytes("Le café coûte".encode() + b"\x81\x8d\x90")
    (folder / "bad-english.md").write_text(ENGLISH)
    (folder / "bad-huge.txt").write_text(lines[0] * (1_100_000 // len(lines[0].encode()) + 1), encoding="utf-8")
    return len(lines), 5


def precis(*args: str) -> list[str]:
    return [str(ROOT / ".venv" / "bin" / "precis"), "batch", *args]


def results(out: Path) -> list[Path]:
    folder = out / "results"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def last_manifest(out: Path) -> dict:
    return json.loads(sorted((out / "runs").glob("*/manifest.json"))[-1].read_text())


def records(out: Path) -> dict[str, dict]:
    out_records = {}
    for path in results(out):
        record = json.loads(path.read_text(encoding="utf-8"))
        record.pop("timings")
        out_records[path.name] = record
    return out_records


def summary(manifest: dict) -> None:
    t = manifest["timings"]
    # models_s: None when no model was loaded here (nothing to process, or the Ray engine's driver)
    models = "not loaded here" if t["models_s"] is None else f"{t['models_s']}s"
    rate = manifest["throughput"]["articles_per_s"]
    print(
        f"  counts {manifest['counts']}; wall {t['wall_s']}s, models {models}, "
        f"{'-' if rate is None else rate} articles/s; cache hits {manifest['cache']['hits']}, "
        f"misses {manifest['cache']['misses']}"
    )


class Checks:
    def __init__(self) -> None:
        self.failed = 0

    def __call__(self, ok: bool, what: str) -> None:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        self.failed += not ok


def step(name: str, cmd: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    print(f"{name}: exit {done.returncode} in {seconds:.1f}s")
    return done, seconds


def demo(args: argparse.Namespace) -> int:
    if not Path(args.source).is_file():
        print(f"make nightly-demo: no {args.source}: give --source, a text file of one article a line", file=sys.stderr)
        raise SystemExit(2)
    if not args.no_ray:  # before minutes of local steps, not after them
        require_ray("make nightly-demo (--no-ray leaves its Ray steps out)", modules=("ray",), command=None)
    work = Path(args.work)
    if work.exists():
        shutil.rmtree(work)
    folder, out = work / "in", work / "out"
    good, bad = make_input(folder, Path(args.source))
    print(f"input: {good} articles + {bad} bad files in {folder}")
    check = Checks()
    base = ["--config", args.config, "--log-json"]
    names = kill_resume_rerun(args, folder, out, base, good, bad, check)
    if args.no_ray:
        return check.failed
    ray_against_local(args, work, folder, base, good, names, check)
    return check.failed


def kill_resume_rerun(
    args: argparse.Namespace, folder: Path, out: Path, base: list[str], good: int, bad: int, check: Checks
) -> list[str]:
    """Steps 1-3 into ``out``; returns the names of the results."""
    # 1. killed part-way
    start = time.perf_counter()
    proc = subprocess.Popen(
        precis(str(folder), "--out", str(out), *base), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while proc.poll() is None and len(results(out)) < args.kill_after:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = len(results(out))
    print(f"run 1 (kill -9 after {args.kill_after} results): {killed_at} results in {time.perf_counter() - start:.1f}s")
    check(proc.returncode == -signal.SIGKILL and killed_at < good, "killed part-way")

    # 2. resumed
    done, _ = step("run 2 (resume)", precis(str(folder), "--out", str(out), *base))
    manifest = last_manifest(out)
    names = [p.name for p in results(out)]
    ids = sorted(n.split(".")[0] for n in names)
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    index = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    summary(manifest)
    check(done.returncode == 1, "exit code 1 (finished with failures)")
    check(
        len(names) == good and ids == sorted(f"orangesum-{n:03d}" for n in range(1, good + 1)),
        f"{good} results, each once",
    )
    check(len(failures) == bad, f"{bad} failures: " + ", ".join(f"{f['id']} {f['code']}" for f in failures))
    check(not [p for p in out.rglob("*") if p.name.endswith(".tmp")], "no temporary file left")
    check(sorted(e["path"] for e in index) == sorted(f"results/{n}" for n in names), "index lists every result once")
    check(manifest["counts"]["skipped"] == killed_at, "resume skipped what the killed run had written")

    # 3. nothing left to do
    done, _ = step("run 3 (rerun)", precis(str(folder), "--out", str(out), *base))
    manifest = last_manifest(out)
    summary(manifest)
    check(manifest["counts"]["skipped"] == good and manifest["counts"]["done"] == 0, "everything skipped")
    check(len(results(out)) == good, "still exactly one result per article")
    check(manifest["timings"]["models_s"] is None, "no model loaded (the keys need only the models' revisions)")
    return names


def ray_against_local(
    args: argparse.Namespace, work: Path, folder: Path, base: list[str], good: int, names: list[str], check: Checks
) -> None:
    """Steps 4-5: the Ray engine and an uninterrupted local run into fresh folders, their records compared."""
    out = work / "out"
    ray_out, local_out = work / "out-ray", work / "out-local"
    ray_cmd = precis(str(folder), "--out", str(ray_out), *base, "--engine", "ray", "--ray-actors", str(args.ray_actors))
    done, _ = step(f"run 4 (ray engine, {args.ray_actors} actors)", ray_cmd)
    manifest = last_manifest(ray_out)
    summary(manifest)
    check(done.returncode == 1 and len(results(ray_out)) == good, f"exit code 1, {good} results")
    check(sorted(p.name for p in results(ray_out)) == sorted(names), "same result names (keys) as the local engine")
    done, _ = step(
        "run 5 (local engine, uninterrupted, for comparison)", precis(str(folder), "--out", str(local_out), *base)
    )
    manifest = last_manifest(local_out)
    summary(manifest)
    check(manifest["signature"] == last_manifest(ray_out)["signature"], "same output signature on both engines")
    a, b = records(local_out), records(ray_out)
    differ = sorted(name for name in a if a[name] != b.get(name))
    check(not differ, f"ray records equal local records, timings aside ({len(differ)} differ: {differ[:5]})")
    resumed = records(out)
    regrouped = sum(1 for name in a if a[name] != resumed.get(name))
    # Not a check: the resumed run grouped the articles left differently, and the tiny models
    # never stop before max_new_tokens, which depends on the longest sentence of a batch.
    print(f"  {regrouped} of the killed-and-resumed run's records differ from the uninterrupted run's")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    jsonl = sub.add_parser("jsonl", help="convert one-article-a-line text to JSONL")
    jsonl.add_argument("source", type=Path)
    jsonl.add_argument("target", type=Path)
    run = sub.add_parser("demo", help="the acceptance run: kill -9, resume, rerun, Ray")
    run.add_argument("--work", default="/tmp/precis-nightly-demo")
    run.add_argument("--source", default=str(ORANGESUM))
    run.add_argument("--config", default=str(ROOT / "configs" / "tiny.yaml"))
    run.add_argument("--kill-after", type=int, default=80)
    run.add_argument("--ray-actors", type=int, default=2)
    run.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()
    if args.command == "jsonl":
        print(f"{to_jsonl(args.source, args.target)} articles -> {args.target}")
        return 0
    failed = demo(args)
    print("all checks passed" if not failed else f"{failed} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
