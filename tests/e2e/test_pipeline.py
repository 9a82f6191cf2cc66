"""End to end, in the shared session: generated company and real Enron mail through every stage.

The DAG itself (spark-submit per stage, Airflow) is exercised in test_dag.py; here the same stage
functions run in-process so that several whole runs fit in the suite's time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import NIGHT, copy_of, run_night_in_process
from deltalake import DeltaTable
from wkw.config import DEFAULT_CONF, GOLD, PUBLISHED, SILVER
from wkw.lake import replace_partition
from wkw.pipeline import PUBLISHED_TABLES
from wkw.stages import introducers, publish, strength, validate

pytestmark = pytest.mark.e2e
COMPANY_DAY = NIGHT
ENRON_DAY = date(2002, 1, 31)
KILL_WAIT_SECONDS = 300
POLL_SECONDS = 0.01


def published(settings, table):
    rows = DeltaTable(settings.table_path(PUBLISHED, table)).to_pyarrow_table().to_pylist()
    keys = ("account", "account_kind", "contact_email", "colleague_email", "rank")
    return sorted(rows, key=lambda r: tuple(str(r.get(k)) for k in keys))


@pytest.fixture(scope="module")
def company(local_night):
    """The suite's company after its in-process night: (settings, truth, publication id). Read only."""
    return local_night.settings, local_night.truth, local_night.publication_id


@pytest.fixture
def company_copy(local_night, tmp_path):
    """The same, on a copy of the lake, for the tests that rerun, corrupt or kill a night."""
    return copy_of(local_night, tmp_path), local_night.truth, local_night.publication_id


def test_planted_strong_ties_are_in_their_contacts_tiles(company):
    settings, truth, _ = company
    tile = {(r["colleague_email"], r["contact_email"]): r for r in published(settings, "top_introducers")}
    hidden = set(truth["opted_out"]) | set(truth["inactive"])
    strong = [(t["colleague"], t["contact"]) for t in truth["ties"] if t["kind"] == "strong"]
    offered = [pair for pair in strong if pair[0] not in hidden]
    assert offered, "the generated company has strong ties"
    missing = [pair for pair in offered if pair not in tile]
    assert missing == []
    assert all(tile[pair]["band"] == "strong" for pair in offered)


def test_every_planted_tie_lands_in_its_band(company):
    """strong -> strong, moderate -> moderate, weak and one-way -> weak; nothing unplanted above weak."""
    settings, truth, _ = company
    expected = {"strong": "strong", "moderate": "moderate", "weak": "weak", "one_way": "weak"}
    # The fading and dormant ties' bands tonight and 90 days ago: tests/e2e/test_fading.py.
    ages = {"fading", "dormant"}
    assert {t["kind"] for t in truth["ties"]} <= set(expected) | ages
    planted = {(t["colleague"], t["contact"]): expected.get(t["kind"]) for t in truth["ties"]}
    scored = {
        (r["colleague_email"], r["contact_email"]): r["band"]
        for r in published(settings, "connection_strength")
    }
    wrong = {
        pair: (band, scored[pair])
        for pair, band in planted.items()
        if pair in scored and band is not None and scored[pair] != band
    }
    assert wrong == {}
    kept = [pair for pair in planted if pair[0] not in truth["opted_out"]]
    assert all(pair in scored for pair in kept)
    assert {band for pair, band in scored.items() if pair not in planted} <= {"weak"}


def test_opted_out_and_automated_senders_appear_nowhere(company):
    settings, truth, _ = company
    banned = set(truth["opted_out"]) | set(truth["newsletter_senders"]) | set(truth["noreply_senders"])
    for table in PUBLISHED_TABLES:
        for row in published(settings, table):
            named = {row.get("contact_email")} | {p["email"] for p in row.get("named_contacts") or ()}
            assert row["colleague_email"] not in banned and not named & banned


