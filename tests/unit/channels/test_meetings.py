"""Calendar extract and meeting interactions: .ics files landed on two days -> bronze rows -> interactions.

Exercises wkw.sources.calendar (Spark tasks parse the landed files) and wkw.channels.meetings
(dedupe of copies by UID and series slot, cancellations, declines, filters, opt-out, reconciliation).

Run: .venv/bin/python -m pytest tests/unit/channels/test_meetings.py -q
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from support.paths import DATA
from wkw.channels.meetings import meeting_interactions
from wkw.channels.reconciliation import reconciliation
from wkw.schemas import INTERACTION, QUARANTINE
from wkw.sources.calendar import MEETING_RECORD, extract_calendar

AS_OF = date(2026, 11, 20)
DAY_BEFORE = date(2026, 11, 19)
ALICE, FRANK, HENRY = "alice.martin@contoso.com", "frank.li@contoso.com", "henry.ng@contoso.com"
BOB, CAROL, ERIN = "bob.jones@fabrikam.com", "carol.white@fabrikam.com", "erin@northwind.example"
IVAN, JUDY, DAVE = "ivan.petrov@tailspin.example", "judy.kim@tailspin.example", "dave@northwind.example"
SERIES_UID = (
    "040000008200E00074C5B7101A82E00800000000D0A1B2C3D4E5D8010000000000000000"
    "10000000A1B2C3D4E5F60718293A4B5C6D7E8F90"
)
TOWN_HALL_GUESTS = 26
ORGANIZER_ALICE = "ORGANIZER;CN=Alice Martin:mailto:alice.martin@contoso.com\n"
# Bob's calendar, exported the day before: stale or cancelled-later copies of Alice's meetings, and more.
BOB_EXPORT = (
    "BEGIN:VCALENDAR\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\nVERSION:2.0\n"
    "METHOD:PUBLISH\n"
    # 1: the series before Alice moved the 4 November occurrence (no override in this copy)
    f"BEGIN:VEVENT\nUID:{SERIES_UID}\nSEQUENCE:1\n{ORGANIZER_ALICE}"
    "DTSTART;TZID=Europe/Berlin:20261007T100000\nDTEND;TZID=Europe/Berlin:20261007T103000\n"
    "RRULE:FREQ=WEEKLY;COUNT=8;BYDAY=WE\nEXDATE;TZID=Europe/Berlin:20261021T100000\n"
    f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{BOB}\nATTENDEE;PARTSTAT=DECLINED:mailto:{CAROL}\n"
    f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{FRANK}\nEND:VEVENT\n"
    # 2: an older SEQUENCE of Erin's review, when Bob was invited too
    "BEGIN:VEVENT\nUID:q4-review-7f3e@northwind.example\nSEQUENCE:1\nORGANIZER;CN=Erin Novak:mailto:"
    f"{ERIN}\nDTSTART:20261116T160000Z\nDURATION:PT45M\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{ALICE}\n"
    f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{BOB}\nEND:VEVENT\n"
    # 3: the lunch before Alice cancelled it (SEQUENCE 0)
    f"BEGIN:VEVENT\nUID:lunch-dave-20261112@contoso.com\nSEQUENCE:0\n{ORGANIZER_ALICE}"
    f"DTSTART:20261112T140000Z\nDTEND:20261112T150000Z\nATTENDEE;CN=Dave Park:mailto:{DAVE}\nEND:VEVENT\n"
    # 4: a town hall: 27 participants
    f"BEGIN:VEVENT\nUID:town-hall@contoso.com\n{ORGANIZER_ALICE}DTSTART:20261117T150000Z\n"
    + "".join(f"ATTENDEE:mailto:guest{n:02d}@fabrikam.com\n" for n in range(1, TOWN_HALL_GUESTS + 1))
    + "END:VEVENT\n"
    # 5: organised by a colleague who opted out
    "BEGIN:VEVENT\nUID:frank-bob@contoso.com\nORGANIZER;CN=Frank Li:mailto:frank.li@contoso.com\n"
    f"DTSTART:20261118T120000Z\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{BOB}\nEND:VEVENT\n"
    # 6: Henry declined: no colleague takes part
    f"BEGIN:VEVENT\nUID:tailspin-only@tailspin.example\nORGANIZER;CN=Ivan Petrov:mailto:{IVAN}\n"
    "DTSTART:20261119T150000Z\nATTENDEE;PARTSTAT=DECLINED:mailto:henry.ng@contoso-labs.example\n"
    f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{JUDY}\nEND:VEVENT\n"
    # 7: planned after the logical date
    f"BEGIN:VEVENT\nUID:next-week@contoso.com\n{ORGANIZER_ALICE}DTSTART:20261121T100000Z\n"
    f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{BOB}\nEND:VEVENT\n"
    "END:VCALENDAR\n"
)
ADDRESSES = [
    (ALICE, ALICE, False, True),
    (HENRY, HENRY, False, True),
    ("henry.ng@contoso-labs.example", HENRY, False, True),  # an alias outside the internal domains
    (FRANK, FRANK, True, True),  # opted out: withheld
]


def _land(settings, day: date, files: dict[str, bytes]) -> None:
    folder = Path(settings.landing_dir("calendar", day.isoformat()))
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)


@pytest.fixture(scope="module")
def landed(spark, make_settings, tmp_path_factory):
    """Bronze meetings of two ingest days, their extract counts, and the directory's addresses."""
    settings = make_settings(tmp_path_factory.mktemp("meetings"))
    _land(settings, DAY_BEFORE, {"bob.jones.ics": BOB_EXPORT.replace("\n", "\r\n").encode()})
    _land(settings, AS_OF, {p.name: p.read_bytes() for p in sorted((DATA / "calendar").glob("*.ics"))})
    day_before, day_before_bad, day_before_counts = extract_calendar(spark, settings, DAY_BEFORE)
    today, today_bad, today_counts = extract_calendar(spark, settings, AS_OF)
    meetings = day_before.unionByName(today).cache()
    counts = day_before_counts.unionByName(today_counts).cache()
    return {
        "settings": settings,
        "meetings": meetings,
        "today": today,
        "quarantined": day_before_bad.unionByName(today_bad),
        "counts": counts,
        "addresses": spark.createDataFrame(
            ADDRESSES, "address string, colleague_email string, withheld boolean, active boolean"
        ),
    }


