"""One night of the DAG in one Airflow process: `airflow dags test`, then the run's true start time written
back, then every task's state printed for `wkw run` to read.

`airflow dags test` records the logical date as the DAG run's start (Airflow's `DAG.test()` creates the run
with `start_date=logical_date`): a backfilled night of 2001 read as having lasted 25 years in the UI. The
task instances' own start and end times are real. This module starts the same command in process, notes
the wall clock just before, and afterwards sets the run's `start_date` to it (its `end_date` is the real
end already), so the UI shows the night's true duration. The task states are read in the same process,
instead of two more `airflow` commands each paying Airflow's start-up (docs/pipeline.md, "Runs the
scheduler knows").

    python -m wkw.ops.dag_run 2026-11-26 '{"mode": "incremental", "calibrate": false}'

The last line printed is `STATES_PREFIX` followed by a JSON object: task id -> state (empty when no run
was found). Exits 1 when Airflow reports the run failed, as `airflow dags test` does.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from wkw.ops.airflow import DAG_ID

STATES_PREFIX = "WKW-TASK-STATES "


def run_dag_test(day: str, conf: str) -> bool:
    """`airflow dags test DAG_ID day --conf conf` in this process (Airflow's own CLI code); True unless
    Airflow reported the run failed."""
    from airflow.cli import cli_parser
    from airflow.configuration import write_default_airflow_configuration_if_needed

    write_default_airflow_configuration_if_needed()
    args = cli_parser.get_parser().parse_args(["dags", "test", DAG_ID, day, "--conf", conf])
    try:
        args.func(args)
    except SystemExit as failed:  # "DagRun failed"
        return failed.code in (None, 0)
    return True


def settle_run(day: str, began: datetime) -> dict[str, str]:
    """Give the newest run of `day` its true start, and return its task states."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    logical = datetime.fromisoformat(day).replace(tzinfo=UTC)
    with create_session() as session:
        run = session.scalars(
            select(DagRun)
            .where(DagRun.dag_id == DAG_ID, DagRun.logical_date == logical)
            .order_by(DagRun.id.desc())
            .limit(1)
        ).first()
        if run is None:
            return {}
        run.start_date = began
        return {ti.task_id: _state(ti.state) for ti in run.get_task_instances(session=session)}


def _state(state: object) -> str:
    return str(getattr(state, "value", state) or "none")


def main(argv: list[str]) -> int:
    day, conf = argv
    began = datetime.now(UTC)
    succeeded = run_dag_test(day, conf)
    states = settle_run(day, began)
    print(STATES_PREFIX + json.dumps(states, sort_keys=True), flush=True)
    return 0 if succeeded else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
