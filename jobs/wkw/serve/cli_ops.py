"""The operator commands of `wkw`: run the pipeline under Airflow, and look into the lake with Spark.

wkw run --date 2026-11-26             the nightly DAG for one logical date (airflow dags test)
wkw airflow standalone                any airflow command on the project's Airflow home
wkw backtest --as-of 2026-09-01       the model's ranking against raw-count and recency rankings
wkw sql "SELECT * FROM wkw.top_introducers LIMIT 5"
wkw spark-conf --catalog              a Spark properties file for spark-sql or pyspark

`register_pipeline(app)` adds `run` and `airflow`, `register_spark(app)` adds `backtest`, `sql` and
`spark-conf` (two calls, so that `wkw --help` keeps listing the commands in their usual order). Airflow,
Spark and the backtest are imported inside the commands only: `wkw --help` stays fast.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from wkw.config import load_settings

console = Console()


def run(
    date_: Annotated[str, typer.Option("--date", help="logical date, YYYY-MM-DD")],
    landing: Annotated[Path | None, typer.Option(help="landing folder (default: conf / WKW_LANDING)")] = None,
    lake: Annotated[Path | None, typer.Option(help="lake root (default: conf / WKW_LAKE)")] = None,
    full: Annotated[bool, typer.Option(help="recompute interactions and strength from all history")] = False,
) -> None:
    """Run the nightly DAG for one logical date: `airflow dags test who_knows_whom DATE`."""
    from wkw.ops.airflow import DAG_ID, airflow, airflow_env, ensure_airflow_db

    day = date.fromisoformat(date_).isoformat()
    env = dict(os.environ)
    if landing is not None:
        env["WKW_LANDING"] = str(landing.resolve())
    if lake is not None:
        env["WKW_LAKE"] = str(lake.resolve())
    env = airflow_env(env)
    ensure_airflow_db(env)
    conf = json.dumps({"mode": "full" if full else "incremental"})
    result = airflow(["dags", "test", DAG_ID, day, "--conf", conf], env, check=False)
    raise typer.Exit(result.returncode)


def airflow(args: Annotated[list[str], typer.Argument(help="arguments for the airflow command")]) -> None:
    """Any `airflow` command on the project's Airflow home, e.g. `wkw airflow standalone`."""
    from wkw.ops.airflow import airflow as run_airflow
    from wkw.ops.airflow import airflow_env

    raise typer.Exit(run_airflow(args, airflow_env(), check=False).returncode)


def backtest(
    as_of: Annotated[str, typer.Option("--as-of", help="rank as of this date, YYYY-MM-DD")],
    horizon_days: Annotated[int, typer.Option(help="relevant = who deals with the contact within")] = 90,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON for machines")] = False,
) -> None:
    """Precision@5, NDCG@5 and MRR of the model against raw-count and recency rankings (silver data)."""
    from wkw.config import SILVER
    from wkw.lake import read_table
    from wkw.session import get_spark
    from wkw.tools.backtest import METHODS, evaluate

    settings = load_settings()
    spark = get_spark(settings, "backtest")
    interactions = read_table(spark, settings, SILVER, "interactions")
    result = evaluate(interactions, date.fromisoformat(as_of), horizon_days, settings.model, settings.bands)
    spark.stop()
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    table = Table(title=f"Backtest as of {as_of}, horizon {horizon_days} days, {result['contacts']} contacts")
    for column in ("ranking", "precision@5", "NDCG@5", "MRR"):
        table.add_column(column)
    for method in METHODS:
        scores = result[method]
        table.add_row(
            method, f"{scores['precision_at_5']:.4f}", f"{scores['ndcg_at_5']:.4f}", f"{scores['mrr']:.4f}"
        )
    console.print(table)


def sql(
    query: Annotated[str, typer.Argument(help="Spark SQL, e.g. SELECT * FROM wkw.top_introducers")],
) -> None:
    """Run Spark SQL against the catalog (database `wkw`) with the project's Spark settings."""
    from wkw.session import get_spark

    spark = get_spark(load_settings(), "sql", with_catalog=True)
    spark.sql(query).show(truncate=False)
    spark.stop()


def spark_conf_file(
    catalog: Annotated[bool, typer.Option("--catalog", help="with the embedded metastore (wkw)")] = False,
) -> None:
    """Print the path of a Spark properties file with the project's settings, for spark-sql or pyspark:
    `spark-sql --properties-file "$(wkw spark-conf --catalog)" -e "SELECT * FROM wkw.top_introducers"`."""
    from wkw.ops.airflow import spark_properties_file

    typer.echo(spark_properties_file(with_catalog=catalog))


def register_pipeline(app: typer.Typer) -> None:
    """Add `run` and `airflow` to `app` (the `wkw` app calls this once)."""
    app.command()(run)
    app.command()(airflow)


def register_spark(app: typer.Typer) -> None:
    """Add `backtest`, `sql` and `spark-conf` to `app` (the `wkw` app calls this once)."""
    app.command()(backtest)
    app.command()(sql)
    app.command("spark-conf")(spark_conf_file)
