"""Extract of the people exports: the directory (colleagues) and the CRM (leads and contacts).

The directory folder may hold CSV (`*.csv`, header row, list fields ';'-separated) and JSON (`*.json`,
`*.jsonl`, `*.ndjson`: one user object per line, or one array of user objects) with the same fields;
both are unioned into one snapshot. In JSON, list fields may be arrays or ';' strings and flags may be
booleans or strings. A JSON line or array element that does not parse goes to quarantine as `bad_json`
with its line number (the rest of a broken array is one such record); a row without a valid e-mail as
`bad_email`. The rest is normalised (lower-cased addresses, lists split, sorted and distinct, booleans
parsed) into bronze for the ingest date.

CSV files are read with `read_csv_lines`, the line-numbered reader every CSV extract shares: files are
read in Spark tasks, each line keeps its 1-based line number, and fields are found by the header's names
(a reordered export reads the same; a header without a required column quarantines the file as
`bad_header`, and a line with more or fewer fields than its header as `bad_row`).
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import partial

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from wkw import schemas
from wkw.config import Settings
from wkw.config_extract import ReadLimits
from wkw.files import list_files, refusal
from wkw.sources.csv_lines import (
    FOUND_AT,
    LINE_BREAK,
    clean_email,
    decoded_text,
    is_valid_email,
    read_csv_lines,
)
from wkw.sources.outcomes import outcomes
from wkw.vocabulary import (
    BAD_EMAIL,
    BAD_JSON,
    CRM_HEADER,
    CRM_SOURCE,
    DETAIL_MAX_CHARS,
    DIRECTORY_HEADER,
    DIRECTORY_OPTIONAL,
    DIRECTORY_SOURCE,
    EMPTY_FILE,
)

TRUE_WORDS = ["true", "yes", "1", "y"]
CRM_TYPES = ["lead", "contact"]
CSV_SUFFIX = ".csv"
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
DIRECTORY_FIELDS = [field.name for field in schemas.DIRECTORY_CSV]
DIRECTORY_JSON = T.StructType(FOUND_AT + list(schemas.DIRECTORY_CSV.fields))

_JSON_BLANKS = re.compile(r"[ \t\r\n]*")


def _as_list(column: str) -> Column:
    items = F.split(F.coalesce(F.col(column), F.lit("")), ";")
    trimmed = F.transform(items, lambda item: F.trim(item))
    return F.array_sort(F.array_distinct(F.filter(trimmed, lambda item: item != F.lit(""))))


def _as_flag(column: str, default: bool) -> Column:
    value = F.lower(F.trim(F.col(column)))
    return F.when(value.isNull() | (value == ""), F.lit(default)).otherwise(value.isin(TRUE_WORDS))


def _as_text(value) -> str | None:
    """A JSON value as the CSV export would write it: lists ';'-joined, booleans true / false."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(text for text in map(_as_text, value) if text is not None)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _array_elements(text: str):
    """(line, value, error) per element of one top-level JSON array; a broken tail is one error."""
    decoder = json.JSONDecoder()
    index = text.index("[") + 1
    line, counted = 1 + text.count("\n", 0, index), index
    while True:
        index = _JSON_BLANKS.match(text, index).end()
        line, counted = line + text.count("\n", counted, index), index
        if index >= len(text):
            yield line, None, "the array is not closed: truncated file"
            return
        if text[index] == "]":
            if text[index + 1 :].strip():  # more after the array would otherwise go unseen
                yield line, None, "text after the closing ] of the array"
            return
        try:
            value, index = decoder.raw_decode(text, index)
        except (ValueError, RecursionError) as error:
            yield line, None, str(error)
            return
        yield line, value, None
        index = _JSON_BLANKS.match(text, index).end()
        index += text.startswith(",", index)


def _json_values(text: str):
    """(line, value, error) per record: one top-level array's elements, or one JSON value per line."""
    if text.lstrip().startswith("["):
        yield from _array_elements(text)
        return
    for number, line in enumerate(LINE_BREAK.split(text), 1):
        if line.strip():
            try:
                yield number, json.loads(line), None
            except (ValueError, RecursionError) as error:
                yield number, None, str(error)


def _json_file_rows(path: str, max_bytes: int):
    missing = (None,) * len(DIRECTORY_FIELDS)
    try:
        text = decoded_text(path, max_bytes)
    except Exception as error:  # too large, a link, gone since listing, unforeseen: quarantined, never fatal
        reason, detail = refusal(error)
        yield path, 0, reason, detail[:DETAIL_MAX_CHARS], *missing
        return
    if not text.strip():
        yield path, 0, EMPTY_FILE, None, *missing
        return
    for position, value, error in _json_values(text):
        if error is None and not isinstance(value, dict):
            error = f"not a user object but {type(value).__name__}"
        if error is not None:
            yield path, position, BAD_JSON, error[:DETAIL_MAX_CHARS], *missing
            continue
        fields = {str(key).strip().lower(): item for key, item in value.items()}
        yield path, position, None, None, *(_as_text(fields.get(name)) for name in DIRECTORY_FIELDS)


