"""The one map of the nightly flow: the DAG's stages in order, what each reads and writes, the result every
stage returns, and the thin `main()` every stage module shares.

Free of Spark, Airflow and every heavy library at import time: the DAG file imports this module at each
parse, and the CLI reads the stage list from it. A stage module is `jobs/wkw/stages/<name>.py` with
`run(spark, settings, as_of[, full]) -> StageResult` and `main()` = `stage_main(...)`.

    python -c "from wkw.pipeline import STAGES; print([s.name for s in STAGES])"
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

INCREMENTAL, FULL = "incremental", "full"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class Stage:
    """One task of the DAG: its name (= module under `wkw.stages`), what it does, the tables it reads
    and writes (`layer/table`), and whether it takes a mode or needs the SQL catalog."""

    name: str
    doc: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    with_mode: bool = False  # incremental by default; `--mode full` recomputes from all history
    with_catalog: bool = False  # registers the published tables in the Spark SQL catalog
    periodic: bool = False  # works on its own schedule (a weekday); `--force true` runs it tonight


STAGES = (
    Stage(
        "extract",
        "Landing files of `ds` -> bronze (headers only); malformed records -> bronze.quarantine.",
        reads=("landing/*",),
        writes=(
            "bronze/mail_messages",
            "bronze/directory",
            "bronze/crm",
            "bronze/address_book",
            "bronze/calls",
            "bronze/meetings",
            "bronze/erasure_requests",
            "bronze/quarantine",
            "bronze/ingest_counts",
        ),
    ),
    Stage(
        "privacy",
        "Withheld and erased people removed from every table; VACUUM after the retention.",
        reads=("bronze/directory", "bronze/erasure_requests", "silver/privacy_requests"),
        # Scrubbing removes a person from every table of the lake: the one stage that changes the rows of
        # tables other stages write, and it moves the current publication to the scrubbed versions.
        writes=("silver/privacy_requests", "silver/privacy_removals", "*: rows of withheld people removed"),
    ),
    Stage(
        "interactions",
        "Bronze -> silver.interactions and silver.internal_interactions; filters in silver.reconciliation.",
        reads=(
            "bronze/mail_messages",
            "bronze/directory",
            "bronze/calls",
            "bronze/meetings",
            "bronze/ingest_counts",
            "silver/privacy_removals",
        ),
        writes=("silver/interactions", "silver/internal_interactions", "silver/reconciliation"),
        with_mode=True,
    ),
    Stage(
        "calibrate",
        "Weekly (or when asked): the model fitted on the mail before `ds` -> gold.model_calibrations.",
        reads=("bronze/mail_messages", "bronze/directory", "silver/interactions", "gold/model_calibrations"),
        writes=("gold/model_calibrations",),
        periodic=True,
    ),
    Stage(
        "strength",
        "Silver -> gold.connection_strength (receipts, trend) and gold.colleague_ties (staged) by the model.",
        reads=(
            "silver/interactions",
            "silver/internal_interactions",
            "gold/strength_state",
            "gold/strength_runs",
            "gold/strength_earlier_state",
            "gold/strength_earlier_runs",
            "gold/model_calibrations",
        ),
        writes=(
            "gold/strength_state",
            "gold/strength_runs",
            "gold/strength_earlier_state",
            "gold/strength_earlier_runs",
            "gold/connection_strength",
            "gold/contact_names",
            "gold/colleague_ties",
        ),
        with_mode=True,
    ),
    Stage(
        "introducers",
        "Gold -> gold.introducers, gold.top_introducers and gold.account_introducers (staged).",
        reads=("gold/connection_strength", "gold/contact_names", "bronze/directory", "bronze/crm"),
        writes=("gold/introducers", "gold/top_introducers", "gold/account_introducers"),
    ),
    Stage(
        "validate",
        "Great Expectations gate and privacy checks; fails the run if anything is wrong.",
        reads=(
            "gold/connection_strength",
            "gold/introducers",
            "gold/top_introducers",
            "gold/account_introducers",
            "gold/colleague_ties",
            "bronze/directory",
            "silver/reconciliation",
            "silver/privacy_requests",
            "published/top_introducers",
        ),
        writes=("gold/validations",),
    ),
    Stage(
        "publish",
        "Staged -> published wkw.* tables and one row in wkw.publications.",
        reads=(
            "gold/validations",
            "gold/connection_strength",
            "gold/introducers",
            "gold/top_introducers",
            "gold/account_introducers",
            "gold/colleague_ties",
            "gold/model_calibrations",
        ),
        writes=(
            "published/connection_strength",
            "published/introducers",
            "published/top_introducers",
            "published/account_introducers",
            "published/colleague_ties",
            "published/publications",
        ),
        with_catalog=True,
    ),
    Stage(
        "maintain",
        "Old nightly gold partitions dropped, small files compacted, files per table recorded.",
        reads=("*",),
        writes=("silver/table_files", "gold/*: nights older than keep_nights dropped"),
    ),
)
STAGE_NAMES = tuple(stage.name for stage in STAGES)
PUBLISHED_TABLES = (
    "connection_strength",
    "introducers",
    "top_introducers",
    "account_introducers",
    "colleague_ties",
)
# Published tables scored per pair, without the ranking's publication id (publish takes the date's rows).
UNSTAMPED_TABLES = ("connection_strength", "colleague_ties")


def stage(name: str) -> Stage:
    return next(s for s in STAGES if s.name == name)


@dataclass(frozen=True)
class StageResult:
    """What every stage's `run()` returns and its `main()` logs: rows (accepted per source for extract and
    interactions, written per table for the others, where the stage counted them anyway), a few lines
    worth reading in the task log, and the failures that stop the night (validate's checks; empty: the
    stage succeeded)."""

    stage: str
    as_of: date
    rows: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    failures: tuple = ()
    publication_id: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures

    def log_lines(self) -> list[str]:
        rows = ", ".join(f"{table} {count}" for table, count in sorted(self.rows.items()))
        head = f"{self.stage} {self.as_of.isoformat()}: " + (
            "ok" if self.ok else f"{len(self.failures)} failed"
        )
        lines = [head + (f"; rows {rows}" if rows else "")]
        lines += [f"  {note}" for note in self.notes]
        lines += [f"  failed: {failure}" for failure in self.failures]
        return lines


def stage_args(description: str, argv: list[str] | None = None) -> argparse.Namespace:
    """Every stage takes the logical date, a mode (incremental, or a full recompute from all history: only
    interactions and strength tell them apart) and `--force` (a periodic stage runs whatever the day);
    anything else comes from settings."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--date", required=True, type=date.fromisoformat, help="logical date, YYYY-MM-DD")
    parser.add_argument(
        "--mode", choices=[INCREMENTAL, FULL], default=INCREMENTAL, help="default: incremental"
    )
    parser.add_argument(
        "--force",
        type=lambda text: text.lower() == "true",
        default=False,
        help="true: a periodic stage (calibrate) runs tonight whatever the day",
    )
    return parser.parse_args(argv)


