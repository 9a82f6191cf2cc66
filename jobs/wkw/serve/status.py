"""Run status from the lake, read with delta-rs (no JVM): per logical date and source, how many records
were read, accepted, filtered (by reason) and quarantined, the quarantined share of what was read, and
whether the night was validated (with its warnings) and published."""

from __future__ import annotations

from wkw.checks.quarantine import quarantine_share
from wkw.config import GOLD, PUBLISHED, SILVER, Settings
from wkw.serve.published import table_rows


def run_status(settings: Settings, last: int) -> list[dict]:
    """The `last` most recent logical dates, newest first, each with its per-source reconciliation."""
    reconciliation = table_rows(settings.table_path(SILVER, "reconciliation"))
    verdicts = {row["as_of_date"]: row for row in table_rows(settings.table_path(GOLD, "validations"))}
    publications = {
        row["as_of_date"]: row for row in table_rows(settings.table_path(PUBLISHED, "publications"))
    }
    days = sorted({row["as_of_date"] for row in reconciliation}, reverse=True)[:last]
    runs = []
    for day in days:
        sources = {
            row["source"]: {
                "read": row["read"],
                "accepted": row["accepted"],
                "filtered": row["filtered"],
                "filtered_by": dict(row["filtered_by"] or []),
                "quarantined": row["quarantined"],
                "quarantine_share": quarantine_share(row["read"], row["quarantined"]),
                "balanced": row["balanced"],
            }
            for row in sorted(reconciliation, key=lambda r: r["source"])
            if row["as_of_date"] == day
        }
        verdict = verdicts.get(day)
        publication = publications.get(day)
        runs.append(
            {
                "as_of_date": day.isoformat(),
                "sources": sources,
                "validated": None if verdict is None else bool(verdict["passed"]),
                "failures": [] if verdict is None else [dict(f) for f in verdict["failures"] or []],
                "warnings": [] if verdict is None else [dict(w) for w in verdict.get("warnings") or []],
                "publication_id": None if publication is None else publication["publication_id"],
            }
        )
    return runs


def privacy_requests(settings: Settings) -> list[dict]:
    """The privacy register (hashes only), newest request first: what was asked, and where it stands."""
    rows = table_rows(settings.table_path(SILVER, "privacy_requests"))
    shown = []
    for row in sorted(rows, key=lambda r: (r["received_date"], r["request_id"]), reverse=True):
        shown.append(
            {
                "request_id": row["request_id"],
                "kind": row["kind"],
                "status": row["status"],
                "received_date": row["received_date"].isoformat(),
                "applied_at": _iso(row["applied_at"]),
                "purged_at": _iso(row["purged_at"]),
                "withdrawn_date": _iso(row["withdrawn_date"]),
            }
        )
    return shown


def _iso(value) -> str | None:
    return None if value is None else value.isoformat()
