"""The demo night through `wkw run` (issue 24): the demo company (`wkw generate`'s defaults: 50 colleagues,
300 contacts, 90 days) into a fresh lake and a fresh Airflow home, then `wkw run --date 2026-11-26`, timed
from the command's start to its end. Per task: state, seconds, Spark jobs and rows, read from `wkw run`'s
progress lines. With --quiet-night, then the next day's night, for which nothing new landed: what a night
costs when there is nothing to do (VACUUM, compaction and the checks of every table). With --sql,
`wkw sql "SELECT count(*) FROM wkw.top_introducers"` timed once with the lake's warm Spark up (Spark
Connect) and once without it.

    .venv/bin/python bench/night.py --work /tmp/wkw-night [--quiet-night] [--sql] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

WKW = str(Path(sys.executable).parent / "wkw")
DAY = "2026-11-26"
NEXT_DAY = "2026-11-27"
LINE = re.compile(
    r"^(?P<task>\w+) +(?P<state>\w+) +(?P<seconds>[\d.]+) s +(?P<jobs>\d+) Spark jobs"
    r"(?:  rows (?P<rows>.*))?$"
)
QUERY = "SELECT count(*) FROM wkw.top_introducers"


def timed(command: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    return round(time.monotonic() - started, 1), done


def prepare(work: Path) -> dict:
    """An emptied work folder with the demo company's landing; the environment for `wkw` on it."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(work / "airflow"),
        "WKW_LAKE": str(work / "lake"),
        "WKW_LANDING": str(work / "landing"),
    }
    generated = subprocess.run([WKW, "generate", "--out", str(work / "landing"), "--end-date", DAY], env=env)
    generated.check_returncode()
    return env


def night(env: dict, day: str) -> dict:
    """`wkw run --date day`, timed; its progress lines as rows."""
    seconds, run = timed([WKW, "run", "--date", day], env)
    if run.returncode != 0:
        raise SystemExit(f"wkw run failed ({run.returncode}):\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}")
    tasks = [match.groupdict() for match in map(LINE.match, run.stdout.splitlines()) if match]
    start = re.search(r"^spark +started in ([\d.]+) s", run.stdout, re.M)
    return {
        "date": day,
        "wall_seconds": seconds,
        "spark_start_seconds": float(start.group(1)) if start else None,
        "tasks": tasks,
    }


def sql_timings(env: dict) -> dict:
    cold, without = timed([WKW, "sql", QUERY], env)
    subprocess.run([WKW, "spark", "start"], env=env, check=True, capture_output=True)
    try:
        warm, through = timed([WKW, "sql", QUERY], env)
    finally:
        subprocess.run([WKW, "spark", "stop"], env=env, check=True, capture_output=True)
    for done in (without, through):
        if done.returncode != 0:
            raise SystemExit(done.stderr[-3000:])
    return {"sql_without_server_seconds": cold, "sql_through_connect_seconds": warm}


def show(result: dict) -> None:
    start = result["spark_start_seconds"]
    print(f"wkw run --date {result['date']}: {result['wall_seconds']} s (warm Spark start {start} s)")
    print("| task | state | s | Spark jobs | rows |")
    print("|---|---|---|---|---|")
    for task in result["tasks"]:
        cells = [task["task"], task["state"], task["seconds"], task["jobs"], task["rows"] or ""]
        print("| " + " | ".join(map(str, cells)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="a folder of its own (emptied first)")
    parser.add_argument("--quiet-night", action="store_true", help="then the next night, with nothing new")
    parser.add_argument("--sql", action="store_true", help="also time wkw sql with and without the server")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    env = prepare(args.work)
    result = {"nights": [night(env, DAY)]}
    if args.quiet_night:
        result["nights"].append(night(env, NEXT_DAY))
    if args.sql:
        result.update(sql_timings(env))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for each in result["nights"]:
        show(each)
    for key in ("sql_without_server_seconds", "sql_through_connect_seconds"):
        if key in result:
            print(f"{key}: {result[key]}")


if __name__ == "__main__":
    main()