def run_stage(name: str, run: Callable[..., StageResult], argv: list[str] | None = None) -> StageResult:
    """The logical date from the command line, settings, the session, then `run(spark, settings, as_of)`
    (with `full=` for the stages that have a mode); the session is stopped whatever happens."""
    from wkw.config import load_settings
    from wkw.session import get_spark

    spec = stage(name)
    args = stage_args(spec.doc, argv)
    settings = load_settings()
    spark = get_spark(settings, name, with_catalog=spec.with_catalog)
    try:
        return call_stage(spec, run, spark, settings, args)
    finally:
        spark.stop()


def call_stage(spec: Stage, run: Callable[..., StageResult], spark, settings, args: argparse.Namespace):
    """`run(spark, settings, as_of)` with the arguments of the stage's command line (`full=` for the stages
    that have a mode, `force=` for the periodic ones): a spark-submit's session or the warm driver's."""
    if spec.with_mode:
        return run(spark, settings, args.date, full=args.mode == FULL)
    if spec.periodic:
        return run(spark, settings, args.date, force=args.force)
    return run(spark, settings, args.date)


def stage_main(name: str, run: Callable[..., StageResult], argv: list[str] | None = None) -> StageResult:
    """A stage module's `main()`: run it, log its result (Airflow shows the task's log), and exit non-zero
    when it failed, so that the DAG stops there."""
    project_log = logging.getLogger("wkw")
    if not project_log.handlers:  # the project's own loggers at INFO; libraries keep their levels
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        project_log.addHandler(handler)
        project_log.setLevel(logging.INFO)
        project_log.propagate = False
    log = logging.getLogger(f"wkw.stages.{name}")
    result = run_stage(name, run, argv)
    for line in result.log_lines():
        (log.info if result.ok else log.error)(line)
    if not result.ok:
        sys.exit(1)
    return result
