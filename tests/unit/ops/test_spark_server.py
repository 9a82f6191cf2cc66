"""The warm Spark's answers to requests it cannot run, without a JVM: the task gets the reason, the driver
stays up (before, an unknown stage or a bad date ended the request's thread with no answer at all)."""

from __future__ import annotations

import dataclasses

import pytest
from wkw.ops.spark_client import ServerFiles
from wkw.ops.spark_server import Driver


@pytest.fixture
def driver(settings):
    """A driver as far as refusing goes: its settings and files, no session."""
    refusing = Driver.__new__(Driver)
    refusing.settings, refusing.files = settings, ServerFiles.of(settings.lake)
    return refusing


def task_env(settings) -> dict:
    return {"WKW_LAKE": settings.lake, "WKW_LANDING": settings.landing, "WKW_JARS": settings.jars}


@pytest.mark.parametrize(
    ("stage", "argv", "reason"),
    [
        ("no_such_stage", ["--date", "2026-11-26"], "StopIteration"),
        ("extract", ["--date", "26/11/2026"], "SystemExit"),
    ],
)
def test_a_request_it_cannot_run_is_answered_with_the_reason(driver, settings, stage, argv, reason):
    answer = driver.run_stage({"stage": stage, "argv": argv, "env": task_env(settings)})
    assert answer["ok"] is False and answer["lines"] == []
    assert answer["error"].startswith(f"cannot run stage {stage!r} with {argv}: {reason}")


def test_a_task_of_another_lake_is_refused(driver, settings, tmp_path):
    other = dataclasses.replace(settings, lake=str(tmp_path / "other"))
    answer = driver.run_stage({"stage": "extract", "argv": ["--date", "2026-11-26"], "env": task_env(other)})
    assert answer["ok"] is False
    assert "the warm Spark runs with lake" in answer["error"] and str(tmp_path / "other") in answer["error"]
