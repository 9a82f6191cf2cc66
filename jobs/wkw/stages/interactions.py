"""Interactions: bronze mail, meetings and calls -> silver, one row per (colleague, external contact, event).

Before anything is computed, withheld colleagues (opted out, excluded) are removed; copies of one mail
across mailboxes, of one meeting across calendars and of one call across exports are deduplicated;
automated mail, broadcasts, large meetings and short calls are filtered with their reason
(wkw.stages.calls, wkw.stages.meetings for those channels). Every bronze record of the logical date ends
accepted or filtered, and the counts are stored in `silver/reconciliation`.

    spark-submit jobs/wkw/stages/interactions.py --date 2026-11-26
"""

from __future__ import annotations

from datetime import date
from functools import reduce

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.lake import BRONZE, SILVER, read_optional, read_table, replace_partition, replace_table, run_stage
from wkw.people import colleague_addresses, is_denied, is_internal, latest_snapshot
from wkw.privacy import withheld_rule
from wkw.privacy_policy import REDACTED_PREFIX, privacy_policy
from wkw.stages.calls import call_interactions
from wkw.stages.meetings import meeting_interactions
from wkw.stages.reconcile import reconciliation

MESSAGE_KEY = ["ingest_date", "source_file", "position"]
OUTCOME_COLUMNS = [*MESSAGE_KEY, "source", "filter_reason"]


def mail_until(mail: DataFrame, as_of: date) -> DataFrame:
    return mail.where(F.col("ingest_date") <= F.lit(as_of))


def classify_messages(mail: DataFrame, automated_patterns: list[str], max_recipients: int) -> DataFrame:
    """Each message with the first filter that removes it (or null): duplicate, automated, broadcast."""
    first_copy = Window.partitionBy("dedupe_key").orderBy(*MESSAGE_KEY)
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
        F.row_number().over(first_copy).alias("copy_number"),
        is_automated_sender.alias("is_automated_sender"),
    ).select(
        "*",
        F.when(F.col("copy_number") > 1, "duplicate")
        .when(F.col("automated_reason").isNotNull() | F.col("is_automated_sender"), "automated")
        .when(F.size("recipients") > max_recipients, "too_many_recipients")
        .alias("filter_reason"),
    )


def mail_edges(
    messages: DataFrame, addresses: DataFrame, internal_domains: tuple[str, ...], denied: dict | None = None
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
        is_denied(external, denied or {}).alias("external_denied"),
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
        "sent_at",
        "dedupe_key",
        "audience",
        colleague.alias("colleague_email"),
        contact.alias("contact_email"),
        F.element_at("display_names", contact).alias("contact_name"),
        F.when(is_sent, "sent").otherwise("received").alias("direction"),
        F.coalesce(withheld, F.lit(False)).alias("is_withheld"),
    )
    # A redacted party (a withheld person scrubbed from a kept mail) is nobody: no touch with them.
    kept = touches.where(~F.col("is_withheld") & ~F.col("contact_email").startswith(REDACTED_PREFIX))
    # Two aliases of one colleague on one mail are one touch.
    return (
        kept.groupBy("dedupe_key", "colleague_email", "contact_email", "direction")
        .agg(
            F.min("sent_at").alias("event_at"),
            F.max("contact_name").alias("contact_name"),
            F.max("audience").alias("audience"),
        )
        .select(
            F.to_date("event_at").alias("event_date"),
            "event_at",
            "colleague_email",
            "contact_email",
            "contact_name",
            F.lit("mail").alias("channel"),
            "direction",
            F.col("audience").cast("int").alias("audience"),
            F.col("dedupe_key").alias("interaction_id"),
        )
    )


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
        .when(~F.coalesce("has_colleague", F.lit(False)), "no_colleague")
        .when(~F.coalesce("has_external_pair", F.lit(False)), "internal_only")
        .when(~F.coalesce("has_allowed_pair", F.lit(False)), "denied")
        .when(~F.coalesce("kept", F.lit(False)), "opted_out")
    )
    return (
        messages.join(has_pair, on="dedupe_key", how="left")
        .join(kept, on="dedupe_key", how="left")
        .select(*MESSAGE_KEY, F.lit("mail").alias("source"), reason.alias("filter_reason"))
    )


