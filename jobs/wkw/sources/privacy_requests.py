"""Erasure requests landed as CSV in landing/privacy/<date>/ (request_id,email) -> subjects as hashes only
(the address a person asked us to forget is never stored); a bad row is quarantined without its text."""

from __future__ import annotations

from datetime import date

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

from wkw.config import BRONZE, Settings
from wkw.files import list_files
from wkw.lake import read_optional
from wkw.privacy.register import ERASURE
from wkw.privacy.rules import address_hash
from wkw.sources.csv_lines import EMAIL_PATTERN, read_csv_lines
from wkw.sources.outcomes import outcomes
from wkw.vocabulary import (
    BAD_EMAIL,
    DUPLICATE_REQUEST_ID,
    ERASURE_REQUEST_HEADER,
    MISSING_REQUEST_ID,
    PRIVACY_SOURCE,
)


def extract_erasure_requests(spark: SparkSession, settings: Settings, as_of: date):
    """(valid requests as subjects for bronze `erasure_requests`, quarantined rows, counts) from
    landing/privacy/<date>/*.csv."""
    folder = settings.landing_dir(PRIVACY_SOURCE, as_of.isoformat())
    files = [path for path in list_files(folder) if path.lower().endswith(".csv")]
    rows = read_csv_lines(spark, files, ERASURE_REQUEST_HEADER, settings.extract.limits)
    email = F.lower(F.trim("email"))
    missing_id = F.trim(F.coalesce("request_id", F.lit(""))) == ""
    reason = (
        F.when(F.col("reason").isNotNull(), F.col("reason"))
        .when(missing_id, MISSING_REQUEST_ID)
        .when(~F.coalesce(email.rlike(EMAIL_PATTERN), F.lit(False)), BAD_EMAIL)
    )
    rows = rows.withColumn("reason", reason).withColumn(
        "request", F.concat(F.lit("erasure:"), F.trim("request_id"))
    )
    # A request is keyed on its id: one id naming two addresses (in tonight's files, or a request of an
    # earlier night) is ambiguous, and quarantined, never merged into the first (which erased one person
    # and counted the other as accepted). The same id and address twice is one request.
    same_id = Window.partitionBy("request").orderBy("source_file", "position")
    whole = same_id.rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)
    first_address = F.first(F.when(F.col("reason").isNull(), email), ignorenulls=True).over(whole)
    earlier = read_optional(spark, settings, BRONZE, "erasure_requests")
    if earlier is not None:
        known = earlier.where(F.col("ingest_date") < F.lit(as_of)).groupBy("request_id")
        known = known.agg(F.min("subject_sha256").alias("earlier_subject"))
        rows = rows.join(known.withColumnRenamed("request_id", "request"), on="request", how="left")
    else:
        rows = rows.withColumn("earlier_subject", F.lit(None).cast("string"))
    # An id an earlier night recorded keeps its address; a new id belongs to its first valid row.
    clash = F.when(
        F.col("earlier_subject").isNotNull(), F.col("earlier_subject") != address_hash(email)
    ).otherwise(email != first_address)
    reason = F.when(F.col("reason").isNull() & F.coalesce(clash, F.lit(False)), DUPLICATE_REQUEST_ID)
    checked = rows.withColumn("reason", F.coalesce("reason", reason)).withColumn(
        "is_valid", F.col("reason").isNull()
    )
    checked = checked.persist()
    subjects = checked.where("is_valid").select(
        F.lit(as_of).alias("ingest_date"),
        F.col("request").alias("request_id"),
        F.lit(ERASURE).alias("kind"),
        address_hash(email).alias("subject_sha256"),
        F.array(address_hash(email)).alias("address_sha256"),
    )
    # The detail would be the line itself: never keep the address a person asked us to forget.
    without_text = checked.withColumn("detail", F.lit(None).cast("string"))
    return subjects, *outcomes(without_text, "is_valid", as_of, PRIVACY_SOURCE)
