"""Both sides of the Enron reference comparison as edges: one row per (file, colleague, contact, direction).

Part of `wkw.tools.enron_reference`. The reference side is read from the published files:
`public_dev_knows_reference.csv` (per-pair message counts) and `public_dev_headers.csv.gz` (From, To, Cc,
Date and Subject of every message file, four paths listed twice). Our side is the bronze mail table joined
to the interactions stage's outcome per message. An edge joins a colleague (an address in the internal
domains) and an external address, seen from the colleague: `sent` when the colleague wrote, `received`
otherwise; mails between two colleagues or two outsiders are no edge.
"""

from __future__ import annotations

from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from wkw.channels.mail import MESSAGE_KEY
from wkw.people import is_internal

REFERENCE_CSV = "public_dev_knows_reference.csv"
HEADERS_CSV = "public_dev_headers.csv.gz"
PAIR = ["colleague_email", "contact_email", "direction"]
EDGE = ["file", *PAIR]
DN_LIKE = r"^/o="  # how a DN reads in the reference's lower-cased address lists


def _pair_edges(sender: Column, recipient: Column, domains: tuple[str, ...]) -> tuple[Column, dict]:
    """(is a colleague-external edge, the PAIR columns seen from the colleague)."""
    sender_in, recipient_in = is_internal(sender, domains), is_internal(recipient, domains)
    is_sent, is_received = sender_in & ~recipient_in, ~sender_in & recipient_in
    columns = {
        "colleague_email": F.when(is_sent, sender).otherwise(recipient),
        "contact_email": F.when(is_sent, recipient).otherwise(sender),
        "direction": F.when(is_sent, "sent").otherwise("received"),
    }
    return is_sent | is_received, columns


def read_reference(spark: SparkSession, directory: Path) -> DataFrame:
    """The reference CSV as PAIR + `messages`, one row per pair and direction with messages > 0."""
    raw = spark.read.csv(str(directory / REFERENCE_CSV), header=True, inferSchema=False)
    both = raw.select(
        F.col("internal").alias("colleague_email"),
        F.col("external").alias("contact_email"),
        F.explode(
            F.array(
                F.struct(F.lit("sent").alias("direction"), F.col("msgs_internal_to_external").alias("n")),
                F.struct(F.lit("received").alias("direction"), F.col("msgs_external_to_internal").alias("n")),
            )
        ).alias("way"),
    )
    return both.select(
        "colleague_email", "contact_email", "way.direction", F.col("way.n").cast("long").alias("messages")
    ).where(F.col("messages") > 0)


def reference_files(spark: SparkSession, directory: Path) -> DataFrame:
    """One row per header-reference row: file, `listing` (1 for a path's first row), `logical_key` (the
    reference's duplicate key: date, from, to, cc, subject), sender, recipients (To + Cc, distinct)."""
    rows = spark.read.csv(str(directory / HEADERS_CSV), header=True, multiLine=True, escape='"')
    listed = [F.split(F.coalesce(name, F.lit("")), ";") for name in ("to", "cc")]
    recipients = F.array_distinct(F.filter(F.concat(*listed), lambda address: address != F.lit("")))
    key_parts = [F.coalesce(name, F.lit("")) for name in ("date", "from", "to", "cc", "subject")]
    listing = F.row_number().over(Window.partitionBy("file").orderBy("source_repo"))
    return rows.select(
        "file",
        listing.alias("listing"),
        F.sha2(F.concat_ws("\u0001", *key_parts), 256).alias("logical_key"),
        F.coalesce("from", F.lit("")).alias("sender"),
        recipients.alias("recipients"),
    )


def reference_edges(files: DataFrame, domains: tuple[str, ...]) -> DataFrame:
    """EDGE + listing + logical_key + `has_dn` (an end of the edge is an Exchange DN), per header row."""
    exploded = files.where(F.col("sender") != "").select(
        "file", "listing", "logical_key", "sender", F.explode("recipients").alias("recipient")
    )
    is_edge, pair = _pair_edges(F.col("sender"), F.col("recipient"), domains)
    has_dn = F.col("sender").rlike(DN_LIKE) | F.col("recipient").rlike(DN_LIKE)
    return (
        exploded.where(is_edge)
        .select(
            "file",
            *[column.alias(name) for name, column in pair.items()],
            "listing",
            "logical_key",
            has_dn.alias("has_dn"),
        )
        .distinct()
    )


def message_edges(mail: DataFrame, outcomes: DataFrame, domains: tuple[str, ...]) -> DataFrame:
    """EDGE + `filter_reason` (the interactions stage's outcome) + `first_file` (the mail's kept copy)."""
    first_copy = Window.partitionBy("dedupe_key")
    messages = mail.join(outcomes, on=MESSAGE_KEY, how="inner").select(
        F.regexp_extract("source_file", r"maildir/(.+)$", 1).alias("file"),
        "filter_reason",
        F.min(F.struct(*MESSAGE_KEY)).over(first_copy)["source_file"].alias("first_source"),
        "sender_email",
        F.explode(F.array_distinct(F.concat("to_emails", "cc_emails"))).alias("recipient"),
    )
    is_edge, pair = _pair_edges(F.col("sender_email"), F.col("recipient"), domains)
    return messages.where(is_edge).select(
        "file",
        *[column.alias(name) for name, column in pair.items()],
        "filter_reason",
        F.regexp_extract("first_source", r"maildir/(.+)$", 1).alias("first_file"),
    )
