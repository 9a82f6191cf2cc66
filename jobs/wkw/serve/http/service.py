"""Get Introduced for the API and the page: `wkw introduce`'s rules (wkw.serve.introduce), answered from
the request's snapshot, and which HTTP status each refusal is."""

from __future__ import annotations

from fastapi import Request

from wkw.serve.access import AccessRefused
from wkw.serve.errors import IntroductionError, NotAnIntroducer, RepeatRequest, SendFailed
from wkw.serve.http.app import Asker
from wkw.serve.introduce import DRAFT, SEND, IntroductionResult, request_introduction

READ_ONLY_TOKEN = "read_only_token"


def introduce(
    request: Request, who: Asker, lead: str, colleague: str, note: str | None, mode: str
) -> IntroductionResult:
    """Draft or send the request mail as `who`, from the snapshot `who` was checked against."""
    if not who.identity.may_introduce:
        raise AccessRefused(
            f"the token {who.identity.token_name!r} reads; introductions are asked by a signed-in seller",
            READ_ONLY_TOKEN,
        )
    return request_introduction(
        request.app.state.settings,
        lead,
        colleague,
        who.requester.email,
        SEND if mode == SEND else DRAFT,
        note=note,
        publication=who.snapshot.publication,
        directory=who.snapshot.directory,
    )


def refusal_status(refused: IntroductionError) -> tuple[int, str]:
    """(HTTP status, reason) of an introduction that was not made."""
    if isinstance(refused, NotAnIntroducer):
        return 404, "not_an_introducer"
    if isinstance(refused, RepeatRequest):
        return 409, "repeat_request"
    if isinstance(refused, SendFailed):
        return 502, "relay_refused"
    return 500, "introduction_failed"
