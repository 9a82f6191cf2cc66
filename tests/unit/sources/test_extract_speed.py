"""The extract stage's fast path for mail: big Graph exports cut into byte ranges, records handed to Spark
as Arrow batches. Both give the same records, positions included, as parsing each file whole."""

from __future__ import annotations

import gc
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from pyspark.sql.pandas.types import to_arrow_schema
from wkw.config_extract import ReadLimits
from wkw.files import read_lines
from wkw.parsing import mail_files
from wkw.parsing.mail_files import MAIL_COLUMNS, PARSED, PIECE, parse_pieces, piece_rows, plan_tasks
from wkw.sources import mail as mail_source

SENDER_NAMES = ["Ann Berg", "=?utf-8?q?Zo=C3=AB_Li?=", "a@b.com", "", None, "\ud83d lone"]
LINE_ENDINGS = [b"\n", b"\r\n", b"\r", b"\n\n", b"\r\n  \r\n"]  # the last two add a blank line each
LIMITS = ReadLimits(max_record_bytes=1 << 20, max_file_bytes=1 << 30)


def _message(number: int) -> dict:
    return {
        "internetMessageId": f"<{number}@contoso.com>",
        "conversationId": f"c{number % 5}",
        "sentDateTime": f"2026-10-{1 + number % 28:02d}T09:{number % 60:02d}:00Z",
        "subject": "Quarterly plan" if number % 2 else "=?utf-8?q?caf=C3=A9?=",
        "from": {
            "emailAddress": {"address": f"Sender{number}@Contoso.com", "name": SENDER_NAMES[number % 6]}
        },
        "toRecipients": [{"emailAddress": {"address": f"to{number}@fabrikam.com", "name": "Tó \ud800"}}],
        "ccRecipients": [],
    }


def _line(number: int) -> bytes:
    kind = number % 9
    if kind == 0:
        return b'{"truncated": '
    if kind == 1:
        return b"[1, 2]"
    if kind == 2:
        return json.dumps({**_message(number), "sentDateTime": None}).encode()
    if kind == 3:
        return json.dumps({**_message(number), "toRecipients": []}).encode()
    if kind == 4:  # bytes that are no UTF-8 break the sender's address
        return json.dumps(_message(number)).encode().replace(b"Sender", b"S\xff\xfeender")
    return json.dumps(_message(number)).encode()


@pytest.fixture
def export(tmp_path) -> Path:
    """Graph JSON lines with every line end bytes.splitlines knows, blank lines, no final newline."""
    path = tmp_path / "graph" / "part-00000.jsonl"
    path.parent.mkdir()
    content = b"".join(_line(n) + LINE_ENDINGS[n % len(LINE_ENDINGS)] for n in range(120))
    path.write_bytes(content.rstrip(b"\r\n"))
    return path


def _lines_at(content: bytes) -> list[tuple[int, bytes]]:
    """(offset, line) of each line as bytes.splitlines cuts them."""
    starts = [0, *(match.end() for match in re.finditer(rb"\r\n|\r|\n", content))]
    return list(zip(starts, content.splitlines(), strict=False))


def _positions(path: Path) -> dict[int, int]:
    """1-based line number -> position (1 + byte offset of the line's start)."""
    return {number: offset + 1 for number, (offset, _) in enumerate(_lines_at(path.read_bytes()), start=1)}


@pytest.mark.parametrize("content", [b"a\nb\r\nc\rd\r\r\ne\n\nf", b"\r\n\r\n\n", b"x", b"\rx\r", b"ab\r\n"])
def test_every_tiling_of_a_file_gives_each_line_once_at_its_offset(tmp_path, content, monkeypatch):
    path = tmp_path / "lines.jsonl"
    path.write_bytes(content)
    for chunk in (1, 2, 1000):
        monkeypatch.setattr("wkw.files.CHUNK_BYTES", chunk)
        for piece in range(1, len(content) + 1):
            lines = []
            for start in range(0, len(content), piece):
                stop = start + piece if start + piece < len(content) else None
                lines += [(offset, line) for offset, line, _ in read_lines(str(path), start, stop, 100)]
            assert lines == _lines_at(content), (chunk, piece)


def test_plan_cuts_big_exports_and_groups_small_files():
    files = [("a/x.eml", 30), ("a/y.eml", 30), ("b.jsonl", 250), ("c.mbox", 10), ("d.JSON", 100)]
    assert plan_tasks(files, 100, 5) == [
        [("b.jsonl", 0, 100)],
        [("b.jsonl", 100, 200)],
        [("b.jsonl", 200, None)],  # the last range reads to the end of the file
        [("a/x.eml", None, None), ("a/y.eml", None, None), ("c.mbox", None, None), ("d.JSON", None, None)],
    ]
    assert plan_tasks([(f"m/{n}", 1) for n in range(5)], 100, 2) == [
        [("m/0", None, None), ("m/1", None, None)],
        [("m/2", None, None), ("m/3", None, None)],
        [("m/4", None, None)],
    ]


