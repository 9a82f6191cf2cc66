"""The client side of the lake's warm Spark (wkw.ops.spark_server): where its files are, starting,
asking, stopping it, and the DAG's task, which asks it to run one stage.

A task is a thin client: it sends the stage's name, its command line and its WKW_* environment over the
driver's Unix socket (an authentication key in a 0600 file of a private folder) and waits for the
stage's result; the driver refuses a task whose lake or Spark settings differ from its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Client
from pathlib import Path

from wkw.config import Settings, load_settings

START_TIMEOUT_SECONDS = 600
STOP_TIMEOUT_SECONDS = 120
ENV_PREFIX = "WKW_"
log = logging.getLogger("wkw.spark_client")


class ServerError(RuntimeError):
    """The warm Spark could not be started, reached or used."""


@dataclass(frozen=True)
class ServerFiles:
    """Where the driver of one lake keeps its socket, key, log, state and events (a private folder of the
    machine's temporary directory: a Unix socket path must stay short)."""

    folder: Path
    name: str

    @classmethod
    def of(cls, lake: str) -> ServerFiles:
        folder = Path(tempfile.gettempdir()) / f"wkw-spark-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
        return cls(folder, hashlib.sha256(lake.rstrip("/").encode()).hexdigest()[:16])

    def path(self, suffix: str) -> Path:
        return self.folder / f"{self.name}.{suffix}"

    @property
    def socket(self) -> Path:
        return self.path("sock")

    @property
    def events(self) -> Path:
        return self.path("events.jsonl")

    @property
    def log(self) -> Path:
        return self.path("log")

    def key(self, create: bool = False) -> bytes:
        path = self.path("key")
        if create:
            path.unlink(missing_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as fh:
                fh.write(secrets.token_hex(32))
        return path.read_text().encode()


def compatibility(server: Settings, task: Settings) -> str | None:
    """Why a task's settings cannot run on a driver started with `server`'s (None: they can)."""
    for label, mine, theirs in (
        ("lake", server.lake, task.lake),
        ("Spark master", server.spark_master, task.spark_master),
        ("Spark settings", dict(server.spark_conf), dict(task.spark_conf)),
        ("jars", server.jars, task.jars),
    ):
        if mine != theirs:
            return (
                f"the warm Spark runs with {label} {mine!r}, the task wants {theirs!r}: "
                "`wkw spark stop` first"
            )
    return None


@contextlib.contextmanager
def environment(overrides: dict[str, str]) -> Iterator[None]:
    """os.environ with the WKW_* variables of `overrides` instead of this process's own, for the block."""
    saved = {key: value for key, value in os.environ.items() if key.startswith(ENV_PREFIX)}
    for key in saved:
        del os.environ[key]
    os.environ.update({k: v for k, v in overrides.items() if k.startswith(ENV_PREFIX)})
    try:
        yield
    finally:
        for key in [k for k in os.environ if k.startswith(ENV_PREFIX)]:
            del os.environ[key]
        os.environ.update(saved)


def request(settings: Settings, message: dict, timeout: float | None = None) -> dict | None:
    """Send one request to the lake's driver and wait for its answer (None: no driver is up)."""
    files = ServerFiles.of(settings.lake)
    if not files.socket.exists():
        return None
    try:
        conn = Client(str(files.socket), family="AF_UNIX", authkey=files.key())
    except (ConnectionRefusedError, FileNotFoundError):
        return None
    with conn:
        conn.send(message)
        if timeout is not None and not conn.poll(timeout):
            raise ServerError(f"the warm Spark of {settings.lake} did not answer within {timeout} s")
        return conn.recv()


def status(settings: Settings) -> dict | None:
    """The running driver of the settings' lake (pid, master, application, Connect URL), or None."""
    try:
        return request(settings, {"op": "ping"}, timeout=30)
    except (EOFError, OSError):
        return None


@contextlib.contextmanager
def _start_lock(files: ServerFiles) -> Iterator[None]:
    with files.path("lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start(settings: Settings, env: dict[str, str] | None = None) -> tuple[dict, bool]:
    """The lake's driver, started (detached, its output in its log file) unless one is up already; its
    status and whether this call started it."""
    files = ServerFiles.of(settings.lake)
    with _start_lock(files):
        running = status(settings)
        if running is not None:
            return running, False
        env = dict(os.environ if env is None else env)
        env.setdefault("PYSPARK_PYTHON", sys.executable)
        command = [sys.executable, "-m", "wkw.ops.spark_server"]  # its settings come from `env`, as ours
        with files.log.open("a", encoding="utf-8") as out:
            process = subprocess.Popen(
                command,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServerError(
                    f"the warm Spark for {settings.lake} exited with {process.returncode} while starting; "
                    f"its log {files.log}:\n{tail(files.log)}"
                )
            if files.socket.exists():
                running = status(settings)
                if running is not None:
                    return running, True
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.25)
        process.kill()
        raise ServerError(f"the warm Spark for {settings.lake} did not start in {START_TIMEOUT_SECONDS} s")


def ready_for_queries(settings: Settings, timeout: float = START_TIMEOUT_SECONDS) -> dict:
    """The driver's status once it has opened the catalog and its tables (an analyst's first query then
    waits for none of it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = status(settings)
        if info is None:
            raise ServerError(
                f"the warm Spark of {settings.lake} went away; its log {ServerFiles.of(settings.lake).log}"
            )
        if info["catalog_open"]:
            return info
        time.sleep(0.5)
    raise ServerError(f"the warm Spark of {settings.lake} did not open its catalog in {timeout} s")


def stop(settings: Settings) -> dict | None:
    """Stop the lake's driver (its session, Connect endpoint and application); what was stopped, or None."""
    running = status(settings)
    if running is None:
        return None
    request(settings, {"op": "stop"}, timeout=STOP_TIMEOUT_SECONDS)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline and _alive(running["pid"]):
        time.sleep(0.2)
    return running


def _alive(pid: int) -> bool:
    """Whether the process runs (a child of this process that has exited is reaped here, not counted)."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def stage_argv(name: str, day: str, mode: str, force: str) -> list[str]:
    """The stage's command line, as a spark-submit of it would get: the mode and force only where they
    mean something."""
    from wkw.pipeline import stage

    spec = stage(name)
    return (
        ["--date", day]
        + (["--mode", mode] if spec.with_mode else [])
        + (["--force", str(force)] if spec.periodic else [])
    )


def run_stage_task(stage: str, day: str, mode: str = "incremental", force: str = "False") -> dict:
    """One DAG task: the stage run by the lake's warm Spark (started if none is up), its log lines in the
    task's log; an exception when it failed, so that Airflow marks the task failed and retries it."""
    settings = load_settings()
    start(settings)
    env = {key: value for key, value in os.environ.items() if key.startswith(ENV_PREFIX)}
    argv = stage_argv(stage, day, mode, force)
    try:
        answer = request(settings, {"op": "stage", "stage": stage, "argv": argv, "env": env})
    except EOFError:
        answer = None
    if answer is None:
        files = ServerFiles.of(settings.lake)
        raise ServerError(f"the warm Spark went away during {stage}; its log {files.log}:\n{tail(files.log)}")
    for line in answer["lines"]:
        log.info("%s", line)
    if not answer["ok"]:
        raise ServerError(f"{stage} {day} failed:\n{answer['error']}")
    return {"stage": stage, "date": day}
