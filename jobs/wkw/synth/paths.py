"""The planted path for `wkw generate`: a lead whose introducers the sample seller knows differently, so
that the path order of `wkw who-knows LEAD --as SELLER` (docs/path.md, wkw.serve.paths) has a known
answer.

The lead works at Fourth Coffee (a company no other contact works for; a lead in the CRM):
- colleagues X and Y each know the lead strongly (their order in the published tile is chance);
- the opted-out colleague knows the lead strongly too: first if they were analysed, offered nowhere;
- the sample seller R knows the lead weakly themself: "you know them", said first;
- R and Y write to each other every week (a strong internal tie), as do R and the opted-out colleague
  (a tie that must be no link on any path); R and X share no planted mail (only the random internal
  noise of wkw.synth.noise, which makes a tie weak at most next to a weekly one).
So the path order for R is Y, then X, whatever the tile's order. X and Y are drawn from the visible
colleagues other than R with this plant's own random stream. Called by wkw.synth.company; writes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from wkw.synth.accounts import new_person
from wkw.synth.people import Colleague, Contact
from wkw.synth.ties import Tie
from wkw.synth.timeline import MailPlan, random_day, thread

DOMAIN, COMPANY, OFFSET = "fourthcoffee.com", "Fourth Coffee", -360
WEEK_DAYS = 7
WEEKLY_CHANCE = 0.9
THREAD_LENGTH = 3
SUBJECT = "Account plan"


@dataclass(frozen=True)
class PlantedPath:
    lead: Contact
    ties: list[Tie]
    internal: list[tuple[Colleague, Colleague]]  # pairs of colleagues who write to each other weekly
    truth: dict


def plant_path(rng: random.Random, colleagues: list[Colleague], requester: str | None) -> PlantedPath:
    """The planted lead, their ties, the requester's internal ties and their part of the truth. The
    requester is the sample seller (wkw.synth.company.sample_seller), or, in a company without one, the
    first visible colleague."""
    visible = sorted((c for c in colleagues if c.active and not c.opted_out), key=lambda c: c.email)
    seller = next((c for c in visible if c.email == requester), visible[0])
    requester = seller.email
    x, y = rng.sample([c for c in visible if c != seller], 2)
    withheld = next(c for c in colleagues if c.opted_out)
    lead = new_person(rng, DOMAIN, set(), COMPANY, OFFSET)
    ties = [Tie(x, lead, "strong"), Tie(y, lead, "strong"), Tie(withheld, lead, "strong")]
    ties.append(Tie(seller, lead, "weak"))
    truth = {
        "lead": lead.email,
        "requester": requester,
        "you_know_them": "weak",
        "path_order": [y.email, x.email],
        "strong_tie": y.email,
        "withheld_colleague": withheld.email,
    }
    return PlantedPath(lead, ties, [(seller, y), (seller, withheld)], truth)


def plan_internal_ties(rng: random.Random, plan: MailPlan, pairs: list[tuple[Colleague, Colleague]]) -> None:
    """A thread between the two colleagues of each pair in most weeks, each starting in turn."""
    for first, second in pairs:
        for index, week_start in enumerate(range(0, plan.days, WEEK_DAYS)):
            start = plan.first + timedelta(days=week_start)
            if start > plan.last or rng.random() >= WEEKLY_CHANCE:
                continue
            day = random_day(rng, start, min(plan.last, start + timedelta(days=WEEK_DAYS - 1)))
            starter, other = (first, second) if index % 2 == 0 else (second, first)
            thread(rng, plan, starter, other, day, THREAD_LENGTH, SUBJECT)
