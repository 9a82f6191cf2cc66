"""Validate: the audit in write-audit-publish. Staged gold tables of the logical date must pass the
Great Expectations suites in expectations/ and the cross-table checks here, or nothing is published.

Cross-table checks: every tile row is in the list; no opted-out, excluded or inactive colleague is offered;
no person of the privacy register (wkw.stages.privacy) is in any staged table; the day's records
reconcile (read = accepted + filtered + quarantined). Results go to `gold/validations`; Data Docs to
`<lake>/_reports/gx/<date>/index.html`. A failure exits non-zero with a readable summary.

    spark-submit jobs/wkw/stages/validate.py --date 2026-11-26
"""

from __future__ import annotations

import sys
from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.lake import (
    BRONZE,
    GOLD,
    PUBLISHED,
    PUBLISHED_TABLES,
    SILVER,
    read_optional,
    read_table,
    replace_partition,
    run_stage,
)
from wkw.people import latest_snapshot
from wkw.privacy import address_hash, withheld_rule
from wkw.privacy_policy import PrivacyPolicy, privacy_policy
from wkw.quality import Failure, validate_tables
from wkw.stages.privacy import REGISTER, active_hashes
from wkw.stages.volume import volume_failures

STRENGTH_MAX = 1.0
CROSS_TABLE_CHECKS = 7


def withheld_hashes(spark: SparkSession, settings: Settings) -> list[str]:
    """Address hashes of every active request of the privacy register (none before the first one)."""
    register = read_optional(spark, settings, SILVER, REGISTER)
    return [] if register is None else active_hashes(register)


def current_tile(spark: SparkSession, settings: Settings) -> DataFrame | None:
    """The tile of the current publication, or None before the first one."""
    return read_optional(spark, settings, PUBLISHED, "top_introducers")


def staged_tables(spark: SparkSession, settings: Settings, as_of: date) -> dict[str, DataFrame]:
    return {
        name: read_table(spark, settings, GOLD, name).where(F.col("as_of_date") == F.lit(as_of))
        for name in PUBLISHED_TABLES
    }


def withheld_failures(tables: dict[str, DataFrame], hashes: list[str]) -> list[Failure]:
    """No person of the privacy register (withheld colleague, erased person) in any staged table."""
    if not hashes:
        return []
    failures = []
    for name, table in sorted(tables.items()):
        named = address_hash(F.col("colleague_email")).isin(hashes) | address_hash(
            F.col("contact_email")
        ).isin(hashes)
        if (count := table.where(named).count()) > 0:
            failures.append(
                Failure(name, "no_withheld_person", f"{count} rows name a withheld or erased person")
            )
    return failures


def cross_table_failures(
    tables: dict[str, DataFrame],
    directory: DataFrame,
    reconciliation: DataFrame,
    policy: PrivacyPolicy | None = None,
) -> list[Failure]:
    """Checks no single-table suite can make; each yields a Failure with the offending count."""
    failures = []
    keys = ["contact_email", "colleague_email", "rank"]
    orphans = (
        tables["top_introducers"]
        .select(keys)
        .join(tables["introducers"].select(keys), on=keys, how="left_anti")
    )
    if (count := orphans.count()) > 0:
        failures.append(
            Failure("top_introducers", "tile_rows_in_list", f"{count} tile rows missing from introducers")
        )
    withheld = F.col("opted_out") if policy is None else withheld_rule(policy, directory).isNotNull()
    hidden = directory.where(withheld | ~F.col("active")).select(
        F.col("email").alias("colleague_email"), withheld.alias("opted_out")
    )
    for name, table in sorted(tables.items()):
        leaked = (
            table.join(hidden, on="colleague_email", how="inner")
            .agg(
                F.count_if("opted_out").alias("opted_out"), F.count_if(~F.col("opted_out")).alias("inactive")
            )
            .first()
        )
        opted_out, inactive = leaked.opted_out, leaked.inactive
        if opted_out:
            failures.append(
                Failure(
                    name, "no_opted_out_colleague", f"{opted_out} rows of opted-out or excluded colleagues"
                )
            )
        if name != "connection_strength" and inactive:
            failures.append(
                Failure(name, "no_inactive_introducer", f"{inactive} rows of inactive colleagues")
            )
    for row in reconciliation.where(~F.col("balanced")).collect():
        failures.append(
            Failure(
                "reconciliation",
                "counts_balance",
                f"{row.source}: read {row.read} != {row.accepted} + {row.filtered} + {row.quarantined}",
            )
        )
    return failures


def validation_row(
    spark: SparkSession, as_of: date, pub_id: str, checks: int, failures: list[Failure]
) -> DataFrame:
    """The verdict publish looks for: this publication id, on this date, passed (or not, and why)."""
    failed = [(f.table, f.check, f.detail) for f in failures]
    schema = (
        "as_of_date date, publication_id string, passed boolean, checks_run int, "
        "failures array<struct<table_name: string, check_name: string, detail: string>>"
    )
    return spark.createDataFrame([(as_of, pub_id, not failures, checks, failed)], schema)


def publication_id_of(tables: dict[str, DataFrame]) -> str:
    ids = [row.publication_id for row in tables["introducers"].select("publication_id").distinct().collect()]
    return ids[0] if len(ids) == 1 else ",".join(sorted(ids))


def run(spark: SparkSession, settings: Settings, as_of: date) -> list[Failure]:
    """Validate the staged tables of `as_of`; record the verdict; return the failures (empty: passed)."""
    tables = staged_tables(spark, settings, as_of)
    parameters = {"top_n": settings.top_n, "strength_max": STRENGTH_MAX}
    reports = f"{settings.gx_reports.rstrip('/')}/{as_of.isoformat()}"
    failures, checks_run = validate_tables(tables, parameters, reports, run_name=as_of.isoformat())
    directory = latest_snapshot(read_table(spark, settings, BRONZE, "directory"), as_of)
    reconciliation = read_table(spark, settings, SILVER, "reconciliation").where(F.col("as_of_date") == as_of)
    policy = privacy_policy(settings)
    failures += cross_table_failures(tables, directory, reconciliation, policy)
    failures += withheld_failures(tables, withheld_hashes(spark, settings))
    failures += volume_failures(tables["top_introducers"], current_tile(spark, settings), settings.volume)
    checks_run += CROSS_TABLE_CHECKS
    verdict = validation_row(spark, as_of, publication_id_of(tables), checks_run, failures)
    day = f"as_of_date = '{as_of.isoformat()}'"
    replace_partition(verdict, settings.table_path(GOLD, "validations"), day, ["as_of_date"])
    print(f"validate {as_of}: Data Docs in {reports}/index.html")
    return failures


def main(argv: list[str] | None = None) -> None:
    failures = run_stage("validate", run, __doc__, argv)
    if failures:
        summary = "\n".join(f"  - {failure}" for failure in failures)
        print(
            f"validate: {len(failures)} check(s) failed, nothing will be published:\n{summary}",
            file=sys.stderr,
        )
        sys.exit(1)
    print("validate: all checks passed")


if __name__ == "__main__":
    main()
