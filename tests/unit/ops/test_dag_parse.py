"""Parsing the DAG file (which Airflow does every few seconds) imports Airflow, pendulum and the stage list,
never the heavy libraries the stages and the read side use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from wkw.config import PROJECT_ROOT

DAG_FILE = PROJECT_ROOT / "dags" / "who_knows_whom.py"
HEAVY = ("jinja2", "deltalake", "pyarrow", "pyspark", "great_expectations", "pandas")
PROBE = f"""
import importlib.util, json, sys
import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import dag
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("dag_file", {str(DAG_FILE)!r})
spec.loader.exec_module(importlib.util.module_from_spec(spec))
added = sorted(set(sys.modules) - before)
print(json.dumps({{"added": added, "loaded": sorted(sys.modules)}}))
"""


def test_parsing_the_dag_imports_no_heavy_library(tmp_path):
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    modules = json.loads(probe.stdout.strip().splitlines()[-1])
    added_roots = {name.split(".")[0] for name in modules["added"]}
    assert not added_roots & set(HEAVY), sorted(added_roots & set(HEAVY))
    loaded_roots = {name.split(".")[0] for name in modules["loaded"]}
    assert not loaded_roots & {"deltalake", "pyarrow", "pyspark", "openlineage"}
    ours = {name for name in modules["added"] if name.startswith("wkw")}
    allowed = {
        "wkw",
        "wkw.config",
        "wkw.config_sections",
        "wkw.config_serve",  # [serve]: the standard library only
        "wkw.config_extract",  # [extract]: the standard library only
        "wkw.config_accounts",  # [accounts]: the standard library only
        "wkw.config_trend",  # [trend]: the standard library only
        "wkw.config_lineage",  # [lineage]: the standard library only
        "wkw.pipeline",
        "wkw.ops",
        "wkw.ops.airflow",
        "wkw.ops.alerts",
        "wkw.ops.spark_client",
        "wkw.ops.lineage",  # the tasks' operator; the OpenLineage client is imported when a task starts
        "wkw.vocabulary",  # the landing sources
    }
    assert ours <= allowed, ours
    assert "wkw.pipeline" in ours  # the stage list comes from one place
