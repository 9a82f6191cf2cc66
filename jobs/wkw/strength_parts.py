"""The parts of a (colleague, contact) score that can be carried from night to night.

A pair's score on day D is a sum of decayed terms, so it is kept as parts (docs/strength.md, "Incremental
nights"): the decayed sum itself, the counts, the active days of the look-back window (each with its first
touch) and the last touch, and how often each display name was seen. Parts of the same pair add up, a
decayed sum moves from one day to a later one by a single factor, and parts of interactions that leave the
window are subtracted. The same functions build the parts from all history (a full recompute) and from one
night's interactions, so both give the same receipts, and scores that agree to 1e-9.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

PAIR = ["colleague_email", "contact_email"]
NO_NAMES = "map<string,bigint>"
DAY = "struct<event_date:date,first_at:timestamp>"
COUNTS = ("mails_sent", "mails_received", "meetings", "calls")
BROADCAST_PAIRS = 1_000_000  # above this many touched pairs, both sides are shuffled


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


def decay_to(as_of: date, model: dict, event_date: Column) -> Column:
    """2^(-age / half_life), age in days from `event_date` to `as_of`."""
    rate = -math.log(2.0) / float(model["half_life_days"])
    return F.exp(F.lit(rate) * F.datediff(F.lit(as_of), event_date))


def carry_factor(since: date, as_of: date, model: dict) -> float:
    """The factor that moves a decayed sum from `since` to `as_of`."""
    return 2.0 ** (-(as_of - since).days / float(model["half_life_days"]))


def window_start(as_of: date, model: dict) -> date:
    """The first day of the look-back window ending on `as_of` (the window holds lookback_days days)."""
    return as_of - timedelta(days=int(model["lookback_days"]) - 1)


def in_window(as_of: date, model: dict) -> Column:
    return F.col("event_date").between(F.lit(window_start(as_of, model)), F.lit(as_of))


def pair_parts(rows: DataFrame, as_of: date, model: dict) -> DataFrame:
    """Parts per pair of `rows` (interactions), their terms decayed to `as_of`. No window is applied here."""
    damping = F.pow(
        F.greatest(F.col("audience"), F.lit(1)).cast("double"), F.lit(-float(model["audience_damping"]))
    )
    term = interaction_weight(model) * damping * decay_to(as_of, model, F.col("event_date"))
    is_mail = F.col("channel") == "mail"
    days = rows.groupBy(*PAIR, "event_date").agg(
        F.sum(term).alias("raw_score"),
        F.count_if(is_mail & (F.col("direction") == "sent")).alias("mails_sent"),
        F.count_if(is_mail & (F.col("direction") == "received")).alias("mails_received"),
        F.count_if(F.col("channel") == "meeting").alias("meetings"),
        F.count_if(F.col("channel") == "call").alias("calls"),
        F.min("event_at").alias("first_at"),
        F.max(F.struct("event_at", "channel")).alias("last"),
    )
    parts = days.groupBy(*PAIR).agg(
        F.sum("raw_score").alias("raw_score"),
        *[F.sum(name).alias(name) for name in COUNTS],
        F.array_sort(F.collect_list(F.struct("event_date", "first_at"))).alias("days"),
        F.max("last").alias("last"),
    )
    named = rows.where(F.col("contact_name").isNotNull() & (F.trim("contact_name") != ""))
    names = (
        named.groupBy(*PAIR, "contact_name")
        .agg(F.count(F.lit(1)).alias("times"))
        .groupBy(*PAIR)
        .agg(F.map_from_entries(F.collect_list(F.struct("contact_name", "times"))).alias("names"))
    )
    return parts.join(names, on=PAIR, how="left").select(
        *PAIR,
        "raw_score",
        *COUNTS,
        "days",
        "last",
        F.coalesce("names", F.lit(None).cast(NO_NAMES)).alias("names"),
    )


def _days_merged(left: Column, right: Column | None, since: date | None) -> Column:
    """Active days of both sides (one entry per day, its earliest first touch), from `since` on, sorted."""
    none = F.array().cast(f"array<{DAY}>")
    both = (
        F.coalesce(left, none) if right is None else F.concat(F.coalesce(left, none), F.coalesce(right, none))
    )
    if since is not None:
        both = F.filter(both, lambda day: day["event_date"] >= F.lit(since))
    dates = F.array_sort(F.array_distinct(F.transform(both, lambda day: day["event_date"])))
    return F.transform(
        dates,
        lambda d: F.struct(
            d.alias("event_date"),
            F.array_min(
                F.transform(F.filter(both, lambda day: day["event_date"] == d), lambda x: x["first_at"])
            ).alias("first_at"),
        ),
    )


def _names_merged(left: Column, right: Column, sign: int) -> Column:
    empty = F.create_map().cast(NO_NAMES)
    merged = F.map_zip_with(
        F.coalesce(left, empty),
        F.coalesce(right, empty),
        lambda _, a, b: F.coalesce(a, F.lit(0)) + F.lit(sign) * F.coalesce(b, F.lit(0)),
    )
    return F.map_filter(merged, lambda _, times: times > 0)


def combine(left: DataFrame, right: DataFrame, since: date | None = None, sign: int = 1) -> DataFrame:
    """Parts of both frames added per pair, active days before `since` dropped; with `sign=-1`, `right`
    holds interactions leaving the window: their sums, counts and names are subtracted (their days are
    the ones `since` drops). A pair with no active day left is gone."""
    a, b = left.alias("a"), right.alias("b")
    merged = a.join(b, on=PAIR, how="full_outer")
    days = _days_merged(F.col("a.days"), F.col("b.days") if sign > 0 else None, since)
    out = merged.select(
        *PAIR,
        (
            F.coalesce("a.raw_score", F.lit(0.0)) + F.lit(float(sign)) * F.coalesce("b.raw_score", F.lit(0.0))
        ).alias("raw_score"),
        *[
            (F.coalesce(f"a.{name}", F.lit(0)) + F.lit(sign) * F.coalesce(f"b.{name}", F.lit(0))).alias(name)
            for name in COUNTS
        ],
        days.alias("days"),
        (F.greatest("a.last", "b.last") if sign > 0 else F.col("a.last")).alias("last"),
        _names_merged(F.col("a.names"), F.col("b.names"), sign).alias("names"),
    )
    return out.where(F.size("days") > 0)


def merge_into(big: DataFrame, small: DataFrame, since: date | None = None, sign: int = 1) -> DataFrame:
    """`combine(big, small, since, sign)` without moving `big` when `small` is small: the pairs of `big`
    that `small` does not touch pass through as they are (a night's cost follows the night), the others
    are combined. `since` must not drop days of untouched pairs (the carry reads every leaving day)."""
    keys = small.select(*PAIR).distinct()
    if keys.count() > BROADCAST_PAIRS:
        return combine(big, small, since, sign)
    keys = F.broadcast(keys)
    untouched = big.join(keys, on=PAIR, how="left_anti")
    touched = big.join(keys, on=PAIR, how="left_semi")
    return untouched.unionByName(combine(touched, small, since, sign).select(*big.columns))


def decayed(parts: DataFrame, since: date, as_of: date, model: dict) -> DataFrame:
    """Parts of `since` moved to `as_of`: the decayed sum multiplied by one factor, nothing else changes."""
    return parts.withColumn("raw_score", F.col("raw_score") * F.lit(carry_factor(since, as_of, model)))


def receipts(parts: DataFrame) -> DataFrame:
    """The columns `score_pairs` reads, from parts."""
    return parts.select(
        *PAIR,
        "raw_score",
        *COUNTS,
        F.size("days").alias("active_days"),
        F.array_min(F.transform("days", lambda day: day["first_at"])).alias("first_interaction_at"),
        F.col("last.event_at").alias("last_interaction_at"),
        F.col("last.channel").alias("last_interaction_channel"),
    )


def seen_names(parts: DataFrame) -> DataFrame:
    """(contact_email, contact_name, times) summed over every row of `parts` (contact_email, names)."""
    return (
        parts.select("contact_email", F.explode("names").alias("contact_name", "times"))
        .groupBy("contact_email", "contact_name")
        .agg(F.sum("times").alias("times"))
    )
