"""Landing mail files, in pieces, to Arrow record batches of parsed mail: the extract stage's `mapInArrow`.

A piece is one whole file, or a byte range of a Graph JSON-lines export larger than a piece: the lines
that start inside the range, numbered as in the whole file (`wkw.files.read_line_range`), so that several
tasks share one big export. Each Spark task parses its pieces with `wkw.parsing.mail` and hands the
records to the JVM as Arrow record batches (`PARSED`), column by column, instead of one pickled row each.

    tasks = plan_tasks(list_sized_files(folder), piece_bytes, files_per_task)
    pieces = spark.createDataFrame(spark.sparkContext.parallelize(tasks, len(tasks)).flatMap(iter), PIECE)
    parsed = pieces.mapInArrow(parse_pieces, PARSED)
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
from wkw.files import read_bytes, read_line_range
from wkw.parsing.mail import ParseResult, parse_graph_line, parse_rfc5322
from wkw.parsing.mbox import iter_mbox
from wkw.vocabulary import DETAIL_MAX_CHARS, EMPTY_FILE, UNREADABLE_FILE

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


def parse_pieces(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """`mapInArrow` function: batches of PIECE rows in, batches of PARSED rows out."""
    rows: list[tuple] = []
    with _no_cyclic_gc():
        for batch in batches:
            for piece in zip(*(batch.column(name).to_pylist() for name in PIECE.names), strict=True):
                for row in piece_rows(*piece):
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


def piece_rows(path: str, start: int | None, end: int | None) -> Iterator[tuple]:
    """PARSED tuples of one piece; a piece that cannot be read is one quarantined record (position 0)."""
    try:
        if start is None and end is None:
            results = parse_file(path, read_bytes(path))
        else:
            first_line, block = read_line_range(path, start or 0, end)
            results = graph_lines(block, path, first_line)
    except OSError as error:  # vanished or unreadable since listing: quarantined, never fatal
        where = "" if start is None else f"bytes {start}-{'' if end is None else end}: "
        detail = f"{where}{type(error).__name__}: {error}"[:DETAIL_MAX_CHARS]
        yield (False, UNREADABLE_FILE, detail, path, 0, *_NO_RECORD)
        return
    for position, result in results:
        if result.record is not None:
            yield (True, None, None, *_mail_values(result.record))
        else:
            yield (False, result.reason, result.detail, path, position, *_NO_RECORD)


def parse_file(path: str, content: bytes) -> Iterator[tuple[int, ParseResult]]:
    """(position, result) per record: each non-blank line of a Graph export, each message of an mbox
    (position: the line of its `From ` separator), or the one message of any other file."""
    if is_graph(path):
        yield from graph_lines(content, path, 1)
    elif path.lower().endswith(MBOX_SUFFIX):
        found = False
        for number, message in iter_mbox(content):
            found = True
            yield number, parse_rfc5322(message, path, number)
        if not found:  # an empty mbox is one record read, quarantined: nothing goes uncounted
            yield 0, ParseResult(reason=EMPTY_FILE)
    else:
        yield 0, parse_rfc5322(content, path, 0)


def graph_lines(block: bytes, path: str, first_line: int) -> Iterator[tuple[int, ParseResult]]:
    """(line number, result) of each non-blank line of a block of Graph JSON lines."""
    for number, line in enumerate(block.splitlines(), start=first_line):
        if line.strip():
            yield number, parse_graph_line(line, path, number)


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
