"""The strength stage's full recompute as one DuckDB SQL query over silver's Parquet files: the
single-machine tool a user might pick instead of Spark, for bench/scale.py (and pinned to Spark's result
by tests/test_strength_duckdb.py, so the benchmark compares the same computation).

    .venv/bin/python bench/strength_duckdb.py --lake lake --date 2026-11-26 --out /tmp/strength.parquet
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import date, timedelta

import duckdb
from deltalake import DeltaTable

QUERY = """
WITH known AS (
    SELECT * FROM read_parquet($files, hive_partitioning = true, hive_types_autocast = false,
                               hive_types = {{'channel': VARCHAR, 'event_date': DATE}})
    WHERE ingest_date <= DATE '{as_of}' AND event_date BETWEEN DATE '{start}' AND DATE '{as_of}'
), terms AS (
    SELECT colleague_email, contact_email, event_date, event_at, channel, direction,
           CASE WHEN channel = 'mail' AND direction = 'sent' THEN {weight_mail_sent}
                WHEN channel = 'mail' THEN {weight_mail_received}
                WHEN channel = 'meeting' THEN {weight_meeting}
                WHEN channel = 'call' THEN {weight_call} ELSE 0.0 END
           * pow(greatest(audience, 1)::DOUBLE, -{audience_damping})
           * exp({rate} * (DATE '{as_of}' - event_date)) AS term
    FROM known
), pairs AS (
    SELECT colleague_email, contact_email,
           sum(term) AS raw_score,
           count(*) FILTER (WHERE channel = 'mail' AND direction = 'sent') AS mails_sent,
           count(*) FILTER (WHERE channel = 'mail' AND direction = 'received') AS mails_received,
           count(*) FILTER (WHERE channel = 'meeting') AS meetings,
           count(*) FILTER (WHERE channel = 'call') AS calls,
           count(DISTINCT event_date) AS active_days,
           min(event_at) AS first_interaction_at,
           max(event_at) AS last_interaction_at,
           arg_max(channel, (event_at, channel)) AS last_interaction_channel
    FROM terms GROUP BY colleague_email, contact_email
), scored AS (
    SELECT *, (mails_sent > 0 AND mails_received > 0) OR meetings > 0 OR calls > 0 AS two_way,
           round(raw_score * CASE WHEN (mails_sent > 0 AND mails_received > 0) OR meetings > 0 OR calls > 0
                                  THEN 1.0 ELSE {one_way_factor} END, 9) AS score
    FROM pairs
)
SELECT colleague_email, contact_email, score,
       round(1 - exp(-score / {saturation}), 6) AS strength,
       CASE WHEN round(1 - exp(-score / {saturation}), 6) >= {strong} THEN 'strong'
            WHEN round(1 - exp(-score / {saturation}), 6) >= {moderate} THEN 'moderate'
            ELSE 'weak' END AS band,
       mails_sent, mails_received, meetings, calls, active_days, first_interaction_at, last_interaction_at,
       last_interaction_channel, two_way, DATE '{as_of}' AS as_of_date
FROM scored
"""


def strength_sql(as_of: date, model: dict, bands: dict) -> str:
    start = as_of - timedelta(days=int(model["lookback_days"]) - 1)
    rate = -math.log(2.0) / float(model["half_life_days"])
    values = {key: float(model[key]) for key in model if key not in ("version", "lookback_days")}
    return QUERY.format(as_of=as_of.isoformat(), start=start.isoformat(), rate=rate, **values, **bands)


def silver_files(lake: str) -> list[str]:
    """The Parquet files of silver interactions' current version (never removed or older ones)."""
    return DeltaTable(f"{lake.rstrip('/')}/silver/interactions").file_uris()


def run(lake: str, as_of: date, model: dict, bands: dict, out: str, threads: int = 2) -> float:
    """Write the scored pairs to `out` (Parquet); return the wall time in seconds."""
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    query = strength_sql(as_of, model, bands)
    con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)", {"files": silver_files(lake)})
    con.close()
    return time.perf_counter() - started


def main() -> None:
    from wkw.config import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", required=True)
    parser.add_argument("--date", required=True, type=date.fromisoformat)
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    settings = load_settings()
    seconds = run(args.lake, args.date, settings.model, settings.bands, args.out, args.threads)
    print(f"duckdb strength {args.date}: {seconds:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
