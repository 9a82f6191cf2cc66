"""Settings: `conf/wkw.toml`, with a file named by WKW_CONF laid over it and environment overrides for
every path; one typed, validated section per table of the file.

Every default lives in `conf/wkw.toml`, once: WKW_CONF names a file that sets only what differs (its tables
are merged key by key over the defaults). A missing key, an unknown key or a value of the wrong kind stops
the load with a `ConfigError` that names the table and key. Jobs, the DAG and the CLI all read settings
through `load_settings()`, so one file and one set of environment variables drive a laptop run and a
cluster run alike; tests change a section with `settings.with_conf("maintenance", keep_nights=2)`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONF = PROJECT_ROOT / "conf" / "wkw.toml"

# The lake's layers: <lake>/<layer>/<table>. Named here, free of PySpark, for the JVM-less readers too.
BRONZE, SILVER, GOLD, PUBLISHED = "bronze", "silver", "gold", "published"

PATH_ENV = {"lake": "WKW_LAKE", "landing": "WKW_LANDING", "jars": "WKW_JARS", "gx_reports": "WKW_GX_REPORTS"}
MAX_RETENTION_DAYS = 30


class ConfigError(ValueError):
    """A setting is missing, unknown or not usable; the message names the table and the key."""


def _strings(section: str, key: str, values: Any, lower: bool = True) -> tuple[str, ...]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise ConfigError(f"[{section}] {key} must be a list of strings, not {values!r}")
    cleaned = (v.strip().lower() if lower else v.strip() for v in values)
    return tuple(sorted({v for v in cleaned if v})) if lower else tuple(v for v in cleaned if v)


def _whole(section: str, key: str, value: Any, least: int, most: int | None = None) -> int:
    bounded = isinstance(value, int) and not isinstance(value, bool) and value >= least
    if not bounded or (most is not None and value > most):
        limit = f"from {least} to {most}" if most is not None else f"at least {least}"
        raise ConfigError(f"[{section}] {key} must be a whole number {limit}, not {value!r}")
    return value


def _number(section: str, key: str, value: Any, above: float = 0.0) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= above:
        raise ConfigError(f"[{section}] {key} must be a number above {above:g}, not {value!r}")
    return float(value)


def _set(section: object, **values: Any) -> None:
    for key, value in values.items():
        object.__setattr__(section, key, value)


@dataclass(frozen=True)
class Spark:
    master: str
    app_name: str
    history_partitions: int
    conf: Mapping[str, str]

    def __post_init__(self) -> None:
        _set(
            self,
            history_partitions=_whole("spark", "history_partitions", self.history_partitions, 1),
            conf={k: str(v) for k, v in dict(self.conf).items()},
        )


@dataclass(frozen=True)
class Filters:
    automated_sender_patterns: tuple[str, ...]
    max_mail_recipients: int
    min_event_year: int
    max_future_days: int
    max_meeting_attendees: int
    min_call_seconds: int
    denied_domains: tuple[str, ...]
    denied_addresses: tuple[str, ...]

    def __post_init__(self) -> None:
        name = "filters"
        _set(
            self,
            automated_sender_patterns=_strings(
                name, "automated_sender_patterns", self.automated_sender_patterns
            ),
            max_mail_recipients=_whole(name, "max_mail_recipients", self.max_mail_recipients, 1),
            min_event_year=_whole(name, "min_event_year", self.min_event_year, 1),
            max_future_days=_whole(name, "max_future_days", self.max_future_days, 0),
            max_meeting_attendees=_whole(name, "max_meeting_attendees", self.max_meeting_attendees, 2),
            min_call_seconds=_whole(name, "min_call_seconds", self.min_call_seconds, 0),
            denied_domains=_strings(name, "denied_domains", self.denied_domains),
            denied_addresses=_strings(name, "denied_addresses", self.denied_addresses),
        )


MODEL_NUMBERS = (
    "half_life_days",
    "weight_mail_sent",
    "weight_mail_received",
    "weight_meeting",
    "weight_call",
    "audience_damping",
    "one_way_factor",
    "saturation",
    "lookback_days",
)


def _model(table: Mapping[str, Any]) -> Mapping[str, Any]:
    """`[model]` without its bands: the version and the numbers of the published formula, as a read-only
    mapping (each publication records it whole)."""
    params = {key: value for key, value in table.items() if key != "bands"}
    unknown = set(params) - {"version", *MODEL_NUMBERS}
    if unknown:
        raise ConfigError(f"[model] unknown key(s): {', '.join(sorted(unknown))}")
    if not isinstance(params.get("version"), str):
        raise ConfigError(f"[model] version must be a string, not {params.get('version')!r}")
    for key in MODEL_NUMBERS:
        if key not in params:
            raise ConfigError(f"[model] {key} is missing")
        _number("model", key, params[key], above=-1e-300 if key == "audience_damping" else 0.0)
    return params


@dataclass(frozen=True)
class Publish:
    top_n: int
    database: str
    volume_max_row_change: float
    volume_max_top_changed_share: float
    volume_min_rows: int
    metastore_url: str

    def __post_init__(self) -> None:
        _set(
            self,
            top_n=_whole("publish", "top_n", self.top_n, 1),
            volume_max_row_change=_number("publish", "volume_max_row_change", self.volume_max_row_change),
            volume_max_top_changed_share=_number(
                "publish", "volume_max_top_changed_share", self.volume_max_top_changed_share
            ),
            volume_min_rows=_whole("publish", "volume_min_rows", self.volume_min_rows, 0),
        )


@dataclass(frozen=True)
class PrivacyPolicy:
    """`[privacy]`: who is withheld besides erasures, and how long old file versions are kept."""

    opt_out_regions: tuple[str, ...]  # empty: every opt-out is honoured
    excluded_departments: tuple[str, ...]
    excluded_groups: tuple[str, ...]
    excluded_addresses: tuple[str, ...]
    retention_days: int
    address_book_rule: bool

    def __post_init__(self) -> None:
        name = "privacy"
        _set(
            self,
            opt_out_regions=tuple(r.upper() for r in _strings(name, "opt_out_regions", self.opt_out_regions)),
            excluded_departments=_strings(name, "excluded_departments", self.excluded_departments),
            excluded_groups=_strings(name, "excluded_groups", self.excluded_groups),
            excluded_addresses=_strings(name, "excluded_addresses", self.excluded_addresses),
            retention_days=_whole(name, "retention_days", self.retention_days, 0, MAX_RETENTION_DAYS),
            address_book_rule=bool(self.address_book_rule),
        )


@dataclass(frozen=True)
class Access:
    licence: str
    roles: tuple[str, ...]

    def __post_init__(self) -> None:
        _set(self, roles=_strings("access", "roles", self.roles, lower=False))


@dataclass(frozen=True)
class Introduce:
    template: str
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    repeat_window_hours: float

    def __post_init__(self) -> None:
        _set(self, repeat_window_hours=_number("introduce", "repeat_window_hours", self.repeat_window_hours))


@dataclass(frozen=True)
class StrengthState:
    snapshot_nights: int
    snapshot_share: float

    def __post_init__(self) -> None:
        _set(
            self,
            snapshot_nights=_whole("strength", "snapshot_nights", self.snapshot_nights, 1),
            snapshot_share=_number("strength", "snapshot_share", self.snapshot_share),
        )


@dataclass(frozen=True)
class Maintenance:
    keep_nights: int  # at least tonight and the night before
    table_workers: int

    def __post_init__(self) -> None:
        _set(
            self,
            keep_nights=_whole("maintenance", "keep_nights", self.keep_nights, 2),
            table_workers=_whole("maintenance", "table_workers", self.table_workers, 1),
        )


@dataclass(frozen=True)
class Alerts:
    email_to: tuple[str, ...]

    def __post_init__(self) -> None:
        _set(self, email_to=_strings("alerts", "email_to", self.email_to))


# Table of conf/wkw.toml -> the attribute of Settings and the section type that validates it.
SECTIONS: dict[str, tuple[str, type]] = {
    "filters": ("filters", Filters),
    "publish": ("publish", Publish),
    "privacy": ("privacy", PrivacyPolicy),
    "access": ("access", Access),
    "introduce": ("introduce", Introduce),
    "strength": ("strength", StrengthState),
    "maintenance": ("maintenance", Maintenance),
    "alerts": ("alerts", Alerts),
    "spark": ("spark", Spark),
}


def _section(kind: type, name: str, table: Mapping[str, Any]):
    names = {f.name for f in dataclasses.fields(kind)}
    if unknown := set(table) - names:
        raise ConfigError(f"[{name}] unknown key(s): {', '.join(sorted(unknown))}")
    if missing := names - set(table):
        raise ConfigError(f"[{name}] missing key(s): {', '.join(sorted(missing))}")
    return kind(**table)


@dataclass(frozen=True)
class Settings:
    lake: str
    landing: str
    jars: str
    gx_reports: str
    internal_domains: tuple[str, ...]
    spark: Spark
    filters: Filters
    model: Mapping[str, Any]
    bands: Mapping[str, float]
    publish: Publish
    privacy: PrivacyPolicy
    access: Access
    introduce: Introduce
    strength: StrengthState
    maintenance: Maintenance
    alerts: Alerts = field(default_factory=lambda: Alerts(email_to=()))

    @property
    def spark_master(self) -> str:
        return self.spark.master

    @property
    def spark_app_name(self) -> str:
        return self.spark.app_name

    @property
    def spark_conf(self) -> Mapping[str, str]:
        return self.spark.conf

    @property
    def top_n(self) -> int:
        return self.publish.top_n

    @property
    def database(self) -> str:
        return self.publish.database

    @property
    def metastore_url(self) -> str:
        return self.publish.metastore_url

    @property
    def volume(self) -> dict[str, float]:
        """The bounds of the volume check (wkw.checks.volume)."""
        return {
            "max_row_change": self.publish.volume_max_row_change,
            "max_top_changed_share": self.publish.volume_max_top_changed_share,
            "min_rows": self.publish.volume_min_rows,
        }

    def table_path(self, layer: str, name: str) -> str:
        return f"{self.lake.rstrip('/')}/{layer}/{name}"

    def landing_dir(self, source: str, day: str) -> str:
        return f"{self.landing.rstrip('/')}/{source}/{day}"

    def is_internal_domain(self, domain: str) -> bool:
        domain = domain.lower()
        return any(domain == d or domain.endswith("." + d) for d in self.internal_domains)

    def with_conf(self, table: str, **values: Any) -> Settings:
        """A copy with keys of one `[table]` changed, validated as on load."""
        attribute, kind = SECTIONS[table]
        section = getattr(self, attribute)
        current = {f.name: getattr(section, f.name) for f in dataclasses.fields(section)}
        return dataclasses.replace(self, **{attribute: _section(kind, table, {**current, **values})})


def _resolve(path: str) -> str:
    """Relative local paths are taken from the project root; URIs (s3a://, abfss://) pass unchanged."""
    if "://" in path or os.path.isabs(path):
        return path
    return str(PROJECT_ROOT / path)


def _merged(base: dict, over: Mapping) -> dict:
    merged = dict(base)
    for key, value in over.items():
        is_table = isinstance(value, Mapping) and isinstance(base.get(key), Mapping)
        merged[key] = _merged(base[key], value) if is_table else value
    return merged


def read_conf(conf_file: str | os.PathLike | None = None) -> dict[str, Any]:
    """conf/wkw.toml, with the tables of `conf_file` (or WKW_CONF) merged key by key over it."""
    with DEFAULT_CONF.open("rb") as fh:
        raw = tomllib.load(fh)
    other = conf_file or os.environ.get("WKW_CONF")
    if other and Path(other).resolve() != DEFAULT_CONF:
        with Path(other).open("rb") as fh:
            raw = _merged(raw, tomllib.load(fh))
    return raw


def load_settings(conf_file: str | os.PathLike | None = None) -> Settings:
    raw = read_conf(conf_file)
    try:
        paths = {key: _resolve(os.environ.get(env) or raw["paths"][key]) for key, env in PATH_ENV.items()}
        if "WKW_GX_REPORTS" not in os.environ and raw["paths"]["gx_reports"].startswith("lake/"):
            # Reports follow the lake when only the lake is moved.
            paths["gx_reports"] = f"{paths['lake'].rstrip('/')}/_reports/gx"
        domains_env = os.environ.get("WKW_INTERNAL_DOMAINS")
        domains = domains_env.split(",") if domains_env else raw["company"]["internal_domains"]
        spark = dict(raw["spark"])
        publish = dict(raw["publish"])
    except KeyError as missing:
        raise ConfigError(f"conf/wkw.toml is missing {missing}") from None
    spark["master"] = os.environ.get("WKW_SPARK_MASTER") or spark["master"]
    publish["metastore_url"] = os.environ.get("WKW_METASTORE_URL") or publish["metastore_url"]
    tables = {**raw, "publish": publish, "spark": spark}
    sections = {
        attribute: _section(kind, table, tables.get(table, {}))
        for table, (attribute, kind) in SECTIONS.items()
    }
    return Settings(
        **paths,
        internal_domains=_strings("company", "internal_domains", list(domains)),
        model=_model(raw["model"]),
        bands={k: _number("model.bands", k, v) for k, v in raw["model"]["bands"].items()},
        **sections,
    )
