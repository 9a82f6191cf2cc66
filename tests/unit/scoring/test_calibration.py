"""Calibration on a hand-made history where recency, not volume, says who deals with a contact next: the
shorter half-life is found on the fit window, beats the current parameters and the count rule on the
validation window, and is adopted; mail after the as-of date changes nothing; too little history keeps
the parameters; the model in force is the latest adopted calibration on or before a date."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from support.mail_rows import ANN, CAROL, MAIL_SCHEMA, directory, mail
from support.model_params import BANDS, MODEL
from wkw.channels.build import build
from wkw.config_sections import Calibration as CalibrationConf
from wkw.config_sections import ConfigError
from wkw.privacy.rules import colleagues_on
from wkw.scoring.calibration import ADOPTED, TOO_LITTLE, before, calibrate
from wkw.scoring.calibration_store import TABLE, calibration_row, model_in_force
from wkw.tools.backtest import raw_touches

D = date(2026, 10, 1)
H = 30  # fit: as of D - 60 (relevance until D - 30); validation: as of D - 30 (relevance until D)
CONF = CalibrationConf(weekday="sunday", horizon_days=H, min_contacts=1, search={"half_life_days": [15.0]})
LANDED = date(2026, 11, 26)  # the rows' ingest date: every mail landed by then (support.mail_rows)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12)


def window(origin: date, contact: str, tag: str) -> list:
    """Ann exchanged ten mails with `contact` 100 days before `origin`, Carol two in its last week; after
    `origin`, Carol writes to the contact. The count rule names Ann; a short half-life names Carol."""
    old = origin - timedelta(days=100)
    rows = [
        mail(f"{tag}a{n}", f"{tag}ka{n}", ANN, [contact], at=noon(old) + timedelta(hours=n)) for n in range(5)
    ]
    rows += [
        mail(f"{tag}b{n}", f"{tag}kb{n}", contact, [ANN], at=noon(old) + timedelta(hours=n)) for n in range(5)
    ]
    rows += [mail(f"{tag}c1", f"{tag}kc1", CAROL, [contact], at=noon(origin - timedelta(days=3)))]
    rows += [mail(f"{tag}c2", f"{tag}kc2", contact, [CAROL], at=noon(origin - timedelta(days=2)))]
    rows += [mail(f"{tag}c3", f"{tag}kc3", CAROL, [contact], at=noon(origin + timedelta(days=5)))]
    return rows


def history() -> list:
    fit_origin, validation_origin = D - timedelta(days=2 * H), D - timedelta(days=H)
    return window(fit_origin, "fit@fabrikam.com", "f") + window(validation_origin, "val@fabrikam.com", "v")


def after_the_date() -> list:
    """Mail from D on, that would change both windows' verdicts if it were read: Ann deals with both
    contacts, and a new contact known to both colleagues is touched by Ann."""
    later = noon(D + timedelta(days=1))
    rows = [
        mail(f"z{n}", f"kz{n}", ANN, [c], at=later)
        for n, c in enumerate(["fit@fabrikam.com", "val@fabrikam.com"])
    ]
    rows += [
        mail("z7", "kz7", ANN, ["new@fabrikam.com"], at=later),
        mail("z8", "kz8", CAROL, ["new@fabrikam.com"], at=later),
    ]
    return rows + [mail("z9", "kz9", ANN, ["new@fabrikam.com"], at=later + timedelta(days=3))]


def inputs(spark, settings, rows):
    bronze = spark.createDataFrame(rows, MAIL_SCHEMA)
    colleagues = colleagues_on(directory(spark), LANDED, settings.privacy)
    silver, _ = build(bronze, colleagues, LANDED, settings)
    return raw_touches(bronze, colleagues, settings), silver


@pytest.fixture(scope="module")
def calibrations(spark, make_settings, tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("calibration"))
    alone = calibrate(*inputs(spark, settings, history()), D, MODEL, BANDS, CONF)
    with_future = calibrate(*inputs(spark, settings, history() + after_the_date()), D, MODEL, BANDS, CONF)
    return alone, with_future


def test_the_shorter_half_life_is_adopted_when_it_beats_the_current_model_and_the_count_rule(calibrations):
    calibration, _ = calibrations
    assert calibration.adopted and calibration.reason == ADOPTED
    assert calibration.model == {**MODEL, "half_life_days": 15.0}
    validation = calibration.validation
    # One contact in the validation window; Carol (relevant) first with half-life 15, second otherwise.
    assert validation["contacts"] == 1
    assert validation["candidate"]["ndcg_at_5"] == 1.0 and validation["candidate"]["hit_at_1"] == 1.0
    assert validation["current"]["ndcg_at_5"] == validation["count"]["ndcg_at_5"] == 0.6309
    assert [t["parameters"] for t in calibration.fit["trials"]] == [{}, {"half_life_days": 15.0}]
    assert calibration.calibration_id.startswith("cal-2026-10-01-")


def test_calibration_never_looks_past_its_as_of_date(calibrations, spark, make_settings, tmp_path_factory):
    alone, with_future = calibrations
    assert with_future.summary() == alone.summary()
    assert with_future.fit == alone.fit
    settings = make_settings(tmp_path_factory.mktemp("cut"))
    raw, silver = before(*inputs(spark, settings, history() + after_the_date()), D)
    assert raw.where(f"event_at >= '{D}'").count() == 0 and raw.count() > 0
    assert silver.where(f"event_at >= '{D}'").count() == 0


def test_too_little_history_keeps_the_parameters_and_says_so(spark, settings):
    conf = dataclasses.replace(CONF, min_contacts=5)
    calibration = calibrate(*inputs(spark, settings, history()), D, MODEL, BANDS, conf)
    assert not calibration.adopted and calibration.model == MODEL
    assert calibration.reason == f"{TOO_LITTLE}: 1 and 1 contacts (fit, validation), 5 needed"


def test_the_model_in_force_is_the_latest_adopted_calibration_on_or_before_the_date(
    spark, settings, calibrations
):
    adopted, _ = calibrations
    path = settings.table_path("gold", TABLE)
    base = str(settings.model["version"])
    kept = dataclasses.replace(adopted, as_of=D + timedelta(days=7), adopted=False, reason="kept")
    for calibration in (adopted, kept):
        calibration_row(spark, calibration, H, base).write.format("delta").mode("append").save(path)
    assert model_in_force(spark, settings, D - timedelta(days=1)) == (dict(settings.model), None)
    model, used = model_in_force(spark, settings, D + timedelta(days=30))
    assert used == adopted.calibration_id  # the later row was not adopted
    assert model["half_life_days"] == 15.0 and model["version"] == f"{base}+{used}"
    assert model["one_way_factor"] == MODEL["one_way_factor"]  # every searched parameter comes from the row


def test_the_search_names_only_model_parameters():
    with pytest.raises(ConfigError, match=r"search.lookback_days: not a searchable parameter"):
        dataclasses.replace(CONF, search={"lookback_days": [30]})
    with pytest.raises(ConfigError, match=r"weekday must be one of"):
        dataclasses.replace(CONF, weekday="someday")
