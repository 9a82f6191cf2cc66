"""Mail addresses and display names for the mail parser: normalise, validate, decode, pair Enron X-names,
resolve Exchange distinguished names.

Pure Python and standard library, used by `wkw.parsing.mail` on header values. An address is kept only
when, lower-cased and stripped of angle brackets, it matches a plain `local@domain.tld` shape; a display
name is kept only when it is not empty and not merely an address.

An Exchange distinguished name (DN, `/O=ENRON/OU=NA/CN=RECIPIENTS/CN=PDAVIS1`) standing where an address
should be, bare, in angle brackets or with a domain glued on (`/o=enron/.../cn=mpicker@enron.com`, as the
Enron export wrote them), is replaced by the SMTP address the same message gives it: the From address for
the DN of X-From, the To/Cc address at the same place for the DNs of X-To/X-cc, or an address written with
the same display name in another address header (see `message_dns`). A bare DN left unresolved is no
address and is dropped; a DN with a glued domain left unresolved is kept as written.

    from wkw.parsing.addresses import clean_address, clean_name
    clean_address(" <Pete.Davis@Enron.com> ")  # 'pete.davis@enron.com'
"""

import inspect
import re
import threading
from collections.abc import Iterable
from email.utils import getaddresses

from wkw.parsing.headers import decode_words, first, short_value_cache

SENDER_HEADERS = ("from", "sender", "return-path")
# Headers whose (name, address) entries can show the SMTP form of a DN written elsewhere in the message.
SMTP_EVIDENCE_HEADERS = ("from", "sender", "reply-to", "return-path", "to", "cc", "bcc")
# (header, its Enron X-header) pairs whose entries stand in the same order.
X_HEADER_PAIRS = (("from", "x-from"), ("to", "x-to"), ("cc", "x-cc"), ("bcc", "x-bcc"))

_ADDRESS_RE = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)"
)
_WHITESPACE_RE = re.compile(r"\s+")
_EXCHANGE_DN_RE = re.compile(r"<[^>]*>")
_QUOTED_RE = re.compile(r'"([^"]+)"')
# A DN: /o=... then /ou=... or /cn=... parts; "=3D" is a quoted-printable "=" left in some exports.
_DN_RE = re.compile(r"/o(?:=3d|=)[^/<>@\s,;]+(?:/(?:ou|cn|c)(?:=3d|=)[^/<>@\s,;]+)+", re.IGNORECASE)
_DN_ADDRESS_RE = re.compile(rf"<?\s*'?({_DN_RE.pattern})'?\s*(@[^\s<>]+)?\s*>?", re.IGNORECASE)
_BRACKETED_RE = re.compile(r"<([^<>]*)>")
_DN_MARKER_RE = re.compile(r"/(?:o|cn)=", re.IGNORECASE)

# Python 3.11.10+ parses strictly by default and then drops a whole header over one odd entry; the lenient
# parse keeps the good addresses and _ADDRESS_RE rejects the bad ones, on every patch release alike.
_GETADDRESSES_KWARGS = {"strict": False} if "strict" in inspect.signature(getaddresses).parameters else {}


