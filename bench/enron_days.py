"""Land the public Enron archive one folder per day, for `wkw backfill` (docs/pipeline.md).

Every message file of `public_dev_maildir.tar.gz` goes to `landing/mail/<day of its Date header, UTC>/`
(a hard link to the extracted archive, never a copy and never a symbolic link, which extract refuses);
everything dated on or before FIRST goes to FIRST's folder, as a first night lands the history at once.
Files dated after LAST are not landed. A day with no mail gets an empty folder: a quiet day, not a missing
export. The day of each file comes from the archive's header reference (`public_dev_headers.csv.gz`,
column `date_utc`); files without a date land on FIRST (extract quarantines them).

    .venv/bin/python bench/enron_days.py --work /tmp/enron_days --first 2001-01-01 --last 2001-01-07
    WKW_INTERNAL_DOMAINS=enron.com WKW_LAKE=/tmp/enron_days/lake \\
        .venv/bin/wkw backfill --from 2001-01-01 --to 2001-01-07 --full --landing /tmp/enron_days/landing
"""

from __future__ import annotations

import argparse
import csv
import gzip
import os
import tarfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from enron_backtest import ARCHIVE, HEADERS
from wkw.config import PROJECT_ROOT

ENRON = PROJECT_ROOT.parent / "shared" / "data" / "enron"


def day_of(row: dict, first: date) -> date:
    try:
        day = date.fromisoformat(row["date_utc"][:10])
    except ValueError:
        return first
    return max(day, first)


def land(work: Path, enron: Path, first: date, last: date) -> Counter:
    """Files landed per day (days with none get an empty folder)."""
    maildir = work / "maildir"
    if not maildir.exists():
        maildir.mkdir(parents=True)
        with tarfile.open(enron / ARCHIVE) as archive:
            archive.extractall(maildir, filter="data")
    landed: Counter = Counter()
    with gzip.open(enron / HEADERS, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            day = day_of(row, first)
            source = maildir / "maildir" / row["file"]
            if day > last or not source.is_file():
                continue
            target = work / "landing" / "mail" / day.isoformat() / row["file"]
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(source, target)
            landed[day] += 1
    for offset in range((last - first).days + 1):
        (work / "landing" / "mail" / (first + timedelta(days=offset)).isoformat()).mkdir(
            parents=True, exist_ok=True
        )
    return landed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="a folder outside the project")
    parser.add_argument("--enron", type=Path, default=ENRON)
    parser.add_argument("--first", type=date.fromisoformat, required=True)
    parser.add_argument("--last", type=date.fromisoformat, required=True)
    args = parser.parse_args()
    landed = land(args.work, args.enron, args.first, args.last)
    for offset in range((args.last - args.first).days + 1):
        day = args.first + timedelta(days=offset)
        print(f"{day}  {landed[day]:>6,} files")


if __name__ == "__main__":
    main()
