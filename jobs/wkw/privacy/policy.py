"""The privacy policy from `conf/wkw.toml [privacy]`, and the subject hash, free of PySpark (the CLI uses it).

Who is withheld (their mail, meetings and calls never analysed, their rows removed everywhere):
- a colleague marked opted out in the directory, everywhere by default, or only in `opt_out_regions`
  when that list is set (["EMEA", "APAC"] reproduces Dynamics 365);
- a colleague in an excluded department or group, or with an excluded address (primary or alias);
- an external person whose erasure request landed under `landing/privacy/<date>/`.
The lake never keeps a withheld address in plain text: the privacy register keeps its SHA-256.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from wkw.config import Settings

MAX_RETENTION_DAYS = 30
DEFAULT_RETENTION_DAYS = 7
REDACTED_PREFIX = "redacted:"  # what a withheld recipient of a kept mail or meeting becomes


class PrivacyConfigError(ValueError):
    """`[privacy]` in the settings is not usable; the message says which key and why."""


@dataclass(frozen=True)
class PrivacyPolicy:
    opt_out_regions: tuple[str, ...]  # empty: every opt-out is honoured
    excluded_departments: tuple[str, ...]
    excluded_groups: tuple[str, ...]
    excluded_addresses: tuple[str, ...]
    retention_days: int
    address_book_rule: bool


def _lowered(section: dict, key: str) -> tuple[str, ...]:
    values = section.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise PrivacyConfigError(f"[privacy] {key} must be a list of strings, not {values!r}")
    return tuple(sorted({v.strip().lower() for v in values if v.strip()}))


def privacy_policy(settings: Settings) -> PrivacyPolicy:
    section = settings.raw.get("privacy", {})
    retention = section.get("retention_days", DEFAULT_RETENTION_DAYS)
    if (
        not isinstance(retention, int)
        or isinstance(retention, bool)
        or not 0 <= retention <= MAX_RETENTION_DAYS
    ):
        raise PrivacyConfigError(
            f"[privacy] retention_days must be a whole number of days from 0 to {MAX_RETENTION_DAYS}, "
            f"not {retention!r}"
        )
    return PrivacyPolicy(
        opt_out_regions=tuple(r.upper() for r in _lowered(section, "opt_out_regions")),
        excluded_departments=_lowered(section, "excluded_departments"),
        excluded_groups=_lowered(section, "excluded_groups"),
        excluded_addresses=_lowered(section, "excluded_addresses"),
        retention_days=retention,
        address_book_rule=bool(section.get("address_book_rule", True)),
    )


def subject_hash(address: str) -> str:
    """SHA-256 (hex) of the trimmed, lower-cased address: how the register recognises a person again.

    Not anonymisation (whoever holds an address can test it); it keeps the address itself out of the lake.
    """
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()