@pytest.fixture(scope="module")
def scored(landed):
    """Per logical date: the interactions, the outcomes and the reconciliation row, computed once."""
    results = {}
    for as_of in (DAY_BEFORE, AS_OF):
        interactions, outcomes = meeting_interactions(
            landed["meetings"], landed["addresses"], as_of, landed["settings"]
        )
        outcomes = outcomes.cache()
        [balance] = reconciliation(outcomes, landed["counts"], as_of).collect()
        results[as_of] = {
            "interactions": interactions,
            "touches": interactions.collect(),
            "outcomes": outcomes,
            "balance": balance,
        }
    return results


def _touches(rows) -> list[tuple]:
    return sorted(
        (r.event_at, r.colleague_email, r.contact_email, r.contact_name, r.direction, r.audience)
        for r in rows
    )


def _outcomes(outcomes) -> dict[tuple, str | None]:
    return {
        (r.ingest_date, Path(r.source_file).name, r.position): r.filter_reason for r in outcomes.collect()
    }


def test_extract_gives_one_bronze_row_per_vevent(landed):
    today = landed["today"]
    rows = {(Path(r.source_file).name, r.position): r for r in today.collect()}

    assert today.columns == ["ingest_date", *(field.name for field in MEETING_RECORD)]
    assert {f.name: f.dataType for f in today.schema} == {
        "ingest_date": today.schema["ingest_date"].dataType,
        **{f.name: f.dataType for f in MEETING_RECORD},
    }
    assert sorted(rows) == [("google_export.ics", n) for n in range(1, 6)] + [
        ("outlook_export.ics", n) for n in range(1, 6)
    ]
    series = rows[("outlook_export.ics", 1)]
    assert [(o.start, o.minutes) for o in series.occurrences] == [
        (datetime(2026, 10, 7, 8), 30),
        (datetime(2026, 10, 14, 8), 30),
        (datetime(2026, 10, 28, 9), 30),
        (datetime(2026, 11, 11, 9), 30),
        (datetime(2026, 11, 18, 9), 30),
    ]
    assert [(a.email, a.partstat) for a in series.attendees] == [
        (BOB, "ACCEPTED"),
        (CAROL, "DECLINED"),
        (FRANK, "ACCEPTED"),
    ]
    assert (series.ingest_date, series.uid, series.sequence, series.dropped_attendees) == (
        AS_OF,
        SERIES_UID,
        1,
        1,
    )
    assert rows[("outlook_export.ics", 2)].recurrence_id == datetime(2026, 11, 4, 9)
    assert rows[("outlook_export.ics", 3)].status == "CANCELLED"
    assert [(o.start, o.minutes) for o in rows[("google_export.ics", 1)].occurrences] == [
        (datetime(2026, 11, 9), 2880)
    ]
    assert landed["quarantined"].count() == 0
    assert [
        (r.ingest_date, r.source, r.read, r.accepted, r.quarantined) for r in landed["counts"].collect()
    ] == [
        (DAY_BEFORE, "calendar", 7, 7, 0),
        (AS_OF, "calendar", 10, 10, 0),
    ]


