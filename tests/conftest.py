"""Shared fixtures: one Spark session with Delta for the whole run, settings pointed at temporary lakes,
and the location of the real Enron files (WKW_ENRON_DIR, default ../shared/data/enron beside the repo)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from support.relay import Collecting, start_relay
from wkw.config import PROJECT_ROOT, Settings, load_settings
from wkw.session import spark_conf
from wkw.synth.company import generate
from wkw.tools.cluster import standalone_cluster

NIGHT = date(2026, 11, 26)
CLUSTER_WORKERS = 2
# The suite's JVMs (its own session, the warm Spark of `wkw run`, the loopback cluster's daemons and
# executors) live for minutes: the JIT's default tiers (C2 included) pay off there, where C1 alone left the
# suite's long-lived session a third slower on every night after its first (tests/e2e nights: 167 s
# against 110 s). The serial collector suits 2 cores. Set here, before any JVM starts (`make test` or plain
# pytest); a JAVA_TOOL_OPTIONS already set wins. JVM flags only: the DAG, the code and the Spark settings
# are those of a production run (TEST_SPARK_CONF below is the suite's own session's), and `make demo` and
# bench/ run with the JVM's defaults.
os.environ.setdefault("JAVA_TOOL_OPTIONS", "-XX:+UseSerialGC")
QUICK_JVM = {"JAVA_TOOL_OPTIONS": os.environ["JAVA_TOOL_OPTIONS"]}
WKW = str(Path(sys.executable).parent / "wkw")
TEST_SPARK_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.databricks.delta.snapshotPartitions": "1",
    # A few thousand rows: adaptive execution's extra jobs per shuffle cost more than they save (a night
    # in the suite's session: 456 Spark jobs -> 329). The Airflow night on the cluster keeps the
    # production settings, and the cluster tests compare the two.
    "spark.sql.adaptive.enabled": "false",
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
def relay(monkeypatch) -> Collecting:
    """A real SMTP relay on loopback that WKW_SMTP_HOST/PORT point at; its handler keeps the envelopes."""
    handler = Collecting()
    controller = start_relay(handler, monkeypatch)
    yield handler
    controller.stop()


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


@dataclasses.dataclass(frozen=True)
class Night:
    """One night through Airflow on the loopback cluster: what the DAG and cluster tests look at."""

    env: dict  # for the `wkw` CLI on the night's lake (no cluster in it: the cluster is gone by then)
    truth: dict
    progress: str  # what `wkw run` printed: a line per task
    airflow_log: str  # Airflow's output, from the log file `wkw run` named: task ids, the stages' lines
    landing: Path
    lake: Path
    logical_date: date
    cluster_folder: Path  # the workers' work folders (executor logs)
    cluster_state: dict  # the master's status after the run: workers, completed applications
    cluster_workers: int  # of one core each
    wall_clock: tuple[datetime, datetime]  # UTC, just before `wkw run` started and just after it ended


def settled_state(cluster, timeout: float = 30.0) -> dict:
    """The master's state once the last application's end has reached it."""
    deadline = time.monotonic() + timeout
    state = cluster.state()
    while state["activeapps"] and time.monotonic() < deadline:
        time.sleep(0.5)
        state = cluster.state()
    return state


@dataclasses.dataclass(frozen=True)
class Company:
    """The suite's generated company: its exports (read-only for tests: copy before adding files) and what
    the generator planted in them."""

    landing: Path
    truth: dict


@pytest.fixture(scope="session")
def company_landing(tmp_path_factory) -> Company:
    landing = tmp_path_factory.mktemp("company") / "landing"
    truth = generate(landing, seed=3, colleagues=20, contacts=80, days=60, end_date=NIGHT)
    return Company(landing, truth)


@dataclasses.dataclass(frozen=True)
class LocalNight:
    """The company's night through every stage in this process's session (`local[2]`), published."""

    settings: Settings
    truth: dict
    publication_id: str
    logical_date: date


def run_night_in_process(spark, settings: Settings, day: date) -> str:
    """Every stage of a night, in order, in the shared session; the publication id."""
    from wkw.stages import (
        calibrate,
        extract,
        interactions,
        introducers,
        privacy,
        publish,
        strength,
        validate,
    )

    for stage in (extract, privacy, interactions, calibrate, strength, introducers):
        stage.run(spark, settings, day)
    assert validate.run(spark, settings, day).failures == ()
    return publish.run(spark, settings, day).publication_id


@pytest.fixture(scope="session")
def local_night(spark, company_landing, tmp_path_factory) -> LocalNight:
    """One in-process night of the suite's company, run once. Tests read it; a test that changes a lake
    works on `copy_of(local_night, ...)`. The cluster tests compare it with the Airflow night."""
    root = tmp_path_factory.mktemp("local_night")
    # The privacy stage deletes landing files that name a withheld person: each run gets its own copy.
    landing = shutil.copytree(company_landing.landing, root / "landing")
    settings = settings_for(root, landing=str(landing))
    publication = run_night_in_process(spark, settings, NIGHT)
    return LocalNight(settings, company_landing.truth, publication, NIGHT)


def copy_of(night: LocalNight, root: Path, with_landing: bool = False) -> Settings:
    """Settings on a copy of the night's lake under `root` (and of its landing, to add exports to it)."""
    shutil.copytree(night.settings.lake, root / "lake")
    landing = night.settings.landing
    if with_landing:
        shutil.copytree(landing, root / "landing")
        landing = str(root / "landing")
    return settings_for(root, landing=landing)


@pytest.fixture(scope="session")
def night(tmp_path_factory, company_landing) -> Night:
    """One real night, run once for the suite: the company's exports, then the DAG through Airflow
    (`wkw run` = `airflow dags test`, every stage on the lake's warm Spark, which `wkw run` starts and
    stops) against a Spark standalone master and two one-core workers on loopback, the lake in
    <root>/lake. The cluster is stopped before any test looks at the result, so nothing outlives a
    failure. Shared by the DAG and the cluster tests; the cluster tests compare it with `local_night`, the
    same landing in process."""
    root = tmp_path_factory.mktemp("night")
    landing, lake = shutil.copytree(company_landing.landing, root / "landing"), root / "lake"
    truth = company_landing.truth
    env = {
        **os.environ,
        **QUICK_JVM,
        "AIRFLOW_HOME": str(root / "airflow"),
        "WKW_LAKE": str(lake),
        "WKW_USER": truth["sample_seller"],  # who-knows answers licensed sellers only
        "WKW_SPARK_CONNECT_PORT": str(free_port()),
    }
    with standalone_cluster(
        root / "cluster", workers=CLUSTER_WORKERS, cores=1, memory="1g", env=QUICK_JVM
    ) as cluster:
        began = datetime.now(UTC)
        run = subprocess.run(
            [WKW, "run", "--date", NIGHT.isoformat(), "--landing", str(landing)],
            env={**env, "WKW_SPARK_MASTER": cluster.master_url},
            capture_output=True,
            text=True,
            timeout=1500,
        )
        ended = datetime.now(UTC)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:] + cluster.log_tails()
        state = settled_state(cluster)
    airflow_log = "".join(path.read_text() for path in sorted((lake / "_reports" / "runs").glob("*.log")))
    return Night(
        env,
        truth,
        run.stdout,
        airflow_log,
        landing,
        lake,
        NIGHT,
        root / "cluster",
        state,
        CLUSTER_WORKERS,
        (began, ended),
    )


def free_port() -> int:
    """A TCP port free on loopback now (for a Spark Connect endpoint of the suite's own)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
