"""What `wkw backfill --from D1 --to D2` runs: the nights of a range in date order, each but the first
incremental, and the nights the lake has already published left out, so that a rerun after a failure
resumes where the last one stopped.

"Already published" is the lake's own record, not Airflow's: a row of `published/publications` with that
`as_of_date` (written by the publish task only after validate passed). A night whose run failed before
publish has no such row and runs again; Airflow's metadata database can be lost or shared with other
lakes, the lake's publications cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from wkw.config import PUBLISHED, Settings
from wkw.ops.airflow import FIRST_LOGICAL_DATE
from wkw.pipeline import FULL, INCREMENTAL
from wkw.vocabulary import LANDING_SOURCES

SKIP = "skip"  # a night's action when the lake has published it already


class RangeRefused(ValueError):
    """A range the DAG cannot run: reversed, before its first logical date, or in the future."""


@dataclass(frozen=True)
class PlannedNight:
    day: date
    action: str  # FULL, INCREMENTAL or SKIP


def nights_between(first: date, last: date, today: date) -> list[date]:
    """Every logical date from `first` to `last`, both included; refused loudly when the DAG cannot run
    them (as Airflow's own backfill refuses a reversed or future range)."""
    if first > last:
        raise RangeRefused(f"--from {first} is after --to {last}: a backfill runs forward, in date order")
    if first < FIRST_LOGICAL_DATE:
        raise RangeRefused(f"--from {first} is before the DAG's first logical date {FIRST_LOGICAL_DATE}")
    if last > today:
        raise RangeRefused(f"--to {last} is in the future (today is {today}): its day has not been lived yet")
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def plan(nights: list[date], published: set[date], full: bool) -> list[PlannedNight]:
    """Each night's action: published nights are skipped; the first night of the range runs in full when
    `full` asks (and only if it runs: once it is published, the nights after it carry its state); every
    other night is incremental."""
    planned = []
    for day in nights:
        if day in published:
            action = SKIP
        elif full and day == nights[0]:
            action = FULL
        else:
            action = INCREMENTAL
        planned.append(PlannedNight(day, action))
    return planned


def publications_by_date(settings: Settings) -> dict[date, dict]:
    """The newest publication row of each logical date the lake has published (delta-rs, no JVM)."""
    from wkw.serve.published import table_rows

    newest: dict[date, dict] = {}
    for row in table_rows(settings.table_path(PUBLISHED, "publications")):
        kept = newest.get(row["as_of_date"])
        if kept is None or row["published_at"] > kept["published_at"]:
            newest[row["as_of_date"]] = row
    return newest


def missing_landing(settings: Settings, day: date) -> str | None:
    """Why a night must not run (None: something landed for it). A day with no folder under any source
    is an export that never arrived, not a quiet day: running it would publish a night without its data.
    A quiet day is said with an empty folder (landing/mail/<day>/). Only a local landing is looked at."""
    if "://" in settings.landing and not settings.landing.startswith("file:"):
        return None
    root = Path(settings.landing.removeprefix("file:"))
    folders = [root / source / day.isoformat() for source in LANDING_SOURCES]
    if any(folder.is_dir() for folder in folders):
        return None
    return (
        f"nothing landed for {day}: no folder landing/<source>/{day}/ under {settings.landing} "
        f"(sources: {', '.join(LANDING_SOURCES)}); land that day's exports, or an empty "
        f"landing/mail/{day}/ for a day with no data, and run the same command again"
    )


def night_line(day: date, state: str, elapsed: float | None, row_counts: dict[str, int] | None) -> str:
    """A night's progress line: `2001-01-02  published    63.2 s  rows connection_strength 1,204, ...`."""
    line = f"{day.isoformat()}  {state:<10}"
    line += f"{elapsed:>8.1f} s" if elapsed is not None else " " * 10
    if row_counts:
        line += "  rows " + ", ".join(f"{table} {count:,}" for table, count in sorted(row_counts.items()))
    return line