def test_every_record_is_accounted_for(spark, company):
    settings, truth, _ = company
    rec = {
        r.source: r
        for r in spark.read.format("delta").load(settings.table_path(SILVER, "reconciliation")).collect()
    }
    mail = rec["mail"]
    mail_defects = [e for e in truth["malformed_files"] if e["path"].startswith("mail/")]
    assert mail.balanced and mail.read == mail.accepted + mail.filtered + mail.quarantined
    assert mail.quarantined == len(mail_defects)
    assert mail.read == truth["messages"] + len(mail_defects)
    # Calendars and calls: every planted outcome, reason by reason, as the generator predicts it.
    for source, written, predicted in (
        ("calendar", truth["meetings"], truth["meeting_outcomes"]),
        ("calls", truth["calls"], truth["call_outcomes"]),
    ):
        expected = Counter(predicted)  # reason (or "accepted") -> records
        defects = [e for e in truth["malformed_files"] if e["path"].startswith(f"{source}/")]
        counted = rec[source]
        assert counted.balanced and counted.read == sum(written.values()) + len(defects)
        assert counted.accepted == expected.pop("accepted", 0)
        assert dict(counted.filtered_by) == dict(expected)
    # The opted-out colleague's directory row is deleted by the privacy stage, and counted as withheld.
    directory = rec["directory"]
    assert directory.read == truth["colleagues"] and directory.balanced
    assert dict(directory.filtered_by) == {"withheld": len(truth["opted_out"])}
    quarantine = spark.read.format("delta").load(settings.table_path("bronze", "quarantine")).collect()
    reasons = {(q.source_file.split("landing/")[-1], q.position, q.reason) for q in quarantine}
    assert ("mail/2026-11-26/graph/messages-0000.jsonl", 2, "bad_json") in reasons or any(
        r[2] == "bad_json" for r in reasons
    )
    assert {"empty_file", "not_a_message", "missing_date", "impossible_date", "bad_json"} <= {
        r[2] for r in reasons
    }


