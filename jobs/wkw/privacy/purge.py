"""Removing withheld people from the lake: every table scrubbed (wkw.privacy.scrub), the bronze records
deleted counted for the reconciliation, the current publication moved to the scrubbed versions, and old file
versions and Data Docs deleted after the retention (each table's `delta.deletedFileRetentionDuration` set to
it: VACUUM's own RETAIN is ignored)."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta

from delta.tables import DeltaTable
from deltalake import DeltaTable as RustTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from wkw.config import BRONZE, PUBLISHED, SILVER, Settings
from wkw.files import delete_dir, list_dirs
from wkw.lake import delta_tables, per_table
from wkw.privacy.register import REGISTER, REMOVALS, REMOVALS_SCHEMA
from wkw.privacy.retention import vacuum_due
from wkw.privacy.scrub import scrub_table
from wkw.privacy.tokens import Redaction

log = logging.getLogger(__name__)
HOURS_PER_DAY = 24
MS_PER_HOUR = 3_600_000
RETENTION_PROPERTY = "delta.deletedFileRetentionDuration"


def scrub_lake(
    spark: SparkSession, settings: Settings, redaction: Redaction, only_ingest_date: date | None = None
) -> dict[str, dict]:
    """Every table of the lake but the privacy tables, scrubbed; what changed, by table.

    With `only_ingest_date`, only that ingest slice of the bronze tables: on a night without a new
    request, the people already removed can only come back through the exports that landed tonight.
    """
    own = {settings.table_path(SILVER, REGISTER), settings.table_path(SILVER, REMOVALS)}
    paths = [path for path in delta_tables(settings) if path not in own]
    counted = per_table(
        lambda path: scrub_table(spark, path, redaction, only_ingest_date),
        paths,
        settings.maintenance.table_workers,
    )
    return {path: counts for path, counts in counted.items() if counts["deleted"] or counts["updated"]}


def forget_reread_removals(spark: SparkSession, settings: Settings, as_of: date, reread: bool) -> None:
    """When extract read `as_of`'s landing again tonight (`reread`), the removals other nights recorded
    for records of that date are of records that are no longer there (tonight's scrub counts what it
    removes again): they go, so the reconciliation counts each removed record once."""
    path = settings.table_path(SILVER, REMOVALS)
    if reread and DeltaTable.isDeltaTable(spark, path):
        day = F.lit(as_of)
        DeltaTable.forPath(spark, path).delete((F.col("ingest_date") == day) & (F.col("as_of_date") != day))


def record_removals(spark: SparkSession, settings: Settings, changed: dict, as_of: date) -> None:
    """Bronze records deleted tonight, by table and ingest date, in `silver/privacy_removals`.

    The reconciliation counts them as filtered "withheld". A rerun that finds nothing left to delete
    keeps the counts of the run that deleted them (merge on positive counts only).
    """
    prefix = settings.table_path(BRONZE, "")
    rows = [
        (as_of, path.removeprefix(prefix), day, int(count))
        for path, numbers in sorted(changed.items())
        if path.startswith(prefix)
        for day, count in sorted(numbers["deleted_by_ingest_date"].items())
        if count > 0
    ]
    removals = spark.createDataFrame(rows, REMOVALS_SCHEMA)
    path = settings.table_path(SILVER, REMOVALS)
    if not DeltaTable.isDeltaTable(spark, path):
        removals.write.format("delta").save(path)
        return
    (
        DeltaTable.forPath(spark, path)
        .alias("r")
        .merge(
            removals.alias("n"),
            "r.as_of_date = n.as_of_date AND r.table_name = n.table_name AND r.ingest_date = n.ingest_date",
        )
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )


def repoint_publication(spark: SparkSession, settings: Settings, changed: dict) -> None:
    """The current publication names the scrubbed versions of its tables (same rows, minus the withheld)."""
    publications = settings.table_path(PUBLISHED, "publications")
    prefix = settings.table_path(PUBLISHED, "")
    scrubbed = {
        path.removeprefix(prefix): path
        for path in changed
        if path.startswith(prefix) and path != publications
    }
    if not scrubbed or not DeltaTable.isDeltaTable(spark, publications):
        return
    newest = spark.read.format("delta").load(publications).agg(F.max("as_of_date")).first()[0]
    versions = {
        name: int(DeltaTable.forPath(spark, path).history(1).first()["version"])
        for name, path in sorted(scrubbed.items())
    }
    new_map = "map(" + ", ".join(f"'{name}', CAST({v} AS BIGINT)" for name, v in versions.items()) + ")"
    names = ", ".join(f"'{name}'" for name in versions)
    DeltaTable.forPath(spark, publications).update(
        F.col("as_of_date") == F.lit(newest),
        {
            "table_versions": F.expr(
                f"map_concat(map_filter(table_versions, (k, v) -> k NOT IN ({names})), {new_map})"
            )
        },
    )


def keep_removed_files(spark: SparkSession, path: str, days: int) -> None:
    """The table's `delta.deletedFileRetentionDuration` set to the retention, if it is not already.

    VACUUM ignores `RETAIN n HOURS` unless n is 0 (it says so in a warning) and keeps removed files for
    that property, 7 days unless set: a 3-day retention purged after 7 days, a 30-day one after 7.
    """
    wanted = f"interval {days} days"
    try:  # read from the log without a Spark job; a table delta-rs cannot read is set anyway
        current = RustTable(path, without_files=True).metadata().configuration.get(RETENTION_PROPERTY)
    except Exception:  # noqa: BLE001 - e.g. a table feature delta-rs does not know
        current = None
    if current != wanted:
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('{RETENTION_PROPERTY}' = '{wanted}')")


def vacuum_lake(spark: SparkSession, settings: Settings, retention_days: int) -> tuple[int, int]:
    """VACUUM LITE of every table that has files to delete (wkw.privacy.retention.vacuum_due), after its
    retention property is set (`keep_removed_files`); the tables vacuumed and the tables of the lake."""
    # Below Delta's 7-day default the safety check must be lifted; the retention is ours, from conf.
    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    cutoff_ms = int(time.time() * 1000) - retention_days * HOURS_PER_DAY * MS_PER_HOUR

    def vacuum(path: str) -> bool:
        if not vacuum_due(path, cutoff_ms):
            return False
        keep_removed_files(spark, path, retention_days)
        try:  # LITE: the files to delete come from the log, not from listing the whole table
            spark.sql(f"VACUUM delta.`{path}` LITE")
        except Exception as lite_refused:  # noqa: BLE001 - e.g. the log was truncated: list instead
            log.warning("VACUUM LITE refused for %s (%s): full VACUUM", path, type(lite_refused).__name__)
            DeltaTable.forPath(spark, path).vacuum()
        return True

    done = per_table(vacuum, delta_tables(settings), settings.maintenance.table_workers)
    return sum(done.values()), len(done)


def purge_reports(settings: Settings, as_of: date, retention_days: int) -> list[str]:
    """Delete Data Docs folders of logical dates older than the retention; the folders deleted."""
    oldest = as_of - timedelta(days=retention_days)
    deleted = []
    for folder in list_dirs(settings.gx_reports.rstrip("/")):
        name = folder.rstrip("/").rsplit("/", 1)[-1]
        try:
            day = date.fromisoformat(name)
        except ValueError:
            continue
        if day < oldest:
            delete_dir(folder)
            deleted.append(name)
    return deleted
