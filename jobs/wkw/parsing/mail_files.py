"""Landing mail files, in pieces, to Arrow record batches of parsed mail: the extract stage's `mapInArrow`.

A piece is one whole file, or a byte range of a Graph JSON-lines export larger than a piece: the lines
that start inside the range, read from a seek to the range's start (`wkw.files.read_lines`), so that
several tasks share one big export and each reads about its own bytes only. A Graph line's position is
1 + the byte offset where it starts (`tail -c +<position> file | head -n 1` shows it), the same whether the
file is read whole or in ranges; an mbox message's is the line of its `From ` separator. Graph exports and
mbox files are streamed; any other file is one message, read whole. A line, message or file over
`[extract] max_record_bytes` is quarantined `too_large` (position and size) and reading goes on. Each
Spark task parses its pieces with `wkw.parsing.mail` and hands the records to the JVM as Arrow record
batches (`PARSED`), column by column, instead of one pickled row each.

    tasks = plan_tasks(list_sized_files(folder), piece_bytes, files_per_task)
    pieces = spark.createDataFrame(spark.sparkContext.parallelize(tasks, len(tasks)).flatMap(iter), PIECE)
    parsed = pieces.mapInArrow(partial(parse_pieces, settings.extract.limits), PARSED)
"""

import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

import pyarrow as pa
from pyspark.sql import types as T
from pyspark.sql.pandas.types import to_arrow_schema

from wkw import schemas
from wkw.config_extract import ReadLimits
from wkw.files import open_landing, read_lines, read_whole, refusal
from wkw.parsing.details import too_large
from wkw.parsing.mail import ParseResult, parse_graph_line, parse_rfc5322
from wkw.parsing.mbox import iter_mbox_stream
from wkw.vocabulary import DETAIL_MAX_CHARS, EMPTY_FILE, TOO_LARGE

GRAPH_SUFFIXES = (".jsonl", ".json")
MBOX_SUFFIX = ".mbox"
BATCH_ROWS = 8192  # records per Arrow batch: bounds what a task holds before the JVM takes it

STATUS_FIELDS = [
    T.StructField("accepted", T.BooleanType(), False),
    T.StructField("reason", T.StringType(), True),
    T.StructField("detail", T.StringType(), True),
]
# One row per record read: a parsed message (accepted) or a bad record (reason), mail fields nullable.
PARSED = T.StructType(STATUS_FIELDS + [f.__class__(f.name, f.dataType, True) for f in schemas.MAIL_RECORD])
MAIL_COLUMNS = [f.name for f in schemas.MAIL_RECORD]
# One piece of work: a file, or the lines of a Graph export starting in [start, end) (null: from 0 / to EOF).
PIECE = T.StructType(
    [
        T.StructField("path", T.StringType(), False),
        T.StructField("start", T.LongType(), True),
        T.StructField("end", T.LongType(), True),
    ]
)
Piece = tuple[str, int | None, int | None]

_ARROW_PARSED = to_arrow_schema(PARSED, timezone="UTC")
_NO_RECORD = (None,) * (len(MAIL_COLUMNS) - 2)  # the mail fields after source_file and position
_mail_values = itemgetter(*MAIL_COLUMNS)  # a record's values in MAIL_RECORD order
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def is_graph(path: str) -> bool:
    return path.lower().endswith(GRAPH_SUFFIXES)


def plan_tasks(files: list[tuple[str, int]], piece_bytes: int, files_per_task: int) -> list[list[Piece]]:
    """(path, size) -> Spark tasks, each a list of pieces. Consecutive files share a task until it holds
    `piece_bytes` or `files_per_task` files; a Graph export larger than `piece_bytes` is cut into byte
    ranges of that size, one task each (the last range reads to the end, should the file have grown)."""
    tasks: list[list[Piece]] = []
    current: list[Piece] = []
    current_bytes = 0
    for path, size in files:
        if is_graph(path) and size > piece_bytes:
            starts = range(0, size, piece_bytes)
            ends = [*starts[1:], None]
            tasks += [[(path, start, end)] for start, end in zip(starts, ends, strict=True)]
            continue
        current.append((path, None, None))
        current_bytes += size
        if current_bytes >= piece_bytes or len(current) >= files_per_task:
            tasks.append(current)
            current, current_bytes = [], 0
    if current:
        tasks.append(current)
    return tasks


