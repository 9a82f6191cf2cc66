"""Scale benchmark (issue 7): extract, interactions and strength at about 1, 10 and 50 million
interactions, full and incremental, against the same strength computation as one DuckDB query over the
same silver Parquet files. One Spark session (local[2] unless --master) for every size.

For each size: `wkw generate --mode scale` writes a year of Graph mail landing on night F and one more
day landing on night N = F + 1. Night F runs extract, interactions and strength over the whole year (a
first load: full); night N runs them incrementally; then interactions and strength recompute night N in
full, and DuckDB runs the strength query for night N. Each step: wall time, rows, rows/s and the peak
memory (resident set of the Spark JVM and its Python workers, or of the DuckDB process); each size ends
with the issue's two ratios: the incremental night over night N recomputed in full, and strength's full
recompute over DuckDB.

    .venv/bin/python bench/scale.py --work /tmp/wkw-scale --sizes 1m,10m,50m
    .venv/bin/python bench/scale.py --work /tmp/wkw-scale --sizes 10m --only strength   # strength again
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psutil

BENCH = Path(__file__).resolve().parent
WKW = str(Path(sys.executable).parent / "wkw")
END = date(2026, 11, 26)
# label -> (colleagues, contacts, mean mails per tie per year): the company (10,000 colleagues,
# 500,000 contacts, a year); each unit of mail rate gives about 0.96 million interactions.
SIZES = {
    "1m": (10_000, 500_000, 1.05),
    "10m": (10_000, 500_000, 10.5),
    "50m": (10_000, 500_000, 52.0),
}


class PeakMemory:
    """Samples the resident set of a process and its children every 0.2 s; `peak` in bytes."""

    def __init__(self, pid: int):
        self.process, self.peak, self._stop = psutil.Process(pid), 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def generate(size: str, landing: Path) -> dict:
    colleagues, contacts, rate = SIZES[size]
    if not (landing / "truth.json").exists():
        command = [WKW, "generate", "--mode", "scale", "--out", str(landing), "--colleagues", str(colleagues)]
        command += [
            "--contacts",
            str(contacts),
            "--days",
            "365",
            "--mail-rate",
            str(rate),
            "--nights",
            "1",
            "--quiet",
        ]
        subprocess.run([*command, "--end-date", END.isoformat()], check=True)
    return json.loads((landing / "truth.json").read_text())


def timed(spark, label: str, rows_of, step) -> dict:
    jvm = spark.sparkContext._gateway.proc.pid
    started = time.perf_counter()
    with PeakMemory(jvm) as memory:
        step()
    seconds = time.perf_counter() - started
    rows = rows_of()
    result = {
        "step": label,
        "seconds": round(seconds, 1),
        "rows": rows,
        "rows_per_s": round(rows / seconds) if seconds else None,
        "peak_gib": round(memory.peak / 2**30, 2),
    }
    print(json.dumps(result), flush=True)
    return result


def run_step(spark, settings, stage, day: date, full: bool | None) -> None:
    """One stage for one night; `full` only for the stages that have a mode (None: extract)."""
    result = stage.run(spark, settings, day) if full is None else stage.run(spark, settings, day, full=full)
    for note in result.notes:  # the strength stage splits its time (state, state 90 days ago, scores, names)
        print(json.dumps({"stage": result.stage, "note": note}), flush=True)


def duckdb_step(settings, as_of: date, out: Path) -> dict:
    command = [
        sys.executable,
        str(BENCH / "strength_duckdb.py"),
        "--lake",
        settings.lake,
        "--date",
        as_of.isoformat(),
    ]
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--out", str(out)])
    with PeakMemory(process.pid) as memory:
        process.wait()
    seconds = time.perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"DuckDB query failed ({process.returncode})")
    return {
        "step": "duckdb strength (full)",
        "seconds": round(seconds, 1),
        "peak_gib": round(memory.peak / 2**30, 2),
    }


def bench_size(spark, base_settings, work: Path, size: str, only: set[str] | None = None) -> dict:
    from wkw.config import BRONZE, SILVER
    from wkw.stages import extract, interactions, maintain, strength

    landing, lake = work / size / "landing", work / size / "lake"
    generated = time.perf_counter()
    truth = generate(size, landing)
    generated = time.perf_counter() - generated
    settings = dataclasses.replace(
        base_settings, landing=str(landing), lake=str(lake), gx_reports=str(work / size / "reports")
    )
    first, night = END - timedelta(days=1), END

    def landed(layer, name, day=None):
        """Rows of a table, or those that landed on `day`."""
        table = spark.read.format("delta").load(settings.table_path(layer, name))
        return int((table if day is None else table.where(table.ingest_date == day)).count())

    def bronze_mail(day=None):
        return landed(BRONZE, "mail_messages", day)

    def silver(day=None):
        return landed(SILVER, "interactions", day)

    def pairs():
        return strength_pairs(spark, settings, night)

    # (label, stage, logical date, full recompute, what the step's rows are)
    plan = [
        ("extract F (a year, first load)", extract, first, None, bronze_mail),
        ("interactions F (full)", interactions, first, True, silver),
        ("strength F (full)", strength, first, True, silver),
        ("extract N (one night)", extract, night, None, lambda: bronze_mail(night)),
        ("interactions N (incremental)", interactions, night, False, lambda: silver(night)),
        ("strength N (incremental)", strength, night, False, pairs),
        ("interactions N (full)", interactions, night, True, silver),
        ("strength N (full)", strength, night, True, pairs),
    ]
    if only:  # a rerun of some stages on a lake that the whole plan built before: night N, and strength's
        # night F too (a state in the layout of the code being measured, to carry from)
        plan = [
            step
            for step in plan
            if step[1].__name__.rsplit(".", 1)[-1] in only and (step[2] == night or step[1] is strength)
        ]
    steps = [
        timed(
            spark,
            label,
            rows,
            lambda stage=stage, day=day, full=full: run_step(spark, settings, stage, day, full),
        )
        for label, stage, day, full, rows in plan
    ]
    steps.append(duckdb_step(settings, night, work / size / "duckdb_strength.parquet"))
    maintain.run(spark, settings, night)
    files = {r.table_name: r.files for r in maintain.file_counts(spark, settings, night).collect()}
    summary = ratios(steps)
    print(json.dumps({"size": size, **summary}), flush=True)
    return {
        "size": size,
        "generated_s": round(generated, 1),
        "truth": {k: truth.get(k) for k in ("messages", "expected_interactions")},
        "steps": steps,
        "ratios": summary,
        "files": files,
    }


def ratios(steps: list[dict]) -> dict:
    """The issue's two targets, from the steps this run measured: night N incremental (extract,
    interactions, strength) over night N recomputed in full (the same extract, interactions and strength
    in full), and strength's full recompute over the DuckDB query."""
    seconds = {step["step"]: step["seconds"] for step in steps}
    extract = seconds.get("extract N (one night)", 0.0)
    night = [seconds.get(f"{stage} N (incremental)") for stage in ("interactions", "strength")]
    full = [seconds.get(f"{stage} N (full)") for stage in ("interactions", "strength")]
    duckdb = seconds.get("duckdb strength (full)")
    result = {}
    if None not in night and None not in full:
        result["incremental_over_full"] = round((extract + sum(night)) / (extract + sum(full)), 3)
    if full[1] is not None and duckdb:
        result["strength_full_over_duckdb"] = round(full[1] / duckdb, 1)
    return result


def strength_pairs(spark, settings, as_of: date) -> int:
    from wkw.config import GOLD

    table = spark.read.format("delta").load(settings.table_path(GOLD, "connection_strength"))
    return int(table.where(table.as_of_date == as_of).count())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--sizes", default="1m,10m,50m")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument(
        "--only",
        help="comma-separated stages (e.g. strength) to run again for night N on the lake an earlier full "
        "run of this command left in --work (strength: night F in full first), then the DuckDB query",
    )
    args = parser.parse_args()
    from wkw.config import load_settings
    from wkw.session import get_spark

    base = load_settings()  # the master is a key of [spark] (Settings.spark_master reads it)
    settings = dataclasses.replace(base, spark=base.with_conf("spark", master=args.master).spark)
    spark = get_spark(settings, "bench-scale")
    spark.sparkContext.setLogLevel("ERROR")
    results = []
    try:
        for size in args.sizes.split(","):
            only = set(args.only.split(",")) if args.only else None
            results.append(bench_size(spark, settings, args.work, size, only))
            name = "results.json" if only is None else f"results-{'-'.join(sorted(only))}.json"
            (args.work / name).write_text(json.dumps(results, indent=2, default=str))
    finally:
        spark.stop()
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
