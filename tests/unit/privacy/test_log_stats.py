"""wkw.privacy.logs: no Delta log of the lake keeps min/max statistics of a text column (an address, a name).
A table whose old commits and checkpoint hold them is rewritten so that no file of its `_delta_log` names
the person, and it still reads the same rows; statistics of dates stay; a scrub's commits name nobody."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from pathlib import Path

from deltalake import DeltaTable as RustTable
from support.delta_log import log_files_naming
from support.tiny_lake import COLLEAGUE, LEAD, write_publication
from wkw.config import BRONZE, load_settings
from wkw.privacy.logs import log_names_people, rewrite_logs
from wkw.privacy.purge import repoint_publication
from wkw.privacy.scrub import scrub_table
from wkw.serve.published import current_publication, read_rows

ANN, BOB = "ann.lee@fabrikam.com", "bob.ruiz@fabrikam.com"
ANN_NAME = "Ann Lee"
DAY = date(2026, 11, 26)
SCHEMA = "contact_email string, contact_name string, mails int, ingest_date date"
OLD_STATS = {"delta.dataSkippingNumIndexedCols": "32"}  # as tables were written before the lake's default


def _settings(tmp_path: Path):
    return dataclasses.replace(load_settings(), lake=str(tmp_path / "lake"))


def _rows(spark, table: Path) -> list[tuple]:
    return sorted(tuple(row) for row in spark.read.format("delta").load(str(table)).collect())


def _write(spark, table: Path, rows: list[tuple], options: dict[str, str] | None = None, mode="append"):
    writer = spark.createDataFrame(rows, SCHEMA).write.format("delta").mode(mode).partitionBy("ingest_date")
    writer.options(**(options or {})).save(str(table))


def test_a_log_with_statistics_of_addresses_is_rewritten_and_still_reads(spark, tmp_path):
    settings = _settings(tmp_path)
    table = Path(settings.table_path(BRONZE, "address_book"))
    _write(spark, table, [(ANN, ANN_NAME, 3, DAY)], OLD_STATS)
    _write(spark, table, [(BOB, "Bob Ruiz", 1, DAY)])
    RustTable(str(table)).create_checkpoint()  # an old checkpoint copies the add actions' statistics
    spark.sql(f"DELETE FROM delta.`{table}` WHERE contact_email = '{BOB}'")
    assert log_files_naming(table, ANN, ANN_NAME)
    assert log_names_people(str(table))
    clean = Path(settings.table_path(BRONZE, "calls"))
    _write(spark, clean, [(ANN, ANN_NAME, 2, DAY)])  # written under the session's default: no statistics
    before = _rows(spark, table)

    rewritten, tables = rewrite_logs(spark, settings)

    assert (list(rewritten), tables) == ([str(table)], 2)
    assert log_files_naming(table, ANN, ANN_NAME, BOB) == []
    assert not log_names_people(str(table))
    assert _rows(spark, table) == before == [(ANN, ANN_NAME, 3, DAY)]
    read_side = RustTable(str(table))  # the read side (delta-rs) at the version the stage publishes
    assert read_side.version() == rewritten[str(table)]
    assert read_side.to_pyarrow_table().to_pylist()[0]["contact_email"] == ANN
    assert read_side.metadata().partition_columns == ["ingest_date"]
    assert rewrite_logs(spark, settings) == ({}, 2)  # nothing left to do: no Spark job


def test_statistics_of_dates_alone_are_kept(spark, tmp_path):
    table = tmp_path / "interactions"
    _write(spark, table, [(ANN, ANN_NAME, 3, DAY)], {"delta.dataSkippingStatsColumns": "mails"})
    assert log_files_naming(table, '\\"mails\\":3')  # min/max of a number, naming nobody
    assert not log_names_people(str(table))


def test_a_table_told_to_keep_statistics_of_an_address_is_told_otherwise(spark, tmp_path):
    settings = _settings(tmp_path)
    table = Path(settings.table_path(BRONZE, "meetings"))
    _write(spark, table, [(ANN, ANN_NAME, 3, DAY)], {"delta.dataSkippingStatsColumns": "mails,contact_email"})
    assert log_names_people(str(table))

    assert list(rewrite_logs(spark, settings)[0]) == [str(table)]

    assert "delta.dataSkippingStatsColumns" not in RustTable(str(table)).metadata().configuration
    assert log_files_naming(table, ANN) == []
    assert rewrite_logs(spark, settings) == ({}, 1)  # not rewritten again every night


def test_a_scrub_commits_no_statistics_of_addresses(spark, tmp_path):
    table = tmp_path / "mail"
    _write(spark, table, [(ANN, ANN_NAME, 3, DAY), (BOB, "Bob Ruiz", 1, DAY)])
    bob = hashlib.sha256(BOB.encode()).hexdigest()

    assert scrub_table(spark, str(table), [bob])["deleted"] == 1

    assert log_files_naming(table, ANN, BOB, ANN_NAME) == []
    assert not log_names_people(str(table))


def test_the_current_publication_still_reads_after_its_tables_logs_are_rewritten(spark, tmp_path):
    lake = tmp_path / "lake"
    write_publication(lake)  # delta-rs, as before the rule: min/max of every column in every commit
    write_publication(lake)  # a second publication: the first one's versions are history
    settings = dataclasses.replace(load_settings(), lake=str(lake))
    before = current_publication(settings)
    shown = read_rows(settings, before, "introducers", LEAD)
    assert log_files_naming(lake / "published" / "introducers", LEAD)

    rewritten, _ = rewrite_logs(spark, settings)  # then repoint, as the privacy stage does
    repoint_publication(spark, settings, rewritten)

    assert {"introducers", "top_introducers"} <= {Path(path).name for path in rewritten}
    for table in (log.parent for log in lake.glob("*/*/_delta_log")):
        assert log_files_naming(table, LEAD, COLLEAGUE) == [], table.name
    after = current_publication(settings)
    assert after.publication_id == before.publication_id
    assert set(after.table_versions) == set(before.table_versions)  # `publications` never names itself
    assert after.table_versions["introducers"] == rewritten[str(lake / "published" / "introducers")]
    assert read_rows(settings, after, "introducers", LEAD) == shown
