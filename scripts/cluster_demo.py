"""make cluster-demo: precis batch on a Ray cluster started outside precis, timed, with node and driver losses.

A head (no CPUs) and 1, then 2, worker nodes of 1 CPU each, every node a separate
``ray start`` process with its own temp dir (scripts/ray_cluster.py); the driver is a
third process (``precis batch --engine ray --address ...``). The same 40 articles
(tiny models) run on each cluster into a fresh folder; then a worker node is killed
mid-run, and then the driver. Prints a Markdown table; every number comes from the
runs' manifests and progress logs.

    python scripts/cluster_demo.py [--articles 40] [--out runs/cluster-demo]
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

from ray_cluster import Cluster, batch_command, require_ray  # noqa: E402 - scripts/ is not a package

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "Le printemps arrive enfin sur la Bretagne. Les températures dépassent quinze degrés cet après-midi.",
    "Le conseil municipal a voté le budget mardi soir. La nouvelle piscine ouvrira ses portes en juin.",
    "L'équipe de Lyon a remporté le match de samedi. Les supporters ont célébré la victoire toute la nuit.",
    "La grève des cheminots perturbe le trafic ferroviaire. Un train sur trois circulera jeudi à Paris.",
    "Le musée des beaux-arts présente une exposition sur les impressionnistes. Elle restera ouverte cet été.",
]


def day(path: Path, n: int) -> Path:
    rows = []
    for i in range(n):
        # Longer articles than the tests': the actors' work, not Ray's overhead, should dominate.
        text = " ".join(TEXTS[(i + k) % len(TEXTS)] for k in range(4)) + f" Article numéro {i}."
        rows.append(json.dumps({"id": f"a{i:03d}", "text": text}, ensure_ascii=False))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def command(source: Path, out: Path, address: str, actors: int) -> list[str]:
    return batch_command(source, out, "--address", address, "--ray-actors", str(actors))


def steady_rate(out: Path) -> float | None:
    """Articles per second from the first group back to the last (models loaded, actors warm)."""
    [run] = sorted((out / "runs").glob("*"))[-1:]
    rows = [json.loads(line) for line in (run / "progress.jsonl").read_text().splitlines()]
    if len(rows) < 2:
        return None
    return (rows[-1]["done"] - rows[0]["done"]) / (rows[-1]["elapsed_s"] - rows[0]["elapsed_s"])


def last_manifest(out: Path) -> dict:
    return json.loads(sorted((out / "runs").glob("*/manifest.json"))[-1].read_text())


def results(out: Path) -> list[str]:
    return sorted(json.loads(p.read_text())["id"] for p in (out / "results").glob("*.json"))


def wait_for(out: Path, n: int, proc: subprocess.Popen) -> None:
    while proc.poll() is None:
        if (out / "results").is_dir() and len(list((out / "results").glob("*.json"))) >= n:
            return
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "cluster-demo")
    args = parser.parse_args()
    require_ray("make cluster-demo")
    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    source = day(args.out / "day.jsonl", args.articles)
    expected = [f"a{i:03d}" for i in range(args.articles)]
    rows = []
    rates: dict[int, tuple[float, float]] = {}  # worker nodes -> articles/s over the run, once the actors are up

    for workers in (1, 2):
        with Cluster(args.out / f"cluster-{workers}", workers=workers) as cluster:
            out = args.out / f"out-{workers}"
            start = time.perf_counter()
            done = subprocess.run(command(source, out, cluster.client, workers), env=cluster.env(), capture_output=True)
            wall = time.perf_counter() - start
            if results(out) != expected:
                sys.exit(
                    f"{workers} worker node(s): exit {done.returncode}, {len(results(out))} results:\n"
                    + done.stderr.decode()[-3000:]
                )
            m = last_manifest(out)
            per_node = ", ".join(str(w["articles"]) for w in m["workers"])
            loads = sorted(w["models_loaded"] for w in m["workers"])
            rates[workers] = (m["throughput"]["articles_per_s"], steady_rate(out))
            rows.append(
                f"| {workers} worker node(s), Ray Client | {wall:.1f} s | exit {done.returncode}; "
                f"{rates[workers][0]:.2f} articles/s over the run, "
                f"{rates[workers][1]:.2f} once the actors are up; articles per actor {per_node}; "
                f"models loaded per actor {loads} |"
            )

    with Cluster(args.out / "cluster-fault", workers=2) as cluster:
        out = args.out / "out-node-lost"
        cmd = command(source, out, cluster.address, 2)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=cluster.env(), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        wait_for(out, 6, proc)
        before = len(results(out))
        cluster.kill_raylet(0)
        _, err = proc.communicate()
        wall = time.perf_counter() - start
        lost = sum(1 for line in err.splitlines() if "a Ray actor was lost" in line)
        rerun = ""
        if proc.returncode != 0:
            again = subprocess.run(cmd, env=cluster.env(), capture_output=True)
            rerun = f"; rerun exit {again.returncode}"
        ok = results(out) == expected and not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
        rows.append(
            f"| worker node killed (raylet and its actors) after {before} results | {wall:.1f} s | "
            f"exit {proc.returncode}, {lost} actor(s) reported lost{rerun}; every article once: {ok} |"
        )

        out = args.out / "out-driver-killed"
        cmd = command(source, out, cluster.address, 1)
        proc = subprocess.Popen(cmd, env=cluster.env(), stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        wait_for(out, 6, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = len(results(out))
        start = time.perf_counter()
        again = subprocess.run(cmd, env=cluster.env(), capture_output=True)
        wall = time.perf_counter() - start
        m = last_manifest(out)
        ok = results(out) == expected
        rows.append(
            f"| driver killed (-9) after {before} results, rerun | {wall:.1f} s | exit {again.returncode}; "
            f"{m['counts']['done']} done, {m['counts']['skipped']} skipped; every article once: {ok} |"
        )

    print(f"{args.articles} articles, tiny models, group size 2, head with 0 CPUs, worker nodes of 1 CPU\n")
    print("| step | wall | result |\n|---|---|---|")
    print("\n".join(rows))
    (run_1, up_1), (run_2, up_2) = rates[1], rates[2]
    print(f"\n2 worker nodes against 1: {run_2 / run_1:.2f}x over the run, {up_2 / up_1:.2f}x once the actors are up")


if __name__ == "__main__":
    main()
