"""Introducers: gold `connection_strength` -> gold `introducers` (the list) and `top_introducers` (the tile).

Per contact, every active colleague who knows them, ranked by strength, then score, then most recent
interaction, then colleague e-mail (a fixed order, so ties never flip between runs). The tile keeps
ranks 1..top_n. Names, titles and CRM ids come from the directory and CRM snapshots in force that day.

    spark-submit jobs/wkw/stages/introducers.py --date 2026-11-26
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.lake import BRONZE, GOLD, read_table, replace_partition, run_stage
from wkw.people import latest_snapshot
from wkw.privacy import withheld_rule
from wkw.privacy_policy import PrivacyPolicy, privacy_policy

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
    policy: PrivacyPolicy | None = None,
) -> DataFrame:
    """The ranked list; inactive and withheld colleagues (opted out, or excluded) are never offered."""
    withheld = F.col("opted_out") if policy is None else withheld_rule(policy, directory).isNotNull()
    colleagues = directory.withColumn("withheld", withheld).select(
        F.col("email").alias("colleague_email"),
        F.col("name").alias("colleague_name"),
        F.col("title").alias("colleague_title"),
        F.col("department").alias("colleague_department"),
        "active",
        "withheld",
    )
    contacts = crm.groupBy("email").agg(F.min(F.struct("crm_id", "crm_type", "name", "company")).alias("crm"))
    offered = (
        strength.join(colleagues, on="colleague_email", how="left")
        .where(F.coalesce("active", F.lit(True)) & ~F.coalesce("withheld", F.lit(False)))
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
        "as_of_date",
        "model_version",
        F.lit(pub_id).alias("publication_id"),
    )


def top_introducers(introducers: DataFrame, top_n: int) -> DataFrame:
    return introducers.where(F.col("rank") <= F.lit(top_n))


def run(spark: SparkSession, settings: Settings, as_of: date) -> None:
    """The stage for one logical date, in an existing session."""
    strength = read_table(spark, settings, GOLD, "connection_strength").where(F.col("as_of_date") == as_of)
    directory = latest_snapshot(read_table(spark, settings, BRONZE, "directory"), as_of)
    crm = latest_snapshot(read_table(spark, settings, BRONZE, "crm"), as_of)
    seen = read_table(spark, settings, GOLD, "contact_names").where(F.col("as_of_date") == as_of)
    names = contact_names(seen)
    pub_id = publication_id(strength, as_of)
    ranked = rank_introducers(strength, directory, crm, names, pub_id, privacy_policy(settings))
    day = f"as_of_date = '{as_of.isoformat()}'"
    replace_partition(ranked, settings.table_path(GOLD, "introducers"), day, ["as_of_date"])
    written = read_table(spark, settings, GOLD, "introducers").where(F.col("as_of_date") == as_of)
    replace_partition(
        top_introducers(written, settings.top_n),
        settings.table_path(GOLD, "top_introducers"),
        day,
        ["as_of_date"],
    )


def main(argv: list[str] | None = None) -> None:
    run_stage("introducers", run, __doc__, argv)


if __name__ == "__main__":
    main()
