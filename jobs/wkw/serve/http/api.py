"""The JSON API of `wkw serve`, version 1 (under /api/v1; the OpenAPI document at /openapi.json and /docs).

Every answer comes from one snapshot (one publication) and names it. Refusals are JSON
`{"reason": ..., "detail": ...}` with a status that says which: 401 nobody (or nobody believable) is
asking, 403 the gate or the address-book rule refused (the reason says which), 404 nobody known to know
the contact or the colleague is not among them, 409 the same introduction within the repeat window, 502
the mail relay refused, 503 no publication loaded yet.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from wkw.serve.http.app import asker
from wkw.serve.http.service import introduce, refusal_status
from wkw.serve.introduce import IntroductionError
from wkw.serve.introduce_mail import draft_bytes
from wkw.serve.views import FORMULA, tile_payload

router = APIRouter(tags=["introducers"])


def _clean(email: str) -> str:
    return email.strip().lower()


def _nobody(contact: str, snapshot) -> JSONResponse:
    publication = snapshot.publication
    return JSONResponse(
        {
            "reason": "nobody_knows",
            "detail": f"no colleague is known to know {contact} (publication {publication.publication_id}, "
            f"as of {publication.as_of_date})",
        },
        status_code=404,
    )


@router.get("/publication", summary="The publication being served")
def publication(request: Request) -> dict:
    served = asker(request).snapshot
    info = served.publication
    return {
        "publication_id": info.publication_id,
        "as_of_date": info.as_of_date.isoformat(),
        "published_at": info.published_at.isoformat(),
        "model_version": info.model_version,
        "contacts": served.contact_count,
        "loaded_at": served.loaded_at.isoformat(),
    }


@router.get("/contacts/{email}/introducers", summary="The tile (at most five), or with all=true the list")
def introducers(
    request: Request,
    email: str,
    all: Annotated[bool, Query(description="everyone who knows the contact, strong first")] = False,
):
    contact = _clean(email)
    snapshot = asker(request, contact).snapshot
    rows = snapshot.everyone(contact) if all else snapshot.top(contact)
    if not rows:
        return _nobody(contact, snapshot)
    # Already JSON's types: straight to a response, past FastAPI's encoder (0.3 ms of a tile).
    return JSONResponse(tile_payload(contact, rows, snapshot.publication))


@router.get("/contacts/{email}/introducers/{colleague}", summary="The receipts of one colleague's score")
def receipts(request: Request, email: str, colleague: str):
    contact = _clean(email)
    snapshot = asker(request, contact).snapshot
    row = snapshot.one(contact, _clean(colleague))
    if row is None:
        return JSONResponse(
            {
                "reason": "not_an_introducer",
                "detail": f"{colleague} is not among the colleagues who know {contact}",
            },
            status_code=404,
        )
    payload = tile_payload(contact, [row], snapshot.publication)
    payload["introducer"] = payload.pop("introducers")[0]
    payload["model_version"] = snapshot.publication.model_version
    payload["formula"] = FORMULA
    return payload


class IntroductionAsk(BaseModel):
    lead: str = Field(description="the lead's or contact's e-mail")
    colleague: str = Field(description="the colleague asked to introduce")
    note: str | None = Field(default=None, max_length=2000, description="a line of your own for the mail")
    mode: Literal["draft", "send"] = Field(description="draft: the .eml back; send: through the relay")


@router.post(
    "/introductions",
    summary="Get Introduced: the request mail as a draft, or sent",
    responses={200: {"content": {"message/rfc822": {}}}, 201: {"description": "sent"}},
)
def introductions(request: Request, ask: IntroductionAsk):
    who = asker(request, _clean(ask.lead))
    try:
        result = introduce(request, who, ask.lead, ask.colleague, ask.note, ask.mode)
    except IntroductionError as refused:
        status, reason = refusal_status(refused)
        body = {"reason": reason, "detail": str(refused)}
        first = getattr(refused, "first_requested_at", None)
        if first is not None:
            body["first_requested_at"] = first.isoformat()
        return JSONResponse(body, status_code=status)
    if ask.mode == "draft":
        return Response(
            draft_bytes(result.message),
            media_type="message/rfc822",
            headers={
                "Content-Disposition": f'attachment; filename="introduction-{result.request_id}.eml"',
                "X-Request-Id": result.request_id,
            },
        )
    return JSONResponse(
        {
            "request_id": result.request_id,
            "mode": result.mode,
            "message_id": result.message_id,
            "requested_at": result.requested_at.isoformat(),
            "publication_id": result.publication_id,
            "subject": result.subject,
            "lead_email": result.lead_email,
            "colleague_email": result.colleague_email,
        },
        status_code=201,
    )
