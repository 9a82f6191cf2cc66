"""The parts of a (colleague, contact) score that can be carried from night to night.

A pair's score on day D is a sum of decayed terms, so it is kept as parts (docs/strength.md, "Incremental
nights"): the decayed sum itself, the counts, the active days of the look-back window (each with its first
touch) and the last touch, and how often each display name was seen. Parts of the same pair add up, a
decayed sum moves from one day to a later one by a single factor, and parts of interactions that leave the
window are subtracted. The same functions build the parts from all history (a full recompute) and from one
night's interactions, so both give the same receipts, and scores that agree to 1e-9.

Parts also hold `active_days` and `first_at` (the size of `days` and its earliest first touch): the receipts
of a pair are read from them without reading its days, which only a pair the night changes needs.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from wkw.vocabulary import CALL, CHANNELS, MAIL, MEETING, RECEIVED, SENT

PAIR = ["colleague_email", "contact_email"]
NO_NAMES = "map<string,bigint>"
DAY = "struct<event_date:date,first_at:timestamp>"
COUNTS = ("mails_sent", "mails_received", "meetings", "calls")
BROADCAST_PAIRS = 1_000_000  # above this many touched pairs, both sides are shuffled


def interaction_weight(model: dict) -> Column:
    """Weight of one interaction by channel and direction (seen from the colleague)."""
    return (
        F.when((F.col("channel") == MAIL) & (F.col("direction") == SENT), F.lit(model["weight_mail_sent"]))
        .when(F.col("channel") == MAIL, F.lit(model["weight_mail_received"]))
        .when(F.col("channel") == MEETING, F.lit(model["weight_meeting"]))
        .when(F.col("channel") == CALL, F.lit(model["weight_call"]))
        .otherwise(F.lit(0.0))
    )


def decay_to(as_of: date, model: dict, event_date: Column) -> Column:
    """2^(-age / half_life), age in days from `event_date` to `as_of`."""
    rate = -math.log(2.0) / float(model["half_life_days"])
    return F.exp(F.lit(rate) * F.datediff(F.lit(as_of), event_date))


def window_start(as_of: date, model: dict) -> date:
    """The first day of the look-back window ending on `as_of` (the window holds lookback_days days)."""
    return as_of - timedelta(days=int(model["lookback_days"]) - 1)


def in_window(as_of: date, model: dict) -> Column:
    return F.col("event_date").between(F.lit(window_start(as_of, model)), F.lit(as_of))


def _channel_array(channels: tuple[str, ...]) -> Column:
    return F.array(*[F.lit(channel) for channel in channels])


def _last_code(channels: tuple[str, ...] = CHANNELS) -> Column:
    """The touch as one number that orders as struct(event_at, channel) does: microseconds since the epoch
    times len(channels), plus the channel's rank (channels sorted, as a tie at one instant is broken by
    the channel's name). A number keeps the per-day aggregation a hash aggregation (a struct in its buffer
    turns it into a sort)."""
    rank = F.array_position(_channel_array(channels), F.col("channel")) - 1
    return F.unix_micros("event_at") * F.lit(len(channels)) + rank


def _last_touch(code: str, channels: tuple[str, ...] = CHANNELS) -> Column:
    """struct(event_at, channel) back from the `_last_code` column named `code` (integer arithmetic only,
    exact for times before 1970 too)."""
    n = len(channels)
    micros = F.expr(f"({code} - pmod({code}, {n})) div {n}")
    rank = F.pmod(F.col(code), F.lit(n)).cast("int")
    return F.struct(
        F.timestamp_micros(micros).alias("event_at"),
        F.element_at(_channel_array(channels), rank + 1).alias("channel"),
    )


def pair_parts(rows: DataFrame, as_of: date, model: dict) -> DataFrame:
    """Parts per pair of `rows` (interactions), their terms decayed to `as_of`. No window is applied here."""
    damping = F.pow(
        F.greatest(F.col("audience"), F.lit(1)).cast("double"), F.lit(-float(model["audience_damping"]))
    )
    term = interaction_weight(model) * damping * decay_to(as_of, model, F.col("event_date"))
    is_mail = F.col("channel") == MAIL
    # One scan and one shuffle of the rows, by pair: every aggregation below is keyed by the pair (and
    # more), so none moves rows again. Days and display names come out of the same two aggregations.
    rows = rows.select(*PAIR, "event_date", "event_at", "channel", "direction", "audience", "contact_name")
    rows = rows.repartition(*PAIR)
    named = F.col("contact_name").isNotNull() & (F.trim("contact_name") != "")
    daily = rows.groupBy(*PAIR, "event_date", "contact_name").agg(
        F.sum(term).alias("raw_score"),
        F.count_if(is_mail & (F.col("direction") == SENT)).alias("mails_sent"),
        F.count_if(is_mail & (F.col("direction") == RECEIVED)).alias("mails_received"),
        F.count_if(F.col("channel") == MEETING).alias("meetings"),
        F.count_if(F.col("channel") == CALL).alias("calls"),
        F.min("event_at").alias("first_at"),
        F.max(_last_code()).alias("last_code"),
        F.count(F.lit(1)).alias("times"),
    )
    parts = daily.groupBy(*PAIR).agg(
        F.sum("raw_score").alias("raw_score"),
        *[F.sum(name).alias(name) for name in COUNTS],
        F.array_sort(F.collect_list(F.struct("event_date", "first_at"))).alias("days"),
        F.max("last_code").alias("last_code"),
        F.collect_list(F.when(named, F.struct("contact_name", "times"))).alias("name_entries"),
    )
    # A day seen under two display names is two entries: keep its first touch once.
    return summarised(
        parts.select(
            *PAIR,
            "raw_score",
            *COUNTS,
            _first_of_each_day("days").alias("days"),
            _last_touch("last_code").alias("last"),
            _names_counted("name_entries").alias("names"),
        )
    )


def summarised(parts: DataFrame) -> DataFrame:
    """Parts with `active_days` and `first_at` from their `days`, in the order of the state's columns."""
    return parts.select(
        *PAIR,
        "raw_score",
        *COUNTS,
        F.size("days").alias("active_days"),
        F.array_min(F.transform("days", lambda day: day["first_at"])).alias("first_at"),
        "days",
        "last",
        "names",
    )


