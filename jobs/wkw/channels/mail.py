"""The mail channel: bronze mail_messages -> colleague-contact touches, and the outcome of every message
(accepted, or the first filter that removed it: duplicate, automated, too many recipients, no colleague,
internal only, denied, withheld)."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from wkw.channels.internal import internal_mail
from wkw.channels.touches import one_touch_per_mail
from wkw.config_sections import Filters
from wkw.people import is_denied, is_internal
from wkw.privacy.policy import REDACTED_PREFIX
from wkw.vocabulary import (
    AUTOMATED,
    DENIED,
    DUPLICATE,
    INTERNAL_ONLY,
    MAIL_SOURCE,
    NO_COLLEAGUE,
    OPTED_OUT,
    RECEIVED,
    SENT,
    TOO_MANY_RECIPIENTS,
)

MESSAGE_KEY = ["ingest_date", "source_file", "position"]


def mail_until(mail: DataFrame, as_of: date) -> DataFrame:
    return mail.where(F.col("ingest_date") <= F.lit(as_of))


def classify_messages(
    mail: DataFrame, automated_patterns: list[str], max_recipients: int, seen: DataFrame | None = None
) -> DataFrame:
    """Each message with the first filter that removes it (or null): duplicate, automated, broadcast.

    `seen` (incremental nights): dedupe keys of messages that landed on earlier nights (`seen_keys`); a
    copy of one of them is a duplicate, as it would be when the whole history is classified at once.
    """
    first_copy = Window.partitionBy("dedupe_key").orderBy(*MESSAGE_KEY)
    if seen is not None:
        earlier = seen.select("dedupe_key").distinct()
        mail = mail.join(earlier.withColumn("seen_before", F.lit(True)), on="dedupe_key", how="left")
    else:
        mail = mail.withColumn("seen_before", F.lit(None).cast("boolean"))
    local_part = F.lower(F.substring_index("sender_email", "@", 1))
    is_automated_sender = F.lit(False)
    for pattern in automated_patterns:
        is_automated_sender = is_automated_sender | local_part.startswith(pattern)
    recipients = F.array_distinct(F.concat("to_emails", "cc_emails"))
    return mail.select(
        *MESSAGE_KEY,
        "sent_at",
        "sender_email",
        recipients.alias("recipients"),
        "display_names",
        "automated_reason",
        "dedupe_key",
        "seen_before",
        F.row_number().over(first_copy).alias("copy_number"),
        is_automated_sender.alias("is_automated_sender"),
    ).select(
        "*",
        F.when((F.col("copy_number") > 1) | F.coalesce("seen_before", F.lit(False)), DUPLICATE)
        .when(F.col("automated_reason").isNotNull() | F.col("is_automated_sender"), AUTOMATED)
        .when(F.size("recipients") > max_recipients, TOO_MANY_RECIPIENTS)
        .alias("filter_reason"),
    )


def seen_keys(earlier: DataFrame, tonight: DataFrame) -> DataFrame:
    """The dedupe keys of `earlier` mail (every night before this one) that tonight's mail has too: the
    only ones `classify_messages` needs. Tonight's keys are few: they are broadcast to the scan of the
    earlier ones, which never moves. Kept (the stage judges tonight's mail twice: for silver and for the
    reconciliation), so the earlier keys are scanned once a night."""
    keys = F.broadcast(tonight.select("dedupe_key").distinct())
    return (
        earlier.select("dedupe_key").join(keys, on="dedupe_key", how="left_semi").distinct().localCheckpoint()
    )


def mail_edges(
    messages: DataFrame,
    addresses: DataFrame,
    internal_domains: tuple[str, ...],
    denied: Filters | None = None,
) -> DataFrame:
    """Sender -> each recipient, with both ends resolved: colleague (primary e-mail) or external, and
    whether the external end is denied (`[filters] denied_domains`, `denied_addresses`)."""
    pairs = messages.select(
        *MESSAGE_KEY,
        "sent_at",
        "dedupe_key",
        "display_names",
        F.size("recipients").alias("audience"),
        "sender_email",
        F.explode("recipients").alias("recipient_email"),
    )
    sender = addresses.select(
        F.col("address").alias("sender_email"),
        F.col("colleague_email").alias("sender_colleague"),
        F.col("withheld").alias("sender_withheld"),
    )
    recipient = addresses.select(
        F.col("address").alias("recipient_email"),
        F.col("colleague_email").alias("recipient_colleague"),
        F.col("withheld").alias("recipient_withheld"),
    )
    resolved = pairs.join(sender, on="sender_email", how="left").join(
        recipient, on="recipient_email", how="left"
    )
    sender_is_colleague = F.col("sender_colleague").isNotNull() | is_internal(
        F.col("sender_email"), internal_domains
    )
    recipient_is_colleague = F.col("recipient_colleague").isNotNull() | is_internal(
        F.col("recipient_email"), internal_domains
    )
    external = F.when(sender_is_colleague, F.col("recipient_email")).otherwise(F.col("sender_email"))
    return resolved.select(
        "*",
        sender_is_colleague.alias("sender_is_colleague"),
        recipient_is_colleague.alias("recipient_is_colleague"),
        is_denied(external, denied).alias("external_denied"),
    )


def interactions_from_edges(edges: DataFrame) -> DataFrame:
    """Colleague-external edges, seen from the colleague; opted-out colleagues are dropped here."""
    is_sent = F.col("sender_is_colleague") & ~F.col("recipient_is_colleague")
    is_received = ~F.col("sender_is_colleague") & F.col("recipient_is_colleague")
    colleague = F.when(is_sent, F.coalesce("sender_colleague", "sender_email")).otherwise(
        F.coalesce("recipient_colleague", "recipient_email")
    )
    contact = F.when(is_sent, F.col("recipient_email")).otherwise(F.col("sender_email"))
    withheld = F.when(is_sent, F.col("sender_withheld")).otherwise(F.col("recipient_withheld"))
    touches = edges.where((is_sent | is_received) & ~F.col("external_denied")).select(
        "ingest_date",
        "sent_at",
        "dedupe_key",
        "audience",
        colleague.alias("colleague_email"),
        contact.alias("contact_email"),
        F.element_at("display_names", contact).alias("contact_name"),
        F.when(is_sent, SENT).otherwise(RECEIVED).alias("direction"),
        F.coalesce(withheld, F.lit(False)).alias("is_withheld"),
    )
    # A redacted party (a withheld person scrubbed from a kept mail) is nobody: no touch with them.
    kept = touches.where(~F.col("is_withheld") & ~F.col("contact_email").startswith(REDACTED_PREFIX))
    return one_touch_per_mail(kept)


def message_outcomes(messages: DataFrame, edges: DataFrame, interactions: DataFrame) -> DataFrame:
    """Every message of `messages` with its outcome: accepted, or the filter that removed it."""
    has_pair = edges.groupBy("dedupe_key").agg(
        F.max(F.col("sender_is_colleague") != F.col("recipient_is_colleague")).alias("has_external_pair"),
        F.max(
            (F.col("sender_is_colleague") != F.col("recipient_is_colleague")) & ~F.col("external_denied")
        ).alias("has_allowed_pair"),
        F.max(F.col("sender_is_colleague") | F.col("recipient_is_colleague")).alias("has_colleague"),
    )
    kept = (
        interactions.select(F.col("interaction_id").alias("dedupe_key"))
        .distinct()
        .withColumn("kept", F.lit(True))
    )
    reason = (
        F.when(F.col("filter_reason").isNotNull(), F.col("filter_reason"))
        .when(~F.coalesce("has_colleague", F.lit(False)), NO_COLLEAGUE)
        .when(~F.coalesce("has_external_pair", F.lit(False)), INTERNAL_ONLY)
        .when(~F.coalesce("has_allowed_pair", F.lit(False)), DENIED)
        .when(~F.coalesce("kept", F.lit(False)), OPTED_OUT)
    )
    return (
        messages.join(has_pair, on="dedupe_key", how="left")
        .join(kept, on="dedupe_key", how="left")
        .select(*MESSAGE_KEY, F.lit(MAIL_SOURCE).alias("source"), reason.alias("filter_reason"))
    )


def mail_channel(
    mail: DataFrame, addresses: DataFrame, as_of: date, settings, seen: DataFrame | None = None
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(interactions, outcomes per message, internal touches) of the mail channel; `seen` as in
    `classify_messages`. The internal touches (wkw.channels.internal) come from the same kept messages:
    a duplicate, automated or broadcast mail ties no two colleagues either.

    A message dated after the logical date (extract lets through at most `max_future_days`) is judged
    like any other: its interactions sit on their own day and count from that day on, so judging a
    message never depends on the night it is judged.
    """
    messages = classify_messages(
        mail_until(mail, as_of),
        list(settings.filters.automated_sender_patterns),
        settings.filters.max_mail_recipients,
        seen,
    )
    candidates = messages.where(F.col("filter_reason").isNull())
    edges = mail_edges(candidates, addresses, settings.internal_domains, settings.filters)
    interactions = interactions_from_edges(edges)
    return interactions, message_outcomes(messages, edges, interactions), internal_mail(edges)


def mail_interactions(
    mail: DataFrame, addresses: DataFrame, as_of: date, settings, seen: DataFrame | None = None
) -> tuple[DataFrame, DataFrame]:
    """(interactions, outcomes per message) of the mail channel (`mail_channel` without internal touches)."""
    interactions, outcomes, _ = mail_channel(mail, addresses, as_of, settings, seen)
    return interactions, outcomes
