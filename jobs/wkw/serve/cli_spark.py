"""`wkw spark start|status|stop`: the lake's warm Spark (wkw.ops.spark_server), the one driver every
stage of a night runs on, and the Spark Connect endpoint analysts attach to; and how `wkw sql`
(wkw.serve.cli_ops) shows a query's rows, or in one line why Spark refused it."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

from wkw.config import load_settings

console = Console()

spark_app = typer.Typer(help="The lake's warm Spark: one driver for every stage, Spark Connect for analysts.")


def _show_driver(info: dict, head: str) -> None:
    console.print(f"{head}: pid {info['pid']}, master {info['master']}, application {info['application_id']}")
    console.print(f"  Spark Connect {info['connect_url']} (pyspark --remote {info['connect_url']})")


@spark_app.command("start")
def spark_start() -> None:
    """Start the lake's warm Spark (a no-op when it is up); it stops itself after server_idle_minutes
    (conf/wkw.toml, spark section) without a request."""
    from wkw.ops.spark_client import ServerError, ready_for_queries, start

    settings = load_settings()
    try:
        info, started = start(settings)
        info = ready_for_queries(settings)
    except ServerError as failed:
        console.print(f"[red]{escape(str(failed))}[/red]")
        raise typer.Exit(1) from None
    _show_driver(info, "started" if started else "already up")


@spark_app.command("status")
def spark_status() -> None:
    """Whether the lake's warm Spark is up (exit 1 if not), its master, application and Connect URL."""
    from wkw.ops.spark_client import status

    info = status(load_settings())
    if info is None:
        console.print("the warm Spark is not up (wkw spark start)")
        raise typer.Exit(1)
    _show_driver(info, "up" + (", running a stage" if info["busy"] else ""))
    console.print(f"  {info['stages_run']} stages run")


@spark_app.command("stop")
def spark_stop() -> None:
    """Stop the lake's warm Spark (its session, its application and its Connect endpoint)."""
    from wkw.ops.spark_client import stop

    info = stop(load_settings())
    console.print("stopped" if info is not None else "the warm Spark was not up")


QUERY_CONTEXT_LOGGERS = ("SQLQueryContextLogger", "DataFrameQueryContextLogger")


def show_query(spark, query: str) -> None:
    """Print the query's rows; when Spark refuses it (a missing table, a syntax error), one line on stderr,
    `error class: message` (the message's first line, Spark's plan left out), and exit 1."""
    from pyspark.errors import PySparkException  # the classic and the Spark Connect errors alike
    from pyspark.logger import PySparkLogger

    # PySpark logs each refused query with the JVM's stack trace (JSON on stderr) as it raises: that log is
    # the long trace an analyst saw, so it is off while the query runs. Its own logger class: a plain one
    # would refuse the log call's keywords.
    loggers = [PySparkLogger.getLogger(name) for name in QUERY_CONTEXT_LOGGERS]
    before = [logger.disabled for logger in loggers]
    try:
        for logger in loggers:
            logger.disabled = True
        spark.sql(query).show(truncate=False)
    except PySparkException as refused:
        typer.echo(sql_error_line(refused), err=True)
        raise typer.Exit(1) from None
    finally:
        for logger, disabled in zip(loggers, before, strict=True):
            logger.disabled = disabled


def sql_error_line(error) -> str:
    """`TABLE_OR_VIEW_NOT_FOUND: The table or view ... cannot be found. ...`: Spark's message repeats the
    class in brackets and goes on with hints and the plan on further lines; one line is kept."""
    condition = error.getCondition() or type(error).__name__
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    message = lines[0] if lines else ""
    return f"{condition}: {message.removeprefix(f'[{condition}]').strip()}"