def test_meeting_interactions_seen_from_the_colleague(scored):
    interactions, rows = scored[AS_OF]["interactions"], scored[AS_OF]["touches"]
    bob, carol, erin = (BOB, "Jones, Bob"), (CAROL, "White, Carol"), (ERIN, "Erin Novak")
    ivan, judy = (IVAN, "Ivan Petrov"), (JUDY, "Judy Kim")
    series = [datetime(2026, 10, 7, 8), datetime(2026, 10, 14, 8), datetime(2026, 10, 28, 9)]
    series += [datetime(2026, 11, 11, 9), datetime(2026, 11, 18, 9)]

    assert interactions.columns == [field.name for field in INTERACTION]
    assert [f.dataType for f in interactions.schema] == [f.dataType for f in INTERACTION]
    assert _touches(rows) == sorted(
        [(at, ALICE, *bob, "sent", 2) for at in series]  # Frank (withheld) counts in the audience only
        + [
            (datetime(2026, 11, 5, 13), ALICE, *bob, "sent", 3),  # the override, with Carol attending
            (datetime(2026, 11, 5, 13), ALICE, *carol, "sent", 3),
            (datetime(2026, 11, 16, 16), ALICE, *erin, "received", 2),  # SEQUENCE 2: Bob no longer invited
            (datetime(2026, 11, 9, 0), HENRY, *ivan, "sent", 1),  # all-day, through Henry's alias
            (datetime(2026, 11, 10, 15), HENRY, *ivan, "sent", 1),  # floating time
            (datetime(2026, 11, 13, 14), HENRY, *ivan, "received", 2),  # Karl declined
            (datetime(2026, 11, 13, 14), HENRY, *judy, "received", 2),
            (datetime(2026, 11, 18, 17), HENRY, *ivan, "received", 1),
        ]
    )
    rows = [row for row in rows if row.contact_email == ERIN]
    expected_id = hashlib.sha256(b"meeting|q4-review-7f3e@northwind.example|2026-11-16T16:00:00Z").hexdigest()
    assert [(r.interaction_id, r.event_date, r.channel) for r in rows] == [
        (expected_id, date(2026, 11, 16), "meeting")
    ]


def test_every_record_gets_one_outcome(scored):
    outcomes = scored[AS_OF]["outcomes"]
    bob, outlook, google = "bob.jones.ics", "outlook_export.ics", "google_export.ics"

    assert outcomes.columns == ["ingest_date", "source", "source_file", "position", "filter_reason"]
    assert {r.source for r in outcomes.collect()} == {"calendar"}
    assert _outcomes(outcomes) == {
        (DAY_BEFORE, bob, 1): "duplicate",  # stale series: later export and the override win every slot
        (DAY_BEFORE, bob, 2): "duplicate",  # lower SEQUENCE
        (DAY_BEFORE, bob, 3): "duplicate",  # lost to the cancelled copy
        (DAY_BEFORE, bob, 4): "too_many_attendees",
        (DAY_BEFORE, bob, 5): "opted_out",
        (DAY_BEFORE, bob, 6): "no_colleague",
        (DAY_BEFORE, bob, 7): "outside_window",  # after the logical date
        (AS_OF, outlook, 1): None,
        (AS_OF, outlook, 2): None,
        (AS_OF, outlook, 3): "cancelled",
        (AS_OF, outlook, 4): None,
        (AS_OF, outlook, 5): "internal_only",
        (AS_OF, google, 1): None,
        (AS_OF, google, 2): None,
        (AS_OF, google, 3): None,
        (AS_OF, google, 4): "outside_window",  # March 2024
        (AS_OF, google, 5): None,
    }


