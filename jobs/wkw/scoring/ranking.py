"""Ranking: per contact, every colleague who knows them in a fixed order, the list view and the tile,
with names, titles and CRM ids from the snapshots in force that day, and the publication's content id."""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from wkw.privacy.rules import is_withheld

RECEIPTS = [
    "mails_sent",
    "mails_received",
    "meetings",
    "calls",
    "active_days",
    "first_interaction_at",
    "last_interaction_at",
    "last_interaction_channel",
    "two_way",
]
# The tie's past (wkw.scoring.trend): carried from connection_strength to the list and the tile.
TREND = ["strength_90d_ago", "band_90d_ago", "trend", "last_interaction", "dormant"]


def rank_order() -> list:
    """Strongest first; ties by score, then most recent interaction, then colleague e-mail."""
    return [
        F.col("strength").desc(),
        F.col("score").desc(),
        F.col("last_interaction_at").desc(),
        F.col("colleague_email").asc(),
    ]


def publication_id(strength: DataFrame, as_of: date) -> str:
    """A content fingerprint: the same scores on the same date give the same id, different ones do not."""
    row_hash = F.xxhash64("colleague_email", "contact_email", "score", "model_version")
    fingerprint = strength.agg(F.coalesce(F.bit_xor(row_hash), F.lit(0)).alias("fp")).first()["fp"]
    return f"{as_of.isoformat()}-{fingerprint & 0xFFFFFFFFFFFFFFFF:016x}"


def contact_names(counted: DataFrame) -> DataFrame:
    """The display name a contact is most often seen with (ties: alphabetical), from `counted`
    (contact_email, contact_name, times: the strength stage's `gold/contact_names` of the night, over the
    look-back window)."""
    best = Window.partitionBy("contact_email").orderBy(F.col("times").desc(), F.col("contact_name").asc())
    return (
        counted.withColumn("pick", F.row_number().over(best))
        .where("pick = 1")
        .select("contact_email", F.col("contact_name").alias("seen_name"))
    )


def rank_introducers(
    strength: DataFrame,
    directory: DataFrame,
    crm: DataFrame,
    names: DataFrame,
    pub_id: str,
) -> DataFrame:
    """The ranked list; inactive and withheld colleagues (`directory` from wkw.privacy.rules.colleagues_on)
    are never offered. A company that gives a directory offers its users only: an internal-domain address
    the directory does not list (an alias added after an opt-out, a scrubbed colleague, a shared mailbox)
    is nobody's introducer. A company without a directory (internal domains only) offers every colleague
    address it found."""
    colleagues = directory.withColumn("withheld", is_withheld()).select(
        F.col("email").alias("colleague_email"),
        F.col("name").alias("colleague_name"),
        F.col("title").alias("colleague_title"),
        F.col("department").alias("colleague_department"),
        "active",
        "withheld",
        F.lit(True).alias("listed"),
    )
    contacts = crm.groupBy("email").agg(F.min(F.struct("crm_id", "crm_type", "name", "company")).alias("crm"))
    # One row, computed with the plan: no driver-side job to ask whether a directory was given.
    given = directory.agg((F.count(F.lit(1)) > 0).alias("directory_given"))
    listed_or_no_directory = F.col("listed").isNotNull() | ~F.col("directory_given")
    is_offered = (
        listed_or_no_directory & F.coalesce("active", F.lit(True)) & ~F.coalesce("withheld", F.lit(False))
    )
    offered = (
        strength.join(colleagues, on="colleague_email", how="left")
        .crossJoin(F.broadcast(given))
        .where(is_offered)
        .join(contacts, on=strength["contact_email"] == contacts["email"], how="left")
        .join(names, on="contact_email", how="left")
    )
    by_contact = Window.partitionBy("contact_email").orderBy(*rank_order())
    return offered.select(
        "contact_email",
        F.coalesce(F.col("crm.name"), F.col("seen_name")).alias("contact_name"),
        F.col("crm.company").alias("contact_company"),
        F.col("crm.crm_id").alias("crm_id"),
        F.col("crm.crm_type").alias("crm_type"),
        F.row_number().over(by_contact).cast("int").alias("rank"),
        "colleague_email",
        "colleague_name",
        "colleague_title",
        "colleague_department",
        "strength",
        "score",
        "band",
        *RECEIPTS,
        *TREND,
        "as_of_date",
        "model_version",
        F.lit(pub_id).alias("publication_id"),
    )


def top_introducers(introducers: DataFrame, top_n: int) -> DataFrame:
    return introducers.where(F.col("rank") <= F.lit(top_n))
