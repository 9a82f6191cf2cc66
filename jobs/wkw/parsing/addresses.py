"""Mail addresses and display names for the mail parser: normalise, validate, decode, pair Enron X-names.

Pure Python and standard library, used by `wkw.parsing.mail` on header values. An address is kept only
when, lower-cased and stripped of angle brackets, it matches a plain `local@domain.tld` shape; a display
name is kept only when it is not empty and not merely an address.

    from wkw.parsing.addresses import clean_address, clean_name
    clean_address(" <Pete.Davis@Enron.com> ")  # 'pete.davis@enron.com'
"""

import inspect
import re
from collections.abc import Iterable
from email.utils import getaddresses

from wkw.parsing.headers import decode_words, first

SENDER_HEADERS = ("from", "sender", "return-path")

_ADDRESS_RE = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)"
)
_WHITESPACE_RE = re.compile(r"\s+")
_EXCHANGE_DN_RE = re.compile(r"<[^>]*>")
_QUOTED_RE = re.compile(r'"([^"]+)"')

# Python 3.11.10+ parses strictly by default and then drops a whole header over one odd entry; the lenient
# parse keeps the good addresses and _ADDRESS_RE rejects the bad ones, on every patch release alike.
_GETADDRESSES_KWARGS = {"strict": False} if "strict" in inspect.signature(getaddresses).parameters else {}


def rfc_sender(headers: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """(address, name) of the first valid From, Sender or Return-Path entry; X-From names a nameless From."""
    for header in SENDER_HEADERS:
        for name, address in address_pairs(headers.get(header, [])):
            email = clean_address(address)
            if email is None:
                continue
            sender_name = clean_name(name)
            if sender_name is None and header == "from":
                sender_name = next(iter(x_names(first(headers, "x-from"))), None)
            return email, sender_name
    return None, None


def rfc_recipient_pairs(
    headers: dict[str, list[str]], header: str, x_header: str | None
) -> list[tuple[str | None, str]]:
    """(name, address) of one recipient header; Enron X-To/X-cc names fill in when they pair one to one."""
    pairs = [(clean_name(name), address) for name, address in address_pairs(headers.get(header, []))]
    pairs = [(name, address) for name, address in pairs if address.strip()]
    x_header_names = x_names(first(headers, x_header)) if x_header else []
    if len(x_header_names) == len(pairs):
        pairs = [
            (name or x_name, address) for (name, address), x_name in zip(pairs, x_header_names, strict=True)
        ]
    return pairs


def address_pairs(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) of every entry in the values of one address header."""
    return getaddresses(values, **_GETADDRESSES_KWARGS) if values else []


def x_names(value: str | None) -> list[str | None]:
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
    return clean_name(quoted.group(1) if quoted else entry)


def clean_address(address: str | None) -> str | None:
    """The lower-cased address without angle brackets; None when it is not a valid address."""
    email = (address or "").strip().strip("<>").strip().lower()
    return email if _ADDRESS_RE.fullmatch(email) else None


def clean_name(name: str | None) -> str | None:
    """A decoded, whitespace-collapsed display name; None when empty or merely an address."""
    if not name:
        return None
    cleaned = _WHITESPACE_RE.sub(" ", decode_words(name)).strip().strip("\"'").strip()
    if not cleaned or clean_address(cleaned) is not None:
        return None
    return cleaned


def collect(pairs: Iterable[tuple[str | None, str | None]], names: dict[str, str] | None) -> list[str]:
    """Valid addresses, deduplicated in first order; their names go to `names` unless that is None."""
    emails: dict[str, None] = {}
    for name, address in pairs:
        email = clean_address(address)
        if email is None:
            continue
        if names is not None and name:
            names.setdefault(email, name)
        emails.setdefault(email)
    return list(emails)
