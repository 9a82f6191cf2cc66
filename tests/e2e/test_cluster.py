"""The DAG on a Spark standalone cluster (a master and two workers on loopback, started from the PySpark
distribution: the suite's one Airflow night, `night`) publishes the same tables as a `local` run of the
same stages on the same landing, in the suite's own session (`local_night`)."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable
from wkw.config import PUBLISHED
from wkw.pipeline import STAGES as PIPELINE

STAGES = {"extract", "privacy", "interactions", "strength", "introducers", "validate", "publish"}
SUBMIT = re.compile(r"Spark-Submit cmd: spark-submit --master (\S+) .*?--name wkw-(\w+) ")
PUBLISHED_TABLES = ["connection_strength", "introducers", "top_introducers"]
WALL_CLOCK_COLUMNS = {"publication_id", "published_at"}
# A periodic stage (calibrate) on one of its off nights starts its application and runs no Spark job.
OFF_TONIGHT = {f"who-knows-whom:{stage.name}" for stage in PIPELINE if stage.periodic}


def published(lake: Path, table: str) -> pa.Table:
    """A published table as delta-rs reads it, without the wall-clock columns, in a fixed row order."""
    data = DeltaTable(str(lake / PUBLISHED / table)).to_pyarrow_table()
    data = data.drop_columns([name for name in data.column_names if name in WALL_CLOCK_COLUMNS])
    return data.sort_by([(name, "ascending") for name in data.column_names])


@pytest.mark.e2e
@pytest.mark.parametrize("table", PUBLISHED_TABLES)
def test_cluster_publishes_the_same_tables_as_local(night, local_night, table):
    local = published(Path(local_night.settings.lake), table)
    on_cluster = published(night.lake, table)
    assert local.num_rows > 0
    assert on_cluster.schema == local.schema
    assert on_cluster.to_pylist() == local.to_pylist()


@pytest.mark.e2e
def test_every_stage_ran_on_the_workers(night):
    folder, state = night.cluster_folder, night.cluster_state
    submits = SUBMIT.findall(night.log)
    assert {master for master, _ in submits} == {state["url"]}
    stages = {stage for _, stage in submits}
    assert stages >= STAGES
    apps = {app["name"]: app for app in state["completedapps"]}
    assert len(state["completedapps"]) == len(submits) and not state["activeapps"]
    assert set(apps) == {f"who-knows-whom:{stage}" for stage in stages}
    assert all(app["state"] == "FINISHED" and app["cores"] == night.cluster_workers for app in apps.values())
    assert [w["state"] for w in state["workers"]] == ["ALIVE"] * night.cluster_workers
    # Every application had an executor on each worker; each worker's executors ran tasks.
    finished = {app["id"]: 0 for app in state["completedapps"]}
    for number in range(1, night.cluster_workers + 1):
        work_dir = folder / f"worker-{number}"
        assert {path.name for path in work_dir.iterdir()} == set(finished)
        on_worker = 0
        for stderr in work_dir.glob("app-*/*/stderr"):
            count = stderr.read_text(errors="replace").count("Finished task")
            finished[stderr.parent.parent.name] += count
            on_worker += count
        assert on_worker > 0
    names = {app["id"]: app["name"] for app in state["completedapps"]}
    assert all(count > 0 for app, count in finished.items() if names[app] not in OFF_TONIGHT)
