"""Turn one mail (an RFC 5322 file or a Microsoft Graph JSON line) into a metadata record.

Pure Python and standard library, so Spark tasks can call it per file or per line (`wkw.parsing.mail_files`);
it runs once per record, so the pure helpers that see the same values again (addresses, names, subjects)
keep a bounded cache. Only the header block is read; bodies are never decoded and the subject is never
returned: it is only hashed into `dedupe_key`, which recognises copies of one mail across mailboxes. Every
call returns a `ParseResult` with either a record shaped like `wkw.schemas.MAIL_RECORD` or a reason:
a quarantine reason with a detail that names no person (`wkw.parsing.details`), or NO_RELATIONSHIP for a
valid mail that names no recipient (a draft), which extract counts as filtered; nothing raises.
Addresses and names come from `wkw.parsing.addresses`, header reading and dates from `wkw.parsing.headers`.

    from wkw.parsing.mail import parse_rfc5322
    result = parse_rfc5322(path.read_bytes(), str(path))
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from wkw.parsing.addresses import clean_address, clean_name, collect, rfc_recipient_pairs, rfc_sender
from wkw.parsing.details import error_name, unparsable
from wkw.parsing.headers import (
    automated_reason,
    clean_id,
    dedupe_key,
    first,
    iso_date,
    read_headers,
    rfc_date,
    rfc_thread_id,
    without_bom,
)
from wkw.vocabulary import (
    BAD_ADDRESS,
    BAD_DATE,
    BAD_JSON,
    DETAIL_MAX_CHARS,
    EMPTY_FILE,
    MISSING_DATE,
    NO_RELATIONSHIP,
    NO_SENDER,
    NOT_A_MESSAGE,
    PARSE_ERROR,
)

FORMAT_RFC5322 = "rfc5322"
FORMAT_GRAPH = "graph"

# Quarantine reasons, and NO_RELATIONSHIP: a valid mail that names no recipient, a draft (filtered).
REASONS = (EMPTY_FILE, NOT_A_MESSAGE, MISSING_DATE, BAD_DATE, NO_SENDER, BAD_ADDRESS, BAD_JSON, PARSE_ERROR)
REASONS += (NO_RELATIONSHIP,)
RECIPIENT_HEADERS = ("to", "cc", "bcc")

SNIFF_BYTES = 4096
SNIFF_LINES = 20
MAILDIR = "maildir"

_HEADER_LINE_RE = re.compile(rb"[!-9;-~]+[ \t]*:")
_MESSAGE_NUMBER_RE = re.compile(r"\d+\.?")
_EMPTY_GROUP_RE = re.compile(r"[^:;,]*:\s*;")  # `undisclosed-recipients:;` names nobody


@dataclass(frozen=True, slots=True)
class ParseResult:
    """A parsed record (keys of MAIL_RECORD) or, when the input cannot be accepted, a quarantine reason."""

    record: dict[str, Any] | None = None
    reason: str | None = None
    detail: str | None = None


class _Rejected(Exception):
    """Raised inside the parser to quarantine the input with a reason."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


@dataclass
class _Mail:
    """What both formats extract before the checks: valid addresses, names, ids and header evidence."""

    sender_email: str | None = None
    sender_name: str | None = None
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    message_id: str | None = None
    thread_id: str | None = None
    automated_reason: str | None = None
    subject: str = ""
    recipients_named: bool = False  # a recipient was given, usable or not: none usable is a bad address


def parse_rfc5322(data: bytes, source_file: str, position: int = 0) -> ParseResult:
    """Parse the header block of one RFC 5322 message file (Maildir/Enron layout gives the mailbox)."""
    return _guarded(_parse_rfc5322, data, source_file, position)


def parse_graph_line(line: bytes | str, source_file: str, position: int) -> ParseResult:
    """Parse one Microsoft Graph message object, serialised as one JSON line."""
    return _guarded(_parse_graph, line, source_file, position)


def parse_graph_file(data: bytes, source_file: str) -> Iterator[ParseResult]:
    """Parse a JSON-lines export: one result per non-blank line, position being its 1-based line number."""
    for number, line in enumerate(without_bom(data).splitlines(), start=1):
        if line.strip():
            yield parse_graph_line(line, source_file, number)


def mailbox_of(source_file: str) -> str | None:
    """The mailbox of '.../maildir/<mailbox>/<folder>/<n>' or '<root>/<mailbox>/<folder>/<n>', else None."""
    parts = [part for part in source_file.replace("\\", "/").split("/") if part]
    lowered = [part.lower() for part in parts]
    if MAILDIR in lowered:
        index = lowered.index(MAILDIR)
        return parts[index + 1] if len(parts) - index > 3 else None
    if len(parts) >= 4 and _MESSAGE_NUMBER_RE.fullmatch(parts[-1]):
        return parts[-3]
    return None


def _guarded(parse, data, source_file: str, position: int) -> ParseResult:
    try:
        return ParseResult(record=parse(data, source_file, position))
    except _Rejected as rejected:
        return _rejection(rejected.reason, rejected.detail)
    except Exception as exc:  # the contract is to quarantine, never to fail the Spark task
        return _rejection(PARSE_ERROR, error_name(exc))


def _rejection(reason: str, detail: str | None) -> ParseResult:
    return ParseResult(reason=reason, detail=detail[:DETAIL_MAX_CHARS] if detail else None)


