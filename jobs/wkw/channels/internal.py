"""Internal touches: colleague-colleague mail, meetings and calls, for `silver/internal_interactions` and the
colleague ties computed from it (wkw.scoring.ties, docs/path.md).

Each channel already judges its records for the external interactions (where a record with no
colleague-external pair stays filtered `internal_only`, so the reconciliation is unchanged); the functions
here read the same judged rows and keep the colleague-colleague pairs, each seen from both ends: the
sender, organizer or caller `sent`, the other `received`. A withheld colleague and a redacted party take
part in nothing, and a pair of one colleague with themselves (two aliases) is no tie. Rows have the shape
of `schemas.INTERACTION`; `contact_email` is the other colleague.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.channels.touches import one_touch_per_mail
from wkw.privacy.policy import REDACTED_PREFIX
from wkw.vocabulary import CALL, INTERNAL_ONLY, RECEIVED, SENT

INTERNAL_TABLE = "internal_interactions"  # silver: written by the interactions stage, read by strength


def _both_ends(pairs: DataFrame, first: str, second: str, first_direction: str) -> DataFrame:
    """Each pair row twice: seen from `first` (with `first_direction`) and from `second` (the other)."""
    other = RECEIVED if first_direction == SENT else SENT
    seen_from_first = pairs.select(
        "*",
        F.col(first).alias("colleague_email"),
        F.col(second).alias("contact_email"),
        F.lit(first_direction).alias("direction"),
    )
    seen_from_second = pairs.select(
        "*",
        F.col(second).alias("colleague_email"),
        F.col(first).alias("contact_email"),
        F.lit(other).alias("direction"),
    )
    return seen_from_first.unionByName(seen_from_second)


def internal_mail(edges: DataFrame) -> DataFrame:
    """Sender -> colleague recipient edges (wkw.channels.mail.mail_edges of the kept messages)."""
    sender = F.coalesce("sender_colleague", "sender_email")
    recipient = F.coalesce("recipient_colleague", "recipient_email")
    is_pair = (
        F.col("sender_is_colleague")
        & F.col("recipient_is_colleague")
        & ~F.coalesce("sender_withheld", F.lit(False))
        & ~F.coalesce("recipient_withheld", F.lit(False))
        & ~F.col("recipient_email").startswith(REDACTED_PREFIX)
        & ~F.col("sender_email").startswith(REDACTED_PREFIX)
        & (sender != recipient)
    )
    pairs = edges.where(is_pair).select(
        "dedupe_key",
        "ingest_date",
        "sent_at",
        "audience",
        "display_names",
        "sender_email",
        "recipient_email",
        sender.alias("sender"),
        recipient.alias("recipient"),
    )
    seen = _both_ends(pairs, "sender", "recipient", SENT)
    other_address = F.when(F.col("direction") == SENT, F.col("recipient_email")).otherwise(
        F.col("sender_email")
    )
    named = seen.select("*", F.element_at("display_names", other_address).alias("contact_name"))
    return one_touch_per_mail(named)


def internal_meeting_pairs(resolved: DataFrame, record_key: list[str]) -> DataFrame:
    """(record, colleague, other colleague) for every two analysed colleagues of one meeting record, in
    the shape of wkw.channels.meetings.meeting_pairs (`is_sent`: the colleague organised it)."""
    colleagues = resolved.where(F.col("is_colleague") & ~F.col("is_withheld")).select(
        *record_key, F.col("colleague").alias("colleague_email"), "is_organizer", "name"
    )
    others = colleagues.select(
        *record_key, F.col("colleague_email").alias("contact_email"), F.col("name").alias("contact_name")
    )
    return (
        colleagues.join(others, on=record_key, how="inner")
        .where(F.col("colleague_email") != F.col("contact_email"))
        .groupBy(*record_key, "colleague_email", "contact_email")
        .agg(F.max("is_organizer").alias("is_sent"), F.max("contact_name").alias("contact_name"))
    )


def internal_calls(classified: DataFrame) -> DataFrame:
    """Calls between two analysed colleagues (filtered `internal_only` for the external interactions)."""
    is_pair = (
        (F.col("filter_reason") == F.lit(INTERNAL_ONLY))
        & ~F.col("caller_is_withheld")
        & ~F.col("callee_is_withheld")
        & (F.col("caller_resolved") != F.col("callee_resolved"))
    )
    pairs = classified.where(is_pair).select("started_at", "call_key", "caller_resolved", "callee_resolved")
    seen = _both_ends(pairs, "caller_resolved", "callee_resolved", SENT)
    return seen.select(
        F.to_date("started_at").alias("event_date"),
        F.col("started_at").alias("event_at"),
        "colleague_email",
        "contact_email",
        F.lit(None).cast("string").alias("contact_name"),
        F.lit(CALL).alias("channel"),
        "direction",
        F.lit(1).cast("int").alias("audience"),
        F.col("call_key").alias("interaction_id"),
    )
