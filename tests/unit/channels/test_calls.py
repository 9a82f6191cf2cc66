"""Call records: CSV extract with quarantine by file and line, and call interactions with their filters."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

from chispa import assert_df_equality
from pyspark.sql import functions as F
from support.call_rows import ADDRESSES_SCHEMA, bronze_call
from support.paths import DATA
from wkw import schemas
from wkw.channels.calls import call_interactions
from wkw.channels.reconciliation import reconciliation
from wkw.people import colleague_addresses
from wkw.sources.calls import CALL_RECORD, extract_calls

AS_OF = date(2026, 11, 26)
ANN, CAROL, OLGA, SAM = "ann@contoso.com", "carol@contoso.com", "olga@contoso.com", "sam@sales.contoso.com"
BOB, DAN, EVE = "bob@fabrikam.com", "dan@adatum.com", "eve@northwind.example"
DIRECTORY_SCHEMA = (
    "ingest_date date, user_id string, email string, aliases array<string>, name string, title string, "
    "department string, region string, roles array<string>, licences array<string>, groups array<string>, "
    "active boolean, opted_out boolean"
)
OUTCOME_SCHEMA = "source_file string, position long, filter_reason string"
# A file with another header keeps none of its text in quarantine.
WRONG_HEADER = "the header does not name the columns call_id,caller,callee,start,duration_seconds,direction"
FOUND_SCHEMA = "source_file string, position long, reason string, detail string"


def land(settings, folder: Path) -> None:
    target = Path(settings.landing_dir("calls", AS_OF.isoformat()))
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.iterdir()):
        shutil.copy(path, target / path.name)


def file_name(column: str = "source_file"):
    return F.element_at(F.split(column, "/"), -1).alias(column)


def addresses(spark):
    rows = [
        (AS_OF, "1", ANN, ["a.n@contoso.com"], "Ann", "AE", "Sales", "EMEA", [], [], [], True, False),
        (AS_OF, "2", CAROL, [], "Carol", "CFO", "Finance", "NA", [], [], [], True, False),
        (AS_OF, "3", OLGA, [], "Olga", "VP", "Sales", "NA", [], [], [], True, True),
    ]
    return colleague_addresses(spark.createDataFrame(rows, DIRECTORY_SCHEMA))


def utc(*parts) -> datetime:
    """A naive datetime, read as UTC: the spark fixture runs the tests in UTC."""
    return datetime(*parts)


def test_sample_exports_are_accepted_and_normalised(spark, settings):
    land(settings, DATA / "calls" / AS_OF.isoformat())
    accepted, quarantined, counts = extract_calls(spark, settings, AS_OF)

    epoch = int(datetime(2026, 11, 24, 16, 45, 30, tzinfo=UTC).timestamp())
    derived_id = hashlib.sha256(f"{SAM}|{EVE}|{epoch}".encode()).hexdigest()
    expected = spark.createDataFrame(
        [
            (
                "pbx_calls.csv",
                2,
                "PBX-9001",
                "a.n@contoso.com",
                BOB,
                utc(2026, 11, 20, 9, 15, 20),
                310,
                "inbound",
            ),
            ("teams_calls.csv", 2, "c-001", ANN, BOB, utc(2026, 11, 20, 9, 15), 312, "outbound"),
            ("teams_calls.csv", 3, "c-002", DAN, CAROL, utc(2026, 11, 21, 13, 2, 10), 95, "inbound"),
            ("teams_calls.csv", 4, "c-003", ANN, EVE, utc(2026, 11, 22, 10), 12, "outbound"),
            ("teams_calls.csv", 5, "c-004", ANN, CAROL, utc(2026, 11, 22, 11), 600, "internal"),
            ("teams_calls.csv", 6, "c-005", BOB, DAN, utc(2026, 11, 22, 12), 300, "external"),
            ("teams_calls.csv", 7, "c-006", OLGA, BOB, utc(2026, 11, 23, 8, 30), 200, "outbound"),
            ("teams_calls.csv", 8, "c-007", ANN, DAN, utc(2026, 11, 27, 9), 120, "outbound"),
            ("teams_calls.csv", 9, derived_id, SAM, EVE, utc(2026, 11, 24, 16, 45, 30), 61, None),
        ],
        "source_file string, position long, call_id string, caller_email string, callee_email string, "
        "started_at timestamp, duration_seconds long, direction string",
    )
    got = accepted.select(file_name(), *[c for c in expected.columns if c != "source_file"])
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    assert [(f.name, f.dataType) for f in accepted.schema] == [(f.name, f.dataType) for f in CALL_RECORD]
    assert {row.ingest_date for row in accepted.collect()} == {AS_OF}
    assert quarantined.count() == 0
    assert [tuple(counts.first())] == [(AS_OF, "calls", 9, 9, 0, {}, 0)]


def test_bad_exports_are_quarantined_with_reason_file_and_line(spark, settings):
    land(settings, DATA / "bad" / "calls")
    accepted, quarantined, counts = extract_calls(spark, settings, AS_OF)

    expected = spark.createDataFrame(
        [
            # A bad row keeps how many fields it has, never its text (it names people).
            ("bad_rows.csv", 2, "bad_row", "5 fields, the header has 6"),
            ("bad_rows.csv", 3, "bad_row", "7 fields, the header has 6"),
            # Which field failed, never an address; a value only when it is a date or a number.
            ("bad_rows.csv", 4, "bad_address", "caller is not an address"),
            ("bad_rows.csv", 5, "bad_address", "callee is not an address"),
            ("bad_rows.csv", 6, "bad_start", "start missing"),
            ("bad_rows.csv", 7, "bad_start", "start '2026-02-30T09:00:00Z' is not a time"),
            ("bad_rows.csv", 8, "impossible_date", "start '1980-01-01T00:00:00Z' is out of range"),
            ("bad_rows.csv", 9, "impossible_date", "start '2044-06-01T00:00:00Z' is out of range"),
            ("bad_rows.csv", 10, "bad_duration", "duration_seconds '-30' is not seconds"),
            ("bad_rows.csv", 11, "bad_duration", "duration_seconds '1:30' is not seconds"),
            ("bad_rows.csv", 12, "bad_duration", "duration_seconds missing"),
            ("bad_rows.csv", 14, "bad_row", "1 field, the header has 6"),  # an unclosed quote
            ("binary.csv", 1, "bad_header", WRONG_HEADER),
            ("binary.csv", 2, "bad_header", WRONG_HEADER),
            ("binary.csv", 3, "bad_header", WRONG_HEADER),
            ("binary.csv", 4, "bad_header", WRONG_HEADER),
            ("empty.csv", 0, "empty_file", None),
            ("mixed_binary.csv", 3, "bad_row", "2 fields, the header has 6"),
            ("wrong_header.csv", 1, "bad_header", WRONG_HEADER),
            ("wrong_header.csv", 2, "bad_header", WRONG_HEADER),
            ("wrong_header.csv", 3, "bad_header", WRONG_HEADER),
        ],
        FOUND_SCHEMA,
    )
    got = quarantined.select(file_name(), "position", "reason", "detail")
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    assert [(f.name, f.dataType) for f in quarantined.schema] == [
        (f.name, f.dataType) for f in schemas.QUARANTINE
    ]
    assert {(row.ingest_date, row.source) for row in quarantined.collect()} == {(AS_OF, "calls")}
    kept = sorted((row.call_id, row.position, row.duration_seconds) for row in accepted.collect())
    assert kept == [("b-013", 15, 45), ("m-001", 2, 240)]
    assert [tuple(counts.first())] == [(AS_OF, "calls", 23, 2, 0, {}, 21)]


def test_nothing_landed_reads_nothing(spark, settings):
    accepted, quarantined, counts = extract_calls(spark, settings, AS_OF)
    assert accepted.count() == 0 and quarantined.count() == 0
    assert [tuple(counts.first())] == [(AS_OF, "calls", 0, 0, 0, {}, 0)]


def test_sample_exports_become_interactions_and_reconcile(spark, settings):
    land(settings, DATA / "calls" / AS_OF.isoformat())
    accepted, _, counts = extract_calls(spark, settings, AS_OF)
    interactions, outcomes = call_interactions(accepted, addresses(spark), AS_OF, settings)

    assert [(f.name, f.dataType) for f in interactions.schema] == [
        (f.name, f.dataType) for f in schemas.INTERACTION
    ]
    got = interactions.drop("interaction_id")
    expected = spark.createDataFrame(
        [
            (date(2026, 11, 20), utc(2026, 11, 20, 9, 15, 20), ANN, BOB, None, "call", "sent", 1),
            (date(2026, 11, 21), utc(2026, 11, 21, 13, 2, 10), CAROL, DAN, None, "call", "received", 1),
            (date(2026, 11, 24), utc(2026, 11, 24, 16, 45, 30), SAM, EVE, None, "call", "sent", 1),
        ],
        "event_date date, event_at timestamp, colleague_email string, contact_email string, "
        "contact_name string, channel string, direction string, audience int",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)

    reasons = spark.createDataFrame(
        [
            ("pbx_calls.csv", 2, None),
            ("teams_calls.csv", 2, "duplicate"),  # the PBX copy of c-001 comes first by file name
            ("teams_calls.csv", 3, None),
            ("teams_calls.csv", 4, "short_call"),
            ("teams_calls.csv", 5, "internal_only"),
            ("teams_calls.csv", 6, "no_colleague"),
            ("teams_calls.csv", 7, "opted_out"),
            ("teams_calls.csv", 8, "after_logical_date"),
            ("teams_calls.csv", 9, None),
        ],
        OUTCOME_SCHEMA,
    )
    got_reasons = outcomes.select(file_name(), "position", "filter_reason")
    assert_df_equality(got_reasons, reasons, ignore_row_order=True, ignore_nullable=True)

    summary = reconciliation(outcomes, counts, AS_OF).first()
    assert (summary.source, summary.read, summary.accepted, summary.filtered, summary.quarantined) == (
        "calls",
        9,
        3,
        6,
        0,
    )
    assert summary.balanced
    assert dict(summary.filtered_by) == {
        "after_logical_date": 1,
        "duplicate": 1,
        "internal_only": 1,
        "no_colleague": 1,
        "opted_out": 1,
        "short_call": 1,
    }


def test_a_call_exported_again_later_counts_once_and_rules_apply_in_order(spark, settings):
    at = utc(2026, 11, 25, 15, 0, 5)
    rows = [
        bronze_call(date(2026, 11, 25), "day1.csv", 2, DAN, "a.n@contoso.com", at),
        # The same call from Ann's side, exported the next day, seconds apart: a duplicate.
        bronze_call(AS_OF, "day2.csv", 2, ANN, DAN, utc(2026, 11, 25, 15, 0, 40)),
        # Same parties, next minute: another call.
        bronze_call(AS_OF, "day2.csv", 3, ANN, DAN, utc(2026, 11, 25, 15, 1, 0), seconds=30),
        # A short duplicate is a duplicate first.
        bronze_call(AS_OF, "day2.csv", 4, DAN, ANN, utc(2026, 11, 25, 15, 0, 59), seconds=5),
        bronze_call(AS_OF, "day2.csv", 5, OLGA, CAROL, at),  # internal_only before opted_out
        bronze_call(AS_OF, "day2.csv", 6, BOB, OLGA, at),
        bronze_call(date(2026, 11, 27), "day3.csv", 2, ANN, BOB, at),  # ingested after the logical date
    ]
    calls = spark.createDataFrame(rows, CALL_RECORD)
    interactions, outcomes = call_interactions(calls, addresses(spark), AS_OF, settings)

    got = interactions.select("event_at", "colleague_email", "contact_email", "direction")
    expected = spark.createDataFrame(
        [(at, ANN, DAN, "received"), (utc(2026, 11, 25, 15, 1), ANN, DAN, "sent")],
        "event_at timestamp, colleague_email string, contact_email string, direction string",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    assert interactions.select("interaction_id").distinct().count() == 2

    reasons = spark.createDataFrame(
        [
            ("day1.csv", 2, None),
            ("day2.csv", 2, "duplicate"),
            ("day2.csv", 3, None),
            ("day2.csv", 4, "duplicate"),
            ("day2.csv", 5, "internal_only"),
            ("day2.csv", 6, "opted_out"),
        ],
        OUTCOME_SCHEMA,
    )
    got_reasons = outcomes.select("source_file", "position", "filter_reason")
    assert_df_equality(got_reasons, reasons, ignore_row_order=True, ignore_nullable=True)
    assert {row.source for row in outcomes.collect()} == {"calls"}


def test_min_call_seconds_comes_from_the_settings(spark, settings):
    strict = settings.with_conf("filters", min_call_seconds=200)
    calls = spark.createDataFrame(
        [
            bronze_call(AS_OF, "f.csv", 2, ANN, BOB, utc(2026, 11, 20, 9), seconds=199),
            bronze_call(AS_OF, "f.csv", 3, ANN, BOB, utc(2026, 11, 21, 9), seconds=200),
        ],
        CALL_RECORD,
    )
    _, outcomes = call_interactions(calls, addresses(spark), AS_OF, strict)
    got = sorted((row.position, row.filter_reason) for row in outcomes.collect())
    assert got == [(2, "short_call"), (3, None)]


def test_withheld_colleague_is_dropped_whatever_the_directory_flag(spark, settings):
    withheld = spark.createDataFrame(
        [(ANN, ANN, True, True), ("a.n@contoso.com", ANN, True, True)], ADDRESSES_SCHEMA
    )
    calls = spark.createDataFrame(
        [bronze_call(AS_OF, "f.csv", 2, BOB, "a.n@contoso.com", utc(2026, 11, 20, 9))], CALL_RECORD
    )
    interactions, outcomes = call_interactions(calls, withheld, AS_OF, settings)
    assert interactions.count() == 0
    assert [row.filter_reason for row in outcomes.collect()] == ["opted_out"]