def _json_partition(limits: ReadLimits, paths):
    for path in paths:
        yield from _json_file_rows(path, limits.max_file_bytes)


def read_directory_json(spark: SparkSession, files: list[str], limits: ReadLimits) -> DataFrame:
    """Directory users from JSON files, as strings like the CSV's, with line numbers and bad_json rows; a
    file over `limits.max_file_bytes` is one `too_large` record, unread (a JSON array is read whole)."""
    slices = max(1, min(len(files), spark.sparkContext.defaultParallelism))
    rows = spark.sparkContext.parallelize(files, slices).mapPartitions(partial(_json_partition, limits))
    return spark.createDataFrame(rows, DIRECTORY_JSON)


def _ending_with(files: list[str], suffixes) -> list[str]:
    return [path for path in files if path.lower().endswith(suffixes)]


def normalise_directory(raw: DataFrame, as_of: date) -> DataFrame:
    """Directory rows -> one row per colleague with aliases, roles, licences and groups as sorted arrays."""
    aliases = F.transform(_as_list("aliases"), lambda alias: F.lower(alias))
    return raw.select(
        F.lit(as_of).alias("ingest_date"),
        F.trim("id").alias("user_id"),
        clean_email("email").alias("email"),
        F.array_sort(F.array_distinct(aliases)).alias("aliases"),
        F.trim("name").alias("name"),
        F.trim("title").alias("title"),
        F.trim("department").alias("department"),
        F.upper(F.trim("region")).alias("region"),
        _as_list("roles").alias("roles"),
        _as_list("licences").alias("licences"),
        _as_list("groups").alias("groups"),
        _as_flag("active", True).alias("active"),
        _as_flag("opted_out", False).alias("opted_out"),
    )


def normalise_crm(raw: DataFrame, as_of: date) -> DataFrame:
    crm_type = F.lower(F.trim("type"))
    return raw.select(
        F.lit(as_of).alias("ingest_date"),
        F.trim("id").alias("crm_id"),
        F.when(crm_type.isin(CRM_TYPES), crm_type).alias("crm_type"),
        clean_email("email").alias("email"),
        F.trim("name").alias("name"),
        F.trim("company").alias("company"),
    )


def _email_problem(email: Column) -> Column:
    """Why the email field fails, never its value (quarantine keeps no address)."""
    is_blank = email.isNull() | (F.trim(email) == "")
    empty, not_an_address = F.lit("the email field is empty"), F.lit("the email field is not an address")
    return F.when(is_blank, empty).otherwise(not_an_address)


def _split(raw: DataFrame, as_of: date, source: str, normalise) -> tuple[DataFrame, DataFrame, DataFrame]:
    """Valid rows, quarantined rows and the counts of one people export (rows with found-at columns)."""
    has_bad_email = F.col("reason").isNull() & ~is_valid_email(clean_email("email"))
    checked = raw.withColumns(
        {
            "reason": F.when(has_bad_email, F.lit(BAD_EMAIL)).otherwise(F.col("reason")),
            "detail": F.when(has_bad_email, _email_problem(F.col("email"))).otherwise(F.col("detail")),
        }
    ).withColumn("is_valid", F.col("reason").isNull())
    checked = checked.persist()
    good = normalise(checked.where("is_valid"), as_of)
    return (
        good,
        *outcomes(checked, "is_valid", as_of, source),
    )


def extract_directory(spark: SparkSession, settings: Settings, as_of: date):
    files = list_files(settings.landing_dir(DIRECTORY_SOURCE, as_of.isoformat()))
    limits = settings.extract.limits
    # By the header's names: a reordered export, or an unquoted comma, must never move `opted_out`.
    from_csv = read_csv_lines(
        spark, _ending_with(files, CSV_SUFFIX), DIRECTORY_HEADER, limits, DIRECTORY_OPTIONAL
    )
    from_json = read_directory_json(spark, _ending_with(files, JSON_SUFFIXES), limits)
    return _split(from_csv.unionByName(from_json), as_of, DIRECTORY_SOURCE, normalise_directory)


def extract_crm(spark: SparkSession, settings: Settings, as_of: date):
    files = list_files(settings.landing_dir(CRM_SOURCE, as_of.isoformat()))
    raw = read_csv_lines(spark, _ending_with(files, CSV_SUFFIX), CRM_HEADER, settings.extract.limits)
    return _split(raw, as_of, CRM_SOURCE, normalise_crm)
