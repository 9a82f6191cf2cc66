"""Get Introduced: ask a colleague who knows a lead to introduce the seller to them, by e-mail.

`request_introduction` checks the requester (`wkw.serve.access`), that the colleague is among the lead's
introducers in the current publication, and that the same request was not made within the repeat
window; renders the request from the Jinja2 template in `conf/`; sends it through the SMTP relay or
writes it as an `.eml` draft; and logs the request (never its body) in `<lake>/published/
introduction_requests`. No Spark: the lake is read and appended with `deltalake`. See docs/introduce.md.

    wkw introduce lead@fabrikam.com --via ines.chen@contoso.com --as me@contoso.com --out intro.eml
    request_introduction(load_settings(), lead, via, requester, "send")   # from a CRM integration
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
from deltalake import DeltaTable, write_deltalake
from deltalake.exceptions import DeltaError, TableNotFoundError

from wkw.config import PUBLISHED, Settings
from wkw.serve.access import Directory, check_requester, check_target
from wkw.serve.errors import IntroductionError, NotAnIntroducer, RepeatRequest, SendFailed
from wkw.serve.introduce_mail import (
    RECEIPTS,
    SMTP_TIMEOUT_SECONDS,
    SUBJECT_PREFIX,
    SmtpRelay,
    build_message,
    render_request,
    send_message,
    smtp_relay,
    template_context,
    write_draft,
)
from wkw.serve.published import Publication, current_publication, read_rows

__all__ = [
    "DRAFT",
    "LOGGED_MODE",
    "RECEIPTS",
    "REQUESTS_SCHEMA",
    "REQUESTS_TABLE",
    "SEND",
    "SMTP_TIMEOUT_SECONDS",
    "SUBJECT_PREFIX",
    "IntroductionError",
    "IntroductionResult",
    "NotAnIntroducer",
    "RepeatRequest",
    "SendFailed",
    "SmtpRelay",
    "build_message",
    "earlier_request",
    "find_introducer",
    "log_request",
    "render_request",
    "request_introduction",
    "send_message",
    "smtp_relay",
    "template_context",
    "write_draft",
]

REQUESTS_TABLE = "introduction_requests"
# No per-column min/max statistics in the table's log (they would copy the lead's address into log files
# that VACUUM never deletes): the rule the lake's Spark tables follow (conf/wkw.toml, docs/privacy.md).
NO_COLUMN_STATS = {"delta.dataSkippingNumIndexedCols": "0"}
SEND, DRAFT = "send", "draft"
LOGGED_MODE = {SEND: "sent", DRAFT: "drafted"}

REQUESTS_SCHEMA = pa.schema(
    [
        ("request_id", pa.string()),
        ("requester_email", pa.string()),
        ("colleague_email", pa.string()),
        ("lead_email", pa.string()),
        ("publication_id", pa.string()),
        ("requested_at", pa.timestamp("us", tz="UTC")),
        ("mode", pa.string()),
        ("message_id", pa.string()),
        ("note_given", pa.bool_()),
    ]
)


@dataclass(frozen=True)
class IntroductionResult:
    request_id: str
    mode: str  # "sent" | "drafted", as logged
    message_id: str
    requested_at: datetime
    requester_email: str
    colleague_email: str
    lead_email: str
    publication_id: str
    subject: str
    out: Path | None
    message: EmailMessage = field(repr=False)


def find_introducer(
    settings: Settings, lead: str, colleague: str, publication: Publication | None = None
) -> tuple[Publication, dict]:
    """The publication (the current one unless given) and the lead's `introducers` row for `colleague`."""
    publication = publication or current_publication(settings)
    rows = read_rows(settings, publication, "introducers", lead)
    where = f"publication {publication.publication_id}, as of {publication.as_of_date}"
    if not rows:
        raise NotAnIntroducer(f"no colleague is known to know {lead} ({where})")
    for row in rows:
        if row["colleague_email"] == colleague:
            return publication, row
    raise NotAnIntroducer(
        f"{colleague} is not among the {len(rows)} colleagues who know {lead} ({where}): "
        f"see `wkw who-knows {lead} --all`"
    )


def _requests_path(settings: Settings) -> str:
    return settings.table_path(PUBLISHED, REQUESTS_TABLE)


