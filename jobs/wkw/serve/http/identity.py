"""Who is asking `wkw serve`: a seller named by the company's authenticating proxy, a CRM with a bearer
token, or, on loopback only, the one user `wkw serve --as` names.

- Proxy: the header `[serve] identity_header` (oauth2-proxy's `X-Forwarded-Email`), believed only on a
  request whose peer address is in `[serve] trusted_proxies`. From anywhere else the header is refused,
  not ignored: a client that sends it is trying to be someone.
- Token: `Authorization: Bearer <token>`; the tokens file (`[serve] tokens_file`, written by `wkw
  serve-token`) keeps each token's SHA-256 only, with the service identity it stands for. A token reads;
  it never introduces.
- Local: `wkw serve --as EMAIL` on a loopback address, for a seller's own machine and the demo.

Whoever it is then passes the same gates as the CLI (wkw.serve.access): an active user with the licence
and a sales role; a token's service identity is a directory user like any other.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROXY, TOKEN, LOCAL = "proxy", "token", "local"


class Unauthenticated(PermissionError):
    """Nobody, or nobody believable, is named: HTTP 401."""


@dataclass(frozen=True)
class Identity:
    email: str
    source: str  # PROXY, TOKEN or LOCAL
    token_name: str | None = None

    @property
    def may_introduce(self) -> bool:
        return self.source != TOKEN


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenEntry:
    name: str
    identity: str
    sha256: str


def read_tokens(path: str) -> tuple[TokenEntry, ...]:
    """The tokens file's entries; none when no file is configured. A file that is there but unreadable
    stops the server: serving with no tokens would lock every CRM out without saying why."""
    if not path:
        return ()
    file = Path(path)
    if not file.exists():
        return ()
    try:
        entries = json.loads(file.read_text())["tokens"]
        return tuple(TokenEntry(e["name"], e["identity"].strip().lower(), e["sha256"]) for e in entries)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as bad:
        expected = '{"tokens": [{"name": ..., "identity": ..., "sha256": ...}]}'
        raise ValueError(f"tokens file {path}: {bad!r}; expected {expected}") from bad


def add_token(path: str, name: str, identity: str) -> str:
    """A new token for `identity`, stored hashed under `name` (replacing a token of that name); the token
    itself is returned once and kept nowhere."""
    if not path:
        raise ValueError("no tokens file: set [serve] tokens_file or WKW_SERVE_TOKENS")
    token = secrets.token_urlsafe(32)
    kept = [entry for entry in read_tokens(path) if entry.name != name]
    kept.append(TokenEntry(name, identity.strip().lower(), token_digest(token)))
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"tokens": [entry.__dict__ for entry in kept]}, indent=2) + "\n"
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)
    os.chmod(file, 0o600)
    return token


def identify(
    headers: Mapping[str, str],
    peer: str | None,
    header_name: str,
    trusted: bool,
    tokens: tuple[TokenEntry, ...],
    local_user: str | None,
) -> Identity:
    """The identity behind a request, or Unauthenticated. `headers` is looked up by lower-case name
    (Starlette's request headers match any case)."""
    authorization = headers.get("authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'")
        digest = token_digest(token.strip())
        for entry in tokens:
            if hmac.compare_digest(entry.sha256, digest):
                return Identity(entry.identity, TOKEN, entry.name)
        raise Unauthenticated("unknown bearer token")
    named = headers.get(header_name.lower(), "").strip()
    if named:
        if not trusted:
            raise Unauthenticated(f"{header_name} is believed only from the configured proxies, not {peer}")
        return Identity(named.lower(), PROXY)
    if local_user:
        return Identity(local_user.strip().lower(), LOCAL)
    raise Unauthenticated(f"no identity: sign in through the company's proxy ({header_name}) or send a token")
