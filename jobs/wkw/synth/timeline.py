"""Time and the mail plan for `wkw generate`: working-hour moments in each sender's zone, the time zone a
calendar uses for each office, and the plan of mails filed by the colleagues whose mailboxes hold a copy.

Used by the planners (wkw.synth.ties, wkw.synth.noise, wkw.synth.meetings, wkw.synth.calls)
and the writers (wkw.synth.mailboxes).
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

from wkw.synth.people import Colleague, Person

WORKING_HOURS = (8, 18)  # local time, [start, end)
BULK_HOURS = (5, 7)  # newsletters and notifications go out before the working day
REPLY_MINUTES = (15, 240)
FRIDAY = 4
CONVERSATION_BYTES = 24
MINUTES_PER_HOUR = 60
# The Olson zone of each office offset (minutes east of UTC) of wkw.synth.people. Mail is dated with the
# fixed offset; a calendar sets a meeting in the organizer's zone, summer time included, as Outlook does.
ZONE_NAMES = {
    -480: "America/Los_Angeles",
    -360: "America/Chicago",
    -300: "America/New_York",
    -180: "America/Sao_Paulo",
    0: "Europe/London",
    60: "Europe/Berlin",
    120: "Europe/Helsinki",
    330: "Asia/Kolkata",
    480: "Asia/Singapore",
    540: "Asia/Tokyo",
    600: "Australia/Brisbane",
}


@cache
def zone(offset: int) -> timezone:
    return timezone(timedelta(minutes=offset))


@cache
def local_zone(offset: int) -> ZoneInfo:
    """The calendar zone of an office offset; a fixed Etc/GMT zone for an offset not in ZONE_NAMES."""
    name = ZONE_NAMES.get(offset)
    if name is None:
        hours = offset // MINUTES_PER_HOUR if offset % MINUTES_PER_HOUR == 0 else 0
        name = f"Etc/GMT{-hours:+d}"  # POSIX sign: Etc/GMT+5 is five hours behind UTC
    return ZoneInfo(name)


def working_day(day: date, first: date, last: date) -> date:
    """Move a weekend day to the Friday before, or the Monday after when that Friday is out of range."""
    if day.weekday() <= FRIDAY:
        return day
    friday = day - timedelta(days=day.weekday() - FRIDAY)
    if friday >= first:
        return friday
    monday = day + timedelta(days=7 - day.weekday())
    return monday if monday <= last else day


def random_day(rng: random.Random, first: date, last: date) -> date:
    """A working day in [first, last]."""
    day = first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
    return working_day(day, first, last)


def moment(rng: random.Random, day: date, offset: int, hours: tuple[int, int] = WORKING_HOURS) -> datetime:
    """A time on `day` within `hours`, local to the zone `offset`."""
    minute = rng.randrange(hours[0] * 60, hours[1] * 60)
    return datetime(
        day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60), tzinfo=zone(offset)
    )


def later(rng: random.Random, previous: datetime, offset: int) -> datetime:
    """A reply's time: a few minutes to a few hours after `previous`, told in the replier's zone."""
    delay = timedelta(minutes=rng.randint(*REPLY_MINUTES), seconds=rng.randrange(60))
    return (previous + delay).astimezone(zone(offset))


@dataclass(frozen=True)
class Mail:
    seq: int  # planning order: breaks ties between mails sent in the same second
    sent_at: datetime  # aware, in the sender's zone (the Date header shows that offset)
    sender: Person
    to: tuple[Person, ...]
    cc: tuple[Person, ...]
    subject: str
    conversation: str
    headers: tuple[tuple[str, str], ...] = ()  # extra headers, e.g. Precedence and List-Id of newsletters


class MailPlan:
    """The mails to write over the window [first, end], filed by the colleagues who hold a copy.

    Conversations start no later than `last` (the day before the end date), so that replies, even when
    told in a zone behind UTC, do not fall after the end date.
    """

    def __init__(self, colleagues: list[Colleague], end: date, days: int):
        self.first = end - timedelta(days=days - 1)
        self.last = max(self.first, end - timedelta(days=1))
        self.days = days
        self.by_owner: dict[str, list[Mail]] = {colleague.email: [] for colleague in colleagues}
        self._owner_of = {address: c.email for c in colleagues for address in (c.email, *c.aliases)}
        self._seq = 0

    def add(
        self,
        sent_at: datetime,
        sender: Person,
        to: tuple[Person, ...],
        subject: str,
        conversation: str,
        cc: tuple[Person, ...] = (),
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Mail:
        mail = Mail(self._seq, sent_at, sender, to, cc, subject, conversation, headers)
        self._seq += 1
        owners = {self._owner_of.get(person.email) for person in (sender, *to, *cc)}
        for owner in sorted(owners - {None}):
            self.by_owner[owner].append(mail)
        return mail


def conversation_id(rng: random.Random) -> str:
    """A Graph-style conversation id; one per thread, the same in every mailbox holding the thread."""
    return "AAQkAD" + base64.urlsafe_b64encode(rng.randbytes(CONVERSATION_BYTES)).decode("ascii")


def thread(
    rng: random.Random,
    plan: MailPlan,
    first: Person,
    second: Person,
    day: date,
    length: int,
    subject: str,
    cc: tuple[Person, ...] = (),
    address: dict[str, Person] | None = None,
) -> None:
    """`length` mails alternating between `first` (who starts on `day`) and `second`, as replies.

    `address` maps a person's e-mail to the address others use for them (an alias, say); CC is reply-all.
    """
    address = address or {}
    conversation = conversation_id(rng)
    sender, receiver = first, second
    at = moment(rng, day, sender.offset)
    for index in range(length):
        to = (address.get(receiver.email, receiver),)
        plan.add(at, sender, to, subject if index == 0 else f"RE: {subject}", conversation, cc)
        sender, receiver = receiver, sender
        at = later(rng, at, sender.offset)