def parse_pieces(limits: ReadLimits, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """`mapInArrow` function (with `limits` bound): batches of PIECE rows in, batches of PARSED rows out."""
    rows: list[tuple] = []
    with _no_cyclic_gc():
        for batch in batches:
            for piece in zip(*(batch.column(name).to_pylist() for name in PIECE.names), strict=True):
                for row in piece_rows(*piece, limits):
                    rows.append(row)
                    if len(rows) == BATCH_ROWS:
                        yield to_batch(rows)
                        rows = []
        if rows:
            yield to_batch(rows)


@contextmanager
def _no_cyclic_gc():
    """Off while a task parses, back on after. Parsing allocates millions of small dicts, lists and tuples
    that reference counting frees; the cyclic collector, run every few hundred allocations, took about a
    fifth of the time and found no cycle in the Graph, Maildir, mbox and bad-mail corpora."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def piece_rows(path: str, start: int | None, end: int | None, limits: ReadLimits) -> Iterator[tuple]:
    """PARSED tuples of one piece. A piece that cannot be read (gone, a symbolic link, too large) or fails
    in a way nobody foresaw is one more quarantined record at position 0: never a failed task."""
    try:
        for position, result in piece_results(path, start, end, limits):
            if result.record is not None:
                yield (True, None, None, *_mail_values(result.record))
            else:
                yield (False, result.reason, result.detail, path, position, *_NO_RECORD)
    except Exception as error:
        reason, detail = refusal(error)
        where = "" if start is None else f"bytes {start}-{'' if end is None else end}: "
        yield (False, reason, f"{where}{detail}"[:DETAIL_MAX_CHARS], path, 0, *_NO_RECORD)


def piece_results(
    path: str, start: int | None, end: int | None, limits: ReadLimits
) -> Iterator[tuple[int, ParseResult]]:
    """(position, result) per record: each non-blank line of a Graph export's piece, each message of an
    mbox, or the one message of any other file (position 0; over the record limit: too_large, unread)."""
    if is_graph(path):
        yield from graph_lines(path, start or 0, end, limits.max_record_bytes)
    elif path.lower().endswith(MBOX_SUFFIX):
        yield from mbox_messages(path, limits.max_record_bytes)
    else:
        yield 0, parse_rfc5322(read_whole(path, limits.max_record_bytes), path, 0)


def graph_lines(path: str, start: int, end: int | None, max_bytes: int) -> Iterator[tuple[int, ParseResult]]:
    """(1 + byte offset, result) of each non-blank line of a Graph export that starts in [start, end)."""
    for offset, line, size in read_lines(path, start, end, max_bytes):
        if line is None:
            yield offset + 1, ParseResult(reason=TOO_LARGE, detail=too_large("the line", size, max_bytes))
        elif line.strip():
            yield offset + 1, parse_graph_line(line, path, offset + 1)


def mbox_messages(path: str, max_bytes: int) -> Iterator[tuple[int, ParseResult]]:
    """(line of its separator, result) per message of an mbox; an empty mbox is one quarantined record."""
    found = False
    with open_landing(path) as handle:
        for number, message, size in iter_mbox_stream(handle, max_bytes):
            found = True
            if message is None:
                yield number, ParseResult(reason=TOO_LARGE, detail=too_large("the message", size, max_bytes))
            else:
                yield number, parse_rfc5322(message, path, number)
    if not found:  # an empty mbox is one record read, quarantined: nothing goes uncounted
        yield 0, ParseResult(reason=EMPTY_FILE)


def to_batch(rows: list[tuple]) -> pa.RecordBatch:
    """PARSED tuples -> one Arrow record batch (timestamps as UTC microseconds, as Spark reads them)."""
    columns = zip(*rows, strict=True)
    arrays = [_array(list(values), field.type) for values, field in zip(columns, _ARROW_PARSED, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=_ARROW_PARSED)


def _array(values: list[Any], kind: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=kind)
    except UnicodeEncodeError:
        # Lone surrogates (a JSON "\ud800" escape) are no UTF-8: each becomes U+FFFD, as pickled rows did.
        return pa.array([_without_surrogates(value) for value in values], type=kind)


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE_RE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(key): _without_surrogates(item) for key, item in value.items()}
    return value
