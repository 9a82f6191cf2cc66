"""Scale mode of `wkw generate`: a large company's directory, CRM and a year of mail as Microsoft Graph JSON
lines, streamed to files day by day, with the counts the pipeline must reproduce.

    wkw generate --out landing --colleagues 10000 --contacts 500000 --days 365 [--mail-rate 12] [--nights 3]
    generate_scale(Path("landing"), colleagues=1000, contacts=50_000, days=365)

F is the first night, end date - nights. Written under DIR:
- directory/F/users.csv and crm/F/crm.csv, in the formats of wkw.synth.company (wkw.synth.scale_records);
- mail/F/graph/part-NNNNN.jsonl with every day up to F (the history a first run ingests), and
  mail/<day>/graph/part-NNNNN.jsonl for each later day (what each incremental night brings), by the day
  loop of wkw.synth.scale_days;
- truth.json: the arguments, ties per level, messages and lines written, and per night folder its files,
  lines, outcomes per exported copy and the interactions the interactions stage must keep; a sample lead
  (strong tie to an analysed colleague, a lead in the CRM) and a sample seller (wkw.synth.company).

Each contact but a few strangers is known by 1 to 4 colleagues, sellers most often. A tie has a level
(strong, moderate, weak, one_way) and a yearly mail rate: the level's weight times a log-normal factor,
scaled so that the mean over ties is --mail-rate (wkw.synth.scale_world); a day's mail is drawn tie by tie
in proportion to it, with fewer mails at weekends, plus noise the filters must remove (wkw.synth.scale_mail).
Memory holds the people, the tie table and one day's plan, never the messages; the same arguments give
byte-identical files. The truth's per-night outcomes and interactions were checked against the extract,
privacy and interactions stages (40 colleagues, 600 contacts, 40 days, 2 nights: equal, reason by reason).

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

import json
import random
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from wkw.synth.company import DEFAULT_END_DATE, TRUTH_FILE, sample_seller
from wkw.synth.noise import NEWSLETTERS, NOREPLY_SENDERS
from wkw.synth.people import build_colleagues, build_contacts
from wkw.synth.scale_days import write_mail
from wkw.synth.scale_records import write_directory_and_crm
from wkw.synth.scale_world import LEVELS, build_ties, build_world, choose_lead

DEFAULT_MAIL_RATE = 12.0
AUTO_SCALE_COLLEAGUES, AUTO_SCALE_CONTACTS = 1000, 20_000  # `--mode auto` picks scale from here on
MIN_COLLEAGUES, MIN_CONTACTS = 6, 20
LINES_PER_FILE = 250_000
TIES_STREAM, CRM_STREAM = 1, 2  # numpy random streams (seed, stream); 3 is the mail's, wkw.synth.scale_days


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
    lead = choose_lead(ties, people)
    crm_rng = np.random.default_rng([seed, CRM_STREAM])
    write_directory_and_crm(out, first_night, people, external, crm_rng, lead)
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
        "sample_seller": sample_seller(people),
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
