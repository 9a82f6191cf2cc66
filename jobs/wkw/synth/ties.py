"""Planted relationships for `wkw generate`: who knows which contact, and the mail that shows it.

Kinds, as recorded in truth.json:
- strong: weekly-ish two-way threads over the whole window, the last one within the final days;
- moderate: a two-way exchange every few weeks;
- weak: one or two mails long ago, or a single CC on a contact's mail to another colleague;
- one_way: a contact who keeps writing to a colleague who never answers (cold outreach).
Called by wkw.synth.company; writes nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from wkw.synth.people import Colleague, Contact, Person
from wkw.synth.timeline import MailPlan, conversation_id, moment, random_day, thread

KIND_SHARES = (("strong", 0.25), ("moderate", 0.25), ("weak", 0.25), ("one_way", 0.08))  # of all contacts
SECOND_COLLEAGUE_CHANCE = 0.3  # a strong or moderate contact known by two colleagues
EXTRA_WEAK_CHANCE = 0.4  # a strong or moderate contact also copied, once, to a third colleague
# Who gets to know contacts: sellers most, customer-facing people next, everyone a little.
ROLE_WEIGHTS = {"salesperson": 6, "account manager": 3, "presales": 3, "support": 2}
WEEK_DAYS = 7
STRONG_WEEKLY_CHANCE = 0.8
STRONG_THREAD_LENGTHS = (2, 2, 3)
STRONG_SHARED_CHANCE = 0.3  # a weekly thread with the contact's other strong colleague in CC
RECENT_DAYS = 10  # a strong tie's final thread starts within this many days of the end
MODERATE_EVERY_DAYS = 25
MODERATE_MIN_MAILS = 3
MODERATE_REPLY_CHANCE = 0.3
WEAK_OLD_SHARE = 3  # old weak mails fall in the first third of the window
ONE_WAY_EVERY_DAYS = 10
ONE_WAY_MIN_MAILS = 4
ALIAS_USE_CHANCE = 0.3  # a contact writing to a colleague's alias instead of the primary address

STRONG_SUBJECTS = (
    "Proposal for {company}",
    "Weekly check-in",
    "Pilot status",
    "Contract draft",
    "Pricing for {company}",
    "Next steps",
    "Renewal planning",
    "Integration questions",
)
OCCASIONAL_SUBJECTS = (
    "Catching up",
    "Quarterly review",
    "Invitation: customer day",
    "Question about invoice",
    "Introduction",
    "Roadmap update for {company}",
)
COLD_SUBJECTS = (
    "Introducing {company}",
    "A quick idea for your team",
    "Can we talk?",
    "Partnership opportunity with {company}",
)


@dataclass(frozen=True)
class Tie:
    colleague: Colleague
    contact: Contact
    kind: str
    via: Colleague | None = None  # weak by CC: the colleague the contact actually wrote to


def _weight(colleague: Colleague) -> int:
    return max([1, *(ROLE_WEIGHTS.get(role, 1) for role in colleague.roles)])


def _pick(rng: random.Random, pool: list[Colleague], count: int, exclude: tuple[Colleague, ...] = ()) -> list:
    """`count` distinct colleagues, drawn by weight, none of them in `exclude`."""
    chosen: list[Colleague] = []
    weights = [_weight(colleague) for colleague in pool]
    while len(chosen) < count:
        colleague = rng.choices(pool, weights)[0]
        if colleague not in chosen and colleague not in exclude:
            chosen.append(colleague)
    return chosen


def _split(rng: random.Random, contacts: list[Contact]) -> dict[str, list[Contact]]:
    """Contacts by their closest tie's kind; `none` for those nobody knows."""
    order = list(contacts)
    rng.shuffle(order)
    groups, start = {}, 0
    for kind, share in KIND_SHARES:
        size = max(1, round(share * len(order)))
        groups[kind], start = order[start : start + size], start + size
    groups["none"] = order[start:]
    return groups


def assign_ties(
    rng: random.Random, colleagues: list[Colleague], contacts: list[Contact]
) -> tuple[list[Tie], list[Contact]]:
    """Ties and the contacts nobody knows. Strong ties of the opted-out and inactive colleagues come first,
    so that a test can check those colleagues disappear; other strong ties go to active, visible people."""
    groups = _split(rng, contacts)
    visible = [c for c in colleagues if c.active and not c.opted_out]
    hidden = [c for c in colleagues if c.opted_out] + [c for c in colleagues if not c.active]
    forced = hidden + [c for c in colleagues if c.opted_out]  # the opted-out one twice: two strong contacts
    ties: list[Tie] = []
    for index, contact in enumerate(groups["strong"]):
        first = forced[index : index + 1]
        count = 2 if rng.random() < SECOND_COLLEAGUE_CHANCE else 1
        chosen = first + _pick(rng, visible, count - len(first), tuple(first))
        ties += [Tie(colleague, contact, "strong") for colleague in chosen]
    for contact in groups["moderate"]:
        count = 2 if rng.random() < SECOND_COLLEAGUE_CHANCE else 1
        ties += [Tie(c, contact, "moderate") for c in _pick(rng, colleagues, count)]
    for contact in groups["weak"]:
        ties += [Tie(c, contact, "weak") for c in _pick(rng, colleagues, rng.randint(1, 2))]
    for contact in groups["one_way"]:
        ties += [Tie(c, contact, "one_way") for c in _pick(rng, colleagues, 1)]
    return ties + _copied_ties(rng, colleagues, ties), groups["none"]


