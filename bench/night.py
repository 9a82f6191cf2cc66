"""The demo night through `wkw run` (issue 24): the demo company (`wkw generate`'s defaults: 50 colleagues,
300 contacts, 90 days) into a fresh lake and a fresh Airflow home, then `wkw run --date 2026-11-26`, timed
from the command's start to its end. Per task: state, seconds, Spark jobs and rows, read from `wkw run`'s
progress lines; with --sql, `wkw sql "SELECT count(*) FROM wkw.top_introducers"` timed once with the
lake's warm Spark up (Spark Connect) and once without it.

    .venv/bin/python bench/night.py --work /tmp/wkw-night [--sql] [--json]
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
LINE = re.compile(
    r"^(?P<task>\w+) +(?P<state>\w+) +(?P<seconds>[\d.]+) s +(?P<jobs>\d+) Spark jobs"
    r"(?:  rows (?P<rows>.*))?$"
)
QUERY = "SELECT count(*) FROM wkw.top_introducers"


def timed(command: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    return round(time.monotonic() - started, 1), done


def night(work: Path) -> dict:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = {**os.environ, "AIRFLOW_HOME": str(work / "airflow"), "WKW_LAKE": str(work / "lake")}
    generated = subprocess.run([WKW, "generate", "--out", str(work / "landing"), "--end-date", DAY], env=env)
    generated.check_returncode()
    seconds, run = timed([WKW, "run", "--date", DAY, "--landing", str(work / "landing")], env)
    if run.returncode != 0:
        raise SystemExit(f"wkw run failed ({run.returncode}):\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}")
    tasks = [match.groupdict() for match in map(LINE.match, run.stdout.splitlines()) if match]
    start = re.search(r"^spark +started in ([\d.]+) s", run.stdout, re.M)
    return {
        "wall_seconds": seconds,
        "spark_start_seconds": float(start.group(1)) if start else None,
        "tasks": tasks,
        "env": env,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True, help="a folder of its own (emptied first)")
    parser.add_argument("--sql", action="store_true", help="also time wkw sql with and without the server")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = night(args.work)
    env = result.pop("env")
    if args.sql:
        result.update(sql_timings(env))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    start = result["spark_start_seconds"]
    print(f"wkw run --date {DAY}: {result['wall_seconds']} s (warm Spark start {start} s)")
    print("| task | state | s | Spark jobs | rows |")
    print("|---|---|---|---|---|")
    for task in result["tasks"]:
        cells = [task["task"], task["state"], task["seconds"], task["jobs"], task["rows"] or ""]
        print("| " + " | ".join(map(str, cells)) + " |")
    for key in ("sql_without_server_seconds", "sql_through_connect_seconds"):
        if key in result:
            print(f"{key}: {result[key]}")


if __name__ == "__main__":
    main()
