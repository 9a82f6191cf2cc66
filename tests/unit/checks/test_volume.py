"""The volume check holds back a night whose tile moves too much against the current publication."""

from __future__ import annotations

from wkw.checks.volume import volume_failures

BOUNDS = {"max_row_change": 0.5, "max_top_changed_share": 0.5, "min_rows": 4}
SCHEMA = "contact_email string, rank int, colleague_email string"


def tile(spark, firsts: dict[str, str], extra_rows: int = 0):
    rows = [(contact, 1, colleague) for contact, colleague in firsts.items()]
    rows += [(f"x{i}@y.com", 2, "z@contoso.com") for i in range(extra_rows)]
    return spark.createDataFrame(rows, SCHEMA)


def test_first_and_small_publications_are_not_checked(spark):
    now = tile(spark, {"a@x.com": "ann@c.com"})
    assert volume_failures(now, None, BOUNDS) == []
    assert volume_failures(now, tile(spark, {"b@x.com": "bob@c.com"}), BOUNDS) == []


def test_a_steady_night_passes(spark):
    before = tile(spark, {f"c{i}@x.com": "ann@c.com" for i in range(6)})
    after = tile(spark, {**{f"c{i}@x.com": "ann@c.com" for i in range(6)}, "c0@x.com": "bob@c.com"})
    assert volume_failures(after, before, BOUNDS) == []


def test_collapse_and_churn_are_named(spark):
    before = tile(spark, {f"c{i}@x.com": "ann@c.com" for i in range(6)}, extra_rows=4)
    collapsed = tile(spark, {"c0@x.com": "ann@c.com"})
    assert [f.check for f in volume_failures(collapsed, before, BOUNDS)] == ["volume_row_change"]
    churned = tile(spark, {f"c{i}@x.com": "bob@c.com" for i in range(6)}, extra_rows=4)
    failures = volume_failures(churned, before, BOUNDS)
    assert [f.check for f in failures] == ["volume_top_changed"]
    assert "6 of 6 contacts" in failures[0].detail
