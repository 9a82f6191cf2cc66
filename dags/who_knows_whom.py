"""
### who_knows_whom: the nightly Who Knows Whom pipeline

For the logical date `ds` (the day whose exports landed in `landing/<source>/<ds>/`):

1. **extract**: headers of mail (Maildir, Graph JSON lines), directory and CRM exports -> bronze;
   bad records -> quarantine.
2. **privacy**: opted-out and excluded colleagues and erased people removed from every layer; old file
   versions purged by VACUUM after the retention; the privacy register updated.
3. **interactions**: withheld people dropped, copies deduplicated, automated mail and broadcasts
   filtered -> silver.
4. **calibrate**: weekly (`[calibration] weekday`, or trigger with `{"calibrate": true}`), the model's
   parameters fitted on the company's own mail before `ds`, adopted only if they beat the current ones and
   the count rule on a validation window; a skip on the other days.
5. **strength**: decayed, reciprocity-aware score per (colleague, contact), with receipts -> gold (staged),
   by the model in force (the latest adopted calibration, or the defaults).
6. **introducers**: the ranked list and the five-row tile per contact -> gold (staged).
7. **validate**: Great Expectations suites (expectations/) and cross-table privacy checks;
   a failure stops here.
8. **publish**: staged tables become `wkw.*` in one recorded publication, naming its calibration.
9. **maintain**: old nightly gold partitions dropped, small files compacted, files per table recorded.

interactions and strength are incremental: a night reads what landed that night, not the years behind
it. Trigger with `{"mode": "full"}` (`wkw run --full`) to recompute both from all history.

The stage list is `wkw.pipeline.STAGES` (what each reads and writes). Every stage runs in the lake's
warm Spark (`wkw.ops.spark_server`): one driver that holds the session, Delta and the catalog for the
whole night; each task asks it to run `jobs/wkw/stages/<stage>.py`'s `run` and waits. The first task
starts the driver when none is up (`wkw spark start` starts it ahead); its master is `[spark] master`
(WKW_SPARK_MASTER: `local[*]`, or `spark://...` for a cluster). Run one day with
`wkw run --date YYYY-MM-DD` or `airflow dags test who_knows_whom YYYY-MM-DD`.

Lineage: each task names the tables its stage reads and writes (`wkw.ops.lineage.StageOperator`), and
Airflow's OpenLineage provider emits its events where `[lineage]` says (docs/lineage.md).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, dag
from wkw.ops.airflow import DAG_ID, FIRST_LOGICAL_DATE
from wkw.ops.alerts import notify_failure
from wkw.ops.lineage import StageOperator
from wkw.ops.spark_client import run_stage_task
from wkw.pipeline import PUBLISHED_TABLES, STAGES

PUBLISHED_ASSETS = [
    Asset(name=f"wkw.{table}", uri=f"wkw://published/{table}")
    for table in (*PUBLISHED_TABLES, "publications")
]


@dag(
    dag_id=DAG_ID,
    schedule="@daily",
    # Any logical date from 1990 on runs (a backfill of old history too); catchup stays off.
    start_date=pendulum.datetime(
        FIRST_LOGICAL_DATE.year, FIRST_LOGICAL_DATE.month, FIRST_LOGICAL_DATE.day, tz="UTC"
    ),
    catchup=False,
    max_active_runs=1,
    tags=["who-knows-whom", "spark", "delta"],
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "on_failure_callback": notify_failure,
    },
    doc_md=__doc__,
    params={
        "mode": Param("incremental", enum=["incremental", "full"], description="full: recompute all"),
        "calibrate": Param(False, type="boolean", description="true: calibrate tonight, whatever the day"),
    },
)
def who_knows_whom():
    previous = None
    for stage in STAGES:
        task = StageOperator(
            task_id=stage.name,
            python_callable=run_stage_task,
            op_kwargs={
                "stage": stage.name,
                "day": "{{ ds }}",
                "mode": "{{ params.mode }}",
                "force": "{{ params.calibrate }}",
            },
            outlets=PUBLISHED_ASSETS if stage.name == "publish" else [],
            doc_md=stage.doc,
        )
        if previous is not None:
            previous >> task
        previous = task


who_knows_whom()
