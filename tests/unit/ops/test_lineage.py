"""OpenLineage: what each stage's task names as its datasets, where `[lineage]` sends the events, and one
night of the DAG's tasks run by Airflow (`airflow dags test`) with its OpenLineage provider emitting into
the file transport, whose events are followed from the landing folder to the published tile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from wkw.config import load_settings
from wkw.config_sections import ConfigError
from wkw.ops.airflow import DAG_ID, airflow_env
from wkw.ops.lineage import (
    LineageDataset,
    dataset_at,
    lineage_edges,
    night_events,
    openlineage_env,
    read_events,
    stage_datasets,
)
from wkw.pipeline import STAGE_NAMES, stage

DAY = "2026-11-26"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
# The nightly DAG's tasks as dags/who_knows_whom.py wires them (StageOperator, the same op_kwargs), but
# whose work is to return their stage's name: the lineage is what is under test, not the stages.
NIGHT_DAG = f"""
import pendulum
from airflow.sdk import dag
from wkw.ops.lineage import StageOperator
from wkw.pipeline import STAGES


def stage_name(stage, day, mode, force):
    return stage


@dag(dag_id={DAG_ID!r}, schedule="@daily", start_date=pendulum.datetime(2020, 1, 1, tz="UTC"), catchup=False)
def night():
    previous = None
    for spec in STAGES:
        task = StageOperator(
            task_id=spec.name,
            python_callable=stage_name,
            op_kwargs={{"stage": spec.name, "day": "{{{{ ds }}}}", "mode": "incremental", "force": "False"}},
        )
        if previous is not None:
            previous >> task
        previous = task


night()
"""
# landing -> bronze -> silver -> gold -> published, and the task that makes each step.
CHAIN = (
    ("landing", f"mail/{DAY}"),
    ("extract", "bronze/mail_messages"),
    ("interactions", "silver/interactions"),
    ("strength", "gold/connection_strength"),
    ("introducers", "gold/top_introducers"),
    ("publish", "published/top_introducers"),
)


def follow(edges: set[tuple[str, str, str]], start: str, steps: list[tuple[str, str]]) -> list[str]:
    """From dataset `start`, each step's job to the output named `expected`: the datasets reached."""
    reached, current = [start], start
    for job, expected in steps:
        targets = {target for source, name, target in edges if source == current and name == job}
        matching = [target for target in targets if target == expected]
        assert matching, f"{job} does not lead from {current} to {expected}; it leads to {sorted(targets)}"
        current = matching[0]
        reached.append(current)
    return reached


