"""`wkw backfill --from D1 --to D2 [--full]`: the nightly DAG for every day of a range, in date order, on
one warm Spark; resumable (wkw.ops.backfill says what runs and why).

    wkw backfill --from 2001-01-01 --to 2001-01-07 --full --landing /tmp/enron_days/landing

Each night is the same DAG run as `wkw run --date` (wkw.serve.cli_night); one line per night says its
date, state, elapsed seconds and the rows it published. The first night that fails stops the backfill
(exit 1) with the reason and the command that resumes it.
"""

from __future__ import annotations

import shlex
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from wkw.serve.cli_night import night_env, run_night, settings_of, warm_spark

console = Console()
EXIT_REFUSED = 2
EXIT_BUSY = 3


def backfill(
    from_: Annotated[str, typer.Option("--from", help="first logical date, YYYY-MM-DD")],
    to: Annotated[str, typer.Option("--to", help="last logical date, YYYY-MM-DD (included)")],
    full: Annotated[
        bool, typer.Option(help="recompute the first night from all history (the others carry it)")
    ] = False,
    landing: Annotated[Path | None, typer.Option(help="landing folder (default: conf / WKW_LANDING)")] = None,
    lake: Annotated[Path | None, typer.Option(help="lake root (default: conf / WKW_LAKE)")] = None,
    verbose: Annotated[bool, typer.Option(help="stream Airflow's log too (a file has it always)")] = False,
) -> None:
    """Run the nightly DAG for every day from --from to --to, in date order, incremental from night to
    night; nights the lake has published already are skipped, so the same command resumes a backfill that
    stopped. One line per night: date, state, seconds, rows published."""
    from wkw.ops.airflow import LakeBusy, lake_lock
    from wkw.ops.backfill import RangeRefused, nights_between

    try:
        nights = nights_between(date.fromisoformat(from_), date.fromisoformat(to), datetime.now(UTC).date())
    except (RangeRefused, ValueError) as refused:
        console.print(f"[red]wkw backfill refused: {escape(str(refused))}[/red]")
        raise typer.Exit(EXIT_REFUSED) from None
    env = night_env(landing, lake)
    settings = settings_of(env)
    resume = shlex.join(["wkw", *sys.argv[1:]])
    try:
        with lake_lock(settings.lake):
            _backfill(env, settings, nights, full, verbose, resume)
    except LakeBusy as busy:
        console.print(f"[red]wkw backfill: {busy}[/red]")
        raise typer.Exit(EXIT_BUSY) from None


def _backfill(env: dict, settings, nights: list[date], full: bool, verbose: bool, resume: str) -> None:
    """The planned nights in date order: the published ones skipped, the others run on one warm Spark
    (started only when a night is to run, and only once something has landed for it)."""
    from wkw.ops.airflow import ensure_airflow_db
    from wkw.ops.backfill import SKIP, plan, publications_by_date
    from wkw.ops.night import elapsed_since, run_log_path

    planned = plan(nights, set(publications_by_date(settings)), full)
    todo = [night for night in planned if night.action != SKIP]
    console.print(
        f"wkw backfill {nights[0]} .. {nights[-1]}: {len(nights)} nights, {len(planned) - len(todo)} "
        f"published already; lake {settings.lake}, landing {settings.landing}",
        soft_wrap=True,
    )
    first = planned.index(todo[0]) if todo else len(planned)
    for night in planned[:first]:
        _skipped(night.day)
    if not todo:
        return
    _refuse_if_nothing_landed(settings, todo[0].day, resume)
    first_log = run_log_path(settings, todo[0].day)  # Airflow's set-up goes to the first night's log
    ensure_airflow_db(env, first_log)
    started_at = time.monotonic()
    with warm_spark(settings, env):
        for night in planned[first:]:
            if night.action == SKIP:
                _skipped(night.day)
            else:
                log = first_log if night == todo[0] else run_log_path(settings, night.day)
                _night(env, settings, night, verbose, resume, log)
    console.print(f"wkw backfill: {len(todo)} nights run in {elapsed_since(started_at):.1f} s")


def _skipped(day: date) -> None:
    from wkw.ops.backfill import night_line

    console.print(night_line(day, "skipped", None, None) + "  (published already)")


def _refuse_if_nothing_landed(settings, day: date, resume: str) -> None:
    from wkw.ops.backfill import missing_landing, night_line

    why_not = missing_landing(settings, day)
    if why_not is not None:
        console.print(night_line(day, "refused", None, None), style="red")
        _stop(day, why_not, resume)


def _night(env: dict, settings, night, verbose: bool, resume: str, log: Path) -> None:
    """One night of the backfill, Airflow's output in `log`; typer.Exit(1) when it fails, naming why and
    how to resume."""
    from wkw.ops.backfill import night_line, publications_by_date
    from wkw.ops.night import elapsed_since

    day = night.day
    _refuse_if_nothing_landed(settings, day, resume)
    console.print(f"{day}  {night.action} night", soft_wrap=True)
    started_at = time.monotonic()
    conf = {"mode": night.action, "calibrate": False}
    result = run_night(env, settings, day, conf, verbose, log)
    elapsed = elapsed_since(started_at)
    if result.problem is not None:
        console.print(night_line(day, "failed", elapsed, None), style="red")
        _stop(day, f"{result.problem}; the log: {result.log_path}", resume)
    published = publications_by_date(settings).get(day)
    if published is None:
        _stop(day, f"every task done but no publication of {day} in the lake", resume)
    console.print(night_line(day, "published", elapsed, dict(published["row_counts"])), soft_wrap=True)


def _stop(day: date, why: str, resume: str) -> None:
    console.print(f"[red]wkw backfill stopped at {day}: {escape(why)}[/red]", soft_wrap=True)
    console.print(
        f"[red]the nights before it are published; resume with: {escape(resume)}[/red]", soft_wrap=True
    )
    raise typer.Exit(1)
