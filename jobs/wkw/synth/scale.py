"""Scale mode of `wkw generate`: a large company's directory, CRM and a year of mail as Microsoft Graph JSON
lines, streamed to files day by day, with the counts the pipeline must reproduce.

    wkw generate --out landing --colleagues 10000 --contacts 500000 --days 365 [--mail-rate 12] [--nights 3]
    generate_scale(Path("landing"), colleagues=1000, contacts=50_000, days=365)

F is the first night, end date - nights. Written under DIR:
- directory/F/users.csv and crm/F/crm.csv, in the formats of wkw.synth.company;
- mail/F/graph/part-NNNNN.jsonl with every day up to F (the history a first run ingests), and
  mail/<day>/graph/part-NNNNN.jsonl for each later day (what each incremental night brings);
- truth.json: the arguments, ties per level, messages and lines written, and per night folder its files,
  lines, outcomes per exported copy and the interactions the interactions stage must keep; a sample lead
  (strong tie to an analysed colleague, a lead in the CRM) and a sample seller (wkw.synth.company).

Each contact but a few strangers is known by 1 to 4 colleagues, sellers most often. A tie has a level
(strong, moderate, weak, one_way) and a yearly mail rate: the level's weight times a log-normal factor,
scaled so that the mean over ties is --mail-rate; a day's mail is drawn tie by tie in proportion to it,
with fewer mails at weekends, plus noise the filters must remove (wkw.synth.scale_mail). Memory holds
the people, the tie table and one day's plan, never the messages; the same arguments give byte-identical
files. The truth's per-night outcomes and interactions were checked against the extract, privacy and
interactions stages (40 colleagues, 600 contacts, 40 days, 2 nights: equal, reason by reason).

Measured on the 2-core workspace while other jobs ran (load average about 9), `wkw generate` in scale mode:
- 1000 colleagues, 50000 contacts, 365 days: 1.10 million messages (1.24 million lines, 470 MB),
  1.15 million interactions; 10.4 s wall, 6.3 s CPU, peak RSS 88 MB;
- 10000 colleagues, 500000 contacts, 365 days: 11.0 million messages (12.4 million lines, 4.7 GB in 50
  files), 11.5 million interactions; 1 min 42 s wall, 60 s CPU, peak RSS 361 MB.
Interactions grow linearly with --mail-rate, about 0.96 million per unit for 10000 colleagues and 500000
contacts over a year: --mail-rate 1.05 gave 1.01 million (20 s, most of it building the people), so 10.5
and 52 give about 10 and 50 million.
"""

from __future__ import annotations

import csv
import json
import random
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from wkw.synth.company import CRM_PREFIX, CRM_SHARE, DEFAULT_END_DATE, LEAD_SHARE, TRUTH_FILE, _sample_seller
from wkw.synth.noise import NEWSLETTERS, NOREPLY_SENDERS
from wkw.synth.people import OFFSET_OF, Colleague, Contact, build_colleagues, build_contacts, directory_row
from wkw.synth.scale_mail import NO_ONE, PartWriter, World, clock_times, plan_day, render
from wkw.synth.ties import ROLE_WEIGHTS
from wkw.vocabulary import CRM_HEADER, DIRECTORY_HEADER

DEFAULT_MAIL_RATE = 12.0
AUTO_SCALE_COLLEAGUES, AUTO_SCALE_CONTACTS = 1000, 20_000  # `--mode auto` picks scale from here on
MIN_COLLEAGUES, MIN_CONTACTS = 6, 20
LINES_PER_FILE = 250_000
STRANGER_SHARE = 0.08  # contacts nobody knows: in the CRM, never in the tile
TIES_PER_CONTACT = (0.55, 0.28, 0.12, 0.05)  # known by 1, 2, 3 or 4 colleagues
LEVELS = ("strong", "moderate", "weak", "one_way")
LEVEL_SHARES = (0.12, 0.3, 0.48, 0.1)
LEVEL_RATES = (6.0, 1.5, 0.4, 0.8)  # relative yearly mail of a tie of each level
RATE_SIGMA = 1.0  # log-normal spread: a few ties write far more than the rest
WEEKDAY_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.2)
YEAR_DAYS = 365
TIES_STREAM, CRM_STREAM, MAIL_STREAM = 1, 2, 3


