"""Tiny bronze call rows and colleague addresses for the channel tests."""

from __future__ import annotations

from datetime import date

AS_OF = date(2026, 11, 26)  # the logical date of the unit tests' rows


ADDRESSES_SCHEMA = "address string, colleague_email string, withheld boolean, active boolean"


def bronze_call(ingest, file, position, caller, callee, at, seconds=120, call_id=None):
    return (ingest, file, position, call_id or f"{file}-{position}", caller, callee, at, seconds, None)
