"""How `wkw who-knows` shows the tile, the list and the receipts of one score."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wkw.vocabulary import FADING

console = Console()


def introducer_view(row: dict) -> dict:
    """An introducer row for people and machines: who, how strong, and the receipts behind it."""
    first, last = row["first_interaction_at"], row["last_interaction_at"]
    return {
        "rank": row["rank"],
        "colleague_email": row["colleague_email"],
        "colleague_name": row["colleague_name"],
        "colleague_title": row["colleague_title"],
        "colleague_department": row.get("colleague_department"),
        "band": row["band"],
        "strength": row["strength"],
        "score": row["score"],
        "mails_sent": row["mails_sent"],
        "mails_received": row["mails_received"],
        "meetings": row["meetings"],
        "calls": row["calls"],
        "active_days": row["active_days"],
        "first_interaction_at": first.isoformat() if first else None,
        "last_interaction_at": last.isoformat() if last else None,
        "last_interaction_channel": row["last_interaction_channel"],
        "two_way": row["two_way"],
        **tie_past(row),
    }


def tie_past(row: dict) -> dict:
    """The tie's past (docs/fading.md); empty for a publication from before it was computed."""
    if row.get("trend") is None:
        return {}
    last = row["last_interaction"]
    return {
        "strength_90d_ago": row["strength_90d_ago"],
        "band_90d_ago": row["band_90d_ago"],
        "trend": row["trend"],
        "dormant": row["dormant"],
        "last_interaction": last.isoformat() if last else None,
        "standing": standing(row),
    }


def standing(row: dict) -> str:
    """The band as the tile says it: "strong", "moderate (was strong), quiet since 2026-09-14" for a
    dormant tie, "weak, fading (was moderate)" for a fading one."""
    band, was = row["band"], row.get("band_90d_ago")
    if row.get("dormant"):
        last = row["last_interaction"]
        day = last.isoformat() if hasattr(last, "isoformat") else str(last)
        return f"{band}{'' if was == band else f' (was {was})'}, quiet since {day}"
    if row.get("trend") == FADING:
        return f"{band}, fading{'' if was == band else f' (was {was})'}"
    return band


def tile_payload(contact: str, rows: list[dict], publication) -> dict:
    """The answer for machines (`who-knows --json`, the HTTP API): the contact, the publication, and the
    introducers strong first."""
    first = rows[0]
    return {
        "contact_email": contact,
        "contact_name": first["contact_name"],
        "contact_company": first["contact_company"],
        "crm_id": first["crm_id"],
        "crm_type": first["crm_type"],
        "publication_id": publication.publication_id,
        "as_of_date": publication.as_of_date.isoformat(),
        "introducers": [introducer_view(row) for row in rows],
    }


FORMULA = "score = reciprocity x sum(weight x audience^-damping x 2^(-age/half-life)); see docs/strength.md"


def print_receipts(contact: str, view: dict, publication) -> None:
    who = escape(view["colleague_name"] or view["colleague_email"])
    table = Table(
        title=f"Why {who} knows {escape(contact)}",
        show_header=False,
        title_justify="left",
        caption=f"publication {publication.publication_id}, model {publication.model_version}",
    )
    table.add_column("receipt")
    table.add_column("value")
    lines = [
        ("rank", view["rank"]),
        ("band", view["band"]),
        ("strength", f"{view['strength']:.3f}"),
        ("score", f"{view['score']:.3f}"),
        ("mails sent", view["mails_sent"]),
        ("mails received", view["mails_received"]),
        ("meetings", view["meetings"]),
        ("calls", view["calls"]),
        ("active days", view["active_days"]),
        ("two-way", "yes" if view["two_way"] else "no (one way only)"),
        ("first interaction", view["first_interaction_at"]),
        ("last interaction", f"{view['last_interaction_at']} ({view['last_interaction_channel']})"),
    ]
    if "trend" in view:
        was = f"{view['strength_90d_ago']:.3f} ({view['band_90d_ago']})"
        lines += [("90 days ago", was), ("trend", view["standing"] if view["dormant"] else view["trend"])]
    for name, value in lines:
        table.add_row(name, escape(str(value)))
    console.print(table)
    console.print(FORMULA)


def print_tile(email: str, rows: list[dict], publication, show_all: bool) -> None:
    first = rows[0]
    # Names come from directory and CRM exports: shown as text, never read as rich markup.
    who = escape(first["contact_name"] or email)
    company = f", {escape(first['contact_company'])}" if first.get("contact_company") else ""
    heading = "Everyone who knows" if show_all else "Who knows"
    table = Table(
        title=f"{heading} {who}{company}\n<{escape(email)}>",
        caption=f"publication {publication.publication_id}, as of {publication.as_of_date}",
    )
    table.add_column("#", justify="right")
    table.add_column("colleague", no_wrap=True)
    table.add_column("title")
    table.add_column("strength")
    table.add_column("last interaction", no_wrap=True)
    for row in rows:
        view = introducer_view(row)
        name = escape(view["colleague_name"] or view["colleague_email"])
        colleague = f"{name}\n[dim]{escape(view['colleague_email'])}[/dim]"
        channel = escape(str(view["last_interaction_channel"] or ""))
        last = f"{view['last_interaction_at'][:10]}\n[dim]{channel}[/dim]"
        title = escape(view["colleague_title"] or "")
        table.add_row(str(view["rank"]), colleague, title, escape(view.get("standing", view["band"])), last)
    console.print(table)


