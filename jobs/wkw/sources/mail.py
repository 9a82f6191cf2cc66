"""Mail exports of one landing day -> bronze mail_messages (headers only) and quarantine rows.

Files are cut into pieces spread over Spark tasks (wkw.parsing.mail_files); each task parses its pieces'
headers and returns Arrow batches. Dates a company cannot have are quarantined as impossible."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.config_extract import ReadLimits
from wkw.files import list_sized_files
from wkw.parsing.mail_files import MAIL_COLUMNS, PARSED, PIECE, parse_pieces, plan_tasks
from wkw.sources.outcomes import outcomes
from wkw.vocabulary import MAIL_SOURCE

FILES_PER_TASK = 2000


TASKS_PER_CORE = 4  # pieces small enough that the cores finish together


MIN_PIECE_BYTES = 1 << 20


MAX_PIECE_BYTES = 32 << 20  # about 90,000 Graph lines: a few seconds of one core


def parse_mail_files(spark: SparkSession, files: list[tuple[str, int]], limits: ReadLimits) -> DataFrame:
    """(path, size) of landing files -> one row per message or per bad record, with `accepted` and `reason`.

    The files are cut into pieces spread over Spark tasks (`wkw.parsing.mail_files`): a big Graph export
    into byte ranges, small files grouped; each task reads and parses its pieces' headers and returns
    Arrow record batches. A record over `limits.max_record_bytes` is quarantined `too_large`.
    """
    parallelism = spark.sparkContext.defaultParallelism
    total_bytes = sum(size for _, size in files)
    piece_bytes = min(MAX_PIECE_BYTES, max(MIN_PIECE_BYTES, total_bytes // (parallelism * TASKS_PER_CORE)))
    tasks = plan_tasks(files, piece_bytes, FILES_PER_TASK)
    pieces = spark.sparkContext.parallelize(tasks, max(len(tasks), 1)).flatMap(iter)
    return spark.createDataFrame(pieces, PIECE).mapInArrow(partial(parse_pieces, limits), PARSED)


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
    files = list_sized_files(settings.landing_dir(MAIL_SOURCE, as_of.isoformat()))
    parsed = (
        parse_mail_files(spark, files, settings.extract.limits)
        if files
        else spark.createDataFrame([], PARSED)
    )
    parsed = flag_impossible_dates(
        parsed, as_of, settings.filters.min_event_year, settings.filters.max_future_days
    ).persist()
    return (
        accepted_mail(parsed, as_of),
        *outcomes(parsed, "accepted", as_of, MAIL_SOURCE),
    )