def _copied_ties(rng: random.Random, colleagues: list[Colleague], ties: list[Tie]) -> list[Tie]:
    """Weak ties by a single CC, on contacts who already have a strong or moderate tie."""
    known: dict[str, list[Colleague]] = defaultdict(list)
    contact_of = {}
    for tie in ties:
        if tie.kind in ("strong", "moderate"):
            known[tie.contact.email].append(tie.colleague)
            contact_of[tie.contact.email] = tie.contact
    copied = []
    for email in sorted(known):
        if rng.random() < EXTRA_WEAK_CHANCE:
            (colleague,) = _pick(rng, colleagues, 1, tuple(known[email]))
            copied.append(Tie(colleague, contact_of[email], "weak", via=known[email][0]))
    return copied


def _addressing(rng: random.Random, colleague: Colleague) -> dict[str, Person]:
    """How the contact addresses this colleague on one conversation: now and then by an alias."""
    if colleague.aliases and rng.random() < ALIAS_USE_CHANCE:
        return {colleague.email: Person(colleague.aliases[0], colleague.name, colleague.offset)}
    return {}


def _subject(rng: random.Random, subjects: tuple[str, ...], contact: Contact) -> str:
    return rng.choice(subjects).format(company=contact.company)


def _strong(rng: random.Random, plan: MailPlan, tie: Tie, partners: list[Colleague]) -> None:
    colleague, contact = tie.colleague, tie.contact
    for week_start in range(0, plan.days, WEEK_DAYS):
        first = plan.first + timedelta(days=week_start)
        if first > plan.last:
            break
        if rng.random() >= STRONG_WEEKLY_CHANCE:
            continue
        day = random_day(rng, first, min(plan.last, first + timedelta(days=WEEK_DAYS - 1)))
        cc = tuple(partners[:1]) if partners and rng.random() < STRONG_SHARED_CHANCE else ()
        starter, other = (colleague, contact) if rng.random() < 0.5 else (contact, colleague)
        thread(
            rng,
            plan,
            starter,
            other,
            day,
            rng.choice(STRONG_THREAD_LENGTHS),
            _subject(rng, STRONG_SUBJECTS, contact),
            cc,
            _addressing(rng, colleague),
        )
    # The tie is still alive: one more exchange, both ways, in the final days.
    day = random_day(rng, max(plan.first, plan.last - timedelta(days=RECENT_DAYS - 1)), plan.last)
    thread(rng, plan, colleague, contact, day, 2, _subject(rng, STRONG_SUBJECTS, contact))


def _moderate(rng: random.Random, plan: MailPlan, tie: Tie, partners: list[Colleague]) -> None:
    mails = max(MODERATE_MIN_MAILS, plan.days // MODERATE_EVERY_DAYS)
    span = max(1, plan.days // mails)
    colleague_first = rng.random() < 0.5
    for index in range(mails):
        first = plan.first + timedelta(days=index * span)
        day = random_day(rng, first, min(plan.last, first + timedelta(days=span - 1)))
        # Alternate who writes, so the tie is two-way even without replies.
        colleague_writes = (index % 2 == 0) == colleague_first
        pair = (tie.colleague, tie.contact) if colleague_writes else (tie.contact, tie.colleague)
        length = 2 if rng.random() < MODERATE_REPLY_CHANCE else 1
        thread(rng, plan, *pair, day, length, _subject(rng, OCCASIONAL_SUBJECTS, tie.contact))


def _weak(rng: random.Random, plan: MailPlan, tie: Tie, partners: list[Colleague]) -> None:
    subject = _subject(rng, OCCASIONAL_SUBJECTS, tie.contact)
    if tie.via is not None:
        day = random_day(rng, plan.first, plan.last)
        thread(rng, plan, tie.contact, tie.via, day, 1, subject, cc=(tie.colleague,))
        return
    old_end = plan.first + timedelta(days=max(0, plan.days // WEAK_OLD_SHARE - 1))
    for _ in range(rng.randint(1, 2)):
        pair = (tie.colleague, tie.contact) if rng.random() < 0.5 else (tie.contact, tie.colleague)
        thread(rng, plan, *pair, random_day(rng, plan.first, old_end), 1, subject)


def _one_way(rng: random.Random, plan: MailPlan, tie: Tie, partners: list[Colleague]) -> None:
    """Cold outreach: a string of unanswered mails, each one a new attempt."""
    contact = tie.contact
    for _ in range(max(ONE_WAY_MIN_MAILS, plan.days // ONE_WAY_EVERY_DAYS)):
        day = random_day(rng, plan.first, plan.last)
        to = (_addressing(rng, tie.colleague).get(tie.colleague.email, tie.colleague),)
        plan.add(
            moment(rng, day, contact.offset),
            contact,
            to,
            _subject(rng, COLD_SUBJECTS, contact),
            conversation_id(rng),
        )


PLANNERS = {"strong": _strong, "moderate": _moderate, "weak": _weak, "one_way": _one_way}


def plan_tie_mail(rng: random.Random, plan: MailPlan, ties: list[Tie]) -> None:
    """The mail behind every tie; strong colleagues of one contact sometimes share a thread in CC."""
    strong: dict[str, list[Colleague]] = defaultdict(list)
    for tie in ties:
        if tie.kind == "strong":
            strong[tie.contact.email].append(tie.colleague)
    for tie in ties:
        known_by = strong[tie.contact.email] if tie.kind == "strong" else []
        partners = [colleague for colleague in known_by if colleague != tie.colleague]
        PLANNERS[tie.kind](rng, plan, tie, partners)
