"""Extract of call-detail records (Teams / PBX exports): CSV -> bronze calls, bad rows -> quarantine.

Every file under `landing/calls/<day>/` is read as CSV with the header
`call_id,caller,callee,start,duration_seconds,direction` (see `read_csv_lines`: each record keeps its
source file and 1-based line). A row is quarantined, first reason wins, as `bad_row` (wrong field count
or broken quoting), `bad_address` (caller or callee not an e-mail address), `bad_start` (missing or
unparsable start), `impossible_date` (before `min_event_year` or beyond `max_future_days` after the
logical date, as for mail) or `bad_duration` (missing, negative or not a number of seconds); a file with
no lines is one `empty_file` record, a file with another header quarantines its every line as
`bad_header`. A start without an offset is taken as UTC. Accepted rows get lower-cased addresses, the
start in UTC, whole seconds, the direction lower-cased as evidence only, and a call_id (when the export
has none: SHA-256 of caller|callee|start in epoch seconds).

    accepted, quarantined, counts = extract_calls(spark, settings, date(2026, 11, 26))
"""

from __future__ import annotations

from datetime import date, timedelta

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from wkw.config import Settings
from wkw.files import list_files
from wkw.parsing.details import DATE_OR_NUMBER_PATTERN
from wkw.sources.csv_lines import clean_email, is_valid_email, read_csv_lines
from wkw.sources.outcomes import outcomes
from wkw.vocabulary import (
    BAD_ADDRESS,
    BAD_DURATION,
    BAD_START,
    CALL_HEADER,
    CALLS_SOURCE,
    IMPOSSIBLE_DATE,
)

DURATION_TYPE = "decimal(20,3)"  # "45", "45.0" and "4.5e1" are seconds; "NaN", "1:30" are not

# bronze.calls: one row per accepted call record, partitioned by ingest_date.
CALL_RECORD = T.StructType(
    [
        T.StructField("ingest_date", T.DateType(), False),
        T.StructField("source_file", T.StringType(), False),
        T.StructField("position", T.LongType(), False),
        T.StructField("call_id", T.StringType(), False),
        T.StructField("caller_email", T.StringType(), False),
        T.StructField("callee_email", T.StringType(), False),
        T.StructField("started_at", T.TimestampType(), False),  # UTC
        T.StructField("duration_seconds", T.LongType(), False),
        T.StructField("direction", T.StringType(), True),  # as exported: inbound, outbound, internal...
    ]
)


def _blank_to_null(column: str) -> Column:
    value = F.trim(F.col(column))
    return F.when(value != "", value)


def _described(field: str, raw: str, problem: str) -> Column:
    """A field's failure: its value quoted only when it reads as a date or a number (a value in the wrong
    column may be a name, and quarantine keeps none: wkw.parsing.details), else its name and the problem;
    "<field> missing" when it is empty."""
    value = F.col(raw)
    shown = F.concat(F.lit(f"{field} '"), value, F.lit(f"' {problem}"))
    is_missing = value.isNull() | (F.trim(value) == "")
    return (
        F.when(is_missing, F.lit(f"{field} missing"))
        .when(value.rlike(DATE_OR_NUMBER_PATTERN), shown)
        .otherwise(F.lit(f"{field} {problem}"))
    )


def checked_calls(rows: DataFrame, as_of: date, min_year: int, max_future_days: int) -> DataFrame:
    """`read_csv_lines` rows with typed fields, `reason` (first failed check, null if valid) and `detail`."""
    typed = rows.select(
        "source_file",
        "position",
        "reason",
        "detail",
        _blank_to_null("call_id").alias("call_id"),
        clean_email("caller").alias("caller_email"),
        clean_email("callee").alias("callee_email"),
        F.try_to_timestamp(_blank_to_null("start")).alias("started_at"),
        _blank_to_null("duration_seconds").try_cast(DURATION_TYPE).alias("duration"),
        F.lower(_blank_to_null("direction")).alias("direction"),
        F.col("caller").alias("raw_caller"),
        F.col("callee").alias("raw_callee"),
        F.col("start").alias("raw_start"),
        F.col("duration_seconds").alias("raw_duration"),
    )
    caller_ok, callee_ok = is_valid_email(F.col("caller_email")), is_valid_email(F.col("callee_email"))
    latest = F.lit(as_of + timedelta(days=max_future_days + 1)).cast("timestamp")
    is_impossible = (F.year("started_at") < F.lit(min_year)) | (F.col("started_at") >= latest)
    is_bad_duration = F.col("duration").isNull() | (F.col("duration") < 0)
    checks = [
        (
            ~caller_ok | ~callee_ok,
            BAD_ADDRESS,
            F.when(caller_ok, F.lit("callee is not an address")).otherwise(F.lit("caller is not an address")),
        ),
        (F.col("started_at").isNull(), BAD_START, _described("start", "raw_start", "is not a time")),
        (is_impossible, IMPOSSIBLE_DATE, _described("start", "raw_start", "is out of range")),
        (is_bad_duration, BAD_DURATION, _described("duration_seconds", "raw_duration", "is not seconds")),
    ]
    found = F.col("reason").isNotNull()  # the line was already refused by the CSV reader
    reason, detail = F.when(found, F.col("reason")), F.when(found, F.col("detail"))
    for failed, name, evidence in checks:  # first failed check wins
        reason = reason.when(failed, F.lit(name))
        detail = detail.when(failed, evidence)
    return typed.withColumns({"reason": reason, "detail": detail}).withColumn(
        "is_accepted", F.col("reason").isNull()
    )


def accepted_calls(checked: DataFrame, as_of: date) -> DataFrame:
    moment = F.unix_seconds("started_at").cast("string")
    derived_id = F.sha2(F.concat_ws("|", "caller_email", "callee_email", moment), 256)
    return checked.where("is_accepted").select(
        F.lit(as_of).alias("ingest_date"),
        "source_file",
        F.col("position").cast("long").alias("position"),
        F.coalesce("call_id", derived_id).alias("call_id"),
        "caller_email",
        "callee_email",
        "started_at",
        F.floor("duration").cast("long").alias("duration_seconds"),
        "direction",
    )


def extract_calls(
    spark: SparkSession, settings: Settings, as_of: date
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(accepted CALL_RECORD rows, QUARANTINE rows, ingest counts) for the calls landed on `as_of`."""
    files = list_files(settings.landing_dir(CALLS_SOURCE, as_of.isoformat()))
    rows = read_csv_lines(spark, files, CALL_HEADER, settings.extract.limits)
    checked = checked_calls(
        rows, as_of, settings.filters.min_event_year, settings.filters.max_future_days
    ).persist()
    return (
        accepted_calls(checked, as_of),
        *outcomes(checked, "is_accepted", as_of, CALLS_SOURCE),
    )