def mail_interactions(
    mail: DataFrame, addresses: DataFrame, as_of: date, settings
) -> tuple[DataFrame, DataFrame]:
    """(interactions, outcomes per message) of the mail channel."""
    messages = classify_messages(
        mail_until(mail, as_of),
        list(settings.filters["automated_sender_patterns"]),
        int(settings.filters["max_mail_recipients"]),
    )
    candidates = messages.where(F.col("filter_reason").isNull() & (F.to_date("sent_at") <= F.lit(as_of)))
    edges = mail_edges(candidates, addresses, settings.internal_domains, settings.filters)
    interactions = interactions_from_edges(edges)
    too_late = F.when(F.to_date("sent_at") > F.lit(as_of), "after_logical_date")
    messages = messages.withColumn("filter_reason", F.coalesce("filter_reason", too_late))
    return interactions, message_outcomes(messages, edges, interactions)


def build(
    mail: DataFrame,
    directory: DataFrame,
    as_of: date,
    settings,
    calls: DataFrame | None = None,
    meetings: DataFrame | None = None,
) -> tuple[DataFrame, DataFrame]:
    """(interactions of every channel, outcomes per bronze record) for the logical date.

    Withheld colleagues (opt-out under the region rule, exclusions) are resolved once from the directory
    snapshot and dropped by every channel; each channel treats a redacted party (scrubbed by the privacy
    stage) as nobody, and the privacy stage deletes calls with a withheld party outright.
    """
    snapshot = latest_snapshot(directory, as_of)
    addresses = colleague_addresses(snapshot, withheld_rule(privacy_policy(settings), snapshot).isNotNull())
    channels = [mail_interactions(mail, addresses, as_of, settings)]
    if calls is not None:
        channels.append(call_interactions(calls, addresses, as_of, settings))
    if meetings is not None:
        channels.append(meeting_interactions(meetings, addresses, as_of, settings))
    interactions = reduce(DataFrame.unionByName, [touches for touches, _ in channels])
    outcomes = reduce(DataFrame.unionByName, [judged.select(*OUTCOME_COLUMNS) for _, judged in channels])
    return interactions, outcomes


def run(spark: SparkSession, settings: Settings, as_of: date) -> None:
    """The stage for one logical date, in an existing session."""
    mail = read_table(spark, settings, BRONZE, "mail_messages")
    directory = read_table(spark, settings, BRONZE, "directory")
    calls = read_optional(spark, settings, BRONZE, "calls")
    meetings = read_optional(spark, settings, BRONZE, "meetings")
    interactions, outcomes = build(mail, directory, as_of, settings, calls, meetings)
    # One file per event day: a night touches few files, and readers prune by day.
    by_day = interactions.repartition("event_date")
    replace_table(by_day, settings.table_path(SILVER, "interactions"), ["event_date"])
    counts = read_table(spark, settings, BRONZE, "ingest_counts")
    removals = read_optional(spark, settings, SILVER, "privacy_removals")
    day = f"as_of_date = '{as_of.isoformat()}'"
    path = settings.table_path(SILVER, "reconciliation")
    replace_partition(reconciliation(outcomes, counts, as_of, removals), path, day, ["as_of_date"])
    summary = spark.read.format("delta").load(path).where(F.col("as_of_date") == F.lit(as_of))
    for row in summary.orderBy("source").collect():
        print(
            f"interactions {as_of} {row.source}: read {row.read} = accepted {row.accepted} + filtered "
            f"{row.filtered} {dict(row.filtered_by)} + quarantined {row.quarantined}"
        )


def main(argv: list[str] | None = None) -> None:
    run_stage("interactions", run, __doc__, argv)


if __name__ == "__main__":
    main()
