"""Unit tests of wkw.parsing.mail: header-only parsing of RFC 5322 files and Graph JSON lines (no Spark).

Run: .venv/bin/python -m pytest tests/unit/parsing/test_parsing_mail.py -q
"""

import json
import tarfile
from datetime import UTC, datetime

import pytest
from support.paths import ENRON_DIR
from wkw.parsing.mail import (
    REASONS,
    mailbox_of,
    parse_graph_file,
    parse_graph_line,
    parse_rfc5322,
)
from wkw.schemas import MAIL_RECORD

ENRON_FIXTURE = ENRON_DIR / "fixture_small.tar.gz"
MIN_ENRON_ACCEPTED_SHARE = 0.9
MANY_RECIPIENTS = 5_000
FOLDED_LINES = 400
SECRET_SUBJECT = "Project Nightingale acquisition terms"

PLAIN = b"""\
Message-ID: <abc.123@mail.example.com>
Date: Fri, 01 Mar 2024 10:15:00 +0100
From: "Ada Lovelace" <Ada@Example.com>
To: Bob Builder <bob@client.io>, carol@client.io, BOB@client.io, not-an-address
Cc: <Dan@Partner.org>
Bcc: eve@example.com
References: <root.1@mail.example.com> <parent.2@mail.example.com>
In-Reply-To: <parent.2@mail.example.com>
Subject: Project Nightingale acquisition terms

The body is never read.
"""

ENRON = b"""\
Message-ID: <16159738.1075849630700.JavaMail.evans@thyme>
Date: Tue, 12 Dec 2000 11:33:00 -0800 (PST)
From: pete.davis@enron.com
To: jeff.dasovich@enron.com, susan.mara@enron.com
Subject: Re: Weekly gas report
Cc: rick.shapiro@enron.com,\x20
\tharry.kingerski@enron.com
Mime-Version: 1.0
Content-Type: text/plain; charset=us-ascii
X-From: Davis, Pete </O=ENRON/OU=NA/CN=RECIPIENTS/CN=PDAVIS1>
X-To: Dasovich, Jeff </O=ENRON/OU=NA/CN=JDASOVIC>, Mara, Susan </O=ENRON/OU=NA/CN=SMARA>
X-cc: Richard Shapiro, Harry Kingerski, Someone Else
X-bcc:\x20
X-Folder: \\Pete_Davis_Dec2000\\Notes Folders\\Sent
X-Origin: DAVIS-P

Body text.
"""


def _mail(headers: str, body: str = "Body.\n") -> bytes:
    return (headers.strip("\n") + "\n\n" + body).encode("utf-8")


def _record(data: bytes, source_file: str = "landing/mail/2024-03-01/a.eml") -> dict:
    result = parse_rfc5322(data, source_file)
    assert result.reason is None, (result.reason, result.detail)
    return result.record


def test_plain_message_gives_the_full_record():
    record = _record(PLAIN, "landing/mail/2024-03-01/plain.eml")

    assert set(record) == set(MAIL_RECORD.fieldNames())
    assert len(record.pop("dedupe_key")) == 64
    assert record == {
        "source_file": "landing/mail/2024-03-01/plain.eml",
        "position": 0,
        "format": "rfc5322",
        "mailbox": None,
        "message_id": "abc.123@mail.example.com",
        "thread_id": "root.1@mail.example.com",
        "sent_at": datetime(2024, 3, 1, 9, 15, tzinfo=UTC),
        "sender_email": "ada@example.com",
        "sender_name": "Ada Lovelace",
        "to_emails": ["bob@client.io", "carol@client.io"],
        "cc_emails": ["dan@partner.org"],
        "bcc_emails": ["eve@example.com"],
        "display_names": {"ada@example.com": "Ada Lovelace", "bob@client.io": "Bob Builder"},
        "automated_reason": None,
    }


def test_enron_file_pairs_x_names_and_names_the_mailbox():
    record = _record(ENRON, "/data/maildir/davis-p/sent_items/12.")

    assert record["mailbox"] == "davis-p"
    assert record["sent_at"] == datetime(2000, 12, 12, 19, 33, tzinfo=UTC)
    assert record["sender_name"] == "Davis, Pete"
    assert record["cc_emails"] == ["rick.shapiro@enron.com", "harry.kingerski@enron.com"]
    # X-To has as many names as To has addresses; X-cc has one name too many, so Cc stays unnamed.
    assert record["display_names"] == {
        "pete.davis@enron.com": "Davis, Pete",
        "jeff.dasovich@enron.com": "Dasovich, Jeff",
        "susan.mara@enron.com": "Mara, Susan",
    }


