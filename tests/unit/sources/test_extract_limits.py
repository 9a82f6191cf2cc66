"""Landing files read as streams with limits: a Graph export's pieces each read their own bytes (never the
file from byte 0), a record over `[extract] max_record_bytes` is quarantined `too_large` and the next one
is read, a whole-read file over its limit is quarantined unread, and a failure of one file is one
quarantine row, never a failed night."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from wkw import files
from wkw.config_extract import ReadLimits
from wkw.parsing.mail_files import piece_rows, plan_tasks
from wkw.sources import calendar as calendar_source
from wkw.sources import people
from wkw.sources.csv_lines import _csv_partition
from wkw.vocabulary import CALL_HEADER, DIRECTORY_HEADER

LIMITS = ReadLimits(max_record_bytes=2000, max_file_bytes=4000)
CHUNK = 256  # bytes per read in these tests, so that a piece's reads stay near its own bytes


class _CountingHandle:
    """A file handle that counts the bytes its reads return."""

    def __init__(self, handle, counter: list[int]):
        self._handle, self._counter = handle, counter

    def read(self, *size):
        data = self._handle.read(*size)
        self._counter[0] += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()


class _CountingFileSystem:
    def __init__(self, fs, counter: list[int]):
        self._fs, self._counter = fs, counter

    def open_input_file(self, path):
        return _CountingHandle(self._fs.open_input_file(path), self._counter)

    def open_input_stream(self, path):
        return _CountingHandle(self._fs.open_input_stream(path), self._counter)

    def __getattr__(self, name):
        return getattr(self._fs, name)


@pytest.fixture
def bytes_read(monkeypatch) -> list[int]:
    """[bytes read so far] through every file wkw.files opens."""
    counter = [0]
    real = files.filesystem
    monkeypatch.setattr(
        files, "filesystem", lambda uri: (_CountingFileSystem(real(uri)[0], counter), real(uri)[1])
    )
    monkeypatch.setattr(files, "CHUNK_BYTES", CHUNK)
    return counter


def _graph_line(number: int) -> bytes:
    message = {
        "internetMessageId": f"<{number}@contoso.com>",
        "sentDateTime": f"2026-10-{1 + number % 28:02d}T09:00:00Z",
        "from": {"emailAddress": {"address": f"sender{number}@contoso.com", "name": "Ann Berg"}},
        "toRecipients": [{"emailAddress": {"address": f"to{number}@fabrikam.com"}}],
    }
    return json.dumps(message).encode()


def test_each_piece_of_a_graph_export_reads_its_own_bytes_not_the_file_from_0(tmp_path, bytes_read):
    export = tmp_path / "messages.jsonl"
    export.write_bytes(b"\n".join(_graph_line(n) for n in range(2000)) + b"\n")
    size, piece_bytes = export.stat().st_size, 8192
    pieces = [piece for task in plan_tasks([(str(export), size)], piece_bytes, 10) for piece in task]
    rows = [row for piece in pieces for row in piece_rows(*piece, LIMITS)]
    assert len(pieces) > 40 and len(rows) == 2000 and all(row[0] for row in rows)
    starts = [0]
    for n in range(1999):
        starts.append(starts[-1] + len(_graph_line(n)) + 1)
    assert [row[4] for row in rows] == [1 + start for start in starts]  # 1 + the byte offset of each line
    # Each piece reads from one byte before its start to one chunk past the end of its last line.
    longest = max(len(_graph_line(n)) for n in range(2000)) + 1
    assert bytes_read[0] <= size + len(pieces) * (CHUNK + longest), f"read {bytes_read[0]} bytes of {size}"


def test_a_graph_line_over_the_limit_is_quarantined_and_the_next_line_read(tmp_path):
    huge = json.dumps({"subject": "x" * 5000, "from": {"emailAddress": {"name": "Ann Berg"}}}).encode()
    export = tmp_path / "messages.jsonl"
    export.write_bytes(b"\n".join([_graph_line(1), huge, _graph_line(2)]))
    rows = list(piece_rows(str(export), None, None, LIMITS))
    second = len(_graph_line(1)) + 2  # 1 + the byte offset where the huge line starts
    assert [(row[0], row[1], row[2], row[4]) for row in rows] == [
        (True, None, None, 1),
        (False, "too_large", f"the line holds {len(huge)} bytes, the limit is 2000", second),
        (True, None, None, second + len(huge) + 1),
    ]
    assert rows[2][10] == "sender2@contoso.com"


def _mbox_message(sender: str, body: bytes = b"hello\n") -> bytes:
    return (
        f"From {sender} Mon Oct  5 10:00:00 2026\nFrom: {sender}\nTo: bo@fabrikam.com\n"
        "Date: Mon, 5 Oct 2026 10:00:00 +0000\n\n"
    ).encode() + body


def test_an_mbox_message_over_the_limit_is_quarantined_and_the_next_message_read(tmp_path, bytes_read):
    mbox = tmp_path / "export.mbox"
    big = _mbox_message("ann@contoso.com", b"attachment line\n" * 500)
    mbox.write_bytes(_mbox_message("zoe@contoso.com") + big + _mbox_message("cy@contoso.com"))
    rows = list(piece_rows(str(mbox), None, None, LIMITS))
    big_size = len(big) - len(big.split(b"\n", 1)[0]) - 1  # the message without its From_ line
    assert [(row[0], row[1], row[2], row[4], row[10]) for row in rows] == [
        (True, None, None, 1, "zoe@contoso.com"),
        (False, "too_large", f"the message holds {big_size} bytes, the limit is 2000", 7, None),
        (True, None, None, 7 + 5 + 500, "cy@contoso.com"),
    ]
    assert bytes_read[0] == mbox.stat().st_size  # streamed once


def test_a_message_file_over_the_limit_is_quarantined_unread(tmp_path, bytes_read):
    eml = tmp_path / "maildir" / "berg-a" / "inbox" / "1."
    eml.parent.mkdir(parents=True)
    eml.write_bytes(_mbox_message("ann@contoso.com", b"x" * 3000).split(b"\n", 1)[1])
    [row] = list(piece_rows(str(eml), None, None, LIMITS))
    size = eml.stat().st_size
    assert row[:5] == (False, "too_large", f"the file holds {size} bytes, the limit is 2000", str(eml), 0)
    assert bytes_read[0] == 0


WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def test_a_calendar_file_over_the_file_limit_is_quarantined_unread(tmp_path, bytes_read):
    ics = tmp_path / "big.ics"
    ics.write_bytes(b"BEGIN:VCALENDAR\r\n" + b"X-FILLER:" + b"y" * 5000 + b"\r\nEND:VCALENDAR\r\n")
    rows = list(calendar_source._parse_partition([str(ics)], *WINDOW, limits=LIMITS))
    size = ics.stat().st_size
    assert [row[:5] for row in rows] == [
        (False, "too_large", f"the file holds {size} bytes, the limit is 4000", str(ics), 0)
    ]
    assert bytes_read[0] == 0


def test_a_directory_json_over_the_file_limit_is_quarantined_unread(tmp_path, bytes_read):
    users = tmp_path / "users.json"
    users.write_text(json.dumps([{"email": f"u{n}@contoso.com", "name": "Ann Berg"} for n in range(200)]))
    rows = list(people._json_partition(LIMITS, [str(users)]))
    size = users.stat().st_size
    assert [row[:4] for row in rows] == [
        (str(users), 0, "too_large", f"the file holds {size} bytes, the limit is 4000")
    ]
    assert bytes_read[0] == 0


def test_a_csv_line_over_the_limit_or_unsplittable_is_quarantined_and_the_next_line_read(tmp_path):
    calls = tmp_path / "calls.csv"
    good = "c1,ann@contoso.com,bo@fabrikam.com,2026-10-05T10:00:00Z,60,outbound"
    long_line = "c2,ann@contoso.com,bo@fabrikam.com,2026-10-05T10:00:00Z,60," + "z" * 3000
    huge_field = '"' + "q" * 1500  # an open quote: csv reads the rest as one field
    calls.write_text("\n".join([",".join(CALL_HEADER), good, long_line, huge_field, good]) + "\n")
    rows = list(_csv_partition(CALL_HEADER, (), ReadLimits(2000, 8000), [str(calls)]))
    assert [row[:4] for row in rows] == [
        (str(calls), 2, None, None),
        (str(calls), 3, "too_large", f"the line holds {len(long_line)} bytes, the limit is 2000"),
        (str(calls), 4, "bad_row", "1 field, the header has 6"),
        (str(calls), 5, None, None),
    ]
    assert rows[0][4] == good.split(",") and rows[3][4] == good.split(",")


def test_a_csv_field_over_the_csv_module_limit_is_a_bad_row_not_a_failed_task(tmp_path):
    directory = tmp_path / "users.csv"
    giant = "n" * 140_000  # over csv's field size limit (131,072): csv.Error, which failed the task
    line = ",".join(["u1", "ann@contoso.com", "", giant, "", "", "", "", "", "", ""])
    directory.write_text(",".join(DIRECTORY_HEADER) + "\n" + line + "\nu2,bo@contoso.com" + "," * 9 + "\n")
    rows = list(_csv_partition(DIRECTORY_HEADER, (), ReadLimits(1 << 20, 1 << 30), [str(directory)]))
    assert [row[:4] for row in rows] == [
        (str(directory), 2, "bad_row", "the line cannot be split into fields"),
        (str(directory), 3, None, None),
    ]


def test_a_failure_nobody_foresaw_is_one_quarantine_row(tmp_path, monkeypatch):
    mbox = tmp_path / "export.mbox"
    mbox.write_bytes(_mbox_message("zoe@contoso.com"))

    def broken(handle, max_bytes):
        raise MemoryError("Ann Berg <ann@contoso.com>")

    monkeypatch.setattr("wkw.parsing.mail_files.iter_mbox_stream", broken)
    [row] = list(piece_rows(str(mbox), None, None, LIMITS))
    assert row[:5] == (False, "parse_error", "MemoryError", str(mbox), 0)


def _landing_with_links(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A mail landing day with one real message, a link to a message outside it, and a link to itself."""
    outside = tmp_path / "elsewhere" / "secret.eml"
    outside.parent.mkdir()
    outside.write_bytes(_mbox_message("ann@contoso.com").split(b"\n", 1)[1])
    day = tmp_path / "landing" / "mail" / "2026-11-26"
    (day / "inbox").mkdir(parents=True)
    (day / "inbox" / "1.eml").write_bytes(outside.read_bytes())
    (day / "inbox" / "2.eml").symlink_to(outside)
    (day / "inbox" / "loop").symlink_to(day, target_is_directory=True)
    return day, day / "inbox" / "2.eml", day / "inbox" / "loop"


