"""Accounts: per account, the colleagues who know its people, from the night's ranked list (gold
`introducers`), so that the account view offers exactly whom the list offers (no withheld, inactive or
unlisted colleague, no erased contact).

An account is the contact's company as the CRM export names it (`crm_company`), or else the registrable
domain of the contact's e-mail (`domain`); a personal mail provider's domain (`[accounts]
personal_domains`, or a subdomain of one) is never an account. No public-suffix library is installed: the
registrable domain is the last two labels of the domain, or the last three when the last two are one of
`[accounts] multi_label_suffixes` (sales.fabrikam.co.uk -> fabrikam.co.uk).

Per account, colleagues are ranked by their strong contacts there, then moderate ones, then the sum of
their strengths over the account's people, then colleague e-mail (a fixed order). Each row names up to
`[accounts] named_contacts` of those people, strongest first (ties: contact e-mail).

    from wkw.scoring.accounts import rank_accounts
    accounts = rank_accounts(introducers, settings.accounts)
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

CRM_COMPANY, DOMAIN = "crm_company", "domain"
STRONG, MODERATE = "strong", "moderate"
# Strengths are rounded to 1e-6 (wkw.scoring.strength): summed as decimals, the sum is exact, so the
# order of the rows (partitions) never changes it.
STRENGTH_DECIMAL = "decimal(18,6)"
ACCOUNT_KEY = ["account", "account_kind"]


def registrable_domain(domain: Column, multi_label_suffixes: tuple[str, ...]) -> Column:
    """The last two labels of `domain`, or the last three when the last two are a multi-label suffix."""
    labels = F.split(domain, r"\.")

    def last(count: int) -> Column:
        return F.array_join(F.slice(labels, -count, count), ".")

    is_multi = last(2).isin(list(multi_label_suffixes)) if multi_label_suffixes else F.lit(False)
    return (
        F.when(F.size(labels) <= 2, domain).when(is_multi & (F.size(labels) >= 3), last(3)).otherwise(last(2))
    )


def is_personal(domain: Column, personal_domains: tuple[str, ...]) -> Column:
    """Whether `domain` is a personal mail provider's, or a subdomain of one."""
    if not personal_domains:
        return F.lit(False)
    listed = F.array(*(F.lit(d) for d in personal_domains))
    return F.exists(listed, lambda p: (domain == p) | domain.endswith(F.concat(F.lit("."), p)))


def with_accounts(introducers: DataFrame, accounts) -> DataFrame:
    """`introducers` with `account`, `account_kind` and `account_domain` (the contact's registrable domain
    unless personal); a contact of no account (a personal address the CRM does not place) has nulls.
    `accounts` is the `[accounts]` section (wkw.config_accounts.Accounts)."""
    company = F.nullif(F.trim("contact_company"), F.lit(""))
    domain = F.lower(F.trim(F.substring_index("contact_email", "@", -1)))
    is_company_domain = ~is_personal(domain, accounts.personal_domains) & domain.contains(".")
    account_domain = F.when(is_company_domain, registrable_domain(domain, accounts.multi_label_suffixes))
    return introducers.select(
        "*",
        F.coalesce(company, account_domain).alias("account"),
        F.when(company.isNotNull(), F.lit(CRM_COMPANY))
        .when(account_domain.isNotNull(), F.lit(DOMAIN))
        .alias("account_kind"),
        account_domain.alias("account_domain"),
    )


def account_counts(labelled: DataFrame) -> DataFrame:
    """Per (account, kind, colleague): strong, moderate and all contacts known there, and the strength
    sum (of `with_accounts` rows)."""
    return (
        labelled.where(F.col("account").isNotNull())
        .groupBy(*ACCOUNT_KEY, "colleague_email")
        .agg(
            F.count_if(F.col("band") == STRONG).cast("int").alias("strong_contacts"),
            F.count_if(F.col("band") == MODERATE).cast("int").alias("moderate_contacts"),
            F.count(F.lit(1)).cast("int").alias("known_contacts"),
            F.sum(F.col("strength").cast(STRENGTH_DECIMAL)).cast("double").alias("strength_sum"),
        )
    )


def _named(limit: int) -> Column:
    """Up to `limit` contacts the colleague knows at the account, strongest first (ties: e-mail)."""
    keyed = F.struct(
        (-F.col("strength")).alias("order"),
        F.col("contact_email").alias("email"),
        F.col("contact_name").alias("name"),
        F.col("band").alias("band"),
        F.col("strength").alias("strength"),
    )
    ordered = F.slice(F.sort_array(F.collect_list(keyed)), 1, limit)
    return F.transform(
        ordered,
        lambda c: F.struct(
            c["email"].alias("email"),
            c["name"].alias("name"),
            c["band"].alias("band"),
            c["strength"].alias("strength"),
        ),
    )


def rank_order() -> list[Column]:
    """Most strong contacts first, then moderate ones, then strength sum; ties by colleague e-mail."""
    return [
        F.col("strong_contacts").desc(),
        F.col("moderate_contacts").desc(),
        F.col("strength_sum").desc(),
        F.col("colleague_email").asc(),
    ]


def rank_accounts(introducers: DataFrame, accounts) -> DataFrame:
    """The account view of one night's `introducers`: one row per (account, colleague who knows some of
    its people), ranked within the account."""
    labelled = with_accounts(introducers, accounts).where(F.col("account").isNotNull())
    colleague = ["colleague_email", "colleague_name", "colleague_title", "colleague_department"]
    night = ["as_of_date", "model_version", "publication_id"]
    named = labelled.groupBy(*ACCOUNT_KEY, *colleague, *night).agg(
        _named(accounts.named_contacts).alias("named_contacts")
    )
    per_account = labelled.groupBy(*ACCOUNT_KEY).agg(
        F.sort_array(F.collect_set("account_domain")).alias("account_domains"),
        F.count_distinct("contact_email").cast("int").alias("account_contacts"),
    )
    by_account = Window.partitionBy(*ACCOUNT_KEY).orderBy(*rank_order())
    return (
        named.join(account_counts(labelled), on=[*ACCOUNT_KEY, "colleague_email"], how="inner")
        .join(per_account, on=ACCOUNT_KEY, how="inner")
        .select(
            *ACCOUNT_KEY,
            "account_domains",
            "account_contacts",
            F.row_number().over(by_account).cast("int").alias("rank"),
            *colleague,
            "strong_contacts",
            "moderate_contacts",
            "known_contacts",
            "strength_sum",
            "named_contacts",
            *night,
        )
    )