@pytest.mark.parametrize("piece_bytes", [1, 97, 1000, 4096])
def test_ranges_of_an_export_give_the_records_of_the_whole_file(export, piece_bytes):
    whole = list(piece_rows(str(export), None, None, LIMITS))
    size = export.stat().st_size
    pieces = [piece for task in plan_tasks([(str(export), size)], piece_bytes, 10) for piece in task]
    assert len(pieces) == -(-size // piece_bytes)
    assert [row for piece in pieces for row in piece_rows(*piece, LIMITS)] == whole
    at = _positions(export)
    by_line = {number: row for row in whole for number, position in at.items() if position == row[4]}
    assert len(whole) == 120 and 5 not in by_line and 7 not in by_line  # blank lines are numbered, not read
    assert by_line[1][:3] == (
        False,
        "bad_json",
        "JSONDecodeError: Expecting value: line 1 column 15 (char 14)",
    )
    assert by_line[2][:3] == (False, "bad_json", "a JSON list, not an object")
    assert [by_line[line][1] for line in (3, 4, 6)] == ["missing_date", "no_relationship", "no_sender"]
    record = dict(zip(MAIL_COLUMNS, by_line[10][3:], strict=True))
    assert (record["sender_email"], record["sender_name"]) == ("sender7@contoso.com", "Zoë Li")
    assert record["sent_at"] == datetime(2026, 10, 8, 9, 7, tzinfo=UTC)
    assert record["display_names"] == {"sender7@contoso.com": "Zoë Li", "to7@fabrikam.com": "Tó \ud800"}


def _as_spark_gives(value):
    """A parsed value as it comes back from Spark: naive UTC times, a lone surrogate as U+FFFD."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in value)
    if isinstance(value, list):
        return [_as_spark_gives(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_spark_gives(item) for key, item in value.items()}
    return value


def test_split_export_and_other_formats_in_spark_match_whole_files(spark, tmp_path, export, monkeypatch):
    eml = tmp_path / "maildir" / "berg-a" / "inbox" / "1."
    eml.parent.mkdir(parents=True)
    eml.write_bytes(
        b"From: Ann Berg <ann@contoso.com>\nTo: bo@fabrikam.com\nDate: Mon, 5 Oct 2026 10:00:00 +0200\n\n"
    )
    mbox = tmp_path / "export.mbox"
    mbox.write_bytes(
        b"From x\nFrom: a@contoso.com\nTo: b@fabrikam.com\nDate: Mon, 5 Oct 2026 10:00:00 +0000\n\n.\n"
    )
    files = sorted((str(path), path.stat().st_size) for path in (export, eml, mbox))
    gone = str(tmp_path / "gone.jsonl")  # listed, then deleted before the tasks read it
    monkeypatch.setattr(mail_source, "MAX_PIECE_BYTES", 1000)  # cut the small export into many ranges
    parsed = mail_source.parse_mail_files(spark, [*files, (gone, 4500)], LIMITS)
    assert parsed.schema == PARSED
    rows = [tuple(row) for row in parsed.collect()]
    expected = [
        tuple(map(_as_spark_gives, row)) for path, _ in files for row in piece_rows(path, None, None, LIMITS)
    ]
    by_place = sorted((row for row in rows if row[3] != gone), key=lambda row: row[3:5])
    assert by_place == sorted(expected, key=lambda row: row[3:5])
    unreadable = sorted((row[1], row[2].split(":")[0], row[4]) for row in rows if row[3] == gone)
    assert unreadable == [
        ("unreadable_file", f"bytes {start}-{stop}", 0) for start, stop in _ranges(4500, 1000)
    ]
    accepted = {(row[3].rsplit("/", 1)[-1], row[4], row[6], row[10]) for row in rows if row[0]}
    assert {("1.", 0, "berg-a", "ann@contoso.com"), ("export.mbox", 1, None, "a@contoso.com")} <= accepted
    assert ("part-00000.jsonl", _positions(export)[10], None, "sender7@contoso.com") in accepted


def _ranges(size: int, piece: int) -> list[tuple[int, str]]:
    return [(start, str(start + piece) if start + piece < size else "") for start in range(0, size, piece)]


def test_arrow_batches_hold_the_records_and_the_collector_is_back_on(export, monkeypatch):
    monkeypatch.setattr(mail_files, "BATCH_ROWS", 50)
    size = export.stat().st_size
    pieces = pa.RecordBatch.from_pylist(
        [
            {"path": str(export), "start": 0, "end": size // 2},
            {"path": str(export), "start": size // 2, "end": None},
        ],
        schema=to_arrow_schema(PIECE),
    )
    batches = list(parse_pieces(LIMITS, [pieces]))
    assert gc.isenabled()
    assert [batch.num_rows for batch in batches] == [50, 50, 20]
    table = pa.Table.from_batches(batches)
    assert table.schema == to_arrow_schema(PARSED, timezone="UTC")
    assert table.column("position").to_pylist() == [
        row[4] for row in piece_rows(str(export), None, None, LIMITS)
    ]
    accepted = table.filter(table.column("accepted")).to_pylist()
    line_10 = next(row for row in accepted if row["position"] == _positions(export)[10])
    assert line_10["sent_at"] == datetime(2026, 10, 8, 9, 7, tzinfo=UTC)
    assert dict(line_10["display_names"]) == {
        "sender7@contoso.com": "Zoë Li",
        "to7@fabrikam.com": "Tó \ufffd",
    }
