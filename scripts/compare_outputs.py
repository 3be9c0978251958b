"""Outputs of two versions of precis, side by side: the same runs must give the same records.

    python scripts/compare_outputs.py [--ref REV] [--articles 40] [--keep DIR]

Checks out REV (default: 2211336, the last commit before the stage/backend/batch
redesign) into a temporary git worktree and runs, on both it and the working tree, with
the tiny models (``configs/tiny.yaml``) and a model cache of each side's own:

1. ``make smoke``'s command: ``summarize`` of the sample article, Markdown;
2. ``summarize --format json`` of the sample article;
3. ``summarize --format json`` of the 10x article (the sample repeated ten times);
4. ``batch`` over the first ``--articles`` OrangeSum sample articles (JSONL input).

JSON records are compared whole except ``timings`` (wall times) and ``signature`` (new in
the redesign); ``config``, ``models`` and ``versions`` are compared too, but reported
apart, as metadata: the redesign changed what they hold (the pipeline list, the
benchmark-only keys, ctranslate2's version). Batch results are matched by article id,
since their file names carry the key. Exit status 1 when any content differs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ORANGESUM = ROOT.parent / "shared" / "data" / "orangesum-sample" / "articles.fr.txt"
SAMPLE = Path("samples/jedi-cloud.fr.md")
VOLATILE = ("timings", "signature")
METADATA = ("config", "models", "versions")


def cli(root: Path, cache: Path, *args: str) -> str:
    """Run ``precis`` from ``root``'s own code (its folder first on sys.path), offline."""
    env = {**os.environ, "PRECIS_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], cwd=root, env=env, capture_output=True, text=True
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"{root}: precis {' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return done.stdout


def split_record(record: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(content, metadata) of a JSON record, volatile keys dropped."""
    content = {k: v for k, v in record.items() if k not in VOLATILE and k not in METADATA}
    return content, {k: record.get(k) for k in METADATA}


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, as dotted paths (at most a few per value)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a:
                out.append(f"{path}{key}: only in the new output")
            elif key not in b:
                out.append(f"{path}{key}: only in the old output")
            else:
                out += differences(a[key], b[key], f"{path}{key}.")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}{i}.")]
    return [] if a == b else [f"{path.rstrip('.')}: {json.dumps(a)[:80]} -> {json.dumps(b)[:80]}"]


def run_side(root: Path, work: Path, inputs: dict[str, Path]) -> dict[str, Any]:
    cache = work.parent / "cache"  # one model cache for both sides: the same tiny models
    out: dict[str, Any] = {
        "smoke (markdown)": cli(root, cache, "summarize", "--config", "configs/tiny.yaml", str(SAMPLE)),
        "sample (json)": json.loads(
            cli(root, cache, "summarize", "--config", "configs/tiny.yaml", "--format", "json", str(SAMPLE))
        ),
        "10x article (json)": json.loads(
            cli(root, cache, "summarize", "--config", "configs/tiny.yaml", "--format", "json", str(inputs["10x"]))
        ),
    }
    batch_out = work / "batch"
    cli(root, cache, "batch", str(inputs["jsonl"]), "--out", str(batch_out), "--config", "configs/tiny.yaml")
    records = {}
    for path in sorted((batch_out / "results").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        records[record["id"]] = record
    out["batch (records by id)"] = records
    return out


def compare(old: dict[str, Any], new: dict[str, Any]) -> tuple[bool, list[str]]:
    ok, lines = True, []
    for name in old:
        a, b = old[name], new[name]
        if isinstance(a, str):
            same = a == b
            ok &= same
            lines.append(f"{name}: {'identical' if same else 'DIFFERENT'} ({len(a.splitlines())} lines)")
            continue
        pairs = [(a, b)] if "id" in a else [(a.get(k, {}), b.get(k, {})) for k in sorted(set(a) | set(b))]
        content_diffs, meta_diffs = [], set()
        for x, y in pairs:
            (cx, mx), (cy, my) = split_record(x), split_record(y)
            content_diffs += differences(cx, cy)
            meta_diffs.update(d.split(":")[0] for d in differences(mx, my))
        same = not content_diffs
        ok &= same
        count = f"{len(pairs)} record(s)"
        lines.append(f"{name}: {'identical' if same else 'DIFFERENT'} content, {count}")
        lines += [f"    content: {d}" for d in content_diffs[:10]]
        if meta_diffs:
            lines.append(f"    metadata keys that differ: {', '.join(sorted(meta_diffs)[:12])}")
    return ok, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ref", default="2211336", help="the version to compare against (a git revision)")
    parser.add_argument("--articles", type=int, default=40, help="OrangeSum articles in the batch run")
    parser.add_argument("--keep", type=Path, default=None, help="keep both sides' outputs in DIR")
    args = parser.parse_args(argv)
    work = Path(args.keep or tempfile.mkdtemp(prefix="precis-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    inputs = {"10x": work / "jedi-cloud-10x.fr.md", "jsonl": work / "orangesum.jsonl"}
    sample = (ROOT / SAMPLE).read_text(encoding="utf-8")
    inputs["10x"].write_text("\n\n".join([sample.strip()] * 10) + "\n", encoding="utf-8")
    lines = [x.strip() for x in ORANGESUM.read_text(encoding="utf-8").splitlines() if x.strip()][: args.articles]
    with inputs["jsonl"].open("w", encoding="utf-8") as f:
        for n, text in enumerate(lines, 1):
            f.write(json.dumps({"id": f"orangesum-{n:03d}", "text": text}, ensure_ascii=False) + "\n")
    old_root = work / "ref"
    if old_root.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(old_root)], cwd=ROOT, check=False)
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(old_root), args.ref], cwd=ROOT, check=True, capture_output=True
    )
    try:
        print(f"old: {args.ref} ({old_root}); new: the working tree ({ROOT})", file=sys.stderr)
        old = run_side(old_root, work / "old", inputs)
        new = run_side(ROOT, work / "new", inputs)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(old_root)], cwd=ROOT, check=False)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    ok, report = compare(old, new)
    print("\n".join(report))
    print("all outputs identical (timings and signature aside)" if ok else "outputs DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
