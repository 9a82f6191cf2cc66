"""Meetings of the synthetic company for `wkw generate`, planted from the seed's own random stream, and
their iCalendar exports: `calendar/<D>/<mailbox>.ics`, one per colleague, written with `icalendar`.

Kinds, as counted in truth.json (`meetings`: VEVENTs written, every calendar copy and override included):
- strong: per strong tie, a weekly or biweekly series between the colleague and the contact (either one
  organises, both accept; now and then the contact's other strong colleague is invited too), ending by
  COUNT or UNTIL inside the window, with one EXDATE and one occurrence moved by a RECURRENCE-ID override;
- declined: a weak or one-way contact invited once, who declined (the meeting counts for nobody);
- cancelled: a strong tie's meeting with a second colleague, cancelled by the organizer (SEQUENCE 1) while
  the second colleague's export still holds the confirmed invitation (SEQUENCE 0);
- internal: a weekly team sync per department, and one-off meetings between colleagues;
- town_hall: an executive's all-hands with every colleague and external guests, too many people to count.
Moderate ties get no meeting and weak ones only declined invitations: a meeting that counts makes a tie
two-way and weighs 1.5 (docs/strength.md), which would lift it out of its band. Times are set in the
organizer's zone (wkw.synth.timeline.local_zone), with the VTIMEZONE of every zone used.
A copy of a meeting sits in the calendar of each colleague taking part, so the pipeline must dedupe it.

    meetings = plan_meetings(rng, people, ties, guests, first, last, domain)
    counts, malformed = write_calendars(rng, out, out / "calendar" / day, meetings, people, end)
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar, Event, vCalAddress

from wkw.synth.people import Colleague, Contact, Person
from wkw.synth.ties import Tie
from wkw.synth.timeline import FRIDAY, local_zone, random_day

KINDS = ("strong", "declined", "cancelled", "internal", "town_hall")
ACCEPTED, DECLINED, TENTATIVE, NEEDS_ACTION = "ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION"
COLLEAGUE_ANSWERS = (ACCEPTED, ACCEPTED, TENTATIVE, NEEDS_ACTION)
MAX_MEETING_ATTENDEES = 25  # conf/wkw.toml [filters] max_meeting_attendees: a town hall has more people
START_HOURS = (9, 17)  # local start hour, [start, end)
HALF_HOURS = (0, 30)
MEETING_MINUTES = (30, 45, 60)
TOWN_HALL_MINUTES = 60
SERIES_WEEKS = (1, 2)
MIN_SERIES_OCCURRENCES = 3  # fewer (a window under three weeks) and a series has no EXDATE nor override
CONTACT_ORGANISES_CHANCE = 0.3
UNTIL_CHANCE = 0.5
PARTNER_CHANCE = 0.3
PLANTED_SHARE = 8  # one weak tie in eight gets a declined invitation, one strong tie in eight a cancelled one
MIN_PLANTED = 2
SECOND_COLLEAGUE_CHANCE = 0.5  # a declined meeting with another colleague who accepted
INTERNAL_SIZES = (2, 4)  # people in a one-off internal meeting
TOWN_HALLS = 2
VISITOR_DOMAIN = "events.fabrikam.com"  # town-hall guests beyond the contacts nobody knows
UID_BYTES = 16
PRODID = "-//Contoso//wkw generate//EN"
ICS_SUFFIX = ".ics"
ISO_UTC = "%Y-%m-%dT%H:%M:%SZ"
SHARED_SUFFIX = "-shared"  # the second, interrupted export of one colleague's calendar
TIMEZONE_YEARS = 1  # VTIMEZONE transitions written for the end date's year and the years either side
SUMMARIES = {
    "strong": "Weekly check-in with {company}",
    "declined": "Introduction call: {company}",
    "cancelled": "Review with {company}",
    "internal": "Team sync",
    "town_hall": "Town hall",
}


@dataclass(frozen=True)
class Meeting:
    kind: str
    uid: str
    summary: str
    organizer: Person
    attendees: tuple[tuple[Person, str], ...]  # (person, PARTSTAT); the organizer is not among them
    start: datetime  # the first occurrence, in the organizer's zone
    minutes: int
    weeks: int = 0  # 0: a single meeting, else the interval of a weekly series
    count: int = 1  # occurrences the rule yields, the excluded one included
    until: bool = False  # the rule ends by UNTIL rather than COUNT
    exdate: int | None = None  # index of the occurrence removed by EXDATE
    moved: int | None = None  # index of the occurrence moved by an override
    cancelled: bool = False

    def occurrence(self, index: int) -> datetime:
        """The index-th start of the rule, wall-clock time in the organizer's zone (DST-aware)."""
        return self.start + timedelta(weeks=self.weeks * index)

    def moved_to(self) -> datetime:
        """The moved occurrence: a day later, or a day earlier when it falls on a Friday."""
        original = self.occurrence(self.moved)
        return original + timedelta(days=-1 if original.weekday() == FRIDAY else 1)

    def occurrences(self) -> list[datetime]:
        """Every start the meeting has, the EXDATE left out and the override in place of its original."""
        starts = [self.occurrence(i) for i in range(self.count) if i != self.exdate]
        if self.moved is not None:
            starts[starts.index(self.occurrence(self.moved))] = self.moved_to()
        return sorted(starts)

    def people(self) -> tuple[Person, ...]:
        """Who takes part: the organizer and every attendee who did not decline."""
        return (self.organizer, *(person for person, answer in self.attendees if answer != DECLINED))


