"""Header-level parts of the mail parser: read the header block, decode words, parse dates and ids.

Pure Python and standard library, used by `wkw.parsing.mail`. Headers are a dict of lower-cased name to
its decoded, unfolded values in order; the body is cut off before parsing and never decoded. Also here:
header evidence of automated mail, and the dedupe key, which hashes the subject so it is never kept.

    from wkw.parsing.headers import first, read_headers
    first(read_headers(data), "date")
"""

import hashlib
import re
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.utils import parsedate_to_datetime
from functools import lru_cache, wraps
from typing import Any

FALLBACK_CHARSET = "cp1252"  # what 8-bit header bytes that are not UTF-8 mostly are in Windows-era mail
THREAD_HEADERS = ("references", "in-reply-to")
AUTOMATED_PRECEDENCE = frozenset({"bulk", "list", "junk"})
SECOND_ISO = "%Y-%m-%dT%H:%M:%SZ"
CACHE_SIZE = 1 << 16  # per process: the values a mail export repeats (subjects, addresses, names)
CACHED_MAX_CHARS = 256  # what repeats is short; a long value is computed each time, never kept

_HEADER_END_RE = re.compile(rb"\r?\n\r?\n")
_NEWLINES_RE = re.compile(r"[\r\n]+[ \t]*")
_WHITESPACE_RE = re.compile(r"\s+")
_ANGLE_ID_RE = re.compile(r"<([^<>]+)>")


def short_value_cache(function):
    """`function` of one str (or None), with a bounded LRU cache for the values of at most
    CACHED_MAX_CHARS characters. Only for pure functions: the parser calls them once per address, name or
    subject, and the same ones come back in every mail of a thread or of a colleague."""
    cached = lru_cache(maxsize=CACHE_SIZE)(function)

    @wraps(function)
    def call(value):
        return cached(value) if value is None or len(value) <= CACHED_MAX_CHARS else function(value)

    return call


def read_headers(data: bytes) -> dict[str, list[str]]:
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


def first(headers: dict[str, list[str]], name: str) -> str | None:
    """The first value of a header, or None when it is absent."""
    values = headers.get(name)
    return values[0] if values else None


def decode_words(value: str) -> str:
    """The text of RFC 2047 encoded words ('=?utf-8?q?...?='), or the value as written when undecodable."""
    if "=?" not in value:  # no encoded word can start: `decode_header` would give the value back unchanged
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # unknown charsets and broken encoded words are kept as written
        return value


UTF8_BOM = b"\xef\xbb\xbf"
# A year written with four digits below 1000 (`0001`): parsedate reads any year under 100 as 19xx or 20xx.
_ZERO_PADDED_YEAR_RE = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+0\d{3}\b", re.I
)


def without_bom(data: bytes) -> bytes:
    """`data` without a leading UTF-8 byte order mark (exports written by Windows tools carry one)."""
    return data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data


def rfc_date(value: str) -> datetime:
    """An RFC 5322 Date value in UTC (naive taken as UTC); raises what `parsedate_to_datetime` raises, and
    ValueError for a four-digit year below 1000 (which it would read as 2001 for `0001`)."""
    if _ZERO_PADDED_YEAR_RE.search(value):
        raise ValueError(f"a year below 1000 in {value!r}")
    return _as_utc(parsedate_to_datetime(value))


def iso_date(value: Any) -> datetime:
    """An ISO 8601 timestamp (Graph `sentDateTime`) in UTC (naive taken as UTC); ValueError when not one."""
    return _as_utc(datetime.fromisoformat(str(value).strip()))


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def rfc_thread_id(headers: dict[str, list[str]]) -> str | None:
    """The thread root: first id of References, else of In-Reply-To, else Thread-Index."""
    for name in THREAD_HEADERS:
        value = first(headers, name) or ""
        ids = _ANGLE_ID_RE.findall(value) or value.split()
        if ids:
            return clean_id(ids[0])
    return clean_id(first(headers, "thread-index"))


def clean_id(value: str | None) -> str | None:
    """A message or thread id without whitespace and angle brackets; None when empty."""
    cleaned = _WHITESPACE_RE.sub("", value or "").strip("<>")
    return cleaned or None


def automated_reason(headers: dict[str, list[str]]) -> str | None:
    """Header evidence that a machine sent the mail, first match in a fixed order."""
    auto_submitted = first(headers, "auto-submitted")
    if auto_submitted is not None and auto_submitted.split(";")[0].strip().lower() != "no":
        return "auto_submitted"
    precedence = (first(headers, "precedence") or "").strip().lower()
    if precedence in AUTOMATED_PRECEDENCE:
        return f"precedence_{precedence}"
    if "list-id" in headers:
        return "list_id"
    if "list-unsubscribe" in headers:
        return "list_unsubscribe"
    return None


def dedupe_key(
    sender_email: str | None, to: list[str], cc: list[str], subject: str, sent_at: datetime
) -> str:
    """sha256 of sender | sorted To+Cc | second in UTC | sha256 of the normalised subject."""
    recipients = ",".join(sorted(set(to) | set(cc)))
    # isoformat is the cheaper spelling of SECOND_ISO, except that it pads years before 1000 and strftime not
    if sent_at.year >= 1000:
        second = sent_at.isoformat(timespec="seconds")[:19] + "Z"
    else:
        second = sent_at.strftime(SECOND_ISO)
    return _sha256("|".join([sender_email or "", recipients, second, _subject_hash(subject)]))


@short_value_cache
def _subject_hash(subject: str) -> str:
    """sha256 of the decoded, whitespace-collapsed, lower-cased subject (a thread repeats its subject)."""
    return _sha256(_WHITESPACE_RE.sub(" ", decode_words(subject)).strip().lower())


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
