"""Who is withheld, decided in one place: the directory snapshot in force on a date, each colleague with
the first privacy rule that withholds them (opt-out under the region rule, exclusion by department, group or
address), and the address hash the register and the scrub recognise a person by.

Every stage that needs to know (privacy, interactions, introducers, validate) calls `colleagues_on`."""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from wkw.config_sections import PrivacyPolicy
from wkw.people import latest_snapshot

OPT_OUT, EXCLUDED_DEPARTMENT, EXCLUDED_GROUP, EXCLUDED_ADDRESS = (
    "opt_out",
    "excluded_department",
    "excluded_group",
    "excluded_address",
)


def address_hash(column: Column) -> Column:
    """The Spark twin of wkw.privacy.policy.subject_hash."""
    return F.sha2(F.lower(F.trim(column)), 256)


def _in_list(column: Column, values: tuple[str, ...]) -> Column:
    return F.lower(F.trim(column)).isin(list(values)) if values else F.lit(False)


def _overlaps(column: Column, values: tuple[str, ...]) -> Column:
    if not values:
        return F.lit(False)
    lowered = F.transform(F.coalesce(column, F.array().cast("array<string>")), lambda v: F.lower(F.trim(v)))
    return F.arrays_overlap(lowered, F.array(*[F.lit(v) for v in values]))


def withheld_rule(policy: PrivacyPolicy, directory: DataFrame) -> Column:
    """The first privacy rule that withholds a directory user (null: analysed as usual).

    Opt-out is honoured for every region unless `opt_out_regions` limits it (Dynamics 365 honours it
    only in EMEA and APAC). Exclusions by department, group or address apply everywhere.
    """
    region_ok = (
        F.upper(F.trim("region")).isin(list(policy.opt_out_regions))
        if policy.opt_out_regions
        else F.lit(True)
    )
    groups = F.col("groups") if "groups" in directory.columns else F.array().cast("array<string>")
    addresses = F.array_union(F.array("email"), F.coalesce("aliases", F.array().cast("array<string>")))
    return (
        F.when(F.coalesce("opted_out", F.lit(False)) & F.coalesce(region_ok, F.lit(False)), OPT_OUT)
        .when(_in_list(F.col("department"), policy.excluded_departments), EXCLUDED_DEPARTMENT)
        .when(_overlaps(groups, policy.excluded_groups), EXCLUDED_GROUP)
        .when(_overlaps(addresses, policy.excluded_addresses), EXCLUDED_ADDRESS)
    )


def with_withheld(snapshot: DataFrame, policy: PrivacyPolicy) -> DataFrame:
    """A directory snapshot with `withheld_reason`: the rule that withholds the colleague, or null."""
    return snapshot.withColumn("withheld_reason", withheld_rule(policy, snapshot))


def colleagues_on(directory: DataFrame, as_of: date, policy: PrivacyPolicy) -> DataFrame:
    """The directory snapshot in force on `as_of` (bronze `directory`), with `withheld_reason`."""
    return with_withheld(latest_snapshot(directory, as_of), policy)


def is_withheld() -> Column:
    """On a frame from `colleagues_on`: the colleague is withheld."""
    return F.col("withheld_reason").isNotNull()
