"""Calibrate: the model's parameters fitted on the company's own mail before the logical date
(wkw.scoring.calibration), one row in gold `model_calibrations`. Weekly on `[calibration] weekday`, or
tonight with `--force true` (DAG conf {"calibrate": true}, `wkw calibrate --as-of D`); the other nights
it does nothing and says so. An adopted calibration is in force from its date on (strength, publish).

    spark-submit jobs/wkw/stages/calibrate.py --date 2026-11-29 [--force true]
"""

from __future__ import annotations

from datetime import date, timedelta

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from wkw.config import BRONZE, GOLD, SILVER, Settings
from wkw.config_sections import WEEKDAYS
from wkw.lake import read_table, replace_partition
from wkw.pipeline import StageResult, stage_main
from wkw.privacy.rules import colleagues_on
from wkw.scoring.calibration import calibrate
from wkw.scoring.calibration_store import TABLE, calibration_row, model_in_force
from wkw.scoring.strength import known_by
from wkw.tools.backtest import raw_touches

STAGE = "calibrate"


def run(spark: SparkSession, settings: Settings, as_of: date, force: bool = False) -> StageResult:
    """The stage for one logical date, in an existing session."""
    conf = settings.calibration
    if not force and WEEKDAYS[as_of.weekday()] != conf.weekday:
        note = f"skipped: calibrates on {conf.weekday}s (or when asked: --force true, DAG conf calibrate)"
        return StageResult(STAGE, as_of, notes=(note,))
    mail = read_table(spark, settings, BRONZE, "mail_messages").where(F.col("ingest_date") <= F.lit(as_of))
    colleagues = colleagues_on(read_table(spark, settings, BRONZE, "directory"), as_of, settings.privacy)
    interactions = known_by(read_table(spark, settings, SILVER, "interactions"), as_of)
    current, current_id = model_in_force(spark, settings, as_of - timedelta(days=1))
    raw = raw_touches(mail, colleagues, settings).cache()
    calibration = calibrate(raw, interactions, as_of, current, settings.bands, conf)
    raw.unpersist()
    row = calibration_row(spark, calibration, conf.horizon_days, str(settings.model["version"]))
    replace_partition(
        row, settings.table_path(GOLD, TABLE), f"as_of_date = '{as_of.isoformat()}'", ["as_of_date"]
    )
    validation = calibration.validation
    notes = [f"{calibration.calibration_id}: {calibration.reason} (from {current_id or 'the defaults'})"]
    if "candidate" in validation:
        notes.append(
            "validation NDCG@5: candidate {:.4f}, current {:.4f}, count rule {:.4f}, recency {:.4f} "
            "({} contacts)".format(
                validation["candidate"]["ndcg_at_5"],
                validation["current"]["ndcg_at_5"],
                validation["count"]["ndcg_at_5"],
                validation["recency"]["ndcg_at_5"],
                validation["contacts"],
            )
        )
    return StageResult(STAGE, as_of, rows={TABLE: 1}, notes=tuple(notes))


def main(argv: list[str] | None = None) -> None:
    stage_main(STAGE, run, argv)


if __name__ == "__main__":
    main()
