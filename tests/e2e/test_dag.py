"""The DAG: wiring and policy, then the suite's one real night through Airflow (`night`: `wkw run` =
`airflow dags test`, every stage on the lake's warm Spark, against a Spark standalone master and two
workers on loopback), read back by the `wkw` CLI and Spark SQL on the catalog, and compared with a `local`
run of the same stages on the same landing in the suite's own session (`local_night`): the same tables.

Then `wkw backfill` on a copy of that lake: a range whose second day has no landing stops with a clear
error before anything starts; once that day's landing is there (an empty folder: a quiet day), the same
command skips the published night and runs the next one incrementally, which publishes.

One module, so that `make test`'s pytest-xdist workers (`--dist loadfile`) run the Airflow night once."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import free_port
from deltalake import DeltaTable
from wkw.config import PROJECT_ROOT, PUBLISHED
from wkw.ops.airflow import DAG_ID, airflow_json
from wkw.ops.lineage import StageOperator, lineage_edges, night_events, read_events
from wkw.ops.spark_client import run_stage_task
from wkw.pipeline import STAGE_NAMES
from wkw.pipeline import STAGES as PIPELINE

DAG_FILE = PROJECT_ROOT / "dags" / "who_knows_whom.py"
STAGES = list(STAGE_NAMES)
NIGHT = date(2026, 11, 26)
WKW = str(Path(sys.executable).parent / "wkw")
NIGHT_APPLICATION = "who-knows-whom:night"
NEXT = NIGHT + timedelta(days=1)
TILE = "top_introducers"
PUBLISHED_TABLES = ["connection_strength", "introducers", "top_introducers"]
WALL_CLOCK_COLUMNS = {"publication_id", "published_at"}
OFF_TONIGHT = {stage.name for stage in PIPELINE if stage.periodic}


@pytest.fixture(scope="module")
def dag(tmp_path_factory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE.parent))
    assert bag.import_errors == {}
    return bag.dags["who_knows_whom"]


def test_dag_policy(dag):
    assert dag.params["mode"] == "incremental"  # {"mode": "full"} (wkw run --full) recomputes
    assert dag.params["calibrate"] is False  # {"calibrate": true} (wkw run --calibrate) calibrates tonight
    assert dag.catchup is False
    assert "who-knows-whom" in dag.tags
    assert dag.doc_md and "publish" in dag.doc_md
    assert all(task.retries >= 1 for task in dag.tasks)
    assert dag.schedule == "@daily" or str(dag.timetable.summary) == "@daily"


def test_stages_run_in_order_on_the_warm_spark(dag):
    order, task = [], dag.get_task("extract")
    while task is not None:
        order.append(task.task_id)
        downstream = list(task.downstream_list)
        task = downstream[0] if downstream else None
    assert order == STAGES
    for task in dag.tasks:
        assert isinstance(task, StageOperator)  # a PythonOperator that names its stage's datasets
        assert task.python_callable is run_stage_task
        assert task.op_kwargs == {
            "stage": task.task_id,
            "day": "{{ ds }}",
            "mode": "{{ params.mode }}",
            "force": "{{ params.calibrate }}",
        }
        assert task.doc_md
    assert {outlet.name for outlet in dag.get_task("publish").outlets} >= {"wkw.top_introducers"}


def wkw(env, *args):
    return subprocess.run([WKW, *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.e2e
def test_dag_run_publishes_the_tile_the_cli_shows(night):
    env, truth = night.env, night.truth
    for stage in STAGES:
        assert f"task_id={stage}" in night.airflow_log
        # wkw run's progress line per task: task, state, elapsed seconds (and rows, where it wrote any)
        assert re.search(rf"^{stage} +success +\d+\.\d s", night.progress, re.MULTILINE), night.progress
    assert re.search(r"^publish +success .*rows .*top_introducers [\d,]+", night.progress, re.MULTILINE)
    lead = truth["sample_lead"]
    shown = wkw(env, "who-knows", lead, "--json")
    assert shown.returncode == 0, shown.stderr
    tile = json.loads(shown.stdout)
    strong = {t["colleague"] for t in truth["ties"] if t["contact"] == lead and t["kind"] == "strong"}
    offered = {row["colleague_email"] for row in tile["introducers"]}
    assert strong - set(truth["opted_out"]) - set(truth["inactive"]) <= offered
    everyone = json.loads(wkw(env, "who-knows", lead, "--all", "--json").stdout)["introducers"]
    assert tile["introducers"] == everyone[:5]
    assert [row["rank"] for row in tile["introducers"]] == list(range(1, len(tile["introducers"]) + 1))
    assert tile["crm_type"] == "lead" and tile["as_of_date"] == NIGHT.isoformat()
    text = wkw(env, "who-knows", lead)
    assert text.returncode == 0 and tile["introducers"][0]["colleague_name"] in text.stdout
    best = tile["introducers"][0]
    why = wkw(env, "who-knows", lead, "--why", best["colleague_email"])
    assert why.returncode == 0, why.stderr
    assert re.search(rf"mails sent\s+│ {best['mails_sent']}\s", why.stdout) and best["band"] in why.stdout


def recorded_run(env: dict, day: date) -> tuple[dict, list[dict]]:
    """The newest DAG run of `day` in the night's Airflow database, and its task instances."""
    from wkw.ops.airflow import airflow_json

    runs = [r for r in airflow_json(["dags", "list-runs", DAG_ID], env) if r["logical_date"][:10] == str(day)]
    run = max(runs, key=lambda r: r["run_after"])
    return run, airflow_json(["tasks", "states-for-dag-run", DAG_ID, run["run_id"]], env)


