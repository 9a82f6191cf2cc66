"""Settings: `conf/wkw.toml` (or the file named by WKW_CONF), with environment overrides for every path.

Jobs, the DAG and the CLI all read settings through `load_settings()`, so one file and one set of
environment variables drive a laptop run and a cluster run alike.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONF = PROJECT_ROOT / "conf" / "wkw.toml"

# The lake's layers: <lake>/<layer>/<table>. Named here, free of PySpark, for the JVM-less readers too.
BRONZE, SILVER, GOLD, PUBLISHED = "bronze", "silver", "gold", "published"

PATH_ENV = {
    "lake": "WKW_LAKE",
    "landing": "WKW_LANDING",
    "jars": "WKW_JARS",
    "gx_reports": "WKW_GX_REPORTS",
}


def _resolve(path: str) -> str:
    """Relative local paths are taken from the project root; URIs (s3a://, abfss://) pass unchanged."""
    if "://" in path or os.path.isabs(path):
        return path
    return str(PROJECT_ROOT / path)


@dataclass(frozen=True)
class Settings:
    lake: str
    landing: str
    jars: str
    gx_reports: str
    internal_domains: tuple[str, ...]
    spark_master: str
    spark_app_name: str
    spark_conf: dict[str, str]
    filters: dict[str, Any]
    model: dict[str, Any]
    bands: dict[str, float]
    top_n: int
    database: str
    volume: dict[str, float]
    metastore_url: str
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def table_path(self, layer: str, name: str) -> str:
        return f"{self.lake.rstrip('/')}/{layer}/{name}"

    def landing_dir(self, source: str, day: str) -> str:
        return f"{self.landing.rstrip('/')}/{source}/{day}"

    def is_internal_domain(self, domain: str) -> bool:
        domain = domain.lower()
        return any(domain == d or domain.endswith("." + d) for d in self.internal_domains)


def load_settings(conf_file: str | os.PathLike | None = None) -> Settings:
    path = Path(conf_file or os.environ.get("WKW_CONF") or DEFAULT_CONF)
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    paths = {key: _resolve(os.environ.get(env) or raw["paths"][key]) for key, env in PATH_ENV.items()}
    if "WKW_GX_REPORTS" not in os.environ and raw["paths"]["gx_reports"].startswith("lake/"):
        # Reports follow the lake when only the lake is moved.
        paths["gx_reports"] = f"{paths['lake'].rstrip('/')}/_reports/gx"
    domains_env = os.environ.get("WKW_INTERNAL_DOMAINS")
    domains = domains_env.split(",") if domains_env else raw["company"]["internal_domains"]
    publish = raw["publish"]
    return Settings(
        **paths,
        internal_domains=tuple(d.strip().lower() for d in domains if d.strip()),
        spark_master=os.environ.get("WKW_SPARK_MASTER") or raw["spark"]["master"],
        spark_app_name=raw["spark"]["app_name"],
        spark_conf={k: str(v) for k, v in raw["spark"].get("conf", {}).items()},
        filters=dict(raw["filters"]),
        model={k: v for k, v in raw["model"].items() if k != "bands"},
        bands=dict(raw["model"]["bands"]),
        top_n=int(publish["top_n"]),
        database=publish["database"],
        volume={k.removeprefix("volume_"): float(v) for k, v in publish.items() if k.startswith("volume_")},
        metastore_url=os.environ.get("WKW_METASTORE_URL") or publish.get("metastore_url", ""),
        raw=raw,
    )
