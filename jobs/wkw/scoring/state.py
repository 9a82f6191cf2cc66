"""The carried mail state of strength (gold/strength_state) in layers: a snapshot night holds every pair, a
change night only the pairs it changed (a tombstone for a pair that left); gold/strength_runs says which
layers each night stands on and with which model parameters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from wkw.config import GOLD, Settings
from wkw.lake import read_optional, read_table, replace_partition
from wkw.pipeline import FULL, INCREMENTAL
from wkw.scoring.parts import (
    BROADCAST_PAIRS,
    PAIR,
    combine,
    decayed,
    window_start,
)
from wkw.scoring.strength import mail_change

STATE, RUNS, NAMES = "strength_state", "strength_runs", "contact_names"
EARLIER_STATE, EARLIER_RUNS = "strength_earlier_state", "strength_earlier_runs"


@dataclass(frozen=True)
class StateTables:
    """Where a carried state lives: its layers, its runs, and how many days later its interactions are
    dated (0: the strength state; 90: the state of strength 90 days ago, wkw.scoring.trend)."""

    state: str
    runs: str
    moved_days: int = 0


MAIN = StateTables(STATE, RUNS)


STATE_FORMAT = 2  # state rows with active_days and first_at; nights write the pairs they change


def model_key(model: dict, moved_days: int = 0) -> str:
    """The parameters a state depends on, and the layout of its rows: another value means the state
    cannot be carried."""
    key = {name: model[name] for name in sorted(model)} | {"state_format": STATE_FORMAT}
    if moved_days:
        key["moved_days"] = moved_days
    return json.dumps(key, sort_keys=True, default=str)


def carried_layers(
    spark: SparkSession, settings: Settings, as_of: date, tables: StateTables = MAIN
) -> dict[date, int] | None:
    """The state to carry to `as_of`: the layers of the latest night before it whose state was written
    with tonight's model parameters (night -> rows, in order); None when there is no such night or one of
    its layers is gone (pruned): the night is then recomputed in full."""
    runs = read_optional(spark, settings, GOLD, tables.runs)
    if runs is None or "state_layers" not in runs.columns:
        return None
    key = model_key(settings.model, tables.moved_days)
    earlier = runs.where((F.col("as_of_date") < F.lit(as_of)) & (F.col("model_key") == key))
    rows = {r.as_of_date: r for r in earlier.select("as_of_date", "state_layers", "state_rows").collect()}
    if not rows:
        return None
    layers = list(rows[max(rows)].state_layers)
    state = read_table(spark, settings, GOLD, tables.state).where(F.col("as_of_date").isin(layers))
    present = {r.as_of_date for r in state.select("as_of_date").distinct().collect()}
    # A layer without rows (a night that changed nothing) has no files to find.
    if any(layer not in rows or (rows[layer].state_rows and layer not in present) for layer in layers):
        return None
    return {layer: int(rows[layer].state_rows) for layer in layers}


def state_of(
    spark: SparkSession, settings: Settings, layers: dict[date, int], as_of: date, tables: StateTables = MAIN
) -> DataFrame:
    """The mail parts that the state layers make (`layers`: night -> rows; a snapshot night, then change
    nights in order), decayed to `as_of`: each pair from the latest layer that holds it, without the pairs
    whose latest row is a tombstone (no active day left). Only the columns a caller reads are read."""
    nights = list(layers)
    rows = read_table(spark, settings, GOLD, tables.state).where(F.col("as_of_date").isin(nights))
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


def write_state(
    spark: SparkSession, settings: Settings, parts: DataFrame, as_of: date, tables: StateTables = MAIN
) -> int:
    """Tonight's state layer; the rows it holds."""
    day = f"as_of_date = '{as_of.isoformat()}'"
    path = settings.table_path(GOLD, tables.state)
    replace_partition(parts.withColumn("as_of_date", F.lit(as_of)), path, day, ["as_of_date"])
    return read_table(spark, settings, GOLD, tables.state).where(F.col("as_of_date") == F.lit(as_of)).count()


def carry(
    spark: SparkSession,
    settings: Settings,
    carried: dict[date, int],
    mail: DataFrame,
    as_of: date,
    tables: StateTables = MAIN,
) -> dict[date, int]:
    """Tonight's state layer from the carried one: the pairs the night changes, with a tombstone for each
    pair that left, on top of the carried layers; or, past `[strength] snapshot_nights` or
    `snapshot_share`, a new snapshot of every pair. Returns tonight's layers (night -> rows)."""
    model, layers = settings.model, list(carried)
    prior = state_of(spark, settings, carried, as_of, tables)
    change = mail_change(layers[-1], mail, as_of, model).localCheckpoint()
    keys = change.select(*PAIR)
    if change.count() <= BROADCAST_PAIRS:
        keys = F.broadcast(keys)
    touched = prior.join(keys, on=PAIR, how="left_semi")
    changed = combine(touched, change, window_start(as_of, model), keep_gone=True).localCheckpoint()
    changed_rows = changed.count()
    stacked = sum(carried[layer] for layer in layers[1:]) + changed_rows
    nights, share = settings.strength.snapshot_nights, settings.strength.snapshot_share
    if len(layers) >= nights or stacked > carried[layers[0]] * share:
        untouched = prior.join(keys, on=PAIR, how="left_anti")
        everyone = untouched.unionByName(changed.where(F.col("active_days") > 0))
        return {as_of: write_state(spark, settings, everyone, as_of, tables)}
    return carried | {as_of: write_state(spark, settings, changed, as_of, tables)}


def record_run(
    spark: SparkSession,
    settings: Settings,
    as_of: date,
    since: date | None,
    layers: dict[date, int],
    tables: StateTables = MAIN,
) -> None:
    """Tonight's row of gold/strength_runs: the mode, the night carried from, the model parameters and the
    state layers tonight stands on (what a later night carries and maintain keeps)."""
    record = spark.createDataFrame(
        [
            (
                as_of,
                FULL if since is None else INCREMENTAL,
                since,
                model_key(settings.model, tables.moved_days),
                list(layers),
                layers[as_of],
            )
        ],
        "as_of_date date, mode string, carried_from date, model_key string, state_layers array<date>, "
        "state_rows long",
    )
    day = f"as_of_date = '{as_of.isoformat()}'"
    replace_partition(record, settings.table_path(GOLD, tables.runs), day, ["as_of_date"])
