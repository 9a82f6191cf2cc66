"""Extract's side of "nothing lost": quarantine rows (where a bad record came from and why) and
read = accepted + filtered + quarantined per source and ingest date. Extract filters only records that
are valid but name no relationship (wkw.vocabulary.EXTRACT_FILTERS: a draft, a personal event); the
other filters are counted later (wkw.channels.reconciliation)."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.vocabulary import EXTRACT_FILTERS


def _is_filtered(accepted: str):
    return ~F.col(accepted) & F.col("reason").isin(*EXTRACT_FILTERS)


def _records_if(condition):
    return F.coalesce(F.sum(F.when(condition, F.col("records"))), F.lit(0))


def quarantine_rows(records: DataFrame, accepted: str, as_of: date, source: str) -> DataFrame:
    """Extract's rejected records as `bronze/quarantine` rows (wkw.schemas.QUARANTINE): where each came
    from (file, position), its reason and a short detail. Filtered records are not among them."""
    return records.where(~F.col(accepted) & ~_is_filtered(accepted)).select(
        F.lit(as_of).alias("ingest_date"),
        F.lit(source).alias("source"),
        F.coalesce("source_file", F.lit("")).alias("source_file"),
        F.col("position").cast("long").alias("position"),
        "reason",
        "detail",
    )


def ingest_counts(records: DataFrame, accepted: str, as_of: date, source: str) -> DataFrame:
    """Extract's side for one source and ingest date: read = accepted + filtered + quarantined, and the
    records filtered per reason (`filtered_by`); the later filters are the reconciliation's."""
    per_reason = records.groupBy(
        F.col(accepted).alias("is_accepted"), _is_filtered(accepted).alias("is_filtered"), "reason"
    ).agg(F.count(F.lit(1)).alias("records"))
    is_quarantined = ~F.col("is_accepted") & ~F.col("is_filtered")
    filtered_entry = F.when(F.col("is_filtered"), F.struct("reason", "records"))
    return per_reason.agg(
        F.lit(as_of).alias("ingest_date"),
        F.lit(source).alias("source"),
        _records_if(F.lit(True)).alias("read"),
        _records_if(F.col("is_accepted")).alias("accepted"),
        _records_if(F.col("is_filtered")).alias("filtered"),
        F.map_from_entries(F.array_sort(F.collect_list(filtered_entry))).alias("filtered_by"),
        _records_if(is_quarantined).alias("quarantined"),
    )


def outcomes(records: DataFrame, accepted: str, as_of: date, source: str) -> tuple[DataFrame, DataFrame]:
    """(quarantine rows, counts) of one source's judged records: what every extractor returns beside the
    rows it accepted."""
    return quarantine_rows(records, accepted, as_of, source), ingest_counts(records, accepted, as_of, source)
