"""Maintain: after a publication, keep every table small in files and bounded in nights.

1. Nightly gold tables (one partition per logical date: strength state, scores, lists, tiles, names) keep
   the last `[maintenance] keep_nights` nights (a rerun of one of them carries from the night before it;
   older nights are recomputed in full), and the strength states (tonight's and 90 days ago's) also the
   snapshot night those nights' change layers stand on.
2. Compaction (Delta OPTIMIZE) of the partitions that received small files: tonight's bronze slices, and
   the silver interaction days that late mail added a file to. Partitions that hold one file are left
   alone, so the cost follows the night.
3. The file count and size of every table after that, in `silver/table_files` (one row per table and
   night), so that growth is measured, not guessed. Old file versions are deleted by the privacy stage's
   VACUUM, every night, after `[privacy] retention_days`.

    spark-submit jobs/wkw/stages/maintain.py --date 2026-11-26
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from delta.tables import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from wkw.config import BRONZE, GOLD, SILVER, Settings
from wkw.lake import delta_tables, per_table, read_optional, replace_partition, table_exists
from wkw.pipeline import StageResult, stage_main
from wkw.scoring.state import EARLIER_RUNS, EARLIER_STATE, RUNS, STATE

LAYERED = {STATE: RUNS, EARLIER_STATE: EARLIER_RUNS}  # a carried state and the runs naming its layers
NIGHTLY_GOLD = (
    STATE,
    EARLIER_STATE,
    "connection_strength",
    "contact_names",
    "introducers",
    "top_introducers",
    "account_introducers",
    "colleague_ties",
)
TABLE_FILES = "table_files"
STAGE = "maintain"


def oldest_layer(spark: SparkSession, settings: Settings, oldest: date, runs_table: str = RUNS) -> date:
    """The oldest strength state layer that a kept night (from `oldest` on) is made of: a change night
    stands on the snapshot night before it, which is kept as long as that night is."""
    runs = read_optional(spark, settings, GOLD, runs_table)
    if runs is None or "state_layers" not in runs.columns:
        return oldest
    kept = runs.where(F.col("as_of_date") >= F.lit(oldest)).select(F.explode("state_layers").alias("night"))
    first = kept.agg(F.min("night")).first()[0]
    return oldest if first is None else min(first, oldest)


def prune_old_nights(spark: SparkSession, settings: Settings, as_of: date) -> None:
    """Delete the nightly gold partitions older than the kept nights (by logical date); of the strength
    state, those that no kept night stands on."""
    oldest = as_of - timedelta(days=settings.maintenance.keep_nights - 1)
    for name in NIGHTLY_GOLD:
        path = settings.table_path(GOLD, name)
        if table_exists(spark, path):
            cut = oldest_layer(spark, settings, oldest, LAYERED[name]) if name in LAYERED else oldest
            DeltaTable.forPath(spark, path).delete(F.col("as_of_date") < F.lit(cut))


def compact(spark: SparkSession, settings: Settings, as_of: date) -> None:
    """OPTIMIZE where small files gather: tonight's bronze slices and silver's interaction days."""

    def optimize(path: str) -> None:
        table = DeltaTable.forPath(spark, path)
        partitions = table.detail().first().partitionColumns
        if path.startswith(settings.table_path(BRONZE, "")) and partitions == ["ingest_date"]:
            table.optimize().where(f"ingest_date = '{as_of.isoformat()}'").executeCompaction()
        elif path == settings.table_path(SILVER, "interactions"):
            table.optimize().executeCompaction()

    per_table(optimize, delta_tables(settings), settings.maintenance.table_workers)


def file_counts(spark: SparkSession, settings: Settings, as_of: date):
    """One row per Delta table: files and bytes of its current version."""

    def counted(path: str) -> tuple:
        detail = DeltaTable.forPath(spark, path).detail().first()
        layer, name = path.rstrip("/").split("/")[-2:]
        return (as_of, f"{layer}.{name}", int(detail.numFiles), int(detail.sizeInBytes))

    rows = list(per_table(counted, delta_tables(settings), settings.maintenance.table_workers).values())
    return spark.createDataFrame(rows, "as_of_date date, table_name string, files long, bytes long")


def run(spark: SparkSession, settings: Settings, as_of: date) -> StageResult:
    """The stage for one logical date, in an existing session."""
    started = time.monotonic()
    prune_old_nights(spark, settings, as_of)
    pruned = time.monotonic()
    compact(spark, settings, as_of)
    compacted = time.monotonic()
    counts = file_counts(spark, settings, as_of)
    day = f"as_of_date = '{as_of.isoformat()}'"
    replace_partition(counts, settings.table_path(SILVER, TABLE_FILES), day, ["as_of_date"])
    by_table = counts.orderBy("table_name").collect()
    return StageResult(
        STAGE,
        as_of,
        rows={TABLE_FILES: len(by_table)},
        notes=(
            f"prune {pruned - started:.1f} s, compaction {compacted - pruned:.1f} s, "
            f"file counts {time.monotonic() - compacted:.1f} s",
            *(f"{row.table_name}: {row.files} files, {row.bytes} bytes" for row in by_table),
        ),
    )


def main(argv: list[str] | None = None) -> None:
    stage_main(STAGE, run, argv)


if __name__ == "__main__":
    main()
