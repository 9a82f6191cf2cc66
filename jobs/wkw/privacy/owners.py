"""Which mailboxes and calendars belong to a withheld person, found from the records themselves.

A mailbox folder (`maildir/kaminski-v/...`) or a calendar file (`kaminski-v.ics`) names its owner, and
neither the directory nor the register says which folder is whose (the register keeps address hashes
only). The owner of a mailbox is the person found in most of its records: the recipient of its inbox, the
sender of its sent folder, the organizer or an attendee of every event of a calendar. So a mailbox (the
`mailbox` column, else the name `source_file` gives, `wkw.privacy.scrub.owner_key_sql`) belongs to a
withheld person when they are in more of its records than anybody else (a tie is nobody's: one mail
alone does not tell its sender's mailbox from its recipient's). The privacy stage runs this before the
scrub, on the records it scrubs, and keeps the SHA-256 of the names found in the register
(`mailbox_sha256`): mail of that mailbox that lands on later nights is redacted by hash, even one record.

    owned = owned_mailboxes(spark, settings, register, only_ingest_date)
    register = with_mailboxes(register, owned)
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from wkw.config import BRONZE, Settings
from wkw.lake import read_optional
from wkw.privacy.policy import REDACTED_PREFIX
from wkw.privacy.register import WITHDRAWN
from wkw.privacy.rules import address_hash
from wkw.privacy.scrub import owner_key_sql
from wkw.privacy.tokens import LEGACY_HASH_CHARS


def _mail_parties() -> Column:
    return F.concat(F.array("sender_email"), "to_emails", "cc_emails", "bcc_emails")


def _meeting_parties() -> Column:
    return F.concat(F.array("organizer_email"), F.transform("attendees", lambda p: p["email"]))


# Bronze tables whose records sit in somebody's mailbox or calendar, and the people in each record.
OWNED_RECORDS = {"mail_messages": _mail_parties, "meetings": _meeting_parties}


def probes(register: DataFrame) -> DataFrame:
    """(probe, request_id): what a party of a record looks like when it is a person of an active request:
    the SHA-256 of an address, their token, or a token of the first form (a SHA-256 prefix)."""
    active = register.where(F.col("status") != WITHDRAWN)
    address = F.explode("address_sha256")
    hashes = active.select(address.alias("probe"), "request_id")
    legacy = hashes.select(
        F.concat(F.lit(REDACTED_PREFIX), F.substring("probe", 1, LEGACY_HASH_CHARS)).alias("probe"),
        "request_id",
    )
    tokens = active.where(F.col("token").isNotNull()).select(F.col("token").alias("probe"), "request_id")
    return hashes.unionByName(legacy).unionByName(tokens).distinct()


def mailbox_owners(records: DataFrame, parties: Column, known: DataFrame) -> DataFrame:
    """(request_id, mailbox_sha256) for each mailbox of `records` owned by a person of `known`."""
    has_mailbox = "mailbox" in records.columns
    party = F.explode(F.array_distinct(parties)).alias("party")
    rows = records.select(F.expr(owner_key_sql(has_mailbox)).alias("mailbox"), party)
    probe = F.when(F.col("party").startswith(REDACTED_PREFIX), F.col("party")).otherwise(
        address_hash("party")
    )
    people = rows.join(F.broadcast(known), on=probe == F.col("probe"), how="left").select(
        "mailbox",
        F.coalesce("request_id", F.lower(F.trim("party"))).alias("person"),
        F.col("request_id").isNotNull().alias("is_known"),
    )
    counted = people.groupBy("mailbox", "person", "is_known").agg(F.count(F.lit(1)).alias("records"))
    ranked = Window.partitionBy("mailbox").orderBy(F.col("records").desc(), "person")
    is_token = F.col("mailbox").startswith(REDACTED_PREFIX)  # already scrubbed: its name is gone
    is_owner = (F.col("rank") == 1) & (F.coalesce(F.col("runner_up"), F.lit(0)) < F.col("records"))
    return (
        counted.select(
            "*",
            F.row_number().over(ranked).alias("rank"),
            F.lead("records").over(ranked).alias("runner_up"),
        )
        .where(is_owner & F.col("is_known") & (F.col("mailbox") != "") & ~is_token)
        .select(F.col("person").alias("request_id"), address_hash(F.col("mailbox")).alias("mailbox_sha256"))
    )


def owned_mailboxes(
    spark: SparkSession, settings: Settings, register: DataFrame, only_ingest_date: date | None
) -> DataFrame:
    """(request_id, mailbox_sha256) found in bronze mail and meetings (only one ingest slice, when given)."""
    found = spark.createDataFrame([], "request_id string, mailbox_sha256 string")
    if register.where(F.col("status") != WITHDRAWN).isEmpty():
        return found  # nobody withheld: no mailbox to look for
    known = probes(register).localCheckpoint()
    for table, parties in OWNED_RECORDS.items():
        records = read_optional(spark, settings, BRONZE, table)
        if records is None:
            continue
        if only_ingest_date is not None:
            records = records.where(F.col("ingest_date") == F.lit(only_ingest_date))
        found = found.unionByName(mailbox_owners(records, parties(), known))
    return found


def with_mailboxes(register: DataFrame, owned: DataFrame) -> DataFrame:
    """The register with the mailbox hashes found tonight added to their requests (none is ever dropped)."""
    found = owned.groupBy("request_id").agg(F.collect_set("mailbox_sha256").alias("found"))
    merged = F.array_sort(
        F.array_union("mailbox_sha256", F.coalesce("found", F.array().cast("array<string>")))
    )
    columns = [merged.alias(c) if c == "mailbox_sha256" else c for c in register.columns]
    return register.join(found, on="request_id", how="left").select(*columns)
