"""The directory and CRM of scale mode (wkw.synth.scale): `directory/F/users.csv` and `crm/F/crm.csv` (F, the
first night), in the formats of wkw.synth.company, their headers from wkw.vocabulary.

The CRM holds most contacts, each a lead or a contact, numbered per type in an order unrelated to their
e-mail; the sample lead is always in it, as a lead. Rows are streamed, never held in memory at once.

    write_directory_and_crm(out, first_night, people, contacts, crm_rng, lead)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np

from wkw.synth.company import CRM_PREFIX, CRM_SHARE, LEAD_SHARE, write_csv
from wkw.synth.people import Colleague, Contact, directory_row
from wkw.vocabulary import CRM_HEADER, DIRECTORY_HEADER


def _crm_rows(rng: np.random.Generator, contacts: list[Contact], lead: int) -> Iterator[list[str]]:
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


def write_directory_and_crm(
    out: Path,
    first_night: date,
    people: list[Colleague],
    contacts: list[Contact],
    rng: np.random.Generator,
    lead: int,
) -> None:
    """users.csv of every colleague; crm.csv drawn with `rng`, the contact of index `lead` in it as a lead."""
    write_csv(
        out / "directory" / first_night.isoformat() / "users.csv",
        DIRECTORY_HEADER,
        map(directory_row, people),
    )
    crm = _crm_rows(rng, contacts, lead)
    write_csv(out / "crm" / first_night.isoformat() / "crm.csv", CRM_HEADER, crm)
