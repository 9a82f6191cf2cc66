"""The same DAG on a Spark standalone cluster (a master and two workers on loopback, started from the
PySpark distribution) publishes the same tables as the `local[*]` run of the same landing (`night`)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable
from wkw.cluster import standalone_cluster
from wkw.config import PUBLISHED

NIGHT = "2026-11-26"
WKW = str(Path(sys.executable).parent / "wkw")
STAGES = {"extract", "privacy", "interactions", "strength", "introducers", "validate", "publish"}
SUBMIT = re.compile(r"Spark-Submit cmd: spark-submit --master (\S+) .*?--name wkw-(\w+) ")
PUBLISHED_TABLES = ["connection_strength", "introducers", "top_introducers"]
WALL_CLOCK_COLUMNS = {"publication_id", "published_at"}
WORKERS = 2
# Short-lived JVMs spend much of their CPU in the C2 compiler: C1 only roughly halves the CPU time of a
# stage here. JVM flags only; the DAG, the code and the Spark settings are those of the local run.
QUICK_JVM = {"JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}


@pytest.fixture(scope="module")
def cluster_night(night, tmp_path_factory):
    """The night's landing through the DAG against `spark://127.0.0.1:<port>`; the cluster is stopped
    before the tests look at the result, so nothing outlives a failure."""
    env, _, _ = night
    root = tmp_path_factory.mktemp("cluster_night")
    landing = Path(env["WKW_LAKE"]).parent / "landing"
    with standalone_cluster(
        root / "cluster", workers=WORKERS, cores=1, memory="1g", env=QUICK_JVM
    ) as cluster:
        cluster_env = {
            **env,
            **QUICK_JVM,
            "AIRFLOW_HOME": str(root / "airflow"),
            "WKW_LAKE": str(root / "lake"),
            "WKW_SPARK_MASTER": cluster.master_url,
        }
        run = subprocess.run(
            [WKW, "run", "--date", NIGHT, "--landing", str(landing)],
            env=cluster_env,
            capture_output=True,
            text=True,
            timeout=1500,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:] + cluster.log_tails()
        state = settled_state(cluster)
    return Path(env["WKW_LAKE"]), root / "lake", root / "cluster", state, run.stdout + run.stderr


def settled_state(cluster, timeout: float = 30.0) -> dict:
    """The master's state once the last application's end has reached it."""
    deadline = time.monotonic() + timeout
    state = cluster.state()
    while state["activeapps"] and time.monotonic() < deadline:
        time.sleep(0.5)
        state = cluster.state()
    return state


def published(lake: Path, table: str) -> pa.Table:
    """A published table as delta-rs reads it, without the wall-clock columns, in a fixed row order."""
    data = DeltaTable(str(lake / PUBLISHED / table)).to_pyarrow_table()
    data = data.drop_columns([name for name in data.column_names if name in WALL_CLOCK_COLUMNS])
    return data.sort_by([(name, "ascending") for name in data.column_names])


@pytest.mark.e2e
@pytest.mark.parametrize("table", PUBLISHED_TABLES)
def test_cluster_publishes_the_same_tables_as_local(cluster_night, table):
    local_lake, cluster_lake, _, _, _ = cluster_night
    local, on_cluster = published(local_lake, table), published(cluster_lake, table)
    assert local.num_rows > 0
    assert on_cluster.schema == local.schema
    assert on_cluster.to_pylist() == local.to_pylist()


@pytest.mark.e2e
def test_every_stage_ran_on_the_workers(cluster_night):
    _, _, folder, state, log = cluster_night
    submits = SUBMIT.findall(log)
    assert {master for master, _ in submits} == {state["url"]}
    stages = {stage for _, stage in submits}
    assert stages >= STAGES
    apps = {app["name"]: app for app in state["completedapps"]}
    assert len(state["completedapps"]) == len(submits) and not state["activeapps"]
    assert set(apps) == {f"who-knows-whom:{stage}" for stage in stages}
    assert all(app["state"] == "FINISHED" and app["cores"] == WORKERS for app in apps.values())
    assert [w["state"] for w in state["workers"]] == ["ALIVE"] * WORKERS
    # Every application had an executor on each worker; each worker's executors ran tasks.
    finished = {app["id"]: 0 for app in state["completedapps"]}
    for number in range(1, WORKERS + 1):
        work_dir = folder / f"worker-{number}"
        assert {path.name for path in work_dir.iterdir()} == set(finished)
        on_worker = 0
        for stderr in work_dir.glob("app-*/*/stderr"):
            count = stderr.read_text(errors="replace").count("Finished task")
            finished[stderr.parent.parent.name] += count
            on_worker += count
        assert on_worker > 0
    assert all(count > 0 for count in finished.values())
