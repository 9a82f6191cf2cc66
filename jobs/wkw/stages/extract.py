"""Extract: landing files of one logical date -> bronze (metadata only), bad records -> quarantine.

Reads `landing/<source>/<date>/` for mail (Maildir trees and single messages as RFC 5322 files, `.mbox`
files, Microsoft Graph message JSON lines as `*.jsonl`), the directory export (CSV or JSON), the CRM
export, address books and call records, and replaces that date's slice of each bronze table. Parsing
runs in Spark tasks (for mail, `mapInArrow` over pieces of the files, returning Arrow batches); the driver
only lists file paths and sizes. Every record read is counted in `bronze/ingest_counts` (read = accepted +
quarantined, per source).

    spark-submit jobs/wkw/stages/extract.py --date 2026-11-26
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.files import list_sized_files
from wkw.lake import BRONZE, replace_partition, run_stage
from wkw.parsing.mail_files import MAIL_COLUMNS, PARSED, PIECE, parse_pieces, plan_tasks
from wkw.stages.extract_address_book import extract_address_book
from wkw.stages.extract_calendar import extract_calendar
from wkw.stages.extract_calls import extract_calls
from wkw.stages.extract_people import extract_crm, extract_directory
from wkw.stages.reconcile import ingest_counts, quarantine_rows

FILES_PER_TASK = 2000
TASKS_PER_CORE = 4  # pieces small enough that the cores finish together
MIN_PIECE_BYTES = 1 << 20
MAX_PIECE_BYTES = 32 << 20  # about 90,000 Graph lines: a few seconds of one core


def parse_mail_files(spark: SparkSession, files: list[tuple[str, int]]) -> DataFrame:
    """(path, size) of landing files -> one row per message or per bad record, with `accepted` and `reason`.

    The files are cut into pieces spread over Spark tasks (`wkw.parsing.mail_files`): a big Graph export
    into byte ranges, small files grouped; each task reads and parses its pieces' headers and returns
    Arrow record batches.
    """
    parallelism = spark.sparkContext.defaultParallelism
    total_bytes = sum(size for _, size in files)
    piece_bytes = min(MAX_PIECE_BYTES, max(MIN_PIECE_BYTES, total_bytes // (parallelism * TASKS_PER_CORE)))
    tasks = plan_tasks(files, piece_bytes, FILES_PER_TASK)
    pieces = spark.sparkContext.parallelize(tasks, max(len(tasks), 1)).flatMap(iter)
    return spark.createDataFrame(pieces, PIECE).mapInArrow(parse_pieces, PARSED)


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
    files = list_sized_files(settings.landing_dir("mail", as_of.isoformat()))
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
