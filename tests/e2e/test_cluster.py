"""The DAG on a Spark standalone cluster (a master and two workers on loopback, started from the PySpark
distribution: the suite's one Airflow night, `night`, every stage on one warm driver) publishes the same
tables as a `local` run of the same stages on the same landing, in the suite's own session
(`local_night`)."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import AIRFLOW_NIGHT_GROUP
from deltalake import DeltaTable
from wkw.config import PUBLISHED
from wkw.pipeline import STAGES as PIPELINE

# One pytest-xdist worker runs the modules that share the Airflow night (tests/conftest.py).
pytestmark = pytest.mark.xdist_group(AIRFLOW_NIGHT_GROUP)
NIGHT_APPLICATION = "who-knows-whom:night"
PUBLISHED_TABLES = ["connection_strength", "introducers", "top_introducers"]
WALL_CLOCK_COLUMNS = {"publication_id", "published_at"}
OFF_TONIGHT = {stage.name for stage in PIPELINE if stage.periodic}


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
    """One application, the night's warm driver, ran every stage, with an executor on each worker."""
    folder, state = night.cluster_folder, night.cluster_state
    apps = state["completedapps"]
    assert [app["name"] for app in apps] == [NIGHT_APPLICATION] and not state["activeapps"]
    app = apps[0]
    assert app["state"] == "FINISHED" and app["cores"] == night.cluster_workers
    assert [w["state"] for w in state["workers"]] == ["ALIVE"] * night.cluster_workers
    assert f"{state['url']}, {app['id']}" in night.progress
    for number in range(1, night.cluster_workers + 1):
        work_dir = folder / f"worker-{number}"
        assert {path.name for path in work_dir.iterdir()} == {app["id"]}
        stderr = work_dir.glob(f"{app['id']}/*/stderr")
        assert sum(path.read_text(errors="replace").count("Finished task") for path in stderr) > 0
    # Each stage ran Spark jobs in it, but a periodic stage (calibrate) on one of its off nights runs none.
    jobs = {
        line["stage"]: int(line["jobs"])
        for line in re.finditer(
            r"^(?P<stage>\w+) +success +[\d.]+ s +(?P<jobs>\d+) Spark jobs", night.progress, re.M
        )
    }
    assert set(jobs) == {stage.name for stage in PIPELINE}
    assert {stage for stage, count in jobs.items() if count == 0} == OFF_TONIGHT
