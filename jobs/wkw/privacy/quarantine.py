"""A one-off migration of `bronze/quarantine`: the raw text that CSV rows quarantined as `bad_row` kept.

Until 2026-12-07 the CSV reader (wkw.sources.csv_lines) kept up to 200 characters of a line that could not
be split into its header's fields, and a line names people. It now keeps "N fields, the header has M".
Rows written before get a fixed detail instead of their text: the field count cannot be told from 200
characters of a line that may have been longer, with quoted commas. The privacy stage runs this every
night; it costs one filtered scan of the quarantine and writes nothing once no such row is left.

    migrated = migrate_quarantine(spark, settings)
"""

from __future__ import annotations

from delta.tables import DeltaTable
from pyspark.sql import Column, SparkSession
from pyspark.sql import functions as F

from wkw.config import BRONZE, Settings
from wkw.vocabulary import BAD_ROW

QUARANTINE = "quarantine"
FIELD_COUNT_DETAIL = r"^[0-9]+ fields?, the header has [0-9]+$"  # what the reader writes since 2026-12-07
MIGRATED_DETAIL = "raw text removed (migration)"


def holds_raw_text() -> Column:
    """A CSV `bad_row` whose detail is neither the field count nor already migrated."""
    detail = F.col("detail")
    return (
        (F.col("reason") == BAD_ROW)
        & detail.isNotNull()
        & ~detail.rlike(FIELD_COUNT_DETAIL)
        & (detail != F.lit(MIGRATED_DETAIL))
    )


def migrate_quarantine(spark: SparkSession, settings: Settings) -> int:
    """Replace the raw text of old `bad_row` quarantine rows; the rows changed (0: nothing left to do)."""
    path = settings.table_path(BRONZE, QUARANTINE)
    if not DeltaTable.isDeltaTable(spark, path):
        return 0
    table = DeltaTable.forPath(spark, path)
    if table.toDF().where(holds_raw_text()).isEmpty():
        return 0
    table.update(holds_raw_text(), {"detail": F.lit(MIGRATED_DETAIL)})
    metrics = table.history(1).first()["operationMetrics"] or {}
    return int(metrics.get("numUpdatedRows", 0))
