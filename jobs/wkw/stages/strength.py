"""Strength: silver interactions -> gold `connection_strength`, one scored row per (colleague, contact).

The score is a recency-decayed, weighted sum that can be carried forward night to night:
    score(t) = reciprocity * sum(weight(channel, direction) * audience^-damping * 2^(-age_days / half_life))
    strength = 1 - exp(-score / saturation),   band by the thresholds in conf/wkw.toml [model.bands]
Every row carries its receipts (mails each way, meetings, calls, active days, first and last touch).
See docs/strength.md for the formula and its parameters.

Incremental nights (the default): the mail parts of every pair are kept in `gold/strength_state` (one
partition per night); tonight's state is last night's, decayed by one factor, plus the mail that landed
since, minus the mail that left the window. Meetings and calls, judged again every night, are added from
their silver partitions. `--mode full` (or no usable state, or other model parameters) recomputes the
state from all history: both give the same tables (scores to 1e-9).

    spark-submit jobs/wkw/stages/strength.py --date 2026-11-26 [--mode full]
"""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.lake import GOLD, SILVER, read_optional, read_table, replace_partition, run_stage
from wkw.strength_parts import (
    decayed,
    in_window,
    merge_into,
    night_change,
    pair_parts,
    receipts,
    seen_names,
    window_start,
)

SCORE_DECIMALS = 9
STRENGTH_DECIMALS = 6
STRONG, MODERATE, WEAK = "strong", "moderate", "weak"
MAIL = "mail"
STATE, RUNS, NAMES = "strength_state", "strength_runs", "contact_names"


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


def connection_strength(interactions: DataFrame, as_of: date, model: dict, bands: dict) -> DataFrame:
    """The scored pairs of `interactions` on `as_of`, computed from all of them."""
    return score_pairs(receipts(all_parts(interactions, as_of, model)), as_of, model, bands)


def carried_mail(state: DataFrame, since: date, mail: DataFrame, as_of: date, model: dict) -> DataFrame:
    """The mail parts of `as_of` from those of `since`: decayed, plus the night's change (the mail counted
    tonight that was not counted then, minus the mail that left the window), merged in one pass over the
    state. Only those days and nights are read (event days by partition, ingest nights by file
    statistics)."""
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
    # Computed once and kept (a night's pairs): merge_into counts it, then joins it.
    change = night_change(arriving, pair_parts(leaving, as_of, model)).localCheckpoint()
    return merge_into(decayed(state, since, as_of, model), change, start)


def model_key(model: dict) -> str:
    """The parameters a state depends on: another value means the state cannot be carried."""
    return json.dumps({key: model[key] for key in sorted(model)}, sort_keys=True, default=str)


def last_state(spark: SparkSession, settings: Settings, as_of: date) -> date | None:
    """The latest night before `as_of` whose state was written with tonight's model parameters."""
    runs = read_optional(spark, settings, GOLD, RUNS)
    if runs is None:
        return None
    earlier = runs.where(
        (F.col("as_of_date") < F.lit(as_of)) & (F.col("model_key") == model_key(settings.model))
    )
    return earlier.agg(F.max("as_of_date")).first()[0]


def run(spark: SparkSession, settings: Settings, as_of: date, full: bool = False) -> None:
    """The stage for one logical date, in an existing session. Prints the mode and where the time went."""
    model, clock = settings.model, time.perf_counter()
    interactions = known_by(read_table(spark, settings, SILVER, "interactions"), as_of)
    mail = interactions.where(F.col("channel") == F.lit(MAIL))
    since = None if full or "ingest_date" not in interactions.columns else last_state(spark, settings, as_of)
    if since is None:
        mail_parts = all_parts(mail, as_of, model)
    else:
        state = read_table(spark, settings, GOLD, STATE).where(F.col("as_of_date") == F.lit(since))
        mail_parts = carried_mail(state.drop("as_of_date"), since, mail, as_of, model)
    day = f"as_of_date = '{as_of.isoformat()}'"
    state_path = settings.table_path(GOLD, STATE)
    replace_partition(mail_parts.withColumn("as_of_date", F.lit(as_of)), state_path, day, ["as_of_date"])
    timings = {"mail state": time.perf_counter() - clock}
    mail_parts = read_table(spark, settings, GOLD, STATE).where(F.col("as_of_date") == F.lit(as_of))
    mail_parts = mail_parts.drop("as_of_date")
    others = all_parts(interactions.where(F.col("channel") != F.lit(MAIL)), as_of, model)
    scored = score_pairs(receipts(merge_into(mail_parts, others)), as_of, model, settings.bands)
    replace_partition(scored, settings.table_path(GOLD, "connection_strength"), day, ["as_of_date"])
    timings["meetings, calls and scores"] = time.perf_counter() - clock - sum(timings.values())
    both = mail_parts.select("contact_email", "names").unionByName(others.select("contact_email", "names"))
    names = seen_names(both).withColumn("as_of_date", F.lit(as_of))
    replace_partition(names, settings.table_path(GOLD, NAMES), day, ["as_of_date"])
    timings["names"] = time.perf_counter() - clock - sum(timings.values())
    record = spark.createDataFrame(
        [(as_of, "full" if since is None else "incremental", since, model_key(model))],
        "as_of_date date, mode string, carried_from date, model_key string",
    )
    replace_partition(record, settings.table_path(GOLD, RUNS), day, ["as_of_date"])
    mode = "full" if since is None else f"incremental from {since.isoformat()}"
    spent = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
    print(f"strength {as_of}: {mode} ({spent})")


def main(argv: list[str] | None = None) -> None:
    run_stage("strength", run, __doc__, argv, with_mode=True)


if __name__ == "__main__":
    main()