def test_x_names_mixing_addresses_and_plain_names_pair_in_order():
    data = _mail("""
Date: Tue, 12 Dec 2000 11:33:00 -0800
From: jeff.dasovich@enron.com
To: rebende@earthlink.net, jimgriffeth@compuserve.com, kevinfinnan@compuserve.com
X-From: Jeff Dasovich
X-To: Bender Rob <rebende@earthlink.net>, JimGriffeth@compuserve.com, Kevin Finnan
""")
    record = _record(data)

    assert record["display_names"] == {
        "jeff.dasovich@enron.com": "Jeff Dasovich",
        "rebende@earthlink.net": "Bender Rob",
        "kevinfinnan@compuserve.com": "Kevin Finnan",
    }


def test_header_names_win_over_x_names():
    data = _mail("""
Date: Tue, 12 Dec 2000 11:33:00 -0800
From: Pete <pete.davis@enron.com>
To: Jeffrey <jeff.dasovich@enron.com>, susan.mara@enron.com
X-From: Davis, Pete </O=ENRON/OU=NA/CN=RECIPIENTS/CN=PDAVIS1>
X-To: Jeff Dasovich, susan.mara@enron.com
""")
    record = _record(data)

    assert record["sender_name"] == "Pete"
    assert record["display_names"] == {"pete.davis@enron.com": "Pete", "jeff.dasovich@enron.com": "Jeffrey"}


def test_encoded_and_8bit_names_are_decoded():
    data = (
        b"Date: Fri, 01 Mar 2024 10:15:00 +0000\n"
        b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>\n"
        b"To: =?iso-8859-1?b?Wm/rIEJyb3du?= <zoe@example.com>,\n"
        b"  Ren\xe9 Dupont <rene@example.fr>, =?x-unknown?q?Odd?= <odd@example.com>\n"
        b"Subject: caf\xff\xfe\n\n\xff\xfebody\n"
    )
    record = _record(data)

    assert record["sender_name"] == "Jürgen Müller"
    assert record["display_names"]["zoe@example.com"] == "Zoë Brown"
    assert record["display_names"]["rene@example.fr"] == "René Dupont"
    assert record["to_emails"] == ["zoe@example.com", "rene@example.fr", "odd@example.com"]


@pytest.mark.parametrize(
    ("date_header", "reason"),
    [("", "missing_date"), ("Date: \n", "missing_date"), ("Date: next Tuesday-ish\n", "bad_date")],
)
def test_missing_or_bad_date_is_quarantined(date_header, reason):
    data = f"{date_header}From: a@example.com\nTo: b@example.com\n\nBody\n".encode()
    result = parse_rfc5322(data, "x.eml")

    assert (result.record, result.reason) == (None, reason)


def test_naive_date_is_taken_as_utc():
    record = _record(_mail("Date: Fri, 01 Mar 2024 10:15:00 -0000\nFrom: a@example.com\nTo: b@example.com"))

    assert record["sent_at"] == datetime(2024, 3, 1, 10, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty_file"),
        (b"  \n\r\n", "empty_file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_a_message"),
        (b"Dear Bob,\nthis is prose without any header line.\n", "not_a_message"),
    ],
)
def test_empty_and_binary_files_are_quarantined(data, reason):
    result = parse_rfc5322(data, "x.eml")

    assert (result.record, result.reason) == (None, reason)


def test_sender_falls_back_to_sender_then_return_path():
    base = "Date: Fri, 01 Mar 2024 10:15:00 +0000\nTo: b@example.com\n"
    from_sender = _record(_mail(base + "From: undisclosed\nSender: Sally <sally@example.com>"))
    from_return_path = _record(_mail(base + "Return-Path: <bounce@example.com>"))
    nobody = parse_rfc5322(_mail(base + "From: nobody"), "x.eml")

    assert (from_sender["sender_email"], from_sender["sender_name"]) == ("sally@example.com", "Sally")
    assert (from_return_path["sender_email"], from_return_path["sender_name"]) == ("bounce@example.com", None)
    assert (nobody.record, nobody.reason) == (None, "no_sender")


def test_no_recipient_named_is_no_relationship():
    data = _mail("Date: Fri, 01 Mar 2024 10:15:00 +0000\nFrom: a@example.com\nTo: undisclosed-recipients:;")

    assert parse_rfc5322(data, "x.eml").reason == "no_relationship"  # filtered at extract, not quarantined


