"""A deterministic synthetic company: the directory, CRM, address book, mail, calendar and call exports that
land before a first run, and the planted truth (who knows whom) the pipeline must find.

Run: `wkw generate --out DIR [--seed N] [--colleagues N] [--contacts N] [--days N] [--end-date YYYY-MM-DD]`,
or `generate(Path(DIR))` from Python. Standard library and `icalendar`; the same arguments give
byte-identical files. Each export has its own random stream, so adding one never changes the others.

The whole history lands in the end date's folders (D = end date, ISO):
- DIR/directory/D/users.csv, DIR/crm/D/crm.csv and DIR/address_book/D/address_book.csv (each colleague's
  strong and moderate contacts and the colleagues of their department);
- DIR/mail/D/maildir/<last-f>/{sent_items,inbox}/<n> for about half of the colleagues, RFC 5322 files;
- DIR/mail/D/graph/messages-NNNN.jsonl for the others, one Microsoft Graph message per line;
- DIR/calendar/D/<last-f>.ics, each colleague's calendar export: recurring meetings of strong ties, declined
  and cancelled invitations, internal meetings and town halls (wkw.synth.meetings, wkw.synth.calendars);
- DIR/calls/D/calls.csv and DIR/calls/D/pbx.csv, call records, some exported twice (wkw.synth.calls);
- DIR/truth.json: ties by kind (the planted account's among them, wkw.synth.accounts), the opted-out and
  inactive colleagues, a sample lead, a sample seller (who may use the product), the newsletter and
  no-reply senders, the malformed files planted among the exports (path, and line or position when one
  record of a file is broken), the number of well-formed messages, the meetings (VEVENTs per kind) and
  calls (rows per kind) written, the strong ties' meeting series, per record the outcome the interactions
  stage must give (meeting_outcomes, call_outcomes: accepted or the filter reason), and the planted
  account with the ranking its account view must give (planted_account), the planted lead with the
  path order the sample seller must be shown (planted_path, wkw.synth.paths), and the fading and
  dormant ties with the trend they must get (planted_fading, wkw.synth.fading; in `ties` as kinds
  fading and dormant).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from wkw.config import load_settings
from wkw.synth.accounts import plant_account
from wkw.synth.calendars import write_calendars
from wkw.synth.calls import plan_calls, write_calls
from wkw.synth.fading import plan_fading_mail, plant_fading
from wkw.synth.mailboxes import write_mailboxes
from wkw.synth.meeting_truth import expected_outcomes, strong_series
from wkw.synth.meetings import plan_meetings
from wkw.synth.noise import plan_broadcasts, plan_internal, plan_newsletters, plan_noreply
from wkw.synth.paths import plan_internal_ties, plant_path
from wkw.synth.people import Colleague, Contact, build_colleagues, build_contacts, directory_row
from wkw.synth.ties import Tie, assign_ties, plan_tie_mail
from wkw.synth.timeline import MailPlan
from wkw.vocabulary import ADDRESS_BOOK_HEADER, CRM_HEADER, DIRECTORY_HEADER

DEFAULT_END_DATE = date(2026, 11, 26)
MIN_COLLEAGUES, MIN_CONTACTS, MIN_DAYS = 6, 20, 14
KEPT_TIES = ("strong", "moderate")  # the contacts a colleague keeps in their address book
CRM_SHARE = 0.85  # most, not all, external contacts are in the CRM
LEAD_SHARE = 0.5
CRM_PREFIX = {"lead": "LEAD", "contact": "CONT"}
TRUTH_FILE = "truth.json"


def _check(out: Path, day: str, colleagues: int, contacts: int, days: int) -> None:
    if colleagues < MIN_COLLEAGUES or contacts < MIN_CONTACTS or days < MIN_DAYS:
        minimum = f"{MIN_COLLEAGUES} colleagues, {MIN_CONTACTS} contacts and {MIN_DAYS} days"
        raise ValueError(f"the company needs at least {minimum}")
    # Leftovers of another run would break "same arguments, same files": refuse rather than delete.
    for source in ("directory", "crm", "address_book", "mail", "calendar", "calls"):
        folder = out / source / day
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(f"{folder} is not empty")


def write_csv(path: Path, header: tuple[str, ...], rows: Iterable[list[str]]) -> None:
    """One CSV export: the header, then the rows (also used by the scale mode)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _lead_candidates(ties: list[Tie]) -> list[str]:
    """Contacts with a strong tie to an active colleague who has not opted out."""
    return sorted(
        {
            t.contact.email
            for t in ties
            if t.kind == "strong" and t.colleague.active and not t.colleague.opted_out
        }
    )


