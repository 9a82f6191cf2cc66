"""`gold/model_calibrations`: one row per calibration (its date, windows, metrics and whether it was
adopted), and the model in force on a date: `[model]` of conf/wkw.toml with the parameters of the latest
adopted calibration on or before that date. Its version names the calibration
(`strength-1+cal-2001-10-01-1a2b3c4d`), so every published row and publication says which one it used."""

from __future__ import annotations

import json
from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from wkw.config import GOLD, Settings
from wkw.lake import read_optional

TABLE = "model_calibrations"
SCHEMA = (
    "calibration_id string, as_of_date date, adopted boolean, reason string, "
    "parameters map<string,double>, base_version string, horizon_days int, "
    "fit_contacts bigint, validation_contacts bigint, validation_ndcg_candidate double, "
    "validation_ndcg_current double, validation_ndcg_count double, validation_ndcg_recency double, "
    "validation_mrr_candidate double, validation_mrr_count double, details string"
)


def calibration_row(spark: SparkSession, calibration, horizon_days: int, base_version: str) -> DataFrame:
    """The row of `calibration` (a `wkw.scoring.calibration.Calibration`)."""
    validation = calibration.validation

    def metric(side: str, name: str) -> float | None:
        return validation.get(side, {}).get(name)

    parameters = {k: float(v) for k, v in sorted(calibration.candidate.items()) if k != "version"}
    row = (
        calibration.calibration_id,
        calibration.as_of,
        calibration.adopted,
        calibration.reason,
        parameters,
        base_version,
        horizon_days,
        calibration.fit.get("contacts"),
        validation.get("contacts"),
        metric("candidate", "ndcg_at_5"),
        metric("current", "ndcg_at_5"),
        metric("count", "ndcg_at_5"),
        metric("recency", "ndcg_at_5"),
        metric("candidate", "mrr"),
        metric("count", "mrr"),
        json.dumps({"fit": calibration.fit, "validation": validation}, sort_keys=True),
    )
    return spark.createDataFrame([row], SCHEMA)


def model_in_force(spark: SparkSession, settings: Settings, as_of: date) -> tuple[dict, str | None]:
    """(model, calibration id) in force on `as_of`: the latest adopted calibration dated on or before it
    (of the same base version of `[model]`), else `[model]` as configured and None."""
    model = dict(settings.model)
    calibrations = read_optional(spark, settings, GOLD, TABLE)
    if calibrations is None:
        return model, None
    latest = (
        calibrations.where(
            F.col("adopted")
            & (F.col("as_of_date") <= F.lit(as_of))
            & (F.col("base_version") == F.lit(str(model["version"])))
        )
        .orderBy(F.col("as_of_date").desc(), F.col("calibration_id").desc())
        .first()
    )
    if latest is None:
        return model, None
    model.update(latest.parameters)
    model["version"] = f"{settings.model['version']}+{latest.calibration_id}"
    return model, latest.calibration_id