def _canonical(row: dict) -> str:
    """A row as sorted JSON, with times as naive UTC (Spark gives naive UTC, delta-rs aware UTC)."""

    def plain(value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            return dict(value)  # delta-rs gives maps as lists of pairs
        return value

    return json.dumps({k: plain(v) for k, v in row.items()}, sort_keys=True, default=str)


def test_deltalake_reads_the_same_rows_as_spark(spark, company):
    settings, _, _ = company
    for table in (*PUBLISHED_TABLES, "publications"):
        path = settings.table_path(PUBLISHED, table)
        via_spark = sorted(
            _canonical(r.asDict(recursive=True)) for r in spark.read.format("delta").load(path).collect()
        )
        via_rust = sorted(_canonical(r) for r in DeltaTable(path).to_pyarrow_table().to_pylist())
        assert via_spark == via_rust, table
        assert via_spark, table


def test_same_day_twice_publishes_identical_tables(spark, company_copy):
    settings, _, first = company_copy
    before = {table: published(settings, table) for table in PUBLISHED_TABLES}
    again = run_night_in_process(spark, settings, COMPANY_DAY)
    assert again == first
    for table in PUBLISHED_TABLES:
        assert published(settings, table) == before[table], table
    publications = DeltaTable(settings.table_path(PUBLISHED, "publications")).to_pyarrow_table().to_pylist()
    assert [p["publication_id"] for p in publications] == [first]


def test_a_corrupt_night_is_caught_and_publishes_nothing(spark, company_copy):
    """A strength of 1.5 in the staged scores: validate names it, publish refuses, the tile is unchanged."""
    from pyspark.sql import functions as F
    from wkw.stages.publish import NotValidated

    settings, _, first = company_copy
    before = {table: published(settings, table) for table in (*PUBLISHED_TABLES, "publications")}
    staged = spark.read.format("delta").load(settings.table_path(GOLD, "connection_strength")).cache()
    corrupt = staged.withColumn(
        "strength", F.when(F.col("band") == "strong", F.lit(1.5)).otherwise(F.col("strength"))
    )
    day = f"as_of_date = '{COMPANY_DAY.isoformat()}'"
    replace_partition(corrupt, settings.table_path(GOLD, "connection_strength"), day, ["as_of_date"])
    failures = validate.run(spark, settings, COMPANY_DAY).failures
    assert ("connection_strength", "expect_column_values_to_be_between") in {
        (f.table, f.check) for f in failures
    }
    with pytest.raises(NotValidated):
        publish.run(spark, settings, COMPANY_DAY)
    assert {table: published(settings, table) for table in before} == before
    for stage in (strength, introducers):  # the night recomputed: it publishes what it published before
        stage.run(spark, settings, COMPANY_DAY)
    assert validate.run(spark, settings, COMPANY_DAY).ok
    assert publish.run(spark, settings, COMPANY_DAY).publication_id == first


@pytest.fixture(scope="module")
def enron(spark, enron_dir, tmp_path_factory, make_settings):
    root = tmp_path_factory.mktemp("enron")
    landing = root / "landing" / "mail" / ENRON_DAY.isoformat()
    landing.mkdir(parents=True)
    with tarfile.open(enron_dir / "fixture_small.tar.gz") as archive:
        archive.extractall(landing, filter="data")
    settings = make_settings(root, internal_domains=("enron.com",))
    run_night_in_process(spark, settings, ENRON_DAY)
    return settings


def test_enron_fixture_goes_through_end_to_end(spark, enron):
    rec = (
        spark.read.format("delta")
        .load(enron.table_path(SILVER, "reconciliation"))
        .where("source = 'mail'")
        .first()
    )
    assert rec.read == 1863 and rec.balanced
    assert rec.filtered_by["duplicate"] > 0
    tile = published(enron, "top_introducers")
    assert tile
    assert all(r["colleague_email"].endswith("enron.com") for r in tile)
    assert not any(r["contact_email"].endswith("enron.com") for r in tile)
    mailboxes = {
        "john.arnold@enron.com",
        "robert.badeer@enron.com",
        "monika.causholli@enron.com",
        "mike.cuilla@enron.com",
    }
    assert {r["colleague_email"] for r in tile} & mailboxes


def _data_files(folder) -> set[str]:
    return (
        {entry.name for entry in os.scandir(folder) if entry.name.endswith(".parquet")}
        if folder.exists()
        else set()
    )


def test_a_stage_killed_mid_write_then_rerun_equals_an_unbroken_run(spark, company_copy, tmp_path):
    """SIGKILL the introducers stage (its whole process group) once it has written data files but before
    Delta commits them; the table keeps its last commit, and a rerun gives the unbroken result."""
    settings, _, _ = company_copy
    table = settings.table_path(GOLD, "introducers")
    unbroken = sorted(map(_canonical, DeltaTable(table).to_pyarrow_table().to_pylist()))
    partition = Path(table) / f"as_of_date={COMPANY_DAY.isoformat()}"
    committed = _data_files(partition)
    # Many uncoalesced shuffle partitions make the write last long enough to be caught in the middle.
    slow_write = (
        '"spark.sql.shuffle.partitions" = "200"\n"spark.sql.adaptive.coalescePartitions.enabled" = "false"'
    )
    conf = tmp_path / "wkw.toml"
    conf.write_text(DEFAULT_CONF.read_text().replace('"spark.sql.shuffle.partitions" = "8"', slow_write))
    env = {
        **os.environ,
        "WKW_CONF": str(conf),
        "WKW_LAKE": settings.lake,
        "WKW_LANDING": settings.landing,
        "WKW_GX_REPORTS": settings.gx_reports,
    }
    stage = subprocess.Popen(
        [sys.executable, "-m", "wkw.stages.introducers", "--date", COMPANY_DAY.isoformat()],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while stage.poll() is None and not (_data_files(partition) - committed) and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    assert stage.poll() is None, "the stage ended before it could be killed mid-write"
    os.killpg(stage.pid, signal.SIGKILL)
    stage.wait()
    assert _data_files(partition) - committed, "killed after data files were written"
    assert sorted(map(_canonical, DeltaTable(table).to_pyarrow_table().to_pylist())) == unbroken
    introducers.run(spark, settings, COMPANY_DAY)
    assert sorted(map(_canonical, DeltaTable(table).to_pyarrow_table().to_pylist())) == unbroken


def test_status_reports_the_night_for_people_and_machines(company, monkeypatch):
    from typer.testing import CliRunner
    from wkw.serve.cli import app

    settings, truth, first = company
    monkeypatch.setenv("WKW_LAKE", settings.lake)
    shown = CliRunner().invoke(app, ["status", "--json"])
    assert shown.exit_code == 0, shown.output
    night = json.loads(shown.output)[0]
    mail = night["sources"]["mail"]
    assert night["as_of_date"] == COMPANY_DAY.isoformat() and night["validated"] is True
    assert night["publication_id"] == first
    assert mail["read"] == mail["accepted"] + mail["filtered"] + mail["quarantined"]
    mail_defects = [e for e in truth["malformed_files"] if e["path"].startswith("mail/")]
    assert mail["quarantined"] == len(mail_defects) and mail["filtered_by"]["duplicate"] > 0
    assert set(night["sources"]) == {
        "mail",
        "directory",
        "crm",
        "address_book",
        "calls",
        "calendar",
        "privacy",
    }
    assert all(counts["balanced"] for counts in night["sources"].values())
    text = CliRunner().invoke(app, ["status"])
    assert text.exit_code == 0 and "checks passed" in text.output and "mail" in text.output


def test_a_rerun_whose_landing_is_gone_is_refused_and_bronze_is_unchanged(spark, local_night, tmp_path):
    # Before: the rerun replaced every bronze slice of the date with nothing.
    import shutil

    from wkw.config import BRONZE
    from wkw.stages import extract

    settings = copy_of(local_night, tmp_path, with_landing=True)
    mail = DeltaTable(settings.table_path(BRONZE, "mail_messages"))
    before = (mail.version(), mail.to_pyarrow_table().num_rows)
    for folder in Path(settings.landing).glob(f"*/{COMPANY_DAY.isoformat()}"):
        shutil.rmtree(folder)
    with pytest.raises(
        extract.LandingGone, match=f"no landing files for {COMPANY_DAY}.*bronze holds \\d+ records"
    ):
        extract.run(spark, settings, COMPANY_DAY)
    mail = DeltaTable(settings.table_path(BRONZE, "mail_messages"))
    assert (mail.version(), mail.to_pyarrow_table().num_rows) == before


def test_publishing_an_older_date_leaves_the_newer_publication_current(spark, company_copy):
    # Before: the backfill of an older night overwrote the published tables, and the newest publication
    # then named versions that VACUUM deletes (who-knows broke).
    settings, _, first = company_copy
    path = settings.table_path(PUBLISHED, "publications")
    later = COMPANY_DAY.replace(day=COMPANY_DAY.day + 1)
    spark.sql(f"UPDATE delta.`{path}` SET as_of_date = DATE'{later}'")  # a later night is current
    before = {
        table: DeltaTable(settings.table_path(PUBLISHED, table)).version() for table in PUBLISHED_TABLES
    }
    result = publish.run(spark, settings, COMPANY_DAY)
    current = f"{first}, as of {later}"
    assert result.notes == (
        f"not published: the current publication ({current}) is of a later date; {COMPANY_DAY} stays in gold",
    )
    after = {table: DeltaTable(settings.table_path(PUBLISHED, table)).version() for table in PUBLISHED_TABLES}
    assert after == before
    assert [p["as_of_date"] for p in DeltaTable(path).to_pyarrow_table().to_pylist()] == [later]