class Planner:
    """Meetings of one company over the window [first, last] (working days), with seeded ids and times."""

    def __init__(self, rng: random.Random, first: date, last: date, domain: str):
        self.rng, self.first, self.last, self.domain = rng, first, last, domain
        self.meetings: list[Meeting] = []

    def _at(self, day: date, organizer: Person) -> datetime:
        hour = self.rng.randrange(*START_HOURS)
        minute = self.rng.choice(HALF_HOURS)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=local_zone(organizer.offset))

    def add(self, kind: str, organizer: Person, attendees: list, summary: str, **series) -> Meeting:
        day = series.pop("day", None) or random_day(self.rng, self.first, self.last)
        minutes = series.pop("minutes", None) or self.rng.choice(MEETING_MINUTES)
        uid = f"{self.rng.randbytes(UID_BYTES).hex()}@{self.domain}"
        start = self._at(day, organizer)
        meeting = Meeting(kind, uid, summary, organizer, tuple(attendees), start, minutes, **series)
        self.meetings.append(meeting)
        return meeting

    def series(self) -> dict:
        """Start day and rule of a weekly series that ends inside the window, with its EXDATE and override."""
        span = (self.last - self.first).days
        weeks = self.rng.choice(SERIES_WEEKS)
        if span < 7 * weeks * (MIN_SERIES_OCCURRENCES - 1):
            weeks = 1
        room = 7 * weeks * (MIN_SERIES_OCCURRENCES - 1)
        latest = self.first + timedelta(days=max(0, min(7 * weeks - 1, span - room)))
        day = random_day(self.rng, self.first, latest)
        count = (self.last - day).days // (7 * weeks) + 1
        rule = {"day": day, "weeks": weeks, "count": count, "until": self.rng.random() < UNTIL_CHANCE}
        if count >= MIN_SERIES_OCCURRENCES:
            # The override is neither the first nor the last occurrence, so a day's move stays inside.
            moved = self.rng.randrange(1, count - 1)
            rule |= {"moved": moved, "exdate": self.rng.choice([i for i in range(1, count) if i != moved])}
        return rule


def _answer(rng: random.Random) -> str:
    return rng.choice(COLLEAGUE_ANSWERS)


def _strong(planner: Planner, strong: list[Tie], partners: dict[str, list[Colleague]]) -> None:
    for tie in strong:
        contact_organises = planner.rng.random() < CONTACT_ORGANISES_CHANCE
        organizer, guest = (tie.contact, tie.colleague) if contact_organises else (tie.colleague, tie.contact)
        attendees = [(guest, ACCEPTED)]
        others = [c for c in partners[tie.contact.email] if c != tie.colleague]
        if others and planner.rng.random() < PARTNER_CHANCE:
            attendees.append((others[0], ACCEPTED))
        summary = SUMMARIES["strong"].format(company=tie.contact.company)
        planner.add("strong", organizer, attendees, summary, **planner.series())


