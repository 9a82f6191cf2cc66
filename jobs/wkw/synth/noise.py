"""Mail that is not a relationship, for `wkw generate`: internal threads between colleagues, broadcasts to
most of the company (plus one external guest), newsletters with list headers, and no-reply notifications.

The pipeline must not turn any of it into an introducer. Called by wkw.synth.company; writes nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta

from wkw.synth.names import OFFSET_OF
from wkw.synth.people import Colleague, Contact, Person
from wkw.synth.timeline import BULK_HOURS, MailPlan, conversation_id, moment, random_day, thread

INTERNAL_THREADS_PER_WEEK = (0, 3)  # per colleague
INTERNAL_LENGTHS = (1, 1, 2, 3)
INTERNAL_SUBJECTS = (
    "Team sync",
    "Budget review",
    "Release notes",
    "Hiring update",
    "Lunch on Friday?",
    "Quarterly planning",
    "Travel approval",
    "Draft for review",
    "Customer feedback",
)
BROADCAST_EVERY_DAYS = 15
BROADCAST_MIN = 2
BROADCAST_MAX_COLLEAGUES = 40
BROADCAST_SUBJECTS = (
    "Company update: {company} joins us as a partner",
    "All hands: welcome {company}",
    "Announcement: new partnership with {company}",
)

# (address, list name): newsletters. Not every local part says "news": headers are what gives them away.
NEWSLETTERS = (
    ("insights@fabrikam.com", "Fabrikam Insights"),
    ("newsletter@adatum.com", "A. Datum Newsletter"),
    ("events@woodgrovebank.com", "Woodgrove Events"),
    ("digest@tailspintoys.com", "Tailspin Digest"),
    ("news@northwindtraders.com", "Northwind News"),
)
SUBSCRIBE_CHANCE = 0.4
MIN_SUBSCRIBERS = 2
NOREPLY_SENDERS = (
    ("no-reply@relecloud.com", "Relecloud"),
    ("notifications@litwareinc.com", "Litware Notifications"),
    ("noreply@proseware.com", "Proseware Billing"),
    ("notifications@fourthcoffee.com", "Fourth Coffee Service Desk"),
)
NOREPLY_RECIPIENTS = (3, 6)
NOREPLY_PER_WEEK = 2
NOREPLY_SUBJECTS = (
    "Your invoice {n} is ready",
    "Ticket #{n} was updated",
    "Weekly usage report {n}",
    "Password expiry notice",
    "Order {n} has shipped",
)
WEEK_DAYS = 7


def _external(address: str, name: str) -> Person:
    return Person(address, name, OFFSET_OF[address.partition("@")[2]])


def plan_internal(rng: random.Random, plan: MailPlan, colleagues: list[Colleague]) -> None:
    """Colleagues writing to one to three other colleagues, sometimes with replies."""
    weeks = max(1, plan.days // WEEK_DAYS)
    for colleague in colleagues:
        others = [c for c in colleagues if c != colleague]
        for _ in range(weeks * rng.randint(*INTERNAL_THREADS_PER_WEEK) // 2 + 1):
            to, *cc = rng.sample(others, min(len(others), rng.randint(1, 3)))
            day = random_day(rng, plan.first, plan.last)
            thread(
                rng,
                plan,
                colleague,
                to,
                day,
                rng.choice(INTERNAL_LENGTHS),
                rng.choice(INTERNAL_SUBJECTS),
                tuple(cc),
            )


def plan_broadcasts(
    rng: random.Random, plan: MailPlan, colleagues: list[Colleague], guests: list[Contact]
) -> list[str]:
    """An executive writing to up to forty colleagues and one external guest at once; returns the guests."""
    sender = next(c for c in colleagues if "executive" in c.roles and c.active)
    audience = [c for c in colleagues if c != sender and c.active]
    invited = set()
    for index in range(max(BROADCAST_MIN, plan.days // BROADCAST_EVERY_DAYS)):
        to = sorted(rng.sample(audience, min(len(audience), BROADCAST_MAX_COLLEAGUES)), key=lambda c: c.email)
        guest = guests[index % len(guests)] if guests else None
        company = guest.company if guest else "a new customer"
        invited |= {guest.email} if guest else set()
        day = random_day(rng, plan.first, plan.last)
        plan.add(
            moment(rng, day, sender.offset),
            sender,
            tuple(to) + ((guest,) if guest else ()),
            rng.choice(BROADCAST_SUBJECTS).format(company=company),
            conversation_id(rng),
        )
    return sorted(invited)


def _list_headers(address: str, name: str) -> tuple[tuple[str, str], ...]:
    local, _, domain = address.partition("@")
    return (
        ("Precedence", "bulk"),
        ("List-Id", f"{name} <{local}.{domain}>"),
        (
            "List-Unsubscribe",
            f"<mailto:unsubscribe@{domain}?subject=unsubscribe>, <https://{domain}/unsubscribe>",
        ),
    )


def plan_newsletters(rng: random.Random, plan: MailPlan, colleagues: list[Colleague]) -> list[str]:
    """Weekly issues, one mail per subscriber; returns the newsletter senders."""
    for address, name in NEWSLETTERS:
        sender = _external(address, name)
        subscribers = [c for c in colleagues if rng.random() < SUBSCRIBE_CHANCE]
        subscribers = subscribers or rng.sample(colleagues, MIN_SUBSCRIBERS)
        headers = _list_headers(address, name)
        issue_day = plan.first + timedelta(days=rng.randrange(WEEK_DAYS))
        issue = 1
        while issue_day <= plan.last:
            sent_at = moment(rng, issue_day, sender.offset, BULK_HOURS)
            subject = f"{name}: issue {issue}"
            for subscriber in subscribers:
                plan.add(sent_at, sender, (subscriber,), subject, conversation_id(rng), headers=headers)
            issue_day, issue = issue_day + timedelta(days=WEEK_DAYS), issue + 1
    return sorted(address for address, _ in NEWSLETTERS)


def plan_noreply(rng: random.Random, plan: MailPlan, colleagues: list[Colleague]) -> list[str]:
    """Vendors' automated notifications to the few colleagues who use them; returns the senders."""
    weeks = max(1, plan.days // WEEK_DAYS)
    for address, name in NOREPLY_SENDERS:
        sender = _external(address, name)
        recipients = rng.sample(colleagues, min(len(colleagues), rng.randint(*NOREPLY_RECIPIENTS)))
        for recipient in recipients:
            for _ in range(weeks * NOREPLY_PER_WEEK):
                day = random_day(rng, plan.first, plan.last)
                subject = rng.choice(NOREPLY_SUBJECTS).format(n=rng.randrange(10_000, 99_999))
                plan.add(
                    moment(rng, day, sender.offset, BULK_HOURS),
                    sender,
                    (recipient,),
                    subject,
                    conversation_id(rng),
                )
    return sorted(address for address, _ in NOREPLY_SENDERS)
