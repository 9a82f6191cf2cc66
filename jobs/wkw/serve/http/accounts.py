"""The account view in `wkw serve`: who here knows the most people at an account (a CRM company or an
e-mail domain; docs/accounts.md), as JSON under /api/v1 from the served snapshot's publication (the
page, /accounts/<account>, is in wkw.serve.http.pages). The requester gate is the tile's; an account
names no single person, so the address-book rule (which guards internal targets) has nothing to check.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from wkw.serve.http.app import asker
from wkw.serve.views import account_payload, by_account

api_router = APIRouter(tags=["accounts"])


def accounts_for(request: Request, account: str, show_all: bool) -> tuple[list[dict], object]:
    snapshot = asker(request).snapshot
    limit = None if show_all else snapshot.settings.top_n
    return by_account(snapshot.account_rows(account), limit), snapshot.publication


def nobody_detail(account: str, publication) -> str:
    return (
        f"no colleague is known to know anyone at {account} (publication {publication.publication_id}, "
        f"as of {publication.as_of_date})"
    )


@api_router.get(
    "/accounts/{account}/introducers",
    summary="The account view: colleagues ranked by how many of the account's people they know",
)
def account_introducers(
    request: Request,
    account: str,
    all: Annotated[bool, Query(description="every colleague who knows someone there")] = False,
):
    accounts, publication = accounts_for(request, account, all)
    if not accounts:
        return JSONResponse(
            {"reason": "nobody_knows", "detail": nobody_detail(account, publication)}, status_code=404
        )
    return JSONResponse(account_payload(account, accounts, publication))