def test_symbolic_links_are_listed_once_never_followed_and_quarantined(tmp_path):
    day, link_out, loop = _landing_with_links(tmp_path)
    listed = files.list_sized_files(str(day))
    assert [path for path, _ in listed] == [str(day / "inbox" / "1.eml"), str(link_out), str(loop)]
    rows = [row for path, _ in listed for row in piece_rows(path, None, None, LIMITS)]
    assert [(row[0], row[1], row[2], row[3]) for row in rows] == [
        (True, None, None, str(day / "inbox" / "1.eml")),
        (False, "symlink", "a symbolic link, not followed", str(link_out)),
        (False, "symlink", "a symbolic link, not followed", str(loop)),
    ]


def test_a_night_counts_the_links_it_did_not_follow(spark, settings):
    from wkw.sources.mail import extract_mail

    day, link_out, loop = _landing_with_links(Path(settings.landing).parent)
    accepted, quarantined, counts = extract_mail(spark, settings, datetime(2026, 11, 26).date())
    assert sorted((row.source_file, row.reason, row.position) for row in quarantined.collect()) == [
        (str(link_out), "symlink", 0),
        (str(loop), "symlink", 0),
    ]
    assert [row.sender_email for row in accepted.collect()] == ["ann@contoso.com"]
    [count] = counts.collect()
    assert (count.read, count.accepted, count.filtered, count.quarantined) == (3, 1, 0, 2)
