"""The publication gate: clean staged tables pass; each kind of corruption is caught and named."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F
from support.people import opted_out_only
from support.staged_gold import staged_gold
from wkw.checks.cross_table import cross_table_failures
from wkw.checks.gx import validate_tables

PARAMETERS = {"top_n": 5, "strength_max": 1.0}
OPTED = "c1@contoso.com"


@pytest.fixture(scope="module")
def staged(spark):
    return staged_gold(spark)


def test_clean_tables_pass_every_suite(staged, tmp_path):
    failures, checks = validate_tables(staged, PARAMETERS, str(tmp_path / "docs"), run_name="clean")
    assert failures == []
    assert checks >= 25
    assert (tmp_path / "docs" / "index.html").exists()


def _duplicate_key(t):
    return {"connection_strength": t["connection_strength"].unionByName(t["connection_strength"].limit(1))}


def _strength_above_one(t):
    return {"connection_strength": t["connection_strength"].withColumn("strength", F.lit(1.5))}


def _six_in_tile(t):
    return {"top_introducers": t["introducers"]}


def _self_introduction(t):
    return {"introducers": t["introducers"].withColumn("colleague_email", F.col("contact_email"))}


@pytest.mark.parametrize(
    ("corrupt", "table", "check"),
    [
        (_duplicate_key, "connection_strength", "expect_compound_columns_to_be_unique"),
        (_strength_above_one, "connection_strength", "expect_column_values_to_be_between"),
        (_six_in_tile, "top_introducers", "expect_column_values_to_be_between"),
        (_self_introduction, "introducers", "unexpected_rows_expectation"),
    ],
)
def test_each_corruption_is_caught_and_named(staged, corrupt, table, check, tmp_path):
    failures, _ = validate_tables(corrupt(staged), PARAMETERS, str(tmp_path), run_name="bad")
    assert (table, check) in {(f.table, f.check) for f in failures}, failures
    assert (tmp_path / "index.html").exists(), "Data Docs are written for a failed run too"


def test_cross_table_checks_catch_opted_out_orphans_and_unbalanced_counts(spark, staged):
    directory = spark.createDataFrame(
        [(OPTED, True, True)], "email string, active boolean, opted_out boolean"
    )
    reconciliation = spark.createDataFrame(
        [("mail", 10, 5, 2, 2, False)],
        "source string, read long, accepted long, filtered long, quarantined long, balanced boolean",
    )
    orphan_tile = dict(
        staged, top_introducers=staged["top_introducers"].withColumn("rank", F.col("rank") + 10)
    )
    found = cross_table_failures(orphan_tile, opted_out_only(directory), reconciliation)
    failures = {(f.table, f.check) for f in found}
    assert ("connection_strength", "no_opted_out_colleague") in failures
    assert ("introducers", "no_opted_out_colleague") in failures
    assert ("top_introducers", "tile_rows_in_list") in failures
    assert ("introducers", "introducer_in_directory") in failures
    assert ("top_introducers", "introducer_in_directory") in failures
    assert ("connection_strength", "introducer_in_directory") not in failures
    assert ("reconciliation", "counts_balance") in failures
    clean = directory.where("false")
    balanced = reconciliation.withColumn("balanced", F.lit(True))
    assert cross_table_failures(staged, opted_out_only(clean), balanced) == []
