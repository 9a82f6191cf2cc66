"""The backtest on a hand-made case: a long, stale tie against a fresh, two-way one."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from support.model_params import BANDS, MODEL
from wkw import schemas
from wkw.tools.backtest import evaluate

AS_OF = date(2026, 6, 1)
LEAD = "lead@fabrikam.com"
STALE, FRESH = "stale@contoso.com", "fresh@contoso.com"


def touch(colleague, day, direction, contact=LEAD, n=0):
    at = datetime(day.year, day.month, day.day, 9, n)
    return (
        day,
        at,
        colleague,
        contact,
        None,
        "mail",
        direction,
        1,
        f"{colleague}{day}{direction}{n}{contact}",
    )


def test_model_ranks_the_fresh_two_way_tie_first_where_raw_count_does_not(spark):
    long_ago = AS_OF - timedelta(days=300)
    rows = [touch(STALE, long_ago, d, n=n) for n in range(10) for d in ("sent", "received")]
    rows += [touch(FRESH, AS_OF - timedelta(days=5), d) for d in ("sent", "received")]
    rows += [touch(FRESH, AS_OF + timedelta(days=10), "sent")]  # who deals with the lead next
    rows += [touch(STALE, AS_OF - timedelta(days=3), "sent", contact="solo@x.com")]  # known by one: skipped
    result = evaluate(spark.createDataFrame(rows, schemas.INTERACTION), AS_OF, 30, MODEL, BANDS)
    assert result["contacts"] == 1
    assert result["model"] == {"precision_at_5": 0.2, "ndcg_at_5": 1.0, "mrr": 1.0}
    assert result["recency"]["mrr"] == 1.0
    assert result["raw_count"]["mrr"] == 0.5
    assert round(result["raw_count"]["ndcg_at_5"], 4) == round(1 / 1.5849625007, 4)


def test_contacts_not_touched_in_the_horizon_are_not_evaluated(spark):
    rows = [touch(STALE, AS_OF - timedelta(days=5), "sent"), touch(FRESH, AS_OF - timedelta(days=5), "sent")]
    rows += [touch(FRESH, AS_OF + timedelta(days=40), "sent")]  # after a 30-day horizon
    result = evaluate(spark.createDataFrame(rows, schemas.INTERACTION), AS_OF, 30, MODEL, BANDS)
    assert result["contacts"] == 0
