"""Strength: silver interactions -> gold `connection_strength`, one scored row per (colleague, contact).

The score is a recency-decayed, weighted sum that can be carried forward night to night:
    score(t) = reciprocity * sum(weight(channel, direction) * audience^-damping * 2^(-age_days / half_life))
    strength = 1 - exp(-score / saturation),   band by the thresholds in conf/wkw.toml [model.bands]
Every row carries its receipts (mails each way, meetings, calls, active days, first and last touch).
See docs/strength.md for the formula and its parameters.

    spark-submit jobs/wkw/stages/strength.py --date 2026-11-26
"""

from __future__ import annotations

import math
from datetime import date

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.lake import GOLD, SILVER, read_table, replace_partition, run_stage

SCORE_DECIMALS = 9
STRENGTH_DECIMALS = 6
STRONG, MODERATE, WEAK = "strong", "moderate", "weak"


def interaction_weight(model: dict) -> Column:
    """Weight of one interaction by channel and direction (seen from the colleague)."""
    return (
        F.when(
            (F.col("channel") == "mail") & (F.col("direction") == "sent"), F.lit(model["weight_mail_sent"])
        )
        .when(F.col("channel") == "mail", F.lit(model["weight_mail_received"]))
        .when(F.col("channel") == "meeting", F.lit(model["weight_meeting"]))
        .when(F.col("channel") == "call", F.lit(model["weight_call"]))
        .otherwise(F.lit(0.0))
    )


def decayed_terms(interactions: DataFrame, as_of: date, model: dict) -> DataFrame:
    """Each interaction in the look-back window with its decayed, damped, weighted contribution."""
    age_days = F.datediff(F.lit(as_of), F.col("event_date"))
    in_window = (age_days >= 0) & (age_days < F.lit(int(model["lookback_days"])))
    decay = F.exp(F.lit(-math.log(2.0) / float(model["half_life_days"])) * age_days)
    damping = F.pow(
        F.greatest(F.col("audience"), F.lit(1)).cast("double"), F.lit(-float(model["audience_damping"]))
    )
    return interactions.where(in_window).select(
        "colleague_email",
        "contact_email",
        "event_date",
        "event_at",
        "channel",
        "direction",
        (interaction_weight(model) * damping * decay).alias("term"),
    )


def aggregate_pairs(terms: DataFrame) -> DataFrame:
    """Raw decayed sum and receipts per (colleague, contact)."""
    is_mail = F.col("channel") == "mail"
    last = F.max(F.struct("event_at", "channel"))
    return terms.groupBy("colleague_email", "contact_email").agg(
        F.sum("term").alias("raw_score"),
        F.count_if(is_mail & (F.col("direction") == "sent")).alias("mails_sent"),
        F.count_if(is_mail & (F.col("direction") == "received")).alias("mails_received"),
        F.count_if(F.col("channel") == "meeting").alias("meetings"),
        F.count_if(F.col("channel") == "call").alias("calls"),
        F.count_distinct("event_date").alias("active_days"),
        F.min("event_at").alias("first_interaction_at"),
        last.getField("event_at").alias("last_interaction_at"),
        last.getField("channel").alias("last_interaction_channel"),
    )


def band(strength: Column, bands: dict) -> Column:
    return (
        F.when(strength >= F.lit(float(bands["strong"])), STRONG)
        .when(strength >= F.lit(float(bands["moderate"])), MODERATE)
        .otherwise(WEAK)
    )


def score_pairs(pairs: DataFrame, as_of: date, model: dict, bands: dict) -> DataFrame:
    """Reciprocity, normalised strength in [0, 1) and band; the published column order."""
    is_two_way = (
        ((F.col("mails_sent") > 0) & (F.col("mails_received") > 0))
        | (F.col("meetings") > 0)
        | (F.col("calls") > 0)
    )
    reciprocity = F.when(is_two_way, F.lit(1.0)).otherwise(F.lit(float(model["one_way_factor"])))
    score = F.round(F.col("raw_score") * reciprocity, SCORE_DECIMALS)
    strength = F.round(1.0 - F.exp(-score / F.lit(float(model["saturation"]))), STRENGTH_DECIMALS)
    scored = pairs.select("*", is_two_way.alias("two_way"), score.alias("score")).withColumn(
        "strength", strength
    )
    return scored.select(
        "colleague_email",
        "contact_email",
        "score",
        "strength",
        band(F.col("strength"), bands).alias("band"),
        F.col("mails_sent").cast("long").alias("mails_sent"),
        F.col("mails_received").cast("long").alias("mails_received"),
        F.col("meetings").cast("long").alias("meetings"),
        F.col("calls").cast("long").alias("calls"),
        F.col("active_days").cast("long").alias("active_days"),
        "first_interaction_at",
        "last_interaction_at",
        "last_interaction_channel",
        "two_way",
        F.lit(as_of).alias("as_of_date"),
        F.lit(str(model["version"])).alias("model_version"),
    )


def connection_strength(interactions: DataFrame, as_of: date, model: dict, bands: dict) -> DataFrame:
    return score_pairs(aggregate_pairs(decayed_terms(interactions, as_of, model)), as_of, model, bands)


def run(spark: SparkSession, settings: Settings, as_of: date) -> None:
    """The stage for one logical date, in an existing session."""
    interactions = read_table(spark, settings, SILVER, "interactions")
    scored = connection_strength(interactions, as_of, settings.model, settings.bands)
    day = f"as_of_date = '{as_of.isoformat()}'"
    replace_partition(scored, settings.table_path(GOLD, "connection_strength"), day, ["as_of_date"])


def main(argv: list[str] | None = None) -> None:
    run_stage("strength", run, __doc__, argv)


if __name__ == "__main__":
    main()
