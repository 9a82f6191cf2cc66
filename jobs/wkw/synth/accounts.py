"""The planted account for `wkw generate`: one company whose people are known by different colleagues, so
that the account view (`wkw.account_introducers`, wkw.scoring.accounts) has a known answer, and one contact
at a personal mail provider whom the CRM does not place (in no account).

At Tailwind Traders (a company no other contact works for, all four people in the CRM):
- colleague A knows two of them strongly and one weakly (2 strong);
- colleague B knows one strongly and one moderately (1 strong, 1 moderate);
- colleague C knows three moderately (3 moderate);
- the opted-out colleague knows three strongly: first if they were analysed, offered nowhere.
So the account view ranks A, B, C. A also knows the personal-mail contact strongly. A, B and C are drawn
from the visible colleagues with the account's own random stream; the ties' mail, meetings and calls are
planned like every other tie's. Called by wkw.synth.company; writes nothing.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from wkw.synth.names import FIRST_NAMES, LAST_NAMES
from wkw.synth.people import Colleague, Contact
from wkw.synth.ties import Tie

DOMAIN, COMPANY, OFFSET = "tailwindtraders.com", "Tailwind Traders", -300
PERSONAL_DOMAIN = "gmail.com"
PEOPLE = 4
# (colleague slot, person index, kind); slot "withheld" is the opted-out colleague.
PLAN = (
    ("A", 0, "strong"),
    ("A", 1, "strong"),
    ("A", 3, "weak"),
    ("B", 2, "strong"),
    ("B", 3, "moderate"),
    ("C", 0, "moderate"),
    ("C", 1, "moderate"),
    ("C", 2, "moderate"),
    ("withheld", 0, "strong"),
    ("withheld", 1, "strong"),
    ("withheld", 2, "strong"),
)
RANKING = ("A", "B", "C")
CRM_TYPES = ("lead", "contact", "contact", "contact")


@dataclass(frozen=True)
class PlantedAccount:
    people: list[Contact]
    personal: Contact
    ties: list[Tie]
    crm_types: dict[str, str]  # e-mail -> lead / contact
    truth: dict


def _slug(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def new_person(
    rng: random.Random, domain: str, taken: set[str], company: str, offset: int = OFFSET
) -> Contact:
    """A contact at `domain` with a random name, whose address is not in `taken` (then it is)."""
    while True:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{_slug(first)}.{_slug(last)}@{domain}"
        if email not in taken:
            taken.add(email)
            return Contact(email=email, name=f"{first} {last}", offset=offset, company=company)


def plant_account(rng: random.Random, colleagues: list[Colleague]) -> PlantedAccount:
    """The planted account's people, the personal-mail contact, their ties and their part of the truth."""
    visible = sorted((c for c in colleagues if c.active and not c.opted_out), key=lambda c: c.email)
    slots = dict(zip(RANKING, rng.sample(visible, len(RANKING)), strict=True))
    slots["withheld"] = next(c for c in colleagues if c.opted_out)
    taken: set[str] = set()
    people = [new_person(rng, DOMAIN, taken, COMPANY) for _ in range(PEOPLE)]
    personal = new_person(rng, PERSONAL_DOMAIN, taken, "")
    ties = [Tie(slots[slot], people[index], kind) for slot, index, kind in PLAN]
    ties.append(Tie(slots["A"], personal, "strong"))
    truth = {
        "account": COMPANY,
        "account_kind": "crm_company",
        "domain": DOMAIN,
        "people": [person.email for person in people],
        "ranking": [
            {
                "colleague": slots[slot].email,
                "strong_contacts": sum(1 for s, _, k in PLAN if s == slot and k == "strong"),
                "moderate_contacts": sum(1 for s, _, k in PLAN if s == slot and k == "moderate"),
                "known_contacts": sum(1 for s, _, _ in PLAN if s == slot),
            }
            for slot in RANKING
        ],
        "withheld_colleague": slots["withheld"].email,
        "personal_contact": personal.email,
    }
    crm_types = {person.email: kind for person, kind in zip(people, CRM_TYPES, strict=True)}
    return PlantedAccount(people, personal, ties, crm_types, truth)
