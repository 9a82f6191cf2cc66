"""The tie's past pinned on hand-computed cases: the strength 90 days before the night by the same formula,
the trend by the [trend] thresholds, the last interaction's date and dormant (docs/fading.md)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest
from support.model_params import BANDS, MODEL
from wkw import schemas
from wkw.config import load_settings
from wkw.config_trend import Trend
from wkw.scoring.strength import connection_strength
from wkw.scoring.trend import with_trend

AS_OF = date(2026, 11, 26)
ANN, BOB, CAT = "ann@contoso.com", "bob@fabrikam.com", "cat@fabrikam.com"
TREND = Trend(rising_from=0.1, fading_from=0.1, quiet_days=60)


def strength_of(raw: float) -> float:
    return round(1 - math.exp(-raw / MODEL["saturation"]), 6)


def touch(contact: str, day: date, direction: str, channel: str = "mail"):
    at = datetime(day.year, day.month, day.day, 9)
    return (day, at, ANN, contact, "Bob", channel, direction, 1, f"{contact}-{day}-{direction}-{channel}")


def test_the_strength_90_days_ago_is_the_same_formula_on_the_interactions_dated_by_then(spark):
    before = AS_OF - timedelta(days=100)  # 10 days before D - 90
    rows = [
        touch(BOB, before, "sent"),
        touch(BOB, before, "received"),
        touch(CAT, AS_OF - timedelta(days=400), "sent"),  # in D - 90's year, not in tonight's
        touch(CAT, AS_OF - timedelta(days=400), "received"),
        touch(CAT, AS_OF - timedelta(days=10), "sent", "call"),
    ]
    scored = connection_strength(
        spark.createDataFrame(rows, schemas.INTERACTION), AS_OF, MODEL, BANDS, TREND
    ).collect()
    got = {r.contact_email: r.asDict() for r in scored}
    two_way = MODEL["weight_mail_sent"] + MODEL["weight_mail_received"]
    bob_then, bob_now = strength_of(two_way * 2 ** (-10 / 60)), strength_of(two_way * 2 ** (-100 / 60))
    assert (bob_then, bob_now) == (0.299779, 0.118378)  # moderate then, weak now: down 0.18
    assert got[BOB]["strength_90d_ago"] == pytest.approx(bob_then, abs=1e-6)
    assert got[BOB]["strength"] == pytest.approx(bob_now, abs=1e-6)
    assert (got[BOB]["band_90d_ago"], got[BOB]["trend"], got[BOB]["dormant"]) == ("weak", "fading", False)
    assert got[BOB]["last_interaction"] == before
    cat_then = strength_of(two_way * 2 ** (-310 / 60))  # the call, 80 days after D - 90, is not counted
    assert got[CAT]["strength_90d_ago"] == pytest.approx(cat_then, abs=1e-6)
    assert got[CAT]["strength"] == pytest.approx(
        strength_of(MODEL["weight_call"] * 2 ** (-10 / 60)), abs=1e-6
    )
    assert (got[CAT]["trend"], got[CAT]["last_interaction"]) == ("rising", AS_OF - timedelta(days=10))


def scored_row(colleague: str, strength: float, last: date):
    at = datetime(last.year, last.month, last.day, 23, 59)
    return (colleague, BOB, strength, at, AS_OF)


def test_trend_and_dormant_follow_the_thresholds(spark):
    quiet = AS_OF - timedelta(days=60)  # nothing on the last 60 days: D - 59 .. D
    recent = AS_OF - timedelta(days=59)
    scored = spark.createDataFrame(
        [
            scored_row("fades@contoso.com", 0.5, date(2026, 9, 14)),
            scored_row("edge@contoso.com", 0.55, quiet),
            scored_row("steady@contoso.com", 0.7, recent),
            scored_row("new@contoso.com", 0.4, recent),
            scored_row("was_moderate@contoso.com", 0.1, date(2026, 1, 5)),
        ],
        "colleague_email string, contact_email string, strength double, last_interaction_at timestamp, "
        "as_of_date date",
    )
    earlier = spark.createDataFrame(
        [
            ("fades@contoso.com", BOB, 0.8, "strong"),
            ("edge@contoso.com", BOB, 0.65, "strong"),  # exactly fading_from lower: fading
            ("steady@contoso.com", BOB, 0.65, "strong"),
            ("was_moderate@contoso.com", BOB, 0.5, "moderate"),
        ],
        "colleague_email string, contact_email string, strength double, band string",
    )
    got = {
        r.colleague_email: (r.strength_90d_ago, r.band_90d_ago, r.trend, str(r.last_interaction), r.dormant)
        for r in with_trend(scored, earlier, AS_OF, TREND).collect()
    }
    assert got == {
        "fades@contoso.com": (0.8, "strong", "fading", "2026-09-14", True),
        "edge@contoso.com": (0.65, "strong", "fading", "2026-09-27", True),
        "steady@contoso.com": (0.65, "strong", "steady", "2026-09-28", False),
        "new@contoso.com": (0.0, "weak", "rising", "2026-09-28", False),
        "was_moderate@contoso.com": (0.5, "moderate", "fading", "2026-01-05", False),
    }


def test_the_trend_section_is_in_the_configuration():
    assert load_settings().trend == TREND
