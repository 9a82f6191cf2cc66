"""The tables of conf/wkw.toml as typed sections, each validated when it is built: a value of the wrong kind
or out of range raises a ConfigError that names the table and the key (wkw.config loads them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_RETENTION_DAYS = 30
MAX_LANDING_RETENTION_DAYS = 3650


class ConfigError(ValueError):
    """A setting is missing, unknown or not usable; the message names the table and the key."""


def string_list(section: str, key: str, values: Any, lower: bool = True) -> tuple[str, ...]:
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


def positive_number(section: str, key: str, value: Any, above: float = 0.0) -> float:
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
    connect_port: int
    server_idle_minutes: float
    conf: Mapping[str, str]

    def __post_init__(self) -> None:
        _set(
            self,
            history_partitions=_whole("spark", "history_partitions", self.history_partitions, 1),
            connect_port=_whole("spark", "connect_port", self.connect_port, 1),
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
            automated_sender_patterns=string_list(
                name, "automated_sender_patterns", self.automated_sender_patterns
            ),
            max_mail_recipients=_whole(name, "max_mail_recipients", self.max_mail_recipients, 1),
            min_event_year=_whole(name, "min_event_year", self.min_event_year, 1),
            max_future_days=_whole(name, "max_future_days", self.max_future_days, 0),
            max_meeting_attendees=_whole(name, "max_meeting_attendees", self.max_meeting_attendees, 2),
            min_call_seconds=_whole(name, "min_call_seconds", self.min_call_seconds, 0),
            denied_domains=string_list(name, "denied_domains", self.denied_domains),
            denied_addresses=string_list(name, "denied_addresses", self.denied_addresses),
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


def model_section(table: Mapping[str, Any]) -> Mapping[str, Any]:
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
        positive_number("model", key, params[key], above=-1e-300 if key == "audience_damping" else 0.0)
    return params


@dataclass(frozen=True)
class Publish:
    top_n: int
    database: str
    volume_max_row_change: float
    volume_max_top_changed_share: float
    volume_min_rows: int
    quarantine_jump: float
    quarantine_baseline_nights: int
    metastore_url: str

    def __post_init__(self) -> None:
        _set(
            self,
            top_n=_whole("publish", "top_n", self.top_n, 1),
            volume_max_row_change=positive_number(
                "publish", "volume_max_row_change", self.volume_max_row_change
            ),
            volume_max_top_changed_share=positive_number(
                "publish", "volume_max_top_changed_share", self.volume_max_top_changed_share
            ),
            volume_min_rows=_whole("publish", "volume_min_rows", self.volume_min_rows, 0),
            quarantine_jump=positive_number("publish", "quarantine_jump", self.quarantine_jump),
            quarantine_baseline_nights=_whole(
                "publish", "quarantine_baseline_nights", self.quarantine_baseline_nights, 1
            ),
        )


@dataclass(frozen=True)
class PrivacyPolicy:
    """`[privacy]`: who is withheld besides erasures, and how long old file versions are kept."""

    opt_out_regions: tuple[str, ...]  # empty: every opt-out is honoured
    excluded_departments: tuple[str, ...]
    excluded_groups: tuple[str, ...]
    excluded_addresses: tuple[str, ...]
    retention_days: int
    landing_retention_days: int  # days the raw exports of a night are kept for reruns
    address_book_rule: bool

    def __post_init__(self) -> None:
        name = "privacy"
        _set(
            self,
            opt_out_regions=tuple(
                r.upper() for r in string_list(name, "opt_out_regions", self.opt_out_regions)
            ),
            excluded_departments=string_list(name, "excluded_departments", self.excluded_departments),
            excluded_groups=string_list(name, "excluded_groups", self.excluded_groups),
            excluded_addresses=string_list(name, "excluded_addresses", self.excluded_addresses),
            retention_days=_whole(name, "retention_days", self.retention_days, 0, MAX_RETENTION_DAYS),
            landing_retention_days=_whole(
                name, "landing_retention_days", self.landing_retention_days, 0, MAX_LANDING_RETENTION_DAYS
            ),
            address_book_rule=bool(self.address_book_rule),
        )


@dataclass(frozen=True)
class Access:
    licence: str
    roles: tuple[str, ...]

    def __post_init__(self) -> None:
        _set(self, roles=string_list("access", "roles", self.roles, lower=False))


@dataclass(frozen=True)
class Introduce:
    template: str
    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    repeat_window_hours: float

    def __post_init__(self) -> None:
        _set(
            self,
            repeat_window_hours=positive_number("introduce", "repeat_window_hours", self.repeat_window_hours),
        )


@dataclass(frozen=True)
class StrengthState:
    snapshot_nights: int
    snapshot_share: float

    def __post_init__(self) -> None:
        _set(
            self,
            snapshot_nights=_whole("strength", "snapshot_nights", self.snapshot_nights, 1),
            snapshot_share=positive_number("strength", "snapshot_share", self.snapshot_share),
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
        _set(self, email_to=string_list("alerts", "email_to", self.email_to))


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Calibration:
    """`[calibration]`: when the calibrate task fits the model, on which windows, over which values."""

    weekday: str
    horizon_days: int
    min_contacts: int
    search: Mapping[str, tuple[float, ...]]

    def __post_init__(self) -> None:
        weekday = str(self.weekday).lower()
        if weekday not in WEEKDAYS:
            raise ConfigError(
                f"[calibration] weekday must be one of {', '.join(WEEKDAYS)}, not {self.weekday!r}"
            )
        if not isinstance(self.search, Mapping) or not self.search:
            raise ConfigError("[calibration] search must be a table of model parameter = [values]")
        search = {}
        for key, values in self.search.items():
            if key not in MODEL_NUMBERS or key == "lookback_days":
                raise ConfigError(f"[calibration] search.{key}: not a searchable parameter of [model]")
            if not isinstance(values, list | tuple) or not values:
                raise ConfigError(f"[calibration] search.{key} must be a non-empty list of numbers")
            low = -1e-300 if key == "audience_damping" else 0.0
            search[key] = tuple(positive_number("calibration", f"search.{key}", v, above=low) for v in values)
        _set(
            self,
            weekday=weekday,
            horizon_days=_whole("calibration", "horizon_days", self.horizon_days, 7, 365),
            min_contacts=_whole("calibration", "min_contacts", self.min_contacts, 1),
            search=search,
        )


# Table of conf/wkw.toml (also the name of its attribute of Settings) -> the section type that validates it.
SECTIONS: dict[str, type] = {
    "filters": Filters,
    "publish": Publish,
    "privacy": PrivacyPolicy,
    "access": Access,
    "introduce": Introduce,
    "strength": StrengthState,
    "maintenance": Maintenance,
    "alerts": Alerts,
    "spark": Spark,
    "calibration": Calibration,
}


def build_section(kind: type, name: str, table: Mapping[str, Any]):
    names = {f.name for f in dataclasses.fields(kind)}
    if unknown := set(table) - names:
        raise ConfigError(f"[{name}] unknown key(s): {', '.join(sorted(unknown))}")
    if missing := names - set(table):
        raise ConfigError(f"[{name}] missing key(s): {', '.join(sorted(missing))}")
    return kind(**table)
