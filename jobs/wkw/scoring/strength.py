"""Connection strength from interactions: the recency-decayed, weighted, reciprocity-aware score per
(colleague, contact), its normalised strength and band, and the receipts (docs/strength.md)."""

from __future__ import annotations

from datetime import date, timedelta

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from wkw.config_trend import Trend
from wkw.scoring.parts import (
    decayed,
    in_window,
    merge_into,
    night_change,
    pair_parts,
    receipts,
    window_start,
)
from wkw.scoring.trend import moved_later, with_trend
from wkw.vocabulary import MODERATE, STRONG, WEAK

SCORE_DECIMALS = 9


STRENGTH_DECIMALS = 6


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


def known_by(interactions: DataFrame, as_of: date) -> DataFrame:
    """What had landed by the logical date (a rerun of an old night ignores later nights' mail)."""
    if "ingest_date" in interactions.columns:
        return interactions.where(F.col("ingest_date") <= F.lit(as_of))
    return interactions


def all_parts(interactions: DataFrame, as_of: date, model: dict) -> DataFrame:
    """Parts of every pair from all history: the full recompute."""
    return pair_parts(known_by(interactions, as_of).where(in_window(as_of, model)), as_of, model)


def connection_strength(
    interactions: DataFrame, as_of: date, model: dict, bands: dict, trend: Trend | None = None
) -> DataFrame:
    """The scored pairs of `interactions` on `as_of`, computed from all of them; with `trend`, also the
    strength 90 days before and the trend (wkw.scoring.trend), as the strength stage publishes them."""
    scored = score_pairs(receipts(all_parts(interactions, as_of, model)), as_of, model, bands)
    if trend is None:
        return scored
    moved = moved_later(interactions)
    earlier = score_pairs(receipts(all_parts(moved, as_of, model)), as_of, model, bands)
    return with_trend(scored, earlier, as_of, trend)


def mail_change(since: date, mail: DataFrame, as_of: date, model: dict) -> DataFrame:
    """The night's change of the mail parts from `since` to `as_of` (`night_change`): the mail counted
    tonight that was not counted then, minus the mail that left the window. Only those days and nights
    are read (event days by partition, ingest nights by file statistics)."""
    start = window_start(as_of, model)
    counted_then = F.col("ingest_date") <= F.lit(since)
    last_gone = min(start - timedelta(days=1), since)
    leaving = mail.where(
        counted_then & F.col("event_date").between(F.lit(window_start(since, model)), F.lit(last_gone))
    )
    landed = mail.where(
        (F.col("ingest_date") > F.lit(since))
        & (F.col("ingest_date") <= F.lit(as_of))
        & in_window(as_of, model)
    )
    # Mail that landed by `since` but is dated after it (sent "tomorrow" by a skewed clock) enters now.
    first_new = max(since + timedelta(days=1), start)
    dated_later = mail.where(counted_then & F.col("event_date").between(F.lit(first_new), F.lit(as_of)))
    arriving = pair_parts(landed.unionByName(dated_later), as_of, model)
    return night_change(arriving, pair_parts(leaving, as_of, model))


def carried_mail(state: DataFrame, since: date, mail: DataFrame, as_of: date, model: dict) -> DataFrame:
    """The mail parts of `as_of` from those of `since` (every pair): decayed, plus the night's change,
    merged in one pass over the state."""
    # Computed once and kept (a night's pairs): merge_into counts it, then joins it.
    change = mail_change(since, mail, as_of, model).localCheckpoint()
    return merge_into(decayed(state, F.lit(since), as_of, model), change, window_start(as_of, model))
