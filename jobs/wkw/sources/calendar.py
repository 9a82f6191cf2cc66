"""Extract of calendar exports: `landing/calendar/<date>/*.ics` -> one meeting record per VEVENT.

The driver only lists the files; Spark tasks (`mapPartitions`) read and parse them with
`wkw.parsing.calendar.parse_ics`, expanding recurring meetings within the analysed window: from
`lookback_days` before the logical date to `max_future_days` after it. A VEVENT that cannot be accepted,
a file that is not a usable calendar, a file of another format and a file that cannot be read go to
quarantine with their reason, source file and position; `ingest_counts` reconciles the two. A file over
`[extract] max_file_bytes` is quarantined `too_large` unread, a symbolic link `symlink` (never followed),
and a failure nobody foresaw `parse_error` for the rest of its file: never a failed night.
The caller (`wkw.stages.extract`) writes the accepted rows to `bronze/meetings`, partitioned by ingest_date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import partial

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from wkw.config import Settings
from wkw.config_extract import ReadLimits
from wkw.files import list_files, read_whole, refusal
from wkw.parsing.calendar import parse_ics
from wkw.sources.outcomes import outcomes
from wkw.vocabulary import CALENDAR_SOURCE, DETAIL_MAX_CHARS, UNKNOWN_FORMAT

ICS_SUFFIX = ".ics"
FILES_PER_TASK = 500

ATTENDEE = T.StructType(
    [
        T.StructField("email", T.StringType(), False),
        T.StructField("name", T.StringType(), True),
        T.StructField("partstat", T.StringType(), False),  # upper-case, NEEDS-ACTION when not given
    ]
)
OCCURRENCE = T.StructType(
    [
        T.StructField("start", T.TimestampType(), False),  # UTC
        T.StructField("minutes", T.IntegerType(), False),
    ]
)
# What the calendar parser yields per VEVENT, before the stage adds ingest_date (bronze/meetings).
MEETING_RECORD = T.StructType(
    [
        T.StructField("source_file", T.StringType(), False),
        T.StructField("position", T.LongType(), False),  # 1-based index of the VEVENT in its file
        T.StructField("uid", T.StringType(), False),
        T.StructField("sequence", T.IntegerType(), False),
        T.StructField("recurrence_id", T.TimestampType(), True),  # set on the override of one occurrence
        T.StructField("status", T.StringType(), False),  # CONFIRMED | TENTATIVE | CANCELLED
        T.StructField("organizer_email", T.StringType(), True),  # None: attendees named, no ORGANIZER
        T.StructField("organizer_name", T.StringType(), True),
        T.StructField("attendees", T.ArrayType(ATTENDEE, False), False),
        T.StructField("occurrences", T.ArrayType(OCCURRENCE, False), False),  # those in the window
        T.StructField("is_recurring", T.BooleanType(), False),
        T.StructField("dropped_attendees", T.IntegerType(), False),  # invalid addresses, rooms, resources
    ]
)
MEETING_COLUMNS = [field.name for field in MEETING_RECORD]
PARSED = T.StructType(
    [
        T.StructField("accepted", T.BooleanType(), False),
        T.StructField("reason", T.StringType(), True),
        T.StructField("detail", T.StringType(), True),
        *(T.StructField(field.name, field.dataType, True) for field in MEETING_RECORD),
    ]
)


def calendar_window(as_of: date, settings: Settings) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the occurrences kept: the look-back before `as_of`, the grace after it."""
    midnight = datetime.combine(as_of, time(), tzinfo=UTC)
    start = midnight - timedelta(days=int(settings.model["lookback_days"]))
    end = midnight + timedelta(days=settings.filters.max_future_days + 1)
    return start, end


def _row(record: dict) -> tuple:
    attendees = [(a["email"], a["name"], a["partstat"]) for a in record["attendees"]]
    occurrences = [(o["start"], o["minutes"]) for o in record["occurrences"]]
    values = {**record, "attendees": attendees, "occurrences": occurrences}
    return (True, None, None, *(values[name] for name in MEETING_COLUMNS))


def _bad_row(reason: str, detail: str | None, path: str, position: int) -> tuple:
    empty = [None] * (len(MEETING_COLUMNS) - 2)
    return (False, reason, detail[:DETAIL_MAX_CHARS] if detail else None, path, position, *empty)


def _parse_partition(paths, window_start: datetime, window_end: datetime, limits: ReadLimits):
    for path in paths:
        if not path.lower().endswith(ICS_SUFFIX):
            yield _bad_row(UNKNOWN_FORMAT, "not an .ics file", path, 0)
            continue
        try:
            yield from _file_rows(path, window_start, window_end, limits)
        except Exception as error:  # unreadable since listing, a link, too large, unforeseen: quarantined
            yield _bad_row(*refusal(error), path, 0)


def _file_rows(path: str, window_start: datetime, window_end: datetime, limits: ReadLimits):
    content = read_whole(path, limits.max_file_bytes)
    for position, result in parse_ics(content, path, window_start, window_end):
        if result.record is not None:
            yield _row(result.record)
        else:
            yield _bad_row(result.reason, result.detail, path, position)


def parse_calendar_files(
    spark: SparkSession, paths: list[str], window_start: datetime, window_end: datetime, limits: ReadLimits
) -> DataFrame:
    """File paths -> one row per VEVENT or per bad record, with `accepted` and `reason`."""
    if not paths:
        return spark.createDataFrame([], PARSED)
    slices = max(spark.sparkContext.defaultParallelism, -(-len(paths) // FILES_PER_TASK))
    parse = partial(_parse_partition, window_start=window_start, window_end=window_end, limits=limits)
    return spark.createDataFrame(spark.sparkContext.parallelize(paths, slices).mapPartitions(parse), PARSED)


def accepted_meetings(parsed: DataFrame, as_of: date) -> DataFrame:
    return parsed.where("accepted").select(F.lit(as_of).alias("ingest_date"), *MEETING_COLUMNS)


def extract_calendar(
    spark: SparkSession, settings: Settings, as_of: date
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(accepted meetings, quarantined records, counts) of the calendar files landed for `as_of`."""
    paths = list_files(settings.landing_dir(CALENDAR_SOURCE, as_of.isoformat()))
    window = calendar_window(as_of, settings)
    parsed = parse_calendar_files(spark, paths, *window, settings.extract.limits).persist()
    return (
        accepted_meetings(parsed, as_of),
        *outcomes(parsed, "accepted", as_of, CALENDAR_SOURCE),
    )
