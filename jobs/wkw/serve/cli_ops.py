"""The operator commands of `wkw`: run the pipeline under Airflow, and look into the lake with Spark.

wkw run --date 2026-11-26             the nightly DAG for one logical date (airflow dags test)
wkw backfill --from D1 --to D2        the nightly DAG for every day of a range, resumable
wkw spark start|status|stop           the lake's warm Spark (every stage's driver, Spark Connect)
wkw airflow standalone                any airflow command on the project's Airflow home
wkw backtest --as-of 2026-09-01       the model's ranking against the count and recency rules (raw mail)
wkw calibrate --as-of 2026-09-01      fit the model on the mail before a date (the DAG's calibrate task)
wkw sql "SELECT * FROM wkw.top_introducers LIMIT 5"
wkw spark-conf --catalog              a Spark properties file for spark-sql or pyspark

`register_pipeline(app)` adds `run`, `backfill` and `airflow`, `register_spark(app)` adds `backtest`, `sql`
and `spark-conf` (two calls, so that `wkw --help` keeps listing the commands in their usual order). Airflow,
Spark and the backtest are imported inside the commands only: `wkw --help` stays fast.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wkw.config import load_settings
from wkw.serve.cli_backfill import backfill
from wkw.serve.cli_night import night_env, run_night, settings_of, warm_spark
from wkw.serve.cli_spark import spark_app

console = Console()


def run(
    date_: Annotated[str, typer.Option("--date", help="logical date, YYYY-MM-DD")],
    landing: Annotated[Path | None, typer.Option(help="landing folder (default: conf / WKW_LANDING)")] = None,
    lake: Annotated[Path | None, typer.Option(help="lake root (default: conf / WKW_LAKE)")] = None,
    full: Annotated[bool, typer.Option(help="recompute interactions and strength from all history")] = False,
    calibrate: Annotated[bool, typer.Option(help="calibrate the model tonight, whatever the day")] = False,
    verbose: Annotated[bool, typer.Option(help="stream Airflow's log too (a file has it always)")] = False,
) -> None:
    """Run the nightly DAG for one logical date (`airflow dags test who_knows_whom DATE`, with the run's
    true start time recorded) on the lake's warm Spark, one progress line per task; Airflow's log goes to
    <lake>/_reports/runs/. Exits non-zero unless every task ran and succeeded (or skipped)."""
    from wkw.ops.airflow import FIRST_LOGICAL_DATE, LakeBusy, lake_lock

    logical = date.fromisoformat(date_)
    if logical < FIRST_LOGICAL_DATE:
        console.print(
            f"[red]{logical} is before the DAG's first logical date {FIRST_LOGICAL_DATE}: nothing runs[/red]"
        )
        raise typer.Exit(2)
    env = night_env(landing, lake)
    settings = settings_of(env)
    try:
        with lake_lock(settings.lake):
            _run_dag(env, settings, logical, full, calibrate, verbose)
    except LakeBusy as busy:
        console.print(f"[red]wkw run --date {logical}: {busy}[/red]")
        raise typer.Exit(3) from None


def _run_dag(env: dict, settings, logical: date, full: bool, calibrate: bool, verbose: bool) -> None:
    """The warm Spark up for the night (wkw.serve.cli_night), the DAG for `logical` with a line per
    finished task, then every task's state read back (typer.Exit unless all done)."""
    from wkw.ops.airflow import ensure_airflow_db
    from wkw.ops.night import elapsed_since, run_log_path
    from wkw.pipeline import FULL, INCREMENTAL

    day = logical.isoformat()
    log_path = run_log_path(settings, logical)
    console.print(f"wkw run --date {day}: lake {settings.lake}; Airflow's log {log_path}", soft_wrap=True)
    ensure_airflow_db(env, log_path)
    started_at = time.monotonic()
    conf = {"mode": FULL if full else INCREMENTAL, "calibrate": calibrate}
    with warm_spark(settings, env):
        result = run_night(env, settings, logical, conf, verbose, log_path)
    if result.problem is not None:
        console.print(f"[red]wkw run --date {day}: {escape(result.problem)}; the log: {log_path}[/red]")
        raise typer.Exit(result.exit_code)
    console.print(f"wkw run --date {day}: every task done in {elapsed_since(started_at):.1f} s")


def airflow(args: Annotated[list[str], typer.Argument(help="arguments for the airflow command")]) -> None:
    """Any `airflow` command on the project's Airflow home, e.g. `wkw airflow standalone`."""
    from wkw.ops.airflow import airflow as run_airflow
    from wkw.ops.airflow import airflow_env

    raise typer.Exit(run_airflow(args, airflow_env(), check=False).returncode)


def backtest(
    as_of: Annotated[list[str], typer.Option("--as-of", help="rank as of this date, YYYY-MM-DD (repeat it)")],
    horizon_days: Annotated[int, typer.Option(help="relevant = who deals with the contact within")] = 120,
    relevance: Annotated[
        str, typer.Option(help="any: a touch either way; sent: the colleague writes")
    ] = "any",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for machines")] = False,
) -> None:
    """NDCG@5, hit@1, MRR and missing pairs of the model's ranking, the count rule and recency, judged
    against the raw mail of bronze (docs/strength.md)."""
    from wkw.tools.backtest import run_backtest

    results = run_backtest(load_settings(), [date.fromisoformat(d) for d in as_of], horizon_days, relevance)
    if as_json:
        typer.echo(json.dumps(results, indent=2))
        return
    for result in results:
        console.print(backtest_table(result))


