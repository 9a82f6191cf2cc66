"""The strength formula pinned on tiny hand-computed cases: decay, damping, reciprocity, window, bands."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T
from support.model_params import BANDS, MODEL
from wkw import schemas
from wkw.scoring.strength import band, connection_strength

AS_OF = date(2026, 11, 26)
COLLEAGUE, CONTACT = "ann@contoso.com", "bob@fabrikam.com"


def touch(
    day: date, direction: str, audience: int = 1, channel: str = "mail", contact: str = CONTACT, hour=9
):
    at = datetime(day.year, day.month, day.day, hour, 0, 0)
    return (
        day,
        at,
        COLLEAGUE,
        contact,
        "Bob",
        channel,
        direction,
        audience,
        f"{contact}-{day}-{direction}-{hour}",
    )


def scores(spark, rows) -> dict[str, dict]:
    interactions = spark.createDataFrame(rows, schemas.INTERACTION)
    result = connection_strength(interactions, AS_OF, MODEL, BANDS).collect()
    return {row.contact_email: row.asDict() for row in result}


def strength_of(score: float) -> float:
    return round(1 - math.exp(-score / MODEL["saturation"]), 6)


def test_one_way_tie_keeps_only_its_reciprocity_share(spark):
    got = scores(spark, [touch(AS_OF, "sent")])[CONTACT]
    assert got["score"] == pytest.approx(1.0 * 0.35, abs=1e-9)
    assert got["strength"] == pytest.approx(strength_of(0.35), abs=1e-6)
    assert got["two_way"] is False
    assert got["band"] == "weak"


def test_half_life_halves_each_contribution(spark):
    sixty_days_ago = date(2026, 9, 27)
    got = scores(spark, [touch(sixty_days_ago, "sent"), touch(sixty_days_ago, "received")])[CONTACT]
    assert got["score"] == pytest.approx((1.0 + 0.6) * 0.5, abs=1e-9)
    assert got["two_way"] is True


def test_large_audiences_are_damped_by_square_root(spark):
    got = scores(spark, [touch(AS_OF, "sent", audience=4), touch(AS_OF, "received", audience=1, hour=10)])[
        CONTACT
    ]
    assert got["score"] == pytest.approx(1.0 / math.sqrt(4) + 0.6, abs=1e-9)


def test_meetings_and_calls_count_as_two_way(spark):
    got = scores(
        spark, [touch(AS_OF, "received", channel="meeting"), touch(AS_OF, "sent", channel="call", hour=11)]
    )
    assert got[CONTACT]["score"] == pytest.approx(1.5 + 2.0, abs=1e-9)
    assert got[CONTACT]["two_way"] is True
    assert (got[CONTACT]["meetings"], got[CONTACT]["calls"]) == (1, 1)


def test_window_excludes_old_and_future_interactions(spark):
    too_old, tomorrow = date(2025, 11, 25), date(2026, 11, 27)
    got = scores(
        spark, [touch(too_old, "sent", contact="old@x.com"), touch(tomorrow, "sent", contact="new@x.com")]
    )
    assert got == {}


def test_receipts_count_each_way_and_name_the_last_channel(spark):
    rows = [
        touch(date(2026, 10, 1), "sent"),
        touch(date(2026, 10, 1), "received", hour=15),
        touch(date(2026, 11, 2), "received"),
        touch(date(2026, 11, 20), "sent", channel="call"),
    ]
    got = scores(spark, rows)[CONTACT]
    assert (got["mails_sent"], got["mails_received"], got["calls"], got["active_days"]) == (1, 2, 1, 3)
    assert got["first_interaction_at"] == datetime(2026, 10, 1, 9)
    assert got["last_interaction_at"] == datetime(2026, 11, 20, 9)
    assert got["last_interaction_channel"] == "call"
    assert got["model_version"] == "test-1"
    assert got["as_of_date"] == AS_OF


def test_bands_use_the_configured_thresholds_inclusively(spark):
    strengths = spark.createDataFrame([(0.6,), (0.599999,), (0.3,), (0.299999,), (0.0,)], "strength double")
    banded = strengths.select("strength", band(strengths["strength"], BANDS).alias("band"))
    expected = spark.createDataFrame(
        [(0.6, "strong"), (0.599999, "moderate"), (0.3, "moderate"), (0.299999, "weak"), (0.0, "weak")],
        "strength double, band string",
    )
    assert_df_equality(banded, expected, ignore_row_order=True, ignore_nullable=True)


def test_strength_grows_with_score_and_stays_below_one(spark):
    rows = [touch(AS_OF, "sent", hour=h) for h in range(8, 20)] + [
        touch(AS_OF, "received", hour=h) for h in range(8, 20)
    ]
    got = scores(spark, rows)[CONTACT]
    assert got["score"] == pytest.approx(12 * 1.0 + 12 * 0.6, abs=1e-9)
    assert 0.99 < got["strength"] < 1.0
    assert got["band"] == "strong"


def test_carried_parts_equal_parts_from_all_history(spark):
    """Carrying a night's mail parts to a later night (decay, window leaving, late and next-day mail)
    gives what a recompute from all history gives: the incremental strength stage's core."""
    from datetime import timedelta

    from wkw.scoring.parts import receipts
    from wkw.scoring.strength import all_parts, carried_mail

    model = {**MODEL, "lookback_days": 10}
    since, as_of = date(2026, 11, 20), date(2026, 11, 23)
    first_day = since - timedelta(days=9)  # in the window of `since`, gone by `as_of`

    def landed(day, direction, ingest, contact=CONTACT, hour=9, audience=1):
        return (*touch(day, direction, audience, contact=contact, hour=hour), ingest)

    rows = [
        landed(first_day, "sent", since),  # leaves the window
        landed(first_day, "received", since, contact="gone@x.com"),  # the pair leaves entirely
        landed(date(2026, 11, 15), "received", since, audience=3),
        landed(date(2026, 11, 15), "received", since, contact="gone2@x.com"),
        landed(date(2026, 11, 21), "sent", since, hour=7),  # landed by `since`, dated after it
        landed(date(2026, 11, 16), "sent", as_of, hour=8),  # a late day, landed after `since`
        landed(date(2026, 11, 23), "received", as_of, contact="new@x.com"),  # a new pair
        landed(date(2026, 11, 23), "sent", date(2026, 11, 24)),  # lands after `as_of`: not yet known
    ]
    # A new schema: StructType.add would change the shared schemas.INTERACTION in place.
    schema = T.StructType([*schemas.INTERACTION.fields, T.StructField("ingest_date", T.DateType())])
    mail = spark.createDataFrame(rows, schema)
    state = all_parts(mail, since, model)
    carried = {
        r.contact_email: r.asDict()
        for r in receipts(carried_mail(state, since, mail, as_of, model)).collect()
    }
    full = {r.contact_email: r.asDict() for r in receipts(all_parts(mail, as_of, model)).collect()}
    assert set(full) == {CONTACT, "gone2@x.com", "new@x.com"} and set(carried) == set(full)
    for contact, expected in full.items():
        got = carried[contact]
        assert got.pop("raw_score") == pytest.approx(expected.pop("raw_score"), abs=1e-12)
        assert got == expected
    assert full[CONTACT]["active_days"] == 3 and full[CONTACT]["mails_sent"] == 2
    assert full[CONTACT]["first_interaction_at"] == datetime(2026, 11, 15, 9)
