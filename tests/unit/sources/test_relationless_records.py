"""Quarantine is for broken input: a valid record that names no relationship (a personal calendar entry, a
holiday, a draft) is filtered at extract as `no_relationship` and counted, and each quarantine reason says
what is wrong. Before, 5,924 of 5,997 VEVENTs of real calendar exports sat in quarantine as `no_organizer`,
an all-day DTSTART with a timed DTEND was `missing_start`, and a draft was quarantined `no_recipients`.

Decided: an event with attendees and no ORGANIZER is kept (its people met each other; nobody "sent" it, so
every colleague in it "received" it); an ORGANIZER or recipient that is not an address is `bad_address`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from wkw.channels.meetings import meeting_interactions
from wkw.channels.reconciliation import reconciliation
from wkw.parsing.calendar import parse_ics
from wkw.parsing.mail import parse_graph_line, parse_rfc5322
from wkw.sources.calendar import extract_calendar
from wkw.sources.mail import extract_mail

AS_OF = date(2026, 11, 20)
WINDOW = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC))
ALICE, BOB, CAROL = "alice.martin@contoso.com", "bob.jones@fabrikam.com", "carol.white@fabrikam.com"


def _vevent(uid: str, *lines: str) -> str:
    return "BEGIN:VEVENT\n" + f"UID:{uid}\n" + "".join(f"{line}\n" for line in lines) + "END:VEVENT\n"


PERSONAL = (
    "BEGIN:VCALENDAR\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\nVERSION:2.0\n"
    # 1: a personal event: no ORGANIZER, no ATTENDEE
    + _vevent("dentist@google.com", "DTSTART:20261116T070000Z", "DTEND:20261116T080000Z", "SUMMARY:Dentist")
    # 2: a holiday: all-day, the calendar owner as organizer, nobody else
    + _vevent(
        "holiday@google.com",
        "DTSTART;VALUE=DATE:20261119",
        "DTEND;VALUE=DATE:20261120",
        f"ORGANIZER:mailto:{ALICE}",
    )
    # 3: attendees and no ORGANIZER: the relationship is there
    + _vevent(
        "no-organizer@google.com",
        "DTSTART:20261117T100000Z",
        "DTEND:20261117T110000Z",
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ALICE}",
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{BOB}",
    )
    # 4: an all-day DTSTART with a timed DTEND (RFC 5545 wants one type; exporters mix them)
    + _vevent(
        "mixed@google.com",
        "DTSTART;VALUE=DATE:20261118",
        "DTEND:20261118T103000Z",
        f"ORGANIZER:mailto:{ALICE}",
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{CAROL}",
    )
    # 5: broken: the organizer is a name, not an address
    + _vevent(
        "bad-organizer@google.com",
        "DTSTART:20261117T120000Z",
        "ORGANIZER;CN=Alice Martin:mailto:Alice Martin",
        f"ATTENDEE:mailto:{BOB}",
    )
    # 6: broken: a DTSTART that is no date
    + _vevent("garbled@google.com", "DTSTART:2026-11-16 around ten", f"ORGANIZER:mailto:{ALICE}")
    + "END:VCALENDAR\n"
).replace("\n", "\r\n")

DRAFT = (
    b"Message-ID: <draft@contoso.com>\nDate: Tue, 17 Nov 2026 14:00:00 +0000\nFrom: ann@contoso.com\n\nx\n"
)
UNDISCLOSED = DRAFT.replace(b"From:", b"To: undisclosed-recipients:;\nFrom:")
NAME_ONLY = DRAFT.replace(b"From:", b"To: Houston Outage Report\nFrom:")
SENT = DRAFT.replace(b"From:", b"To: bob@fabrikam.com\nFrom:")


def _parsed() -> dict[int, object]:
    return dict(parse_ics(PERSONAL.encode(), "personal.ics", *WINDOW))


def test_an_event_with_nobody_but_its_organizer_is_no_relationship_not_a_defect():
    results = _parsed()

    assert [(results[n].reason, results[n].record) for n in (1, 2)] == [("no_relationship", None)] * 2


def test_attendees_without_organizer_are_kept_with_no_organizer():
    record = _parsed()[3].record

    assert record is not None and record["organizer_email"] is None
    assert [a["email"] for a in record["attendees"]] == [ALICE, BOB]
    assert record["occurrences"] == [{"start": datetime(2026, 11, 17, 10, tzinfo=UTC), "minutes": 60}]


def test_a_date_start_with_a_timed_end_is_read_from_midnight_not_quarantined():
    result = _parsed()[4]

    assert result.reason is None
    assert result.record["occurrences"] == [{"start": datetime(2026, 11, 18, tzinfo=UTC), "minutes": 630}]


def test_quarantine_reasons_name_the_defect():
    results = _parsed()

    assert results[5].reason == "bad_address" and "ORGANIZER" in results[5].detail
    assert results[6].reason == "bad_start" and "around ten" in results[6].detail


def test_a_draft_is_no_relationship_and_a_recipient_that_is_no_address_is_bad_address():
    graph_draft = {"sentDateTime": "2026-11-17T14:00:00Z", "from": {"emailAddress": {"address": ALICE}}}
    graph_bad = graph_draft | {
        "toRecipients": [{"emailAddress": {"name": "Bob", "address": "bob at fabrikam"}}]
    }

    assert [parse_rfc5322(data, "x.eml").reason for data in (DRAFT, UNDISCLOSED, NAME_ONLY, SENT)] == [
        "no_relationship",
        "no_relationship",
        "bad_address",
        None,
    ]
    assert parse_graph_line(json.dumps(graph_draft), "m.jsonl", 1).reason == "no_relationship"
    assert parse_graph_line(json.dumps(graph_bad), "m.jsonl", 1).reason == "bad_address"


def _land(settings, source: str, files: dict[str, bytes]) -> None:
    folder = Path(settings.landing_dir(source, AS_OF.isoformat()))
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)


def test_calendar_filtered_records_are_counted_and_reconcile(spark, settings):
    _land(settings, "calendar", {"personal.ics": PERSONAL.encode()})
    accepted, quarantined, counts = extract_calendar(spark, settings, AS_OF)
    addresses = spark.createDataFrame(
        [(ALICE, ALICE, False, True)],
        "address string, colleague_email string, withheld boolean, active boolean",
    )
    interactions, outcomes = meeting_interactions(accepted, addresses, AS_OF, settings)
    [balance] = reconciliation(outcomes, counts, AS_OF).collect()
    [count] = counts.collect()

    assert sorted((r.position, r.reason) for r in quarantined.collect()) == [
        (5, "bad_address"),
        (6, "bad_start"),
    ]
    assert (count.read, count.accepted, count.filtered, count.quarantined) == (6, 2, 2, 2)
    assert dict(count.filtered_by) == {"no_relationship": 2}
    assert (balance.read, balance.accepted, balance.filtered, balance.quarantined) == (6, 2, 2, 2)
    assert balance.balanced and dict(balance.filtered_by) == {"no_relationship": 2}
    touches = sorted((r.colleague_email, r.contact_email, r.direction) for r in interactions.collect())
    assert touches == [(ALICE, BOB, "received"), (ALICE, CAROL, "sent")]


def test_a_draft_is_filtered_and_counted(spark, settings):
    _land(settings, "mail", {"draft.eml": DRAFT, "sent.eml": SENT, "name_only.eml": NAME_ONLY})
    accepted, quarantined, counts = extract_mail(spark, settings, AS_OF)
    [count] = counts.collect()

    assert [r.reason for r in quarantined.collect()] == ["bad_address"]
    assert [r.to_emails for r in accepted.collect()] == [["bob@fabrikam.com"]]
    assert (count.read, count.accepted, count.filtered, count.quarantined) == (3, 1, 1, 1)
    assert dict(count.filtered_by) == {"no_relationship": 1}