def earlier_request(settings: Settings, requester: str, colleague: str, lead: str, now: datetime):
    """The time of the first same request within the repeat window before `now`, or None.

    Drafts count too: a draft is usually sent from the mail client, where the log cannot see it.
    """
    hours = settings.introduce.repeat_window_hours
    try:
        log = DeltaTable(_requests_path(settings)).to_pyarrow_dataset()
    except TableNotFoundError:
        return None
    same = (
        (ds.field("requester_email") == requester)
        & (ds.field("colleague_email") == colleague)
        & (ds.field("lead_email") == lead)
    )
    since = now - timedelta(hours=hours)
    times = log.to_table(filter=same, columns=["requested_at"])["requested_at"].to_pylist()
    recent = [t for t in times if since < t <= now]
    return min(recent) if recent else None


def _requests_table(path: str) -> DeltaTable | str:
    """The request log, told to keep no column statistics if it was created before that rule; its path
    if it does not exist yet (`configuration` then creates it so)."""
    try:
        table = DeltaTable(path)
    except TableNotFoundError:
        return path
    configuration = table.metadata().configuration
    if any(configuration.get(key) != value for key, value in NO_COLUMN_STATS.items()):
        table.alter.set_table_properties(NO_COLUMN_STATS)
    return table


def log_request(settings: Settings, result: IntroductionResult, note_given: bool) -> None:
    row = {
        "request_id": result.request_id,
        "requester_email": result.requester_email,
        "colleague_email": result.colleague_email,
        "lead_email": result.lead_email,
        "publication_id": result.publication_id,
        "requested_at": result.requested_at,
        "mode": result.mode,
        "message_id": result.message_id,
        "note_given": note_given,
    }
    path = _requests_path(settings)
    try:
        write_deltalake(
            _requests_table(path),
            pa.Table.from_pylist([row], REQUESTS_SCHEMA),
            mode="append",
            configuration=NO_COLUMN_STATS,
        )
    except (DeltaError, OSError) as failure:
        # The mail is already out: say so, or the requester would press again.
        raise IntroductionError(
            f"the request was {result.mode} ({result.message_id}), but not logged in {path}: {failure}"
        ) from failure


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def request_introduction(
    settings: Settings,
    lead: str,
    via: str,
    requester: str | None,
    mode: str,
    out: str | os.PathLike | None = None,
    note: str | None = None,
    now: datetime | None = None,
    publication: Publication | None = None,
    directory: Directory | None = None,
) -> IntroductionResult:
    """Ask `via` to introduce `requester` to `lead`: mode "send" (SMTP) or "draft" (the message, and an
    .eml at `out` if given). A server passes the `publication` and `directory` it answers from.

    Raises AccessRefused (wkw.serve.access), NoPublication (wkw.serve.published), NotAnIntroducer,
    RepeatRequest, SendFailed or IntroductionError; only a delivered request is logged.
    """
    if mode not in LOGGED_MODE or (mode == SEND and out is not None):
        raise ValueError(f"mode is {SEND!r} (no out) or {DRAFT!r} (out=FILE.eml, or none), not {mode!r}")
    now, lead, via = _utc(now), lead.strip().lower(), via.strip().lower()
    note = note.strip() if note and note.strip() else None
    directory = directory or Directory.load(settings)
    who = check_requester(settings, requester, directory)
    check_target(settings, lead, directory)  # the address-book rule of who-knows holds here too
    if who.email == via:
        raise NotAnIntroducer(f"{via} is you: you already know {lead}, no introduction needed")
    publication, row = find_introducer(settings, lead, via, publication)
    first = earlier_request(settings, who.email, via, lead, now)
    if first is not None:
        raise RepeatRequest(
            f"{who.email} already asked {via} about {lead} at {first:%Y-%m-%d %H:%M} UTC: not sent again",
            first,
        )
    context = template_context(row, who, note, publication)
    subject, body = render_request(settings, context)
    request_id = uuid.uuid4().hex
    message = build_message(context, subject, body, now, request_id, draft=mode == DRAFT)
    if mode == SEND:
        send_message(smtp_relay(settings), message)
    elif out is not None:
        write_draft(message, Path(out))
    result = IntroductionResult(
        request_id=request_id,
        mode=LOGGED_MODE[mode],
        message_id=message["Message-ID"],
        requested_at=now,
        requester_email=who.email,
        colleague_email=via,
        lead_email=lead,
        publication_id=publication.publication_id,
        subject=subject,
        out=Path(out) if out is not None else None,
        message=message,
    )
    log_request(settings, result, note_given=note is not None)
    return result
