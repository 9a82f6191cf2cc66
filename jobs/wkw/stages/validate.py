"""Validate: the audit in write-audit-publish. Staged gold tables of the logical date must pass the
Great Expectations suites in expectations/ and the cross-table checks here, or nothing is published.

Cross-table checks: every tile row is in the list; the account view agrees with the list (every person it
names is there with that colleague and band, its counts are the list's); no opted-out, excluded or
inactive colleague is offered; no person of the privacy register (wkw.privacy.register) is in any staged
table (the account view's named people and the ties' peers included); a colleague tie has both
directions with mirrored receipts and no withheld or unlisted colleague at either end
(wkw.checks.ties); the day's records reconcile (read = accepted + filtered + quarantined). A source
whose quarantine share jumps over its previous nights' (wkw.checks.quarantine) is a warning, logged
and recorded, never a failure. Results go to `gold/validations`; Data Docs to
`<lake>/_reports/gx/<date>/index.html`. A failure exits non-zero with a readable summary.

    spark-submit jobs/wkw/stages/validate.py --date 2026-11-26
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.checks.cross_table import (
    CROSS_TABLE_CHECKS,
    STRENGTH_MAX,
    account_failures,
    cross_table_failures,
    publication_id_of,
    trend_failures,
    validation_row,
    withheld_failures,
)
from wkw.checks.gx import validate_tables
from wkw.checks.quarantine import quarantine_jumps
from wkw.checks.ties import TIE_CHECKS, tie_failures
from wkw.checks.volume import volume_failures
from wkw.config import BRONZE, GOLD, PUBLISHED, SILVER, Settings
from wkw.lake import read_optional, read_table, replace_partition
from wkw.pipeline import PUBLISHED_TABLES, StageResult, stage_main
from wkw.privacy.register import REGISTER, active_hashes
from wkw.privacy.rules import colleagues_on

STAGE = "validate"


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


def quarantine_warnings(reconciliation: DataFrame, settings: Settings, as_of: date) -> list:
    """Warnings for the sources whose quarantine share jumped tonight: the reconciliation rows of the
    night and its previous nights (a few per source) are read to the driver."""
    nights = settings.publish.quarantine_baseline_nights
    upto = reconciliation.where(F.col("as_of_date") <= F.lit(as_of))
    days = upto.select("as_of_date").distinct().orderBy(F.col("as_of_date").desc()).limit(nights + 1)
    rows = upto.join(days, on="as_of_date", how="inner").select("as_of_date", "source", "read", "quarantined")
    return quarantine_jumps(
        [row.asDict() for row in rows.collect()], as_of, settings.publish.quarantine_jump, nights
    )


def run(spark: SparkSession, settings: Settings, as_of: date) -> StageResult:
    """Validate the staged tables of `as_of` and record the verdict; the result's failures are the checks
    that failed (none: passed), and its `main()` then exits non-zero so that nothing is published."""
    tables = staged_tables(spark, settings, as_of)
    parameters = {"top_n": settings.top_n, "strength_max": STRENGTH_MAX}
    reports = f"{settings.gx_reports.rstrip('/')}/{as_of.isoformat()}"
    failures, checks_run = validate_tables(tables, parameters, reports, run_name=as_of.isoformat())
    directory = colleagues_on(read_table(spark, settings, BRONZE, "directory"), as_of, settings.privacy)
    all_nights = read_table(spark, settings, SILVER, "reconciliation")
    reconciliation = all_nights.where(F.col("as_of_date") == as_of)
    failures += cross_table_failures(tables, directory, reconciliation)
    failures += account_failures(tables, settings.accounts)
    failures += tie_failures(tables, directory)
    failures += trend_failures(tables)
    warnings = quarantine_warnings(all_nights, settings, as_of)
    failures += withheld_failures(tables, withheld_hashes(spark, settings))
    failures += volume_failures(tables["top_introducers"], current_tile(spark, settings), settings.volume)
    checks_run += CROSS_TABLE_CHECKS + TIE_CHECKS
    pub_id = publication_id_of(tables)
    verdict = validation_row(spark, as_of, pub_id, checks_run, failures, warnings)
    day = f"as_of_date = '{as_of.isoformat()}'"
    replace_partition(verdict, settings.table_path(GOLD, "validations"), day, ["as_of_date"])
    outcome = "all checks passed" if not failures else "nothing will be published"
    return StageResult(
        STAGE,
        as_of,
        notes=(
            f"{checks_run} checks: {outcome}; Data Docs in {reports}/index.html",
            *(f"warning: {w.table}: {w.check} ({w.detail})" for w in warnings),
        ),
        failures=tuple(failures),
        publication_id=pub_id,
    )


def main(argv: list[str] | None = None) -> None:
    stage_main(STAGE, run, argv)


if __name__ == "__main__":
    main()
