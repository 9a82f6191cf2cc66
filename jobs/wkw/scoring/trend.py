"""The tie that is fading: each pair's strength 90 days before the night, its trend and whether it is
dormant (docs/fading.md).

The strength of 90 days ago is the same formula over the interactions dated by then (that have landed by
tonight). Moving every interaction `EARLIER_DAYS` later makes it an ordinary strength: the parts of the
moved interactions on night D are the parts of night D - 90 (the window, the decay and the carry all shift
with them). So the strength stage keeps them as a second carried state (gold/strength_earlier_state,
wkw.scoring.state) with the same incremental nights: a night reads the mail that landed since, the event
day that moves past D - 90 and the one that leaves its window, not the year behind it.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from wkw.config_trend import Trend
from wkw.scoring.parts import PAIR
from wkw.vocabulary import FADING, RISING, STEADY, STRONG, WEAK

EARLIER_DAYS = 90  # strength_90d_ago: the column's name says it


def moved_later(interactions: DataFrame, days: int = EARLIER_DAYS) -> DataFrame:
    """`interactions` dated `days` later (event_date only: the state's days and the decay read it; the
    first and last touch of these parts are never shown). Filters on the moved date still prune silver's
    event-day partitions: the predicate reads the partition column alone."""
    return interactions.withColumn("event_date", F.date_add("event_date", days))


def with_trend(scored: DataFrame, earlier: DataFrame, as_of: date, trend: Trend) -> DataFrame:
    """`scored` (connection_strength rows) with the tie's past and trend: `strength_90d_ago` and
    `band_90d_ago` (from `earlier`: PAIR, strength, band of the same formula 90 days before; 0 and weak for
    a pair not known then), `trend`, `last_interaction` (the UTC date of the last touch) and `dormant`."""
    past = earlier.select(
        *PAIR, F.col("strength").alias("strength_90d_ago"), F.col("band").alias("band_90d_ago")
    )
    joined = scored.join(past, on=PAIR, how="left")
    was = F.coalesce(F.col("strength_90d_ago"), F.lit(0.0))
    change = F.col("strength") - was
    is_rising = change >= F.lit(trend.rising_from - TOLERANCE)
    is_fading = change <= F.lit(-trend.fading_from + TOLERANCE)
    last_day = F.to_date("last_interaction_at")
    is_quiet = F.datediff(F.lit(as_of), last_day) >= F.lit(trend.quiet_days)
    was_strong = F.col("band_90d_ago") == F.lit(STRONG)
    return joined.select(
        *scored.columns,
        was.alias("strength_90d_ago"),
        F.coalesce(F.col("band_90d_ago"), F.lit(WEAK)).alias("band_90d_ago"),
        F.when(is_rising, RISING).when(is_fading, FADING).otherwise(STEADY).alias("trend"),
        last_day.alias("last_interaction"),
        F.coalesce(was_strong & is_quiet, F.lit(False)).alias("dormant"),
    )


# Strengths are rounded to 6 decimals: a change of exactly the threshold counts as reaching it.
TOLERANCE = 1e-9
