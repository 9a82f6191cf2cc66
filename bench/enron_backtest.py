"""The backtest of docs/strength.md on the Enron public_dev archive, judged against the raw mail, for two
companies: every @enron.com address (an internal domain, no directory) and the mailbox owners only (a
directory export of the 105 mailboxes; every other address, enron.com included, is external).

For each company the archive lands on one day and runs through extract and interactions (one Spark
session), then each as-of date is evaluated; with --calibrate, the calibration of that date (fitted on the
mail before it only, `wkw.scoring.calibration`) is run first and the calibrated model is evaluated beside
the defaults.

    .venv/bin/python bench/enron_backtest.py --work /tmp/enron_bench [--company domain directory] \
        [--as-of 2001-08-01 2001-09-01 ...] [--horizon-days 120] [--relevance any] [--calibrate]

The archive and the header reference are read from WKW_ENRON_DIR (default ../shared/data/enron) and
unpacked under --work, never into the project.
"""

from __future__ import annotations

import argparse
import collections
import csv
import dataclasses
import gzip
import json
import os
import re
import tarfile
import time
from datetime import date
from pathlib import Path

from wkw.config import PROJECT_ROOT, SILVER, load_settings
from wkw.session import get_spark
from wkw.stages import extract, interactions
from wkw.tools.backtest import evaluate, replay_inputs
from wkw.vocabulary import DIRECTORY_HEADER

ARCHIVE = "public_dev_maildir.tar.gz"
HEADERS = "public_dev_headers.csv.gz"
INGEST_DAY = date(2002, 12, 31)
DEFAULT_AS_OF = [
    "2001-06-01",
    "2001-07-01",
    "2001-08-01",
    "2001-09-01",
    "2001-10-01",
    "2001-11-01",
    "2001-12-01",
]
ENRON = re.compile(r"@([a-z0-9-]+\.)*enron\.com$")


def mailbox_owners(headers: Path) -> dict[str, str]:
    """Mailbox -> its owner's address: the enron.com address seen most often in the mailbox's headers
    whose local part holds the mailbox's surname (`fossum-d` -> drew.fossum@enron.com)."""
    seen: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    with gzip.open(headers, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            for field in ("from", "to", "cc"):
                for address in (row[field] or "").split(";"):
                    if ENRON.search(address):
                        seen[row["custodian"]][address] += 1
    owners = {}
    for mailbox, counts in sorted(seen.items()):
        surname = mailbox.rsplit("-", 1)[0].replace("-", "")
        for address, _ in counts.most_common():
            if surname in re.sub(r"[.\-_]", "", address.split("@")[0]):
                owners[mailbox] = address
                break
    return owners


def write_directory(path: Path, owners: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(DIRECTORY_HEADER)
        for n, (mailbox, address) in enumerate(sorted(owners.items())):
            writer.writerow([f"u{n}", address, "", mailbox, "", "", "", "", "", "true", "false"])


def ingest(work: Path, enron: Path, company: str):
    """Settings of the company's lake under work/company, extract and interactions run once."""
    shared = work / "maildir"
    if not shared.exists():
        shared.mkdir(parents=True)
        with tarfile.open(enron / ARCHIVE) as archive:
            archive.extractall(shared, filter="data")
    root = work / company
    mail_landing = root / "landing" / "mail" / INGEST_DAY.isoformat()
    if not mail_landing.exists():
        mail_landing.parent.mkdir(parents=True)
        mail_landing.symlink_to(shared, target_is_directory=True)
    domains: tuple[str, ...] = ("enron.com",)
    if company == "directory":
        domains = ()
        users = root / "landing" / "directory" / INGEST_DAY.isoformat() / "users.csv"
        if not users.exists():
            write_directory(users, mailbox_owners(enron / HEADERS))
    return dataclasses.replace(
        load_settings(), lake=str(root / "lake"), landing=str(root / "landing"), internal_domains=domains
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument(
        "--company", nargs="+", default=["domain", "directory"], choices=["domain", "directory"]
    )
    parser.add_argument("--as-of", nargs="+", default=DEFAULT_AS_OF)
    parser.add_argument("--horizon-days", type=int, default=120)
    parser.add_argument("--relevance", default="any", choices=["any", "sent"])
    parser.add_argument("--calibrate", action="store_true")
    args = parser.parse_args()
    enron = Path(os.environ.get("WKW_ENRON_DIR", PROJECT_ROOT.parent / "shared" / "data" / "enron"))
    spark = None
    for company in args.company:
        settings = ingest(args.work, enron, company)
        spark = spark or get_spark(settings, "enron-backtest")
        started = time.monotonic()
        if not (Path(settings.lake) / SILVER / "interactions").exists():
            extract.run(spark, settings, INGEST_DAY)
            interactions.run(spark, settings, INGEST_DAY)
        print(f"{company}: ingest {time.monotonic() - started:.0f} s", flush=True)
        raw, silver = replay_inputs(spark, settings)
        for as_of in map(date.fromisoformat, args.as_of):
            started = time.monotonic()
            result = {"company": company}
            model = settings.model
            if args.calibrate:
                from wkw.scoring.calibration import calibrate

                calibration = calibrate(
                    raw, silver, as_of, settings.model, settings.bands, settings.calibration
                )
                result["calibration"] = calibration.summary()
                model = calibration.model
            result |= evaluate(raw, silver, as_of, args.horizon_days, model, settings.bands, args.relevance)
            result["seconds"] = round(time.monotonic() - started)
            print(json.dumps(result), flush=True)
        silver.unpersist()
        raw.unpersist()
    if spark is not None:
        spark.stop()


if __name__ == "__main__":
    main()
