"""Lines of CSV exports read in Spark tasks, each with its file and position, and the address checks every
CSV reader shares (directory, CRM, address books, calls, erasure requests).

Files are streamed line by line (`wkw.files.read_lines`): a line over `[extract] max_record_bytes` is
quarantined `too_large` and the next line is read; a symbolic link is quarantined `symlink`, never followed;
a failure nobody foresaw is one `parse_error` record. No detail ever holds a line's text."""

from __future__ import annotations

import csv
import re
from functools import partial

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from wkw.config_extract import ReadLimits
from wkw.files import read_lines, read_whole, refusal
from wkw.parsing.details import too_large
from wkw.vocabulary import BAD_HEADER, BAD_ROW, DETAIL_MAX_CHARS, EMPTY_FILE, TOO_LARGE

EMAIL_PATTERN = r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$"


FOUND_AT = [
    T.StructField("source_file", T.StringType(), True),
    T.StructField("position", T.LongType(), True),
    T.StructField("reason", T.StringType(), True),
    T.StructField("detail", T.StringType(), True),
]


LINE_SCHEMA = T.StructType(FOUND_AT + [T.StructField("fields", T.ArrayType(T.StringType(), True), True)])


LINE_BREAK = re.compile(r"\r\n?|\n")


def clean_email(column: str) -> Column:
    return F.lower(F.trim(F.col(column)))


def is_valid_email(column: Column) -> Column:
    return column.isNotNull() & column.rlike(EMAIL_PATTERN)


def decoded_text(path: str, max_bytes: int) -> str:
    """A file read whole as text (`TooLarge` over `max_bytes`); undecodable bytes become U+FFFD, so a binary
    file is read, not fatal."""
    return read_whole(path, max_bytes).decode("utf-8-sig", errors="replace")


def _places(text: str, columns: tuple[str, ...], optional: tuple[str, ...]) -> list[int | None] | None:
    """Where each of `columns` then `optional` stands in a header line, or None when the header does not
    name every column of `columns` exactly once (its values cannot be put in their fields)."""
    header = [name.strip().lower() for name in _split_line(text) or []]
    if any(name not in header for name in columns) or len(set(header)) != len(header):
        return None
    return [header.index(name) if name in header else None for name in (*columns, *optional)] + [len(header)]


def _split_line(text: str) -> list[str] | None:
    try:
        return next(csv.reader([text]), [])
    except csv.Error:  # a field over csv's size limit, a NUL byte: the line cannot be split
        return None


def _csv_file_lines(path: str, columns: tuple[str, ...], optional: tuple[str, ...], max_bytes: int):
    """(path, line number, reason, detail, fields) per non-blank line after the header. Fields are found
    by the header's names, in the order of `columns` then `optional` (an optional column the file lacks
    is empty); the header must name every column of `columns`, and a line must have as many fields as the
    header (an unquoted comma would otherwise move every later value into the wrong field)."""
    places: list[int | None] | None = None
    seen_header = False
    for number, (_, line, size) in enumerate(read_lines(path, 0, None, max_bytes), 1):
        if line is None:
            yield path, number, TOO_LARGE, too_large("the line", size, max_bytes), None
            seen_header = True  # a header too long to read names no column: the lines after are bad_header
            continue
        text = line.decode("utf-8-sig" if number == 1 else "utf-8", "replace")
        if not text.strip():
            continue
        if not seen_header:
            seen_header, places = True, _places(text, columns, optional)
            if places is not None:
                continue
        if places is None:
            # Without every column, by name and once, values cannot be put in their fields, and the file may
            # not be an export at all: every line is quarantined, and none of its text is kept.
            yield path, number, BAD_HEADER, f"the header does not name the columns {','.join(columns)}", None
        else:
            yield _checked_line(path, number, text, places)
    if not seen_header:
        yield path, 0, EMPTY_FILE, None, None


def _checked_line(path: str, number: int, text: str, places: list[int | None]) -> tuple:
    *where, width = places
    values = _split_line(text)
    if values is None:
        return path, number, BAD_ROW, "the line cannot be split into fields", None
    if len(values) != width:
        # Never the line itself: it names people (the scrub cannot find them in free text).
        count = f"{len(values)} field{'s' if len(values) != 1 else ''}"
        return path, number, BAD_ROW, f"{count}, the header has {width}", None
    return path, number, None, None, [None if at is None or values[at] == "" else values[at] for at in where]


def _csv_partition(columns: tuple[str, ...], optional: tuple[str, ...], limits: ReadLimits, paths):
    for path in paths:
        try:
            yield from _csv_file_lines(path, columns, optional, limits.max_record_bytes)
        except Exception as error:  # gone since listing, a link, or unforeseen: quarantined, never fatal
            reason, detail = refusal(error)
            yield path, 0, reason, detail[:DETAIL_MAX_CHARS], None


def read_csv_lines(
    spark: SparkSession,
    files: list[str],
    columns: tuple[str, ...],
    limits: ReadLimits,
    optional: tuple[str, ...] = (),
) -> DataFrame:
    """One row per record of CSV `files` whose header names `columns` (in any order, other columns
    ignored): source_file, position (1-based line), reason (null, or bad_row / bad_header / empty_file /
    too_large / symlink / unreadable_file / parse_error), detail (never the line's text) and the string
    fields of `columns` and `optional` (empty: null).

    A quoted field cannot span lines: such a record is quarantined as bad_row, line by line.
    """
    slices = max(1, min(len(files), spark.sparkContext.defaultParallelism))
    rows = spark.sparkContext.parallelize(files, slices).mapPartitions(
        partial(_csv_partition, tuple(columns), tuple(optional), limits)
    )
    lines = spark.createDataFrame(rows, LINE_SCHEMA)
    return lines.select(
        "source_file",
        "position",
        "reason",
        "detail",
        *[F.col("fields")[i].alias(name) for i, name in enumerate((*columns, *optional))],
    )
