"""The DAG: wiring and policy, then one real night through Airflow (`wkw run` = `airflow dags test`),
with every stage a spark-submit (to the loopback cluster of `night`), read back by the `wkw` CLI and
Spark SQL on the catalog."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from wkw.config import PROJECT_ROOT
from wkw.pipeline import STAGE_NAMES
from wkw.pipeline import STAGES as PIPELINE

DAG_FILE = PROJECT_ROOT / "dags" / "who_knows_whom.py"
STAGES = list(STAGE_NAMES)
WITH_MODE = {stage.name for stage in PIPELINE if stage.with_mode}
PERIODIC = {stage.name for stage in PIPELINE if stage.periodic}
NIGHT = date(2026, 11, 26)
WKW = str(Path(sys.executable).parent / "wkw")


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


def test_stages_run_in_order_as_spark_submits(dag):
    order, task = [], dag.get_task("extract")
    while task is not None:
        order.append(task.task_id)
        downstream = list(task.downstream_list)
        task = downstream[0] if downstream else None
    assert order == STAGES
    for task in dag.tasks:
        assert type(task).__name__ == "SparkSubmitOperator"
        assert task._conn_id == "spark_default"
        assert Path(task.application).is_file()
        mode = ["--mode", "{{ params.mode }}"] if task.task_id in WITH_MODE else []
        force = ["--force", "{{ params.calibrate }}"] if task.task_id in PERIODIC else []
        assert task.application_args == ["--date", "{{ ds }}", *mode, *force]
        assert task.doc_md
    assert {outlet.name for outlet in dag.get_task("publish").outlets} >= {"wkw.top_introducers"}


def wkw(env, *args):
    return subprocess.run([WKW, *args], env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.e2e
def test_dag_run_publishes_the_tile_the_cli_shows(night):
    env, truth = night.env, night.truth
    for stage in STAGES:
        assert f"task_id={stage}" in night.log
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
