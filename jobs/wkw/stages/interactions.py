"""Interactions: bronze mail, meetings and calls -> silver, one row per (colleague, external contact, event),
and `silver/internal_interactions`, one row per (colleague, other colleague, event), seen from both ends.

Before anything is computed, withheld colleagues (opted out, excluded) are removed; copies of one mail
across mailboxes, of one meeting across calendars and of one call across exports are deduplicated;
automated mail, broadcasts, large meetings and short calls are filtered with their reason
(wkw.channels.calls, wkw.channels.meetings for those channels). Every bronze record of the logical date ends
accepted or filtered, and the counts are stored in `silver/reconciliation`. A record with no
colleague-external pair stays filtered `internal_only` there (it is not an external interaction); its
colleague pairs go to `silver/internal_interactions` (wkw.channels.internal), written like the external
table (full, or tonight's mail and every meeting and call again).

    spark-submit jobs/wkw/stages/interactions.py --date 2026-11-26
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.channels.build import build_channels
from wkw.channels.internal import INTERNAL_TABLE
from wkw.channels.mail import seen_keys
from wkw.channels.reconciliation import reconciliation
from wkw.config import BRONZE, SILVER, Settings
from wkw.lake import over_history, read_optional, read_table, replace_partition, replace_table, table_exists
from wkw.pipeline import StageResult, stage_main
from wkw.privacy.rules import colleagues_on
from wkw.vocabulary import CALL, MAIL, MEETING

SILVER_PARTITIONS = ["channel", "event_date"]
REJUDGED_CHANNELS = (MEETING, CALL)
STATS_PROPERTY = "delta.dataSkippingStatsColumns"
STAGE = "interactions"


def is_incremental_table(spark: SparkSession, path: str) -> bool:
    """Silver interactions already laid out for incremental nights (partitioned by channel, with the
    night each mail landed); anything else is rebuilt once."""
    if not table_exists(spark, path):
        return False
    detail = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").select("partitionColumns").first()
    return (
        list(detail.partitionColumns) == SILVER_PARTITIONS
        and "ingest_date" in spark.read.format("delta").load(path).columns
    )


def write_interactions(spark: SparkSession, interactions: DataFrame, path: str, as_of: date, full: bool):
    """Full: the whole table in one commit. Incremental: one commit too, in which tonight's mail replaces
    only the rows that landed tonight (a rerun replaces them again) and meetings and calls, judged again
    every night, replace their partitions. One file per (channel, event day) written: a night touches few
    files."""
    by_day = interactions.repartition(*SILVER_PARTITIONS)
    if full:
        # Statistics on the ingest date only (never on addresses): a night's replaceWhere skips old files.
        replace_table(by_day, path, SILVER_PARTITIONS, {STATS_PROPERTY: "ingest_date"})
        return
    judged = ", ".join(f"'{channel}'" for channel in REJUDGED_CHANNELS)
    night = f"(channel = '{MAIL}' AND ingest_date = '{as_of.isoformat()}') OR channel IN ({judged})"
    # Every row built tonight matches: the mail built incrementally is tonight's (its first copy landed
    # tonight), and the other channels are all judged.
    replace_partition(by_day, path, night, SILVER_PARTITIONS)


def run(spark: SparkSession, settings: Settings, as_of: date, full: bool = False) -> StageResult:
    """The stage for one logical date, in an existing session. Incremental unless `full` (or the table is
    new): only tonight's mail is read and judged, against the keys of the mail of earlier nights."""
    mail = read_table(spark, settings, BRONZE, "mail_messages")
    directory = read_table(spark, settings, BRONZE, "directory")
    colleagues = colleagues_on(directory, as_of, settings.privacy)
    calls = read_optional(spark, settings, BRONZE, "calls")
    meetings = read_optional(spark, settings, BRONZE, "meetings")
    path = settings.table_path(SILVER, "interactions")
    internal_path = settings.table_path(SILVER, INTERNAL_TABLE)
    full = full or not is_incremental_table(spark, path) or not is_incremental_table(spark, internal_path)
    seen = None
    if not full:
        tonight = mail.where(F.col("ingest_date") == F.lit(as_of))
        seen = seen_keys(mail.where(F.col("ingest_date") < F.lit(as_of)), tonight)
        mail = tonight
    interactions, outcomes, internal = build_channels(
        mail, colleagues, as_of, settings, calls, meetings, seen
    )
    counts = read_table(spark, settings, BRONZE, "ingest_counts")
    removals = read_optional(spark, settings, SILVER, "privacy_removals")
    day = f"as_of_date = '{as_of.isoformat()}'"
    with over_history(spark, settings, full):
        write_interactions(spark, interactions, path, as_of, full)
        write_interactions(spark, internal, internal_path, as_of, full)
        path = settings.table_path(SILVER, "reconciliation")
        replace_partition(reconciliation(outcomes, counts, as_of, removals), path, day, ["as_of_date"])
    summary = spark.read.format("delta").load(path).where(F.col("as_of_date") == F.lit(as_of))
    by_source = summary.orderBy("source").collect()
    notes = ["full rebuild" if full else "incremental (tonight's mail)"] + [
        f"{row.source}: read {row.read} = accepted {row.accepted} + filtered {row.filtered} "
        f"{dict(row.filtered_by)} + quarantined {row.quarantined}"
        for row in by_source
    ]
    return StageResult(
        STAGE, as_of, rows={row.source: int(row.accepted) for row in by_source}, notes=tuple(notes)
    )


def main(argv: list[str] | None = None) -> None:
    stage_main(STAGE, run, argv)


if __name__ == "__main__":
    main()
