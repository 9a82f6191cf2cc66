"""`[serve]` of conf/wkw.toml: how `wkw serve` listens, whom it believes, and who may embed its pages.

A section module of its own beside wkw.config_sections (which holds the pipeline's sections); wkw.config
loads it like the others and names the table and key of any bad value.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from wkw.config_sections import ConfigError, positive_number, string_list

LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def _networks(values: Any) -> tuple[str, ...]:
    """The addresses and networks, checked, as strings (so that the section can be copied and checked
    again by Settings.with_conf)."""
    networks = []
    for value in string_list("serve", "trusted_proxies", values):
        try:
            networks.append(str(ipaddress.ip_network(value, strict=False)))
        except ValueError as bad:
            raise ConfigError(f"[serve] trusted_proxies: {value!r} is not an address or network") from bad
    return tuple(networks)


@dataclass(frozen=True)
class Serve:
    host: str
    port: int
    identity_header: str
    trusted_proxies: tuple[str, ...]
    tokens_file: str
    frame_ancestors: tuple[str, ...]
    refresh_seconds: float
    public_url: str

    def __post_init__(self) -> None:
        port = self.port
        if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
            raise ConfigError(f"[serve] port must be a whole number from 1 to 65535, not {port!r}")
        if not isinstance(self.identity_header, str) or not self.identity_header.strip():
            raise ConfigError("[serve] identity_header must name the header the proxy sets")
        for key, value in {
            "host": self.host.strip(),
            "identity_header": self.identity_header.strip(),
            "trusted_proxies": _networks(self.trusted_proxies),
            "tokens_file": str(self.tokens_file or "").strip(),
            "frame_ancestors": string_list("serve", "frame_ancestors", self.frame_ancestors, lower=False),
            "refresh_seconds": positive_number("serve", "refresh_seconds", self.refresh_seconds),
            "public_url": str(self.public_url or "").strip().rstrip("/"),
        }.items():
            object.__setattr__(self, key, value)

    def trusts(self, address: str | None) -> bool:
        """Whether a request from `address` may name its requester in `identity_header`."""
        if not address:
            return False
        try:
            client = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(client in network for network in self._networks)

    @cached_property
    def _networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(network) for network in self.trusted_proxies)

    @property
    def on_loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS

    @property
    def base_url(self) -> str:
        """Where sellers reach the pages: `public_url`, else the address it listens on."""
        return self.public_url or f"http://{self.host}:{self.port}"
