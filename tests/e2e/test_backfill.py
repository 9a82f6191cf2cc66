"""`wkw backfill` through Airflow on a copy of the suite's Airflow night (`night`, NIGHT published by
`wkw run`): a range NIGHT .. NEXT whose second day has no landing stops with a clear error before anything
starts; once NEXT's landing is restored (an empty folder: a quiet day), the same command skips NIGHT (the
lake's publications say it is done) and runs NEXT incrementally, which publishes. One extra Airflow night,
a quiet one, in local mode."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import NIGHT, WKW, free_port
from deltalake import DeltaTable
from wkw.config import PUBLISHED
from wkw.ops.airflow import DAG_ID, airflow_json

pytestmark = pytest.mark.e2e
NEXT = NIGHT + timedelta(days=1)
TILE = "top_introducers"


@dataclasses.dataclass(frozen=True)
class Backfill:
    stopped: subprocess.CompletedProcess  # NIGHT .. NEXT with NEXT's landing missing
    resumed: subprocess.CompletedProcess  # the same command once NEXT's landing is there
    lake: Path
    env: dict
    wall_clock: tuple[datetime, datetime]  # of the resumed run


def publications(lake: Path) -> dict:
    rows = DeltaTable(str(lake / PUBLISHED / "publications")).to_pyarrow_table().to_pylist()
    return {row["as_of_date"]: row for row in rows}


@pytest.fixture(scope="module")
def backfill(night, tmp_path_factory) -> Backfill:
    root = tmp_path_factory.mktemp("backfill")
    # The night's lake without its catalog (it names the night's own table paths; publish registers anew).
    lake = shutil.copytree(night.lake, root / "lake", ignore=shutil.ignore_patterns("_catalog"))
    landing = shutil.copytree(night.landing, root / "landing")
    env = {**night.env, "WKW_LAKE": str(lake), "WKW_SPARK_CONNECT_PORT": str(free_port())}
    command = [WKW, "backfill", "--from", str(NIGHT), "--to", str(NEXT), "--landing", str(landing)]
    stopped = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    (landing / "mail" / str(NEXT)).mkdir(parents=True)
    began = datetime.now().astimezone()
    resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1500)
    ended = datetime.now().astimezone()
    return Backfill(stopped, resumed, lake, env, (began, ended))


def test_a_night_with_nothing_landed_stops_the_backfill_before_anything_runs(backfill, night):
    out = " ".join(backfill.stopped.stdout.split())
    assert backfill.stopped.returncode == 1, backfill.stopped.stdout + backfill.stopped.stderr
    assert f"{NIGHT} skipped (published already)" in out
    assert (
        f"wkw backfill stopped at {NEXT}: nothing landed for {NEXT}: no folder landing/<source>/{NEXT}/"
        in out
    )
    assert f"resume with: wkw backfill --from {NIGHT} --to {NEXT}" in out
    assert "spark" not in out.split("stopped at")[0]  # no warm Spark started for a night that cannot run


def test_the_rerun_skips_the_published_night_and_publishes_the_next(backfill, night):
    result = backfill.resumed
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert any(re.match(rf"^{NIGHT}  skipped +\(published already\)", line) for line in lines), lines
    assert f"{NEXT}  incremental night" in lines  # the first night of the range was not asked --full
    [done] = [line for line in lines if line.startswith(f"{NEXT}  published")]
    before, after = publications(night.lake), publications(backfill.lake)
    assert set(after) == {NIGHT, NEXT}
    assert after[NIGHT]["publication_id"] == before[NIGHT]["publication_id"]  # not run again
    counts = dict(after[NEXT]["row_counts"])
    assert re.search(rf"rows .*{TILE} {counts[TILE]:,}", done), done
    assert after[NEXT]["checks_passed"] and after[NEXT]["publication_id"].startswith(str(NEXT))


def test_the_last_night_s_tables_carry_the_first_night_forward(backfill, night):
    """NEXT brought nothing: the same introducers, each score decayed by one day, in the same order."""
    lead = night.truth["sample_lead"]

    def tile(lake: Path) -> list[dict]:
        rows = DeltaTable(str(lake / PUBLISHED / TILE)).to_pyarrow_table().to_pylist()
        return sorted((r for r in rows if r["contact_email"] == lead), key=lambda r: r["rank"])

    first, last = tile(night.lake), tile(backfill.lake)
    assert first and {row["as_of_date"] for row in last} == {NEXT}
    assert [row["colleague_email"] for row in last] == [row["colleague_email"] for row in first]
    for old, new in zip(first, last, strict=True):
        assert 0 < new["strength"] <= old["strength"]
        assert new["last_interaction_at"] == old["last_interaction_at"]
    shown = subprocess.run(
        [WKW, "who-knows", lead, "--json"], env=backfill.env, capture_output=True, text=True, timeout=120
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["as_of_date"] == str(NEXT)


def test_the_backfilled_night_s_run_records_its_true_times(backfill):
    runs = [
        r
        for r in airflow_json(["dags", "list-runs", DAG_ID], backfill.env)
        if r["logical_date"][:10] == str(NEXT)
    ]
    [run] = runs
    began, ended = backfill.wall_clock
    assert (
        began <= datetime.fromisoformat(run["start_date"]) < datetime.fromisoformat(run["end_date"]) <= ended
    )
    assert run["state"] == "success"
