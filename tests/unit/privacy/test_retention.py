"""wkw.privacy.retention.vacuum_due: a table's VACUUM is skipped only when its log shows no file removed
before the retention since the last VACUUM, and whatever the log cannot show for certain counts as work."""

from __future__ import annotations

import json
import time
from pathlib import Path

from wkw.privacy.retention import vacuum_due

HOUR_MS = 3_600_000


def parquet_files(table: Path) -> set[str]:
    return {path.name for path in table.glob("*.parquet")}


def test_only_a_removal_older_than_the_cut_off_is_work_and_vacuum_then_settles_it(spark, tmp_path):
    table = tmp_path / "people"
    spark.range(5).write.format("delta").save(str(table))
    spark.range(5, 8).write.format("delta").mode("append").save(str(table))
    now = int(time.time() * 1000)
    assert not vacuum_due(str(table), now + HOUR_MS)  # appends remove nothing, however old

    spark.range(3).write.format("delta").mode("overwrite").save(str(table))  # removes the two first files
    now = int(time.time() * 1000)
    assert not vacuum_due(str(table), now - HOUR_MS)  # removed an instant ago: inside a 1-hour retention
    assert vacuum_due(str(table), now + HOUR_MS)  # the same removal, past the cut-off

    before = parquet_files(table)
    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    spark.sql(f"VACUUM delta.`{table}` RETAIN 0 HOURS LITE")
    assert len(parquet_files(table)) < len(before)  # there was work, and VACUUM did it
    info = json.loads((table / "_delta_log" / "_last_vacuum_info").read_text())
    assert info["latestCommitVersionOutsideOfRetentionWindow"] == 2
    assert not vacuum_due(str(table), int(time.time() * 1000) + HOUR_MS)  # nothing new since


def test_a_log_it_cannot_read_in_full_counts_as_work(spark, tmp_path):
    table = tmp_path / "calls"
    spark.range(2).write.format("delta").save(str(table))
    spark.range(2).write.format("delta").mode("append").save(str(table))
    later = int(time.time() * 1000) + HOUR_MS
    assert not vacuum_due(str(table), later)
    (table / "_delta_log" / "00000000000000000000.json").unlink()  # cleaned up, no VACUUM ran since
    assert vacuum_due(str(table), later)
    (table / "_delta_log" / "_last_vacuum_info").write_text("not json")
    assert vacuum_due(str(table), later)
    assert vacuum_due(str(tmp_path / "no_log_at_all"), later)


def test_a_removal_without_a_timestamp_counts_as_work(spark, tmp_path):
    table = tmp_path / "mail"
    spark.range(2).write.format("delta").save(str(table))
    action = {"remove": {"path": "part-gone.parquet", "dataChange": True}}
    (table / "_delta_log" / "00000000000000000001.json").write_text(json.dumps(action) + "\n")
    assert vacuum_due(str(table), 0)
