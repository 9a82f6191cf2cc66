"""The privacy register (silver/privacy_requests), hashes only: who is withheld tonight (the
directory's opted-out and excluded colleagues, erasure requests) and each request's status: received ->
applied -> purged, or withdrawn when a colleague opts back in. Erasures never lapse."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.privacy.rules import address_hash, is_withheld
from wkw.vocabulary import PRIVACY_REGISTER_TABLE

REGISTER = PRIVACY_REGISTER_TABLE


REMOVALS = "privacy_removals"


REMOVALS_SCHEMA = "as_of_date date, table_name string, ingest_date date, rows long"


ERASURE = "erasure"


RECEIVED, APPLIED, PURGED, WITHDRAWN = "received", "applied", "purged", "withdrawn"


REGISTER_SCHEMA = (
    "request_id string, kind string, subject_sha256 string, address_sha256 array<string>, "
    "received_date date, status string, applied_at timestamp, purged_at timestamp, withdrawn_date date, "
    "token string, mailbox_sha256 array<string>"
)
# Columns a register written before 2026-12-07 lacks: the person's random token, the hashes of the
# mailbox and calendar names they own (wkw.privacy.owners).
ADDED_COLUMNS = {"token": "string", "mailbox_sha256": "array<string>"}


def withheld_colleagues(directory: DataFrame) -> DataFrame:
    """Subjects from the directory snapshot (wkw.privacy.rules.colleagues_on): (request_id, kind,
    subject_sha256, address_sha256)."""
    rule = F.col("withheld_reason")
    subject = address_hash(F.col("email"))
    addresses = F.array_union(F.array("email"), F.coalesce("aliases", F.array().cast("array<string>")))
    return directory.where(rule.isNotNull()).select(
        F.concat(F.lit("colleague:"), F.substring(subject, 1, 16)).alias("request_id"),
        rule.alias("kind"),
        subject.alias("subject_sha256"),
        F.array_sort(F.transform(addresses, address_hash)).alias("address_sha256"),
    )


def analysed_colleagues(directory: DataFrame) -> DataFrame:
    """Hashes of the colleagues the snapshot analyses as usual: an opt-out of theirs is withdrawn."""
    return directory.where(~is_withheld()).select(address_hash(F.col("email")).alias("subject_sha256"))


def updated_register(previous: DataFrame, tonight: DataFrame, analysed: DataFrame, as_of: date) -> DataFrame:
    """Tonight's subjects merged into the register: new ones received, old ones kept, opt-ins withdrawn."""
    new = tonight.join(previous.select("request_id"), on="request_id", how="left_anti").select(
        "request_id",
        "kind",
        "subject_sha256",
        "address_sha256",
        F.lit(as_of).alias("received_date"),
        F.lit(RECEIVED).alias("status"),
        F.lit(None).cast("timestamp").alias("applied_at"),
        F.lit(None).cast("timestamp").alias("purged_at"),
        F.lit(None).cast("date").alias("withdrawn_date"),
        F.lit(None).cast("string").alias("token"),
        F.array().cast("array<string>").alias("mailbox_sha256"),
    )
    back = tonight.select(
        "request_id", F.lit(True).alias("seen_tonight"), F.col("address_sha256").alias("addresses_tonight")
    )
    opted_in = analysed.select("subject_sha256", F.lit(True).alias("analysed_tonight")).distinct()
    old = previous.join(back, on="request_id", how="left").join(opted_in, on="subject_sha256", how="left")
    was_withdrawn = F.col("status") == WITHDRAWN
    returns = was_withdrawn & F.coalesce("seen_tonight", F.lit(False))
    # Only a snapshot of the request's night or later can withdraw it: a rerun of an older night reads an
    # older directory, in which the colleague had not opted out yet.
    withdraws = (
        ~was_withdrawn
        & (F.col("kind") != ERASURE)
        & F.coalesce("analysed_tonight", F.lit(False))
        & (F.col("received_date") <= F.lit(as_of))
    )
    # Addresses seen tonight join the request's (an alias added to the directory after the opt-out is
    # withheld too); none is ever dropped, so an alias removed later stays recognised.
    addresses = F.array_sort(
        F.array_union("address_sha256", F.coalesce("addresses_tonight", F.array().cast("array<string>")))
    )
    kept = old.select(
        "request_id",
        "kind",
        "subject_sha256",
        addresses.alias("address_sha256"),
        F.when(returns, F.lit(as_of)).otherwise(F.col("received_date")).alias("received_date"),
        F.when(returns, RECEIVED).when(withdraws, WITHDRAWN).otherwise(F.col("status")).alias("status"),
        F.when(returns, None).otherwise(F.col("applied_at")).alias("applied_at"),
        F.when(returns, None).otherwise(F.col("purged_at")).alias("purged_at"),
        F.when(withdraws, F.lit(as_of))
        .when(returns, None)
        .otherwise(F.col("withdrawn_date"))
        .alias("withdrawn_date"),
        "token",
        "mailbox_sha256",
    )
    return kept.unionByName(new)


def migrated_register(previous: DataFrame) -> DataFrame:
    """A register as this code writes it: one written before tokens and mailboxes gets the columns, empty
    (`wkw.privacy.tokens.with_tokens` then gives every request its token)."""
    for name, kind in ADDED_COLUMNS.items():
        if name not in previous.columns:
            empty = F.array() if kind.startswith("array") else F.lit(None)
            previous = previous.withColumn(name, empty.cast(kind))
    return previous


def active_hashes(register: DataFrame) -> list[str]:
    rows = register.where(F.col("status") != WITHDRAWN).select(F.explode("address_sha256").alias("h"))
    return sorted({row.h for row in rows.distinct().collect()})
