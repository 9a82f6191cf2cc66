"""What the nightly privacy stage costs, in one warm Spark session (local[2]) on the demo company.

Night one: the directory's opted-out colleague is a new request, so every table is scrubbed; night two:
the same exports land again and no request is new, so only that night's bronze slices are scrubbed.
VACUUM of every table runs both nights. Prints the two wall times; numbers go in docs/privacy.md.

    .venv/bin/python bench/privacy_cost.py [--work /tmp/privacy_cost]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

DAY = date(2026, 11, 26)
SNAPSHOT_SOURCES = ("directory", "crm", "address_book")
TEST_SPARK_CONF = {"spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false"}


def session():
    from pyspark.sql import SparkSession
    from wkw.config import load_settings
    from wkw.session import spark_conf

    builder = SparkSession.builder.master("local[2]").appName("privacy-cost")
    for key, value in {**spark_conf(load_settings()), **TEST_SPARK_CONF}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/privacy_cost"))
    work = parser.parse_args().work
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    shutil.rmtree(work, ignore_errors=True)
    os.environ.update({"WKW_LAKE": str(work / "lake"), "WKW_LANDING": str(work / "landing")})

    from wkw.config import load_settings
    from wkw.stages import extract, interactions, introducers, privacy, publish, strength, validate
    from wkw.synth.company import generate

    settings = load_settings()
    generate(work / "landing", end_date=DAY)
    spark = session()
    extract.run(spark, settings, DAY)
    started = time.perf_counter()
    privacy.run(spark, settings, DAY)
    first = time.perf_counter() - started
    for stage in (interactions, strength, introducers, validate, publish):
        stage.run(spark, settings, DAY)
    after = DAY + timedelta(days=1)
    for source in SNAPSHOT_SOURCES:
        shutil.copytree(
            work / "landing" / source / DAY.isoformat(), work / "landing" / source / after.isoformat()
        )
    extract.run(spark, settings, after)
    started = time.perf_counter()
    privacy.run(spark, settings, after)
    second = time.perf_counter() - started
    print(
        f"privacy stage: {first:.1f} s with a new request (whole lake), {second:.1f} s without (tonight only)"
    )


if __name__ == "__main__":
    main()
