"""One night of the DAG, as `wkw run` and `wkw backfill` run it: the lake's warm Spark up (started once
for all the nights of a command, stopped at its end unless it was up already), then per night one Airflow
process (`wkw.ops.dag_run`: `airflow dags test` with the run's true start time recorded), a progress line
per finished task, and every task's state read back.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from wkw.config import Settings, load_settings

console = Console()


def night_env(landing: Path | None, lake: Path | None) -> dict[str, str]:
    """The Airflow environment of a command, with `--landing` and `--lake` in it."""
    from wkw.ops.airflow import airflow_env

    env = dict(os.environ)
    if landing is not None:
        env["WKW_LANDING"] = str(landing.resolve())
    if lake is not None:
        env["WKW_LAKE"] = str(lake.resolve())
    return airflow_env(env)


def settings_of(env: dict[str, str]) -> Settings:
    from wkw.ops import spark_client

    with spark_client.environment(env):
        return load_settings()


@contextmanager
def warm_spark(settings: Settings, env: dict[str, str]) -> Iterator[None]:
    """The lake's warm Spark for the nights of one command; stopped at the end only if started here."""
    from wkw.ops import spark_client
    from wkw.ops.night import elapsed_since

    started_at = time.monotonic()
    try:
        info, started = spark_client.start(settings, env=env)
    except spark_client.ServerError as failed:
        console.print(f"[red]{escape(str(failed))}[/red]")
        raise typer.Exit(1) from None
    how = f"started in {elapsed_since(started_at):.1f} s" if started else "already up"
    driver = f"{info['master']}, {info['application_id']}, {info['connect_url']}"
    console.print(f"{'spark':<13}{how}: {driver}", soft_wrap=True)
    try:
        yield
    finally:
        if started:
            spark_client.stop(settings)
            console.print(f"{'spark':<13}stopped")


@dataclass(frozen=True)
class NightResult:
    problem: str | None  # None: every task ran and succeeded (or skipped)
    log_path: Path
    exit_code: int


def _show(event: dict) -> None:
    from wkw.ops.night import progress_line

    style = None if event["state"] == "success" else "red"
    console.print(escape(progress_line(event)), style=style, soft_wrap=True)
    if event["state"] == "failed":
        console.print(f"  [red]{escape(str(event.get('error') or ''))}[/red]")


def task_states_in(log_path: Path) -> dict[str, str]:
    """The task states `wkw.ops.dag_run` printed last in the log (empty: it printed none)."""
    from wkw.ops.dag_run import STATES_PREFIX

    lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    found = [line[len(STATES_PREFIX) :] for line in lines if line.startswith(STATES_PREFIX)]
    return json.loads(found[-1]) if found else {}


def run_night(
    env: dict[str, str], settings: Settings, logical: date, conf: dict, verbose: bool, log_path: Path
) -> NightResult:
    """The DAG for `logical` on the warm Spark (which must be up), Airflow's output in `log_path`, a line
    per finished task; the verdict from every task's state."""
    from wkw.ops import spark_client
    from wkw.ops.airflow import run_verdict
    from wkw.ops.night import EventReader, follow_airflow
    from wkw.pipeline import STAGE_NAMES

    events = EventReader.from_now(spark_client.ServerFiles.of(settings.lake).events)
    command = [sys.executable, "-m", "wkw.ops.dag_run", logical.isoformat(), json.dumps(conf)]
    code = follow_airflow(command, env, log_path, events, _show, echo=print if verbose else None)
    if code != 0:
        return NightResult(f"airflow exited with {code}", log_path, code)
    problem = run_verdict(task_states_in(log_path), STAGE_NAMES)
    return NightResult(problem, log_path, 1 if problem else 0)
