"""Checks no single-table suite can make: every tile row in the list, no withheld, erased or inactive
person offered, the day's counts reconcile. Each failure names its table, check and offending count."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.checks.gx import Failure
from wkw.privacy.rules import address_hash, is_withheld
from wkw.scoring.accounts import account_counts, with_accounts
from wkw.scoring.ranking import TREND

STRENGTH_MAX = 1.0


CROSS_TABLE_CHECKS = 15
# The tables whose colleagues are offered as introducers.
OFFERED = ("introducers", "top_introducers", "account_introducers")
ACCOUNTS = "account_introducers"
# Scores per pair, kept for inactive colleagues too (who are never offered): connection_strength, the ties.
SCORED = ("connection_strength", "colleague_ties")
NAMED = "named_contacts"  # the account view's people, structs with an `email`


def withheld_failures(tables: dict[str, DataFrame], hashes: list[str]) -> list[Failure]:
    """No person of the privacy register (withheld colleague, erased person) in any staged table."""
    if not hashes:
        return []
    failures = []
    for name, table in sorted(tables.items()):
        if (count := table.where(names_withheld(table, hashes)).count()) > 0:
            failures.append(
                Failure(name, "no_withheld_person", f"{count} rows name a withheld or erased person")
            )
    return failures


def names_withheld(table: DataFrame, hashes: list[str]):
    """Whether a row names one of `hashes`: in any `*_email` column (colleague, contact, a tie's peer),
    or among its named contacts."""
    named = F.lit(False)
    for column in sorted(c for c in table.columns if c.endswith("_email")):
        named = named | address_hash(F.col(column)).isin(hashes)
    if NAMED in table.columns:
        named = named | F.exists(NAMED, lambda person: address_hash(person["email"]).isin(hashes))
    return named


def cross_table_failures(
    tables: dict[str, DataFrame],
    directory: DataFrame,
    reconciliation: DataFrame,
) -> list[Failure]:
    """Checks no single-table suite can make; each yields a Failure with the offending count. `directory`
    comes from wkw.privacy.rules.colleagues_on."""
    failures = []
    keys = ["contact_email", "colleague_email", "rank"]
    orphans = (
        tables["top_introducers"]
        .select(keys)
        .join(tables["introducers"].select(keys), on=keys, how="left_anti")
    )
    if (count := orphans.count()) > 0:
        failures.append(
            Failure("top_introducers", "tile_rows_in_list", f"{count} tile rows missing from introducers")
        )
    withheld = is_withheld()
    hidden = directory.where(withheld | ~F.col("active")).select(
        F.col("email").alias("colleague_email"), withheld.alias("opted_out")
    )
    for name, table in sorted(tables.items()):
        leaked = (
            table.join(hidden, on="colleague_email", how="inner")
            .agg(
                F.count_if("opted_out").alias("opted_out"), F.count_if(~F.col("opted_out")).alias("inactive")
            )
            .first()
        )
        opted_out, inactive = leaked.opted_out, leaked.inactive
        if opted_out:
            failures.append(
                Failure(
                    name, "no_opted_out_colleague", f"{opted_out} rows of opted-out or excluded colleagues"
                )
            )
        if name not in SCORED and inactive:
            failures.append(
                Failure(name, "no_inactive_introducer", f"{inactive} rows of inactive colleagues")
            )
    failures += unlisted_failures(tables, directory)
    for row in reconciliation.where(~F.col("balanced")).collect():
        failures.append(
            Failure(
                "reconciliation",
                "counts_balance",
                f"{row.source}: read {row.read} != {row.accepted} + {row.filtered} + {row.quarantined}",
            )
        )
    return failures


def unlisted_failures(tables: dict[str, DataFrame], directory: DataFrame) -> list[Failure]:
    """A company that gives a directory offers its users only: an introducer the directory does not list
    (an internal-domain alias added after an opt-out, say) is a failure, whatever the scrub did."""
    listed = directory.select(F.col("email").alias("colleague_email"))
    if listed.isEmpty():
        return []
    failures = []
    for name in OFFERED:
        if name in tables:
            unlisted = tables[name].join(listed, on="colleague_email", how="left_anti").count()
            if unlisted:
                failures.append(
                    Failure(
                        name, "introducer_in_directory", f"{unlisted} rows of colleagues not in the directory"
                    )
                )
    return failures


def validation_row(
    spark: SparkSession,
    as_of: date,
    pub_id: str,
    checks: int,
    failures: list[Failure],
    warnings: list | None = None,
) -> DataFrame:
    """The verdict publish looks for: this publication id, on this date, passed (or not, and why), and
    the warnings that do not stop it (wkw.checks.quarantine)."""
    failed = [(f.table, f.check, f.detail) for f in failures]
    warned = [(w.table, w.check, w.detail) for w in warnings or []]
    findings = "array<struct<table_name: string, check_name: string, detail: string>>"
    schema = (
        "as_of_date date, publication_id string, passed boolean, checks_run int, "
        f"failures {findings}, warnings {findings}"
    )
    return spark.createDataFrame([(as_of, pub_id, not failures, checks, failed, warned)], schema)


def publication_id_of(tables: dict[str, DataFrame]) -> str:
    ids = [row.publication_id for row in tables["introducers"].select("publication_id").distinct().collect()]
    return ids[0] if len(ids) == 1 else ",".join(sorted(ids))


def account_failures(tables: dict[str, DataFrame], accounts) -> list[Failure]:
    """The account view agrees with the list: every person a row names is in `introducers` with that
    colleague and band; each row names min(known, `[accounts] named_contacts`) people; its counts are the
    list's, account by account and colleague by colleague. `accounts` is the `[accounts]` section."""
    if ACCOUNTS not in tables:
        return []
    view, listed = tables[ACCOUNTS], tables["introducers"]
    failures = []
    pair = ["colleague_email", "contact_email", "band"]
    named = view.select("colleague_email", F.explode(NAMED).alias("person")).select(
        "colleague_email", F.col("person.email").alias("contact_email"), F.col("person.band").alias("band")
    )
    if strays := named.join(listed.select(pair), on=pair, how="left_anti").count():
        failures.append(
            Failure(
                ACCOUNTS,
                "named_contacts_in_list",
                f"{strays} named people not in introducers with that colleague and band",
            )
        )
    short = F.size(NAMED) != F.least("known_contacts", F.lit(accounts.named_contacts))
    if wrong := view.where(short).count():
        failures.append(Failure(ACCOUNTS, "named_contacts_count", f"{wrong} rows name too few or too many"))
    counted = ["account", "account_kind", "colleague_email", "strong_contacts", "moderate_contacts"]
    counted += ["known_contacts", "strength_sum"]
    expected = account_counts(with_accounts(listed, accounts)).select(counted)
    got = view.select(counted)
    if differ := expected.exceptAll(got).count() + got.exceptAll(expected).count():
        failures.append(
            Failure(ACCOUNTS, "counts_agree_with_list", f"{differ} account rows differ from introducers")
        )
    return failures


def trend_failures(tables: dict[str, DataFrame]) -> list[Failure]:
    """The list and the tile say of each tie's past (strength 90 days ago, trend, last interaction,
    dormant) what connection_strength says: the digest and the tile read it from them."""
    columns = ["colleague_email", "contact_email", *TREND]
    scored = tables["connection_strength"].select(columns)
    failures = []
    for name in ("introducers", "top_introducers"):
        if differ := tables[name].select(columns).exceptAll(scored).count():
            failures.append(
                Failure(name, "trend_agrees_with_strength", f"{differ} rows differ from connection_strength")
            )
    return failures