@pytest.mark.e2e
def test_the_dag_run_records_when_it_really_ran(night):
    """`airflow dags test` records the logical date as the run's start ("8939d 17h" in the UI); `wkw run`
    records the true start, so the run's duration is the night's."""
    run, tasks = recorded_run(night.env, NIGHT)
    began, ended = night.wall_clock
    start, end = (datetime.fromisoformat(run[key]) for key in ("start_date", "end_date"))
    assert began <= start < end <= ended, (run, night.wall_clock)
    assert {task["task_id"] for task in tasks} == set(STAGES)
    timed = [task for task in tasks if task["start_date"]]  # a skipped task may never have started
    assert len(timed) >= len(STAGES) - 1, tasks
    for task in timed:
        assert start <= datetime.fromisoformat(task["start_date"]) <= datetime.fromisoformat(task["end_date"])
        assert datetime.fromisoformat(task["end_date"]) <= end


@pytest.mark.e2e
def test_the_night_s_lineage_events_lead_from_the_landing_to_the_published_tile(night):
    """The real night's OpenLineage events (Airflow's provider, [lineage]'s file under the lake)."""
    events_file = night.lake / "_reports" / "lineage" / "events.jsonl"
    events = night_events(read_events(events_file), DAG_ID, NIGHT.isoformat())
    completed = {event["job"]["name"] for event in events if event["eventType"] == "COMPLETE"}
    assert completed == {f"{DAG_ID}.{stage}" for stage in STAGES}
    lake, landing = f"file:{night.lake}", f"file:{night.landing.resolve()}"
    chain = [
        f"{landing}/mail/{NIGHT.isoformat()}",
        f"{lake}/bronze/mail_messages",
        f"{lake}/silver/interactions",
        f"{lake}/gold/connection_strength",
        f"{lake}/gold/top_introducers",
        f"{lake}/published/top_introducers",
    ]
    jobs = [f"{DAG_ID}.{job}" for job in ("extract", "interactions", "strength", "introducers", "publish")]
    edges = lineage_edges(events)
    missing = [step for step in zip(chain, jobs, chain[1:], strict=False) if step not in edges]
    assert not missing, (missing, sorted(edges)[:20])
    people = {tie[side] for tie in night.truth["ties"] for side in ("colleague", "contact")}
    text = events_file.read_text(encoding="utf-8")
    assert people and not [address for address in people if address in text]  # tables, never people


@pytest.mark.e2e
def test_cli_refuses_an_unknown_email(night):
    env = night.env
    shown = wkw(env, "who-knows", "nobody@nowhere.example")
    assert shown.returncode == 2
    assert "No colleague is known to know nobody@nowhere.example" in shown.stderr
    anonymous = wkw({k: v for k, v in env.items() if k != "WKW_USER"}, "who-knows", "nobody@nowhere.example")
    assert anonymous.returncode == 4 and "pass --as EMAIL or set WKW_USER" in anonymous.stderr


@pytest.mark.e2e
def test_published_tables_are_in_the_spark_sql_catalog(night):
    env, truth = night.env, night.truth
    lead = truth["sample_lead"]
    query = (
        f"SELECT colleague_email, rank FROM wkw.top_introducers WHERE contact_email = '{lead}' ORDER BY rank"
    )
    shown = wkw(env, "sql", query)
    assert shown.returncode == 0, shown.stderr[-3000:]
    tile = json.loads(wkw(env, "who-knows", lead, "--json").stdout)
    for row in tile["introducers"]:
        assert row["colleague_email"] in shown.stdout


@pytest.mark.e2e
def test_analysts_attach_to_the_warm_spark_through_spark_connect(night):
    """With the lake's warm Spark up, `wkw sql` goes through its Spark Connect endpoint (no session of its
    own, so no wait on the embedded metastore's lock) and sees the published tables."""

    env = night.env
    expected = len(DeltaTable(str(night.lake / "published" / "top_introducers")).to_pyarrow_table())
    started = wkw(env, "spark", "start")
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        assert f"sc://127.0.0.1:{env['WKW_SPARK_CONNECT_PORT']}" in started.stdout
        up = wkw(env, "spark", "status")
        assert up.returncode == 0 and "0 stages run" in up.stdout
        again = wkw(env, "spark", "start")
        assert "already up" in again.stdout
        shown = wkw(env, "sql", "SELECT count(*) AS n FROM wkw.top_introducers")
        assert shown.returncode == 0, shown.stderr[-3000:]
        assert re.search(rf"\|\s*{expected}\s*\|", shown.stdout), shown.stdout
        refused = wkw(env, "sql", "DROP TABLE wkw.top_introducers")
        assert refused.returncode == 2
    finally:
        stopped = wkw(env, "spark", "stop")
    assert stopped.returncode == 0 and "stopped" in stopped.stdout
    down = wkw(env, "spark", "status")
    assert down.returncode == 1 and "not up" in down.stdout


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


