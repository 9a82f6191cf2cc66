"""wkw.pipeline: the stage list is the one map of the flow (every table a stage reads is landed or written
by a stage), and a stage's result says in its log lines what it did and whether the night goes on."""

from __future__ import annotations

from datetime import date

from wkw.pipeline import STAGE_NAMES, STAGES, StageResult, stage, stage_args

NIGHT = date(2026, 11, 26)


def test_every_table_read_is_written_by_some_stage():
    written = {table for s in STAGES for table in s.writes if "/" in table and "*" not in table}
    for spec in STAGES:
        for table in spec.reads:
            if table.startswith("landing/") or table == "*":
                continue
            assert table in written, f"{spec.name} reads {table}, which no stage writes"


def test_the_map_names_the_dag_order_and_the_modes():
    assert STAGE_NAMES == (
        "extract", "privacy", "interactions", "calibrate", "strength", "introducers", "validate", "publish",
        "maintain",
    )  # fmt: skip
    assert [s.name for s in STAGES if s.with_mode] == ["interactions", "strength"]
    assert [s.name for s in STAGES if s.periodic] == ["calibrate"]
    assert (
        "gold/model_calibrations" in stage("strength").reads
        and "gold/model_calibrations" in stage("publish").reads
    )
    assert stage("publish").with_catalog and "published/publications" in stage("publish").writes
    assert "bronze/erasure_requests" in stage("extract").writes  # extract reads every landing folder


def test_a_result_logs_rows_notes_and_failures():
    passed = StageResult("extract", NIGHT, rows={"mail": 3, "calls": 1}, notes=("mail: read 4",))
    assert passed.ok
    assert passed.log_lines() == ["extract 2026-11-26: ok; rows calls 1, mail 3", "  mail: read 4"]
    failed = StageResult("validate", NIGHT, failures=("top_introducers tile_rows_in_list: 2 rows",))
    assert not failed.ok
    assert failed.log_lines() == [
        "validate 2026-11-26: 1 failed",
        "  failed: top_introducers tile_rows_in_list: 2 rows",
    ]


def test_a_periodic_stage_takes_force_and_the_others_ignore_it():
    assert stage_args("x", ["--date", "2026-11-29"]).force is False
    assert stage_args("x", ["--date", "2026-11-29", "--force", "True"]).force is True  # Jinja renders True
    assert stage_args("x", ["--date", "2026-11-29", "--force", "false"]).force is False
