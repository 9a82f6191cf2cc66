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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wkw.config_accounts import Accounts
from wkw.config_extract import Extract
from wkw.config_lineage import Lineage
from wkw.config_sections import (
    SECTIONS,
    Access,
    Alerts,
    Calibration,
    ConfigError,
    Filters,
    Introduce,
    Maintenance,
    PrivacyPolicy,
    Publish,
    Spark,
    StrengthState,
    build_section,
    model_section,
    positive_number,
    string_list,
)
from wkw.config_serve import Serve
from wkw.config_trend import Trend

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONF = PROJECT_ROOT / "conf" / "wkw.toml"

# The lake's layers: <lake>/<layer>/<table>. Named here, free of PySpark, for the JVM-less readers too.
BRONZE, SILVER, GOLD, PUBLISHED = "bronze", "silver", "gold", "published"

# Every table of conf/wkw.toml that is a section: the pipeline's, and the serving side's.
ALL_SECTIONS: dict[str, type] = {
    **SECTIONS,
    "extract": Extract,
    "serve": Serve,
    "lineage": Lineage,
    "accounts": Accounts,
    "trend": Trend,
}

PATH_ENV = {"lake": "WKW_LAKE", "landing": "WKW_LANDING", "jars": "WKW_JARS", "gx_reports": "WKW_GX_REPORTS"}


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
    calibration: Calibration
    maintenance: Maintenance
    alerts: Alerts
    extract: Extract
    serve: Serve
    lineage: Lineage
    accounts: Accounts
    trend: Trend

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
        section = getattr(self, table)
        current = {f.name: getattr(section, f.name) for f in dataclasses.fields(section)}
        changed = build_section(ALL_SECTIONS[table], table, {**current, **values})
        return dataclasses.replace(self, **{table: changed})


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


def _lineage(raw: dict, paths: dict[str, str]) -> dict:
    """`[lineage]` with its events file resolved: WKW_LINEAGE_FILE, else the configured path, which follows
    a moved local lake when it lies under `lake/` (a file transport writes to a local file only)."""
    lineage = dict(raw.get("lineage", {}))
    configured = os.environ.get("WKW_LINEAGE_FILE") or lineage.get("file", "")
    if configured and not os.environ.get("WKW_LINEAGE_FILE") and configured.startswith("lake/"):
        if "://" not in paths["lake"]:
            configured = f"{paths['lake'].rstrip('/')}/{configured.removeprefix('lake/')}"
    lineage["file"] = _resolve(configured) if configured else ""
    return lineage


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
    spark["connect_port"] = int(os.environ.get("WKW_SPARK_CONNECT_PORT") or spark.get("connect_port", 0))
    publish["metastore_url"] = os.environ.get("WKW_METASTORE_URL") or publish["metastore_url"]
    serve = dict(raw.get("serve", {}))
    if os.environ.get("WKW_SERVE_TOKENS"):
        serve["tokens_file"] = os.environ["WKW_SERVE_TOKENS"]
    if serve.get("tokens_file"):
        serve["tokens_file"] = _resolve(serve["tokens_file"])
    tables = {**raw, "publish": publish, "spark": spark, "serve": serve, "lineage": _lineage(raw, paths)}
    sections = {
        table: build_section(kind, table, tables.get(table, {})) for table, kind in ALL_SECTIONS.items()
    }
    return Settings(
        **paths,
        internal_domains=string_list("company", "internal_domains", list(domains)),
        model=model_section(raw["model"]),
        bands={k: positive_number("model.bands", k, v) for k, v in raw["model"]["bands"].items()},
        **sections,
    )
