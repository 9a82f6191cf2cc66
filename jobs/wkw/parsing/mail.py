"""Turn one mail (an RFC 5322 file or a Microsoft Graph JSON line) into a metadata record.

Pure Python and standard library, so a Spark stage can call it per file in `mapPartitions`. Only the
header block is read; bodies are never decoded and the subject is never returned: it is only hashed into
`dedupe_key`, which recognises copies of one mail across mailboxes. Every call returns a `ParseResult`
with either a record shaped like `wkw.schemas.MAIL_RECORD` or a quarantine reason; nothing raises.

    from wkw.parsing.mail import parse_rfc5322
    result = parse_rfc5322(path.read_bytes(), str(path))
"""

import hashlib
import inspect
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

FORMAT_RFC5322 = "rfc5322"
FORMAT_GRAPH = "graph"

EMPTY_FILE = "empty_file"
NOT_A_MESSAGE = "not_a_message"
MISSING_DATE = "missing_date"
BAD_DATE = "bad_date"
NO_SENDER = "no_sender"
NO_RECIPIENTS = "no_recipients"
BAD_JSON = "bad_json"
PARSE_ERROR = "parse_error"
REASONS = (EMPTY_FILE, NOT_A_MESSAGE, MISSING_DATE, BAD_DATE, NO_SENDER, NO_RECIPIENTS, BAD_JSON, PARSE_ERROR)

DETAIL_MAX_CHARS = 200
SNIFF_BYTES = 4096
SNIFF_LINES = 20
MAILDIR = "maildir"
FALLBACK_CHARSET = "cp1252"  # what 8-bit header bytes that are not UTF-8 mostly are in Windows-era mail
SENDER_HEADERS = ("from", "sender", "return-path")
THREAD_HEADERS = ("references", "in-reply-to")
AUTOMATED_PRECEDENCE = frozenset({"bulk", "list", "junk"})
SECOND_ISO = "%Y-%m-%dT%H:%M:%SZ"

_ADDRESS_RE = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)"
)
_HEADER_END_RE = re.compile(rb"\r?\n\r?\n")
_HEADER_LINE_RE = re.compile(rb"[!-9;-~]+[ \t]*:")
_NEWLINES_RE = re.compile(r"[\r\n]+[ \t]*")
_WHITESPACE_RE = re.compile(r"\s+")
_ANGLE_ID_RE = re.compile(r"<([^<>]+)>")
_EXCHANGE_DN_RE = re.compile(r"<[^>]*>")
_QUOTED_RE = re.compile(r'"([^"]+)"')
_MESSAGE_NUMBER_RE = re.compile(r"\d+\.?")

# Python 3.11.10+ parses strictly by default and then drops a whole header over one odd entry; the lenient
# parse keeps the good addresses and _ADDRESS_RE rejects the bad ones, on every patch release alike.
_GETADDRESSES_KWARGS = {"strict": False} if "strict" in inspect.signature(getaddresses).parameters else {}


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


def parse_rfc5322(data: bytes, source_file: str, position: int = 0) -> ParseResult:
    """Parse the header block of one RFC 5322 message file (Maildir/Enron layout gives the mailbox)."""
    return _guarded(_parse_rfc5322, data, source_file, position)


def parse_graph_line(line: bytes | str, source_file: str, position: int) -> ParseResult:
    """Parse one Microsoft Graph message object, serialised as one JSON line."""
    return _guarded(_parse_graph, line, source_file, position)


def parse_graph_file(data: bytes, source_file: str) -> Iterator[ParseResult]:
    """Parse a JSON-lines export: one result per non-blank line, position being its 1-based line number."""
    for number, line in enumerate(data.splitlines(), start=1):
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
        return _rejection(PARSE_ERROR, f"{type(exc).__name__}: {exc}")


def _rejection(reason: str, detail: str | None) -> ParseResult:
    return ParseResult(reason=reason, detail=detail[:DETAIL_MAX_CHARS] if detail else None)


def _parse_rfc5322(data: bytes, source_file: str, position: int) -> dict[str, Any]:
    if not data.strip():
        raise _Rejected(EMPTY_FILE)
    _sniff(data)
    headers = _read_headers(data)
    sent_at = _rfc_sent_at(_first(headers, "date"))
    mail = _Mail(
        message_id=_clean_id(_first(headers, "message-id")),
        thread_id=_rfc_thread_id(headers),
        automated_reason=_automated_reason(headers),
        subject=_first(headers, "subject") or "",
    )
    _rfc_sender(headers, mail)
    mail.to = _rfc_recipients(headers, "to", "x-to", mail.names)
    mail.cc = _rfc_recipients(headers, "cc", "x-cc", mail.names)
    mail.bcc = _rfc_recipients(headers, "bcc", None, None)
    return _record(mail, sent_at, source_file, position, FORMAT_RFC5322, mailbox_of(source_file))


