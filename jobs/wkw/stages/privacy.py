"""Privacy: withheld colleagues and erased people removed from every layer, then their old files purged.

Runs after extract and before anything is computed, every night:
1. Who is withheld: the directory snapshot of the logical date (opt-out under the region rule, exclusion by
   department, group or address: wkw.privacy.withheld_rule) and the erasure requests landed as CSV in
   `landing/privacy/<date>/` (`request_id,email`, read like every CSV export; a bad row is quarantined
   with its reason and without its text).
2. The register `silver/privacy_requests`, hashes only: one row per request (a colleague's opt-out or
   exclusion, or an erasure) with its status and times: received -> applied -> purged (or withdrawn, when
   a colleague opts back in). Erasures never lapse: mail that lands later is scrubbed too.
3. Every Delta table of the lake scrubbed of every active subject (wkw.privacy.scrub_table); the current
   publication is moved to the scrubbed versions of its tables, so readers never see the person again.
4. VACUUM of every table with `[privacy] retention_days` (default 7, at most 30): the old file versions
   that still held them are deleted once the retention has passed, and those requests become purged.
   Data Docs folders older than the retention are deleted too (a failed check can quote addresses).

    spark-submit jobs/wkw/stages/privacy.py --date 2026-11-26
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.files import delete_dir, list_dirs, list_files
from wkw.lake import (
    BRONZE,
    PUBLISHED,
    SILVER,
    delta_tables,
    per_table,
    read_optional,
    read_table,
    replace_partition,
    run_stage,
    table_workers,
)
from wkw.people import latest_snapshot
from wkw.privacy import address_hash, scrub_table, withheld_rule
from wkw.privacy_policy import privacy_policy
from wkw.stages.extract_people import BAD_EMAIL, EMAIL_PATTERN, read_csv_lines
from wkw.stages.reconcile import ingest_counts, quarantine_rows

REGISTER = "privacy_requests"
REMOVALS = "privacy_removals"
REMOVALS_SCHEMA = "as_of_date date, table_name string, ingest_date date, rows long"
SOURCE = "privacy"
ERASURE = "erasure"
RECEIVED, APPLIED, PURGED, WITHDRAWN = "received", "applied", "purged", "withdrawn"
REGISTER_SCHEMA = (
    "request_id string, kind string, subject_sha256 string, address_sha256 array<string>, "
    "received_date date, status string, applied_at timestamp, purged_at timestamp, withdrawn_date date"
)
HOURS_PER_DAY = 24
REQUEST_COLUMNS = ["request_id", "email"]
MISSING_REQUEST_ID = "missing_request_id"


def withheld_colleagues(directory: DataFrame, policy) -> DataFrame:
    """Subjects from the directory snapshot: (request_id, kind, subject_sha256, address_sha256)."""
    rule = withheld_rule(policy, directory)
    subject = address_hash(F.col("email"))
    addresses = F.array_union(F.array("email"), F.coalesce("aliases", F.array().cast("array<string>")))
    return directory.where(rule.isNotNull()).select(
        F.concat(F.lit("colleague:"), F.substring(subject, 1, 16)).alias("request_id"),
        rule.alias("kind"),
        subject.alias("subject_sha256"),
        F.array_sort(F.transform(addresses, address_hash)).alias("address_sha256"),
    )


def analysed_colleagues(directory: DataFrame, policy) -> DataFrame:
    """Hashes of the colleagues the snapshot analyses as usual: an opt-out of theirs is withdrawn."""
    return directory.where(withheld_rule(policy, directory).isNull()).select(
        address_hash(F.col("email")).alias("subject_sha256")
    )


def erasure_requests(spark: SparkSession, settings: Settings, as_of: date):
    """(valid requests as subjects, quarantined rows, counts) from landing/privacy/<date>/*.csv."""
    files = [
        p for p in list_files(settings.landing_dir(SOURCE, as_of.isoformat())) if p.lower().endswith(".csv")
    ]
    rows = read_csv_lines(spark, files, REQUEST_COLUMNS)
    email = F.lower(F.trim("email"))
    missing_id = F.trim(F.coalesce("request_id", F.lit(""))) == ""
    reason = (
        F.when(F.col("reason").isNotNull(), F.col("reason"))
        .when(missing_id, MISSING_REQUEST_ID)
        .when(~F.coalesce(email.rlike(EMAIL_PATTERN), F.lit(False)), BAD_EMAIL)
    )
    checked = rows.withColumn("reason", reason).withColumn("is_valid", F.col("reason").isNull()).persist()
    subjects = checked.where("is_valid").select(
        F.concat(F.lit("erasure:"), F.trim("request_id")).alias("request_id"),
        F.lit(ERASURE).alias("kind"),
        address_hash(email).alias("subject_sha256"),
        F.array(address_hash(email)).alias("address_sha256"),
    )
    # The detail would be the line itself: never keep the address a person asked us to forget.
    bad = quarantine_rows(checked.withColumn("detail", F.lit(None).cast("string")), "is_valid", as_of, SOURCE)
    return subjects, bad, ingest_counts(checked, "is_valid", as_of, SOURCE)


def updated_register(previous: DataFrame, tonight: DataFrame, analysed: DataFrame, as_of: date) -> DataFrame:
    """Tonight's subjects merged into the register: new ones received, old ones kept, opt-ins withdrawn."""
    new = tonight.join(previous.select("request_id"), on="request_id", how="left_anti").select(
        "request_id",
        "kind",
        "subject_sha256",
        "address_sha256",
        F.lit(as_of).alias("received_date"),
        F.lit(RECEIVED).alias("status"),
        F.lit(None).cast("timestamp").alias("applied_at"),
        F.lit(None).cast("timestamp").alias("purged_at"),
        F.lit(None).cast("date").alias("withdrawn_date"),
    )
    back = tonight.select("request_id", F.lit(True).alias("seen_tonight"))
    opted_in = analysed.select("subject_sha256", F.lit(True).alias("analysed_tonight")).distinct()
    old = previous.join(back, on="request_id", how="left").join(opted_in, on="subject_sha256", how="left")
    was_withdrawn = F.col("status") == WITHDRAWN
    returns = was_withdrawn & F.coalesce("seen_tonight", F.lit(False))
    withdraws = ~was_withdrawn & (F.col("kind") != ERASURE) & F.coalesce("analysed_tonight", F.lit(False))
    kept = old.select(
        "request_id",
        "kind",
        "subject_sha256",
        "address_sha256",
        F.when(returns, F.lit(as_of)).otherwise(F.col("received_date")).alias("received_date"),
        F.when(returns, RECEIVED).when(withdraws, WITHDRAWN).otherwise(F.col("status")).alias("status"),
        F.when(returns, None).otherwise(F.col("applied_at")).alias("applied_at"),
        F.when(returns, None).otherwise(F.col("purged_at")).alias("purged_at"),
        F.when(withdraws, F.lit(as_of))
        .when(returns, None)
        .otherwise(F.col("withdrawn_date"))
        .alias("withdrawn_date"),
    )
    return kept.unionByName(new)


def active_hashes(register: DataFrame) -> list[str]:
    rows = register.where(F.col("status") != WITHDRAWN).select(F.explode("address_sha256").alias("h"))
    return sorted({row.h for row in rows.distinct().collect()})


def scrub_lake(
    spark: SparkSession, settings: Settings, hashes: list[str], only_ingest_date: date | None = None
) -> dict[str, dict]:
    """Every table of the lake but the privacy tables, scrubbed; what changed, by table.

    With `only_ingest_date`, only that ingest slice of the bronze tables: on a night without a new
    request, the people already removed can only come back through the exports that landed tonight.
    """
    own = {settings.table_path(SILVER, REGISTER), settings.table_path(SILVER, REMOVALS)}
    paths = [path for path in delta_tables(settings) if path not in own]
    counted = per_table(
        lambda path: scrub_table(spark, path, hashes, only_ingest_date), paths, table_workers(settings)
    )
    return {path: counts for path, counts in counted.items() if counts["deleted"] or counts["updated"]}


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
    scrubbed = {path.removeprefix(prefix): path for path in changed if path.startswith(prefix)}
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


def vacuum_lake(spark: SparkSession, settings: Settings, retention_days: int) -> None:
    # Below Delta's 7-day default the safety check must be lifted; the retention is ours, from conf.
    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    hours = retention_days * HOURS_PER_DAY

    def vacuum(path: str) -> None:
        try:  # LITE: the files to delete come from the log, not from listing the whole table
            spark.sql(f"VACUUM delta.`{path}` RETAIN {hours} HOURS LITE")
        except Exception as lite_refused:  # noqa: BLE001 - e.g. the log was truncated: list instead
            print(f"privacy: VACUUM LITE refused for {path} ({type(lite_refused).__name__}); full VACUUM")
            DeltaTable.forPath(spark, path).vacuum(float(hours))

    per_table(vacuum, delta_tables(settings), table_workers(settings))


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


def run(spark: SparkSession, settings: Settings, as_of: date) -> DataFrame:
    """The stage for one logical date, in an existing session; returns the register as written."""
    policy = privacy_policy(settings)
    directory = latest_snapshot(read_table(spark, settings, BRONZE, "directory"), as_of)
    erasures, bad, counts = erasure_requests(spark, settings, as_of)
    day = f"ingest_date = '{as_of.isoformat()}' AND source = '{SOURCE}'"
    replace_partition(bad, settings.table_path(BRONZE, "quarantine"), day, ["ingest_date"])
    replace_partition(counts, settings.table_path(BRONZE, "ingest_counts"), day, ["ingest_date"])
    tonight = withheld_colleagues(directory, policy).unionByName(erasures).dropDuplicates(["request_id"])
    path = settings.table_path(SILVER, REGISTER)
    previous = read_optional(spark, settings, SILVER, REGISTER)
    if previous is None:
        previous = spark.createDataFrame([], REGISTER_SCHEMA)
    register = updated_register(previous, tonight, analysed_colleagues(directory, policy), as_of)
    register = register.localCheckpoint()  # the register is read from the table it will replace
    hashes = active_hashes(register)
    # A new request: every table, every version's current rows. Otherwise only tonight's exports.
    is_new = register.where(F.col("status") == RECEIVED).limit(1).count() > 0
    changed = scrub_lake(spark, settings, hashes, None if is_new else as_of)
    record_removals(spark, settings, changed, as_of)
    repoint_publication(spark, settings, changed)
    applied_at = datetime.now(UTC).replace(tzinfo=None)  # wall clock: VACUUM's retention is wall clock
    register = register.withColumn(
        "applied_at", F.when(F.col("status") == RECEIVED, F.lit(applied_at)).otherwise(F.col("applied_at"))
    ).withColumn("status", F.when(F.col("status") == RECEIVED, APPLIED).otherwise(F.col("status")))
    vacuum_lake(spark, settings, policy.retention_days)
    vacuumed_at = datetime.now(UTC).replace(tzinfo=None)
    due = (F.col("status") == APPLIED) & (
        F.col("applied_at") <= F.lit(vacuumed_at - timedelta(days=policy.retention_days))
    )
    register = register.withColumn(
        "purged_at", F.when(due, F.lit(vacuumed_at)).otherwise(F.col("purged_at"))
    ).withColumn("status", F.when(due, PURGED).otherwise(F.col("status")))
    register.orderBy("request_id").write.format("delta").mode("overwrite").option(
        "overwriteSchema", "true"
    ).save(path)
    reports = purge_reports(settings, as_of, policy.retention_days)
    by_status = dict(sorted((r.status, r["count"]) for r in register.groupBy("status").count().collect()))
    print(f"privacy {as_of}: {len(hashes)} withheld addresses, requests by status {by_status}")
    for table, numbers in sorted(changed.items()):
        print(
            f"privacy {as_of}: {table}: {numbers['deleted']} rows deleted, {numbers['updated']} rows redacted"
        )
    if reports:
        print(f"privacy {as_of}: Data Docs older than the retention deleted: {', '.join(reports)}")
    return spark.read.format("delta").load(path)


def main(argv: list[str] | None = None) -> None:
    run_stage("privacy", run, __doc__, argv)


if __name__ == "__main__":
    main()
