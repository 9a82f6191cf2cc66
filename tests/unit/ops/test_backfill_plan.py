"""`wkw backfill`'s plan: the nights of a range in date order, refused when the DAG cannot run them, the
lake's published nights skipped (a rerun resumes), `--full` for the first night only, and a night with
nothing landed stopped before Airflow starts."""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa
import pytest
from deltalake import write_deltalake
from typer.testing import CliRunner
from wkw.config import PUBLISHED
from wkw.ops.backfill import (
    FULL,
    INCREMENTAL,
    SKIP,
    PlannedNight,
    RangeRefused,
    missing_landing,
    night_line,
    nights_between,
    plan,
    publications_by_date,
)

TODAY = date(2026, 12, 7)
JAN = [date(2001, 1, day) for day in range(1, 8)]


def test_the_nights_of_a_range_in_date_order_both_ends_included():
    assert nights_between(JAN[0], JAN[-1], TODAY) == JAN
    assert nights_between(TODAY, TODAY, TODAY) == [TODAY]


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (JAN[2], JAN[0], "--from 2001-01-03 is after --to 2001-01-01"),
        (date(1989, 12, 30), JAN[0], "before the DAG's first logical date 1990-01-01"),
        (JAN[0], date(2026, 12, 8), "--to 2026-12-08 is in the future (today is 2026-12-07)"),
    ],
)
def test_a_range_the_dag_cannot_run_is_refused(first, last, message):
    with pytest.raises(RangeRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        nights_between(first, last, TODAY)


def test_full_is_for_the_first_night_and_the_others_carry_its_state():
    assert plan(JAN[:3], set(), full=True) == [
        PlannedNight(JAN[0], FULL),
        PlannedNight(JAN[1], INCREMENTAL),
        PlannedNight(JAN[2], INCREMENTAL),
    ]
    assert [night.action for night in plan(JAN[:3], set(), full=False)] == [INCREMENTAL] * 3


def test_a_rerun_skips_the_published_nights_and_resumes_incrementally():
    # The first run published 1 and 2 (1 in full) and stopped on 3: the rerun skips both, even with --full.
    resumed = plan(JAN[:5], {JAN[0], JAN[1]}, full=True)
    assert [(night.day, night.action) for night in resumed] == [
        (JAN[0], SKIP),
        (JAN[1], SKIP),
        (JAN[2], INCREMENTAL),
        (JAN[3], INCREMENTAL),
        (JAN[4], INCREMENTAL),
    ]
    # A night published before the range's middle was run by hand: only it is skipped.
    assert [night.action for night in plan(JAN[:3], {JAN[1]}, full=False)] == [INCREMENTAL, SKIP, INCREMENTAL]


def test_published_nights_are_read_from_the_lake_s_publications(settings):
    assert publications_by_date(settings) == {}
    rows = [
        {
            "publication_id": f"{day}-{n}",
            "as_of_date": day,
            "published_at": datetime(2026, 12, 7, 10, n),
            "row_counts": [("top_introducers", 10 + n)],
        }
        for n, day in enumerate([JAN[0], JAN[1], JAN[1]])
    ]
    schema = pa.schema(
        [
            ("publication_id", pa.string()),
            ("as_of_date", pa.date32()),
            ("published_at", pa.timestamp("us")),
            ("row_counts", pa.map_(pa.string(), pa.int64())),
        ]
    )
    write_deltalake(settings.table_path(PUBLISHED, "publications"), pa.Table.from_pylist(rows, schema))
    published = publications_by_date(settings)
    assert set(published) == {JAN[0], JAN[1]}
    assert published[JAN[1]]["publication_id"] == "2001-01-02-2"  # the newest of the date
    assert dict(published[JAN[1]]["row_counts"]) == {"top_introducers": 12}


def test_a_night_with_no_landing_folder_is_refused_and_an_empty_folder_is_a_quiet_day(settings, tmp_path):
    landing = tmp_path / "landing"
    (landing / "directory" / JAN[0].isoformat()).mkdir(parents=True)
    (landing / "mail" / JAN[2].isoformat()).mkdir(parents=True)  # a quiet day: landed, nothing in it
    assert missing_landing(settings, JAN[0]) is None
    assert missing_landing(settings, JAN[2]) is None
    why = missing_landing(settings, JAN[1])
    assert why is not None
    expected = f"nothing landed for 2001-01-02: no folder landing/<source>/2001-01-02/ under {landing}"
    assert why.startswith(expected)
    assert "an empty landing/mail/2001-01-02/ for a day with no data" in why


def test_a_night_s_progress_line():
    line = night_line(JAN[1], "published", 63.24, {"top_introducers": 1204, "connection_strength": 98})
    assert line == "2001-01-02  published     63.2 s  rows connection_strength 98, top_introducers 1,204"
    assert night_line(JAN[0], "skipped", None, None).rstrip() == "2001-01-01  skipped"


def test_the_command_refuses_a_reversed_range_before_airflow_starts():
    from wkw.serve.cli import app

    result = CliRunner().invoke(app, ["backfill", "--from", "2001-01-07", "--to", "2001-01-01"])
    assert result.exit_code == 2
    printed = " ".join(result.output.split())
    assert "wkw backfill refused: --from 2001-01-07 is after --to 2001-01-01" in printed
