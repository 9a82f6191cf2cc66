"""`[privacy] retention_days` of 0, 3 and 30: the nightly VACUUM (wkw.privacy.purge.vacuum_lake) deletes a
removed file exactly when it was removed longer ago than the retention, and the register calls a request
purged exactly then. Each commit is aged (its time, its removals' `deletionTimestamp`, its file's and its
data file's modification times), no sleeps. Delta ignores VACUUM's `RETAIN n HOURS` unless n is 0 and uses
the table's `delta.deletedFileRetentionDuration` (7 days by default) instead (docs/privacy.md, issue 23)."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable as RustTable
from deltalake import write_deltalake
from wkw.config import BRONZE, load_settings
from wkw.privacy.purge import RETENTION_PROPERTY, vacuum_lake
from wkw.privacy.register import APPLIED, PURGED
from wkw.stages.privacy import applied_and_purged

DAY_S = 24 * 3600
CALLERS = ("ann.lee@fabrikam.com", "bob.ruiz@fabrikam.com", "cy.ng@fabrikam.com")


def _age_commit(table: Path, version: int, then: float) -> None:
    """The commit made `then` (seconds since the epoch): its actions' times and its files' mtimes."""
    commit = table / "_delta_log" / f"{version:020d}.json"
    actions = [json.loads(line) for line in commit.read_text().splitlines()]
    for action in actions:
        for kind, key in (("commitInfo", "timestamp"), ("remove", "deletionTimestamp")):
            if kind in action:
                action[kind][key] = int(then * 1000)
        if "add" in action:
            os.utime(table / action["add"]["path"], (then, then))
    commit.write_text("".join(json.dumps(action) + "\n" for action in actions))
    os.utime(commit, (then, then))


def _applied(spark, ages: dict[str, float], now: float):
    """Register rows applied at the time of each removal."""
    rows = [
        (name, APPLIED, datetime.fromtimestamp(now - days * DAY_S, UTC).replace(tzinfo=None), None)
        for name, days in ages.items()
    ]
    return spark.createDataFrame(
        rows, "request_id string, status string, applied_at timestamp, purged_at timestamp"
    )


@pytest.mark.parametrize("days", [0, 3, 30])
def test_vacuum_purges_a_removed_file_exactly_after_the_retention(spark, tmp_path, days):
    settings = dataclasses.replace(load_settings(), lake=str(tmp_path / "lake"))
    table = Path(settings.table_path(BRONZE, "calls"))
    # One removal a day past the retention; one a day inside it (none for 0 days: nothing is inside it).
    commit_ages = [days + 2, days + 1] + ([days - 1] if days else [])
    written = []
    for caller in CALLERS[: len(commit_ages)]:  # each overwrite removes the file written before it
        # delta-rs writes: Spark has cached no snapshot of the table when its commits are aged
        write_deltalake(str(table), pa.table({"caller_email": [caller]}), mode="overwrite")
        written.append(Path(RustTable(str(table)).file_uris()[0]).name)
    now = time.time()
    for version, age in enumerate(commit_ages):
        _age_commit(table, version, now - age * DAY_S)
    removed_ages = dict(zip(written, commit_ages[1:], strict=False))  # file -> days since its removal

    vacuumed, tables = vacuum_lake(spark, settings, days)
    vacuumed_at = datetime.now(UTC).replace(tzinfo=None)

    assert (vacuumed, tables) == (1, 1)
    kept = {name for name in removed_ages if (table / name).exists()}
    assert kept == {name for name, age in removed_ages.items() if age < days}
    register = applied_and_purged(_applied(spark, removed_ages, now), vacuumed_at, vacuumed_at, days)
    purged = {row.request_id for row in register.where(f"status = '{PURGED}'").collect()}
    assert purged == set(removed_ages) - kept  # the register says what VACUUM did
    configuration = RustTable(str(table)).metadata().configuration
    assert configuration[RETENTION_PROPERTY] == f"interval {days} days"  # what VACUUM honours
    current = RustTable(str(table)).to_pyarrow_table().column("caller_email").to_pylist()
    assert current == [CALLERS[len(commit_ages) - 1]] and (table / written[-1]).exists()