def _crm_types(rng: random.Random, contacts: list[Contact], candidates: list[str]) -> dict[str, str]:
    """CRM type per contact in the CRM; the first lead candidate is made a lead if chance made none."""
    types = {}
    for contact in contacts:
        if rng.random() < CRM_SHARE:
            types[contact.email] = "lead" if rng.random() < LEAD_SHARE else "contact"
    if not any(types.get(email) == "lead" for email in candidates):
        types[candidates[0]] = "lead"
    return types


def _crm_rows(
    rng: random.Random, contacts: list[Contact], types: dict[str, str], planted: list[Contact]
) -> list[list[str]]:
    """Rows sorted by id; ids are numbered in an order unrelated to the e-mail addresses, the planted
    account's people after the others (so that planting changes no other row)."""
    members = [contact for contact in contacts if contact.email in types]
    rng.shuffle(members)
    members += planted
    numbers = {kind: 0 for kind in CRM_PREFIX}
    rows = []
    for contact in members:
        kind = types[contact.email]
        numbers[kind] += 1
        crm_id = f"{CRM_PREFIX[kind]}-{numbers[kind]:05d}"
        rows.append([crm_id, kind, contact.email, contact.name, contact.company])
    return sorted(rows)


def _address_book_rows(people: list[Colleague], ties: list) -> list[list[str]]:
    """Each colleague keeps their strong and moderate contacts and the colleagues of their department.

    A colleague alone in their department is in nobody's book: the address-book rule refuses to look
    them up (docs/privacy.md).
    """
    rows = {(t.colleague.email, t.contact.email, t.contact.name) for t in ties if t.kind in KEPT_TIES}
    for owner in people:
        for other in people:
            if other is not owner and other.department == owner.department:
                rows.add((owner.email, other.email, other.name))
    return [list(row) for row in sorted(rows)]


def sample_seller(people: list[Colleague]) -> str | None:
    """A colleague who may use the product: active, analysed, a salesperson with Sales Premium."""
    sellers = (
        c.email
        for c in sorted(people, key=lambda c: c.email)
        if c.active and not c.opted_out and "salesperson" in c.roles and "Sales Premium" in c.licences
    )
    return next(sellers, None)


def _malformed_order(entry: dict) -> tuple[str, int]:
    return entry["path"], entry.get("line", entry.get("position", 0))


def _emails(colleagues: list[Colleague], keep) -> list[str]:
    return sorted(colleague.email for colleague in colleagues if keep(colleague))


def _truth(
    settings: dict, colleagues: list[Colleague], ties: list[Tie], sample_lead: str, extra: dict
) -> dict:
    tie_rows = sorted({(t.colleague.email, t.contact.email, t.kind) for t in ties})
    return {
        **settings,
        "sample_lead": sample_lead,
        "sample_seller": sample_seller(colleagues),
        "opted_out": _emails(colleagues, lambda c: c.opted_out),
        "inactive": _emails(colleagues, lambda c: not c.active),
        "ties": [{"colleague": c, "contact": p, "kind": k} for c, p, k in tie_rows],
        **extra,
    }


def _meetings_and_calls(
    seed: int,
    out: Path,
    day: str,
    people: list[Colleague],
    ties: list[Tie],
    guests: list[Contact],
    stray: Contact,
    window: tuple[date, date],
    domain: str,
) -> dict:
    """The calendar and call exports, each from its own random streams; their part of the truth."""
    max_attendees = load_settings().filters.max_meeting_attendees  # town halls exceed it
    meeting_rng = random.Random(f"{seed}:meetings")
    meetings = plan_meetings(meeting_rng, people, ties, guests, *window, domain, max_attendees)
    meeting_counts, calendar_malformed = write_calendars(
        random.Random(f"{seed}:calendar-write"),
        out,
        out / "calendar" / day,
        meetings,
        people,
        stray,
        date.fromisoformat(day),
        domain,
    )
    calls = plan_calls(random.Random(f"{seed}:calls"), people, ties, *window)
    call_counts, call_outcomes, call_malformed = write_calls(
        random.Random(f"{seed}:calls-write"), out, out / "calls" / day, calls, people
    )
    return {
        "meetings": meeting_counts,
        "calls": call_counts,
        "meeting_series": strong_series(meetings, people),
        "meeting_outcomes": expected_outcomes(meetings, people, max_attendees),
        "call_outcomes": call_outcomes,
        "malformed_files": calendar_malformed + call_malformed,
    }


