"""`wkw introduce`: ask a colleague from the tile to introduce you to a lead (Get Introduced).

wkw introduce lead@fabrikam.com --via ines.chen@contoso.com --as me@contoso.com --send
wkw introduce lead@fabrikam.com --via ines.chen@contoso.com --out intro.eml --note "Met at the fair"

`register(app)` adds the command to the `wkw` app; the work is done by `wkw.serve.introduce`. Exit codes:
0 done, 3 no publication, 4 refused by the licence-and-role gate, 5 lead unknown or colleague not an
introducer, 6 the same request within the repeat window, 7 the SMTP relay failed, 1 anything else
(template, configuration).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

EXIT_NO_PUBLICATION = 3
EXIT_REFUSED = 4
EXIT_NOT_INTRODUCER = 5
EXIT_REPEAT = 6
EXIT_SMTP = 7
EXIT_OTHER = 1

console = Console()
errors = Console(stderr=True)


def _exit_code(failure: Exception) -> int:
    from wkw.serve.access import AccessRefused
    from wkw.serve.errors import NotAnIntroducer, RepeatRequest, SendFailed
    from wkw.serve.published import NoPublication

    codes = {
        NoPublication: EXIT_NO_PUBLICATION,
        AccessRefused: EXIT_REFUSED,
        NotAnIntroducer: EXIT_NOT_INTRODUCER,
        RepeatRequest: EXIT_REPEAT,
        SendFailed: EXIT_SMTP,
    }
    return next((code for kind, code in codes.items() if isinstance(failure, kind)), EXIT_OTHER)


def introduce(
    lead: Annotated[str, typer.Argument(help="e-mail of the lead or contact")],
    via: Annotated[str, typer.Option("--via", help="e-mail of the colleague who knows the lead")],
    requester: Annotated[
        str | None, typer.Option("--as", envvar="WKW_USER", help="your e-mail (the requester)")
    ] = None,
    send: Annotated[bool, typer.Option("--send", help="send it through the SMTP relay")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="write an .eml draft to open in Outlook")] = None,
    note: Annotated[str | None, typer.Option("--note", help="a sentence of your own for the mail")] = None,
) -> None:
    """Ask COLLEAGUE (--via), who knows LEAD, to introduce you: --send it, or --out FILE.eml as a draft."""
    from wkw.config import load_settings
    from wkw.serve.access import AccessRefused
    from wkw.serve.errors import IntroductionError
    from wkw.serve.introduce import DRAFT, SEND, request_introduction
    from wkw.serve.published import NoPublication

    if send == (out is not None):
        raise typer.BadParameter("choose one: --send, or --out FILE.eml for a draft")
    try:
        result = request_introduction(
            load_settings(), lead, via, requester, SEND if send else DRAFT, out=out, note=note
        )
    except (AccessRefused, NoPublication, IntroductionError) as refusal:
        errors.print(str(refusal), style="red", markup=False, highlight=False)
        raise typer.Exit(_exit_code(refusal)) from refusal
    if result.out is not None:
        done = f"draft written to {result.out}: open it to review and send"
    else:
        done = f"sent to {result.colleague_email}"
    console.print(f"{done} ({result.subject}; request {result.request_id})", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add `introduce` to `app` (the `wkw` app calls this once)."""
    app.command("introduce")(introduce)
