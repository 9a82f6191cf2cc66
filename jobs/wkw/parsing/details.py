"""Quarantine details that name no person: what failed and where, never the text of an address or a name.

`bronze/quarantine.detail` outlives the records it explains and is read by people who may not read mail
metadata, so every reader builds its detail here: an exception by its type only (libraries put the
offending input in their messages), a size, a field's name, and a value only when it is a date or a number
(`date_or_number`), never free text. Pure Python, for the parsers in Spark's workers and the stages alike.

    detail = unparsable("Date", value)  # "Date 'Mon, 5 Oct 2026 25:00' unparsable", or "Date unparsable"
"""

from __future__ import annotations

import re

VALUE_MAX_CHARS = 64  # a date or a number longer than this is not kept either
# Words a date may hold: days, months, zones, AM/PM and the ISO separators; every other word may be a name.
DATE_WORDS = frozenset(
    "mon tue wed thu fri sat sun jan feb mar apr may jun jul aug sep oct nov dec t z ut utc gmt "
    "est edt cst cdt mst mdt pst pdt cet cest bst am pm".split()
)
# The same rule for Spark's `rlike` (the call records): digits, signs, separators and ISO's T and Z.
DATE_OR_NUMBER_PATTERN = r"^[0-9TZ:+\-./ ,eE]{1,64}$"

_WORD_RE = re.compile(r"[A-Za-z]+")
_ALLOWED_RE = re.compile(r"[0-9A-Za-z :+\-./,()]*")


def error_name(error: BaseException) -> str:
    """An exception by its type: its message may quote the input (a calendar line, a header value)."""
    return type(error).__name__


def date_or_number(value: object) -> bool:
    """Whether `value` reads as a date or a number: digits, separators and date words only, short."""
    text = str(value)
    if len(text) > VALUE_MAX_CHARS or not _ALLOWED_RE.fullmatch(text):
        return False
    return all(word.lower() in DATE_WORDS for word in _WORD_RE.findall(text))


def unparsable(field: str, value: object) -> str:
    """'<field> '<value>' unparsable' when the value is a date or a number, else '<field> unparsable'."""
    return f"{field} {str(value)!r} unparsable" if date_or_number(value) else f"{field} unparsable"


def too_large(what: str, size: int, limit: int) -> str:
    return f"{what} holds {size} bytes, the limit is {limit}"
