"""The mail of Get Introduced: render the request from its template, build it, send it or draft it.

`template_context` and `render_request` fill the Jinja2 template in `conf/` (sandboxed); `build_message`
makes the `EmailMessage`; `send_message` hands it to the SMTP relay (`smtp_relay`: host and port from
the environment, else `[introduce]` in conf), `write_draft` writes it as an `.eml` file. Called by
`wkw.serve.introduce.request_introduction`, which checks the request first and logs it after.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from wkw.config import PROJECT_ROOT, Settings
from wkw.serve.access import Requester
from wkw.serve.errors import IntroductionError, SendFailed
from wkw.serve.published import Publication

SMTP_TIMEOUT_SECONDS = 30
SUBJECT_PREFIX = "Subject:"
# The columns of `introducers` a template may quote about how the colleague knows the lead.
RECEIPTS = (
    "band",
    "strength",
    "mails_sent",
    "mails_received",
    "meetings",
    "calls",
    "two_way",
    "last_interaction_channel",
)


@dataclass(frozen=True)
class SmtpRelay:
    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None = field(repr=False)


def smtp_relay(settings: Settings) -> SmtpRelay:
    """Host and port from the environment, else conf; credentials from the environment only."""
    conf = settings.introduce
    port = str(os.environ.get("WKW_SMTP_PORT") or conf.smtp_port)
    if not port.isdigit():
        raise IntroductionError(f"the SMTP port must be a number, not {port!r} (WKW_SMTP_PORT, [introduce])")
    user = os.environ.get("WKW_SMTP_USER") or None
    if user is not None and not conf.smtp_starttls:
        raise IntroductionError(
            "an SMTP login needs TLS: WKW_SMTP_USER is set but [introduce] smtp_starttls is false, so the "
            "password would cross the network in clear text; set smtp_starttls = true (nothing was sent)"
        )
    return SmtpRelay(
        host=os.environ.get("WKW_SMTP_HOST") or conf.smtp_host,
        port=int(port),
        starttls=conf.smtp_starttls,
        user=user,
        password=os.environ.get("WKW_SMTP_PASSWORD"),
    )


def one_line(text: str | None) -> str | None:
    """`text` with every line break, control or format character (CR, LF, U+2028, U+2029, NUL, ...)
    turned into a space: a directory or CRM name goes into a mail header, where a line break is refused
    (it would start a header of its own)."""
    if text is None:
        return None
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return " ".join(cleaned.split())


def _first_name(name: str | None, email: str) -> str:
    return name.split()[0] if name and name.split() else email.split("@")[0]


def template_context(row: dict, requester: Requester, note: str | None, publication: Publication) -> dict:
    last = row["last_interaction_at"]
    return {
        "lead": {
            "name": one_line(row["contact_name"] or row["contact_email"]),
            "first_name": _first_name(row["contact_name"], row["contact_email"]),
            "company": one_line(row["contact_company"]),
            "email": row["contact_email"],
            "crm_id": row["crm_id"],
        },
        "colleague": {
            "name": one_line(row["colleague_name"] or row["colleague_email"]),
            "first_name": _first_name(row["colleague_name"], row["colleague_email"]),
            "title": one_line(row["colleague_title"]),
            "email": row["colleague_email"],
        },
        "requester": {
            "name": one_line(requester.name),
            "first_name": _first_name(requester.name, requester.email),
            "title": one_line(requester.title),
            "department": one_line(requester.department),
            "email": requester.email,
        },
        "connection": {
            **{receipt: row[receipt] for receipt in RECEIPTS},
            "last_interaction_date": last.date().isoformat() if last else "",
        },
        "note": note,
        "publication": {"publication_id": publication.publication_id, "as_of_date": publication.as_of_date},
    }


def render_request(settings: Settings, context: dict) -> tuple[str, str]:
    """(subject, body) from the template: its first line is `Subject: ...`, the rest is the body."""
    path = Path(settings.introduce.template)
    path = path if path.is_absolute() else PROJECT_ROOT / path
    # Sandboxed: the template is configuration an administrator edits, not code.
    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(path.parent), undefined=jinja2.StrictUndefined)
    try:
        text = env.get_template(path.name).render(context)
    except jinja2.TemplateError as problem:
        raise IntroductionError(f"template {path}: {problem}") from problem
    head, _, body = text.lstrip().partition("\n")
    if not head.startswith(SUBJECT_PREFIX):
        raise IntroductionError(f"template {path}: the first line must be '{SUBJECT_PREFIX} ...'")
    return head[len(SUBJECT_PREFIX) :].strip(), body.strip("\n") + "\n"


def build_message(context: dict, subject: str, body: str, now: datetime, request_id: str, draft: bool):
    requester, colleague = context["requester"], context["colleague"]
    message = EmailMessage(policy=policy.default)
    message["From"] = Address(display_name=requester["name"], addr_spec=requester["email"])
    message["To"] = Address(display_name=colleague["name"], addr_spec=colleague["email"])
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=requester["email"].split("@")[1])
    message["X-WKW-Request-Id"] = request_id
    if draft:
        message["X-Unsent"] = "1"  # Outlook opens the file as a draft, ready to edit and send
    message.set_content(body)
    return message


def _reason(failure: Exception) -> str:
    if isinstance(failure, smtplib.SMTPResponseException):
        text = failure.smtp_error.decode(errors="replace") if isinstance(failure.smtp_error, bytes) else ""
        return f"{failure.smtp_code} {text}".strip()
    return str(failure) or type(failure).__name__


def send_message(relay: SmtpRelay, message: EmailMessage) -> None:
    try:
        with smtplib.SMTP(relay.host, relay.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
            if relay.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if relay.user:
                smtp.login(relay.user, relay.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as failure:  # refused, down, timed out, TLS, auth
        raise SendFailed(
            f"the SMTP relay {relay.host}:{relay.port} did not take the message ({_reason(failure)}): "
            f"nothing was sent"
        ) from failure


def draft_bytes(message: EmailMessage) -> bytes:
    """The message as an .eml file holds it: CRLF line ends, as RFC 5322 has them."""
    return message.as_bytes(policy=policy.SMTP)


def write_draft(message: EmailMessage, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(draft_bytes(message))
