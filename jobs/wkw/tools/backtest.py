"""Backtest: does the strength as of a date name the colleagues who really deal with a contact next?

For each external contact known to at least two colleagues before the as-of date and touched again in
the horizon after it, the colleagues who knew the contact are ranked three ways (the model's strength,
the raw message count of the "most communication" rule, and recency only); relevant = those who interact
with the contact within the horizon. Reported: precision@5, NDCG@5 and MRR per method.

    wkw backtest --as-of 2001-06-01 --horizon-days 90 [--json]
"""

from __future__ import annotations

from datetime import date, timedelta

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from wkw.scoring.strength import connection_strength

K = 5
MIN_KNOWN_BY = 2
METHODS = ("model", "raw_count", "recency")


def _known_before(interactions: DataFrame, as_of: date, model: dict, bands: dict) -> DataFrame:
    """Per (colleague, contact) known before as_of: the three ranking keys."""
    scored = connection_strength(interactions, as_of, model, bands)
    return scored.select(
        "colleague_email",
        "contact_email",
        F.col("strength").alias("model"),
        (F.col("mails_sent") + F.col("mails_received") + F.col("meetings") + F.col("calls")).alias(
            "raw_count"
        ),
        F.col("last_interaction_at").cast("long").alias("recency"),
    )


def _relevant(interactions: DataFrame, as_of: date, horizon_days: int) -> DataFrame:
    after = F.col("event_date") > F.lit(as_of)
    until = F.col("event_date") <= F.lit(as_of + timedelta(days=horizon_days))
    return interactions.where(after & until).select("colleague_email", "contact_email").distinct()


def evaluate(interactions: DataFrame, as_of: date, horizon_days: int, model: dict, bands: dict) -> dict:
    """Mean precision@5, NDCG@5 and MRR per method, and how many contacts were evaluated."""
    known = _known_before(interactions, as_of, model, bands)
    relevant = _relevant(interactions, as_of, horizon_days).withColumn("is_relevant", F.lit(1))
    eligible = (
        known.groupBy("contact_email")
        .agg(F.count(F.lit(1)).alias("known_by"))
        .where(F.col("known_by") >= MIN_KNOWN_BY)
        .select("contact_email")
    )
    candidates = known.join(eligible, on="contact_email", how="inner").join(
        relevant, on=["colleague_email", "contact_email"], how="left"
    )
    candidates = candidates.withColumn("is_relevant", F.coalesce("is_relevant", F.lit(0))).cache()
    with_relevant = (
        candidates.groupBy("contact_email")
        .agg(F.sum("is_relevant").alias("relevant_known"))
        .where(F.col("relevant_known") > 0)
    )
    results: dict = {"as_of": as_of.isoformat(), "horizon_days": horizon_days, "k": K}
    for method in METHODS:
        order = Window.partitionBy("contact_email").orderBy(
            F.col(method).desc(), F.col("colleague_email").asc()
        )
        ranked = candidates.join(with_relevant, on="contact_email", how="inner").withColumn(
            "rank", F.row_number().over(order)
        )
        gain = F.when(F.col("rank") <= K, F.col("is_relevant") / F.log2(F.col("rank") + 1)).otherwise(0.0)
        per_contact = ranked.groupBy("contact_email", "relevant_known").agg(
            (F.sum(F.when(F.col("rank") <= K, F.col("is_relevant")).otherwise(0)) / K).alias("precision"),
            F.sum(gain).alias("dcg"),
            F.min(F.when(F.col("is_relevant") == 1, F.col("rank"))).alias("first_hit"),
        )
        ideal_dcg = F.aggregate(
            F.sequence(F.lit(1), F.least(F.col("relevant_known"), F.lit(K)).cast("int")),
            F.lit(0.0),
            lambda acc, i: acc + 1.0 / F.log2(i + 1),
        )
        summary = per_contact.agg(
            F.count(F.lit(1)).alias("contacts"),
            F.avg("precision").alias("precision_at_5"),
            F.avg(F.col("dcg") / ideal_dcg).alias("ndcg_at_5"),
            F.avg(1.0 / F.col("first_hit")).alias("mrr"),
        ).first()
        results["contacts"] = summary.contacts
        results[method] = {
            "precision_at_5": round(summary.precision_at_5 or 0.0, 4),
            "ndcg_at_5": round(summary.ndcg_at_5 or 0.0, 4),
            "mrr": round(summary.mrr or 0.0, 4),
        }
    candidates.unpersist()
    return results
