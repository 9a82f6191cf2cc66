"""Address books: every entry kept (repeats too), bad addresses and broken rows quarantined by line."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from chispa import assert_df_equality
from pyspark.sql import functions as F
from support.paths import DATA
from wkw import schemas
from wkw.sources.address_book import extract_address_book

AS_OF = date(2026, 11, 26)
ANN, CAROL, BOB, DAN = "ann@contoso.com", "carol@contoso.com", "bob@fabrikam.com", "dan@adatum.com"


def land(settings, folder: Path) -> None:
    target = Path(settings.landing_dir("address_book", AS_OF.isoformat()))
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.iterdir()):
        shutil.copy(path, target / path.name)


def test_entries_are_normalised_and_bad_ones_quarantined(spark, settings):
    land(settings, DATA / "address_book" / AS_OF.isoformat())
    accepted, quarantined, counts = extract_address_book(spark, settings, AS_OF)

    expected = spark.createDataFrame(
        [
            (AS_OF, ANN, BOB, "Bob Baker"),
            (AS_OF, ANN, CAROL, "Carol Chen"),
            (AS_OF, ANN, BOB, "Bob Baker"),  # a repeated entry is kept: readers deduplicate
            (AS_OF, ANN, "bob.b@fabrikam.com", "Baker, Bob"),
            (AS_OF, CAROL, DAN, None),
        ],
        "ingest_date date, owner_email string, contact_email string, contact_name string",
    )
    assert_df_equality(accepted, expected, ignore_row_order=True, ignore_nullable=True)

    bad = spark.createDataFrame(
        [
            ("address_books.csv", 7, "bad_email", "contact_email is not an address"),  # never the value
            ("address_books.csv", 8, "bad_email", "owner is not an address"),
            ("address_books.csv", 9, "bad_row", "4 fields, the header has 3"),  # never the line's text
        ],
        "source_file string, position long, reason string, detail string",
    )
    got = quarantined.select(
        F.element_at(F.split("source_file", "/"), -1).alias("source_file"), "position", "reason", "detail"
    )
    assert_df_equality(got, bad, ignore_row_order=True, ignore_nullable=True)
    assert [(f.name, f.dataType) for f in quarantined.schema] == [
        (f.name, f.dataType) for f in schemas.QUARANTINE
    ]
    assert {row.source for row in quarantined.collect()} == {"address_book"}
    assert [tuple(counts.first())] == [(AS_OF, "address_book", 8, 5, 0, {}, 3)]


def test_an_empty_export_is_one_quarantined_record(spark, settings, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "address_books.csv").write_bytes(b"")
    land(settings, folder)
    accepted, quarantined, counts = extract_address_book(spark, settings, AS_OF)
    assert accepted.count() == 0
    assert [(row.position, row.reason) for row in quarantined.collect()] == [(0, "empty_file")]
    assert [tuple(counts.first())] == [(AS_OF, "address_book", 1, 0, 0, {}, 1)]
