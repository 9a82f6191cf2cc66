"""Directory exports as CSV and JSON (lines or one array), unioned into one snapshot with `groups`."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from chispa import assert_df_equality
from pyspark.sql import functions as F
from support.paths import DATA
from wkw.sources.people import extract_directory, read_directory_json

AS_OF = date(2026, 11, 26)
USER_SCHEMA = (
    "user_id string, email string, aliases array<string>, name string, region string, roles array<string>, "
    "licences array<string>, groups array<string>, active boolean, opted_out boolean"
)
DIRECTORY_COLUMNS = [
    "ingest_date",
    "user_id",
    "email",
    "aliases",
    "name",
    "title",
    "department",
    "region",
    "roles",
    "licences",
    "groups",
    "active",
    "opted_out",
]


def land(settings, folder: Path) -> Path:
    target = Path(settings.landing_dir("directory", AS_OF.isoformat()))
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.iterdir()):
        shutil.copy(path, target / path.name)
    return target


def test_csv_and_json_users_are_one_snapshot(spark, settings):
    land(settings, DATA / "directory" / AS_OF.isoformat())
    users, quarantined, counts = extract_directory(spark, settings, AS_OF)

    assert users.columns == DIRECTORY_COLUMNS
    expected = spark.createDataFrame(
        [
            (
                "u1",
                "ann@contoso.com",
                ["a.n@contoso.com", "ann.n@contoso.com"],
                "Ann North",
                "EMEA",
                ["Salesperson"],
                ["Sales Premium"],
                ["All Staff", "Sales EMEA"],
                True,
                False,
            ),
            ("u2", "carol@contoso.com", [], "Carol Chen", "NA", [], [], [], True, False),
            (
                "u4",
                "olga@contoso.com",
                ["o.l@contoso.com"],
                "Olga Lind",
                "NA",
                ["Sales Manager"],
                ["Sales Premium"],
                ["Leadership", "Sales NA"],
                True,
                True,
            ),
            ("5", "pat@contoso.com", [], "Pat Park", None, [], [], ["Finance", "M&A"], False, False),
            (
                "u6",
                "quinn@contoso.com",
                ["q@contoso.com"],
                "Quinn Quade",
                "APAC",
                ["Salesperson"],
                [],
                [],
                True,
                False,
            ),
            (
                "u7",
                "rae@contoso.com",
                [],
                "Rae Ross",
                None,
                ["Sales Manager", "Salesperson"],
                [],
                [],
                True,
                False,
            ),
        ],
        USER_SCHEMA,
    )
    got = users.select(*expected.columns)
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    assert {row.ingest_date for row in users.collect()} == {AS_OF}

    bad = [(row.source_file.rsplit("/", 1)[-1], row.position, row.reason) for row in quarantined.collect()]
    assert bad == [("users.csv", 4, "bad_email")]  # CSV rows keep their line numbers too
    assert [tuple(counts.first())] == [(AS_OF, "directory", 7, 6, 0, {}, 1)]


def test_json_records_keep_their_line_numbers(spark, settings):
    folder = land(settings, DATA / "directory" / AS_OF.isoformat())
    files = [str(folder / "users_array.json"), str(folder / "users.jsonl")]
    rows = read_directory_json(spark, files, settings.extract.limits).select(
        F.element_at(F.split("source_file", "/"), -1).alias("file"), "position", "id", "reason"
    )
    got = sorted(tuple(row) for row in rows.collect())
    assert got == [
        ("users.jsonl", 1, "u4", None),
        ("users.jsonl", 2, "5", None),
        ("users_array.json", 2, "u6", None),
        ("users_array.json", 15, "u7", None),
    ]


def test_bad_directory_files_are_quarantined_and_the_rest_kept(spark, settings):
    land(settings, DATA / "bad" / "directory")
    users, quarantined, counts = extract_directory(spark, settings, AS_OF)

    kept = sorted((row.user_id, row.email, row.groups) for row in users.collect())
    assert kept == [
        ("b1", "bea@contoso.com", []),
        ("t1", "tom@contoso.com", []),
        ("u10", "uma@contoso.com", []),  # an export without the groups column still reads
    ]
    expected = spark.createDataFrame(
        [
            ("broken.jsonl", 2, "bad_json"),
            ("broken.jsonl", 4, "bad_json"),
            ("broken.jsonl", 5, "bad_email"),
            ("broken.jsonl", 6, "bad_json"),
            ("empty.json", 0, "empty_file"),
            ("short_rows.csv", 2, "bad_row"),  # 2 fields under an 11-column header
            ("truncated.json", 3, "bad_json"),
        ],
        "source_file string, position long, reason string",
    )
    got = quarantined.select(
        F.element_at(F.split("source_file", "/"), -1).alias("source_file"), "position", "reason"
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)
    details = {
        row.position: row.detail for row in quarantined.collect() if row.source_file.endswith("broken.jsonl")
    }
    assert details[5] == "the email field is not an address"  # never the value itself
    assert "user object" in details[4]
    assert [tuple(counts.first())] == [(AS_OF, "directory", 10, 3, 0, {}, 7)]


def test_csv_columns_are_read_by_name_and_a_shifted_row_is_quarantined(spark, settings):
    # Before: columns were read by position, so a reordered export or an unquoted comma silently moved
    # `opted_out` (an opted-out colleague came back as analysed).
    target = Path(settings.landing_dir("directory", AS_OF.isoformat()))
    target.mkdir(parents=True)
    (target / "reordered.csv").write_text(
        "opted_out,email,id,name,title,department,region,roles,licences,active,aliases\n"
        "true,olga@contoso.com,u7,Olga,VP,Sales,NA,,,true,\n"
        "false,ann@contoso.com,u1,Ann,AE,Sales,EMEA,salesperson,Sales Premium,true,a.n@contoso.com\n"
        "false,bob@contoso.com,u2,Bob, Jr.,AE,Sales,NA,salesperson,,true,\n"  # an unquoted comma
    )
    (target / "short.csv").write_text("id,email,name\nu9,zed@contoso.com,Zed\n")  # no opted_out column
    users, quarantined, counts = extract_directory(spark, settings, AS_OF)
    got = {r.email: (r.user_id, r.opted_out, r.active, r.aliases) for r in users.collect()}
    assert got == {
        "olga@contoso.com": ("u7", True, True, []),
        "ann@contoso.com": ("u1", False, True, ["a.n@contoso.com"]),
    }
    held = sorted((Path(r.source_file).name, r.position, r.reason) for r in quarantined.collect())
    assert held == [
        ("reordered.csv", 4, "bad_row"),
        ("short.csv", 1, "bad_header"),
        ("short.csv", 2, "bad_header"),
    ]
    [count] = counts.collect()
    assert (count.read, count.accepted, count.quarantined) == (5, 2, 3)
