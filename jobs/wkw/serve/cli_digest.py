"""`wkw digest`: a colleague's strong ties that are fading or dormant, most valuable first (docs/fading.md).

wkw digest --as ines.chen@contoso.com [--json]     (or WKW_USER)

A tie is in the digest when it was strong 90 days before the publication's date and is now fading or
dormant; the most valuable first: the strongest 90 days ago, then the one quiet the longest, then the
contact's e-mail. Read from the published list (`wkw.introducers`), so a withheld colleague or an erased
contact is in no digest; the requester gate is who-knows's (a withheld or unknown requester is refused the
same way, exit 4). `register(app)` adds the command to the `wkw` app.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wkw.serve.views import standing
from wkw.vocabulary import FADING, STRONG

EXIT_NO_PUBLICATION = 3
EXIT_REFUSED = 4

console = Console()
errors = Console(stderr=True)


def is_fading_strong_tie(row: dict) -> bool:
    return row.get("band_90d_ago") == STRONG and (row.get("dormant") or row.get("trend") == FADING)


def digest_rows(rows: list[dict]) -> list[dict]:
    """The rows of one colleague's list that belong in their digest, most valuable first."""
    chosen = [row for row in rows if is_fading_strong_tie(row)]
    return sorted(chosen, key=lambda r: (-r["strength_90d_ago"], r["last_interaction"], r["contact_email"]))


def digest_entry(row: dict) -> dict:
    return {
        "contact_email": row["contact_email"],
        "contact_name": row["contact_name"],
        "contact_company": row["contact_company"],
        "crm_id": row["crm_id"],
        "crm_type": row["crm_type"],
        "strength": row["strength"],
        "band": row["band"],
        "strength_90d_ago": row["strength_90d_ago"],
        "band_90d_ago": row["band_90d_ago"],
        "trend": row["trend"],
        "dormant": row["dormant"],
        "last_interaction": row["last_interaction"].isoformat(),
        "last_interaction_channel": row["last_interaction_channel"],
        "standing": standing(row),
    }


def digest_payload(requester, rows: list[dict], publication) -> dict:
    """The digest for machines (`wkw digest --json`)."""
    return {
        "colleague_email": requester.email,
        "colleague_name": requester.name,
        "publication_id": publication.publication_id,
        "as_of_date": publication.as_of_date.isoformat(),
        "ties": [digest_entry(row) for row in digest_rows(rows)],
    }


def print_digest(payload: dict) -> None:
    ties = payload["ties"]
    who = escape(payload["colleague_name"])
    if not ties:
        console.print(f"No strong tie of {who} is fading (publication {payload['publication_id']}).")
        return
    table = Table(
        title=f"Strong ties of {who} that are fading",
        caption=f"publication {payload['publication_id']}, as of {payload['as_of_date']}",
    )
    for column in ("#", "contact", "now", "90 days ago", "last interaction"):
        table.add_column(column, no_wrap=column != "contact")
    for number, tie in enumerate(ties, start=1):
        name = escape(tie["contact_name"] or tie["contact_email"])
        company = f", {escape(tie['contact_company'])}" if tie["contact_company"] else ""
        contact = f"{name}{company}\n[dim]{escape(tie['contact_email'])}[/dim]"
        was = f"{tie['band_90d_ago']} ({tie['strength_90d_ago']:.2f})"
        last = f"{tie['last_interaction']}\n[dim]{escape(tie['last_interaction_channel'] or '')}[/dim]"
        table.add_row(str(number), contact, escape(tie["standing"]), was, last)
    console.print(table)


def digest(
    requester: Annotated[
        str | None, typer.Option("--as", envvar="WKW_USER", help="your e-mail (licensed seller)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for machines")] = False,
) -> None:
    """Your strong ties that are fading or dormant (strong 90 days ago), most valuable first."""
    from wkw.config import load_settings
    from wkw.serve.access import AccessRefused, check_requester
    from wkw.serve.published import NoPublication, current_publication, read_colleague_rows

    settings = load_settings()
    try:
        who = check_requester(settings, requester)
        publication = current_publication(settings)
    except AccessRefused as refused:
        errors.print(str(refused), style="red", markup=False, highlight=False)
        raise typer.Exit(EXIT_REFUSED) from refused
    except NoPublication as missing:
        errors.print(f"[red]{missing}[/red]")
        raise typer.Exit(EXIT_NO_PUBLICATION) from missing
    payload = digest_payload(who, read_colleague_rows(settings, publication, who.email), publication)
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    print_digest(payload)


def register(app: typer.Typer) -> None:
    """Add `digest` to `app` (the `wkw` app calls this once)."""
    app.command("digest")(digest)
