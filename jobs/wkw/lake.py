"""Table names, paths and the few Delta write patterns every stage uses (each write is a transaction)."""

from __future__ import annotations

from contextlib import contextmanager

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession

from wkw.config import BRONZE, GOLD, PUBLISHED, SILVER, Settings

__all__ = ["BRONZE", "GOLD", "PUBLISHED", "SILVER"]


INITIAL_PARTITIONS = "spark.sql.adaptive.coalescePartitions.initialPartitionNum"


def delta_tables(settings: Settings) -> list[str]:
    """The path of every Delta table of the lake's four layers, sorted."""
    from wkw.files import list_dirs

    tables = []
    for layer in (BRONZE, SILVER, GOLD, PUBLISHED):
        for folder in list_dirs(settings.table_path(layer, "").rstrip("/")):
            if any(d.endswith("/_delta_log") for d in list_dirs(folder)):
                tables.append(folder)
    return tables


def per_table(work, paths: list[str], workers: int) -> dict:
    """`work(path)` for every table, `workers` tables at a time; {path: result} in the order of `paths`.

    Maintenance of one table (VACUUM, OPTIMIZE, a scrub, its detail) is a few small Spark jobs whose time
    goes to the driver and to storage round trips, not to the cores: several tables at once keep the
    cluster busy. Tables are independent; each thread submits its own jobs to the shared session. Every
    table is tried even when one fails; then the first failure, in the order of `paths`, is raised.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    if workers <= 1 or len(paths) <= 1:
        futures = {}
        for path in paths:  # in this thread, one after the other
            futures[path] = Future()
            try:
                futures[path].set_result(work(path))
            except Exception as failure:  # noqa: BLE001 - raised below, after the other tables
                futures[path].set_exception(failure)
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wkw-table") as pool:
            futures = {path: pool.submit(work, path) for path in paths}
    return {path: future.result() for path, future in futures.items()}


@contextmanager
def over_history(spark: SparkSession, settings: Settings, full: bool = True):
    """Within: when `full`, every shuffle starts from `[spark] history_partitions` partitions, which adaptive
    execution coalesces to what the data needs (one or two on a small company). A year of history then
    sorts and aggregates in pieces a task's memory holds; a night's small work keeps
    `spark.sql.shuffle.partitions` (64 partitions would cost Delta's own small jobs, which are not
    coalesced, more than they save). The session's setting is restored on the way out."""
    if not full:
        yield
        return
    before = spark.conf.get(INITIAL_PARTITIONS, None)
    spark.conf.set(INITIAL_PARTITIONS, str(settings.spark.history_partitions))
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(INITIAL_PARTITIONS)
        else:
            spark.conf.set(INITIAL_PARTITIONS, before)


def table_exists(spark: SparkSession, path: str) -> bool:
    return DeltaTable.isDeltaTable(spark, path)


def read_table(spark: SparkSession, settings: Settings, layer: str, name: str) -> DataFrame:
    return spark.read.format("delta").load(settings.table_path(layer, name))


def read_optional(spark: SparkSession, settings: Settings, layer: str, name: str) -> DataFrame | None:
    """A table that exists only once something wrote it (calls, meetings, the privacy register, the first
    publication): None before that."""
    path = settings.table_path(layer, name)
    return spark.read.format("delta").load(path) if table_exists(spark, path) else None


def replace_partition(df: DataFrame, path: str, predicate: str, partition_by: list[str]) -> None:
    """Overwrite exactly the rows matching `predicate` (one logical date's slice): a rerun replaces.

    New columns are added to the table (an export that grew a field); existing ones never change type.
    """
    (
        df.write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", predicate)
        .option("mergeSchema", "true")
        .partitionBy(*partition_by)
        .save(path)
    )


def replace_table(
    df: DataFrame, path: str, partition_by: list[str] | None = None, properties: dict[str, str] | None = None
) -> None:
    """The whole table in one commit; `properties` (Delta table properties such as
    `delta.dataSkippingStatsColumns`) are set with it."""
    writer = df.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
    for key, value in (properties or {}).items():
        writer = writer.option(key, value)
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.save(path)