@pytest.mark.parametrize(
    ("extra", "thread_id"),
    [("In-Reply-To: <p.2@x.com>\nThread-Index: AcZ1", "p.2@x.com"), ("Thread-Index: AcZ1bQ==", "AcZ1bQ==")],
)
def test_thread_id_falls_back_to_in_reply_to_then_thread_index(extra, thread_id):
    record = _record(_mail(f"Date: Fri, 01 Mar 2024 10:15:00 +0000\nFrom: a@x.com\nTo: b@x.com\n{extra}"))

    assert record["thread_id"] == thread_id


def test_header_folded_over_hundreds_of_lines():
    folded = ",\n\t".join(f"Person {n} <p{n}@example.com>" for n in range(FOLDED_LINES))
    record = _record(_mail(f"Date: Fri, 01 Mar 2024 10:15:00 +0000\nFrom: a@x.com\nTo: {folded}"))

    assert record["to_emails"] == [f"p{n}@example.com" for n in range(FOLDED_LINES)]
    assert record["display_names"][f"p{FOLDED_LINES - 1}@example.com"] == f"Person {FOLDED_LINES - 1}"


def test_five_thousand_recipients_are_all_kept_in_order():
    # Parsing speed is measured by bench/extract_throughput.py, not here (no timed tests).
    recipients = ", ".join(f"r{n}@example.com" for n in range(MANY_RECIPIENTS))
    data = _mail(f"Date: Fri, 01 Mar 2024 10:15:00 +0000\nFrom: a@x.com\nTo: {recipients}")

    record = _record(data)

    assert record["to_emails"] == [f"r{n}@example.com" for n in range(MANY_RECIPIENTS)]


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("Auto-Submitted: auto-replied", "auto_submitted"),
        ("Auto-Submitted: no\nList-Unsubscribe: <mailto:u@x.com>", "list_unsubscribe"),
        ("Precedence: Bulk\nList-Id: <news.x.com>", "precedence_bulk"),
        ("Precedence: first-class\nList-Id: <news.x.com>", "list_id"),
        ("X-Mailer: Outlook", None),
    ],
)
def test_automated_header_evidence(extra, reason):
    record = _record(_mail(f"Date: Fri, 01 Mar 2024 10:15:00 +0000\nFrom: a@x.com\nTo: b@x.com\n{extra}"))

    assert record["automated_reason"] == reason


def test_unexpected_input_becomes_parse_error():
    result = parse_rfc5322(None, "x.eml")

    assert (result.record, result.reason) == (None, "parse_error")
    assert result.detail == "AttributeError"  # the type only: a message may quote the input


@pytest.mark.parametrize(
    ("path", "mailbox"),
    [
        ("s3a://lake/landing/mail/2024-03-01/maildir/arnold-j/inbox/1", "arnold-j"),
        ("maildir/cuilla-m/10_fantasy/requests/3", "cuilla-m"),
        ("/exports/enron/badeer-r/sent/12.", "badeer-r"),
        ("C:\\exports\\maildir\\arnold-j\\inbox\\7", "arnold-j"),
        ("landing/mail/2024-03-01/message.eml", None),
        ("maildir/arnold-j", None),
        ("inbox/1", None),
    ],
)
def test_mailbox_of(path, mailbox):
    assert mailbox_of(path) == mailbox


def test_copies_in_two_mailboxes_share_the_dedupe_key():
    copy = PLAIN.replace(b"abc.123@mail.example.com", b"other.999@mail.example.com")
    copy = copy.replace(b"+0100", b"+0000").replace(b"10:15:00", b"09:15:00")
    first = _record(PLAIN, "maildir/a-x/inbox/1")
    second = _record(copy, "maildir/b-y/sent/7")
    reworded = _record(PLAIN.replace(b"acquisition", b"merger"), "maildir/a-x/inbox/2")

    assert first["message_id"] != second["message_id"]
    assert first["dedupe_key"] == second["dedupe_key"]
    assert first["dedupe_key"] != reworded["dedupe_key"]


