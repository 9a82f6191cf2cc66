"""The strength state in layers (docs/strength.md, "Incremental nights"): a snapshot night, then nights that
write only the pairs they change, with tombstones for pairs that leave the window. Over a run of nights
with late mail, mail dated after its night, a pair that leaves and comes back, and meetings, every night
gives the scores and names a full recompute gives; the layers follow the snapshot policy; a rerun of an
old night gives its tables again; maintain keeps the snapshot the kept nights stand on."""

from __future__ import annotations

import dataclasses
import random
from datetime import date, datetime, timedelta

import pytest
from pyspark.sql import functions as F
from pyspark.sql import types as T
from support.scored_rows import assert_same
from wkw import schemas
from wkw.config import GOLD, SILVER
from wkw.scoring.parts import seen_names
from wkw.scoring.state import NAMES, RUNS, STATE
from wkw.scoring.strength import all_parts, connection_strength
from wkw.stages import maintain, strength
from wkw.stages.interactions import write_interactions

pytestmark = pytest.mark.e2e
FIRST = date(2026, 11, 20)
NIGHTS = [FIRST + timedelta(days=n) for n in range(6)]
LOOKBACK = 8
COLLEAGUES = [f"c{n}@contoso.com" for n in range(4)]
CONTACTS = [f"x{n}@fabrikam.com" for n in range(8)]
# Mail with this pair only long before the last nights and again on the last one: it leaves the window
# (a tombstone) and comes back.
RETURNING = ("c0@contoso.com", "back@fabrikam.com")


def interactions() -> list[tuple]:
    """Mail over the window and the nights, most landing the night of its day, some late, some landed the
    night before their day; a few meetings."""
    rng = random.Random(7)
    rows = []

    def add(day, colleague, contact, channel, direction, ingest, hour):
        at = datetime(day.year, day.month, day.day, hour, rng.randrange(60))
        key = f"{colleague}|{contact}|{at.isoformat()}|{direction}|{len(rows)}"
        name = rng.choice([None, contact.split("@")[0].title(), "Dr " + contact[:2]])
        audience = rng.choice([1, 1, 2, 5])
        rows.append((day, at, colleague, contact, name, channel, direction, audience, key, ingest))

    for offset in range(-LOOKBACK - 2, len(NIGHTS)):
        day = FIRST + timedelta(days=offset)
        for _ in range(rng.randrange(2, 7)):
            landing = rng.choice([0, 0, 0, 0, 2, 3, -1])  # late, or landed the night before its day
            ingest = max(day + timedelta(days=landing), FIRST)
            direction = rng.choice(["sent", "received"])
            add(
                day,
                rng.choice(COLLEAGUES),
                rng.choice(CONTACTS),
                "mail",
                direction,
                ingest,
                rng.randrange(24),
            )
    for day, ingest in ((FIRST - timedelta(days=6), FIRST), (NIGHTS[4], NIGHTS[4])):
        add(day, *RETURNING, "mail", "sent", ingest, 10)
    add(FIRST - timedelta(days=2), "c1@contoso.com", CONTACTS[0], "meeting", "sent", FIRST, 14)
    add(NIGHTS[2], "c2@contoso.com", "met@fabrikam.com", "meeting", "sent", NIGHTS[2], 15)
    return rows


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory, make_settings):
    """The nights run incrementally with a snapshot every third night (never by share); each night's
    scores and names, and those of a full recompute from the same silver (computed, not written)."""
    base = make_settings(tmp_path_factory.mktemp("layers"))
    settings = dataclasses.replace(
        base,
        model={**base.model, "lookback_days": LOOKBACK},
        strength=base.with_conf("strength", snapshot_nights=3, snapshot_share=100.0).strength,
    )
    schema = T.StructType([*schemas.INTERACTION.fields, T.StructField("ingest_date", T.DateType())])
    silver = spark.createDataFrame(interactions(), schema)
    write_interactions(spark, silver, settings.table_path(SILVER, "interactions"), FIRST, full=True)
    got, expected = {}, {}
    for night in NIGHTS:
        strength.run(spark, settings, night)
        got[night] = published(spark, settings, night)
        scores = connection_strength(silver, night, settings.model, settings.bands, settings.trend)
        names = seen_names(all_parts(silver, night, settings.model))
        expected[night] = {
            "connection_strength": sorted_rows(
                scores.withColumn("as_of_date", F.lit(night)), "colleague_email"
            ),
            NAMES: sorted_rows(names.withColumn("as_of_date", F.lit(night)), "contact_name"),
        }
    return settings, got, expected


