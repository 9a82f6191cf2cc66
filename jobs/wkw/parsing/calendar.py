"""Turn one iCalendar (.ics) export into one meeting record per VEVENT: who, when, how long, what status.

Pure Python (`icalendar` reads the file, `recurring-ical-events` expands RRULE / RDATE / EXDATE and moves
an occurrence to the RECURRENCE-ID VEVENT that overrides it), so a Spark stage can call it per file in
`mapPartitions`. Only metadata is returned: UID, SEQUENCE, STATUS, organizer and attendees (address,
display name, PARTSTAT) and the occurrences that start in the analysed window; SUMMARY, DESCRIPTION,
LOCATION and every other free text are never read out. Nothing raises: a VEVENT that cannot be accepted
gets a quarantine reason, and a file that is not a usable calendar gets one result at position 0. A valid
VEVENT with nobody but its organizer (a personal event, a holiday) gets NO_RELATIONSHIP, which extract
counts as filtered, not quarantined; one with attendees and no ORGANIZER is kept, organizer None.

Times: a TZID (an Olson name, a Windows name like "W. Europe Standard Time", or the file's VTIMEZONE) is
honoured; floating times and TZIDs that cannot be resolved are taken as UTC; an all-day (DATE) event
starts at 00:00 UTC and lasts 1440 minutes per day; a DATE-TIME event without DTEND or DURATION lasts 0
minutes (RFC 5545); a DATE at one end and a DATE-TIME at the other is read as midnight of that day in
the other end's zone. Rooms and resources (CUTYPE=ROOM / RESOURCE) are not people: they are left out of
the attendees, as are invalid addresses, and `dropped_attendees` counts both. Placing events in time
(recurrence expansion, UTC, minutes) is done by `wkw.parsing.calendar_recurrence`.

    from wkw.parsing.calendar import parse_ics
    for position, result in parse_ics(path.read_bytes(), str(path), window_start, window_end): ...
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from icalendar import Calendar

from wkw.parsing.addresses import clean_address, clean_name
from wkw.parsing.calendar_recurrence import (
    MAX_OCCURRENCES,
    POSITION_TAG,
    align_date_types,
    expand,
    is_recurring,
    property_text,
    start_problem,
    to_utc,
)
from wkw.parsing.details import error_name
from wkw.parsing.headers import FALLBACK_CHARSET
from wkw.parsing.mail import ParseResult
from wkw.vocabulary import (
    BAD_ADDRESS,
    BAD_END,
    BAD_RECURRENCE,
    BAD_START,
    DETAIL_MAX_CHARS,
    EMPTY_FILE,
    MISSING_START,
    NO_RELATIONSHIP,
    NOT_A_CALENDAR,
    PARSE_ERROR,
)

# Quarantine reasons, and NO_RELATIONSHIP: a valid entry with nobody but its organizer (filtered).
REASONS = (
    EMPTY_FILE,
    NOT_A_CALENDAR,
    MISSING_START,
    BAD_START,
    BAD_END,
    BAD_ADDRESS,
    BAD_RECURRENCE,
    PARSE_ERROR,
    NO_RELATIONSHIP,
)

CONFIRMED, TENTATIVE, CANCELLED = "CONFIRMED", "TENTATIVE", "CANCELLED"
STATUS_SPELLINGS = {CONFIRMED: CONFIRMED, TENTATIVE: TENTATIVE, CANCELLED: CANCELLED, "CANCELED": CANCELLED}
METHOD_CANCEL = "CANCEL"  # an iTIP cancellation notice: its events are cancelled unless they say otherwise
DEFAULT_PARTSTAT = "NEEDS-ACTION"
NOT_PEOPLE = frozenset({"ROOM", "RESOURCE"})
SNIFF_BYTES = 4096
SURROGATE_ESCAPE_BASE = 0xDC00

_FOLD_RE = re.compile(rb"\r?\n[ \t]")
_ESCAPED_BYTE_RE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, as surrogateescape keeps them
_MAILTO_RE = re.compile(r"^\s*mailto:", re.IGNORECASE)


class _Rejected(Exception):
    """Raised inside the parser to quarantine a VEVENT or the whole file with a reason."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def parse_ics(
    data: bytes, source_file: str, window_start: datetime, window_end: datetime
) -> Iterator[tuple[int, ParseResult]]:
    """(position, result) per VEVENT in file order (1-based), or one (0, quarantine) for an unusable file.

    Occurrences are those starting in [window_start, window_end) (aware datetimes, UTC).
    """
    try:
        calendars = _calendars(data)
    except _Rejected as rejected:
        yield 0, _rejection(rejected.reason, rejected.detail)
        return
    except Exception as exc:  # the contract is to quarantine, never to fail the Spark task
        yield 0, _rejection(PARSE_ERROR, error_name(exc))
        return
    position = 0
    for calendar in calendars:
        method = property_text(calendar.get("METHOD")) or ""
        events = []
        for event in calendar.walk("VEVENT"):
            position += 1
            event[POSITION_TAG] = str(position)
            # A garbled SEQUENCE would stop the expansion of its whole series: read it as 0 up front.
            event["SEQUENCE"] = _sequence(event.get("SEQUENCE"))
            align_date_types(event)
            events.append((position, event))
        try:
            found, failed = expand(calendar, events, window_start, window_end)
        except Exception as exc:  # never expected: quarantine this calendar's events rather than fail
            found, failed = (
                {},
                {number: (PARSE_ERROR, error_name(exc)) for number, _ in events},
            )
        for number, event in events:
            yield number, _guarded(event, number, source_file, method.upper(), found, failed)


def _rejection(reason: str, detail: str | None) -> ParseResult:
    return ParseResult(reason=reason, detail=detail[:DETAIL_MAX_CHARS] if detail else None)