def rfc_sender(headers: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """(address, name) of the first valid From, Sender or Return-Path entry; X-From names a nameless From.

    A DN in these headers is resolved first (`resolve_dns`)."""
    dns = message_dns(headers)
    for header in SENDER_HEADERS:
        for name, address in resolve_dns(header_pairs(headers.get(header, [])), dns):
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
    """(name, address) of one recipient header; Enron X-To/X-cc names fill in when they pair one to one.

    A DN standing for an address is replaced by its SMTP form when the message gives one (`resolve_dns`)."""
    entries = resolve_dns(header_pairs(headers.get(header, [])), message_dns(headers))
    pairs = [(clean_name(name), address) for name, address in entries]
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


def header_pairs(values: list[str]) -> list[tuple[str, str]]:
    """`address_pairs`, but a value holding a bracketed DN is split the Exchange way ('Last, First <DN>')."""
    if not any(_holds_bracketed_dn(value) for value in values):
        return address_pairs(values)
    pairs: list[tuple[str, str]] = []
    for value in values:
        pairs += _bracketed_entries(value) if _holds_bracketed_dn(value) else address_pairs([value])
    return pairs


def _holds_bracketed_dn(value: str) -> bool:
    return _DN_MARKER_RE.search(value) is not None and any(
        exchange_dn(inner) for inner in _BRACKETED_RE.findall(value)
    )


def _bracketed_entries(value: str) -> list[tuple[str, str]]:
    """Entries of 'Name <addr>, Last, First <DN>, plain@addr': a name runs from one '>' to the next '<'."""
    entries, start = [], 0
    for match in _BRACKETED_RE.finditer(value):
        entries.append((value[start : match.start()].strip(" \t,;"), match.group(1)))
        start = match.end()
    entries += [("", part.strip()) for part in re.split(r"[,;]", value[start:]) if part.strip()]
    return entries


def exchange_dn(address: str | None) -> str | None:
    """The normalised DN (lower case, '=3D' undone, no glued domain) when `address` is one, else None."""
    if not address or not _DN_MARKER_RE.search(address):
        return None
    match = _DN_ADDRESS_RE.fullmatch(address.strip())
    return match.group(1).lower().replace("=3d", "=") if match else None


def message_dns(headers: dict[str, list[str]]) -> dict[str, str]:
    """DN -> SMTP address as the message itself tells them apart; empty when no DN stands for an address.

    Evidence, first found wins: an X-header entry whose DN pairs one to one, in order, with a valid SMTP
    address of its header (X-From with From, X-To with To, ...); then a display name written once with a
    DN and elsewhere in the message with a valid SMTP address (one address per name, or no resolution).
    The parser asks once per header of one message: the last answer is kept for the same (unchanged)
    headers object, per thread.
    """
    if getattr(_last_message, "headers", None) is not headers:
        _last_message.headers, _last_message.dns = headers, _message_dns(headers)
    return _last_message.dns


_last_message = threading.local()


def _message_dns(headers: dict[str, list[str]]) -> dict[str, str]:
    values = (value for header in SMTP_EVIDENCE_HEADERS for value in headers.get(header, []))
    if not any(_DN_MARKER_RE.search(value) for value in values):  # the cheap test, for nearly all mail
        return {}
    pairs = {header: header_pairs(headers.get(header, [])) for header in SMTP_EVIDENCE_HEADERS}
    if not any(exchange_dn(address) for entries in pairs.values() for _, address in entries):
        return {}
    dns: dict[str, str] = {}
    x_entries = {
        x_header: _bracketed_entries(first(headers, x_header) or "") for _, x_header in X_HEADER_PAIRS
    }
    for header, x_header in X_HEADER_PAIRS:
        smtp = [clean_address(address) for _, address in pairs[header]]
        if len(smtp) == len(x_entries[x_header]):
            for email, (_, x_address) in zip(smtp, x_entries[x_header], strict=True):
                dn = exchange_dn(x_address)
                if dn and email and not exchange_dn(email):
                    dns.setdefault(dn, email)
    by_name = _smtp_by_name(pairs)
    for header, x_header in X_HEADER_PAIRS:
        for name, address in pairs[header] + x_entries[x_header]:
            dn, key = exchange_dn(address), _name_key(name)
            if dn and key and len(by_name.get(key, ())) == 1:
                dns.setdefault(dn, next(iter(by_name[key])))
    return dns


def _smtp_by_name(pairs: dict[str, list[tuple[str, str]]]) -> dict[str, set[str]]:
    by_name: dict[str, set[str]] = {}
    for entries in pairs.values():
        for name, address in entries:
            email, key = clean_address(address), _name_key(name)
            if email and key and not exchange_dn(email):
                by_name.setdefault(key, set()).add(email)
    return by_name


def _name_key(name: str | None) -> str | None:
    cleaned = clean_name(name)
    return cleaned.lower() if cleaned else None


def resolve_dns(pairs: list[tuple[str, str]], dns: dict[str, str]) -> list[tuple[str, str]]:
    """The (name, address) pairs with every DN the message resolves replaced by its SMTP address."""
    if not dns:
        return pairs
    return [(name, dns.get(exchange_dn(address) or "", address)) for name, address in pairs]


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


@short_value_cache
def clean_address(address: str | None) -> str | None:
    """The lower-cased address without angle brackets; None when it is not a valid address."""
    email = (address or "").strip().strip("<>").strip().lower()
    return email if _ADDRESS_RE.fullmatch(email) else None


@short_value_cache
def clean_name(name: str | None) -> str | None:
    """A decoded, whitespace-collapsed display name; None when empty or merely an address."""
    if not name:
        return None
    cleaned = _WHITESPACE_RE.sub(" ", decode_words(name)).strip().strip("\"'").strip()
    if not cleaned or ("@" in cleaned and clean_address(cleaned) is not None):
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
