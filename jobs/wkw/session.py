"""The Spark session with Delta Lake, built the same way for jobs, tests and the CLI.

Under `spark-submit` (the DAG's way) the master and jars come from the submit command; run in-process
(tests, `wkw sql`), the session is configured from `conf/wkw.toml` here.
"""

from __future__ import annotations

import glob
import os
import sys

from pyspark.sql import SparkSession

from wkw.config import PROJECT_ROOT, Settings

DERBY_LOG = "derby.log"
LOG_CONFIG = PROJECT_ROOT / "conf" / "log4j2.properties"


def delta_jars(settings: Settings) -> list[str]:
    """The Delta Lake jars fetched at set-up (`make jars`); a run never downloads anything."""
    jars = sorted(glob.glob(os.path.join(settings.jars, "*.jar")))
    if not jars:
        raise FileNotFoundError(
            f"No Delta Lake jars in {settings.jars}: run `make jars` once (from Maven Central)."
        )
    return jars


def catalog_conf(settings: Settings) -> dict[str, str]:
    """The embedded Hive metastore (Derby) and warehouse under the lake, unless a metastore URL is set."""
    lake = settings.lake.rstrip("/")
    url = settings.metastore_url or f"jdbc:derby:;databaseName={lake}/_catalog/metastore_db;create=true"
    return {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": f"{lake}/_catalog/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": url,
        "spark.hadoop.datanucleus.schema.autoCreateAll": "true",
        "spark.hadoop.hive.metastore.schema.verification": "false",
    }


def spark_conf(settings: Settings, with_catalog: bool = False) -> dict[str, str]:
    """Every Spark setting a stage needs: conf/wkw.toml's, the Delta jars, and the project's Python."""
    conf = dict(settings.spark_conf)
    conf["spark.jars"] = ",".join(delta_jars(settings))
    conf["spark.pyspark.python"] = sys.executable
    conf["spark.pyspark.driver.python"] = sys.executable
    java_options = [f"-Dlog4j2.configurationFile=file:{LOG_CONFIG}"]
    if with_catalog:
        conf.update(catalog_conf(settings))
        java_options.append(f"-Dderby.stream.error.file={settings.lake.rstrip('/')}/_catalog/{DERBY_LOG}")
    conf["spark.driver.extraJavaOptions"] = " ".join(java_options)
    return conf


def get_spark(
    settings: Settings, app_name: str, with_catalog: bool = False, extra_conf: dict[str, str] | None = None
) -> SparkSession:
    """A session for `app_name` (with `extra_conf` on top of the project's); under spark-submit, the
    submitted master and jars are kept."""
    # Python workers for mapPartitions are started with PYSPARK_PYTHON: it must be the project's Python.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(f"{settings.spark_app_name}:{app_name}")
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ
    if not submitted:
        builder = builder.master(settings.spark_master)
    conf = spark_conf(settings, with_catalog=with_catalog)
    conf.update(extra_conf or {})
    if submitted:
        conf.pop("spark.jars")
    for key, value in conf.items():
        builder = builder.config(key, value)
    if with_catalog:
        builder = builder.enableHiveSupport()
    return builder.getOrCreate()
