"""A tiny lake in the real shapes of the published tables, the directory and the address book, written
with `deltalake` (no Spark): the Get Introduced and `wkw serve` tests answer from it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

LEAD = "arjun.shah@bellowscollege.com"
COLLEAGUE = "ines.chen@contoso.com"
OTHER_COLLEAGUE = "jonas.olsen@contoso.com"
SELLER = "maria.lopez@contoso.com"
PUBLICATION_ID = "2026-11-26-0123456789abcdef"
AS_OF = date(2026, 11, 26)
NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
UTC_TS = pa.timestamp("us", tz="UTC")

INTRODUCER_COLUMNS = {
    "contact_email": pa.string(),
    "contact_name": pa.string(),
    "contact_company": pa.string(),
    "crm_id": pa.string(),
    "crm_type": pa.string(),
    "rank": pa.int32(),
    "colleague_email": pa.string(),
    "colleague_name": pa.string(),
    "colleague_title": pa.string(),
    "colleague_department": pa.string(),
    "strength": pa.float64(),
    "score": pa.float64(),
    "band": pa.string(),
    "last_interaction_at": UTC_TS,
    "last_interaction_channel": pa.string(),
    "mails_sent": pa.int64(),
    "mails_received": pa.int64(),
    "meetings": pa.int64(),
    "calls": pa.int64(),
    "two_way": pa.bool_(),
    "active_days": pa.int64(),
    "first_interaction_at": UTC_TS,
    "publication_id": pa.string(),
}
# The tie's past (docs/fading.md): in a publication's rows when `publish(..., with_trend=True)`.
TREND_COLUMNS = {
    "strength_90d_ago": pa.float64(),
    "band_90d_ago": pa.string(),
    "trend": pa.string(),
    "last_interaction": pa.date32(),
    "dormant": pa.bool_(),
}


def introducer(rank: int, email_: str, name: str, title: str, band: str, last: datetime) -> dict:
    return {
        "contact_email": LEAD,
        "contact_name": "Arjun Shah",
        "contact_company": "Bellows College",
        "crm_id": "LEAD-00042",
        "crm_type": "lead",
        "rank": rank,
        "colleague_email": email_,
        "colleague_name": name,
        "colleague_title": title,
        "colleague_department": "Sales",
        "strength": 0.8 if band == "strong" else 0.1,
        "score": 6.4 if band == "strong" else 0.4,
        "band": band,
        "last_interaction_at": last,
        "last_interaction_channel": "mail",
        "mails_sent": 12,
        "mails_received": 9,
        "meetings": 0,
        "calls": 0,
        "two_way": True,
        "active_days": 7 if band == "strong" else 1,
        "first_interaction_at": last - timedelta(days=200),
        "publication_id": PUBLICATION_ID,
    }


NAMED = pa.list_(
    pa.struct(
        [("email", pa.string()), ("name", pa.string()), ("band", pa.string()), ("strength", pa.float64())]
    )
)
ACCOUNT_COLUMNS = {
    "account": pa.string(),
    "account_kind": pa.string(),
    "account_domains": pa.list_(pa.string()),
    "account_contacts": pa.int32(),
    "rank": pa.int32(),
    "colleague_email": pa.string(),
    "colleague_name": pa.string(),
    "colleague_title": pa.string(),
    "colleague_department": pa.string(),
    "strong_contacts": pa.int32(),
    "moderate_contacts": pa.int32(),
    "known_contacts": pa.int32(),
    "strength_sum": pa.float64(),
    "named_contacts": NAMED,
    "as_of_date": pa.date32(),
    "model_version": pa.string(),
    "publication_id": pa.string(),
}


def account_row(account: str, kind: str, rank: int, colleague: str, name: str, named: list[tuple]) -> dict:
    """A row of the account view: `named` is (email, name, band, strength) of the people the colleague
    knows there, strongest first."""
    people = [dict(zip(("email", "name", "band", "strength"), person, strict=True)) for person in named]
    return {
        "account": account,
        "account_kind": kind,
        "account_domains": ["bellowscollege.com"],
        "account_contacts": 3,
        "rank": rank,
        "colleague_email": colleague,
        "colleague_name": name,
        "colleague_title": "Account Executive",
        "colleague_department": "Sales",
        "strong_contacts": sum(p["band"] == "strong" for p in people),
        "moderate_contacts": sum(p["band"] == "moderate" for p in people),
        "known_contacts": len(people),
        "strength_sum": sum(p["strength"] for p in people),
        "named_contacts": people,
        "as_of_date": AS_OF,
        "model_version": "strength-1",
        "publication_id": PUBLICATION_ID,
    }


def user(email_: str, name: str, title: str, roles: list, licences: list, active: bool = True) -> dict:
    return {
        "user_id": email_.split("@")[0],
        "email": email_,
        "aliases": [email_.replace("@", ".alias@")],
        "name": name,
        "title": title,
        "department": "Sales",
        "region": "EMEA",
        "roles": roles,
        "licences": licences,
        "active": active,
        "opted_out": False,
    }


PREMIUM = ["Microsoft 365 E3", "Sales Premium"]
DIRECTORY_NOW = [
    user(SELLER, "Maria Lopez", "Account Executive", ["salesperson"], PREMIUM),
    user(COLLEAGUE, "Ines Chen", "Account Executive", ["salesperson"], PREMIUM),
    user("left@contoso.com", "Lee Left", "Sales Manager", ["sales manager"], PREMIUM, active=False),
    user("basic@contoso.com", "Bo Basic", "Account Executive", ["salesperson"], ["Microsoft 365 E3"]),
    user("eng@contoso.com", "Eve Engineer", "Engineer", ["engineer"], PREMIUM),
]
# The older snapshot still has "left" active: only the newest one counts.
DIRECTORY_BEFORE = [user("left@contoso.com", "Lee Left", "Sales Manager", ["sales manager"], PREMIUM)]


def write_directory(lake: Path) -> None:
    rows = [{"ingest_date": date(2026, 11, 1), **u} for u in DIRECTORY_BEFORE]
    rows += [{"ingest_date": AS_OF, **u} for u in DIRECTORY_NOW]
    strings = pa.list_(pa.string())
    schema = pa.schema(
        [("ingest_date", pa.date32()), ("user_id", pa.string()), ("email", pa.string())]
        + [("aliases", strings), ("name", pa.string()), ("title", pa.string())]
        + [("department", pa.string()), ("region", pa.string()), ("roles", strings)]
        + [("licences", strings), ("active", pa.bool_()), ("opted_out", pa.bool_())]
    )
    write_deltalake(str(lake / "bronze" / "directory"), pa.Table.from_pylist(rows, schema))


def publish(
    lake: Path,
    rows: list[dict],
    publication_id: str = PUBLICATION_ID,
    as_of: date = AS_OF,
    published_at: datetime = datetime(2026, 11, 27, 2, 0, tzinfo=UTC),
    top_n: int = 5,
    accounts: list[dict] | None = None,
    with_trend: bool = False,
) -> dict[str, int]:
    """One publication of `rows` (introducers rows, any contacts): `introducers`, `top_introducers` (rank
    <= top_n) and, given `accounts`, `account_introducers` overwritten, and a row appended to
    `publications` naming their new versions. `with_trend`: the rows carry the tie's past too
    (TREND_COLUMNS)."""
    columns = INTRODUCER_COLUMNS | (TREND_COLUMNS if with_trend else {})
    schema = pa.schema(list(columns.items()))
    rows = [{**row, "publication_id": publication_id} for row in rows]
    tables = {"introducers": rows, "top_introducers": [row for row in rows if row["rank"] <= top_n]}
    schemas = dict.fromkeys(tables, schema)
    if accounts is not None:
        tables["account_introducers"] = [{**row, "publication_id": publication_id} for row in accounts]
        schemas["account_introducers"] = pa.schema(list(ACCOUNT_COLUMNS.items()))
    versions = {}
    for name, table_rows in tables.items():
        path = str(lake / "published" / name)
        write_deltalake(path, pa.Table.from_pylist(table_rows, schemas[name]), mode="overwrite")
        versions[name] = DeltaTable(path).version()
    counts = pa.map_(pa.string(), pa.int64())
    publication = {
        "publication_id": publication_id,
        "as_of_date": as_of,
        "published_at": published_at,
        "model_version": "strength-1",
        "table_versions": list(versions.items()),
        "row_counts": [(name, len(table_rows)) for name, table_rows in tables.items()],
    }
    schema = pa.schema(
        [("publication_id", pa.string()), ("as_of_date", pa.date32()), ("published_at", UTC_TS)]
        + [("model_version", pa.string()), ("table_versions", counts), ("row_counts", counts)]
    )
    path = str(lake / "published" / "publications")
    write_deltalake(path, pa.Table.from_pylist([publication], schema), mode="append")
    return versions


def lead_rows(**first_changes) -> list[dict]:
    """The lead's two introducers: Ines (strong, rank 1) and Jonas (weak, rank 2)."""
    last = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
    return [
        introducer(1, COLLEAGUE, "Ines Chen", "Account Executive", "strong", last) | first_changes,
        introducer(2, OTHER_COLLEAGUE, "Jonas Olsen", "Marketing Manager", "weak", last - timedelta(60)),
    ]


def write_publication(lake: Path, **first_changes) -> None:
    publish(lake, lead_rows(**first_changes))
