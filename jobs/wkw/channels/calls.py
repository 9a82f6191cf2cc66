"""Calls: bronze call records -> interactions, one per (colleague, external contact, call).

Both parties are resolved through the directory (aliases to the colleague's primary e-mail; an address
in the internal domains is a colleague too). The same call exported twice (by each party's system, or
again on a later day) is one call: its key is the unordered pair of resolved parties and the start
truncated to the minute, and the first record by (ingest_date, source_file, position) stands for it.
Each bronze record ingested up to the logical date ends accepted or with one filter reason, checked in
this order: duplicate, short_call (`[filters] min_call_seconds`), after_logical_date, no_colleague,
internal_only, denied (the other party is a denied external: `[filters] denied_domains`), opted_out
(the colleague is withheld: opted out or excluded).

    interactions, outcomes = call_interactions(calls, addresses, as_of, settings)
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from wkw.channels.internal import internal_calls
from wkw.config_sections import Filters
from wkw.people import is_denied, is_internal
from wkw.vocabulary import (
    CALL,
    CALLS_SOURCE,
    DENIED,
    DUPLICATE,
    INTERNAL_ONLY,
    NO_COLLEAGUE,
    OPTED_OUT,
    RECEIVED,
    SENT,
)

CALL_RECORD_KEY = ["ingest_date", "source_file", "position"]
PARTIES = ("caller", "callee")


def calls_until(calls: DataFrame, as_of: date) -> DataFrame:
    return calls.where(F.col("ingest_date") <= F.lit(as_of))


def _party(addresses: DataFrame, party: str) -> DataFrame:
    return addresses.select(
        F.col("address").alias(f"{party}_email"),
        F.col("colleague_email").alias(f"{party}_colleague"),
        F.col("withheld").alias(f"{party}_withheld"),
    )


def resolve_parties(
    calls: DataFrame, addresses: DataFrame, internal_domains: tuple[str, ...], denied: Filters | None = None
) -> DataFrame:
    """Each call with, per party, the resolved address (colleague's primary e-mail or as recorded),
    whether it is a colleague and whether that colleague is withheld."""
    resolved = calls.join(_party(addresses, "caller"), on="caller_email", how="left").join(
        _party(addresses, "callee"), on="callee_email", how="left"
    )
    flags = []
    for party in PARTIES:
        colleague, address = F.col(f"{party}_colleague"), F.col(f"{party}_email")
        flags += [
            F.coalesce(colleague, address).alias(f"{party}_resolved"),
            (colleague.isNotNull() | is_internal(address, internal_domains)).alias(f"{party}_is_colleague"),
            F.coalesce(f"{party}_withheld", F.lit(False)).alias(f"{party}_is_withheld"),
            is_denied(address, denied).alias(f"{party}_is_denied"),
        ]
    return resolved.select(*CALL_RECORD_KEY, "started_at", "duration_seconds", *flags)


def call_key(first_party: Column, second_party: Column, started_at: Column) -> Column:
    """One call however many times exported: the unordered pair of parties and the start to the minute."""
    minute = F.unix_seconds(F.date_trunc("minute", started_at)).cast("string")
    pair = [F.least(first_party, second_party), F.greatest(first_party, second_party)]
    return F.sha2(F.concat_ws("|", F.lit(CALL), *pair, minute), 256)


def classify_calls(resolved: DataFrame, as_of: date, min_call_seconds: int) -> DataFrame:
    """Each call record with its key and the first filter that removes it (null: it is an interaction)."""
    keyed = resolved.withColumn(
        "call_key", call_key(F.col("caller_resolved"), F.col("callee_resolved"), F.col("started_at"))
    )
    first_record = Window.partitionBy("call_key").orderBy(*CALL_RECORD_KEY)
    is_duplicate = F.row_number().over(first_record) > 1
    caller, callee = F.col("caller_is_colleague"), F.col("callee_is_colleague")
    colleague_is_withheld = F.when(caller, F.col("caller_is_withheld")).otherwise(F.col("callee_is_withheld"))
    reason = (
        F.when(is_duplicate, F.lit(DUPLICATE))
        .when(F.col("duration_seconds") < F.lit(min_call_seconds), F.lit("short_call"))
        .when(F.to_date("started_at") > F.lit(as_of), F.lit("after_logical_date"))
        .when(~caller & ~callee, F.lit(NO_COLLEAGUE))
        .when(caller & callee, F.lit(INTERNAL_ONLY))
        .when(F.when(caller, F.col("callee_is_denied")).otherwise(F.col("caller_is_denied")), F.lit(DENIED))
        .when(colleague_is_withheld, F.lit(OPTED_OUT))
    )
    return keyed.withColumn("filter_reason", reason)


def interactions_from_calls(classified: DataFrame) -> DataFrame:
    """The kept calls seen from their colleague: `sent` when the colleague called, else `received`."""
    colleague_called = F.col("caller_is_colleague")
    return classified.where(F.col("filter_reason").isNull()).select(
        F.to_date("started_at").alias("event_date"),
        F.col("started_at").alias("event_at"),
        F.when(colleague_called, F.col("caller_resolved"))
        .otherwise(F.col("callee_resolved"))
        .alias("colleague_email"),
        F.when(colleague_called, F.col("callee_resolved"))
        .otherwise(F.col("caller_resolved"))
        .alias("contact_email"),
        F.lit(None).cast("string").alias("contact_name"),
        F.lit(CALL).alias("channel"),
        F.when(colleague_called, F.lit(SENT)).otherwise(F.lit(RECEIVED)).alias("direction"),
        F.lit(1).cast("int").alias("audience"),
        F.col("call_key").alias("interaction_id"),
    )


def call_outcomes(classified: DataFrame) -> DataFrame:
    """One row per bronze call record: where it came from and its filter reason (null: accepted)."""
    return classified.select(*CALL_RECORD_KEY, F.lit(CALLS_SOURCE).alias("source"), "filter_reason")


def call_channel(
    calls: DataFrame, addresses: DataFrame, as_of: date, settings
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(interactions shaped like wkw.schemas.INTERACTION, outcomes per call record, internal touches) for
    the logical date. The internal touches are the calls between two analysed colleagues, which stay
    filtered `internal_only` for the external interactions (wkw.channels.internal).

    `calls` is the whole bronze calls table; `addresses` is wkw.people.colleague_addresses of the
    directory snapshot in force (address, colleague_email, withheld, active).
    """
    min_call_seconds = settings.filters.min_call_seconds
    resolved = resolve_parties(
        calls_until(calls, as_of), addresses, settings.internal_domains, settings.filters
    )
    classified = classify_calls(resolved, as_of, min_call_seconds)
    return interactions_from_calls(classified), call_outcomes(classified), internal_calls(classified)


def call_interactions(
    calls: DataFrame, addresses: DataFrame, as_of: date, settings
) -> tuple[DataFrame, DataFrame]:
    """(interactions, outcomes per call record): `call_channel` without the internal touches."""
    interactions, outcomes, _ = call_channel(calls, addresses, as_of, settings)
    return interactions, outcomes
