"""No per-column statistics of text columns in any Delta log of the lake (issue 23).

Delta copies each data file's min/max values into the `add` action that commits it, and from there into
checksums and checkpoints: an address or a name in a commit of a table written before the lake stopped
collecting statistics (`delta.dataSkippingNumIndexedCols = 0`), or by delta-rs without that property, stays
there after the rows are gone, since VACUUM deletes data files, never log files. Statistics of dates and
numbers name nobody and are kept (silver interactions keeps them on `ingest_date`).

`log_names_people` reads a table's log without Spark (JSON commits and checksums, checkpoint Parquet).
`rewrite_logs` rewrites the tables whose log holds statistics of a text column: the property set, the
current rows written again without them (`dataChange = false`: readers see no change), a checkpoint at that
version, and every log file before it deleted. Time travel to the versions before is lost; the privacy
stage then moves the current publication to the rewritten versions (same rows).

    rewritten, tables = rewrite_logs(spark, settings)
"""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
from deltalake import DeltaTable as RustTable
from pyspark.sql import SparkSession

from wkw.files import filesystem, list_files, read_bytes
from wkw.lake import delta_tables, per_table

STATS_BOUNDS = ("minValues", "maxValues")
# Inside a commit's `stats` string: a bound with at least one column (an empty one is `{}`).
FILLED_BOUND = re.compile(rb'(minValues|maxValues)\\?":\{\\?"')
VERSIONED = re.compile(r"^(\d{20})\.")
TEXT = "string"
FILE_ACTIONS = ("add", "remove")
NO_COLUMN_STATS = "delta.dataSkippingNumIndexedCols"
STATS_COLUMNS = "delta.dataSkippingStatsColumns"


def text_columns(fields: list[dict], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The paths of the string columns of a Delta schema's fields (structs followed: their stats nest)."""
    found = set()
    for field in fields:
        path, kind = (*prefix, field["name"]), field["type"]
        if kind == TEXT:
            found.add(path)
        elif isinstance(kind, dict) and kind.get("type") == "struct":
            found |= text_columns(kind["fields"], path)
    return found


def _bound_paths(bound: dict, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    paths = set()
    for name, value in bound.items():
        if isinstance(value, dict):
            paths |= _bound_paths(value, (*prefix, name))
        elif value is not None:  # a struct of statistics (a checkpoint's stats_parsed) has null fields
            paths.add((*prefix, name))
    return paths


def names_text(stats: dict | str | None, text: set[tuple[str, ...]]) -> bool:
    """Whether one file's statistics hold a min or max value of a text column."""
    stats = _parsed(stats)
    for bound in STATS_BOUNDS:
        if text & _bound_paths(stats.get(bound) or {}):
            return True
    return False


def _stats_in(document) -> list:
    """Every `stats` / `stats_parsed` value anywhere in a log action, a checksum or a checkpoint row."""
    if isinstance(document, list):
        return [found for item in document for found in _stats_in(item)]
    if not isinstance(document, dict):
        return []
    found = [value for key, value in document.items() if key in ("stats", "stats_parsed") and value]
    return found + [item for value in document.values() for item in _stats_in(value)]


def _log_documents(uri: str, data: bytes | None) -> list:
    if data is None:  # a checkpoint: only its file actions carry statistics
        fs, path = filesystem(uri)
        columns = [name for name in pq.read_schema(path, filesystem=fs).names if name in FILE_ACTIONS]
        return pq.read_table(path, columns=columns, filesystem=fs).to_pylist()
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def _parsed(stats) -> dict:
    """One file's statistics as a dict; anything else called `stats` (not JSON, not an object) as none."""
    if isinstance(stats, str):
        try:
            stats = json.loads(stats)
        except ValueError:
            return {}
    return stats if isinstance(stats, dict) else {}


def _filled(stats) -> bool:
    return any(_parsed(stats).get(bound) for bound in STATS_BOUNDS)


def log_names_people(table: str) -> bool:
    """Whether any file of the table's log holds statistics of a text column (an address, a name). The
    table's schema is read only when some file holds min/max values at all."""
    filled = []
    for uri in list_files(f"{table.rstrip('/')}/_delta_log"):
        name = uri.rsplit("/", 1)[-1]
        if not VERSIONED.match(name):
            continue
        data = None if name.endswith(".parquet") else read_bytes(uri)
        if data is None or FILLED_BOUND.search(data):  # checkpoint pages are compressed: read them
            filled += [stats for stats in _stats_in(_log_documents(uri, data)) if _filled(stats)]
    if not filled:
        return False
    text = text_columns(json.loads(RustTable(table, without_files=True).schema().to_json())["fields"])
    return any(names_text(stats, text) for stats in filled)


def _older_log_files(table: str, version: int) -> list[str]:
    log = f"{table.rstrip('/')}/_delta_log/"
    older = []
    for uri in list_files(log):
        match = VERSIONED.match(uri.rsplit("/", 1)[-1])
        if match and int(match.group(1)) < version:
            older.append(uri)
    return older


def rewrite_log(spark: SparkSession, table: str) -> int:
    """The table's rows written again without text statistics, checkpointed, the log before deleted; the
    version the table is at."""
    spark.sql(f"ALTER TABLE delta.`{table}` SET TBLPROPERTIES ('{NO_COLUMN_STATS}' = '0')")
    current = RustTable(table, without_files=True)
    text = text_columns(json.loads(current.schema().to_json())["fields"])
    chosen = current.metadata().configuration.get(STATS_COLUMNS)
    named = [tuple(name.strip().replace("`", "").split(".")) for name in (chosen or "").split(",")]
    if any(
        path[: len(parts)] == parts for parts in named for path in text
    ):  # a text column, or a struct of them
        spark.sql(f"ALTER TABLE delta.`{table}` UNSET TBLPROPERTIES ('{STATS_COLUMNS}')")
    rows = spark.read.format("delta").load(table)
    rows.write.format("delta").mode("overwrite").option("dataChange", "false").save(table)
    rewritten = RustTable(table)
    rewritten.create_checkpoint()
    version = rewritten.version()
    for uri in _older_log_files(table, version):
        fs, path = filesystem(uri)
        fs.delete_file(path)
    return version


def rewrite_logs(spark: SparkSession, settings) -> tuple[dict[str, int], int]:
    """Every table of the lake whose log names people, rewritten: {path: its version now}, and the number
    of tables looked at. The check reads logs only; Spark runs for the tables it finds."""
    tables = delta_tables(settings)
    found = per_table(log_names_people, tables, settings.maintenance.table_workers)
    needing = [table for table, names in found.items() if names]
    rewritten = per_table(
        lambda table: rewrite_log(spark, table), needing, settings.maintenance.table_workers
    )
    return rewritten, len(tables)
