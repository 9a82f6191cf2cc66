"""`wkw`: the Who Knows Whom command line.

wkw generate --out landing            synthetic company exports, with planted truth
wkw run --date 2026-11-26             the nightly DAG for one logical date (airflow dags test)
wkw who-knows lead@fabrikam.com --as me@contoso.com   the tile: five colleagues who can introduce you
wkw who-knows lead@fabrikam.com --all --json            (requester from WKW_USER)
wkw who-knows --account fabrikam.com                  the colleagues who know the most people there
wkw digest --as me@contoso.com                        my strong ties that are fading or dormant
wkw sql "SELECT * FROM wkw.top_introducers LIMIT 5"
wkw airflow standalone                Airflow with its UI, on the project's Airflow home

The operator commands (run, airflow, backtest, calibrate, sql, spark-conf) are in `wkw.serve.cli_ops`,
`introduce` in `wkw.serve.cli_introduce`, `digest` in `wkw.serve.cli_digest`; they register their
commands on `app`.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wkw.config import load_settings
from wkw.serve.cli_digest import register as register_digest
from wkw.serve.cli_introduce import register as register_introduce
from wkw.serve.cli_ops import register_pipeline, register_spark
from wkw.serve.cli_serve import register as register_serve
from wkw.serve.views import (
    account_payload,
    by_account,
    introducer_view,
    print_accounts,
    print_path_tile,
    print_receipts,
    tile_payload,
)

app = typer.Typer(
    help="Who Knows Whom: who in your company can introduce you to this lead?", no_args_is_help=True
)
console = Console()
errors = Console(stderr=True)

EXIT_UNKNOWN = 2
EXIT_NO_PUBLICATION = 3
EXIT_REFUSED = 4


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="landing folder to write into")] = Path("landing"),
    seed: int = 7,
    colleagues: int = 50,
    contacts: int = 300,
    days: int = 90,
    end_date: Annotated[str, typer.Option(help="last day of the history, YYYY-MM-DD")] = "2026-11-26",
    mode: Annotated[
        Literal["auto", "company", "scale"],
        typer.Option(help="company: small and rich; scale: Graph JSON lines at volume; auto: by size"),
    ] = "auto",
    mail_rate: Annotated[
        float | None, typer.Option(help="scale: mean mails per tie per year (default 12)")
    ] = None,
    nights: Annotated[int, typer.Option(help="scale: the last N days land in their own night folders")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", help="scale: no progress bar")] = False,
) -> None:
    """Generate a synthetic company's exports with planted ground truth: the small, rich company (directory,
    CRM, address books, mail, calendars, calls), or at scale a directory, CRM and mail as Graph JSON lines."""
    from wkw.synth.scale import DEFAULT_MAIL_RATE, choose_mode, generate_scale

    chosen, why = choose_mode(mode, colleagues, contacts)
    console.print(f"mode: {chosen} ({why})")
    company = dict(
        seed=seed, colleagues=colleagues, contacts=contacts, days=days, end_date=date.fromisoformat(end_date)
    )
    if chosen == "company":
        if mail_rate is not None or nights:
            raise typer.BadParameter("--mail-rate and --nights apply to scale mode only")
        from wkw.synth.company import generate as write_company

        truth = write_company(out, **company)
        console.print(
            f"wrote {truth['messages']} messages for {colleagues} colleagues and {contacts} contacts "
            f"into {out}/<source>/{truth['end_date']}/; truth in {out}/truth.json"
        )
    else:
        rate = DEFAULT_MAIL_RATE if mail_rate is None else mail_rate
        truth = generate_scale(out, **company, nights=nights, mail_rate=rate, quiet=quiet)
        console.print(
            f"wrote {truth['messages']:,} messages ({truth['lines']:,} lines) for {colleagues:,} colleagues "
            f"and {contacts:,} contacts into {out}/mail/<night>/graph/ for nights {truth['first_night']} .. "
            f"{truth['end_date']}; {truth['expected_interactions']:,} interactions expected; "
            f"truth in {out}/truth.json"
        )
    console.print(f"sample lead: {truth['sample_lead']}")


register_pipeline(app)  # run, airflow: here, so that `wkw --help` lists them after generate


@app.command("who-knows")
def who_knows(
    email: Annotated[str | None, typer.Argument(help="e-mail of the lead or contact")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="the full list, strong first")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for machines")] = False,
    why: Annotated[str | None, typer.Option("--why", help="the receipts of one colleague's score")] = None,
    account: Annotated[
        str | None,
        typer.Option("--account", help="an account: CRM company or e-mail domain, instead of EMAIL"),
    ] = None,
    requester: Annotated[
        str | None, typer.Option("--as", envvar="WKW_USER", help="your e-mail (licensed seller)")
    ] = None,
) -> None:
    """The tile: at most five colleagues who know EMAIL (--all: everyone; --why COLLEAGUE: receipts).
    --account ACCOUNT: the colleagues who know the most people there (docs/accounts.md).

    Answers only a requester (--as or WKW_USER) who is an active user with the configured licence and a
    sales role; an internal EMAIL only when another colleague keeps them in an address book."""
    from wkw.serve.access import AccessRefused, check_requester, check_target
    from wkw.serve.published import NoPublication, current_publication, read_rows

    if (email is None) == (account is None) or (account is not None and why):
        raise typer.BadParameter("give either EMAIL (with --why if you like) or --account ACCOUNT")
    settings = load_settings()
    contact = (email or "").strip().lower()
    try:
        check_requester(settings, requester)
        if account is None:
            check_target(settings, contact)
        publication = current_publication(settings)
    except AccessRefused as refused:
        errors.print(str(refused), style="red", markup=False, highlight=False)
        raise typer.Exit(EXIT_REFUSED) from refused
    except NoPublication as missing:
        errors.print(f"[red]{missing}[/red]")
        raise typer.Exit(EXIT_NO_PUBLICATION) from missing
    if account is not None:
        show_account(settings, publication, account, show_all, as_json)
        return
    rows = read_rows(settings, publication, "introducers" if show_all or why else "top_introducers", contact)
    if why and rows:
        rows = [row for row in rows if row["colleague_email"] == why.strip().lower()]
        if not rows:
            errors.print(f"[red]{why} is not among the colleagues who know {contact}[/red].")
            raise typer.Exit(EXIT_UNKNOWN)
    if not rows:
        errors.print(
            f"[red]No colleague is known to know {contact}[/red] (publication "
            f"{publication.publication_id}, as of {publication.as_of_date})."
        )
        raise typer.Exit(EXIT_UNKNOWN)
    if why:
        if as_json:
            typer.echo(json.dumps(tile_payload(contact, rows, publication), indent=2))
        else:
            print_receipts(contact, introducer_view(rows[0]), publication)
        return
    show_paths(settings, publication, contact, rows, requester.strip().lower(), as_json)


def show_paths(settings, publication, contact: str, rows: list[dict], requester: str, as_json: bool) -> None:
    """The tile (or list) in the requester's path order (docs/path.md); JSON keeps the published order in
    `introducers` and adds the personal one under `path`."""
    from wkw.serve.paths import path_order, path_payload, ties_by_peer
    from wkw.serve.published import read_ties

    you, ordered = path_order(requester, rows, ties_by_peer(read_ties(settings, publication, requester)))
    if as_json:
        payload = tile_payload(contact, rows, publication)
        payload["path"] = path_payload(requester, you, ordered)
        typer.echo(json.dumps(payload, indent=2))
        return
    print_path_tile(contact, rows, you, ordered, publication)


def show_account(settings, publication, account: str, show_all: bool, as_json: bool) -> None:
    """The account view of `account` (the tile's size unless --all), for people or machines."""
    from wkw.serve.published import read_account_rows

    accounts = by_account(
        read_account_rows(settings, publication, account), None if show_all else settings.top_n
    )
    if not accounts:
        errors.print(
            f"[red]No colleague is known to know anyone at {escape(account)}[/red] (publication "
            f"{publication.publication_id}, as of {publication.as_of_date})."
        )
        raise typer.Exit(EXIT_UNKNOWN)
    if as_json:
        typer.echo(json.dumps(account_payload(account, accounts, publication), indent=2))
        return
    print_accounts(accounts, publication, show_all)


@app.command()
def status(
    last: Annotated[int, typer.Option(help="how many logical dates to show")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for machines")] = False,
    privacy: Annotated[bool, typer.Option("--privacy", help="the privacy requests and their status")] = False,
) -> None:
    """Per night and source: records read = accepted + filtered + quarantined; validated; published.

    --privacy: the opt-outs, exclusions and erasure requests, received -> applied -> purged, with times."""
    from wkw.serve.status import privacy_requests, run_status

    if privacy:
        print_privacy(privacy_requests(load_settings()), as_json)
        return
    runs = run_status(load_settings(), last)
    if as_json:
        typer.echo(json.dumps(runs, indent=2))
        return
    if not runs:
        errors.print("No run recorded in this lake yet.")
        raise typer.Exit(EXIT_NO_PUBLICATION)
    for run in runs:
        checks = {True: "checks passed", False: "checks FAILED", None: "not validated"}[run["validated"]]
        published = f"published {run['publication_id']}" if run["publication_id"] else "not published"
        table = Table(title=f"{run['as_of_date']}: {checks}, {published}", title_justify="left")
        for column in ("source", "read", "accepted", "filtered", "quarantined", "quarantined %", "adds up"):
            table.add_column(column, no_wrap=True, justify="left" if column == "source" else "right")
        for source, counts in run["sources"].items():
            table.add_row(
                source,
                str(counts["read"]),
                str(counts["accepted"]),
                str(counts["filtered"]),
                str(counts["quarantined"]),
                "-" if counts["quarantine_share"] is None else f"{counts['quarantine_share']:.1%}",
                "yes" if counts["balanced"] else "NO",
            )
        console.print(table)
        for failure in run["failures"]:
            console.print(
                f"  [red]{failure['table_name']}: {failure['check_name']}[/red] ({failure['detail']})"
            )
        for warning in run["warnings"]:
            console.print(f"  [yellow]warning: {warning['check_name']}[/yellow] {warning['detail']}")


def print_privacy(requests: list[dict], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(requests, indent=2))
        return
    if not requests:
        console.print("No privacy request recorded in this lake.")
        return
    table = Table(title="privacy requests (addresses are kept as hashes only)", title_justify="left")
    columns = ("request_id", "kind", "status", "received_date", "applied_at", "purged_at", "withdrawn_date")
    for column in columns:
        table.add_column(column, no_wrap=True)
    for request in requests:
        table.add_row(*(str(request[c] or "") for c in columns))
    console.print(table)


register_spark(app)  # backtest, calibrate, sql, spark-conf
register_introduce(app)
register_digest(app)
register_serve(app)  # serve, serve-token


def main() -> None:
    """The `wkw` command: the app, then an exit that skips the interpreter's teardown. Arrow (under the
    deltalake reads) can still hold pool threads then, and their teardown aborted about one `wkw who-knows`
    in eight after its output was printed ("terminate called without an active exception", exit -6;
    apache/arrow#45214). Output is flushed first; the exit code is the app's."""
    try:
        app()
        code = 0
    except SystemExit as exited:
        code = exited.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
