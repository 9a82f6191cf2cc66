"""Exports written by other tools: a UTF-8 byte order mark before the first header, line or separator,
and a year written `0001`. Before: the BOM made an .eml quarantine as missing_date, hid the first mbox
separator and turned the first Graph line into bad_json; `0001` was read as 2001."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from wkw.parsing.mail import parse_graph_file, parse_rfc5322
from wkw.parsing.mbox import iter_mbox

BOM = b"\xef\xbb\xbf"
MESSAGE = b"Date: Thu, 19 Nov 2026 16:45:00 +0000\nFrom: bob@fabrikam.com\nTo: ann@contoso.com\n\nbody\n"


def test_an_eml_with_a_byte_order_mark_parses():
    result = parse_rfc5322(BOM + MESSAGE, "landing/mail/x.eml")
    assert result.reason is None
    assert result.record["sent_at"] == datetime(2026, 11, 19, 16, 45, tzinfo=UTC)
    assert result.record["sender_email"] == "bob@fabrikam.com"


def test_an_mbox_with_a_byte_order_mark_keeps_its_first_message():
    data = BOM + b"From bob@fabrikam.com Thu Nov 19 16:45:00 2026\n" + MESSAGE
    data += b"From carol@adatum.com Fri Nov 20 09:00:00 2026\n" + MESSAGE.replace(
        b"bob@fabrikam", b"carol@adatum"
    )
    messages = list(iter_mbox(data))
    assert [line for line, _ in messages] == [1, 7]
    senders = [parse_rfc5322(body, "x.mbox", line).record["sender_email"] for line, body in messages]
    assert senders == ["bob@fabrikam.com", "carol@adatum.com"]


def test_the_first_graph_line_after_a_byte_order_mark_is_json():
    line = {
        "id": "m1",
        "sentDateTime": "2026-11-19T16:45:00Z",
        "from": {"emailAddress": {"address": "bob@fabrikam.com", "name": "Bob"}},
        "toRecipients": [{"emailAddress": {"address": "ann@contoso.com"}}],
    }
    [result] = list(parse_graph_file(BOM + json.dumps(line).encode() + b"\n", "landing/mail/x.jsonl"))
    assert result.reason is None and result.record["sender_email"] == "bob@fabrikam.com"


def test_a_year_written_0001_is_a_bad_date_not_2001():
    result = parse_rfc5322(MESSAGE.replace(b"Nov 2026", b"Nov 0001"), "landing/mail/x.eml")
    assert result.reason == "bad_date" and result.record is None
    assert parse_rfc5322(MESSAGE.replace(b"2026", b"2001"), "x.eml").record["sent_at"].year == 2001
