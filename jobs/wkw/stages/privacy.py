"""Privacy: withheld colleagues and erased people removed from every layer, then their old files purged.

Runs after extract and before anything is computed, every night:
1. Who is withheld: the directory snapshot of the logical date (opt-out under the region rule, exclusion by
   department, group or address: wkw.privacy.rules) and the erasure requests that extract read from
   `landing/privacy/<date>/` into bronze `erasure_requests` (hashes only).
2. The register `silver/privacy_requests`, hashes only: one row per request (a colleague's opt-out or
   exclusion, or an erasure) with its status and times: received -> applied -> purged (or withdrawn, when
   a colleague opts back in). Erasures never lapse: mail that lands later is scrubbed too.
3. Every Delta table of the lake scrubbed of every active subject (wkw.privacy.purge), each redacted to
   their random register token (wkw.privacy.tokens), their mailboxes and calendars renamed
   (wkw.privacy.owners), old raw CSV lines removed from the quarantine (wkw.privacy.quarantine); the
   current publication is moved to the scrubbed versions of its tables, so readers never see them again.
   A table whose Delta log holds min/max statistics of a text column (an address, a name: written before
   the lake stopped collecting them) is rewritten without them, its older log files deleted
   (wkw.privacy.logs), and the publication moved to that version too.
4. VACUUM LITE with `[privacy] retention_days` (default 7, at most 30; set as each table's
   `delta.deletedFileRetentionDuration`, which VACUUM honours) of every table whose log shows a
   file removed before the retention (wkw.privacy.retention; the others have nothing to delete): the old
   file versions that still held them are deleted once the retention has passed, and those requests
   become purged.
   Data Docs folders older than the retention are deleted too (a failed check can quote addresses).
5. Landing kept `[privacy] landing_retention_days` (wkw.privacy.landing): older date folders that extract
   has read are deleted, and every kept landing file naming a withheld person is deleted and recorded.

    spark-submit jobs/wkw/stages/privacy.py --date 2026-11-26
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import BRONZE, SILVER, Settings
from wkw.lake import read_optional, read_table
from wkw.pipeline import StageResult, stage_main
from wkw.privacy.landing import PURGES, expire_landing, purge_named, purged_on
from wkw.privacy.logs import rewrite_logs
from wkw.privacy.owners import owned_mailboxes, with_mailboxes
from wkw.privacy.purge import (
    forget_reread_removals,
    purge_reports,
    record_removals,
    repoint_publication,
    scrub_lake,
    vacuum_lake,
)
from wkw.privacy.quarantine import migrate_quarantine
from wkw.privacy.register import (
    APPLIED,
    PURGED,
    RECEIVED,
    REGISTER,
    REGISTER_SCHEMA,
    analysed_colleagues,
    migrated_register,
    updated_register,
    withheld_colleagues,
)
from wkw.privacy.rules import colleagues_on
from wkw.privacy.tokens import redaction_of, with_tokens

STAGE = "privacy"


def tonight_subjects(spark: SparkSession, settings: Settings, directory: DataFrame, as_of: date) -> DataFrame:
    """Withheld colleagues of the snapshot and the erasure requests extracted tonight, one row a request."""
    erasures = read_optional(spark, settings, BRONZE, "erasure_requests")
    subjects = withheld_colleagues(directory)
    if erasures is not None:
        landed = erasures.where(F.col("ingest_date") == F.lit(as_of)).drop("ingest_date")
        subjects = subjects.unionByName(landed)
    return subjects.dropDuplicates(["request_id"])


def applied_and_purged(register: DataFrame, applied_at: datetime, vacuumed_at: datetime, days: int):
    """Received requests become applied (the scrub ran); applied ones older than the retention, purged."""
    register = register.withColumn(
        "applied_at", F.when(F.col("status") == RECEIVED, F.lit(applied_at)).otherwise(F.col("applied_at"))
    ).withColumn("status", F.when(F.col("status") == RECEIVED, APPLIED).otherwise(F.col("status")))
    due = (F.col("status") == APPLIED) & (F.col("applied_at") <= F.lit(vacuumed_at - timedelta(days=days)))
    return register.withColumn(
        "purged_at", F.when(due, F.lit(vacuumed_at)).otherwise(F.col("purged_at"))
    ).withColumn("status", F.when(due, PURGED).otherwise(F.col("status")))


def landing_kept(
    spark: SparkSession, settings: Settings, as_of: date, hashes: list[str], is_new: bool, now: datetime
) -> str:
    """Landing past `[privacy] landing_retention_days` deleted (dates extract has read), and the kept
    files naming a withheld person (wkw.privacy.landing); what was done, in a line."""
    counts = read_optional(spark, settings, BRONZE, "ingest_counts")
    extracted = (
        set()
        if counts is None
        else {r.ingest_date for r in counts.select("ingest_date").distinct().collect()}
    )
    expired = expire_landing(settings, as_of, settings.privacy.landing_retention_days, extracted)
    purged = purge_named(spark, settings, hashes, as_of, extracted, is_new, now)
    return (
        f"landing: {len(expired)} date folders older than {settings.privacy.landing_retention_days} days "
        f"deleted, {purged} files naming a withheld person deleted "
        f"({'every kept date scanned' if is_new else 'tonight scanned'})"
    )


def run(spark: SparkSession, settings: Settings, as_of: date) -> StageResult:
    """The stage for one logical date, in an existing session."""
    policy = settings.privacy
    directory = colleagues_on(read_table(spark, settings, BRONZE, "directory"), as_of, policy)
    tonight = tonight_subjects(spark, settings, directory, as_of)
    path = settings.table_path(SILVER, REGISTER)
    previous = read_optional(spark, settings, SILVER, REGISTER)
    # A register written before tokens: every table is scrubbed again, its old tokens re-written.
    migrating = previous is not None and "token" not in previous.columns
    if previous is None:
        previous = spark.createDataFrame([], REGISTER_SCHEMA)
    register = updated_register(migrated_register(previous), tonight, analysed_colleagues(directory), as_of)
    register = with_tokens(register.localCheckpoint())  # read from the table it will replace
    # A new request: every table, every version's current rows. Otherwise only tonight's exports.
    is_new = migrating or register.where(F.col("status") == RECEIVED).limit(1).count() > 0
    scope = None if is_new else as_of
    register = with_mailboxes(register, owned_mailboxes(spark, settings, register, scope)).localCheckpoint()
    redaction = redaction_of(register, legacy=migrating)
    hashes = redaction.hashes
    started = time.monotonic()
    migrated = migrate_quarantine(spark, settings)
    changed = scrub_lake(spark, settings, redaction, scope)
    reread = not purged_on(read_optional(spark, settings, BRONZE, PURGES), as_of)  # extract read landing
    forget_reread_removals(spark, settings, as_of, reread)
    record_removals(spark, settings, changed, as_of)
    repoint_publication(spark, settings, changed)
    rewritten, logged = rewrite_logs(spark, settings)  # no log may keep a removed person's statistics
    repoint_publication(spark, settings, rewritten)  # the versions before are gone: same rows, newer version
    scrubbed = time.monotonic()
    applied_at = datetime.now(UTC).replace(tzinfo=None)  # wall clock: VACUUM's retention is wall clock
    vacuumed, tables = vacuum_lake(spark, settings, policy.retention_days)
    vacuumed_at = datetime.now(UTC).replace(tzinfo=None)
    timing = f"scrub {scrubbed - started:.1f} s ({'every table' if is_new else 'tonight only'}), "
    timing += f"VACUUM of {vacuumed} of {tables} tables {time.monotonic() - scrubbed:.1f} s "
    timing += "(the others removed no file before the retention)"
    register = applied_and_purged(register, applied_at, vacuumed_at, policy.retention_days)
    register.orderBy("request_id").write.format("delta").mode("overwrite").option(
        "overwriteSchema", "true"
    ).save(path)
    reports = purge_reports(settings, as_of, policy.retention_days)
    notes_landing = landing_kept(spark, settings, as_of, hashes, is_new, applied_at)
    by_status = dict(sorted((r.status, r["count"]) for r in register.groupBy("status").count().collect()))
    notes = [f"{len(hashes)} withheld addresses, requests by status {by_status}", timing]
    notes.append(f"log rewrite of {len(rewritten)} of {logged} tables (statistics of text columns)")
    if migrated:
        notes.append(f"quarantine: raw text of {migrated} old bad_row details removed (migration)")
    notes += [
        f"{table}: {numbers['deleted']} rows deleted, {numbers['updated']} rows redacted"
        for table, numbers in sorted(changed.items())
    ]
    if reports:
        notes.append(f"Data Docs older than the retention deleted: {', '.join(reports)}")
    notes.append(notes_landing)
    return StageResult(STAGE, as_of, rows={REGISTER: sum(by_status.values())}, notes=tuple(notes))


def main(argv: list[str] | None = None) -> None:
    stage_main(STAGE, run, argv)


if __name__ == "__main__":
    main()
