"""`[accounts]` of conf/wkw.toml: what makes an account of the account view (`wkw.account_introducers`).

A section module of its own beside wkw.config_sections; wkw.config loads it like the others. An account is
the CRM's company of a contact, or else the contact's registrable e-mail domain. No public-suffix library
is installed, so the registrable domain follows a documented rule (wkw.scoring.accounts): the last two
labels of the domain, or the last three when the last two are one of `multi_label_suffixes` (co.uk). A
domain of `personal_domains` (or a subdomain of one) is never an account.
"""

from __future__ import annotations

from dataclasses import dataclass

from wkw.config_sections import ConfigError, _whole, string_list

MAX_NAMED = 10


@dataclass(frozen=True)
class Accounts:
    personal_domains: tuple[str, ...]
    multi_label_suffixes: tuple[str, ...]
    named_contacts: int

    def __post_init__(self) -> None:
        suffixes = string_list("accounts", "multi_label_suffixes", self.multi_label_suffixes)
        if bad := [suffix for suffix in suffixes if suffix.count(".") != 1]:
            raise ConfigError(f"[accounts] multi_label_suffixes must be two labels (co.uk), not {bad!r}")
        for key, value in {
            "personal_domains": string_list("accounts", "personal_domains", self.personal_domains),
            "multi_label_suffixes": suffixes,
            "named_contacts": _whole("accounts", "named_contacts", self.named_contacts, 1, MAX_NAMED),
        }.items():
            object.__setattr__(self, key, value)
