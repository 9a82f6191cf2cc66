"""`wkw sql` is an analyst's tool: read-only by default, writes only with --write, never time travel (old
versions and change feeds may still hold a removed person until VACUUM). Before, it ran any statement
(DROP, DELETE, VERSION AS OF) for whoever had the CLI. Refusals come before Spark starts."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner
from wkw.serve.cli import app
from wkw.serve.cli_ops import sql_refusal


@pytest.mark.parametrize(
    "query",
    ["SELECT * FROM wkw.top_introducers", "  with t as (select 1) select * from t", "SHOW TABLES IN wkw",
     "DESCRIBE wkw.introducers", "explain select 1", "-- a comment\nSELECT 1;"],
)  # fmt: skip
def test_reads_run(query):
    assert sql_refusal(query, write=False) is None


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("DROP TABLE wkw.introducers", "DROP changes tables: read-only unless --write"),
        ("delete from wkw.introducers where rank > 1", "DELETE changes tables"),
        ("/* sneaky */ INSERT INTO wkw.publications SELECT * FROM x", "INSERT changes tables"),
        ("SELECT * FROM wkw.introducers VERSION AS OF 3", "time travel and change feeds"),
        ("select * from wkw.introducers timestamp as of '2026-11-01'", "time travel"),
        ("SELECT * FROM table_changes('wkw.publications', 0)", "change feeds"),
        ("SELECT 1; DROP TABLE wkw.introducers", "one statement at a time"),
        ("   ", "an empty statement"),
    ],
)
def test_writes_history_and_batches_are_refused(query, why):
    assert why in sql_refusal(query, write=False)


def test_write_allows_changes_but_never_history():
    assert sql_refusal("OPTIMIZE wkw.introducers", write=True) is None
    assert "time travel" in sql_refusal("SELECT * FROM wkw.introducers VERSION AS OF 1", write=True)


def test_the_cli_refuses_before_spark_starts():
    result = CliRunner().invoke(app, ["sql", "DROP TABLE wkw.introducers"])
    assert result.exit_code == 2 and "wkw sql refused: DROP changes tables" in result.output


class _SharedSession:
    """The suite's session, lent to `wkw sql` as if it were its own: `sql` stops its own session when
    done, which must not stop the suite's."""

    def __init__(self, spark) -> None:
        self.sql = spark.sql

    def stop(self) -> None:
        return None


@pytest.mark.parametrize(
    ("query", "line_start", "named"),
    [
        ("SELECT * FROM wkw_no_such_db.top_introducrs", "TABLE_OR_VIEW_NOT_FOUND: ", "top_introducrs"),
        ("SELECT * FRM wkw.top_introducers", "PARSE_SYNTAX_ERROR: Syntax error at or near", "pos 13"),
    ],
)
def test_a_refused_query_is_one_line_and_exit_1(spark, monkeypatch, query, line_start, named):
    """Before, a mistyped table name printed Spark's stack trace (the exception escaped the command)."""
    import wkw.ops.spark_client
    import wkw.session

    monkeypatch.setattr(wkw.ops.spark_client, "status", lambda settings: None)
    monkeypatch.setattr(wkw.session, "get_spark", lambda *args, **kwargs: _SharedSession(spark))
    result = CliRunner().invoke(app, ["sql", query])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert len(lines) == 1, result.output
    assert lines[0].startswith(line_start) and named in lines[0]
    assert "Traceback" not in result.output and "at org.apache.spark" not in result.output