ACCOUNT_KINDS = {"crm_company": "CRM company", "domain": "e-mail domain"}


def account_colleague_view(row: dict) -> dict:
    """One colleague of the account view: who, how many of the account's people they know, and whom."""
    return {
        "rank": row["rank"],
        "colleague_email": row["colleague_email"],
        "colleague_name": row["colleague_name"],
        "colleague_title": row["colleague_title"],
        "colleague_department": row.get("colleague_department"),
        "strong_contacts": row["strong_contacts"],
        "moderate_contacts": row["moderate_contacts"],
        "known_contacts": row["known_contacts"],
        "strength_sum": row["strength_sum"],
        "named_contacts": [dict(person) for person in row["named_contacts"]],
    }


def by_account(rows: list[dict], limit: int | None) -> list[dict]:
    """Rows of the account view grouped per account (in the order given), at most `limit` colleagues each
    (None: all)."""
    accounts: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row["account_kind"], row["account"])
        entry = accounts.setdefault(
            key,
            {
                "account": row["account"],
                "account_kind": row["account_kind"],
                "account_domains": list(row["account_domains"] or ()),
                "account_contacts": row["account_contacts"],
                "colleagues": [],
            },
        )
        if limit is None or len(entry["colleagues"]) < limit:
            entry["colleagues"].append(account_colleague_view(row))
    return list(accounts.values())


def account_payload(query: str, accounts: list[dict], publication) -> dict:
    """The account view for machines (`who-knows --account --json`)."""
    return {
        "account_query": query,
        "publication_id": publication.publication_id,
        "as_of_date": publication.as_of_date.isoformat(),
        "accounts": accounts,
    }


def print_accounts(accounts: list[dict], publication, show_all: bool) -> None:
    for account in accounts:
        kind = ACCOUNT_KINDS.get(account["account_kind"], account["account_kind"])
        domains = ", ".join(account["account_domains"])
        heading = "Everyone who knows people at" if show_all else "Who knows people at"
        table = Table(
            title=f"{heading} {escape(account['account'])}\n({kind}; {account['account_contacts']} "
            f"{'person' if account['account_contacts'] == 1 else 'people'} known"
            f"{'; ' + escape(domains) if domains else ''})",
            caption=f"publication {publication.publication_id}, as of {publication.as_of_date}",
        )
        table.add_column("#", justify="right")
        table.add_column("colleague", no_wrap=True)
        table.add_column("title")
        table.add_column("knows", no_wrap=True)
        table.add_column("people they know there")
        for view in account["colleagues"]:
            name = escape(view["colleague_name"] or view["colleague_email"])
            colleague = f"{name}\n[dim]{escape(view['colleague_email'])}[/dim]"
            knows = (
                f"{view['strong_contacts']} strong\n{view['moderate_contacts']} moderate\n"
                f"{view['known_contacts']} in all"
            )
            people = "\n".join(
                f"{escape(p['name'] or p['email'])} ({escape(p['band'])})" for p in view["named_contacts"]
            )
            title = escape(view["colleague_title"] or "")
            table.add_row(str(view["rank"]), colleague, title, knows, people)
        console.print(table)


def _strength(band: str | None, strength: float | None) -> str:
    return "no tie" if strength is None else f"{escape(band or '')} {strength:.2f}"


def print_path_tile(email: str, rows: list[dict], you: dict | None, ordered: list[dict], publication) -> None:
    """The tile in the requester's path order (wkw.serve.paths): their own tie to the lead first, then
    each introducer with the requester's tie to them, their strength to the lead and the path; below it,
    the ties that are fading or quiet (`standing`)."""
    first = rows[0]
    who = escape(first["contact_name"] or email)
    company = f", {escape(first['contact_company'])}" if first.get("contact_company") else ""
    if you is not None:
        you_are = escape(you["colleague_name"] or you["colleague_email"])
        console.print(
            f"You know them ({you_are}): {_strength(standing(you), you['strength'])}, tile #{you['rank']}"
        )
    table = Table(
        title=f"Your paths to {who}{company}\n<{escape(email)}>",
        caption=f"path = sqrt(your tie x their strength) (docs/path.md); publication "
        f"{publication.publication_id}, as of {publication.as_of_date}",
    )
    table.add_column("#", justify="right")
    table.add_column("colleague", no_wrap=True)
    table.add_column("your tie")
    table.add_column("their strength")
    table.add_column("path", justify="right")
    table.add_column("tile", justify="right")
    for position, row in enumerate(ordered, start=1):
        name = escape(row["colleague_name"] or row["colleague_email"])
        colleague = f"{name}\n[dim]{escape(row['colleague_email'])}[/dim]"
        table.add_row(
            str(position),
            colleague,
            _strength(row["tie_band"], row["tie_strength"]),
            _strength(row["band"], row["strength"]),
            f"{row['path_strength']:.2f}",
            str(row["rank"]),
        )
    console.print(table)
    for row in ordered:  # a tie that is fading or has gone quiet, said as the tile says it
        if (said := standing(row)) != row["band"]:
            console.print(f"{escape(row['colleague_name'] or row['colleague_email'])}: {escape(said)}")
