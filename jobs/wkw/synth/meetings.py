"""Meetings of the synthetic company for `wkw generate`, planted from the seed's own random stream.

Kinds, as counted in truth.json (`meetings`: VEVENTs written, every calendar copy and override included):
- strong: per strong tie, a weekly or biweekly series between the colleague and the contact (either one
  organises, both accept; now and then the contact's other strong colleague is invited too), ending by
  COUNT or UNTIL inside the window, with one EXDATE and one occurrence moved by a RECURRENCE-ID override;
- declined: a weak or one-way contact invited once, who declined (the meeting counts for nobody);
- cancelled: a strong tie's meeting with a second colleague, cancelled by the organizer (SEQUENCE 1) while
  the second colleague's export still holds the confirmed invitation (SEQUENCE 0);
- internal: a weekly team sync per department, and one-off meetings between colleagues;
- town_hall: an executive's all-hands with every colleague and external guests, more people than
  `[filters] max_meeting_attendees` of conf/wkw.toml (passed in as `max_attendees`) lets count.
Moderate ties get no meeting and weak ones only declined invitations: a meeting that counts makes a tie
two-way and weighs 1.5 (docs/strength.md), which would lift it out of its band. Times are set in the
organizer's zone (wkw.synth.timeline.local_zone). A copy of a meeting sits in the calendar of each
colleague taking part (`holders`), so the pipeline must dedupe it. wkw.synth.calendars writes the
iCalendar exports, wkw.synth.meeting_truth the meetings' part of truth.json.

    meetings = plan_meetings(rng, people, ties, guests, first, last, domain, max_attendees)
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from wkw.synth.people import Colleague, Contact, Person
from wkw.synth.ties import Tie
from wkw.synth.timeline import FRIDAY, local_zone, random_day

KINDS = ("strong", "declined", "cancelled", "internal", "town_hall")
ACCEPTED, DECLINED, TENTATIVE, NEEDS_ACTION = "ACCEPTED", "DECLINED", "TENTATIVE", "NEEDS-ACTION"
COLLEAGUE_ANSWERS = (ACCEPTED, ACCEPTED, TENTATIVE, NEEDS_ACTION)
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


def _town_halls(
    planner: Planner, colleagues: list[Colleague], guests: list[Contact], max_attendees: int
) -> None:
    """TOWN_HALLS all-hands of every colleague and guests: more than `max_attendees` people take part."""
    host = next(c for c in colleagues if "executive" in c.roles and c.active)
    audience = [(c, _answer(planner.rng)) for c in sorted(colleagues, key=lambda c: c.email) if c != host]
    needed = max(1, max_attendees + 1 - len(colleagues))  # colleagues and guests exceed the limit
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
    max_attendees: int,
) -> list[Meeting]:
    """Every meeting of the window [first, last]; `guests` are contacts nobody knows (town-hall guests).

    `max_attendees` is `[filters] max_meeting_attendees` of the settings: the town halls exceed it.
    """
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
    _town_halls(planner, colleagues, guests, max_attendees)
    return planner.meetings


def holders(meeting: Meeting, mailbox_of: dict[str, str]) -> list[str]:
    """Mailboxes of the colleagues whose calendar holds a copy: the organizer and every invited colleague."""
    people = (meeting.organizer, *(person for person, _ in meeting.attendees))
    return sorted({mailbox_of[p.email] for p in people if p.email in mailbox_of})
