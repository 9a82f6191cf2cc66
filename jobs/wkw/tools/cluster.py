"""A Spark standalone cluster on loopback: one master and N workers started from the PySpark distribution.

`bin/spark-class` runs Spark's own `Master` and `Worker` classes as subprocesses, each in its own process
group (so stopping a worker also stops the executors it launched), bound to 127.0.0.1 on free ports, with
work and log folders under one directory. For tests, and for trying the DAG against a `spark://` master:

    python -m wkw.tools.cluster start --workers 2 --dir /tmp/wkw-cluster  # the master URL; Ctrl-C stops
    WKW_SPARK_MASTER=spark://127.0.0.1:<port> wkw run --date 2026-11-26
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyspark

LOOPBACK = "127.0.0.1"
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0
POLL_S = 0.5
LOG_TAIL_LINES = 30


class ClusterError(RuntimeError):
    """The cluster did not come up (the message holds the tail of every log)."""


@dataclass
class StandaloneCluster:
    """A running master and its workers; `master_url` is what spark-submit's --master takes."""

    folder: Path
    master_url: str
    webui_url: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def state(self) -> dict:
        """The master's status as its web UI serves it (`/json/`): workers, active and completed apps."""
        with urllib.request.urlopen(f"{self.webui_url}/json/", timeout=5) as response:
            return json.load(response)

    def log_tails(self, lines: int = LOG_TAIL_LINES) -> str:
        parts = []
        for name in self.processes:
            path = self.folder / "logs" / f"{name}.log"
            text = path.read_text(errors="replace").splitlines()[-lines:] if path.exists() else []
            parts.append(f"--- {path} (last {lines} lines) ---\n" + "\n".join(text))
        return "\n".join(parts)


def free_port() -> int:
    """A TCP port free on loopback now (the OS picks it; the server binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def spark_home() -> Path:
    return Path(os.environ.get("SPARK_HOME") or Path(pyspark.__file__).parent)


def daemon_env(folder: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Loopback only, and executors run the project's Python (the one running this module); executors
    inherit the workers' environment, so `extra` (e.g. JAVA_TOOL_OPTIONS) reaches them too."""
    env = {**os.environ, **(extra or {})}
    env.update(
        {
            "SPARK_HOME": str(spark_home()),
            "SPARK_LOCAL_IP": LOOPBACK,
            "SPARK_LOCAL_HOSTNAME": LOOPBACK,
            "SPARK_LOG_DIR": str(folder / "logs"),
            "PYSPARK_PYTHON": env.get("PYSPARK_PYTHON", sys.executable),
        }
    )
    return env


def launch(folder: Path, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """`spark-class ARGS` in a new process group, output to logs/<name>.log."""
    command = [str(spark_home() / "bin" / "spark-class"), *args]
    with (folder / "logs" / f"{name}.log").open("ab") as log:
        return subprocess.Popen(
            command, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip


def stop_process(process: subprocess.Popen, timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM to the whole process group (the daemon and its executors), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        # The daemon is gone; its executors share the group and must go too.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        break


def stop_all(cluster: StandaloneCluster) -> None:
    """Workers first (they take their executors along), then the master."""
    for process in reversed(list(cluster.processes.values())):
        stop_process(process)


def wait_for_workers(cluster: StandaloneCluster, workers: int, timeout: float) -> dict:
    """Poll the master's JSON until `workers` are ALIVE; on timeout or a dead daemon, raise with the logs."""
    deadline, last = time.monotonic() + timeout, "no answer yet"
    while time.monotonic() < deadline:
        dead = [name for name, proc in cluster.processes.items() if proc.poll() is not None]
        if dead:
            raise ClusterError(f"{', '.join(dead)} exited while starting\n{cluster.log_tails()}")
        try:
            state = cluster.state()
            alive = [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]
            if len(alive) >= workers:
                return state
            last = f"{len(alive)} of {workers} workers alive"
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError) as exc:
            last = f"{cluster.webui_url}/json/: {exc}"
        time.sleep(POLL_S)
    raise ClusterError(
        f"the standalone cluster was not ready after {timeout:.0f} s ({last})\n{cluster.log_tails()}"
    )


@contextmanager
def standalone_cluster(
    folder: str | os.PathLike,
    workers: int = 2,
    cores: int = 1,
    memory: str = "1g",
    timeout: float = START_TIMEOUT_S,
    env: dict[str, str] | None = None,
) -> Iterator[StandaloneCluster]:
    """Start a master and `workers` workers on loopback, wait until all are registered, yield the cluster;
    stop every process group on the way out, whatever happened. `env` is added to the daemons' environment."""
    folder = Path(folder).resolve()
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    env = daemon_env(folder, env)
    port, webui_port = free_port(), free_port()
    cluster = StandaloneCluster(folder, f"spark://{LOOPBACK}:{port}", f"http://{LOOPBACK}:{webui_port}")
    with ExitStack() as stack:
        stack.callback(stop_all, cluster)
        master_args = [MASTER_CLASS, "--host", LOOPBACK, "--port", str(port), "--webui-port", str(webui_port)]
        cluster.processes["master"] = launch(folder, "master", master_args, env)
        for number in range(1, workers + 1):
            work_dir = folder / f"worker-{number}"
            work_dir.mkdir(exist_ok=True)
            worker_args = [
                WORKER_CLASS, "--host", LOOPBACK, "--port", "0", "--webui-port", str(free_port()),
                "--cores", str(cores), "--memory", memory, "--work-dir", str(work_dir), cluster.master_url,
            ]  # fmt: skip
            cluster.processes[f"worker-{number}"] = launch(folder, f"worker-{number}", worker_args, env)
        wait_for_workers(cluster, workers, timeout)
        yield cluster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wkw.tools.cluster", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("start", help="start a master and workers; run until Ctrl-C")
    start.add_argument("--workers", type=int, default=2)
    start.add_argument("--cores", type=int, default=1, help="cores per worker")
    start.add_argument("--memory", default="1g", help="memory per worker, e.g. 1g")
    start.add_argument("--dir", required=True, type=Path, help="folder for work and log files")
    start.add_argument("--timeout", type=float, default=START_TIMEOUT_S, help="seconds to wait for workers")
    args = parser.parse_args(argv)
    # Ctrl-C and SIGTERM both leave through the context manager, which stops every process group (SIGINT
    # too when started in the background, where the shell would have it ignored).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.default_int_handler)
    try:
        with standalone_cluster(args.dir, args.workers, args.cores, args.memory, args.timeout) as cluster:
            print(cluster.master_url, flush=True)
            logs = cluster.folder / "logs"
            print(f"web UI {cluster.webui_url}, logs in {logs}; Ctrl-C stops", file=sys.stderr)
            while all(proc.poll() is None for proc in cluster.processes.values()):
                time.sleep(1)
            print(f"a daemon exited\n{cluster.log_tails()}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        return 0
    except ClusterError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
