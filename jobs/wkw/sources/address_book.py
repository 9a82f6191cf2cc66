"""Extract of address books: CSV `owner,contact_email,contact_name` -> bronze address_book entries.

One row per entry of a colleague's address book (owner: the colleague's e-mail); an export is a full
snapshot, like the directory's, so readers take the newest ingest on or before their date. Files under
`landing/address_book/<day>/` are read with `read_csv_lines` (source file and 1-based line kept). An owner
or contact that is not an e-mail address is quarantined as `bad_email`; reader-level failures keep their
reasons (bad_row, bad_header, empty_file, unreadable_file). Every valid row is kept, repeated entries
too, so that the counts reconcile; readers deduplicate.

    accepted, quarantined, counts = extract_address_book(spark, settings, date(2026, 11, 26))
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import Settings
from wkw.files import list_files
from wkw.sources.csv_lines import clean_email, is_valid_email, read_csv_lines
from wkw.sources.outcomes import outcomes
from wkw.vocabulary import ADDRESS_BOOK_HEADER, ADDRESS_BOOK_SOURCE, BAD_EMAIL


def checked_entries(rows: DataFrame) -> DataFrame:
    """`read_csv_lines` rows with cleaned addresses, `reason` (null if valid) and `detail`."""
    owner, contact = clean_email("owner"), clean_email("contact_email")
    name = F.trim("contact_name")
    owner_ok, contact_ok = is_valid_email(owner), is_valid_email(contact)
    has_bad_email = F.col("reason").isNull() & ~(owner_ok & contact_ok)
    # Which field fails, never its value: quarantine keeps no address.
    bad_address = F.when(owner_ok, F.lit("contact_email is not an address")).otherwise(
        F.lit("owner is not an address")
    )
    return rows.select(
        "source_file",
        "position",
        F.when(has_bad_email, F.lit(BAD_EMAIL)).otherwise(F.col("reason")).alias("reason"),
        F.when(has_bad_email, bad_address).otherwise(F.col("detail")).alias("detail"),
        owner.alias("owner_email"),
        contact.alias("contact_email"),
        F.when(name != "", name).alias("contact_name"),
    ).withColumn("is_accepted", F.col("reason").isNull())


def accepted_entries(checked: DataFrame, as_of: date) -> DataFrame:
    return checked.where("is_accepted").select(
        F.lit(as_of).alias("ingest_date"), "owner_email", "contact_email", "contact_name"
    )


def extract_address_book(
    spark: SparkSession, settings: Settings, as_of: date
) -> tuple[DataFrame, DataFrame, DataFrame]:
    """(accepted entries, QUARANTINE rows, ingest counts) for the address books landed on `as_of`."""
    files = list_files(settings.landing_dir(ADDRESS_BOOK_SOURCE, as_of.isoformat()))
    checked = checked_entries(
        read_csv_lines(spark, files, ADDRESS_BOOK_HEADER, settings.extract.limits)
    ).persist()
    return (
        accepted_entries(checked, as_of),
        *outcomes(checked, "is_accepted", as_of, ADDRESS_BOOK_SOURCE),
    )
