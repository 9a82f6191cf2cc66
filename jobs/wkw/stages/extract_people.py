"""Extract of the people exports: the directory (colleagues) and the CRM (leads and contacts).

Rows without a valid e-mail go to quarantine with their reason; the rest are normalised (lower-cased
addresses, ';'-separated lists split, booleans parsed) into bronze for the ingest date.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw import schemas
from wkw.config import Settings
from wkw.files import list_files
from wkw.stages.reconcile import ingest_counts

EMAIL_PATTERN = r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$"
TRUE_WORDS = ["true", "yes", "1", "y"]
CRM_TYPES = ["lead", "contact"]
CSV_SUFFIX = ".csv"


def _email(column: str) -> Column:
    return F.lower(F.trim(F.col(column)))


def _is_valid_email(column: Column) -> Column:
    return column.isNotNull() & column.rlike(EMAIL_PATTERN)


def _as_list(column: str) -> Column:
    items = F.split(F.coalesce(F.col(column), F.lit("")), ";")
    trimmed = F.transform(items, lambda item: F.trim(item))
    return F.array_sort(F.array_distinct(F.filter(trimmed, lambda item: item != F.lit(""))))


def _as_flag(column: str, default: bool) -> Column:
    value = F.lower(F.trim(F.col(column)))
    return F.when(value.isNull() | (value == ""), F.lit(default)).otherwise(value.isin(TRUE_WORDS))


def _read_csv(spark: SparkSession, directory: str, schema) -> DataFrame:
    files = [path for path in list_files(directory) if path.lower().endswith(CSV_SUFFIX)]
    if not files:  # nothing landed for that source and day
        return spark.createDataFrame([], schema).withColumn("source_file", F.lit(None).cast("string"))
    raw = (
        spark.read.format("csv")
        .option("header", "true")
        .option("mode", "PERMISSIVE")
        .schema(schema)
        .load(files)
    )
    return raw.withColumn("source_file", F.col("_metadata.file_path"))


def normalise_directory(raw: DataFrame, as_of: date) -> DataFrame:
    """Directory rows -> one row per colleague with aliases, roles and licences as sorted arrays."""
    aliases = F.transform(_as_list("aliases"), lambda alias: F.lower(alias))
    return raw.select(
        F.lit(as_of).alias("ingest_date"),
        F.trim("id").alias("user_id"),
        _email("email").alias("email"),
        F.array_sort(F.array_distinct(aliases)).alias("aliases"),
        F.trim("name").alias("name"),
        F.trim("title").alias("title"),
        F.trim("department").alias("department"),
        F.upper(F.trim("region")).alias("region"),
        _as_list("roles").alias("roles"),
        _as_list("licences").alias("licences"),
        _as_flag("active", True).alias("active"),
        _as_flag("opted_out", False).alias("opted_out"),
    )


def normalise_crm(raw: DataFrame, as_of: date) -> DataFrame:
    crm_type = F.lower(F.trim("type"))
    return raw.select(
        F.lit(as_of).alias("ingest_date"),
        F.trim("id").alias("crm_id"),
        F.when(crm_type.isin(CRM_TYPES), crm_type).alias("crm_type"),
        _email("email").alias("email"),
        F.trim("name").alias("name"),
        F.trim("company").alias("company"),
    )


def _split(raw: DataFrame, as_of: date, source: str, normalise) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Valid rows, quarantined rows and the counts of one people export."""
    is_valid = _is_valid_email(_email("email"))
    checked = raw.withColumn("is_valid", is_valid).persist()
    good = normalise(checked.where("is_valid"), as_of)
    bad = checked.where(~F.col("is_valid")).select(
        F.lit(as_of).alias("ingest_date"),
        F.lit(source).alias("source"),
        F.coalesce("source_file", F.lit("")).alias("source_file"),
        F.lit(0).cast("long").alias("position"),
        F.lit("bad_email").alias("reason"),
        F.col("email").alias("detail"),
    )
    return good, bad, ingest_counts(checked, "is_valid", as_of, source)


def extract_directory(spark: SparkSession, settings: Settings, as_of: date):
    raw = _read_csv(spark, settings.landing_dir("directory", as_of.isoformat()), schemas.DIRECTORY_CSV)
    return _split(raw, as_of, "directory", normalise_directory)


def extract_crm(spark: SparkSession, settings: Settings, as_of: date):
    raw = _read_csv(spark, settings.landing_dir("crm", as_of.isoformat()), schemas.CRM_CSV)
    return _split(raw, as_of, "crm", normalise_crm)
