"""Strength: silver interactions -> gold `connection_strength`, one scored row per (colleague, contact).

The score is a recency-decayed, weighted sum that can be carried forward night to night:
    score(t) = reciprocity * sum(weight(channel, direction) * audience^-damping * 2^(-age_days / half_life))
    strength = 1 - exp(-score / saturation),   band by the thresholds in conf/wkw.toml [model.bands]
Every row carries its receipts (mails each way, meetings, calls, active days, first and last touch).
See docs/strength.md for the formula and its parameters.

Incremental nights (the default): the mail parts of every pair are kept in `gold/strength_state`, in
layers (one partition per night): a snapshot night holds every pair, a change night only the pairs it
changed (a tombstone for a pair that left). Tonight's state is the carried one, decayed, plus the mail
that landed since, minus the mail that left the window: tonight writes the pairs that changed, not the
year behind them, and a new snapshot every `[strength] snapshot_nights` nights or once the change layers
hold a quarter of the snapshot's rows. Meetings and calls, judged again every night, are added from their
silver partitions. `--mode full` (or no usable state, or other model parameters) recomputes the state
from all history: both give the same tables (scores to 1e-9).

    spark-submit jobs/wkw/stages/strength.py --date 2026-11-26 [--mode full]
"""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.lake import (
    GOLD,
    SILVER,
    over_history,
    read_optional,
    read_table,
    replace_partition,
    run_stage,
)
from wkw.strength_parts import (
    BROADCAST_PAIRS,
    PAIR,
    combine,
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
STATE_FORMAT = 2  # state rows with active_days and first_at; nights write the pairs they change
DEFAULT_SNAPSHOT = {"snapshot_nights": 7, "snapshot_share": 0.25}


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


def model_key(model: dict) -> str:
    """The parameters a state depends on, and the layout of its rows: another value means the state
    cannot be carried."""
    key = {name: model[name] for name in sorted(model)} | {"state_format": STATE_FORMAT}
    return json.dumps(key, sort_keys=True, default=str)


def snapshot_policy(settings: Settings) -> tuple[int, float]:
    """([strength] snapshot_nights, snapshot_share): a new snapshot once the layers span that many nights
    or the change layers hold that share of the snapshot's rows."""
    section = {**DEFAULT_SNAPSHOT, **settings.raw.get("strength", {})}
    nights, share = int(section["snapshot_nights"]), float(section["snapshot_share"])
    if nights < 1 or share <= 0:
        raise ValueError(
            f"[strength] snapshot_nights must be at least 1 and snapshot_share above 0: {nights}, {share}"
        )
    return nights, share


def carried_layers(spark: SparkSession, settings: Settings, as_of: date) -> dict[date, int] | None:
    """The state to carry to `as_of`: the layers of the latest night before it whose state was written
    with tonight's model parameters (night -> rows, in order); None when there is no such night or one of
    its layers is gone (pruned): the night is then recomputed in full."""
    runs = read_optional(spark, settings, GOLD, RUNS)
    if runs is None or "state_layers" not in runs.columns:
        return None
    earlier = runs.where(
        (F.col("as_of_date") < F.lit(as_of)) & (F.col("model_key") == model_key(settings.model))
    )
    rows = {r.as_of_date: r for r in earlier.select("as_of_date", "state_layers", "state_rows").collect()}
    if not rows:
        return None
    layers = list(rows[max(rows)].state_layers)
    state = read_table(spark, settings, GOLD, STATE).where(F.col("as_of_date").isin(layers))
    present = {r.as_of_date for r in state.select("as_of_date").distinct().collect()}
    # A layer without rows (a night that changed nothing) has no files to find.
    if any(layer not in rows or (rows[layer].state_rows and layer not in present) for layer in layers):
        return None
    return {layer: int(rows[layer].state_rows) for layer in layers}


def state_of(spark: SparkSession, settings: Settings, layers: dict[date, int], as_of: date) -> DataFrame:
    """The mail parts that the state layers make (`layers`: night -> rows; a snapshot night, then change
    nights in order), decayed to `as_of`: each pair from the latest layer that holds it, without the pairs
    whose latest row is a tombstone (no active day left). Only the columns a caller reads are read."""
    nights = list(layers)
    rows = read_table(spark, settings, GOLD, STATE).where(F.col("as_of_date").isin(nights))
    parts = rows.where(F.col("as_of_date") == F.lit(nights[0]))
    if len(nights) > 1:
        newest = Window.partitionBy(*PAIR).orderBy(F.col("as_of_date").desc())
        changes = rows.where(F.col("as_of_date").isin(nights[1:]))
        latest = changes.withColumn("rank", F.row_number().over(newest)).where("rank = 1").drop("rank")
        keys = latest.select(*PAIR)
        if sum(layers[night] for night in nights[1:]) <= BROADCAST_PAIRS:
            keys = F.broadcast(keys)
        parts = parts.join(keys, on=PAIR, how="left_anti").unionByName(latest)
    parts = parts.where(F.col("active_days") > 0)
    return decayed(parts, F.col("as_of_date"), as_of, settings.model).drop("as_of_date")


def write_state(spark: SparkSession, settings: Settings, parts: DataFrame, as_of: date) -> int:
    """Tonight's state layer; the rows it holds."""
    day = f"as_of_date = '{as_of.isoformat()}'"
    path = settings.table_path(GOLD, STATE)
    replace_partition(parts.withColumn("as_of_date", F.lit(as_of)), path, day, ["as_of_date"])
    return read_table(spark, settings, GOLD, STATE).where(F.col("as_of_date") == F.lit(as_of)).count()


def carry(
    spark: SparkSession, settings: Settings, carried: dict[date, int], mail: DataFrame, as_of: date
) -> dict[date, int]:
    """Tonight's state layer from the carried one: the pairs the night changes, with a tombstone for each
    pair that left, on top of the carried layers; or, past the `snapshot_policy`, a new snapshot of every
    pair. Returns tonight's layers (night -> rows)."""
    model, layers = settings.model, list(carried)
    prior = state_of(spark, settings, carried, as_of)
    change = mail_change(layers[-1], mail, as_of, model).localCheckpoint()
    keys = change.select(*PAIR)
    if change.count() <= BROADCAST_PAIRS:
        keys = F.broadcast(keys)
    touched = prior.join(keys, on=PAIR, how="left_semi")
    changed = combine(touched, change, window_start(as_of, model), keep_gone=True).localCheckpoint()
    changed_rows = changed.count()
    stacked = sum(carried[layer] for layer in layers[1:]) + changed_rows
    nights, share = snapshot_policy(settings)
    if len(layers) >= nights or stacked > carried[layers[0]] * share:
        untouched = prior.join(keys, on=PAIR, how="left_anti")
        everyone = untouched.unionByName(changed.where(F.col("active_days") > 0))
        return {as_of: write_state(spark, settings, everyone, as_of)}
    return carried | {as_of: write_state(spark, settings, changed, as_of)}


def run(spark: SparkSession, settings: Settings, as_of: date, full: bool = False) -> None:
    """The stage for one logical date, in an existing session. Prints the mode and where the time went."""
    model, clock = settings.model, time.perf_counter()
    interactions = known_by(read_table(spark, settings, SILVER, "interactions"), as_of)
    mail = interactions.where(F.col("channel") == F.lit(MAIL))
    carryable = not full and "ingest_date" in interactions.columns
    carried = carried_layers(spark, settings, as_of) if carryable else None
    with over_history(spark, settings, full=carried is None):
        if carried is None:
            layers = {as_of: write_state(spark, settings, all_parts(mail, as_of, model), as_of)}
        else:
            layers = carry(spark, settings, carried, mail, as_of)
        timings = {"mail state": time.perf_counter() - clock}
        mail_parts = state_of(spark, settings, layers, as_of)
        others = all_parts(interactions.where(F.col("channel") != F.lit(MAIL)), as_of, model)
        scored = score_pairs(receipts(merge_into(mail_parts, others)), as_of, model, settings.bands)
        day = f"as_of_date = '{as_of.isoformat()}'"
        replace_partition(scored, settings.table_path(GOLD, "connection_strength"), day, ["as_of_date"])
        timings["meetings, calls and scores"] = time.perf_counter() - clock - sum(timings.values())
        both = mail_parts.select("contact_email", "names").unionByName(
            others.select("contact_email", "names")
        )
        names = seen_names(both).withColumn("as_of_date", F.lit(as_of))
        replace_partition(names, settings.table_path(GOLD, NAMES), day, ["as_of_date"])
        timings["names"] = time.perf_counter() - clock - sum(timings.values())
        since = None if carried is None else list(carried)[-1]
        record = spark.createDataFrame(
            [
                (
                    as_of,
                    "full" if since is None else "incremental",
                    since,
                    model_key(model),
                    list(layers),
                    layers[as_of],
                )
            ],
            "as_of_date date, mode string, carried_from date, model_key string, state_layers array<date>, "
            "state_rows long",
        )
        replace_partition(record, settings.table_path(GOLD, RUNS), day, ["as_of_date"])
    mode = "full" if since is None else f"incremental from {since.isoformat()}"
    spent = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
    print(f"strength {as_of}: {mode}, {len(layers)} state layer(s) ({spent})")


def main(argv: list[str] | None = None) -> None:
    run_stage("strength", run, __doc__, argv, with_mode=True)


if __name__ == "__main__":
    main()
