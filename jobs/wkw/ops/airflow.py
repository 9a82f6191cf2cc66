"""Glue between Airflow and the Spark stages: the Airflow environment of the project, and the
spark-submit properties each stage runs with (rendered at run time, never at DAG parse time).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from wkw.config import PROJECT_ROOT

DAG_ID = "who_knows_whom"
# The DAG's start_date: the first logical date a run (a backfill of old history too) can have. Events before
# [filters] min_event_year (1990) are impossible for any company, so no earlier night has anything to do.
FIRST_LOGICAL_DATE = date(1990, 1, 1)
DONE_STATES = ("success", "skipped")
AIRFLOW_HOME = PROJECT_ROOT / ".airflow"
DAGS_FOLDER = PROJECT_ROOT / "dags"


def airflow_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for `airflow` commands: the project's own Airflow home (SQLite) and DAG folder, and the
    OpenLineage transport of `[lineage]` (wkw.ops.lineage)."""

    env = dict(os.environ if base is None else base)
    bin_dir = str(Path(sys.executable).parent)
    env.setdefault("AIRFLOW_HOME", str(AIRFLOW_HOME))
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_FOLDER))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env.setdefault("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "True")
    # The project's virtualenv first on PATH: its spark-submit and Python for the warm Spark.
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    env.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    for key, value in lineage_env(env).items():  # an [openlineage] of the user's own environment wins
        env.setdefault(key, value)
    return env


def lineage_env(env: dict[str, str]) -> dict[str, str]:
    """Airflow's [openlineage] for `[lineage]` of the settings that `env`'s WKW_* variables select."""
    from wkw.config import load_settings
    from wkw.ops.lineage import openlineage_env
    from wkw.ops.spark_client import environment

    with environment(env):
        settings = load_settings()
    return openlineage_env(settings, env)


def airflow(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "airflow"), *args]
    return subprocess.run(command, env=env, check=check)


def airflow_json(args: list[str], env: dict[str, str]) -> list[dict]:
    """The JSON list an `airflow ... -o json` command prints (Airflow may print warnings before it)."""
    command = [str(Path(sys.executable).parent / "airflow"), *args, "-o", "json"]
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    lines = [line for line in out.splitlines() if line.startswith("[")]
    return json.loads(lines[-1]) if lines else []


def run_verdict(states: dict[str, str], tasks: tuple[str, ...]) -> str | None:
    """Why a finished DAG run must not count as a success (None: every task ran and succeeded or skipped).
    `airflow dags test` reports success for a run that executed nothing (a date before start_date)."""
    if not states:
        return "the DAG run executed no task"
    missing = [task for task in tasks if task not in states]
    failed = {task: state for task, state in states.items() if state not in DONE_STATES}
    if missing:
        return f"the DAG run did not execute {', '.join(missing)}"
    if failed:
        return "tasks not done: " + ", ".join(f"{task} {state}" for task, state in sorted(failed.items()))
    return None


class LakeBusy(RuntimeError):
    """Another `wkw run` holds the lake."""


@contextmanager
def lake_lock(lake: str) -> Iterator[None]:
    """One `wkw run` per lake at a time on this machine: `airflow dags test` ignores the DAG's
    max_active_runs, and two runs of one lake would interleave their writes. A second run is refused at
    once, naming the holder; the lock goes with the process (an OS file lock), so a crash never leaves it."""
    folder = Path(tempfile.gettempdir()) / "wkw-locks"
    folder.mkdir(exist_ok=True)
    handle = (folder / f"{hashlib.sha256(lake.encode()).hexdigest()[:16]}.lock").open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise LakeBusy(
            f"another wkw run is using the lake {lake} ({holder}): try again when it ends"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}, since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def ensure_airflow_db(env: dict[str, str], log: Path) -> None:
    """Create (or upgrade) the SQLite metadata database once; later runs find it in place. The output goes
    to `log`, and a failure names it."""
    command = [str(Path(sys.executable).parent / "airflow"), "db", "migrate"]
    with log.open("a", encoding="utf-8") as out:
        migrated = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if migrated.returncode != 0:
        raise RuntimeError(f"airflow db migrate exited with {migrated.returncode}: see {log}")


def spark_properties_file(with_catalog: bool = False) -> str:
    """Write the spark-submit properties (Delta jars, conf/wkw.toml's Spark settings, and with `with_catalog`
    the embedded metastore) and return the path. Content-addressed, so concurrent tasks share one file."""
    from wkw.config import load_settings
    from wkw.session import spark_conf

    conf = spark_conf(load_settings(), with_catalog=with_catalog)
    lines = sorted(f"{key} {value}" for key, value in conf.items())
    content = "\n".join(lines) + "\n"
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"wkw-spark-{digest}.properties"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(content, encoding="utf-8")
        partial.replace(path)
    return str(path)