def _sniff(data: bytes) -> None:
    head = data[:SNIFF_BYTES]
    if b"\x00" in head:
        raise _Rejected(NOT_A_MESSAGE, "NUL byte in the first bytes")
    if not any(_HEADER_LINE_RE.match(line) for line in head.splitlines()[:SNIFF_LINES]):
        raise _Rejected(NOT_A_MESSAGE, "no header line at the start")


def _read_headers(data: bytes) -> dict[str, list[str]]:
    """Header values by lower-cased name, decoded and unfolded; the body is cut off before parsing."""
    end = _HEADER_END_RE.search(data)
    block = data[: end.end()] if end else data
    message = BytesHeaderParser(policy=policy.compat32).parsebytes(block)
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        headers.setdefault(name.strip().lower(), []).append(_NEWLINES_RE.sub(" ", _repair(str(value))))
    return headers


def _repair(value: str) -> str:
    """Undo the parser's surrogate escapes: 8-bit bytes become UTF-8 text, or cp1252 when not UTF-8."""
    raw = value.encode("ascii", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode(FALLBACK_CHARSET, "replace")


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _rfc_sent_at(value: str | None) -> datetime:
    if value is None or not value.strip():
        raise _Rejected(MISSING_DATE)
    try:
        return _as_utc(parsedate_to_datetime(value))
    except (TypeError, ValueError, OverflowError, IndexError) as exc:
        raise _Rejected(BAD_DATE, f"Date: {value}") from exc


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _rfc_thread_id(headers: dict[str, list[str]]) -> str | None:
    for name in THREAD_HEADERS:
        value = _first(headers, name) or ""
        ids = _ANGLE_ID_RE.findall(value) or value.split()
        if ids:
            return _clean_id(ids[0])
    return _clean_id(_first(headers, "thread-index"))


def _clean_id(value: str | None) -> str | None:
    cleaned = _WHITESPACE_RE.sub("", value or "").strip("<>")
    return cleaned or None


def _automated_reason(headers: dict[str, list[str]]) -> str | None:
    """Header evidence that a machine sent the mail, first match in a fixed order."""
    auto_submitted = _first(headers, "auto-submitted")
    if auto_submitted is not None and auto_submitted.split(";")[0].strip().lower() != "no":
        return "auto_submitted"
    precedence = (_first(headers, "precedence") or "").strip().lower()
    if precedence in AUTOMATED_PRECEDENCE:
        return f"precedence_{precedence}"
    if "list-id" in headers:
        return "list_id"
    if "list-unsubscribe" in headers:
        return "list_unsubscribe"
    return None


def _rfc_sender(headers: dict[str, list[str]], mail: _Mail) -> None:
    for header in SENDER_HEADERS:
        for name, address in _address_pairs(headers.get(header, [])):
            email = _clean_address(address)
            if email is None:
                continue
            mail.sender_email, mail.sender_name = email, _clean_name(name)
            if mail.sender_name is None and header == "from":
                mail.sender_name = next(iter(_x_names(_first(headers, "x-from"))), None)
            if mail.sender_name:
                mail.names[email] = mail.sender_name
            return


def _rfc_recipients(
    headers: dict[str, list[str]], header: str, x_header: str | None, names: dict[str, str] | None
) -> list[str]:
    """Valid addresses of one recipient header; Enron X-To/X-cc names fill in when they pair one to one."""
    pairs = [(_clean_name(name), address) for name, address in _address_pairs(headers.get(header, []))]
    pairs = [(name, address) for name, address in pairs if address.strip()]
    x_names = _x_names(_first(headers, x_header)) if x_header else []
    if len(x_names) == len(pairs):
        pairs = [(name or x_name, address) for (name, address), x_name in zip(pairs, x_names, strict=True)]
    return _collect(pairs, names)


def _address_pairs(values: list[str]) -> list[tuple[str, str]]:
    return getaddresses(values, **_GETADDRESSES_KWARGS) if values else []


def _x_names(value: str | None) -> list[str | None]:
    """Names of an Enron X-From/X-To/X-cc value in order: 'Davis, Pete </O=ENRON/...>' keeps its comma."""
    if not value or not value.strip():
        return []
    parts = _EXCHANGE_DN_RE.split(value)
    # Each part but the last stood before a <...> and names one entry; the last holds plain names.
    entries = [part.strip(" \t,") for part in parts[:-1]]
    entries += [entry.strip() for entry in parts[-1].split(",") if entry.strip()]
    return [_x_entry_name(entry) for entry in entries]


def _x_entry_name(entry: str) -> str | None:
    quoted = _QUOTED_RE.search(entry)
    return _clean_name(quoted.group(1) if quoted else entry)


def _clean_address(address: str | None) -> str | None:
    email = (address or "").strip().strip("<>").strip().lower()
    return email if _ADDRESS_RE.fullmatch(email) else None


def _clean_name(name: str | None) -> str | None:
    """A decoded, whitespace-collapsed display name; None when empty or merely an address."""
    if not name:
        return None
    cleaned = _WHITESPACE_RE.sub(" ", _decode_words(name)).strip().strip("\"'").strip()
    if not cleaned or _clean_address(cleaned) is not None:
        return None
    return cleaned


def _decode_words(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # unknown charsets and broken encoded words are kept as written
        return value


def _collect(pairs: Iterable[tuple[str | None, str | None]], names: dict[str, str] | None) -> list[str]:
    """Valid addresses, deduplicated in first order; their names go to `names` unless that is None."""
    emails: dict[str, None] = {}
    for name, address in pairs:
        email = _clean_address(address)
        if email is None:
            continue
        if names is not None and name:
            names.setdefault(email, name)
        emails.setdefault(email)
    return list(emails)


def _parse_graph(line: bytes | str, source_file: str, position: int) -> dict[str, Any]:
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    try:
        message = json.loads(text)
    except ValueError as exc:
        raise _Rejected(BAD_JSON, f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(message, dict):
        raise _Rejected(BAD_JSON, f"a JSON {type(message).__name__}, not an object")
    sent_at = _graph_sent_at(message.get("sentDateTime"))
    headers: dict[str, list[str]] = {}
    for header in _graph_list(message.get("internetMessageHeaders")):
        name, value = str(header.get("name", "")).strip().lower(), str(header.get("value", ""))
        headers.setdefault(name, []).append(value)
    mail = _Mail(
        message_id=_clean_id(_graph_str(message.get("internetMessageId"))),
        thread_id=_clean_id(_graph_str(message.get("conversationId"))),
        automated_reason=_automated_reason(headers),
        subject=_graph_str(message.get("subject")) or "",
    )
    for key in ("from", "sender"):
        name, address = _graph_pair(message.get(key))
        if _clean_address(address):
            mail.sender_email, mail.sender_name = _clean_address(address), name
            break
    if mail.sender_email and mail.sender_name:
        mail.names[mail.sender_email] = mail.sender_name
    mail.to = _collect(map(_graph_pair, _graph_list(message.get("toRecipients"))), mail.names)
    mail.cc = _collect(map(_graph_pair, _graph_list(message.get("ccRecipients"))), mail.names)
    mail.bcc = _collect(map(_graph_pair, _graph_list(message.get("bccRecipients"))), None)
    return _record(mail, sent_at, source_file, position, FORMAT_GRAPH, None)


def _graph_sent_at(value: Any) -> datetime:
    if value is None or value == "":
        raise _Rejected(MISSING_DATE)
    try:
        return _as_utc(datetime.fromisoformat(str(value).strip()))
    except (ValueError, OverflowError) as exc:
        raise _Rejected(BAD_DATE, f"sentDateTime: {value}") from exc


def _graph_list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _graph_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _graph_pair(recipient: Any) -> tuple[str | None, str | None]:
    """(display name, address) of a Graph `{emailAddress: {name, address}}` object."""
    email_address = recipient.get("emailAddress") if isinstance(recipient, dict) else None
    if not isinstance(email_address, dict):
        return None, None
    return _clean_name(_graph_str(email_address.get("name"))), _graph_str(email_address.get("address"))


def _record(
    mail: _Mail, sent_at: datetime, source_file: str, position: int, fmt: str, mailbox: str | None
) -> dict[str, Any]:
    if mail.sender_email is None:
        raise _Rejected(NO_SENDER)
    if not (mail.to or mail.cc or mail.bcc):
        raise _Rejected(NO_RECIPIENTS)
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
        "dedupe_key": _dedupe_key(mail, sent_at),
    }


def _dedupe_key(mail: _Mail, sent_at: datetime) -> str:
    """sha256 of sender | sorted To+Cc | second in UTC | sha256 of the normalised subject."""
    subject = _WHITESPACE_RE.sub(" ", _decode_words(mail.subject)).strip().lower()
    recipients = ",".join(sorted(set(mail.to) | set(mail.cc)))
    parts = [mail.sender_email or "", recipients, sent_at.strftime(SECOND_ISO), _sha256(subject)]
    return _sha256("|".join(parts))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