# `wkw backfill` on a copy of the night's lake (one more Airflow night, a quiet one, in local mode).


@dataclasses.dataclass(frozen=True)
class Backfill:
    stopped: subprocess.CompletedProcess  # NIGHT .. NEXT with NEXT's landing missing
    resumed: subprocess.CompletedProcess  # the same command once NEXT's landing is there
    lake: Path
    env: dict
    wall_clock: tuple[datetime, datetime]  # of the resumed run


def publications(lake: Path) -> dict:
    rows = DeltaTable(str(lake / PUBLISHED / "publications")).to_pyarrow_table().to_pylist()
    return {row["as_of_date"]: row for row in rows}


@pytest.fixture(scope="module")
def backfill(night, tmp_path_factory) -> Backfill:
    root = tmp_path_factory.mktemp("backfill")
    # The night's lake without its catalog (it names the night's own table paths; publish registers anew).
    lake = shutil.copytree(night.lake, root / "lake", ignore=shutil.ignore_patterns("_catalog"))
    landing = shutil.copytree(night.landing, root / "landing")
    env = {**night.env, "WKW_LAKE": str(lake), "WKW_SPARK_CONNECT_PORT": str(free_port())}
    command = [WKW, "backfill", "--from", str(NIGHT), "--to", str(NEXT), "--landing", str(landing)]
    stopped = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    (landing / "mail" / str(NEXT)).mkdir(parents=True)
    began = datetime.now().astimezone()
    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1500)
    ended = datetime.now().astimezone()
    return Backfill(stopped, resumed, lake, env, (began, ended))


@pytest.mark.e2e
def test_a_night_with_nothing_landed_stops_the_backfill_before_anything_runs(backfill, night):
    out = " ".join(backfill.stopped.stdout.split())
    assert backfill.stopped.returncode == 1, backfill.stopped.stdout + backfill.stopped.stderr
    assert f"{NIGHT} skipped (published already)" in out
    assert (
        f"wkw backfill stopped at {NEXT}: nothing landed for {NEXT}: no folder landing/<source>/{NEXT}/"
        in out
    )
    assert f"resume with: wkw backfill --from {NIGHT} --to {NEXT}" in out
    assert "spark" not in out.split("stopped at")[0]  # no warm Spark started for a night that cannot run


@pytest.mark.e2e
def test_the_rerun_skips_the_published_night_and_publishes_the_next(backfill, night):
    result = backfill.resumed
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert any(re.match(rf"^{NIGHT}  skipped +\(published already\)", line) for line in lines), lines
    assert f"{NEXT}  incremental night" in lines  # the first night of the range was not asked --full
    [done] = [line for line in lines if line.startswith(f"{NEXT}  published")]
    before, after = publications(night.lake), publications(backfill.lake)
    assert set(after) == {NIGHT, NEXT}
    assert after[NIGHT]["publication_id"] == before[NIGHT]["publication_id"]  # not run again
    counts = dict(after[NEXT]["row_counts"])
    assert re.search(rf"rows .*{TILE} {counts[TILE]:,}", done), done
    assert after[NEXT]["checks_passed"] and after[NEXT]["publication_id"].startswith(str(NEXT))


@pytest.mark.e2e
def test_the_last_night_s_tables_carry_the_first_night_forward(backfill, night):
    """NEXT brought nothing: the same introducers, each score decayed by one day, in the same order."""
    lead = night.truth["sample_lead"]

    def tile(lake: Path) -> list[dict]:
        rows = DeltaTable(str(lake / PUBLISHED / TILE)).to_pyarrow_table().to_pylist()
        return sorted((r for r in rows if r["contact_email"] == lead), key=lambda r: r["rank"])

    first, last = tile(night.lake), tile(backfill.lake)
    assert first and {row["as_of_date"] for row in last} == {NEXT}
    assert [row["colleague_email"] for row in last] == [row["colleague_email"] for row in first]
    for old, new in zip(first, last, strict=True):
        assert 0 < new["strength"] <= old["strength"]
        assert new["last_interaction_at"] == old["last_interaction_at"]
    shown = subprocess.run(
        [WKW, "who-knows", lead, "--json"], env=backfill.env, capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["as_of_date"] == str(NEXT)


@pytest.mark.e2e
def test_the_backfilled_night_s_run_records_its_true_times(backfill):
    runs = [
        r
        for r in airflow_json(["dags", "list-runs", DAG_ID], backfill.env)
        if r["logical_date"][:10] == str(NEXT)
    ]
    [run] = runs
    began, ended = backfill.wall_clock
    assert (
        began <= datetime.fromisoformat(run["start_date"]) < datetime.fromisoformat(run["end_date"]) <= ended
    )
    assert run["state"] == "success"
