"""Lines of CSV exports read in Spark tasks, each with its file and position, and the address checks every
CSV reader shares (directory, CRM, address books, calls, erasure requests)."""

from __future__ import annotations

import csv
import re
from functools import partial

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from wkw.files import read_bytes
from wkw.vocabulary import BAD_HEADER, BAD_ROW, DETAIL_MAX_CHARS, EMPTY_FILE, UNREADABLE_FILE

EMAIL_PATTERN = r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$"


FOUND_AT = [
    T.StructField("source_file", T.StringType(), True),
    T.StructField("position", T.LongType(), True),
    T.StructField("reason", T.StringType(), True),
    T.StructField("detail", T.StringType(), True),
]


LINE_SCHEMA = T.StructType(
    FOUND_AT[:3]
    + [
        T.StructField("line", T.StringType(), True),
        T.StructField("fields", T.ArrayType(T.StringType(), True), True),
    ]
)


LINE_BREAK = re.compile(r"\r\n?|\n")


def clean_email(column: str) -> Column:
    return F.lower(F.trim(F.col(column)))


def is_valid_email(column: Column) -> Column:
    return column.isNotNull() & column.rlike(EMAIL_PATTERN)


def decoded_text(path: str) -> str:
    """The file as text; undecodable bytes become U+FFFD, so a binary file is read, not fatal."""
    return read_bytes(path).decode("utf-8-sig", errors="replace")


def _csv_file_lines(path: str, columns: tuple[str, ...], optional: tuple[str, ...] = ()):
    """(path, line number, reason, text, fields) per non-blank line after the header. Fields are found by
    the header's names, in the order of `columns` then `optional` (an optional column the file lacks is
    empty); the header must name every column of `columns`, and a line must have as many fields as the
    header (an unquoted comma would otherwise move every later value into the wrong field)."""
    try:
        lines = LINE_BREAK.split(decoded_text(path))
        numbered = [(n, line) for n, line in enumerate(lines, 1) if line.strip()]
    except OSError as error:  # vanished or unreadable since listing: quarantined, never fatal
        yield path, 0, UNREADABLE_FILE, f"{type(error).__name__}: {error}", None
        return
    if not numbered:
        yield path, 0, EMPTY_FILE, None, None
        return
    header = [name.strip().lower() for name in next(csv.reader([numbered[0][1]]), [])]
    if any(name not in header for name in columns) or len(set(header)) != len(header):
        # Without every column, by name and once, values cannot be put in their fields, and the file may
        # not be an export at all: every line is quarantined, and none of its text is kept.
        for number, _ in numbered:
            yield path, number, BAD_HEADER, f"the header does not name the columns {','.join(columns)}", None
        return
    where = [header.index(name) if name in header else None for name in (*columns, *optional)]
    for number, line in numbered[1:]:
        values = next(csv.reader([line]), [])
        if len(values) != len(header):
            # Never the line itself: it names people (the scrub cannot find them in free text).
            count = f"{len(values)} field{'s' if len(values) != 1 else ''}"
            yield path, number, BAD_ROW, f"{count}, the header has {len(header)}", None
            continue
        fields = [None if at is None or values[at] == "" else values[at] for at in where]
        yield path, number, None, line, fields


def _csv_partition(columns: tuple[str, ...], optional: tuple[str, ...], paths):
    for path in paths:
        yield from _csv_file_lines(path, columns, optional)


def read_csv_lines(
    spark: SparkSession, files: list[str], columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> DataFrame:
    """One row per record of CSV `files` whose header names `columns` (in any order, other columns
    ignored): source_file, position (1-based line), reason (null, or bad_row / bad_header / empty_file /
    unreadable_file), detail (never the line's text) and the string fields of `columns` and `optional`
    (empty: null).

    A quoted field cannot span lines: such a record is quarantined as bad_row, line by line.
    """
    slices = max(1, min(len(files), spark.sparkContext.defaultParallelism))
    rows = spark.sparkContext.parallelize(files, slices).mapPartitions(
        partial(_csv_partition, tuple(columns), tuple(optional))
    )
    lines = spark.createDataFrame(rows, LINE_SCHEMA)
    return lines.select(
        "source_file",
        "position",
        "reason",
        F.substring("line", 1, DETAIL_MAX_CHARS).alias("detail"),
        *[F.col("fields")[i].alias(name) for i, name in enumerate((*columns, *optional))],
    )
