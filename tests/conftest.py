"""Shared fixtures: one Spark session with Delta for the whole run, settings pointed at temporary lakes,
and the location of the real Enron files (WKW_ENRON_DIR, default ../shared/data/enron beside the repo)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from wkw.config import PROJECT_ROOT, Settings, load_settings
from wkw.generate import generate
from wkw.session import spark_conf

NIGHT = date(2026, 11, 26)
WKW = str(Path(sys.executable).parent / "wkw")
TEST_SPARK_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.databricks.delta.snapshotPartitions": "1",
}


@pytest.fixture(scope="session")
def spark() -> SparkSession:
    # PySpark turns timestamps into naive datetimes in the Python process's zone: make that UTC.
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master("local[2]").appName("wkw-tests")
    for key, value in {**spark_conf(load_settings()), **TEST_SPARK_CONF}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def settings_for(root: Path, **overrides) -> Settings:
    """Project settings with the lake and landing under `root` (and any field overridden)."""
    base = load_settings()
    fields = {
        "lake": str(root / "lake"),
        "landing": str(root / "landing"),
        "gx_reports": str(root / "reports"),
    }
    return dataclasses.replace(base, **{**fields, **overrides})


@pytest.fixture
def settings(tmp_path) -> Settings:
    return settings_for(tmp_path)


@pytest.fixture(scope="session")
def make_settings():
    """settings_for, for fixtures of wider scope than a test."""
    return settings_for


@pytest.fixture(scope="session")
def enron_dir() -> Path:
    default = PROJECT_ROOT.parent / "shared" / "data" / "enron"
    path = Path(os.environ.get("WKW_ENRON_DIR", default))
    if not (path / "fixture_small.tar.gz").exists():
        pytest.skip(f"Enron files not found in {path} (set WKW_ENRON_DIR)")
    return path


@pytest.fixture(scope="session")
def night(tmp_path_factory):
    """One real night: generated exports in <root>/landing, then the DAG through Airflow (`local[*]`) on a
    private Airflow home, the lake in <root>/lake. Shared by the DAG and the cluster tests."""
    root = tmp_path_factory.mktemp("night")
    truth = generate(root / "landing", seed=5, colleagues=10, contacts=30, days=21, end_date=NIGHT)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "WKW_LAKE": str(root / "lake"),
        "WKW_USER": truth["sample_seller"],  # who-knows answers licensed sellers only
    }
    run = subprocess.run(
        [WKW, "run", "--date", NIGHT.isoformat(), "--landing", str(root / "landing")],
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    return env, truth, run.stdout + run.stderr
