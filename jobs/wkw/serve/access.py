"""Who may ask, and whom they may ask about: the gates of `wkw who-knows` and `wkw introduce`.

The requester gate: a requester passes when the newest directory snapshot (`<lake>/bronze/directory`,
read with `deltalake`, no JVM) has them, matched by primary e-mail or alias, as an active user holding the
configured licence and at least one of the configured primary sales roles (`conf/wkw.toml [access]`).
Each refusal says which condition failed, so a seller knows whom to ask. A colleague who opted out (or is
excluded, or was erased) is not in the lake at all and is refused exactly like an unknown address: the
answer never tells whether someone is in the privacy register.

The target gate (the address-book rule, `[privacy] address_book_rule`): an internal colleague can be
looked up only if at least one other colleague keeps them in an address book; external people always can.

    from wkw.serve.access import AccessRefused, check_requester, check_target
    requester = check_requester(load_settings(), "ines.chen@contoso.com")
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow.compute as pc
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from wkw.config import BRONZE, Settings
from wkw.vocabulary import ADDRESS_BOOK_TABLE, DIRECTORY_TABLE

# Why a requester was refused: the reason is stable for callers, the message is for people.
NO_REQUESTER = "no_requester"
NO_DIRECTORY = "no_directory"
UNKNOWN = "unknown"
INACTIVE = "inactive"
UNLICENSED = "unlicensed"
WRONG_ROLE = "wrong_role"
NOT_IN_ADDRESS_BOOK = "not_in_address_book"


class AccessRefused(PermissionError):
    """The requester may not ask, or not about this target; `reason` is one of the constants above."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Requester:
    email: str  # the primary e-mail, even when the requester gave an alias
    name: str
    title: str | None
    department: str | None
    roles: tuple[str, ...]
    licences: tuple[str, ...]


def _newest_snapshot(path: str) -> list[dict]:
    """The rows of the newest `ingest_date`: an export is a full snapshot, older ones are history."""
    table = DeltaTable(path).to_pyarrow_table()
    if table.num_rows == 0:
        return []
    newest = pc.max(table["ingest_date"])
    return table.filter(pc.equal(table["ingest_date"], newest)).to_pylist()


def directory_snapshot(settings: Settings) -> list[dict]:
    try:
        return _newest_snapshot(settings.table_path(BRONZE, DIRECTORY_TABLE))
    except TableNotFoundError as missing:
        raise AccessRefused(
            f"no directory in {settings.lake}: the pipeline has not ingested one yet", NO_DIRECTORY
        ) from missing


class Directory:
    """The newest directory and address-book snapshots, indexed, for the gates. The CLI loads one per
    command; `wkw serve` one with each publication it loads, and answers every request from it.

    A user is found by primary e-mail, else by alias; an alias claimed by two users resolves to the
    smallest primary e-mail, the order the pipeline uses."""

    def __init__(self, users: list[dict], address_book: list[dict]) -> None:
        self.users = users
        self._primary: dict[str, dict] = {}
        self._alias: dict[str, dict] = {}
        for row in sorted(users, key=lambda row: row["email"] or ""):
            self._primary.setdefault((row["email"] or "").lower(), row)
            for alias in row["aliases"] or ():
                self._alias.setdefault(alias.lower(), row)  # the smallest primary e-mail wins
        self._kept_by: dict[str, set[str]] = {}
        for entry in address_book:
            self._kept_by.setdefault(entry["contact_email"], set()).add(entry["owner_email"])

    @classmethod
    def load(cls, settings: Settings) -> Directory:
        try:
            book = _newest_snapshot(settings.table_path(BRONZE, ADDRESS_BOOK_TABLE))
        except TableNotFoundError:
            book = []
        return cls(directory_snapshot(settings), book)

    def find(self, address: str) -> dict | None:
        address = address.strip().lower()
        return self._primary.get(address) or self._alias.get(address)

    def kept_by(self, addresses: set[str]) -> set[str]:
        owners = set().union(*(self._kept_by.get(address, set()) for address in addresses))
        return owners - addresses


def _lowered(values) -> set[str]:
    return {value.strip().lower() for value in values or () if value}


def check_requester(settings: Settings, email: str | None, directory: Directory | None = None) -> Requester:
    """The requester behind `email` if they pass the gate; otherwise `AccessRefused` says why. The lake's
    newest directory is read unless a loaded `directory` is given."""
    if not email or not email.strip():
        raise AccessRefused("no requester: pass --as EMAIL or set WKW_USER", NO_REQUESTER)
    policy = settings.access
    user = (directory or Directory.load(settings)).find(email)
    if user is None:
        # A withheld colleague is not in the lake's directory either, and gets the very same answer: a
        # different one would tell anyone with the CLI who is in the privacy register.
        raise AccessRefused(f"{email} is not in the company directory", UNKNOWN)
    who = user["email"]
    if not user["active"]:
        raise AccessRefused(f"{who} is not an active user in the company directory", INACTIVE)
    if policy.licence.lower() not in _lowered(user["licences"]):
        raise AccessRefused(
            f"{who} does not hold the {policy.licence} licence that Who Knows Whom requires: ask your "
            f"licence administrator",
            UNLICENSED,
        )
    if not _lowered(user["roles"]) & _lowered(policy.roles):
        raise AccessRefused(
            f"{who} has none of the sales roles that may use Who Knows Whom ({', '.join(policy.roles)})",
            WRONG_ROLE,
        )
    return Requester(
        email=who,
        name=user["name"] or who,
        title=user["title"],
        department=user["department"],
        roles=tuple(user["roles"] or ()),
        licences=tuple(user["licences"] or ()),
    )


def check_target(settings: Settings, email: str, directory: Directory | None = None) -> None:
    """The address-book rule: an internal target must be in another colleague's address book."""
    if not settings.privacy.address_book_rule:
        return
    target = email.strip().lower()
    directory = directory or Directory.load(settings)
    user = directory.find(target)
    if user is None and not settings.is_internal_domain(target.rpartition("@")[2]):
        return  # an external person: always
    addresses = {target} if user is None else {user["email"], *(a.lower() for a in user["aliases"] or ())}
    if not directory.kept_by(addresses):
        raise AccessRefused(
            f"{target} is a colleague whom no other colleague keeps in an address book: internal people "
            f"can be looked up only when someone has them as a contact",
            NOT_IN_ADDRESS_BOOK,
        )
