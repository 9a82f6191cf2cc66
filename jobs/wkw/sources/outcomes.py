"""Extract's side of "nothing lost": quarantine rows (where a bad record came from and why) and
read = accepted + quarantined per source and ingest date; the filters are counted later
(wkw.channels.reconciliation)."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def quarantine_rows(records: DataFrame, accepted: str, as_of: date, source: str) -> DataFrame:
    """Extract's rejected records as `bronze/quarantine` rows (wkw.schemas.QUARANTINE): where each came
    from (file, position), its reason and a short detail."""
    return records.where(~F.col(accepted)).select(
        F.lit(as_of).alias("ingest_date"),
        F.lit(source).alias("source"),
        F.coalesce("source_file", F.lit("")).alias("source_file"),
        F.col("position").cast("long").alias("position"),
        "reason",
        "detail",
    )


def ingest_counts(records: DataFrame, accepted: str, as_of: date, source: str) -> DataFrame:
    """Extract's side for one source and ingest date: read = accepted + quarantined (filters come later)."""
    return records.agg(
        F.lit(as_of).alias("ingest_date"),
        F.lit(source).alias("source"),
        F.count(F.lit(1)).alias("read"),
        F.count_if(F.col(accepted)).alias("accepted"),
        F.count_if(~F.col(accepted)).alias("quarantined"),
    )


def outcomes(records: DataFrame, accepted: str, as_of: date, source: str) -> tuple[DataFrame, DataFrame]:
    """(quarantine rows, counts) of one source's judged records: what every extractor returns beside the
    rows it accepted."""
    return quarantine_rows(records, accepted, as_of, source), ingest_counts(records, accepted, as_of, source)
