"""No quarantine detail holds an address or a name from its input: bad mail, calendar, address-book,
directory and call records, each carrying a person, are quarantined with position, reason and a
description only (docs/privacy.md)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from wkw.parsing.calendar import parse_ics
from wkw.parsing.mail import parse_graph_line, parse_rfc5322
from wkw.sources.address_book import extract_address_book
from wkw.sources.calls import extract_calls
from wkw.sources.people import extract_crm

AS_OF = date(2026, 11, 26)
# The people of the bad inputs: none of these may appear in any detail, in any case.
PEOPLE = ["Ann Berg", "ann.berg", "Zoe Quist", "zoe.quist", "Cy Orr", "cy.orr", "Dee Lund", "dee.lund"]
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))

BAD_MAIL = [
    b"From: Ann Berg <ann.berg@contoso.com>\nTo: zoe.quist@fabrikam.com\nDate: Ann Berg at noon\n\n",
    b"From: ann.berg@contoso.com\nTo: zoe.quist@fabrikam.com\nDate: Mon, 45 Zoe Quist 2026\n\n",
]
BAD_GRAPH = [
    json.dumps({"sentDateTime": "Zoe Quist <zoe.quist@fabrikam.com>", "from": "x"}).encode(),
    b'{"from": {"emailAddress": {"address": "ann.berg@contoso.com", "name": "Ann Berg"}}, "sentDateTime": ',
]
EVENT = "BEGIN:VEVENT\r\nUID:u{n}\r\nDTSTART:20261001T100000Z\r\n{lines}END:VEVENT\r\n"
BAD_CALENDARS = [
    # An ORGANIZER that is not an address, with a name.
    EVENT.format(
        n=1, lines="ORGANIZER;CN=Ann Berg:mailto:ann.berg(at)contoso\r\nATTENDEE:mailto:cy.orr@x.com\r\n"
    ),
    # An end that is no time: the library's message would quote the value.
    EVENT.format(
        n=2, lines="ORGANIZER:mailto:cy.orr@x.com\r\nDTEND:Zoe Quist\r\nATTENDEE:mailto:dee@x.com\r\n"
    ),
]


def _calendar(events: str) -> bytes:
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{events}END:VCALENDAR\r\n".encode()


def _land(settings, source: str, name: str, text: str) -> None:
    folder = Path(settings.landing_dir(source, AS_OF.isoformat()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def _named(details: list[str | None]) -> list[str]:
    return [detail for detail in details if detail and any(p.lower() in detail.lower() for p in PEOPLE)]


def test_parser_details_name_no_one():
    details = [parse_rfc5322(mail, "x.eml").detail for mail in BAD_MAIL]
    details += [parse_graph_line(line, "x.jsonl", 1).detail for line in BAD_GRAPH]
    for events in BAD_CALENDARS:
        details += [result.detail for _, result in parse_ics(_calendar(events), "x.ics", *WINDOW)]
    assert all(details), details  # every one was quarantined, with a detail
    assert _named(details) == []
    assert details[:2] == ["Date unparsable", "Date unparsable"]
    assert details[4] == "ORGANIZER not a usable address"


def test_source_details_name_no_one(spark, settings):
    _land(
        settings,
        "address_book",
        "books.csv",
        "owner,contact_email,contact_name\nAnn Berg,zoe.quist@fabrikam.com,Zoe Quist\n"
        "ann.berg@contoso.com,Cy Orr <cy.orr at fabrikam>,Cy Orr\n",
    )
    _land(
        settings,
        "crm",
        "crm.csv",
        "id,type,email,name,company\nl1,lead,Dee Lund dee.lund@adatum,Dee Lund,Adatum\n",
    )
    _land(
        settings,
        "calls",
        "calls.csv",
        "call_id,caller,callee,start,duration_seconds,direction\n"
        "c1,Ann Berg,zoe.quist@fabrikam.com,2026-10-05T10:00:00Z,60,outbound\n"
        "c2,ann.berg@contoso.com,zoe.quist@fabrikam.com,Cy Orr,60,outbound\n"
        "c3,ann.berg@contoso.com,zoe.quist@fabrikam.com,2026-10-05T10:00:00Z,Dee Lund,outbound\n"
        "c4,ann.berg@contoso.com,zoe.quist@fabrikam.com,2026-13-45T10:00:00Z,60,outbound\n",
    )
    rows = []
    for extract in (extract_address_book, extract_crm, extract_calls):
        _, quarantined, _ = extract(spark, settings, AS_OF)
        rows += [(row.reason, row.detail) for row in quarantined.orderBy("source_file", "position").collect()]
    assert _named([detail for _, detail in rows]) == []
    assert rows == [
        ("bad_email", "owner is not an address"),
        ("bad_email", "contact_email is not an address"),
        ("bad_email", "the email field is not an address"),
        ("bad_address", "caller is not an address"),
        ("bad_start", "start is not a time"),
        ("bad_duration", "duration_seconds is not seconds"),
        ("bad_start", "start '2026-13-45T10:00:00Z' is not a time"),  # a date is kept: it names no one
    ]
