"""The warm Spark's client side without a JVM: where a lake's driver lives, which tasks it refuses, the
environment a stage runs under, each stage's command line, and `wkw run`'s progress lines."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import sys
from datetime import date
from pathlib import Path

import pytest
from wkw.ops.night import EventReader, follow_airflow, progress_line, run_log_path
from wkw.ops.spark_client import ServerFiles, compatibility, environment, stage_argv, status


def test_one_driver_per_lake_in_a_private_folder(tmp_path):
    lake = str(tmp_path / "lake")
    files = ServerFiles.of(lake)
    assert files == ServerFiles.of(lake + "/")
    assert files.name != ServerFiles.of(str(tmp_path / "other")).name
    assert stat.S_IMODE(files.folder.stat().st_mode) == 0o700
    key = files.key(create=True)
    assert len(key) == 64 and files.key() == key
    assert stat.S_IMODE(files.path("key").stat().st_mode) == 0o600
    assert files.key(create=True) != key  # each start gets a new key
    assert len(str(files.socket)) < 100  # a Unix socket path must stay short


def test_no_driver_up_is_none(settings):
    assert status(settings) is None


def test_a_task_with_another_lake_or_master_is_refused(settings, tmp_path):
    assert compatibility(settings, settings) is None
    landing_only = dataclasses.replace(settings, landing=str(tmp_path / "elsewhere"))
    assert compatibility(settings, landing_only) is None  # the task's own landing is fine
    other_lake = dataclasses.replace(settings, lake=str(tmp_path / "other"))
    assert "lake" in compatibility(settings, other_lake)
    other_master = settings.with_conf("spark", master="spark://elsewhere:7077")
    problem = compatibility(settings, other_master)
    assert "Spark master" in problem and "spark://elsewhere:7077" in problem and "wkw spark stop" in problem


def test_a_stage_runs_under_the_tasks_wkw_variables_only(monkeypatch):
    monkeypatch.setenv("WKW_LAKE", "/driver/lake")
    monkeypatch.setenv("WKW_LANDING", "/driver/landing")
    monkeypatch.setenv("PATH_KEPT", "yes")
    with environment({"WKW_LAKE": "/task/lake", "HOME_IGNORED": "/x"}):
        assert os.environ["WKW_LAKE"] == "/task/lake"
        assert "WKW_LANDING" not in os.environ
        assert "HOME_IGNORED" not in os.environ
        assert os.environ["PATH_KEPT"] == "yes"
    assert os.environ["WKW_LAKE"] == "/driver/lake" and os.environ["WKW_LANDING"] == "/driver/landing"


def test_each_stage_gets_the_command_line_a_spark_submit_would():
    assert stage_argv("extract", "2026-11-26", "full", "True") == ["--date", "2026-11-26"]
    assert stage_argv("strength", "2026-11-26", "full", "False") == [
        "--date",
        "2026-11-26",
        "--mode",
        "full",
    ]
    assert stage_argv("calibrate", "2026-11-26", "full", "True") == [
        "--date",
        "2026-11-26",
        "--force",
        "True",
    ]
    with pytest.raises(StopIteration):
        stage_argv("no_such_stage", "2026-11-26", "full", "False")


def test_progress_reads_whole_new_events_only(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps({"stage": "old", "state": "success"}) + "\n")
    reader = EventReader.from_now(path)
    assert reader.new() == []
    with path.open("a") as fh:
        fh.write(json.dumps({"stage": "extract", "state": "running"}) + "\n")
        fh.write('{"stage": "extract", "sta')  # the driver is still writing this one
    assert reader.new() == [{"stage": "extract", "state": "running"}]
    with path.open("a") as fh:
        fh.write('te": "success"}\n')
    assert reader.new() == [{"stage": "extract", "state": "success"}]
    assert EventReader.from_now(tmp_path / "missing.jsonl").new() == []


def test_a_progress_line_names_the_task_state_time_jobs_and_rows():
    event = {
        "stage": "extract",
        "state": "success",
        "elapsed": 12.34,
        "spark_jobs": 14,
        "rows": {"mail": 1204, "calls": 88},
    }
    assert (
        progress_line(event) == "extract      success      12.3 s   14 Spark jobs  rows calls 88, mail 1,204"
    )
    failed = {"stage": "publish", "state": "failed", "elapsed": 3.0}
    assert progress_line(failed) == "publish      failed        3.0 s"


def test_airflows_log_goes_under_the_lakes_reports(settings):
    path = run_log_path(settings, date(2026, 11, 26))
    assert path.parent == Path(settings.lake) / "_reports" / "runs"
    assert path.name.startswith("2026-11-26-") and path.suffix == ".log" and path.parent.is_dir()


def test_a_night_shows_each_finished_task_as_it_ends_and_keeps_airflows_output_in_the_log(tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps({"stage": "earlier", "state": "success"}) + "\n")
    lines = [
        {"stage": "extract", "state": "running"},
        {"stage": "extract", "state": "failed", "error": "gone"},
    ]
    fake_airflow = (
        "import sys\n"
        f"with open({str(events)!r}, 'a') as fh:\n"
        + "".join(f"    fh.write({json.dumps(line)!r} + '\\n')\n" for line in lines)
        + "print('task_id=extract failed')\n"
        "sys.exit(3)\n"
    )
    shown, echoed = [], []
    log = tmp_path / "run.log"
    code = follow_airflow(
        [sys.executable, "-c", fake_airflow],
        dict(os.environ),
        log,
        EventReader.from_now(events),
        shown.append,
        echo=echoed.append,
    )
    assert code == 3
    assert shown == [lines[1]]  # finished tasks only, not the one before the run began
    assert log.read_text() == "task_id=extract failed\n" and echoed == ["task_id=extract failed"]
