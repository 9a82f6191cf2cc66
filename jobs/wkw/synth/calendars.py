"""iCalendar exports of the synthetic company's meetings for `wkw generate`: `calendar/<D>/<mailbox>.ics`,
one per colleague, written with `icalendar`, plus two malformed files a real landing folder also holds.

Each colleague's file holds a copy of every meeting they organise or are invited to (wkw.synth.meetings
`holders`), a moved occurrence as a RECURRENCE-ID override next to its series, and the VTIMEZONE of every
zone used. Called by wkw.synth.company.

    folder = out / "calendar" / day
    counts, malformed = write_calendars(rng, out, folder, meetings, people, stray, end, domain)
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event, vCalAddress

from wkw.synth.meetings import ACCEPTED, KINDS, MEETING_MINUTES, START_HOURS, Meeting, holders
from wkw.synth.people import Colleague, Person
from wkw.synth.timeline import local_zone

PRODID = "-//Contoso//wkw generate//EN"
ICS_SUFFIX = ".ics"
SHARED_SUFFIX = "-shared"  # the second, interrupted export of one colleague's calendar
TIMEZONE_YEARS = 1  # VTIMEZONE transitions written for the end date's year and the years either side


def _address(person: Person, answer: str | None = None, role: str = "REQ-PARTICIPANT") -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = person.name
    if answer is not None:
        address.params.update({"CUTYPE": "INDIVIDUAL", "ROLE": role, "PARTSTAT": answer})
    return address


def vevent(meeting: Meeting, stamp: datetime, override: bool = False, stale: bool = False) -> Event:
    """One VEVENT: the series (or single meeting), or the override of its moved occurrence.

    `stale` is an attendee's copy of a cancelled meeting, still the confirmed invitation of SEQUENCE 0.
    """
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", stamp)
    start = meeting.moved_to() if override else meeting.start
    if override:
        event.add("recurrence-id", meeting.occurrence(meeting.moved))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=meeting.minutes))
    if meeting.weeks and not override:
        rule = {"freq": "weekly", "interval": meeting.weeks} if meeting.weeks > 1 else {"freq": "weekly"}
        last = meeting.occurrence(meeting.count - 1).astimezone(UTC)
        rule |= {"until": last} if meeting.until else {"count": meeting.count}
        event.add("rrule", rule)
        if meeting.exdate is not None:
            event.add("exdate", meeting.occurrence(meeting.exdate))
    is_cancelled = meeting.cancelled and not stale
    event.add("sequence", 1 if override or is_cancelled else 0)
    event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
    event.add("summary", meeting.summary)
    event.add("organizer", _address(meeting.organizer))
    if meeting.attendees:  # Outlook and Google list the organizer among the attendees, as the chair
        event.add("attendee", _address(meeting.organizer, ACCEPTED, "CHAIR"))
    for person, answer in meeting.attendees:
        event.add("attendee", _address(person, answer))
    return event


def calendar(owner: Colleague, events: list[Event], end: date) -> Calendar:
    """A PUBLISH export holding `events`, with the VTIMEZONE of every zone they use."""
    export = Calendar()
    export.add("prodid", PRODID)
    export.add("version", "2.0")
    export.add("method", "PUBLISH")
    export.add("x-wr-calname", owner.name)
    for event in events:
        export.add_component(event)
    export.add_missing_timezones(date(end.year - TIMEZONE_YEARS, 1, 1), date(end.year + TIMEZONE_YEARS, 1, 1))
    # The library adds the zones in set order, which changes from one process to the next: sort them.
    zones = sorted(export.walk("VTIMEZONE"), key=lambda zone: str(zone["TZID"]))
    export.subcomponents = zones + [part for part in export.subcomponents if part.name != "VTIMEZONE"]
    return export


def _copies(meetings: list[Meeting], colleagues: list[Colleague], stamp: datetime) -> dict[str, list]:
    """Each mailbox's VEVENTs as (start, uid, kind, event), in calendar order."""
    mailbox_of = {c.email: c.mailbox for c in colleagues}
    by_mailbox: dict[str, list] = {c.mailbox: [] for c in colleagues}
    for meeting in meetings:
        for mailbox in holders(meeting, mailbox_of):
            stale = mailbox != mailbox_of.get(meeting.organizer.email)
            at = meeting.start.astimezone(UTC)
            by_mailbox[mailbox].append(
                (at, meeting.uid, 0, meeting.kind, vevent(meeting, stamp, stale=stale))
            )
            if meeting.moved is not None:
                event = vevent(meeting, stamp, override=True)
                by_mailbox[mailbox].append((at, meeting.uid, 1, meeting.kind, event))
    return {mailbox: sorted(copies, key=lambda copy: copy[:3]) for mailbox, copies in by_mailbox.items()}


def _stray(owner: Colleague, guest: Person | None, end: date, stamp: datetime, domain: str) -> Event:
    """A meeting outside the plan (so outside the truth), the raw material of the malformed files."""
    day = end - timedelta(days=1)
    attendees = [(guest, ACCEPTED)] if guest is not None else []
    start = datetime(day.year, day.month, day.day, START_HOURS[0], tzinfo=local_zone(owner.offset))
    uid = f"stray-{owner.mailbox}-{'invite' if guest else 'hold'}@{domain}"
    return vevent(Meeting("stray", uid, "Hold", owner, tuple(attendees), start, MEETING_MINUTES[0]), stamp)


def write_calendars(
    rng: random.Random,
    out: Path,
    folder: Path,
    meetings: list[Meeting],
    colleagues: list[Colleague],
    stray: Person,
    end: date,
    domain: str,
) -> tuple[dict[str, int], list[dict]]:
    """`folder/<mailbox>.ics` per colleague; returns VEVENTs written per kind and the malformed files.

    Planted defects: a VEVENT without DTSTART at the end of one colleague's calendar (quarantined at its
    position) and a second export of another colleague cut in the middle (the whole file).
    """
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime(end.year, end.month, end.day, tzinfo=UTC)
    by_email = sorted(colleagues, key=lambda colleague: colleague.email)
    copies = _copies(meetings, colleagues, stamp)
    no_start, truncated = rng.choice(by_email), rng.choice(by_email)
    written = Counter({kind: 0 for kind in KINDS})
    malformed = []
    for owner in by_email:
        events = [copy[-1] for copy in copies[owner.mailbox]]
        written.update(copy[3] for copy in copies[owner.mailbox])
        path = folder / f"{owner.mailbox}{ICS_SUFFIX}"
        if owner is no_start:
            events.append(_stray(owner, stray, end, stamp, domain))
            events[-1].pop("DTSTART")
            entry = {"path": path.relative_to(out).as_posix(), "defect": "missing_start"}
            malformed.append(entry | {"position": len(events)})
        path.write_bytes(calendar(owner, events, end).to_ical())
    text = calendar(truncated, [_stray(truncated, stray, end, stamp, domain)], end).to_ical()
    path = folder / f"{truncated.mailbox}{SHARED_SUFFIX}{ICS_SUFFIX}"
    path.write_bytes(text[: len(text) // 2])
    malformed.append({"path": path.relative_to(out).as_posix(), "defect": "truncated_calendar"})
    return dict(written), malformed
