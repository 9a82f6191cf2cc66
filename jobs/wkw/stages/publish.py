"""Publish: the staged gold tables of the logical date become the published `wkw.*` tables.

Runs only after validate passed for exactly this publication id (checked again here). Each published
table is replaced in one Delta commit, with the change data feed on; then one row in `publications`
records the id, the model and its parameters, the table versions that form this publication, the check
results and the counts. A reader who wants one consistent set reads the versions that row names.
The tables are registered in the Spark SQL catalog as database `wkw`.

    spark-submit jobs/wkw/stages/publish.py --date 2026-11-26
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, date, datetime

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import GOLD, PUBLISHED, Settings
from wkw.lake import read_table, replace_table, table_exists
from wkw.pipeline import PUBLISHED_TABLES, UNSTAMPED_TABLES, StageResult, stage_main
from wkw.scoring.calibration_store import model_in_force

STAGE = "publish"
PUBLICATIONS = "publications"
CDF_PROPERTY = "delta.enableChangeDataFeed"


class NotValidated(RuntimeError):
    """The staged tables have no passing validation: publishing them would break the promise."""


def passing_verdict(validations: DataFrame, as_of: date):
    """The validation row of `as_of`, if it passed; otherwise publishing is refused."""
    verdict = validations.where(F.col("as_of_date") == F.lit(as_of)).collect()
    if not verdict or not verdict[0].passed:
        raise NotValidated(f"no passing validation for {as_of}: run validate first; nothing was published")
    return verdict[0]


def publish_table(spark: SparkSession, staged: DataFrame, path: str) -> int:
    """Replace the published table in one commit (change data feed on); return its new version."""
    replace_table(staged, path)
    table = DeltaTable.forPath(spark, path)
    if table.detail().first().properties.get(CDF_PROPERTY) != "true":
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ({CDF_PROPERTY} = true)")
    return int(table.history(1).first()["version"])


def publication_row(
    spark: SparkSession,
    settings: Settings,
    as_of: date,
    pub_id: str,
    versions: dict,
    counts: dict,
    checks: int,
) -> DataFrame:
    # published_at is wall-clock audit metadata: the one field that differs between two identical runs.
    published_at = datetime.now(UTC).replace(tzinfo=None)
    model, calibration_id = model_in_force(spark, settings, as_of)
    parameters = {k: str(v) for k, v in sorted(model.items())}
    parameters["calibration"] = calibration_id or "none: the configured [model]"
    parameters.update({f"band_{k}": str(v) for k, v in sorted(settings.bands.items())})
    parameters["top_n"] = str(settings.top_n)
    row = (
        pub_id,
        as_of,
        published_at,
        str(model["version"]),
        parameters,
        versions,
        counts,
        checks,
        True,
    )
    schema = (
        "publication_id string, as_of_date date, published_at timestamp, model_version string, "
        "model_parameters map<string,string>, table_versions map<string,bigint>, "
        "row_counts map<string,bigint>, checks_run int, checks_passed boolean"
    )
    return spark.createDataFrame([row], schema)


def record_publication(spark: SparkSession, row: DataFrame, path: str) -> None:
    """Upsert by publication id: a rerun of the same publication updates its row, never adds one."""
    if not table_exists(spark, path):
        replace_table(row, path)
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ({CDF_PROPERTY} = true)")
        return
    (
        DeltaTable.forPath(spark, path)
        .alias("p")
        .merge(row.alias("n"), "p.publication_id = n.publication_id")
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute()
    )


def register_catalog(spark: SparkSession, settings: Settings) -> None:
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {settings.database}")
    for name in (*PUBLISHED_TABLES, PUBLICATIONS):
        path = settings.table_path(PUBLISHED, name)
        spark.sql(f"CREATE TABLE IF NOT EXISTS {settings.database}.{name} USING DELTA LOCATION '{path}'")


def later_publication(spark: SparkSession, settings: Settings, as_of: date) -> str | None:
    """The id and date of the newest publication if it is of a date after `as_of`, else None."""
    path = settings.table_path(PUBLISHED, PUBLICATIONS)
    if not table_exists(spark, path):
        return None
    newest = read_table(spark, settings, PUBLISHED, PUBLICATIONS).orderBy(F.col("as_of_date").desc()).first()
    if newest is None or newest.as_of_date <= as_of:
        return None
    return f"{newest.publication_id}, as of {newest.as_of_date}"


def run(spark: SparkSession, settings: Settings, as_of: date) -> StageResult:
    """Publish the validated staged tables of `as_of`, unless a later date is published; the result names
    the publication."""
    verdict = passing_verdict(read_table(spark, settings, GOLD, "validations"), as_of)
    pub_id = verdict.publication_id
    later = later_publication(spark, settings, as_of)
    if later is not None:
        # A backfill of an older night recomputes and validates its gold slice, but the newer night stays
        # published: replacing it would leave the newest publication naming versions VACUUM deletes.
        note = f"not published: the current publication ({later}) is of a later date; {as_of} stays in gold"
        return StageResult(STAGE, as_of, notes=(note,), publication_id=pub_id)
    versions, counts = {}, {}
    for name in PUBLISHED_TABLES:
        staged = read_table(spark, settings, GOLD, name).where(F.col("as_of_date") == F.lit(as_of))
        if name not in UNSTAMPED_TABLES:
            staged = staged.where(F.col("publication_id") == F.lit(pub_id))
        versions[name] = publish_table(spark, staged, settings.table_path(PUBLISHED, name))
        counts[name] = read_table(spark, settings, PUBLISHED, name).count()
    row = publication_row(spark, settings, as_of, pub_id, versions, counts, int(verdict.checks_run))
    record_publication(spark, row, settings.table_path(PUBLISHED, PUBLICATIONS))
    if spark.conf.get("spark.sql.catalogImplementation", "in-memory") == "hive":
        register_catalog(spark, settings)
    return StageResult(
        STAGE, as_of, rows=counts, notes=(f"table versions {versions}",), publication_id=pub_id
    )


def main(argv: list[str] | None = None) -> None:
    try:
        stage_main(STAGE, run, argv)
    except NotValidated as refusal:
        logging.getLogger(f"wkw.stages.{STAGE}").error("%s", refusal)
        sys.exit(1)


if __name__ == "__main__":
    main()
