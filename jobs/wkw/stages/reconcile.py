"""Reconciliation: every record read on a day is accepted, filtered (with its reason) or quarantined."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

MAIL = "mail"


def ingest_counts(records: DataFrame, accepted: str, as_of: date, source: str) -> DataFrame:
    """Extract's side for one source and ingest date: read = accepted + quarantined (filters come later)."""
    return records.agg(
        F.lit(as_of).alias("ingest_date"),
        F.lit(source).alias("source"),
        F.count(F.lit(1)).alias("read"),
        F.count_if(F.col(accepted)).alias("accepted"),
        F.count_if(~F.col(accepted)).alias("quarantined"),
    )


def reconciliation(outcomes: DataFrame, extract_counts: DataFrame, as_of: date) -> DataFrame:
    """One row per source for the records ingested on `as_of`: read = accepted + filtered + quarantined."""
    todays = outcomes.where(F.col("ingest_date") == F.lit(as_of))
    by_reason = (
        todays.where(F.col("filter_reason").isNotNull())
        .groupBy("filter_reason")
        .agg(F.count(F.lit(1)).alias("records"))
        .agg(
            F.sum("records").alias("filtered"),
            F.map_from_entries(F.array_sort(F.collect_list(F.struct("filter_reason", "records")))).alias(
                "filtered_by"
            ),
        )
    )
    kept = todays.where(F.col("filter_reason").isNull()).agg(F.count(F.lit(1)).alias("mail_accepted"))
    mail = kept.crossJoin(by_reason).select(
        F.lit(MAIL).alias("source"),
        "mail_accepted",
        F.coalesce("filtered", F.lit(0)).cast("long").alias("filtered"),
        F.coalesce("filtered_by", F.create_map().cast("map<string,bigint>")).alias("filtered_by"),
    )
    counts = extract_counts.where(F.col("ingest_date") == F.lit(as_of))
    joined = counts.join(mail, on="source", how="left")
    accepted = F.coalesce("mail_accepted", F.col("accepted")).cast("long")
    filtered = F.coalesce("filtered", F.lit(0)).cast("long")
    return joined.select(
        F.lit(as_of).alias("as_of_date"),
        "source",
        F.col("read").cast("long").alias("read"),
        accepted.alias("accepted"),
        filtered.alias("filtered"),
        F.coalesce("filtered_by", F.create_map().cast("map<string,bigint>")).alias("filtered_by"),
        F.col("quarantined").cast("long").alias("quarantined"),
        (F.col("read") == accepted + filtered + F.col("quarantined")).alias("balanced"),
    )
