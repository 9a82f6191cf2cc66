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
silver partitions, and so are the colleague ties (`gold/colleague_ties`, wkw.scoring.ties) from
`silver/internal_interactions`: a full recompute of the window every night. `--mode full` (or no
usable state, or other model parameters) recomputes the state from all history: both give the same
tables (scores to 1e-9).

The same is done for the strength 90 days ago (wkw.scoring.trend: the interactions dated 90 days later, in
gold/strength_earlier_state); each row of connection_strength gets `strength_90d_ago`, `band_90d_ago`,
`trend`, `last_interaction` and `dormant` (docs/fading.md).

    spark-submit jobs/wkw/stages/strength.py --date 2026-11-26 [--mode full]
"""

from __future__ import annotations

import dataclasses
import time
from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw import schemas
from wkw.channels.internal import INTERNAL_TABLE
from wkw.config import GOLD, SILVER, Settings
from wkw.lake import over_history, read_optional, read_table, replace_partition
from wkw.pipeline import FULL, INCREMENTAL, StageResult, stage_main
from wkw.scoring.calibration_store import model_in_force
from wkw.scoring.parts import (
    merge_into,
    receipts,
    seen_names,
)
from wkw.scoring.state import (
    EARLIER_RUNS,
    EARLIER_STATE,
    MAIN,
    NAMES,
    STATE,
    StateTables,
    carried_layers,
    carry,
    record_run,
    state_of,
    write_state,
)
from wkw.scoring.strength import all_parts, known_by, score_pairs
from wkw.scoring.ties import TIES, colleague_ties
from wkw.scoring.trend import EARLIER_DAYS, moved_later, with_trend
from wkw.vocabulary import MAIL

STAGE = "strength"
EARLIER = StateTables(EARLIER_STATE, EARLIER_RUNS, EARLIER_DAYS)


def scored_pairs(
    spark: SparkSession,
    settings: Settings,
    interactions: DataFrame,
    as_of: date,
    carried: dict[date, int] | None,
    tables: StateTables,
) -> tuple[DataFrame, DataFrame, dict[date, int]]:
    """The scored pairs of `interactions`: their mail by the state in `tables` (carried from the layers
    `carried`, or with None recomputed from all history), meetings and calls from their own silver
    partitions. With the display names seen (contact_email, names) and tonight's state layers."""
    model, is_mail = settings.model, F.col("channel") == F.lit(MAIL)
    mail = interactions.where(is_mail)
    if carried is None:
        layers = {as_of: write_state(spark, settings, all_parts(mail, as_of, model), as_of, tables)}
    else:
        layers = carry(spark, settings, carried, mail, as_of, tables)
    mail_parts = state_of(spark, settings, layers, as_of, tables)
    others = all_parts(interactions.where(~is_mail), as_of, model)
    scored = score_pairs(receipts(merge_into(mail_parts, others)), as_of, model, settings.bands)
    record_run(spark, settings, as_of, None if carried is None else list(carried)[-1], layers, tables)
    names = mail_parts.select("contact_email", "names").unionByName(others.select("contact_email", "names"))
    return scored, names, layers


def _mode(carried: dict[date, int] | None) -> str:
    return FULL if carried is None else f"{INCREMENTAL} from {list(carried)[-1].isoformat()}"


def write_ties(spark: SparkSession, settings: Settings, as_of: date, model: dict) -> None:
    """gold/colleague_ties of `as_of`, recomputed from the internal touches of the look-back window (a
    lake written before them has none: no ties)."""
    internal = read_optional(spark, settings, SILVER, INTERNAL_TABLE)
    if internal is None:
        internal = spark.createDataFrame([], schemas.INTERACTION).withColumn("ingest_date", F.lit(as_of))
    ties = colleague_ties(known_by(internal, as_of), as_of, model, settings.bands)
    day = f"as_of_date = '{as_of.isoformat()}'"
    replace_partition(ties, settings.table_path(GOLD, TIES), day, ["as_of_date"])


def run(spark: SparkSession, settings: Settings, as_of: date, full: bool = False) -> StageResult:
    """The stage for one logical date, in an existing session; its result says the mode and where the time
    went."""
    model, calibration_id = model_in_force(spark, settings, as_of)
    settings, clock = dataclasses.replace(settings, model=model), time.perf_counter()
    interactions = known_by(read_table(spark, settings, SILVER, "interactions"), as_of)
    carryable = not full and "ingest_date" in interactions.columns
    carried = carried_layers(spark, settings, as_of) if carryable else None
    carried_earlier = carried_layers(spark, settings, as_of, EARLIER) if carryable else None
    day = f"as_of_date = '{as_of.isoformat()}'"
    with over_history(spark, settings, full=carried is None or carried_earlier is None):
        scored, names, layers = scored_pairs(spark, settings, interactions, as_of, carried, MAIN)
        timings = {"mail state": time.perf_counter() - clock}
        moved = moved_later(interactions)
        earlier, _, earlier_layers = scored_pairs(spark, settings, moved, as_of, carried_earlier, EARLIER)
        timings["mail state 90 days ago"] = time.perf_counter() - clock - sum(timings.values())
        scored = with_trend(scored, earlier, as_of, settings.trend)
        replace_partition(scored, settings.table_path(GOLD, "connection_strength"), day, ["as_of_date"])
        timings["meetings, calls, scores and trend"] = time.perf_counter() - clock - sum(timings.values())
        seen = seen_names(names).withColumn("as_of_date", F.lit(as_of))
        replace_partition(seen, settings.table_path(GOLD, NAMES), day, ["as_of_date"])
        timings["names"] = time.perf_counter() - clock - sum(timings.values())
        write_ties(spark, settings, as_of, model)
        timings["colleague ties"] = time.perf_counter() - clock - sum(timings.values())
    spent = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
    return StageResult(
        STAGE,
        as_of,
        rows={STATE: layers[as_of], EARLIER_STATE: earlier_layers[as_of]},
        notes=(
            f"{_mode(carried)}, {len(layers)} state layer(s) ({spent})",
            f"90 days ago: {_mode(carried_earlier)}, {len(earlier_layers)} state layer(s)",
            f"model {model['version']}"
            + ("" if calibration_id else " (no calibration adopted: the configured [model])"),
        ),
    )


def main(argv: list[str] | None = None) -> None:
    stage_main(STAGE, run, argv)


if __name__ == "__main__":
    main()