def _graph_message(**overrides) -> dict:
    message = {
        "internetMessageId": "<AAMk.1@outlook.example.com>",
        "conversationId": "AAQk-conv-1",
        "sentDateTime": "2024-03-01T09:15:00Z",
        "subject": SECRET_SUBJECT,
        "from": {"emailAddress": {"address": "Ada@Example.com", "name": "Ada Lovelace"}},
        "toRecipients": [
            {"emailAddress": {"address": "bob@client.io", "name": "Bob Builder"}},
            {"emailAddress": {"address": "carol@client.io", "name": "carol@client.io"}},
            {"emailAddress": {"name": "Exchange only, no address"}},
        ],
        "ccRecipients": [{"emailAddress": {"address": "dan@partner.org"}}],
        "bccRecipients": [{"emailAddress": {"address": "eve@example.com", "name": "Eve"}}],
    }
    message.update(overrides)
    return message


def test_graph_line_gives_the_full_record():
    result = parse_graph_line(json.dumps(_graph_message()).encode(), "landing/graph/day/part-0.jsonl", 3)
    record = dict(result.record)

    assert len(record.pop("dedupe_key")) == 64
    assert record == {
        "source_file": "landing/graph/day/part-0.jsonl",
        "position": 3,
        "format": "graph",
        "mailbox": None,
        "message_id": "AAMk.1@outlook.example.com",
        "thread_id": "AAQk-conv-1",
        "sent_at": datetime(2024, 3, 1, 9, 15, tzinfo=UTC),
        "sender_email": "ada@example.com",
        "sender_name": "Ada Lovelace",
        "to_emails": ["bob@client.io", "carol@client.io"],
        "cc_emails": ["dan@partner.org"],
        "bcc_emails": ["eve@example.com"],
        "display_names": {"ada@example.com": "Ada Lovelace", "bob@client.io": "Bob Builder"},
        "automated_reason": None,
    }


def test_graph_and_rfc5322_copies_share_the_dedupe_key():
    graph = parse_graph_line(json.dumps(_graph_message()), "g.jsonl", 1).record

    assert graph["dedupe_key"] == _record(PLAIN)["dedupe_key"]


def test_graph_sender_fallback_and_header_evidence():
    message = _graph_message(
        **{"from": None},
        sender={"emailAddress": {"address": "noreply@tool.io"}},
        internetMessageHeaders=[{"name": "List-Id", "value": "<l.tool.io>"}],
    )
    record = parse_graph_line(json.dumps(message), "g.jsonl", 1).record

    assert (record["sender_email"], record["sender_name"]) == ("noreply@tool.io", None)
    assert record["automated_reason"] == "list_id"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (json.dumps(_graph_message())[:80], "bad_json"),
        (b"[1, 2, 3]", "bad_json"),
        (b'"a string"', "bad_json"),
        (json.dumps(_graph_message(sentDateTime=None)), "missing_date"),
        (json.dumps(_graph_message(sentDateTime="yesterday")), "bad_date"),
        (json.dumps(_graph_message(**{"from": {}})), "no_sender"),
        (
            json.dumps(_graph_message(toRecipients=[], ccRecipients="x", bccRecipients=None)),
            "no_relationship",
        ),
    ],
)
def test_bad_graph_lines_are_quarantined(line, reason):
    result = parse_graph_line(line, "g.jsonl", 1)

    assert (result.record, result.reason) == (None, reason)


def test_graph_file_numbers_non_blank_lines():
    good = json.dumps(_graph_message()).encode()
    results = list(parse_graph_file(b"\n".join([good, b"", b"{truncated", b"   ", good]), "g.jsonl"))

    assert [(r.record or {}).get("position") for r in results] == [1, None, 5]
    assert [r.reason for r in results] == [None, "bad_json", None]


def test_subject_never_appears_in_the_record():
    graph = parse_graph_line(json.dumps(_graph_message()), "g.jsonl", 1).record
    for record in (_record(PLAIN), graph):
        assert SECRET_SUBJECT.lower() not in repr(record).lower()
        assert "nightingale" not in repr(record).lower()


@pytest.mark.skipif(not ENRON_FIXTURE.is_file(), reason=f"Enron fixture not found at {ENRON_FIXTURE}")
def test_every_enron_fixture_file_parses_without_raising():
    results = []
    with tarfile.open(ENRON_FIXTURE) as archive:
        for member in archive:
            if member.isfile() and "/maildir/" in f"/{member.name}":
                results.append(parse_rfc5322(archive.extractfile(member).read(), member.name))

    records = [result.record for result in results if result.record]
    assert {result.reason for result in results} <= {None, *REASONS}
    assert len(records) >= MIN_ENRON_ACCEPTED_SHARE * len(results)
    assert {record["mailbox"] for record in records} == {"arnold-j", "badeer-r", "cuilla-m"}
    assert all(record["sent_at"].tzinfo is UTC for record in records)