def _parse_rfc5322(data: bytes, source_file: str, position: int) -> dict[str, Any]:
    data = without_bom(data)
    if not data.strip():
        raise _Rejected(EMPTY_FILE)
    _sniff(data)
    headers = read_headers(data)
    sent_at = _rfc_sent_at(first(headers, "date"))
    mail = _Mail(
        message_id=clean_id(first(headers, "message-id")),
        thread_id=rfc_thread_id(headers),
        automated_reason=automated_reason(headers),
        subject=first(headers, "subject") or "",
    )
    mail.sender_email, mail.sender_name = rfc_sender(headers)
    if mail.sender_email and mail.sender_name:
        mail.names[mail.sender_email] = mail.sender_name
    mail.to = collect(rfc_recipient_pairs(headers, "to", "x-to"), mail.names)
    mail.cc = collect(rfc_recipient_pairs(headers, "cc", "x-cc"), mail.names)
    mail.bcc = collect(rfc_recipient_pairs(headers, "bcc", None), None)
    given = (_EMPTY_GROUP_RE.sub("", value) for name in RECIPIENT_HEADERS for value in headers.get(name, []))
    mail.recipients_named = any(re.search(r"[^\s,;]", value) for value in given)
    return _record(mail, sent_at, source_file, position, FORMAT_RFC5322, mailbox_of(source_file))


def _sniff(data: bytes) -> None:
    head = data[:SNIFF_BYTES]
    if b"\x00" in head:
        raise _Rejected(NOT_A_MESSAGE, "NUL byte in the first bytes")
    if not any(_HEADER_LINE_RE.match(line) for line in head.splitlines()[:SNIFF_LINES]):
        raise _Rejected(NOT_A_MESSAGE, "no header line at the start")


def _rfc_sent_at(value: str | None) -> datetime:
    if value is None or not value.strip():
        raise _Rejected(MISSING_DATE)
    try:
        return rfc_date(value)
    except (TypeError, ValueError, OverflowError, IndexError) as exc:
        raise _Rejected(BAD_DATE, unparsable("Date", value)) from exc


def _parse_graph(line: bytes | str, source_file: str, position: int) -> dict[str, Any]:
    text = without_bom(line).decode("utf-8", "replace") if isinstance(line, bytes) else line.lstrip("\ufeff")
    try:
        message = json.loads(text)
    except ValueError as exc:
        raise _Rejected(BAD_JSON, _json_error(exc)) from exc
    if not isinstance(message, dict):
        raise _Rejected(BAD_JSON, f"a JSON {type(message).__name__}, not an object")
    sent_at = _graph_sent_at(message.get("sentDateTime"))
    headers: dict[str, list[str]] = {}
    for header in _graph_list(message.get("internetMessageHeaders")):
        name, value = str(header.get("name", "")).strip().lower(), str(header.get("value", ""))
        headers.setdefault(name, []).append(value)
    mail = _Mail(
        message_id=clean_id(_graph_str(message.get("internetMessageId"))),
        thread_id=clean_id(_graph_str(message.get("conversationId"))),
        automated_reason=automated_reason(headers),
        subject=_graph_str(message.get("subject")) or "",
    )
    for key in ("from", "sender"):
        name, address = _graph_pair(message.get(key))
        if clean_address(address):
            mail.sender_email, mail.sender_name = clean_address(address), name
            break
    if mail.sender_email and mail.sender_name:
        mail.names[mail.sender_email] = mail.sender_name
    mail.to = collect(map(_graph_pair, _graph_list(message.get("toRecipients"))), mail.names)
    mail.cc = collect(map(_graph_pair, _graph_list(message.get("ccRecipients"))), mail.names)
    mail.bcc = collect(map(_graph_pair, _graph_list(message.get("bccRecipients"))), None)
    given = (_graph_list(message.get(f"{kind}Recipients")) for kind in RECIPIENT_HEADERS)
    mail.recipients_named = any(any(_graph_pair(entry)) for recipients in given for entry in recipients)
    return _record(mail, sent_at, source_file, position, FORMAT_GRAPH, None)


def _graph_sent_at(value: Any) -> datetime:
    if value is None or value == "":
        raise _Rejected(MISSING_DATE)
    try:
        return iso_date(value)
    except (ValueError, OverflowError) as exc:
        raise _Rejected(BAD_DATE, unparsable("sentDateTime", value)) from exc


def _json_error(exc: ValueError) -> str:
    """Where the JSON broke (the decoder's own words and place), never the text around it."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{type(exc).__name__}: {exc.msg}: line {exc.lineno} column {exc.colno} (char {exc.pos})"
    return error_name(exc)


def _graph_list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _graph_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _graph_pair(recipient: Any) -> tuple[str | None, str | None]:
    """(display name, address) of a Graph `{emailAddress: {name, address}}` object."""
    email_address = recipient.get("emailAddress") if isinstance(recipient, dict) else None
    if not isinstance(email_address, dict):
        return None, None
    return clean_name(_graph_str(email_address.get("name"))), _graph_str(email_address.get("address"))


def _record(
    mail: _Mail, sent_at: datetime, source_file: str, position: int, fmt: str, mailbox: str | None
) -> dict[str, Any]:
    if mail.sender_email is None:
        raise _Rejected(NO_SENDER)
    if not (mail.to or mail.cc or mail.bcc) and mail.recipients_named:
        raise _Rejected(BAD_ADDRESS, "no recipient is a usable address")
    if not (mail.to or mail.cc or mail.bcc):
        raise _Rejected(NO_RELATIONSHIP)
    return {
        "source_file": source_file,
        "position": position,
        "format": fmt,
        "mailbox": mailbox,
        "message_id": mail.message_id,
        "thread_id": mail.thread_id,
        "sent_at": sent_at,
        "sender_email": mail.sender_email,
        "sender_name": mail.sender_name,
        "to_emails": mail.to,
        "cc_emails": mail.cc,
        "bcc_emails": mail.bcc,
        "display_names": mail.names,
        "automated_reason": mail.automated_reason,
        "dedupe_key": dedupe_key(mail.sender_email, mail.to, mail.cc, mail.subject, sent_at),
    }
