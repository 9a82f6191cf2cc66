"""Who is a colleague: the directory snapshot in force on a date, and the configured internal domains."""

from __future__ import annotations

import re
from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from wkw.config_sections import Filters


def latest_snapshot(bronze: DataFrame, as_of: date) -> DataFrame:
    """The rows of the newest ingest on or before `as_of` (a directory or CRM export is a full snapshot)."""
    eligible = bronze.where(F.col("ingest_date") <= F.lit(as_of))
    newest = eligible.agg(F.max("ingest_date").alias("snapshot_date"))
    return eligible.join(newest, on=eligible["ingest_date"] == newest["snapshot_date"], how="inner").drop(
        "snapshot_date"
    )


def colleague_addresses(directory: DataFrame, withheld: Column | None = None) -> DataFrame:
    """One row per address (primary e-mail or alias) -> the colleague's primary e-mail and flags.

    `withheld` (default: the directory's opted_out flag) marks colleagues whose every touch is dropped
    before anything is computed (wkw.privacy.rules.is_withheld: the region rule and the exclusions too).
    An alias claimed by two users resolves to the smallest primary e-mail: a fixed, documented order.
    """
    addresses = directory.select(
        F.explode(F.array_union(F.array("email"), "aliases")).alias("address"),
        F.col("email").alias("colleague_email"),
        (F.col("opted_out") if withheld is None else withheld).alias("withheld"),
        "active",
    )
    return (
        addresses.groupBy("address")
        .agg(F.min(F.struct("colleague_email", "withheld", "active")).alias("who"))
        .select("address", "who.colleague_email", "who.withheld", "who.active")
    )


def internal_domain_pattern(domains: tuple[str, ...]) -> str:
    """A regex matching addresses in any of `domains` or their subdomains."""
    if not domains:
        return r"(?!)"
    alternatives = "|".join(re.escape(d) for d in sorted(domains))
    return rf"@([a-z0-9-]+\.)*({alternatives})$"


def is_internal(address: Column, domains: tuple[str, ...]) -> Column:
    return address.rlike(internal_domain_pattern(domains))


def is_denied(address: Column, filters: Filters | None) -> Column:
    """An external address of `[filters] denied_domains` (or a subdomain) or `denied_addresses`."""
    if filters is None:
        return F.lit(False)
    domains, addresses = filters.denied_domains, list(filters.denied_addresses)
    by_address = address.isin(addresses) if addresses else F.lit(False)
    return F.coalesce(by_address | is_internal(address, domains), F.lit(False))