def generate(
    out: Path,
    seed: int = 7,
    colleagues: int = 50,
    contacts: int = 300,
    days: int = 90,
    end_date: date = DEFAULT_END_DATE,
    domain: str = "contoso.com",
) -> dict:
    """Write the exports of a synthetic company under `out`; return the planted truth (also truth.json)."""
    out, day = Path(out), end_date.isoformat()
    _check(out, day, colleagues, contacts, days)
    people = build_colleagues(random.Random(f"{seed}:colleagues"), colleagues, domain)
    externals = build_contacts(random.Random(f"{seed}:contacts"), contacts)
    ties, strangers = assign_ties(random.Random(f"{seed}:ties"), people, externals)
    candidates = _lead_candidates(ties)
    crm_rng = random.Random(f"{seed}:crm")
    types = _crm_types(crm_rng, externals, candidates)
    sample_lead = next(email for email in candidates if types.get(email) == "lead")
    account = plant_account(random.Random(f"{seed}:account"), people)
    types.update(account.crm_types)
    path = plant_path(random.Random(f"{seed}:path"), people, sample_seller(people))
    types[path.lead.email] = "lead"
    fading = plant_fading(random.Random(f"{seed}:fading"), people, end_date)
    types.update({person.email: "contact" for person in fading.people})
    planted = [*account.people, path.lead, *fading.people]
    base_ties, ties = ties, ties + account.ties + path.ties
    write_csv(out / "directory" / day / "users.csv", DIRECTORY_HEADER, [directory_row(c) for c in people])
    write_csv(out / "crm" / day / "crm.csv", CRM_HEADER, _crm_rows(crm_rng, externals, types, planted))
    write_csv(
        out / "address_book" / day / "address_book.csv", ADDRESS_BOOK_HEADER, _address_book_rows(people, ties)
    )

    plan = MailPlan(people, end_date, days)
    plan_tie_mail(random.Random(f"{seed}:tie-mail"), plan, base_ties)
    noise_rng = random.Random(f"{seed}:noise")
    plan_internal(noise_rng, plan, people)
    guests = sorted(strangers, key=lambda contact: contact.email)
    broadcast_guests = plan_broadcasts(noise_rng, plan, people, guests)
    newsletter_senders = plan_newsletters(noise_rng, plan, people)
    noreply_senders = plan_noreply(noise_rng, plan, people)
    plan_tie_mail(random.Random(f"{seed}:account-mail"), plan, account.ties)
    path_rng = random.Random(f"{seed}:path-mail")
    plan_tie_mail(path_rng, plan, path.ties)
    plan_internal_ties(path_rng, plan, path.internal)
    plan_fading_mail(random.Random(f"{seed}:fading-mail"), plan, fading, end_date)
    stray = guests[0] if guests else externals[0]
    write_rng = random.Random(f"{seed}:write")
    messages, malformed = write_mailboxes(write_rng, out, out / "mail" / day, plan, people, stray, domain)

    window = (plan.first, plan.last)
    meetings_and_calls = _meetings_and_calls(seed, out, day, people, ties, guests, stray, window, domain)
    malformed += meetings_and_calls.pop("malformed_files")

    settings = {
        "seed": seed,
        "end_date": day,
        "domain": domain,
        "colleagues": colleagues,
        "contacts": contacts,
    }
    extra = {
        "broadcast_guests": broadcast_guests,
        "newsletter_senders": newsletter_senders,
        "noreply_senders": noreply_senders,
        "malformed_files": sorted(malformed, key=_malformed_order),
        "messages": messages,
        "planted_account": account.truth,
        "planted_path": path.truth,
        "planted_fading": fading.truth,
        **meetings_and_calls,
    }
    truth = _truth(settings, people, ties + fading.ties, sample_lead, extra)
    (out / TRUTH_FILE).write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return truth