@dataclass(frozen=True)
class Ties:
    colleague: np.ndarray  # index into the colleagues
    contact: np.ndarray  # index into the contacts, ascending
    level: np.ndarray  # index into LEVELS
    rate: np.ndarray  # mails per year


def _check(colleagues: int, contacts: int, days: int, nights: int, mail_rate: float) -> None:
    if colleagues < MIN_COLLEAGUES or contacts < MIN_CONTACTS or not 0 <= nights < days or mail_rate <= 0:
        raise ValueError(
            f"scale mode needs at least {MIN_COLLEAGUES} colleagues and {MIN_CONTACTS} contacts, "
            "0 <= nights < days and a positive mail rate"
        )


def _refuse_leftovers(folders: Iterable[Path]) -> None:
    # Leftovers of another run would break "same arguments, same files": refuse rather than delete.
    for folder in folders:
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(f"{folder} is not empty")


def _draw(rng: np.random.Generator, cdf: np.ndarray, count: int) -> np.ndarray:
    return np.searchsorted(cdf, rng.random(count) * cdf[-1], side="right")


def build_ties(rng: np.random.Generator, people: list[Colleague], contacts: int, mail_rate: float) -> Ties:
    """Who knows which contact, by role weight (distinct colleagues per contact), with level and rate."""
    weights = [max([1, *(ROLE_WEIGHTS.get(role, 1) for role in c.roles)]) for c in people]
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    known = rng.random(contacts) >= STRANGER_SHARE
    count = 1 + rng.choice(len(TIES_PER_CONTACT), contacts, p=TIES_PER_CONTACT)
    contact = np.repeat(np.arange(contacts), np.minimum(count, len(people)) * known)
    colleague = _draw(rng, cdf, len(contact))
    while True:
        key = contact * len(people) + colleague
        order = np.argsort(key, kind="stable")
        clash = order[1:][key[order][1:] == key[order][:-1]]
        if not len(clash):
            break
        colleague[clash] = _draw(rng, cdf, len(clash))
    level = rng.choice(len(LEVELS), len(contact), p=LEVEL_SHARES)
    factor = np.asarray(LEVEL_RATES)[level] * rng.lognormal(0.0, RATE_SIGMA, len(contact))
    return Ties(colleague, contact, level, mail_rate * factor / factor.mean())


def _sample_lead(ties: Ties, people: list[Colleague]) -> int:
    """The contact of the busiest strong tie of an active, analysed colleague (made strong if none is)."""
    analysed = np.array([c.active and not c.opted_out for c in people])[ties.colleague]
    strong = analysed & (ties.level == LEVELS.index("strong"))
    pool = strong if strong.any() else analysed
    best = int(np.flatnonzero(pool)[np.argmax(ties.rate[pool])])
    ties.level[best] = LEVELS.index("strong")
    return int(ties.contact[best])


