"""`wkw run`'s night: the lake's warm Spark up for the run, `airflow dags test` with its output in a log file
under the lake's reports, and one progress line per task from the driver's events (task, state, elapsed,
rows written) while it runs.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

from wkw.config import Settings

POLL_SECONDS = 0.5


def run_log_path(settings: Settings, day: date) -> Path:
    """Where Airflow's output of a night goes: <lake>/_reports/runs/ for a local lake, else the machine's
    temporary folder (a log is a local file)."""
    lake = settings.lake
    if "://" in lake and not lake.startswith("file:"):
        import tempfile

        folder = Path(tempfile.gettempdir()) / "wkw-runs"
    else:
        folder = Path(lake.removeprefix("file:")) / "_reports" / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{day.isoformat()}-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"


@dataclass
class EventReader:
    """New lines of the driver's events file since this reader was made."""

    path: Path
    offset: int = 0

    @classmethod
    def from_now(cls, path: Path) -> EventReader:
        return cls(path, path.stat().st_size if path.exists() else 0)

    def new(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as fh:
            fh.seek(self.offset)
            data = fh.read()
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        return [json.loads(line) for line in complete.decode("utf-8").splitlines() if line.strip()]


def progress_line(event: dict) -> str:
    """One task's line: `extract      success     12.3 s   14 Spark jobs  rows calls 88, mail 1,204`."""
    rows = ", ".join(f"{table} {count:,}" for table, count in sorted((event.get("rows") or {}).items()))
    line = f"{event['stage']:<13}{event['state']:<9}{event.get('elapsed', 0):>8.1f} s"
    if "spark_jobs" in event:
        line += f" {event['spark_jobs']:>4} Spark jobs"
    return line + (f"  rows {rows}" if rows else "")


def _copy(stream: IO[str], log: IO[str], echo: Callable[[str], None] | None) -> None:
    for line in stream:
        log.write(line)
        log.flush()
        if echo is not None:
            echo(line.rstrip("\n"))


def follow_airflow(
    command: list[str],
    env: dict[str, str],
    log_path: Path,
    events: EventReader,
    show: Callable[[dict], None],
    echo: Callable[[str], None] | None = None,
) -> int:
    """Run Airflow with its output in `log_path` (and echoed, with `echo`), showing each finished task's
    event as it arrives; Airflow's exit code."""
    with log_path.open("a", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
        copier = threading.Thread(target=_copy, args=(process.stdout, log, echo), daemon=True)
        copier.start()
        while True:
            ended = process.poll() is not None  # before reading: no event written before the end is missed
            for event in events.new():
                if event["state"] != "running":
                    show(event)
            if ended:
                break
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=POLL_SECONDS)
        copier.join()
    return process.returncode


def elapsed_since(started: float) -> float:
    return round(time.monotonic() - started, 1)
