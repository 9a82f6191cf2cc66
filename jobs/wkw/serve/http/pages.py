"""The pages of `wkw serve`, rendered on the server (Jinja2, no script, nothing from another site): the
tile a CRM embeds in its lead and contact forms, the list behind "See all", the receipts of each score,
"Get Introduced" (the request mail filled in from conf/introduction.eml.j2, a note of your own, then Send
or Download draft), a search box, and a clear page for every refusal.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Annotated
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from wkw.serve.http.app import HERE, asker
from wkw.serve.http.service import introduce, refusal_status
from wkw.serve.introduce import IntroductionError, render_request, template_context
from wkw.serve.introduce_mail import draft_bytes
from wkw.serve.views import ACCOUNT_KINDS, FORMULA, introducer_view

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["path"] = lambda email: quote(email, safe="@")


@jinja2.pass_context
def _path_for(context, name: str, **params) -> str:
    """A link as a path, never an absolute URL: behind a proxy the server does not know its public host."""
    return context["request"].app.url_path_for(name, **params)


templates.env.globals["path_for"] = _path_for
CSRF_SECONDS = 2 * 3600
NOTE_LIMIT = 2000

TITLES = {
    "unauthenticated": "Sign in first",
    "no_publication": "No publication yet",
    "nobody_knows": "Nobody here knows them yet",
    "not_an_introducer": "Not among their introducers",
    "repeat_request": "Already asked",
    "relay_refused": "The mail relay refused the request",
    "introduction_failed": "The request could not be made",
    "bad_form": "The form has expired",
}


def _page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    """A page; its footer names `publication`: the one the page was answered from, or for a refusal
    made before any, the one served now."""
    if "publication" not in context:
        snapshot = request.app.state.store.current
        context["publication"] = snapshot.publication if snapshot else None
    return templates.TemplateResponse(request, name, context, status_code=status)


def message_page(request: Request, status: int, reason: str, detail: str, **context) -> HTMLResponse:
    title = TITLES.get(reason, "Not allowed" if status == 403 else "Something went wrong")
    return _page(request, "message.html", status, title=title, reason=reason, detail=detail, **context)


def csrf_token(secret: bytes, *parts: str, issued: int | None = None) -> str:
    issued = int(time.time()) if issued is None else issued
    signed = hmac.new(secret, "|".join([str(issued), *parts]).encode(), hashlib.sha256).hexdigest()
    return f"{issued}.{signed}"


def csrf_valid(secret: bytes, token: str, *parts: str) -> bool:
    issued, _, _ = token.partition(".")
    if not issued.isdigit() or time.time() - int(issued) > CSRF_SECONDS:
        return False
    return hmac.compare_digest(csrf_token(secret, *parts, issued=int(issued)), token)


@router.get("/", response_class=HTMLResponse)
def search(request: Request, q: str = "") -> HTMLResponse:
    snapshot = asker(request).snapshot
    found = snapshot.search(q) if q.strip() else []
    return _page(request, "search.html", q=q, found=found, publication=snapshot.publication)


@router.get("/contacts/{email}", response_class=HTMLResponse)
def contact(request: Request, email: str, all: bool = False) -> HTMLResponse:
    lead = email.strip().lower()
    snapshot = asker(request, lead).snapshot
    rows = snapshot.everyone(lead) if all else snapshot.top(lead)
    if not rows:
        detail = f"No colleague is known to know {lead} in this publication."
        return message_page(request, 404, "nobody_knows", detail, q=lead, publication=snapshot.publication)
    return _page(
        request,
        "contact.html",
        publication=snapshot.publication,
        lead=lead,
        first=rows[0],
        introducers=[introducer_view(row) for row in rows],
        show_all=all,
        total=snapshot.known_by(lead),
        formula=FORMULA,
    )


def _draft_form(request: Request, lead: str, colleague: str, note: str, status: int = 200, error=None):
    who = asker(request, lead)
    row = who.snapshot.one(lead, colleague)
    if row is None:
        detail = f"{colleague} is not among the colleagues who know {lead}."
        return message_page(request, 404, "not_an_introducer", detail, publication=who.snapshot.publication)
    context = template_context(row, who.requester, note or None, who.snapshot.publication)
    subject, body = render_request(request.app.state.settings, context)
    token = csrf_token(request.app.state.csrf_secret, who.requester.email, lead, colleague)
    return _page(
        request,
        "introduce.html",
        status,
        publication=who.snapshot.publication,
        lead=lead,
        row=introducer_view(row),
        first=row,
        subject=subject,
        body=body,
        note=note,
        csrf=token,
        requester=who.requester,
        may_send=who.identity.may_introduce,
        error=error,
        note_limit=NOTE_LIMIT,
    )


@router.get("/contacts/{email}/introduce/{colleague}", response_class=HTMLResponse)
def introduce_form(request: Request, email: str, colleague: str) -> HTMLResponse:
    return _draft_form(request, email.strip().lower(), colleague.strip().lower(), "")


@router.post("/contacts/{email}/introduce/{colleague}")
def introduce_submit(
    request: Request,
    email: str,
    colleague: str,
    action: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
    note: Annotated[str, Form(max_length=NOTE_LIMIT)] = "",
) -> Response:
    lead, colleague = email.strip().lower(), colleague.strip().lower()
    who = asker(request, lead)
    if not csrf_valid(request.app.state.csrf_secret, csrf, who.requester.email, lead, colleague):
        detail = (
            "The form was not issued to you by this server, or is more than two hours old: open it again."
        )
        return message_page(request, 403, "bad_form", detail)
    if action not in ("send", "draft"):
        return message_page(request, 400, "bad_form", f"unknown action {action!r}")
    try:
        result = introduce(request, who, lead, colleague, note, action)
    except IntroductionError as refused:
        status, reason = refusal_status(refused)
        if reason == "relay_refused":
            return _draft_form(request, lead, colleague, note, status, error=str(refused))
        return message_page(request, status, reason, str(refused))
    if action == "draft":
        return Response(
            draft_bytes(result.message),
            media_type="message/rfc822",
            headers={"Content-Disposition": f'attachment; filename="introduction-{result.request_id}.eml"'},
        )
    publication = who.snapshot.publication
    return _page(request, "sent.html", lead=lead, result=result, colleague=colleague, publication=publication)


@router.get("/accounts/{account}", response_class=HTMLResponse)
def account_page(request: Request, account: str, all: bool = False) -> HTMLResponse:
    """The account view: colleagues ranked by how many of the account's people they know."""
    from wkw.serve.http.accounts import accounts_for

    accounts, publication = accounts_for(request, account, all)
    if not accounts:
        detail = f"No colleague is known to know anyone at {account} in this publication."
        return message_page(request, 404, "nobody_knows", detail, q=account, publication=publication)
    context = {"query": account, "accounts": accounts, "show_all": all, "kinds": ACCOUNT_KINDS}
    return _page(request, "account.html", publication=publication, **context)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """The API's reference, from its OpenAPI document (which /openapi.json serves as JSON); no sign-in."""
    return _page(request, "docs.html", schema=request.app.openapi())