def test_the_events_of_one_night_chain_landing_to_the_published_tile(tmp_path):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "night.py").write_text(NIGHT_DAG)
    env = airflow_env(
        {
            **os.environ,
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "WKW_LAKE": str(tmp_path / "lake"),
            "WKW_LANDING": str(tmp_path / "landing"),
        }
    )
    for command in (["db", "migrate"], ["dags", "test", DAG_ID, DAY]):
        done = subprocess.run([AIRFLOW, *command], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    events = night_events(
        read_events(tmp_path / "lake" / "_reports" / "lineage" / "events.jsonl"), DAG_ID, DAY
    )
    tasks = {event["job"]["name"] for event in events if event["eventType"] == "COMPLETE"}
    assert tasks == {f"{DAG_ID}.{name}" for name in STAGE_NAMES}
    parents = {event["run"]["facets"]["parent"]["run"]["runId"] for event in events}
    assert len(parents) == 1  # every task's run is a child of the one DAG run

    lake, landing = f"file:{tmp_path / 'lake'}", f"file:{tmp_path / 'landing'}"
    steps = [(f"{DAG_ID}.{job}", f"{lake}/{path}") for job, path in CHAIN[1:]]
    reached = follow(lineage_edges(events), f"{landing}/{CHAIN[0][1]}", steps)
    assert reached[-1] == f"{lake}/published/top_introducers"

    published = [
        output
        for event in events
        if event["job"]["name"] == f"{DAG_ID}.publish"
        for output in event["outputs"]
        if output["name"].endswith("/published/top_introducers")
    ]
    assert published and all(
        output["facets"]["symlinks"]["identifiers"][0]["name"] == "wkw.top_introducers"
        for output in published
    )


def test_extract_reads_every_landing_folder_of_the_night_and_wildcards_name_no_dataset(settings):
    inputs, outputs = stage_datasets(settings, stage("extract"), DAY)
    assert LineageDataset("file", f"{settings.landing}/mail/{DAY}") in inputs
    assert LineageDataset("file", f"{settings.landing}/directory/{DAY}") in inputs
    assert LineageDataset("file", f"{settings.lake}/bronze/mail_messages") in outputs
    _, privacy_writes = stage_datasets(settings, stage("privacy"), DAY)
    assert [d.name for d in privacy_writes] == [
        f"{settings.lake}/silver/privacy_requests",
        f"{settings.lake}/silver/privacy_removals",
    ]
    maintain_reads, _ = stage_datasets(settings, stage("maintain"), DAY)
    assert maintain_reads == ()


def test_published_tables_carry_their_catalog_name(settings):
    _, outputs = stage_datasets(settings, stage("publish"), DAY)
    tile = next(d for d in outputs if d.name.endswith("/published/top_introducers"))
    assert tile.catalog_name == f"{settings.database}.top_introducers"
    assert {d.catalog_name for d in outputs if d.name.endswith("/publications")} == {
        f"{settings.database}.publications"
    }


def test_object_store_lakes_are_named_by_bucket_and_key():
    assert dataset_at("s3a://corp-lake/wkw/gold/introducers") == LineageDataset(
        "s3://corp-lake", "wkw/gold/introducers"
    )
    assert dataset_at("abfss://lake@acct.dfs.core.windows.net/silver/interactions") == LineageDataset(
        "abfss://lake@acct.dfs.core.windows.net", "silver/interactions"
    )


def test_the_file_transport_appends_under_the_lake_and_its_folder_is_made(settings, tmp_path):
    events_file = tmp_path / "lake" / "_reports" / "lineage" / "events.jsonl"
    settings = settings.with_conf("lineage", file=str(events_file))
    env = openlineage_env(settings, {})
    assert json.loads(env["AIRFLOW__OPENLINEAGE__TRANSPORT"]) == {
        "type": "file",
        "log_file_path": str(events_file),
        "append": True,
    }
    assert env["AIRFLOW__OPENLINEAGE__NAMESPACE"] == "wkw"
    assert events_file.parent.is_dir()


def test_the_lineage_file_follows_a_moved_lake(monkeypatch, tmp_path):
    monkeypatch.setenv("WKW_LAKE", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("WKW_LINEAGE_FILE", raising=False)
    assert load_settings().lineage.file == str(
        tmp_path / "elsewhere" / "_reports" / "lineage" / "events.jsonl"
    )


def test_the_http_transport_sends_the_api_key_from_the_environment(settings):
    settings = settings.with_conf("lineage", transport="http", url="http://marquez:5000")
    env = openlineage_env(settings, {"WKW_LINEAGE_API_KEY": "k-123"})
    assert json.loads(env["AIRFLOW__OPENLINEAGE__TRANSPORT"]) == {
        "type": "http",
        "url": "http://marquez:5000",
        "endpoint": "api/v1/lineage",
        "auth": {"type": "api_key", "apiKey": "k-123"},
    }
    without_key = json.loads(openlineage_env(settings, {})["AIRFLOW__OPENLINEAGE__TRANSPORT"])
    assert "auth" not in without_key


def test_disabled_lineage_turns_the_provider_off(settings):
    assert openlineage_env(settings.with_conf("lineage", enabled=False), {}) == {
        "AIRFLOW__OPENLINEAGE__DISABLED": "true"
    }


def test_a_bad_lineage_section_names_the_key(settings):
    with pytest.raises(ConfigError, match=r"\[lineage\] transport"):
        settings.with_conf("lineage", transport="kafka")
    with pytest.raises(ConfigError, match=r"\[lineage\] url"):
        settings.with_conf("lineage", transport="http", url="")
