"""Ingest the Enron public_dev archive into a lake (extract + interactions, in one Spark session) and run
the backtest for several as-of dates: the numbers in docs/strength.md.

    .venv/bin/python bench/enron_backtest.py --work /tmp/enron_bench [--as-of 2001-03-01 2001-06-01 ...]

The archive is read from WKW_ENRON_DIR (default ../shared/data/enron) and unpacked under --work, never
into the project.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tarfile
import time
from datetime import date
from pathlib import Path

from wkw.config import PROJECT_ROOT, SILVER, load_settings
from wkw.lake import read_table
from wkw.session import get_spark
from wkw.stages import extract, interactions
from wkw.tools.backtest import evaluate

ARCHIVE = "public_dev_maildir.tar.gz"
INGEST_DAY = date(2002, 12, 31)
DEFAULT_AS_OF = ["2001-03-01", "2001-06-01", "2001-09-01"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--as-of", nargs="+", default=DEFAULT_AS_OF)
    parser.add_argument("--horizon-days", type=int, default=90)
    args = parser.parse_args()
    enron = Path(os.environ.get("WKW_ENRON_DIR", PROJECT_ROOT.parent / "shared" / "data" / "enron"))
    landing = args.work / "landing" / "mail" / INGEST_DAY.isoformat()
    if not landing.exists():
        landing.mkdir(parents=True)
        with tarfile.open(enron / ARCHIVE) as archive:
            archive.extractall(landing, filter="data")
    settings = dataclasses.replace(
        load_settings(),
        lake=str(args.work / "lake"),
        landing=str(args.work / "landing"),
        internal_domains=("enron.com",),
    )
    spark = get_spark(settings, "enron-backtest")
    started = time.monotonic()
    if not (args.work / "lake" / SILVER / "interactions").exists():
        extract.run(spark, settings, INGEST_DAY)
        interactions.run(spark, settings, INGEST_DAY)
    print(f"ingest: {time.monotonic() - started:.0f} s")
    silver = read_table(spark, settings, SILVER, "interactions").cache()
    for as_of in args.as_of:
        result = evaluate(
            silver, date.fromisoformat(as_of), args.horizon_days, settings.model, settings.bands
        )
        print(json.dumps(result))
    spark.stop()


if __name__ == "__main__":
    main()