def _planted(rng: random.Random, ties: list[Tie]) -> list[Tie]:
    return rng.sample(ties, min(len(ties), max(MIN_PLANTED, len(ties) // PLANTED_SHARE)))


def _declined(planner: Planner, loose: list[Tie], colleagues: list[Colleague]) -> None:
    for tie in _planted(planner.rng, loose):
        attendees = [(tie.contact, DECLINED)]
        if planner.rng.random() < SECOND_COLLEAGUE_CHANCE:
            other = planner.rng.choice([c for c in colleagues if c != tie.colleague])
            attendees.append((other, ACCEPTED))
        summary = SUMMARIES["declined"].format(company=tie.contact.company)
        planner.add("declined", tie.colleague, attendees, summary)


def _cancelled(planner: Planner, strong: list[Tie], visible: list[Colleague]) -> None:
    """The second colleague is visible and has no planted tie to count it: a counted cancellation shows."""
    for tie in _planted(planner.rng, strong):
        other = planner.rng.choice([c for c in visible if c != tie.colleague])
        attendees = [(tie.contact, ACCEPTED), (other, ACCEPTED)]
        summary = SUMMARIES["cancelled"].format(company=tie.contact.company)
        planner.add("cancelled", tie.colleague, attendees, summary, cancelled=True)


def _internal(planner: Planner, colleagues: list[Colleague]) -> None:
    """A weekly sync per department of two or more, and one-off meetings (one per two colleagues)."""
    departments = defaultdict(list)
    for colleague in sorted(colleagues, key=lambda c: c.email):
        departments[colleague.department].append(colleague)
    for department, members in sorted(departments.items()):
        if len(members) > 1:
            attendees = [(member, _answer(planner.rng)) for member in members[1:]]
            summary = f"{SUMMARIES['internal']}: {department}"
            planner.add("internal", members[0], attendees, summary, **planner.series())
    for _ in range(max(MIN_PLANTED, len(colleagues) // 2)):
        size = min(len(colleagues), planner.rng.randint(*INTERNAL_SIZES))
        organizer, *others = planner.rng.sample(colleagues, size)
        attendees = [(other, _answer(planner.rng)) for other in others]
        planner.add("internal", organizer, attendees, SUMMARIES["internal"])


def _visitors(guests: list[Contact], needed: int, domain: str) -> list[Person]:
    """External guests: the contacts nobody knows first, then made-up visitors of an events agency."""
    made_up = [Person(f"visitor{n}@{domain}", f"Visitor {n}", 0) for n in range(1, needed + 1)]
    return [*guests, *made_up][:needed]


def _town_halls(planner: Planner, colleagues: list[Colleague], guests: list[Contact]) -> None:
    host = next(c for c in colleagues if "executive" in c.roles and c.active)
    audience = [(c, _answer(planner.rng)) for c in sorted(colleagues, key=lambda c: c.email) if c != host]
    needed = max(1, MAX_MEETING_ATTENDEES + 1 - len(colleagues))  # colleagues and guests exceed the limit
    visitors = _visitors(guests, needed, VISITOR_DOMAIN)
    for _ in range(TOWN_HALLS):
        attendees = audience + [(visitor, ACCEPTED) for visitor in visitors]
        planner.add("town_hall", host, attendees, SUMMARIES["town_hall"], minutes=TOWN_HALL_MINUTES)


def plan_meetings(
    rng: random.Random,
    colleagues: list[Colleague],
    ties: list[Tie],
    guests: list[Contact],
    first: date,
    last: date,
    domain: str,
) -> list[Meeting]:
    """Every meeting of the window [first, last]; `guests` are contacts nobody knows (town-hall guests)."""
    planner = Planner(rng, first, last, domain)
    strong = [tie for tie in ties if tie.kind == "strong"]
    partners = defaultdict(list)
    for tie in strong:
        partners[tie.contact.email].append(tie.colleague)
    visible = [c for c in colleagues if c.active and not c.opted_out]
    _strong(planner, strong, partners)
    _declined(planner, [tie for tie in ties if tie.kind in ("weak", "one_way")], colleagues)
    _cancelled(planner, strong, visible)
    _internal(planner, colleagues)
    _town_halls(planner, colleagues, guests)
    return planner.meetings


def holders(meeting: Meeting, mailbox_of: dict[str, str]) -> list[str]:
    """Mailboxes of the colleagues whose calendar holds a copy: the organizer and every invited colleague."""
    people = (meeting.organizer, *(person for person, _ in meeting.attendees))
    return sorted({mailbox_of[p.email] for p in people if p.email in mailbox_of})


def expected_outcome(meeting: Meeting, colleagues: set[str], withheld: set[str]) -> str:
    """What wkw.channels.meetings makes of the copy that wins the meeting: `accepted` or its filter.

    The privacy stage has redacted the withheld colleagues first: a redacted participant still counts
    as a person, could be a colleague or an outsider (so a meeting of theirs is not `internal_only`),
    and meets nobody.
    """
    people = {person.email for person in meeting.people()}
    externals = people - colleagues
    if meeting.cancelled:
        return "cancelled"
    if len(people) > MAX_MEETING_ATTENDEES:
        return "too_many_attendees"
    if not externals and not people & withheld:
        return "internal_only"
    if not externals or not (people & colleagues) - withheld:
        return "opted_out"
    return "accepted"


def expected_outcomes(meetings: list[Meeting], colleagues: list[Colleague]) -> dict[str, int]:
    """Outcome per VEVENT record: one copy wins each meeting, every other calendar's copy is a duplicate."""
    mailbox_of = {c.email: c.mailbox for c in colleagues}
    emails = set(mailbox_of)
    withheld = {c.email for c in colleagues if c.opted_out}
    outcomes: Counter = Counter()
    for meeting in meetings:
        records = 1 if meeting.moved is None else 2
        copies = len(holders(meeting, mailbox_of))
        outcomes[expected_outcome(meeting, emails, withheld)] += records
        outcomes["duplicate"] += records * (copies - 1)
    return dict(sorted(outcomes.items()))


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

    Planted defects: a VEVENT without attendees at the end of one colleague's calendar (quarantined at
    its position) and a second export of another colleague cut in the middle (the whole file).
    """
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime(end.year, end.month, end.day, tzinfo=UTC)
    by_email = sorted(colleagues, key=lambda colleague: colleague.email)
    copies = _copies(meetings, colleagues, stamp)
    no_attendees, truncated = rng.choice(by_email), rng.choice(by_email)
    written = Counter({kind: 0 for kind in KINDS})
    malformed = []
    for owner in by_email:
        events = [copy[-1] for copy in copies[owner.mailbox]]
        written.update(copy[3] for copy in copies[owner.mailbox])
        path = folder / f"{owner.mailbox}{ICS_SUFFIX}"
        if owner is no_attendees:
            events.append(_stray(owner, None, end, stamp, domain))
            entry = {"path": path.relative_to(out).as_posix(), "defect": "no_attendees"}
            malformed.append(entry | {"position": len(events)})
        path.write_bytes(calendar(owner, events, end).to_ical())
    text = calendar(truncated, [_stray(truncated, stray, end, stamp, domain)], end).to_ical()
    path = folder / f"{truncated.mailbox}{SHARED_SUFFIX}{ICS_SUFFIX}"
    path.write_bytes(text[: len(text) // 2])
    malformed.append({"path": path.relative_to(out).as_posix(), "defect": "truncated_calendar"})
    return dict(written), malformed


def strong_series(meetings: list[Meeting], colleagues: list[Colleague]) -> list[dict]:
    """The strong ties' series for truth.json: who, who organises, the rule and every start (UTC, ISO)."""
    emails = {colleague.email for colleague in colleagues}
    series = []
    for meeting in meetings:
        if meeting.kind != "strong":
            continue
        pair = (meeting.organizer, meeting.attendees[0][0])
        colleague, contact = pair if pair[0].email in emails else pair[::-1]
        starts = [start.astimezone(UTC).strftime(ISO_UTC) for start in meeting.occurrences()]
        series.append(
            {
                "colleague": colleague.email,
                "contact": contact.email,
                "organizer": meeting.organizer.email,
                "uid": meeting.uid,
                "interval_weeks": meeting.weeks,
                "occurrences": starts,
            }
        )
    return sorted(series, key=lambda entry: (entry["colleague"], entry["contact"], entry["uid"]))
