"""Reconciliation: every record read on a day is accepted, filtered (with its reason) or quarantined."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.vocabulary import (
    ADDRESS_BOOK_SOURCE,
    CALENDAR_SOURCE,
    CALLS_SOURCE,
    CRM_SOURCE,
    DIRECTORY_SOURCE,
    MAIL_SOURCE,
    WITHHELD,
)

# Bronze table -> the source its records were read from (for records the privacy stage deleted).
SOURCE_OF_TABLE = {
    "mail_messages": MAIL_SOURCE,
    "meetings": CALENDAR_SOURCE,
    "calls": CALLS_SOURCE,
    "directory": DIRECTORY_SOURCE,
    "crm": CRM_SOURCE,
    "address_book": ADDRESS_BOOK_SOURCE,
}


def withheld_outcomes(removals: DataFrame, as_of: date) -> DataFrame:
    """The records ingested on `as_of` that a privacy stage deleted, as outcomes "withheld": that night's
    and any later night's (a person withheld later loses their older records too; a rerun that keeps the
    scrubbed bronze of a purged landing counts them). Removals of records a rerun read again are dropped
    by the privacy stage (wkw.privacy.purge.forget_reread_removals)."""
    mapping = F.create_map(*[F.lit(x) for pair in sorted(SOURCE_OF_TABLE.items()) for x in pair])
    todays = removals.where(F.col("ingest_date") == F.lit(as_of))
    return todays.select(
        "ingest_date",
        mapping[F.col("table_name")].alias("source"),
        F.explode(F.array_repeat(F.lit(WITHHELD), F.col("rows").cast("int"))).alias("filter_reason"),
    ).where(F.col("source").isNotNull())


def extract_filtered(extract_counts: DataFrame, as_of: date) -> DataFrame | None:
    """(source, filter_reason, records) that extract filtered on `as_of` (a draft, a personal event: valid
    records naming no relationship, never in bronze); None for counts written before extract filtered."""
    if "filtered_by" not in extract_counts.columns:
        return None
    todays = extract_counts.where(F.col("ingest_date") == F.lit(as_of))
    return todays.select("source", F.explode("filtered_by").alias("filter_reason", "records"))


def reconciliation(
    outcomes: DataFrame, extract_counts: DataFrame, as_of: date, removals: DataFrame | None = None
) -> DataFrame:
    """One row per source for the records ingested on `as_of`: read = accepted + filtered + quarantined.

    `outcomes` has one row per bronze record (ingest_date, source, filter_reason: null when it reached
    silver); `extract_counts` is extract's read / accepted / filtered (by reason) / quarantined per source
    (its filtered records never reached bronze, so they have no outcome); `removals` the
    records the privacy stage deleted (filtered "withheld"). A source without outcomes (directory, CRM)
    has nothing else filtered: what extract accepted and privacy kept is accepted.
    """
    todays = outcomes.where(F.col("ingest_date") == F.lit(as_of)).select(
        "ingest_date", "source", "filter_reason"
    )
    if removals is not None:
        todays = todays.unionByName(withheld_outcomes(removals, as_of))
    # Records per (source, reason) first: the outcomes (every channel judged again) are computed once.
    per_reason = todays.groupBy("source", "filter_reason").agg(F.count(F.lit(1)).alias("records"))
    at_extract = extract_filtered(extract_counts, as_of)
    if at_extract is not None:
        per_reason = per_reason.unionByName(at_extract)
    reason, records = F.col("filter_reason"), F.col("records")
    judged = reason.isNotNull() & (reason != F.lit(WITHHELD))
    kept = per_reason.groupBy("source").agg(
        F.sum(F.when(reason.isNull(), records).otherwise(0)).alias("kept"),
        F.sum(F.when(judged, records).otherwise(0)).alias("judged"),
        F.sum(F.when(reason.isNotNull(), records)).alias("filtered"),
        F.map_from_entries(
            F.array_sort(F.collect_list(F.when(reason.isNotNull(), F.struct("filter_reason", "records"))))
        ).alias("filtered_by"),
    )
    counts = extract_counts.where(F.col("ingest_date") == F.lit(as_of)).select(
        "source", "read", "accepted", "quarantined"
    )
    joined = counts.join(kept, on="source", how="left")
    # Sources whose records have outcomes count what reached silver; the others what privacy kept.
    has_outcomes = F.coalesce(F.col("judged"), F.lit(0)) + F.coalesce(F.col("kept"), F.lit(0)) > 0
    accepted = (
        F.when(has_outcomes, F.col("kept"))
        .otherwise(F.col("accepted") - F.coalesce(F.col("filtered"), F.lit(0)))
        .cast("long")
    )
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