def _write_csv(path: Path, header: tuple[str, ...], rows: Iterable[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _crm_rows(rng: np.random.Generator, contacts: list[Contact], lead: int):
    """Most contacts, leads or contacts, numbered per type in an order unrelated to their e-mail."""
    member = rng.random(len(contacts)) < CRM_SHARE
    is_lead = rng.random(len(contacts)) < LEAD_SHARE
    member[lead] = is_lead[lead] = True
    order = rng.permutation(np.flatnonzero(member))
    width, numbers = max(5, len(str(len(order)))), Counter()
    for index in order.tolist():
        kind, contact = "lead" if is_lead[index] else "contact", contacts[index]
        numbers[kind] += 1
        yield [
            f"{CRM_PREFIX[kind]}-{numbers[kind]:0{width}d}",
            kind,
            contact.email,
            contact.name,
            contact.company,
        ]


def _fragment(address: str, name: str) -> str:
    return f'{{"emailAddress":{{"address":{json.dumps(address)},"name":{json.dumps(name)}}}}}'


def _list_headers(address: str, name: str) -> str:
    local, _, domain = address.partition("@")
    headers = [
        {"name": "Precedence", "value": "bulk"},
        {"name": "List-Id", "value": f"{name} <{local}.{domain}>"},
    ]
    return ',"internetMessageHeaders":' + json.dumps(headers, separators=(",", ":"))


def build_world(
    seed: int, domain: str, people: list[Colleague], contacts: list[Contact], ties: Ties
) -> World:
    """Person fragments (colleagues, contacts, aliases, automated senders) and the tie table's indexes."""
    everyone = [*people, *contacts]
    fragments = [_fragment(person.email, person.name) for person in everyone]
    offsets = [person.offset for person in everyone]
    alias = np.full(len(people), NO_ONE, dtype=np.int64)
    for index, colleague in enumerate(people):
        if colleague.aliases:
            alias[index] = len(fragments)
            fragments.append(_fragment(colleague.aliases[0], colleague.name))
            offsets.append(colleague.offset)
    senders: dict[str, list[int]] = {"newsletter": [], "noreply": []}
    headers = {}
    for kind, listed in (("newsletter", NEWSLETTERS), ("noreply", NOREPLY_SENDERS)):
        for address, name in listed:
            senders[kind].append(len(fragments))
            headers[len(fragments)] = _list_headers(address, name) if kind == "newsletter" else ""
            fragments.append(_fragment(address, name))
            offsets.append(OFFSET_OF[address.partition("@")[2]])
    by_colleague = np.argsort(ties.colleague, kind="stable")
    colleague_start = np.searchsorted(ties.colleague[by_colleague], np.arange(len(people) + 1))
    tie_rank = np.empty(len(by_colleague), dtype=np.int64)
    tie_rank[by_colleague] = np.arange(len(by_colleague)) - colleague_start[ties.colleague[by_colleague]]
    contact_start = np.searchsorted(ties.contact, np.arange(len(contacts) + 1))
    return World(
        seed=seed,
        domain=domain,
        colleagues=len(people),
        fragments=fragments,
        offsets=np.asarray(offsets, dtype=np.int64),
        visible=np.array([not c.opted_out for c in people], dtype=np.int64),
        alias=alias,
        headers={sender: text for sender, text in headers.items() if text},
        newsletters=np.asarray(senders["newsletter"]),
        noreply=np.asarray(senders["noreply"]),
        executive=next(i for i, c in enumerate(people) if "executive" in c.roles and c.active),
        contacts=np.arange(len(people), len(everyone)),
        tie_colleague=ties.colleague,
        tie_contact=ties.contact + len(people),
        tie_level=ties.level,
        tie_cdf=np.cumsum(ties.rate),
        by_colleague=by_colleague,
        colleague_start=colleague_start,
        tie_rank=tie_rank,
        contact_first=contact_start[ties.contact],
        contact_ties=contact_start[ties.contact + 1] - contact_start[ties.contact],
    )


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days  {task.fields[messages]:,} messages  {task.fields[rate]:,.0f}/s"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=quiet,
    )


def write_mail(out: Path, world: World, days: int, end_date: date, first_night: date, options: dict) -> list:
    """Every day's mail into its night folder; per folder: files, lines, messages, outcomes, interactions."""
    clock, yearly = clock_times(), float(world.tie_cdf[-1]) if len(world.tie_cdf) else 0.0
    weights = np.asarray(WEEKDAY_WEIGHTS) / np.mean(WEEKDAY_WEIGHTS)
    folders: list[dict] = []
    writer, number, started = None, 0, time.perf_counter()
    with _progress(options["quiet"]) as progress:
        task = progress.add_task("mail", total=days, messages=0, rate=0.0)
        for back in range(days - 1, -1, -1):
            day = end_date - timedelta(days=back)
            folder = max(day, first_night).isoformat()
            if not folders or folders[-1]["date"] != folder:
                writer = PartWriter(out / "mail" / folder / "graph", options["lines_per_file"])
                folders.append(
                    {"date": folder, "writer": writer, "messages": 0, "outcomes": Counter(), "touches": 0}
                )
            rng = np.random.default_rng([world.seed, MAIL_STREAM, day.toordinal()])
            plan = plan_day(world, rng, yearly / YEAR_DAYS * weights[day.weekday()])
            for lines in render(world, plan, day.isoformat(), number, clock):
                writer.write(lines)
            messages = len(plan.sender) + len(plan.broadcasts)
            number += messages
            stats = folders[-1]
            stats["messages"] += messages
            stats["outcomes"].update(plan.outcomes())
            stats["touches"] += int(plan.touches.sum())
            rate = number / max(time.perf_counter() - started, 1e-9)
            progress.update(task, advance=1, description=f"mail {day}", messages=number, rate=rate)
    return [_folder_truth(out, stats) for stats in folders]


def _folder_truth(out: Path, stats: dict) -> dict:
    writer = stats["writer"]
    writer.close()
    return {
        "date": stats["date"],
        "files": [path.relative_to(out).as_posix() for path in writer.paths],
        "lines": writer.lines,
        "messages": stats["messages"],
        "outcomes": dict(sorted(stats["outcomes"].items())),
        "expected_interactions": stats["touches"],
    }


def generate_scale(
    out: Path,
    seed: int = 7,
    colleagues: int = 1000,
    contacts: int = 50_000,
    days: int = 365,
    end_date: date = DEFAULT_END_DATE,
    nights: int = 0,
    mail_rate: float = DEFAULT_MAIL_RATE,
    domain: str = "contoso.com",
    lines_per_file: int = LINES_PER_FILE,
    quiet: bool = False,
) -> dict:
    """Write the scale exports under `out`; return the truth (also truth.json)."""
    out = Path(out)
    _check(colleagues, contacts, days, nights, mail_rate)
    first_night = end_date - timedelta(days=nights)
    night_days = [first_night + timedelta(days=n) for n in range(nights + 1)]
    _refuse_leftovers(
        [out / "directory" / first_night.isoformat(), out / "crm" / first_night.isoformat()]
        + [out / "mail" / day.isoformat() for day in night_days]
    )
    people = build_colleagues(random.Random(f"{seed}:colleagues"), colleagues, domain)
    external = build_contacts(random.Random(f"{seed}:contacts"), contacts)
    ties = build_ties(np.random.default_rng([seed, TIES_STREAM]), people, contacts, mail_rate)
    lead = _sample_lead(ties, people)
    _write_csv(
        out / "directory" / first_night.isoformat() / "users.csv",
        DIRECTORY_HEADER,
        map(directory_row, people),
    )
    crm = _crm_rows(np.random.default_rng([seed, CRM_STREAM]), external, lead)
    _write_csv(out / "crm" / first_night.isoformat() / "crm.csv", CRM_HEADER, crm)
    world = build_world(seed, domain, people, external, ties)
    sample_lead = external[lead].email
    del external  # the fragments are all the mail needs
    options = {"quiet": quiet, "lines_per_file": lines_per_file}
    folders = write_mail(out, world, days, end_date, first_night, options)
    truth = {
        "mode": "scale",
        "seed": seed,
        "end_date": end_date.isoformat(),
        "first_night": first_night.isoformat(),
        "domain": domain,
        "colleagues": colleagues,
        "contacts": contacts,
        "days": days,
        "nights": nights,
        "mail_rate": mail_rate,
        "ties": {level: int(np.count_nonzero(ties.level == i)) for i, level in enumerate(LEVELS)},
        "messages": sum(folder["messages"] for folder in folders),
        "lines": sum(folder["lines"] for folder in folders),
        "expected_interactions": sum(folder["expected_interactions"] for folder in folders),
        "night_folders": folders,
        "sample_lead": sample_lead,
        "sample_seller": _sample_seller(people),
        "opted_out": sorted(c.email for c in people if c.opted_out),
        "inactive": sorted(c.email for c in people if not c.active),
        "newsletter_senders": sorted(address for address, _ in NEWSLETTERS),
        "noreply_senders": sorted(address for address, _ in NOREPLY_SENDERS),
    }
    (out / TRUTH_FILE).write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return truth


def choose_mode(mode: str, colleagues: int, contacts: int) -> tuple[str, str]:
    """(company or scale, why): auto picks scale from AUTO_SCALE_COLLEAGUES or AUTO_SCALE_CONTACTS on."""
    if mode != "auto":
        return mode, "as asked"
    if colleagues >= AUTO_SCALE_COLLEAGUES or contacts >= AUTO_SCALE_CONTACTS:
        return "scale", f"auto: {AUTO_SCALE_COLLEAGUES:,}+ colleagues or {AUTO_SCALE_CONTACTS:,}+ contacts"
    return "company", f"auto: under {AUTO_SCALE_COLLEAGUES:,} colleagues and {AUTO_SCALE_CONTACTS:,} contacts"
