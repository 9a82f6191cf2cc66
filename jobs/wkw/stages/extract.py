"""Extract: landing files of one logical date -> bronze (metadata only), bad records -> quarantine.

Reads `landing/<source>/<date>/` for mail (Maildir trees and single messages as RFC 5322 files, `.mbox`
files, Microsoft Graph message JSON lines as `*.jsonl`), the directory export (CSV or JSON), the CRM
export, address books and call records, and replaces that date's slice of each bronze table. Parsing
runs in Spark tasks (`mapPartitions`); the driver only lists file paths. Every record read is counted in
`bronze/ingest_counts` (read = accepted + quarantined, per source).

    spark-submit jobs/wkw/stages/extract.py --date 2026-11-26
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from wkw import schemas
from wkw.config import Settings
from wkw.files import list_files, read_bytes
from wkw.lake import BRONZE, replace_partition, run_stage
from wkw.parsing.mail import EMPTY_FILE, ParseResult, parse_graph_line, parse_rfc5322
from wkw.parsing.mbox import iter_mbox
from wkw.stages.extract_address_book import extract_address_book
from wkw.stages.extract_calendar import extract_calendar
from wkw.stages.extract_calls import extract_calls
from wkw.stages.extract_people import extract_crm, extract_directory
from wkw.stages.reconcile import ingest_counts, quarantine_rows

GRAPH_SUFFIXES = (".jsonl", ".json")
MBOX_SUFFIX = ".mbox"
FILES_PER_TASK = 2000
STATUS_FIELDS = [
    T.StructField("accepted", T.BooleanType(), False),
    T.StructField("reason", T.StringType(), True),
    T.StructField("detail", T.StringType(), True),
]
PARSED = T.StructType(STATUS_FIELDS + [f.__class__(f.name, f.dataType, True) for f in schemas.MAIL_RECORD])
MAIL_COLUMNS = [f.name for f in schemas.MAIL_RECORD]


def _parse_file(path: str, content: bytes):
    """(position, result) per record: each non-blank line of a Graph export, each message of an mbox
    (position: the line of its `From ` separator), or the one message of any other file."""
    if path.lower().endswith(GRAPH_SUFFIXES):
        for number, line in enumerate(content.splitlines(), start=1):
            if line.strip():
                yield number, parse_graph_line(line, path, number)
    elif path.lower().endswith(MBOX_SUFFIX):
        found = False
        for number, message in iter_mbox(content):
            found = True
            yield number, parse_rfc5322(message, path, number)
        if not found:  # an empty mbox is one record read, quarantined: nothing goes uncounted
            yield 0, ParseResult(reason=EMPTY_FILE)
    else:
        yield 0, parse_rfc5322(content, path, 0)


def _parse_partition(paths):
    empty_record = [None] * (len(MAIL_COLUMNS) - 2)
    for path in paths:
        try:
            content = read_bytes(path)
        except OSError as error:  # vanished or unreadable since listing: quarantined, never fatal
            yield (False, "unreadable_file", f"{type(error).__name__}: {error}"[:200], path, 0, *empty_record)
            continue
        for position, result in _parse_file(path, content):
            if result.record is not None:
                yield (True, None, None, *(result.record[name] for name in MAIL_COLUMNS))
            else:
                yield (False, result.reason, result.detail, path, position, *empty_record)


def parse_mail_files(spark: SparkSession, paths: list[str]) -> DataFrame:
    """File paths -> one row per message or per bad record, with `accepted` and `reason`.

    The paths are spread over Spark tasks; each task reads and parses its files' headers.
    """
    slices = max(spark.sparkContext.defaultParallelism, -(-len(paths) // FILES_PER_TASK))
    parsed = spark.sparkContext.parallelize(paths, slices).mapPartitions(_parse_partition)
    return spark.createDataFrame(parsed, PARSED)


def flag_impossible_dates(parsed: DataFrame, as_of: date, min_year: int, max_future_days: int) -> DataFrame:
    """Dates before `min_year` or after the logical date (plus a grace) cannot be real: quarantine them."""
    latest = as_of + timedelta(days=max_future_days + 1)
    is_impossible = F.col("accepted") & (
        (F.year("sent_at") < F.lit(min_year)) | (F.col("sent_at") >= F.lit(latest).cast("timestamp"))
    )
    return parsed.select(
        (F.col("accepted") & ~is_impossible).alias("accepted"),
        F.when(is_impossible, F.lit("impossible_date")).otherwise(F.col("reason")).alias("reason"),
        F.when(is_impossible, F.date_format("sent_at", "yyyy-MM-dd"))
        .otherwise(F.col("detail"))
        .alias("detail"),
        *MAIL_COLUMNS,
    )


def accepted_mail(parsed: DataFrame, as_of: date) -> DataFrame:
    return parsed.where("accepted").select(F.lit(as_of).alias("ingest_date"), *MAIL_COLUMNS)


def extract_mail(
    spark: SparkSession, settings: Settings, as_of: date
) -> tuple[DataFrame, DataFrame, DataFrame]:
    files = list_files(settings.landing_dir("mail", as_of.isoformat()))
    parsed = parse_mail_files(spark, files) if files else spark.createDataFrame([], PARSED)
    parsed = flag_impossible_dates(
        parsed, as_of, int(settings.filters["min_event_year"]), int(settings.filters["max_future_days"])
    ).persist()
    return (
        accepted_mail(parsed, as_of),
        quarantine_rows(parsed, "accepted", as_of, "mail"),
        ingest_counts(parsed, "accepted", as_of, "mail"),
    )


# Bronze table <- the extractor of its landing folder: (accepted, quarantined, counts) for one date.
SOURCES = (
    ("mail_messages", extract_mail),
    ("directory", extract_directory),
    ("crm", extract_crm),
    ("address_book", extract_address_book),
    ("calls", extract_calls),
    ("meetings", extract_calendar),
)


def run(spark: SparkSession, settings: Settings, as_of: date) -> None:
    """The stage for one logical date, in an existing session."""
    day = f"ingest_date = '{as_of.isoformat()}'"
    bad, counts = [], []
    for table, extractor in SOURCES:
        accepted, quarantine, source_counts = extractor(spark, settings, as_of)
        replace_partition(accepted, settings.table_path(BRONZE, table), day, ["ingest_date"])
        bad.append(quarantine)
        counts.append(source_counts)
    replace_partition(
        reduce(DataFrame.unionByName, bad), settings.table_path(BRONZE, "quarantine"), day, ["ingest_date"]
    )
    all_counts = reduce(DataFrame.unionByName, counts)
    replace_partition(all_counts, settings.table_path(BRONZE, "ingest_counts"), day, ["ingest_date"])
    for row in all_counts.orderBy("source").collect():
        print(
            f"extract {as_of} {row.source}: read {row.read}, accepted {row.accepted}, "
            f"quarantined {row.quarantined}"
        )


def main(argv: list[str] | None = None) -> None:
    run_stage("extract", run, __doc__, argv)


if __name__ == "__main__":
    main()
