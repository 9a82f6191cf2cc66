"""`wkw run` succeeds only when every task of the night ran: `airflow dags test` reports a run that
executed nothing (a logical date before the DAG's start_date) as a success."""

from __future__ import annotations

import ast
from datetime import date

from wkw.config import PROJECT_ROOT
from wkw.ops.airflow import FIRST_LOGICAL_DATE, run_verdict
from wkw.pipeline import STAGE_NAMES

DONE = dict.fromkeys(STAGE_NAMES, "success")


def test_a_run_that_executed_no_task_is_not_a_success():
    assert run_verdict({}, STAGE_NAMES) == "the DAG run executed no task"


def test_every_task_must_have_run_and_succeeded_or_skipped():
    assert run_verdict(DONE, STAGE_NAMES) is None
    assert run_verdict({**DONE, "calibrate": "skipped"}, STAGE_NAMES) is None
    assert run_verdict({**DONE, "validate": "failed", "publish": "upstream_failed"}, STAGE_NAMES) == (
        "tasks not done: publish upstream_failed, validate failed"
    )
    partial = {name: "success" for name in STAGE_NAMES[:3]}
    assert run_verdict(partial, STAGE_NAMES).startswith("the DAG run did not execute calibrate, strength")


def test_the_dag_starts_early_enough_for_a_backfill_of_old_history():
    # The Enron years (1999-2002) are a backfill the DAG must run; it used to start on 2026-01-01, and
    # `wkw run --date 2001-10-01` "succeeded" having run nothing.
    tree = ast.parse((PROJECT_ROOT / "dags" / "who_knows_whom.py").read_text())
    starts = [
        k.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for k in node.keywords
        if k.arg == "start_date"
    ]
    assert len(starts) == 1 and "FIRST_LOGICAL_DATE" in ast.unparse(starts[0])
    assert FIRST_LOGICAL_DATE <= date(1999, 1, 1)


def test_a_date_before_the_first_logical_date_is_refused_before_airflow_starts():
    from typer.testing import CliRunner
    from wkw.serve.cli import app

    result = CliRunner().invoke(app, ["run", "--date", "1989-12-31"])
    assert result.exit_code == 2
    assert "1989-12-31 is before the DAG's first logical date 1990-01-01: nothing runs" in result.output


def test_a_second_run_of_one_lake_is_refused_while_the_first_holds_it(tmp_path):
    # `airflow dags test` ignores max_active_runs: two `wkw run` of one lake used to interleave.
    from typer.testing import CliRunner
    from wkw.ops.airflow import lake_lock
    from wkw.serve.cli import app

    lake = tmp_path / "lake"
    with lake_lock(str(lake.resolve())):
        result = CliRunner().invoke(app, ["run", "--date", "2026-11-26", "--lake", str(lake)])
    assert result.exit_code == 3
    assert f"another wkw run is using the lake {lake.resolve()} (pid " in result.output.replace("\n", "")
    with lake_lock(str(lake.resolve())):  # released: the next run takes it
        pass
