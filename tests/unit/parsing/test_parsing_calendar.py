"""Unit tests of wkw.parsing.calendar: one meeting record or quarantine reason per VEVENT (no Spark).

Run: .venv/bin/python -m pytest tests/unit/parsing/test_parsing_calendar.py -q
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.paths import DATA
from wkw.parsing.calendar import REASONS, parse_ics

OUTLOOK = DATA / "calendar" / "outlook_export.ics"
GOOGLE = DATA / "calendar" / "google_export.ics"
BAD = DATA / "bad" / "calendar"
# The window of logical date 2026-11-20: a year back, two days of grace after it.
WINDOW = (datetime(2025, 11, 20, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
FREE_TEXT = (
    "Fabrikam contract renewal",
    "Agenda",
    "Teams",
    "Room 4.12",
    "Lunch",
    "Offsite",
    "Coffee",
    "Harbor",
)
SERIES_UID = (
    "040000008200E00074C5B7101A82E00800000000D0A1B2C3D4E5D8010000000000000000"
    "10000000A1B2C3D4E5F60718293A4B5C6D7E8F90"
)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _results(data: bytes, window=WINDOW, source: str = "x.ics") -> list[tuple[int, object]]:
    return list(parse_ics(data, source, *window))


def _records(path: Path) -> dict[int, dict]:
    results = _results(path.read_bytes(), source=str(path))
    assert all(result.reason is None for _, result in results), [(p, r.reason, r.detail) for p, r in results]
    return {position: result.record for position, result in results}


def _ics(*events: str, head: str = "") -> bytes:
    text = "BEGIN:VCALENDAR\nVERSION:2.0\n" + head + "".join(events) + "END:VCALENDAR\n"
    return text.replace("\n", "\r\n").encode()


def _event(uid: str = "m1@contoso.com", extra: str = "", start: str = "DTSTART:20261116T100000Z\n") -> str:
    return (
        f"BEGIN:VEVENT\nUID:{uid}\n{start}ORGANIZER;CN=Alice:mailto:alice@contoso.com\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@fabrikam.com\n{extra}END:VEVENT\n"
    )


def test_outlook_weekly_series_with_exdate_override_and_timezone():
    records = _records(OUTLOOK)
    master, override = records[1], records[2]

    assert master["uid"] == override["uid"] == SERIES_UID
    assert master["is_recurring"] and override["is_recurring"]
    # W. Europe: 10:00 is 08:00 UTC in summer time, 09:00 UTC after 25 October; 21 Oct is an EXDATE,
    # 4 Nov belongs to the override (moved to Thursday 5 Nov 14:00), 25 Nov is after the window.
    assert master["occurrences"] == [
        {"start": _utc(2026, 10, 7, 8), "minutes": 30},
        {"start": _utc(2026, 10, 14, 8), "minutes": 30},
        {"start": _utc(2026, 10, 28, 9), "minutes": 30},
        {"start": _utc(2026, 11, 11, 9), "minutes": 30},
        {"start": _utc(2026, 11, 18, 9), "minutes": 30},
    ]
    assert override["occurrences"] == [{"start": _utc(2026, 11, 5, 13), "minutes": 60}]
    assert (master["recurrence_id"], override["recurrence_id"]) == (None, _utc(2026, 11, 4, 9))
    assert (master["sequence"], override["sequence"]) == (1, 2)
    assert (master["organizer_email"], master["organizer_name"]) == (
        "alice.martin@contoso.com",
        "Martin, Alice",
    )
    assert master["attendees"] == [
        {"email": "bob.jones@fabrikam.com", "name": "Jones, Bob", "partstat": "ACCEPTED"},
        {"email": "carol.white@fabrikam.com", "name": "White, Carol", "partstat": "DECLINED"},
        {"email": "frank.li@contoso.com", "name": "Frank Li", "partstat": "ACCEPTED"},
    ]
    assert master["dropped_attendees"] == 1  # the meeting room (CUTYPE=RESOURCE)
    assert [a["partstat"] for a in override["attendees"]] == ["ACCEPTED", "ACCEPTED", "TENTATIVE"]
    assert (master["source_file"], master["position"], override["position"]) == (str(OUTLOOK), 1, 2)


def test_outlook_cancelled_external_organizer_and_internal_meeting():
    records = _records(OUTLOOK)
    lunch, review, one_on_one = records[3], records[4], records[5]

    assert (lunch["status"], lunch["sequence"]) == ("CANCELLED", 1)
    assert lunch["attendees"] == [
        {"email": "dave@northwind.example", "name": "Dave Park", "partstat": "NEEDS-ACTION"}
    ]
    assert (review["organizer_email"], review["status"], review["is_recurring"]) == (
        "erin@northwind.example",
        "CONFIRMED",
        False,
    )
    assert review["occurrences"] == [{"start": _utc(2026, 11, 16, 16), "minutes": 45}]  # DURATION:PT45M
    assert review["dropped_attendees"] == 1  # invalid:nomail
    assert [a["email"] for a in review["attendees"]] == [
        "erin@northwind.example",
        "alice.martin@contoso.com",
        "frank.li@contoso.com",
    ]
    assert one_on_one["occurrences"] == [{"start": _utc(2026, 11, 17, 8), "minutes": 30}]


def test_google_all_day_tzid_floating_past_and_open_ended_events():
    records = _records(GOOGLE)

    assert records[1]["occurrences"] == [{"start": _utc(2026, 11, 9), "minutes": 2 * 1440}]
    assert records[2]["occurrences"] == [{"start": _utc(2026, 11, 13, 14), "minutes": 60}]  # 09:00 EST
    assert records[2]["attendees"] == [
        {"email": "henry.ng@contoso-labs.example", "name": "Henry Ng", "partstat": "ACCEPTED"},
        {"email": "judy.kim@tailspin.example", "name": "Judy Kim", "partstat": "NEEDS-ACTION"},
        {"email": "karl@tailspin.example", "name": "Karl Berg", "partstat": "DECLINED"},
    ]
    assert records[3]["occurrences"] == [{"start": _utc(2026, 11, 10, 15), "minutes": 30}]  # floating: UTC
    assert records[4]["occurrences"] == []  # March 2024: before the window
    assert records[5]["occurrences"] == [{"start": _utc(2026, 11, 18, 17), "minutes": 0}]  # no DTEND
    assert records[5]["status"] == "TENTATIVE"
    assert records[3]["sequence"] == 0 and records[3]["status"] == "CONFIRMED"


def test_no_free_text_is_returned():
    for path in (OUTLOOK, GOOGLE):
        for record in _records(path).values():
            text = repr(record)
            assert not [word for word in FREE_TEXT if word in text], text
            assert set(record) == {
                "source_file", "position", "uid", "sequence", "recurrence_id", "status", "organizer_email",
                "organizer_name", "attendees", "occurrences", "is_recurring", "dropped_attendees",
            }  # fmt: skip


def test_window_start_is_inclusive_and_end_exclusive():
    window = (_utc(2026, 10, 14, 8), _utc(2026, 11, 18, 9))
    results = dict(_results(OUTLOOK.read_bytes(), window))

    assert [o["start"] for o in results[1].record["occurrences"]] == [
        _utc(2026, 10, 14, 8),
        _utc(2026, 10, 28, 9),
        _utc(2026, 11, 11, 9),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("empty.ics", [(0, "empty_file")]),
        ("binary.ics", [(0, "not_a_calendar")]),
        ("truncated.ics", [(0, "not_a_calendar")]),
        ("not_a_calendar.ics", [(0, "not_a_calendar")]),
        ("no_attendees.ics", [(1, "no_relationship"), (2, "bad_address")]),
        ("no_organizer.ics", [(1, None), (2, "bad_address")]),
        ("no_dtstart.ics", [(1, "missing_start"), (2, None), (3, "bad_start")]),
        ("bad_cn_bytes.ics", [(1, None)]),
        (
            "absurd_rrule.ics",
            [
                (1, "bad_recurrence"),
                (2, "bad_recurrence"),
                (3, "bad_recurrence"),
                (4, "bad_recurrence"),
                (5, None),
            ],
        ),
    ],
)
def test_bad_corpus_is_quarantined_per_vevent_or_per_file(name, expected):
    results = _results((BAD / name).read_bytes(), source=name)

    assert [(position, result.reason) for position, result in results] == expected
    assert all(result.reason in REASONS for _, result in results if result.record is None)
    assert all((result.record is None) != (result.reason is None) for _, result in results)


def test_bad_corpus_details_and_survivors():
    truncated = _results((BAD / "truncated.ics").read_bytes())
    dropped = _results((BAD / "no_attendees.ics").read_bytes())
    survivor = dict(_results((BAD / "absurd_rrule.ics").read_bytes()))[5].record

    assert truncated[0][1].detail == "truncated: no END:VCALENDAR at the end"
    assert dropped[1][1].detail == "1 attendees not usable addresses"  # and a room
    assert [o["start"] for o in survivor["occurrences"]] == [
        _utc(2026, 11, 2, 9),
        _utc(2026, 11, 9, 9),
        _utc(2026, 11, 16, 9),
    ]


def test_undecodable_bytes_in_cn_keep_the_event_and_a_readable_name():
    record = _results((BAD / "bad_cn_bytes.ics").read_bytes())[0][1].record

    assert [(a["email"], a["name"]) for a in record["attendees"]] == [
        ("rene.dupont@fabrikam.com", "René Dupont"),  # Latin-1 byte read as cp1252
        ("juergen.mueller@fabrikam.com", "J\ufffdrgen Müller"),  # a byte no code page maps, then UTF-8
    ]


def test_status_method_sequence_uid_and_duplicate_attendees():
    data = _ics(
        _event("a@x", "SEQUENCE:seven\nATTENDEE;PARTSTAT=declined:MAILTO:Bob@Fabrikam.com\n"),
        _event("b@x", "STATUS:CANCELED\n"),
        _event("", "ATTENDEE:mailto:carol@fabrikam.com\n").replace("UID:\n", ""),
        head="METHOD:CANCEL\n",
    )
    copy = _ics(_event("", "ATTENDEE:mailto:carol@fabrikam.com\n").replace("UID:\n", ""))
    records = {position: result.record for position, result in _results(data)}

    assert (records[1]["status"], records[1]["sequence"]) == ("CANCELLED", 0)  # METHOD:CANCEL, bad SEQUENCE
    assert records[1]["attendees"] == [{"email": "bob@fabrikam.com", "name": None, "partstat": "ACCEPTED"}]
    assert records[2]["status"] == "CANCELLED"  # the US spelling
    assert records[3]["uid"].startswith("no-uid-")
    assert records[3]["uid"] == _results(copy)[0][1].record["uid"]  # copies of a UID-less event still match
    assert [a["email"] for a in records[3]["attendees"]] == ["bob@fabrikam.com", "carol@fabrikam.com"]


def test_a_bad_master_rule_does_not_spoil_its_override_and_positions_run_across_calendars():
    master = _event("s@x", "RRULE:FREQ=WEEKLY;BYDAY=XX;COUNT=bad\n")
    override = _event("s@x", "RECURRENCE-ID:20261123T100000Z\n", start="DTSTART:20261120T150000Z\n")
    data = _ics(master, override) + _ics(_event("t@x"))
    results = _results(data)

    assert [(position, result.reason) for position, result in results] == [
        (1, "bad_recurrence"),
        (2, None),
        (3, None),
    ]
    assert results[1][1].record["occurrences"] == [{"start": _utc(2026, 11, 20, 15), "minutes": 0}]
    assert results[1][1].record["recurrence_id"] == _utc(2026, 11, 23, 10)


def test_utf16_export_with_byte_order_mark():
    data = _ics(_event()).decode().encode("utf-16")

    assert [(position, result.reason) for position, result in _results(data)] == [(1, None)]


def test_never_raises_on_truncated_or_mangled_files():
    data = OUTLOOK.read_bytes()
    for cut in range(0, len(data), 97):
        for mangled in (data[:cut], data[:cut] + b"\r\nEND:VCALENDAR\r\n", data[cut:]):
            for position, result in _results(mangled):
                assert (result.record is None) != (result.reason is None)
                assert result.reason is None or result.reason in REASONS
                assert position >= 0


def test_second_master_under_one_uid_keeps_its_own_occurrence_and_override_order_does_not_matter():
    weekly = _event("w@x", "RRULE:FREQ=WEEKLY;COUNT=3\n", start="DTSTART:20261102T100000Z\n")
    override = _event("w@x", "RECURRENCE-ID:20261109T100000Z\n", start="DTSTART:20261110T160000Z\n")
    data = _ics(override, weekly, _event("w@x", start="DTSTART:20261120T080000Z\n"))
    records = {position: result.record for position, result in _results(data)}

    assert records[1]["occurrences"] == [{"start": _utc(2026, 11, 10, 16), "minutes": 0}]
    assert [o["start"] for o in records[2]["occurrences"]] == [_utc(2026, 11, 2, 10), _utc(2026, 11, 16, 10)]
    assert records[3]["occurrences"] == [{"start": _utc(2026, 11, 20, 8), "minutes": 0}]