def test_reconciliation_adds_up_for_each_day(scored):
    today, day_before = scored[AS_OF]["balance"], scored[DAY_BEFORE]["balance"]

    assert (today.read, today.accepted, today.filtered, today.quarantined, today.balanced) == (
        10,
        7,
        3,
        0,
        True,
    )
    assert dict(today.filtered_by) == {"cancelled": 1, "internal_only": 1, "outside_window": 1}
    assert (day_before.read, day_before.accepted, day_before.filtered, day_before.balanced) == (7, 3, 4, True)
    assert dict(day_before.filtered_by) == {
        "too_many_attendees": 1,
        "opted_out": 1,
        "no_colleague": 1,
        "outside_window": 1,
    }


def test_a_later_ingest_does_not_leak_into_an_earlier_logical_date(scored):
    series = [datetime(2026, 10, 7, 8), datetime(2026, 10, 14, 8), datetime(2026, 10, 28, 9)]
    series += [datetime(2026, 11, 4, 9), datetime(2026, 11, 11, 9), datetime(2026, 11, 18, 9)]

    assert _touches(scored[DAY_BEFORE]["touches"]) == sorted(
        [(at, ALICE, BOB, None, "sent", 2) for at in series]  # the old time of the moved meeting
        + [
            (datetime(2026, 11, 16, 16), ALICE, ERIN, "Erin Novak", "received", 2),
            (datetime(2026, 11, 16, 16), ALICE, BOB, None, "received", 2),
            (datetime(2026, 11, 12, 14), ALICE, DAVE, "Dave Park", "sent", 1),  # not yet cancelled
        ]
    )


def test_bad_corpus_is_quarantined_and_reconciles(spark, settings, landed):
    files = {p.name: p.read_bytes() for p in sorted((DATA / "bad" / "calendar").iterdir())}
    _land(settings, AS_OF, {**files, "notes.txt": b"not a calendar export"})
    shutil.copy(
        DATA / "calendar" / "google_export.ics",
        Path(settings.landing_dir("calendar", AS_OF.isoformat())) / "G.ICS",
    )
    accepted, quarantined, counts = extract_calendar(spark, settings, AS_OF)
    _, outcomes = meeting_interactions(accepted, landed["addresses"], AS_OF, settings)
    [balance] = reconciliation(outcomes, counts, AS_OF).collect()

    assert quarantined.columns == [field.name for field in QUARANTINE]
    assert sorted((Path(r.source_file).name, r.position, r.reason) for r in quarantined.collect()) == [
        ("absurd_rrule.ics", 1, "bad_recurrence"),
        ("absurd_rrule.ics", 2, "bad_recurrence"),
        ("absurd_rrule.ics", 3, "bad_recurrence"),
        ("absurd_rrule.ics", 4, "bad_recurrence"),
        ("binary.ics", 0, "not_a_calendar"),
        ("empty.ics", 0, "empty_file"),
        ("no_attendees.ics", 2, "bad_address"),  # 1 (a personal event) is filtered: no_relationship
        ("no_dtstart.ics", 1, "missing_start"),
        ("no_dtstart.ics", 3, "bad_start"),
        ("no_organizer.ics", 2, "bad_address"),  # 1 (attendees, no ORGANIZER) is kept
        ("not_a_calendar.ics", 0, "not_a_calendar"),
        ("notes.txt", 0, "unknown_format"),
        ("truncated.ics", 0, "not_a_calendar"),
    ]
    assert {r.source for r in quarantined.collect()} == {"calendar"}
    assert sorted((Path(r.source_file).name, r.position) for r in accepted.collect()) == [
        ("G.ICS", n) for n in range(1, 6)
    ] + [("absurd_rrule.ics", 5), ("bad_cn_bytes.ics", 1), ("no_dtstart.ics", 2), ("no_organizer.ics", 1)]
    assert (balance.read, balance.accepted, balance.filtered, balance.quarantined) == (23, 7, 3, 13)
    assert balance.balanced and dict(balance.filtered_by) == {
        "no_colleague": 1,  # no_organizer.ics 1: only Bob, external, attends
        "no_relationship": 1,  # no_attendees.ics 1: a personal event, filtered at extract
        "outside_window": 1,
    }
