"""The planted fading and dormant ties for `wkw generate`: two strong ties that the trend (docs/fading.md,
wkw.scoring.trend) must find as planted, and their part of the truth.

Both are with people of Nod Publishers (a company no other contact works for, both in the CRM), known by
one colleague who may use the product (a licensed seller, so that `wkw digest --as` them answers; any
visible colleague when the company has no seller), drawn with the plant's own random stream. Both were
strong 90 days before the end date, from a two-way exchange every week, and are still strong tonight (the
decay takes months):
- fading: weekly exchanges from 176 to 92 days before the end, then one exchange 30 days before it:
  trend `fading`, not dormant (touched within the last 60 days);
- dormant: weekly exchanges from 180 to 75 days before the end, none since: trend `fading`, dormant,
  quiet since 75 days before the end.
The mail lies before the company's window when that is shorter (it is dated by its own time, as a first
run's year of history is). Each exchange is a mail from the colleague and the contact's reply the same day
(10:00 and 14:00 in the writer's office: the same UTC day for every office offset). Meetings and calls are
not planned for them. Called by wkw.synth.company; writes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from wkw.synth.accounts import new_person
from wkw.synth.people import Colleague, Contact
from wkw.synth.ties import Tie
from wkw.synth.timeline import MailPlan, conversation_id, zone

DOMAIN, COMPANY = "nodpublishers.com", "Nod Publishers"
FADING, DORMANT = "fading", "dormant"  # their kinds in truth.json's ties: strong tonight, strong 90 days ago
WEEK = 7
# kind -> (days before the end of the weekly exchanges: first, last), and the later exchanges.
PLAN = {FADING: ((176, 92), (30,)), DORMANT: ((180, 75), ())}
SENT_HOUR, REPLY_HOUR = 10, 14
SUBJECT = "Travel programme for {company}"
SELLER_ROLE, SELLER_LICENCE = "salesperson", "Sales Premium"  # as wkw.synth.company.sample_seller


@dataclass(frozen=True)
class PlantedFading:
    people: list[Contact]
    ties: list[Tie]
    truth: dict


def _days_before(kind: str) -> list[int]:
    (first, last), later = PLAN[kind]
    return [*range(first, last - 1, -WEEK), *later]


def _at(day: date, hour: int, offset: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone(offset))


def plant_fading(rng: random.Random, colleagues: list[Colleague], end: date) -> PlantedFading:
    """The two people, their ties and their part of the truth."""
    visible = sorted((c for c in colleagues if c.active and not c.opted_out), key=lambda c: c.email)
    sellers = [c for c in visible if SELLER_ROLE in c.roles and SELLER_LICENCE in c.licences]
    knower = rng.choice(sellers or visible)
    taken: set[str] = set()
    people = {kind: new_person(rng, DOMAIN, taken, COMPANY) for kind in PLAN}
    ties = [Tie(knower, people[kind], kind) for kind in PLAN]
    truth = {
        kind: {
            "colleague": knower.email,
            "contact": people[kind].email,
            "band": "strong",
            "band_90d_ago": "strong",
            "trend": "fading",
            "dormant": kind == DORMANT,
            "last_interaction": (end - timedelta(days=min(_days_before(kind)))).isoformat(),
        }
        for kind in PLAN
    }
    return PlantedFading(list(people.values()), ties, truth)


def plan_fading_mail(rng: random.Random, plan: MailPlan, planted: PlantedFading, end: date) -> None:
    """Each tie's exchanges: the colleague writes, the contact answers the same day."""
    for tie in planted.ties:
        subject = SUBJECT.format(company=tie.contact.company)
        for days in _days_before(tie.kind):
            day, conversation = end - timedelta(days=days), conversation_id(rng)
            colleague, contact = tie.colleague, tie.contact
            plan.add(_at(day, SENT_HOUR, colleague.offset), colleague, (contact,), subject, conversation)
            reply = _at(day, REPLY_HOUR, contact.offset)
            plan.add(reply, contact, (colleague,), f"RE: {subject}", conversation)
