"""People of the synthetic company for `wkw generate`: colleagues (the directory) and external contacts.

Used by wkw.synth.company (`wkw generate --out DIR`) and wkw.synth.scale; nothing here writes files. Names,
companies, departments and titles are fixed lists (wkw.synth.names, read from synth/data/), regions and
their time zones are below, so the seed alone decides who exists.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from wkw.synth.names import DEPARTMENT_WEIGHTS, EXTERNAL_COMPANIES, FIRST_NAMES, LAST_NAMES, TITLES

REGION_WEIGHTS = {"EMEA": 35, "NA": 35, "APAC": 20, "LATAM": 10}
REGION_OFFSETS = {"EMEA": (0, 60, 120), "NA": (-300, -360, -480), "APAC": (330, 480, 540), "LATAM": (-180,)}

BASE_LICENCE = "Microsoft 365 E3"
ROLE_LICENCES = {"salesperson": "Sales Premium", "analyst": "Power BI Pro", "engineer": "GitHub Enterprise"}

SALES_SEATS = 2  # colleagues 1 and 2 are always in Sales, so small companies still sell
ALIAS_SHARE = 0.2
LARGE_COMPANY = 20  # from this size on, two colleagues have left (inactive), below it one


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    offset: int  # minutes east of UTC where this person works

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class Contact(Person):
    company: str = ""


@dataclass(frozen=True)
class Colleague(Person):
    id: str = ""
    mailbox: str = ""  # Enron-style mailbox folder, `last-f`
    aliases: tuple[str, ...] = ()
    title: str = ""
    department: str = ""
    region: str = ""
    roles: tuple[str, ...] = ()
    licences: tuple[str, ...] = ()
    active: bool = True
    opted_out: bool = False
    store: str = "maildir"  # maildir | graph: which exporter holds this colleague's mailbox


def _slug(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _unique(base: str, taken: set[str], join: str = "") -> str:
    """`base`, or base with the first free digit 2, 3, ... (before any `@`) when it is taken."""
    local, at, domain = base.partition("@")
    candidate, digit = base, 2
    while candidate in taken:
        candidate = f"{local}{join}{digit}{at}{domain}"
        digit += 1
    taken.add(candidate)
    return candidate


def _name(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _departments(rng: random.Random, count: int) -> list[str]:
    others = rng.choices(list(DEPARTMENT_WEIGHTS), list(DEPARTMENT_WEIGHTS.values()), k=count)
    return ["Executive"] + ["Sales"] * SALES_SEATS + others[: count - 1 - SALES_SEATS]


def _title(rng: random.Random, department: str, executives: int) -> tuple[str, tuple[str, ...]]:
    """Executives take their titles in file order (the first one is the CEO), the others at random."""
    choices = TITLES[department]
    if department == "Executive":
        return choices[executives % len(choices)]
    return rng.choice(choices)


def _special(rng: random.Random, departments: list[str]) -> tuple[int, list[int]]:
    """The opted-out salesperson and the colleagues who left (never the CEO, never the opted-out one)."""
    sellers = [i for i, department in enumerate(departments) if department == "Sales"]
    opted_out = rng.choice(sellers)
    leavers = 2 if len(departments) >= LARGE_COMPANY else 1
    candidates = [i for i, d in enumerate(departments) if d != "Executive" and i != opted_out]
    return opted_out, sorted(rng.sample(candidates, leavers))


def build_colleagues(rng: random.Random, count: int, domain: str) -> list[Colleague]:
    """The directory: one colleague per person, with unique e-mail, aliases and mailbox names."""
    departments = _departments(rng, count)
    opted_out, inactive = _special(rng, departments)
    stores = ["maildir", "graph"] * count
    rng.shuffle(stores)
    taken: set[str] = set()
    mailboxes: set[str] = set()
    colleagues, executives = [], 0
    for index, department in enumerate(departments):
        first, last = _name(rng)
        email = _unique(f"{_slug(first)}.{_slug(last)}@{domain}", taken)
        aliases = ()
        if rng.random() < ALIAS_SHARE:
            aliases = (_unique(f"{_slug(first)[0]}{_slug(last)}@{domain}", taken),)
        title, roles = _title(rng, department, executives)
        executives += department == "Executive"
        region = rng.choices(list(REGION_WEIGHTS), list(REGION_WEIGHTS.values()))[0]
        licences = (BASE_LICENCE, *sorted({ROLE_LICENCES[r] for r in roles if r in ROLE_LICENCES}))
        colleagues.append(
            Colleague(
                email=email,
                name=f"{first} {last}",
                offset=rng.choice(REGION_OFFSETS[region]),
                id=f"EMP-{index + 1:05d}",
                mailbox=_unique(f"{_slug(last)}-{_slug(first)[0]}", mailboxes),
                aliases=aliases,
                title=title,
                department=department,
                region=region,
                roles=roles,
                licences=licences,
                active=index not in inactive,
                opted_out=index == opted_out,
                store=stores[index],
            )
        )
    return colleagues


def build_contacts(rng: random.Random, count: int) -> list[Contact]:
    """External people, `first.last@<company domain>`, working in their company's time zone."""
    taken: set[str] = set()
    contacts = []
    for _ in range(count):
        domain, company, offset = rng.choice(EXTERNAL_COMPANIES)
        first, last = _name(rng)
        email = _unique(f"{_slug(first)}.{_slug(last)}@{domain}", taken)
        contacts.append(Contact(email=email, name=f"{first} {last}", offset=offset, company=company))
    return sorted(contacts, key=lambda contact: contact.email)


def directory_row(colleague: Colleague) -> list[str]:
    """One users.csv row; list-valued fields are ';'-separated, booleans `true`/`false`."""
    return [
        colleague.id,
        colleague.email,
        ";".join(colleague.aliases),
        colleague.name,
        colleague.title,
        colleague.department,
        colleague.region,
        ";".join(colleague.roles),
        ";".join(colleague.licences),
        str(colleague.active).lower(),
        str(colleague.opted_out).lower(),
    ]
