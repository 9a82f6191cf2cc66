"""The publication gate: clean staged tables pass; each kind of corruption is caught and named."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F
from support.people import opted_out_only
from support.staged_gold import staged_gold
from wkw.checks.cross_table import account_failures, cross_table_failures, trend_failures, withheld_failures
from wkw.checks.gx import validate_tables
from wkw.config import load_settings
from wkw.privacy.policy import subject_hash

PARAMETERS = {"top_n": 5, "strength_max": 1.0}
OPTED = "c1@contoso.com"
COLLEAGUES = 6
ACCOUNTS = load_settings().accounts
PERSON = {"email": "stranger@fabrikam.com", "name": "Stranger", "band": "strong", "strength": 0.9}


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


def _accounts_out_of_order(t):
    view = t["account_introducers"]
    return {"account_introducers": view.withColumn("rank", F.lit(1 + COLLEAGUES) - F.col("rank"))}


def _nobody_named(t):
    return {"account_introducers": t["account_introducers"].withColumn("named_contacts", F.array())}


@pytest.mark.parametrize(
    ("corrupt", "table", "check"),
    [
        (_accounts_out_of_order, "account_introducers", "unexpected_rows_expectation"),
        (_nobody_named, "account_introducers", "unexpected_rows_expectation"),
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
    assert ("account_introducers", "no_opted_out_colleague") in failures
    assert ("account_introducers", "introducer_in_directory") in failures
    assert ("connection_strength", "introducer_in_directory") not in failures
    assert ("reconciliation", "counts_balance") in failures
    clean = directory.where("false")
    balanced = reconciliation.withColumn("balanced", F.lit(True))
    assert cross_table_failures(staged, opted_out_only(clean), balanced) == []


def test_the_account_view_agrees_with_the_list_or_the_check_names_how(spark, staged):
    assert staged["account_introducers"].count() == COLLEAGUES
    assert account_failures(staged, ACCOUNTS) == []
    view = staged["account_introducers"]
    stranger = F.array(F.struct(*(F.lit(v).alias(k) for k, v in PERSON.items())))
    corrupt = {
        "named_contacts_in_list": view.withColumn(
            "named_contacts", F.when(F.col("rank") == 1, stranger).otherwise(F.col("named_contacts"))
        ),
        "counts_agree_with_list": view.withColumn("strong_contacts", F.col("strong_contacts") + 1),
        "named_contacts_count": view.withColumn("named_contacts", F.array()),
    }
    for check, table in corrupt.items():
        found = account_failures(dict(staged, account_introducers=table), ACCOUNTS)
        assert [(f.table, f.check) for f in found if f.check == check] == [("account_introducers", check)]
    # A night whose list lost a colleague (say, the privacy stage ran in between) no longer agrees.
    fewer = dict(staged, introducers=staged["introducers"].where(F.col("colleague_email") != OPTED))
    assert {f.check for f in account_failures(fewer, ACCOUNTS)} == {
        "counts_agree_with_list",
        "named_contacts_in_list",
    }


def test_the_list_and_tile_say_of_each_tie_s_past_what_the_scores_say(staged):
    assert trend_failures(staged) == []
    assert {r.trend for r in staged["introducers"].collect()} == {"rising"}  # all mail within 90 days
    faded = staged["top_introducers"].withColumn("trend", F.lit("fading"))
    found = trend_failures(dict(staged, top_introducers=faded))
    assert [(f.table, f.check, f.detail) for f in found] == [
        ("top_introducers", "trend_agrees_with_strength", "5 rows differ from connection_strength")
    ]


def test_a_withheld_person_among_the_named_contacts_is_caught(staged):
    lead = staged["introducers"].first().contact_email
    found = withheld_failures({"account_introducers": staged["account_introducers"]}, [subject_hash(lead)])
    assert [(f.table, f.check) for f in found] == [("account_introducers", "no_withheld_person")]
