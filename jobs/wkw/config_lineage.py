"""`[lineage]` of conf/wkw.toml: whether the DAG's tasks emit OpenLineage events, and where they go (a file
under the lake by default, or an HTTP endpoint such as Marquez or DataHub).

A section module of its own beside wkw.config_sections; wkw.config loads it like the others and names the
table and key of any bad value. The standard library only: the DAG file imports it at every parse.
"""

from __future__ import annotations

from dataclasses import dataclass

from wkw.config_sections import ConfigError

FILE_TRANSPORT, HTTP_TRANSPORT = "file", "http"
TRANSPORTS = (FILE_TRANSPORT, HTTP_TRANSPORT)


@dataclass(frozen=True)
class Lineage:
    enabled: bool
    transport: str
    namespace: str
    file: str
    url: str
    endpoint: str
    api_key_env: str

    def __post_init__(self) -> None:
        if not isinstance(self.enabled, bool):
            raise ConfigError(f"[lineage] enabled must be true or false, not {self.enabled!r}")
        if self.transport not in TRANSPORTS:
            raise ConfigError(
                f"[lineage] transport must be one of {', '.join(TRANSPORTS)}, not {self.transport!r}"
            )
        if not str(self.namespace).strip():
            raise ConfigError('[lineage] namespace must name the jobs\' namespace, e.g. "wkw"')
        if self.enabled and self.transport == FILE_TRANSPORT and not str(self.file).strip():
            raise ConfigError("[lineage] file must name the events file of the file transport")
        if self.enabled and self.transport == HTTP_TRANSPORT and "://" not in str(self.url):
            raise ConfigError(f"[lineage] url must be the lineage server's address, not {self.url!r}")
