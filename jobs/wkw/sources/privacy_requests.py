"""Erasure requests landed as CSV in landing/privacy/<date>/ (request_id,email) -> subjects as hashes only
(the address a person asked us to forget is never stored); a bad row is quarantined without its text."""

from __future__ import annotations

from datetime import date

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.files import list_files
from wkw.privacy.register import ERASURE
from wkw.privacy.rules import address_hash
from wkw.sources.csv_lines import EMAIL_PATTERN, read_csv_lines
from wkw.sources.outcomes import outcomes
from wkw.vocabulary import BAD_EMAIL, ERASURE_REQUEST_HEADER, MISSING_REQUEST_ID, PRIVACY_SOURCE


def extract_erasure_requests(spark: SparkSession, settings: Settings, as_of: date):
    """(valid requests as subjects for bronze `erasure_requests`, quarantined rows, counts) from
    landing/privacy/<date>/*.csv."""
    folder = settings.landing_dir(PRIVACY_SOURCE, as_of.isoformat())
    files = [path for path in list_files(folder) if path.lower().endswith(".csv")]
    rows = read_csv_lines(spark, files, ERASURE_REQUEST_HEADER)
    email = F.lower(F.trim("email"))
    missing_id = F.trim(F.coalesce("request_id", F.lit(""))) == ""
    reason = (
        F.when(F.col("reason").isNotNull(), F.col("reason"))
        .when(missing_id, MISSING_REQUEST_ID)
        .when(~F.coalesce(email.rlike(EMAIL_PATTERN), F.lit(False)), BAD_EMAIL)
    )
    checked = rows.withColumn("reason", reason).withColumn("is_valid", F.col("reason").isNull()).persist()
    subjects = checked.where("is_valid").select(
        F.lit(as_of).alias("ingest_date"),
        F.concat(F.lit("erasure:"), F.trim("request_id")).alias("request_id"),
        F.lit(ERASURE).alias("kind"),
        address_hash(email).alias("subject_sha256"),
        F.array(address_hash(email)).alias("address_sha256"),
    )
    # The detail would be the line itself: never keep the address a person asked us to forget.
    without_text = checked.withColumn("detail", F.lit(None).cast("string"))
    return subjects, *outcomes(without_text, "is_valid", as_of, PRIVACY_SOURCE)
