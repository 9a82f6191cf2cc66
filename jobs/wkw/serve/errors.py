"""The errors of Get Introduced (`wkw.serve.introduce`); import them from `wkw.serve.introduce`.

A module of their own so that `wkw.serve.introduce_mail` can raise them without importing
`wkw.serve.introduce`.
"""

from __future__ import annotations

from datetime import datetime


class IntroductionError(Exception):
    """The request cannot be made as asked (configuration, template); the message says why."""


class NotAnIntroducer(IntroductionError):
    """The lead is unknown, or the colleague is not among the people who know them."""


class RepeatRequest(IntroductionError):
    """The same requester asked the same colleague about the same lead within the repeat window."""

    def __init__(self, message: str, first_requested_at: datetime) -> None:
        super().__init__(message)
        self.first_requested_at = first_requested_at


class SendFailed(IntroductionError):
    """The SMTP relay is down or refused the message: nothing was sent and nothing logged."""
