"""Incremental nights against a full recompute: the same tables after a sequence of nights that includes
a late-arriving day, mail dated after its night, and a rerun (issue 7, docs/strength.md).

One generated company (history to END) lands on two nights: the first gets everything but the Graph mail
dated after it and the Graph mail of its busiest earlier day; the second night gets those, and is run
twice. Maildir mail dated after the first night lands with it and counts from its own day. Lake A runs
each night incrementally (the default); lake B takes A's bronze and recomputes the last night in full
(interactions rebuilt from all bronze, strength from all silver). The privacy, validate and publish stages
do not depend on the mode and are left out (the suite's time): publish copies the staged tables compared
here; the DAG tests run them.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from deltalake import DeltaTable
from support.scored_rows import assert_same
from wkw.config import BRONZE, GOLD, SILVER
from wkw.stages import extract, interactions, introducers, strength
from wkw.synth.company import generate

pytestmark = pytest.mark.e2e
FIRST = date(2026, 11, 25)
LAST = FIRST + timedelta(days=1)
END = LAST + timedelta(days=1)  # the generated history ends here: mail dated after LAST exists
NIGHTS = [FIRST, LAST, LAST]  # the last night is run twice
COMPARED = ("introducers", "top_introducers")
WALL_CLOCK = {"publication_id", "published_at"}


def reland_graph_mail(landing: Path) -> tuple[dict[date, int], date]:
    """Graph lines dated after FIRST move to LAST's folder, and so do the lines of the busiest earlier day
    (a day that lands late). Returns the lines per landing night and the late day; lines that are not
    JSON stay where they were, on the first night."""
    by_day: dict[date, list[str]] = {}
    for path in sorted((landing / "mail" / END.isoformat() / "graph").glob("*.jsonl")):
        kept = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                by_day.setdefault(date.fromisoformat(json.loads(line)["sentDateTime"][:10]), []).append(line)
            except (ValueError, KeyError, TypeError):
                kept.append(line)
        path.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    late_day = max(
        (day for day in by_day if day < FIRST - timedelta(days=1)), key=lambda d: (len(by_day[d]), d)
    )
    # Everything else (directory, CRM, address books, Maildir, calendars, calls) lands on the first night.
    for source in sorted(p for p in landing.iterdir() if p.is_dir()):
        shutil.move(str(source / END.isoformat()), str(source / FIRST.isoformat()))
    moved: dict[date, list[str]] = {}
    for day, lines in sorted(by_day.items()):
        moved.setdefault(LAST if day > FIRST or day == late_day else FIRST, []).extend(lines)
    for night, lines in moved.items():
        folder = landing / "mail" / night.isoformat() / "graph"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "relanded.jsonl").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return {night: len(lines) for night, lines in sorted(moved.items())}, late_day


def run_night(spark, settings, day, full):
    interactions.run(spark, settings, day, full=full)
    strength.run(spark, settings, day, full=full)
    runs = DeltaTable(settings.table_path(GOLD, "strength_runs")).to_pyarrow_table().to_pylist()
    return next(r["mode"] for r in runs if r["as_of_date"] == day)


def rows(path: str, partition: date | None = None) -> list[dict]:
    table = DeltaTable(path).to_pyarrow_table().to_pylist()
    picked = [r for r in table if partition is None or r["as_of_date"] == partition]
    for row in picked:
        for key in WALL_CLOCK:
            row.pop(key, None)
    return sorted(picked, key=lambda r: tuple(str(r.get(k)) for k in ("contact_email", "colleague_email")))


@pytest.fixture(scope="module")
def lakes(spark, tmp_path_factory, make_settings):
    """Lake A: each night extracted, then interactions and strength incremental. Lake B: A's bronze (the
    stages read only what had landed by each logical date), the last night recomputed in full. The lists
    and tiles of the last night are built in both (publish copies them as they are)."""
    root = tmp_path_factory.mktemp("incremental")
    landing = root / "landing"
    generate(landing, seed=11, colleagues=12, contacts=40, days=45, end_date=END)
    relanded, late_day = reland_graph_mail(landing)
    a = make_settings(root / "a", landing=str(landing))
    b = make_settings(root / "b", landing=str(landing))
    modes_a = []
    for night in NIGHTS:
        extract.run(spark, a, night)
        modes_a.append(run_night(spark, a, night, full=False))
    shutil.copytree(Path(a.table_path(BRONZE, "")), Path(b.table_path(BRONZE, "")))
    modes_b = [run_night(spark, b, LAST, full=True)]
    for settings in (a, b):
        introducers.run(spark, settings, LAST)
    return {"incremental": (a, modes_a), "full": (b, modes_b)}, late_day, relanded


def test_the_mail_really_arrives_night_by_night(lakes):
    _, _, relanded = lakes
    assert set(relanded) == {FIRST, LAST}
    assert all(count > 0 for count in relanded.values())


def test_incremental_nights_carry_the_state_and_full_nights_recompute(lakes):
    both, _, _ = lakes
    assert both["incremental"][1] == ["full", "incremental", "incremental"]
    assert both["full"][1] == ["full"]


def test_the_scores_are_the_same_in_both_lakes(lakes):
    both, _, _ = lakes
    path = {name: settings.table_path(GOLD, "connection_strength") for name, (settings, _) in both.items()}
    assert_same(rows(path["incremental"], LAST), rows(path["full"], LAST))


@pytest.mark.parametrize("table", COMPARED)
def test_the_last_tables_are_the_same(lakes, table):
    both, _, _ = lakes
    path = {name: settings.table_path(GOLD, table) for name, (settings, _) in both.items()}
    assert_same(rows(path["incremental"], LAST), rows(path["full"], LAST))


def test_the_late_day_and_the_last_night_changed_scores(lakes):
    """The comparison is not vacuous: the last night's mail (with the late day) changed the tables."""
    both, late_day, _ = lakes
    settings = both["incremental"][0]
    path = settings.table_path(GOLD, "connection_strength")
    before = {(r["colleague_email"], r["contact_email"]): r for r in rows(path, FIRST)}
    after = {(r["colleague_email"], r["contact_email"]): r for r in rows(path, LAST)}
    grew = [
        pair
        for pair in after
        if pair in before
        and after[pair]["mails_sent"] + after[pair]["mails_received"]
        > before[pair]["mails_sent"] + before[pair]["mails_received"]
    ]
    assert grew, "some pair gained mail on the last night"
    silver = DeltaTable(settings.table_path(SILVER, "interactions")).to_pyarrow_table().to_pylist()
    late = [r for r in silver if r["channel"] == "mail" and r["event_date"] == late_day]
    assert LAST in {r["ingest_date"] for r in late}, "the held-back Graph mail of the late day landed last"
    dated_later = [r for r in silver if r["event_date"] == LAST and r["ingest_date"] == FIRST]
    assert dated_later, "Maildir mail dated after the first night landed with it and counts from its day"