def _names_counted(entries: str) -> Column:
    """name -> times from the column `entries` of (contact_name, times), a name summed over its entries;
    null when there is none (as a pair without a display name has no names)."""
    names = F.array_distinct(F.transform(F.col(entries), lambda entry: entry["contact_name"]))
    times = F.transform(
        names,
        lambda name: F.aggregate(
            F.filter(F.col(entries), lambda entry: entry["contact_name"] == name),
            F.lit(0).cast("long"),
            lambda total, entry: total + entry["times"],
        ),
    )
    return F.when(F.size(F.col(entries)) > 0, F.map_from_arrays(names, times))


def _days_sorted(left: Column, right: Column, since: date | None) -> Column:
    """Active days of both sides from `since` on, sorted by day and then first touch (a day may be twice:
    `_first_of_each_day` keeps its first)."""
    none = F.array().cast(f"array<{DAY}>")
    both = F.concat(F.coalesce(left, none), F.coalesce(right, none))
    if since is not None:
        both = F.filter(both, lambda day: day["event_date"] >= F.lit(since))
    return F.array_sort(both)


def _first_of_each_day(days: str) -> Column:
    """The column `days` (from `_days_sorted`) with one entry per day, its earliest first touch: linear,
    each entry compared with the one before it."""
    return F.filter(
        F.col(days),
        lambda day, i: (i == 0) | (F.element_at(F.col(days), i)["event_date"] != day["event_date"]),
    )


def _names_added(left: Column, right: Column, sign: int = 1, positive_only: bool = True) -> Column:
    """Name counts of `left` plus (or, `sign=-1`, minus) those of `right`; names left at zero are dropped,
    and so are negative counts unless `positive_only` is False (a night's change can be negative)."""
    empty = F.create_map().cast(NO_NAMES)
    merged = F.map_zip_with(
        F.coalesce(left, empty),
        F.coalesce(right, empty),
        lambda _, a, b: F.coalesce(a, F.lit(0)) + F.lit(sign) * F.coalesce(b, F.lit(0)),
    )
    return F.map_filter(merged, lambda _, times: (times > 0) if positive_only else (times != 0))


