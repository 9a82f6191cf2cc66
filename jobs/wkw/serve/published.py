"""Readers of the published tables through `deltalake` (delta-rs): no JVM, answers in milliseconds.

A reader gets one consistent publication: the newest row of `publications` names the version of every
table that belongs to it, and the tables are read at exactly those versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from wkw.config import PUBLISHED, Settings


class NoPublication(LookupError):
    """Nothing has been published in this lake yet."""


@dataclass(frozen=True)
class Publication:
    publication_id: str
    as_of_date: date
    published_at: datetime
    model_version: str
    table_versions: dict[str, int]
    row_counts: dict[str, int]


def table_rows(path: str) -> list[dict]:
    """Every row of a (small) Delta table; none when the table does not exist yet."""
    try:
        return DeltaTable(path).to_pyarrow_table().to_pylist()
    except TableNotFoundError:
        return []


def current_publication(settings: Settings) -> Publication:
    """The newest publication (by as-of date, then publication time)."""
    rows = table_rows(settings.table_path(PUBLISHED, "publications"))
    if not rows:
        raise NoPublication(f"no publication in {settings.lake}: run the pipeline first (wkw run --date ...)")
    row = max(rows, key=lambda r: (r["as_of_date"], r["published_at"]))
    return Publication(
        publication_id=row["publication_id"],
        as_of_date=row["as_of_date"],
        published_at=row["published_at"],
        model_version=row["model_version"],
        table_versions=dict(row["table_versions"]),
        row_counts=dict(row["row_counts"]),
    )


def read_rows(settings: Settings, publication: Publication, table: str, contact_email: str) -> list[dict]:
    """The rows of one published table for one contact, at the version of `publication`, by rank."""
    delta = DeltaTable(settings.table_path(PUBLISHED, table), version=publication.table_versions[table])
    return contact_rows(delta.to_pyarrow_dataset(), contact_email)


def contact_rows(dataset: ds.Dataset, contact_email: str) -> list[dict]:
    """The rows of a published table's dataset for one contact, by rank."""
    found = dataset.to_table(filter=ds.field("contact_email") == contact_email)
    return sorted(found.to_pylist(), key=lambda r: r["rank"])


ACCOUNTS_TABLE = "account_introducers"
ACCOUNT_KEY = ("account", "account_kind", "account_domains")


def read_account_rows(settings: Settings, publication: Publication, account: str) -> list[dict]:
    """The account view at the version of `publication` for `account` (without regard to case): the
    account of that name (a CRM company or a domain) and the accounts whose people's registrable domains
    include it (`fabrikam.com` finds the CRM company Fabrikam too); by kind, account, then rank. Empty for
    a publication from before the view existed."""
    version = publication.table_versions.get(ACCOUNTS_TABLE)
    if version is None:
        return []
    delta = DeltaTable(settings.table_path(PUBLISHED, ACCOUNTS_TABLE), version=version)
    return account_rows(delta.to_pyarrow_dataset(), account)


def account_rows(dataset: ds.Dataset, account: str) -> list[dict]:
    """The rows of the accounts `account` names (see read_account_rows) from the view's dataset."""
    wanted = account.strip().lower()
    keys = dataset.to_table(columns=list(ACCOUNT_KEY)).to_pylist()
    matched = {
        (row["account"], row["account_kind"])
        for row in keys
        if row["account"].lower() == wanted or wanted in (row["account_domains"] or ())
    }
    if not matched:
        return []
    names = sorted({name for name, _ in matched})
    found = dataset.to_table(filter=pc.field("account").isin(names)).to_pylist()
    rows = [row for row in found if (row["account"], row["account_kind"]) in matched]
    return sorted(rows, key=lambda r: (r["account_kind"], r["account"], r["rank"]))


TIES_TABLE = "colleague_ties"


def read_ties(settings: Settings, publication: Publication, colleague_email: str) -> list[dict]:
    """One colleague's published ties (their rows of `colleague_ties`) at the version of `publication`;
    none for a publication from before the ties existed."""
    version = publication.table_versions.get(TIES_TABLE)
    if version is None:
        return []
    delta = DeltaTable(settings.table_path(PUBLISHED, TIES_TABLE), version=version)
    found = delta.to_pyarrow_dataset().to_table(filter=ds.field("colleague_email") == colleague_email)
    return found.to_pylist()


def read_colleague_rows(settings: Settings, publication: Publication, colleague_email: str) -> list[dict]:
    """Every row of the published list (`introducers`) in which `colleague_email` is the introducer, at the
    version of `publication`."""
    delta = DeltaTable(
        settings.table_path(PUBLISHED, "introducers"), version=publication.table_versions["introducers"]
    )
    return (
        delta.to_pyarrow_dataset().to_table(filter=ds.field("colleague_email") == colleague_email).to_pylist()
    )