def _calendars(data: bytes) -> list[Calendar]:
    if not data.strip():
        raise _Rejected(EMPTY_FILE)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = data.decode("utf-16", "replace").encode("utf-8")
    if b"\x00" in data[:SNIFF_BYTES]:
        raise _Rejected(NOT_A_CALENDAR, "NUL byte in the first bytes")
    text = _decode(data.removeprefix(codecs.BOM_UTF8))
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise _Rejected(NOT_A_CALENDAR, "no BEGIN:VCALENDAR at the start")
    if not text.rstrip().upper().endswith("END:VCALENDAR"):
        raise _Rejected(NOT_A_CALENDAR, "truncated: no END:VCALENDAR at the end")
    try:
        return Calendar.from_ical(text, multiple=True)
    except ValueError as exc:
        raise _Rejected(NOT_A_CALENDAR, error_name(exc)) from exc


def _decode(data: bytes) -> str:
    """Unfold first (a fold may split a UTF-8 sequence), then decode UTF-8; a stray byte is read as cp1252."""
    text = _FOLD_RE.sub(b"", data).decode("utf-8", "surrogateescape")
    return _ESCAPED_BYTE_RE.sub(_from_fallback, text)


def _from_fallback(match: re.Match) -> str:
    return bytes([ord(match.group()) - SURROGATE_ESCAPE_BASE]).decode(FALLBACK_CHARSET, "replace")


def _guarded(event, position, source_file, method, found, failed) -> ParseResult:
    try:
        return ParseResult(record=_record(event, position, source_file, method, found, failed))
    except _Rejected as rejected:
        return _rejection(rejected.reason, rejected.detail)
    except Exception as exc:  # the contract is to quarantine, never to fail the Spark task
        return _rejection(PARSE_ERROR, error_name(exc))


def _record(event, position: int, source_file: str, method: str, found, failed) -> dict[str, Any]:
    problem = start_problem(event)
    if problem is not None:
        raise _Rejected(*problem)
    start = event.start
    # No ORGANIZER is no defect when attendees are named (they met each other; nobody "sent" it); one that
    # is not an address is. Nobody but the organizer (a personal event, a holiday): valid, no relationship.
    organizer_email, organizer_name = _party(event.get("ORGANIZER"))
    if organizer_email is None and event.get("ORGANIZER") is not None:
        raise _Rejected(BAD_ADDRESS, _detail("ORGANIZER", event.get("ORGANIZER")))
    attendees, dropped, invalid = _attendees(event.get("ATTENDEE"))
    if not attendees and invalid:
        raise _Rejected(BAD_ADDRESS, f"{invalid} attendees not usable addresses")
    if not attendees:
        raise _Rejected(NO_RELATIONSHIP)
    if position in failed:
        raise _Rejected(*failed[position])
    occurrences = found.get(position, [])
    if len(occurrences) > MAX_OCCURRENCES:
        raise _Rejected(BAD_RECURRENCE, f"{len(occurrences)} occurrences in the window")
    recurrence_id = event.get("RECURRENCE-ID")
    return {
        "source_file": source_file,
        "position": position,
        "uid": property_text(event.get("UID")) or _made_up_uid(organizer_email, start, attendees),
        "sequence": _sequence(event.get("SEQUENCE")),
        "recurrence_id": to_utc(recurrence_id.dt) if recurrence_id is not None else None,
        "status": _status(event.get("STATUS"), method),
        "organizer_email": organizer_email,
        "organizer_name": organizer_name,
        "attendees": attendees,
        "occurrences": occurrences,
        "is_recurring": is_recurring(event),
        "dropped_attendees": dropped,
    }


def _party(value: Any) -> tuple[str | None, str | None]:
    """(address, display name) of an ORGANIZER or ATTENDEE value."""
    if isinstance(value, list):  # a property given twice: the first one counts
        value = value[0] if value else None
    if value is None:
        return None, None
    email = clean_address(_MAILTO_RE.sub("", str(value)))
    params = getattr(value, "params", {})
    return email, clean_name(params.get("CN")) if email else None


def _attendees(values: Any) -> tuple[list[dict[str, str | None]], int, int]:
    """People attending, first mention of each address kept, how many entries were left out, and how many
    of those were not usable addresses (the others: rooms and resources)."""
    attendees: dict[str, dict[str, str | None]] = {}
    dropped = invalid = 0
    for value in values if isinstance(values, list) else [values] if values is not None else []:
        params = getattr(value, "params", {})
        email, name = _party(value)
        invalid += email is None
        if email is None or str(params.get("CUTYPE", "")).strip().upper() in NOT_PEOPLE:
            dropped += 1
            continue
        partstat = str(params.get("PARTSTAT") or DEFAULT_PARTSTAT).strip().upper()
        attendees.setdefault(email, {"email": email, "name": name, "partstat": partstat})
    return list(attendees.values()), dropped, invalid


def _status(value: Any, method: str) -> str:
    status = (property_text(value) or "").upper()
    if not status and method == METHOD_CANCEL:
        return CANCELLED
    return STATUS_SPELLINGS.get(status, CONFIRMED)


def _sequence(value: Any) -> int:
    try:
        return int(value) if value is not None else 0
    except (TypeError, ValueError):
        return 0


def _made_up_uid(organizer: str | None, start: date, attendees: list[dict[str, str | None]]) -> str:
    """A stable stand-in for a missing UID: copies of one meeting in several exports still match."""
    emails = ",".join(sorted(str(attendee["email"]) for attendee in attendees))
    key = f"{organizer}|{to_utc(start).isoformat()}|{emails}"
    return "no-uid-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _detail(name: str, value: Any) -> str:
    return f"{name} missing" if value is None else f"{name} not a usable address"
