"""Redaction tokens: one random token per request of the privacy register, and what the scrub replaces.

A withheld person inside a kept mail or meeting becomes `redacted:<token>`. The token is drawn once, with
`secrets`, when the request enters the register (`with_tokens`), and kept in its `token` column for the
life of the request, so that every night redacts one person to one token. It is never derived from an
address: nobody holding the directory can compute it (tokens of the first form, before 2026-12-07, were a
SHA-256 prefix of the address; `Redaction.legacy` lets the scrub replace them by the person's token).

    redaction = redaction_of(with_tokens(register), legacy=True)
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.privacy.policy import REDACTED_PREFIX
from wkw.privacy.register import WITHDRAWN

TOKEN_BYTES = 8  # 16 hex characters, as many as the SHA-256 prefix the first tokens had
LEGACY_HASH_CHARS = 16  # tokens before 2026-12-07: redacted:<first 16 hex characters of the SHA-256>


def new_token() -> str:
    """A fresh random token, `redacted:` and 16 hex characters."""
    return REDACTED_PREFIX + secrets.token_hex(TOKEN_BYTES)


def with_tokens(register: DataFrame) -> DataFrame:
    """The register with a token for every request: new requests (and those of a register written before
    tokens) draw one; the others keep theirs."""
    missing = [
        row.request_id for row in register.where(F.col("token").isNull()).select("request_id").collect()
    ]
    if not missing:
        return register
    drawn = register.sparkSession.createDataFrame(
        [(request_id, new_token()) for request_id in missing], "request_id string, drawn string"
    )
    columns = [F.coalesce("token", "drawn").alias("token") if c == "token" else c for c in register.columns]
    return register.join(F.broadcast(drawn), on="request_id", how="left").select(*columns)


@dataclass(frozen=True)
class Redaction:
    """What the scrub replaces, in hashes and tokens only.

    `tokens`: SHA-256 of each address of an active request -> the person's token; `owners`: SHA-256 of a
    mailbox or calendar name a withheld person owns (wkw.privacy.owners) -> their token; `legacy`: a
    token of the first form (a SHA-256 prefix) -> the person's token, when a migration asks for it.
    """

    tokens: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    legacy: dict[str, str] = field(default_factory=dict)

    @property
    def hashes(self) -> list[str]:
        return sorted(self.tokens)


def redaction_of(register: DataFrame, legacy: bool = False) -> Redaction:
    """The scrub's `Redaction` for the active requests of a register that has its tokens."""
    active = register.where(F.col("status") != WITHDRAWN).select("token", "address_sha256", "mailbox_sha256")
    tokens, owners, old = {}, {}, {}
    for row in active.collect():  # one row per request: the register, not the data
        for address in row.address_sha256 or []:
            tokens[address] = row.token
            old[REDACTED_PREFIX + address[:LEGACY_HASH_CHARS]] = row.token
        owners.update(dict.fromkeys(row.mailbox_sha256 or [], row.token))
    return Redaction(tokens=tokens, owners=owners, legacy=old if legacy else {})