def sorted_rows(frame, key: str) -> list[dict]:
    rows = [r.asDict() for r in frame.collect()]
    return sorted(rows, key=lambda r: (r["contact_email"], str(r[key])))


def published(spark, settings, night: date) -> dict[str, list[dict]]:
    """The night's scores and names."""
    out = {}
    for table, key in (("connection_strength", "colleague_email"), (NAMES, "contact_name")):
        frame = spark.read.format("delta").load(settings.table_path(GOLD, table))
        out[table] = sorted_rows(frame.where(F.col("as_of_date") == F.lit(night)), key)
    return out


def runs(spark, settings) -> dict[date, dict]:
    frame = spark.read.format("delta").load(settings.table_path(GOLD, RUNS))
    return {r.as_of_date: r.asDict() for r in frame.collect()}


@pytest.mark.parametrize("night", NIGHTS)
def test_every_night_scores_and_names_as_a_full_recompute(lake, night):
    _, got, expected = lake
    for table in ("connection_strength", NAMES):
        assert_same(got[night][table], expected[night][table])


def test_the_layers_follow_the_snapshot_policy(spark, lake):
    settings, _, _ = lake
    done = runs(spark, settings)
    assert {night: done[night]["state_layers"] for night in NIGHTS} == {
        NIGHTS[0]: [NIGHTS[0]],
        NIGHTS[1]: NIGHTS[0:2],
        NIGHTS[2]: NIGHTS[0:3],
        NIGHTS[3]: [NIGHTS[3]],
        NIGHTS[4]: NIGHTS[3:5],
        NIGHTS[5]: NIGHTS[3:6],
    }
    assert [done[night]["mode"] for night in NIGHTS] == ["full"] + ["incremental"] * 5
    assert all(done[night]["carried_from"] == night - timedelta(days=1) for night in NIGHTS[1:])
    state = spark.read.format("delta").load(settings.table_path(GOLD, STATE))
    pairs = {night: state.where(F.col("as_of_date") == F.lit(night)).count() for night in NIGHTS}
    assert all(done[night]["state_rows"] == pairs[night] for night in NIGHTS)
    assert pairs[NIGHTS[1]] < pairs[NIGHTS[0]] and pairs[NIGHTS[4]] < pairs[NIGHTS[3]]


def test_a_pair_that_leaves_is_a_tombstone_and_can_come_back(spark, lake):
    settings, got, _ = lake
    state = spark.read.format("delta").load(settings.table_path(GOLD, STATE))
    pair = (F.col("colleague_email") == RETURNING[0]) & (F.col("contact_email") == RETURNING[1])
    by_night = {r.as_of_date: r for r in state.where(pair).collect()}
    # Its mail of FIRST - 6 leaves the window on NIGHTS[2] (the window is LOOKBACK days); the snapshot of
    # NIGHTS[3] has no row of it; it is back on NIGHTS[4].
    assert by_night[NIGHTS[2]].active_days == 0 and by_night[NIGHTS[2]].days == []
    assert NIGHTS[3] not in by_night and by_night[NIGHTS[4]].active_days == 1
    scored = {
        night: {(r["colleague_email"], r["contact_email"]) for r in got[night]["connection_strength"]}
        for night in NIGHTS
    }
    assert [RETURNING in scored[night] for night in NIGHTS] == [True, True, False, False, True, True]


def test_a_rerun_of_an_old_night_gives_its_tables_again(spark, lake):
    settings, got, _ = lake
    strength.run(spark, settings, NIGHTS[2])
    assert runs(spark, settings)[NIGHTS[2]]["state_layers"] == NIGHTS[0:3]
    again = published(spark, settings, NIGHTS[2])
    for table in ("connection_strength", NAMES):
        assert_same(again[table], got[NIGHTS[2]][table])


def test_maintain_keeps_the_snapshot_the_kept_nights_stand_on(spark, lake):
    settings, _, expected = lake
    settings = settings.with_conf("maintenance", keep_nights=2)
    maintain.prune_old_nights(spark, settings, NIGHTS[5])
    state = spark.read.format("delta").load(settings.table_path(GOLD, STATE))
    assert {r.as_of_date for r in state.select("as_of_date").distinct().collect()} == set(NIGHTS[3:6])
    scores = spark.read.format("delta").load(settings.table_path(GOLD, "connection_strength"))
    assert {r.as_of_date for r in scores.select("as_of_date").distinct().collect()} == set(NIGHTS[4:6])
    strength.run(spark, settings, NIGHTS[5])
    assert runs(spark, settings)[NIGHTS[5]]["mode"] == "incremental"
    assert_same(
        published(spark, settings, NIGHTS[5])["connection_strength"],
        expected[NIGHTS[5]]["connection_strength"],
    )
