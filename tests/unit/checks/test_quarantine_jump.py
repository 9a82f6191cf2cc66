"""Validate warns (logged, recorded in gold/validations, shown by `wkw status`; never a failure) when a
source's quarantine share jumps over the median of its previous nights by more than `[publish]
quarantine_jump`. Before, a calendar feed that broke overnight passed validate in silence. The status side
is tests/unit/serve/test_status_shares.py."""

from __future__ import annotations

from datetime import date, timedelta

from wkw.checks.quarantine import quarantine_jumps
from wkw.stages.validate import quarantine_warnings

AS_OF = date(2026, 11, 26)
NIGHTS = 7
JUMP = 0.1
RECONCILIATION = (
    "as_of_date date, source string, read long, accepted long, filtered long, "
    "filtered_by map<string,bigint>, quarantined long, balanced boolean"
)


def _night(day: date, source: str, read: int, quarantined: int) -> tuple:
    return (day, source, read, read - quarantined, 0, {}, quarantined, True)


def _history() -> list[tuple]:
    """Five quiet nights (calendar 2% quarantined, mail 1%), then a night where calendar quarantines 40%."""
    rows = []
    for back in range(5, 0, -1):
        day = AS_OF - timedelta(days=back)
        rows += [_night(day, "calendar", 100, 2), _night(day, "mail", 1000, 10)]
    return rows + [_night(AS_OF, "calendar", 100, 40), _night(AS_OF, "mail", 1000, 12)]


def _as_dicts(rows):
    names = ("as_of_date", "source", "read", "accepted", "filtered", "filtered_by", "quarantined", "balanced")
    return [dict(zip(names, row, strict=True)) for row in rows]


def test_a_jump_names_the_source_and_a_steady_source_is_quiet():
    [warning] = quarantine_jumps(_as_dicts(_history()), AS_OF, JUMP, NIGHTS)

    assert (warning.table, warning.check) == ("reconciliation", "quarantine_jump")
    assert warning.detail == (
        "calendar: 40.0% quarantined tonight (40 of 100) against a median of 2.0% over the previous 5 nights "
        "(+38.0 points > 10)"
    )


def test_no_baseline_no_warning_and_only_the_trailing_nights_count():
    first_night = [row for row in _history() if row[0] == AS_OF]
    assert quarantine_jumps(_as_dicts(first_night), AS_OF, JUMP, NIGHTS) == []
    # With a baseline of one night, the night before (already 40%: the feed broke the day before) is the
    # median, and tonight is no jump.
    broke_earlier = _history() + [_night(AS_OF - timedelta(days=1), "calendar", 100, 40)]
    rows = [row for row in _as_dicts(broke_earlier)]
    assert quarantine_jumps(rows, AS_OF, JUMP, 1) == []


def test_validate_reads_the_nights_and_warns(spark, settings):
    history = spark.createDataFrame(_history(), RECONCILIATION)

    warnings = quarantine_warnings(history, settings, AS_OF)

    assert [w.detail.split(":")[0] for w in warnings] == ["calendar"]
    assert quarantine_warnings(history, settings, AS_OF - timedelta(days=1)) == []
