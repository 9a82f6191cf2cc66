"""Readers of the published tables through `deltalake` (delta-rs): no JVM, answers in milliseconds.

A reader gets one consistent publication: the newest row of `publications` names the version of every
table that belongs to it, and the tables are read at exactly those versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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