def test_the_duckdb_baseline_of_the_benchmark_computes_the_same_scores(lakes, tmp_path):
    """bench/scale.py compares the strength stage with bench/strength_duckdb.py: the same numbers."""
    import sys

    import pyarrow.parquet as pq
    from support.tiny_lake import TREND_COLUMNS
    from wkw.config import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "bench"))
    import strength_duckdb

    both, _, _ = lakes
    settings = both["incremental"][0]
    out = tmp_path / "duckdb.parquet"
    strength_duckdb.run(settings.lake, LAST, settings.model, settings.bands, str(out))
    duck = sorted(pq.read_table(out).to_pylist(), key=lambda r: (r["contact_email"], r["colleague_email"]))
    spark_rows = rows(settings.table_path(GOLD, "connection_strength"), LAST)
    for row in spark_rows:
        row.pop("model_version")
        for key in TREND_COLUMNS:  # the tie's past: a second state the baseline does not compute
            row.pop(key)
    for row in duck:
        for key in ("first_interaction_at", "last_interaction_at"):
            row[key] = row[key].replace(tzinfo=None) if row[key] else row[key]
    for row in spark_rows:
        for key in ("first_interaction_at", "last_interaction_at"):
            row[key] = row[key].replace(tzinfo=None) if row[key] else row[key]
    assert_same(duck, spark_rows)
