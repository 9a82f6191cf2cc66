"""The privacy register across nights: an opt-out is withdrawn by a later snapshot that analyses the
colleague again, never by a rerun of an older night (whose directory predates the opt-out). Before, `wkw
run --date D1` after an opt-out on D2 withdrew it and published the colleague again."""

from __future__ import annotations

from datetime import date

from wkw.privacy.register import APPLIED, REGISTER_SCHEMA, WITHDRAWN, updated_register

D1, D2, D3 = date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)
OLGA = "a" * 64


def register(spark):
    row = ("colleague:aaaa", "opt_out", OLGA, [OLGA], D2, APPLIED, None, None, None, "redacted:01", [])
    return spark.createDataFrame([row], REGISTER_SCHEMA)


def status_after(spark, as_of):
    tonight = spark.createDataFrame(
        [], "request_id string, kind string, subject_sha256 string, address_sha256 array<string>"
    )
    analysed = spark.createDataFrame([(OLGA,)], "subject_sha256 string")  # the snapshot analyses Olga
    [row] = updated_register(register(spark), tonight, analysed, as_of).collect()
    return row.status, row.withdrawn_date


def test_a_rerun_of_an_older_night_never_withdraws_an_opt_out(spark):
    assert status_after(spark, D1) == (APPLIED, None)


def test_a_later_snapshot_that_analyses_the_colleague_withdraws_it(spark):
    assert status_after(spark, D3) == (WITHDRAWN, D3)


def test_an_alias_added_after_the_opt_out_joins_the_request(spark):
    # Before: the register kept the addresses of the first night, and the new alias was published as an
    # ordinary colleague.
    alias = "b" * 64
    tonight = spark.createDataFrame(
        [("colleague:aaaa", "opt_out", OLGA, sorted([OLGA, alias]))],
        "request_id string, kind string, subject_sha256 string, address_sha256 array<string>",
    )
    analysed = spark.createDataFrame([], "subject_sha256 string")
    [row] = updated_register(register(spark), tonight, analysed, D3).collect()
    assert (row.status, row.address_sha256) == (APPLIED, sorted([OLGA, alias]))