def _sums(sign: int) -> list[Column]:
    """The decayed sum and the counts of joined sides `a` and `b`: a + b, or a - b (`sign=-1`)."""
    zeros = {"raw_score": F.lit(0.0), **{count: F.lit(0) for count in COUNTS}}
    return [
        (F.coalesce(f"a.{name}", zero) + F.lit(sign) * F.coalesce(f"b.{name}", zero)).alias(name)
        for name, zero in zeros.items()
    ]


def night_change(arriving: DataFrame, leaving: DataFrame) -> DataFrame:
    """A night's change of the parts, per pair: the parts of the interactions that entered the window
    minus those of the ones that left it. Its active days and last touch are the arrivals' (the days that
    leave are before the window, and `combine` drops them with `since`); its sums, counts and name counts
    can be negative. Both sides hold a night's pairs, so this is small."""
    a, b = arriving.alias("a"), leaving.alias("b")
    return a.join(b, on=PAIR, how="full_outer").select(
        *PAIR,
        *_sums(sign=-1),
        F.col("a.days").alias("days"),
        F.col("a.last").alias("last"),
        _names_added(F.col("a.names"), F.col("b.names"), sign=-1, positive_only=False).alias("names"),
    )


def combine(
    left: DataFrame, right: DataFrame, since: date | None = None, keep_gone: bool = False
) -> DataFrame:
    """Parts of both frames added per pair (`right` may be a `night_change`), active days before `since`
    dropped. A pair with no active day left is gone, or with `keep_gone` kept with `active_days` 0 (a
    tombstone: the state's change layers say so of a pair that left)."""
    a, b = left.alias("a"), right.alias("b")
    merged = a.join(b, on=PAIR, how="full_outer")
    out = merged.select(
        *PAIR,
        *_sums(sign=1),
        _days_sorted(F.col("a.days"), F.col("b.days"), since).alias("days"),
        F.greatest("a.last", "b.last").alias("last"),
        _names_added(F.col("a.names"), F.col("b.names")).alias("names"),
    )
    # Emptiness first: a filter above the de-duplication would inline the sort into its every step.
    if not keep_gone:
        out = out.where(F.size("days") > 0)
    return summarised(out.withColumn("days", _first_of_each_day("days")))


def merge_into(big: DataFrame, small: DataFrame, since: date | None = None) -> DataFrame:
    """`combine(big, small, since)` without moving `big` when `small` is small: the pairs of `big` that
    `small` does not touch pass through as they are (a night's cost follows the night), the others are
    combined. `since` must not drop days of untouched pairs (the carry reads every leaving day). `small`
    is read twice (its pairs are counted first): pass it checkpointed when it is costly to compute. With
    nothing in `small`, `big` is returned as it is."""
    keys = small.select(*PAIR).distinct()
    touched = keys.count()
    if touched == 0:
        return big
    if touched > BROADCAST_PAIRS:
        return combine(big, small, since)
    keys = F.broadcast(keys)
    untouched = big.join(keys, on=PAIR, how="left_anti")
    touched = big.join(keys, on=PAIR, how="left_semi")
    return untouched.unionByName(combine(touched, small, since).select(*big.columns))


def decayed(parts: DataFrame, since: Column, as_of: date, model: dict) -> DataFrame:
    """Parts whose decayed sums are of the day `since` (a date column or literal), moved to `as_of`: the
    sum multiplied by 2^(-days / half_life), nothing else changes."""
    age = F.datediff(F.lit(as_of), since).cast("double")
    factor = F.pow(F.lit(2.0), -age / F.lit(float(model["half_life_days"])))
    return parts.withColumn("raw_score", F.col("raw_score") * factor)


def receipts(parts: DataFrame) -> DataFrame:
    """The columns `score_pairs` reads, from parts (not their days: their summary)."""
    return parts.select(
        *PAIR,
        "raw_score",
        *COUNTS,
        "active_days",
        F.col("first_at").alias("first_interaction_at"),
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
