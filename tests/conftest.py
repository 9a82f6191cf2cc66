"""Shared fixtures: one Spark session with Delta for the whole run, settings pointed at temporary lakes,
and the location of the real Enron files (WKW_ENRON_DIR, default ../shared/data/enron beside the repo)."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from wkw.config import PROJECT_ROOT, Settings, load_settings
from wkw.session import spark_conf

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
