"""A Ray cluster on this machine, started outside precis: a head and worker nodes as separate processes.

For the cluster tests (``tests/test_batch_cluster.py``) and ``make cluster-demo``. Each
node is one ``ray start --block`` process in its own session (process group) with its
own ``--temp-dir``, so stopping a node, or the whole cluster, ends exactly the processes
it started (never ``ray stop``, which stops every Ray on the machine). The head has no
CPUs (``--num-cpus 0``): precis's actors run on the worker nodes only, so the number of
worker nodes is the parallelism.

    with Cluster(root, workers=2) as cluster:
        env = cluster.env()                      # RAY_AUTH_MODE for every process
        ... precis batch --engine ray --address cluster.address (or cluster.client) ...
        cluster.kill_raylet(0)                   # a worker node lost
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))
TINY = str(Path(__file__).resolve().parent.parent / "configs" / "tiny.yaml")
INSTALL_RAY = "make install (requirements.lock has it) or .venv/bin/pip install -e '.[ray]'"


def missing_ray(modules: tuple[str, ...] = ("ray", "grpc"), command: str | None = RAY) -> str | None:
    """What of the ray extra is missing here (``command``: the ``ray`` CLI beside this Python), or None.

    The extra is optional and no make target installs it, so a demo checks first: without
    it, ``ray start`` would end in a FileNotFoundError traceback. grpc is Ray Client's.
    """
    if command is not None and not Path(command).is_file():
        return f"no {command}"
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            return f"import {name}: {exc}"
    return None


def require_ray(what: str, modules: tuple[str, ...] = ("ray", "grpc"), command: str | None = RAY) -> None:
    """Stop with one line on stderr and exit 2 (bad setup) when the ray extra isn't installed."""
    problem = missing_ray(modules, command)
    if problem is not None:
        print(f"{what}: needs the ray extra: {INSTALL_RAY} ({problem})", file=sys.stderr)
        raise SystemExit(2)


def batch_command(source: Path, out: Path, *options: str) -> list[str]:
    """The driver's ``precis batch`` on the tiny models with the Ray engine, groups of 2, plus ``options``."""
    return [
        *(sys.executable, "-m", "pipeline.cli", "batch", "-c", TINY, "-o", str(out)),
        *("--engine", "ray", "--group-size", "2", *options, str(source)),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(proc.name))
    return found


class Cluster:
    """A head (GCS and Ray Client server) and ``workers`` worker nodes of ``cpus`` CPUs each."""

    def __init__(self, root: Path, workers: int = 1, cpus: int = 1) -> None:
        self.root = root
        self.cpus = cpus
        self.port = free_port()
        self.client_port = free_port()
        self.nodes: list[subprocess.Popen] = []
        self.temp_dirs: list[Path] = []
        self.wanted_workers = workers

    @property
    def address(self) -> str:
        """The GCS address, for a driver on a cluster machine (what ``auto`` finds)."""
        return f"127.0.0.1:{self.port}"

    @property
    def client(self) -> str:
        """The Ray Client address, for a driver anywhere."""
        return f"ray://127.0.0.1:{self.client_port}"

    @staticmethod
    def env() -> dict[str, str]:
        # Ray 2.5x+ turns token authentication on when a token exists (~/.ray/auth_token);
        # saying so explicitly makes every process (nodes, driver) agree.
        return {
            **os.environ,
            "RAY_AUTH_MODE": "token",
            "RAY_BACKEND_LOG_LEVEL": "error",
            "RAY_USAGE_STATS_ENABLED": "0",
        }

    def _node(self, name: str, args: list[str]) -> None:
        # Short: Ray's Unix sockets live under it, and a socket path may not exceed 107 bytes.
        temp = Path(tempfile.mkdtemp(prefix=f"ray-{name}-", dir="/tmp"))
        self.root.mkdir(parents=True, exist_ok=True)
        log = (self.root / f"{name}.log").open("w")
        proc = subprocess.Popen(
            [RAY, "start", "--block", "--temp-dir", str(temp), "--disable-usage-stats", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env(),
            start_new_session=True,
        )
        self.nodes.append(proc)
        self.temp_dirs.append(temp)

    def start(self, timeout: float = 120) -> Cluster:
        self._node(
            "head",
            [
                "--head",
                f"--port={self.port}",
                "--num-cpus=0",
                "--include-dashboard=false",
                f"--ray-client-server-port={self.client_port}",
                "--node-ip-address=127.0.0.1",
            ],
        )
        self.wait_for_nodes(1, timeout)
        for _ in range(self.wanted_workers):
            self.add_worker(timeout)
        self.wait_for_client(timeout)
        return self

    def wait_for_client(self, timeout: float) -> None:
        """Connect once through Ray Client: the first connection to a new head can fail while it
        is still starting (``Starting Ray client server failed``); later ones then work."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.alive_nodes(self.client) == 1 + self.wanted_workers:
                return
            time.sleep(0.5)
        raise RuntimeError(f"Ray Client at {self.client} didn't answer in {timeout}s; see the logs in {self.root}")

    def add_worker(self, timeout: float = 120) -> None:
        n = len(self.nodes)
        self._node(
            f"worker{n}", [f"--address={self.address}", f"--num-cpus={self.cpus}", "--node-ip-address=127.0.0.1"]
        )
        self.wait_for_nodes(n + 1, timeout)

    def alive_nodes(self, address: str | None = None) -> int:
        code = (
            "import ray, sys; ray.init(address=sys.argv[1], logging_level='error'); "
            "print(sum(1 for n in ray.nodes() if n['Alive']))"
        )
        try:
            done = subprocess.run(
                [sys.executable, "-c", code, address or self.address],
                capture_output=True,
                text=True,
                env=self.env(),
                timeout=60,
            )
        except subprocess.TimeoutExpired:
            return 0
        return int(done.stdout.strip() or 0) if done.returncode == 0 else 0

    def wait_for_nodes(self, n: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.nodes):
                raise RuntimeError(f"a Ray node exited; see the logs in {self.root}")
            if self.alive_nodes() >= n:
                return
            time.sleep(0.5)
        raise RuntimeError(f"{n} Ray nodes didn't come up in {timeout}s; see the logs in {self.root}")

    def raylet_pid(self, worker: int) -> int:
        """The raylet of worker node ``worker`` (0-based), found by its temp dir in /proc."""
        temp = str(self.temp_dirs[worker + 1])
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if (
                args
                and args[0].endswith(b"/raylet")
                and any(a.startswith(b"--raylet_socket_name=" + temp.encode()) for a in args)
            ):
                return int(proc.name)
        raise LookupError(f"no raylet for worker {worker} ({temp})")

    def kill_raylet(self, worker: int, with_workers: bool = True) -> list[int]:
        """SIGKILL a worker node's raylet, and with ``with_workers`` the worker processes it started (its
        actors), as when the machine is lost; returns the pids killed.

        The raylet alone is not always enough: an actor's process talks to the driver
        directly and may finish its task before it notices its raylet is gone.
        """
        pid = self.raylet_pid(worker)
        pids = [pid, *(_children(pid) if with_workers else [])]
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return pids

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM every node's process group, then SIGKILL what is left after ``grace`` seconds."""
        for proc in reversed(self.nodes):  # workers first, the head last
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in reversed(self.nodes):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # whatever the node left in its group
            except ProcessLookupError:
                pass
            proc.wait()
        for temp in self.temp_dirs:
            shutil.rmtree(temp, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