def backtest_table(result: dict) -> Table:
    from wkw.tools.backtest import METHODS

    table = Table(
        title=f"Backtest as of {result['as_of']}, horizon {result['horizon_days']} days, relevance "
        f"{result['relevance']}: {result['contacts']} contacts, {result['pairs']} pairs"
    )
    for column in ("ranking", "NDCG@5", "hit@1", "MRR", "missing pairs"):
        table.add_column(column)
    for method in METHODS:
        scores = result[method]
        table.add_row(
            method,
            f"{scores['ndcg_at_5']:.4f}",
            f"{scores['hit_at_1']:.4f}",
            f"{scores['mrr']:.4f}",
            f"{scores['missing_pairs']:.1%}",
        )
    return table


def calibrate(
    as_of: Annotated[str, typer.Option("--as-of", help="calibrate on the mail before this date, YYYY-MM-DD")],
    as_json: Annotated[bool, typer.Option("--json", help="print the calibration's row as JSON")] = False,
) -> None:
    """Fit the model's parameters on the company's mail before a date (the DAG's calibrate task, run now):
    one row in gold.model_calibrations, adopted only if it beats the current model and the count rule."""
    from wkw.pipeline import run_stage
    from wkw.stages import calibrate as stage

    day = date.fromisoformat(as_of)
    result = run_stage(stage.STAGE, stage.run, ["--date", day.isoformat(), "--force", "true"])
    if as_json:  # the row the stage wrote, read with delta-rs: no second Spark session
        from deltalake import DeltaTable

        from wkw.config import GOLD
        from wkw.scoring.calibration_store import TABLE

        rows = DeltaTable(load_settings().table_path(GOLD, TABLE)).to_pyarrow_table().to_pylist()
        [row] = [r for r in rows if r["as_of_date"] == day]
        row["parameters"] = dict(row["parameters"])  # a map arrives as (key, value) pairs
        typer.echo(json.dumps(row, default=str, indent=2))
        return
    for line in result.log_lines():
        console.print(line, highlight=False)


READ_ONLY = ("select", "with", "show", "describe", "desc", "explain", "values")
# Old table versions and change feeds may still hold a removed person until VACUUM: never through wkw sql.
HISTORY = re.compile(r"\b(version|timestamp)\s+as\s+of\b|\btable_changes\s*\(|@v\d+\b", re.IGNORECASE)


def sql_refusal(query: str, write: bool) -> str | None:
    """Why `wkw sql` refuses `query` (None: it runs). Read-only unless `write`; no time travel ever."""
    text = re.sub(r"--[^\n]*|/\*.*?\*/", " ", query, flags=re.DOTALL).strip()
    if not text:
        return "an empty statement"
    if HISTORY.search(text):
        return "time travel and change feeds (VERSION AS OF, TIMESTAMP AS OF, table_changes) are not served"
    if ";" in text.rstrip(";"):
        return "one statement at a time"
    first = text.split(None, 1)[0].lower()
    if not write and first not in READ_ONLY:
        return f"{first.upper()} changes tables: read-only unless --write (SELECT, SHOW, DESCRIBE, EXPLAIN)"
    return None


def sql(
    query: Annotated[str, typer.Argument(help="Spark SQL, e.g. SELECT * FROM wkw.top_introducers")],
    write: Annotated[
        bool, typer.Option(help="allow statements that change tables (an operator's tool)")
    ] = False,
) -> None:
    """Read-only Spark SQL for analysts against the catalog (database `wkw`): on the lake's warm Spark
    through Spark Connect when it is up, else in a session of its own; statements that change tables only
    with --write; no time travel."""
    from wkw.serve.cli_spark import show_query
    from wkw.session import get_spark

    refusal = sql_refusal(query, write)
    if refusal is not None:
        console.print(f"[red]wkw sql refused: {refusal}[/red]")
        raise typer.Exit(2)

    from wkw.ops.spark_client import status

    settings = load_settings()
    running = status(settings)
    if running is not None:  # the warm Spark holds the catalog: attach to it through Spark Connect
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.remote(running["connect_url"]).getOrCreate()
    else:
        spark = get_spark(settings, "sql", with_catalog=True)
    try:
        show_query(spark, query)  # wkw.serve.cli_spark
    finally:
        if running is None:  # a session of its own; the warm Spark's stays up
            spark.stop()


def spark_conf_file(
    catalog: Annotated[bool, typer.Option("--catalog", help="with the embedded metastore (wkw)")] = False,
) -> None:
    """Print the path of a Spark properties file with the project's settings, for spark-sql or pyspark:
    `spark-sql --properties-file "$(wkw spark-conf --catalog)" -e "SELECT * FROM wkw.top_introducers"`."""
    from wkw.ops.airflow import spark_properties_file

    typer.echo(spark_properties_file(with_catalog=catalog))


def register_pipeline(app: typer.Typer) -> None:
    """Add `run`, `backfill`, `airflow` and `spark` to `app` (the `wkw` app calls this once)."""
    app.command()(run)
    app.command()(backfill)  # wkw.serve.cli_backfill
    app.command()(airflow)
    app.add_typer(spark_app, name="spark")  # wkw.serve.cli_spark


def register_spark(app: typer.Typer) -> None:
    """Add `backtest`, `calibrate`, `sql` and `spark-conf` to `app` (the `wkw` app calls this once)."""
    app.command()(backtest)
    app.command()(calibrate)
    app.command()(sql)
    app.command("spark-conf")(spark_conf_file)
