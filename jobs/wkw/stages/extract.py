"""Extract: landing files of one logical date -> bronze (metadata only), bad records -> quarantine.

Reads `landing/<source>/<date>/` for mail (Maildir trees and single messages as RFC 5322 files, `.mbox`
files, Microsoft Graph message JSON lines as `*.jsonl`), the directory export (CSV or JSON), the CRM
export, address books, call records and erasure requests (wkw.sources), and replaces that date's slice
of each bronze table. Parsing runs in Spark tasks (for mail, `mapInArrow` over pieces of the files,
returning Arrow batches); the driver only lists file paths and sizes. Every record read is counted in
`bronze/ingest_counts` (read = accepted + filtered + quarantined, per source: extract filters only valid
records that name no relationship, a draft or a personal event). A rerun of a date whose landing the
privacy stage purged of a withheld person keeps that date's bronze as scrubbed (wkw.privacy.landing).

    spark-submit jobs/wkw/stages/extract.py --date 2026-11-26
"""

from __future__ import annotations

from datetime import date
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import BRONZE, Settings
from wkw.files import list_files
from wkw.lake import read_optional, replace_partition
from wkw.pipeline import StageResult, stage_main
from wkw.privacy.landing import PURGES, purged_on
from wkw.sources import SOURCES
from wkw.vocabulary import LANDING_SOURCES

STAGE = "extract"


class LandingGone(RuntimeError):
    """A rerun of a date whose landing files are gone while bronze holds what they gave."""


def refuse_if_landing_gone(spark: SparkSession, settings: Settings, as_of: date) -> None:
    """A rerun replaces the date's bronze slices with what landing holds now: if every landing folder of
    the date is gone (or empty) but bronze counted records from them, that would erase the night's data.
    Refused, bronze unchanged."""
    day = as_of.isoformat()
    counts = read_optional(spark, settings, BRONZE, "ingest_counts")
    if counts is None:
        return
    read = counts.where(F.col("ingest_date") == F.lit(as_of)).agg(F.sum("read").alias("n")).first().n or 0
    # Landing is listed only for a rerun (the extractors list it again): a first night never pays twice.
    if read and not any(list_files(settings.landing_dir(source, day)) for source in LANDING_SOURCES):
        raise LandingGone(
            f"no landing files for {day} under {settings.landing}, but bronze holds {read} records read from "
            f"them: a rerun would replace them with nothing. Restore landing/<source>/{day}/ (bronze is "
            "unchanged)"
        )


def run(spark: SparkSession, settings: Settings, as_of: date) -> StageResult:
    """The stage for one logical date, in an existing session: every source's slice of bronze, then the
    quarantine and the counts of every source in one write each."""
    refuse_if_landing_gone(spark, settings, as_of)
    if purged := purged_on(read_optional(spark, settings, BRONZE, PURGES), as_of):
        # What is left of that landing lacks the purged files: reading it again would lose their records
        # for everybody else. The bronze slices stay as the privacy stage scrubbed them.
        note = f"not extracted again: {purged} landing files of {as_of} named a withheld person and were "
        note += "deleted (wkw.privacy.landing); bronze of that date is kept as scrubbed"
        return StageResult(STAGE, as_of, notes=(note,))
    day = f"ingest_date = '{as_of.isoformat()}'"
    bad, counts = [], []
    for table, extractor in SOURCES:
        accepted, quarantine, source_counts = extractor(spark, settings, as_of)
        replace_partition(accepted, settings.table_path(BRONZE, table), day, ["ingest_date"])
        bad.append(quarantine)
        counts.append(source_counts)
    replace_partition(
        reduce(DataFrame.unionByName, bad), settings.table_path(BRONZE, "quarantine"), day, ["ingest_date"]
    )
    all_counts = reduce(DataFrame.unionByName, counts)
    replace_partition(all_counts, settings.table_path(BRONZE, "ingest_counts"), day, ["ingest_date"])
    by_source = all_counts.orderBy("source").collect()
    return StageResult(
        STAGE,
        as_of,
        rows={row.source: int(row.accepted) for row in by_source},
        notes=tuple(
            f"{row.source}: read {row.read} = accepted {row.accepted} + filtered {row.filtered} "
            f"+ quarantined {row.quarantined}"
            for row in by_source
        ),
    )


def main(argv: list[str] | None = None) -> None:
    stage_main(STAGE, run, argv)


if __name__ == "__main__":
    main()
