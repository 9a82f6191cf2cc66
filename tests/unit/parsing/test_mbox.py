"""Unit tests of wkw.parsing.mbox: splitting mbox files into messages for the header parser (no Spark).

Run: .venv/bin/python -m pytest tests/unit/parsing/test_mbox.py -q
"""

from datetime import UTC, datetime
from pathlib import Path

from support.paths import DATA
from wkw.parsing.mail import parse_rfc5322
from wkw.parsing.mbox import iter_mbox

TAKEOUT = DATA / "mbox" / "takeout_sample.mbox"
BAD = DATA / "bad" / "mbox"


def _parsed(path: Path) -> list[tuple[int, object]]:
    return [
        (position, parse_rfc5322(message, str(path), position))
        for position, message in iter_mbox(path.read_bytes())
    ]


def test_takeout_export_splits_into_its_three_messages_and_their_headers_parse():
    results = _parsed(TAKEOUT)

    assert [position for position, _ in results] == [1, 24, 50]
    records = [result.record for _, result in results]
    assert all(result.reason is None for _, result in results)
    assert [(r["sender_email"], r["to_emails"], r["cc_emails"]) for r in records] == [
        ("henry.ng@contoso-labs.example", ["ivan.petrov@tailspin.example"], ["juergen.mueller@fabrikam.com"]),
        ("ivan.petrov@tailspin.example", ["henry.ng@contoso-labs.example"], []),
        ("newsletter@tailspin.example", ["henry.ng@contoso-labs.example"], []),
    ]
    assert [r["sent_at"] for r in records] == [
        datetime(2026, 11, 16, 9, 12, 44, tzinfo=UTC),
        datetime(2026, 11, 17, 14, 3, 10, tzinfo=UTC),
        datetime(2026, 11, 18, 7, 0, 2, tzinfo=UTC),
    ]
    assert records[0]["display_names"]["juergen.mueller@fabrikam.com"] == "Jürgen Müller"
    assert records[1]["thread_id"] == records[0]["message_id"] == "CAHx=q1Zk3m9Y8vQ@mail.gmail.com"
    assert [r["automated_reason"] for r in records] == [None, None, "precedence_bulk"]
    assert [r["position"] for r in records] == [1, 24, 50]


def test_quoted_and_prose_from_lines_stay_in_the_body():
    first_message = next(iter_mbox(TAKEOUT.read_bytes()))[1]

    assert b"\n>From our side we can start in December.\n" in first_message
    assert b"\nFrom what I hear, Judy agrees" in first_message
    assert not first_message.startswith(b"From ")
    assert first_message.startswith(b"X-GM-THRID: 1816362198532211234\n")


def test_banner_crlf_and_missing_final_newline():
    path = BAD / "banner_crlf_no_final_newline.mbox"
    messages = list(iter_mbox(path.read_bytes()))
    results = _parsed(path)

    assert [(position, result.reason) for position, result in results] == [
        (1, "not_a_message"),  # the exporter's banner before the first separator
        (4, None),
        (13, None),
        (23, "empty_file"),  # a separator with nothing under it
        (25, "missing_date"),
    ]
    assert messages[0][1].startswith(b"Exported by MailStore Home 13.2")
    assert messages[1][1].startswith(b"Date: Thu, 19 Nov 2026 16:45:00 +0100\r\n")
    assert b">From the contract: 3 years." in messages[2][1]
    assert messages[-1][1].endswith(b"\r\n\r\nBody.")
    assert results[1][1].record["sender_email"] == "bob.jones@fabrikam.com"
    assert results[2][1].record["to_emails"] == ["bob.jones@fabrikam.com"]


def test_empty_and_blank_files_hold_no_message():
    assert list(iter_mbox((BAD / "empty.mbox").read_bytes())) == []
    assert list(iter_mbox(b"\n\r\n  \n")) == []


def test_binary_file_is_one_record_for_quarantine():
    data = (BAD / "binary.mbox").read_bytes()
    results = _parsed(BAD / "binary.mbox")

    assert list(iter_mbox(data)) == [(1, data)]
    assert [(position, result.reason) for position, result in results] == [(1, "not_a_message")]


def test_file_without_separator_is_passed_whole_and_a_bare_separator_is_an_empty_message():
    single = b"Date: Mon, 16 Nov 2026 10:00:00 +0000\nFrom: a@x.example\nTo: b@y.example\n\nhi\n"
    bare = b"From alice@contoso.com Mon Nov 16 09:12:44 2026"

    assert list(iter_mbox(single)) == [(1, single)]
    assert parse_rfc5322(single, "single.mbox", 1).record["sender_email"] == "a@x.example"
    assert list(iter_mbox(bare)) == [(1, b"")]
    assert list(iter_mbox(b"\n\n" + bare + b"\nTo: b@y.example\n")) == [(3, b"To: b@y.example\n")]
