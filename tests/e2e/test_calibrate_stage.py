"""The calibrate stage on the suite's company: a short history keeps the configured model and says so; an
adopted calibration is in force from its date on, and the publication names it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NIGHT, copy_of
from deltalake import DeltaTable
from wkw.config import GOLD, PUBLISHED
from wkw.scoring.calibration import ADOPTED, TOO_LITTLE, Calibration
from wkw.scoring.calibration_store import TABLE, calibration_row, model_in_force
from wkw.stages import calibrate, introducers, publish, strength, validate

pytestmark = pytest.mark.e2e


def rows(settings, layer, table):
    return DeltaTable(settings.table_path(layer, table)).to_pyarrow_table().to_pylist()


def test_a_calibration_on_too_little_history_keeps_the_model_and_says_so(spark, local_night, tmp_path):
    settings = copy_of(local_night, tmp_path)
    skipped = calibrate.run(spark, settings, NIGHT)  # a Thursday: not the weekly day
    assert skipped.notes[0].startswith("skipped: calibrates on sundays")
    result = calibrate.run(spark, settings, NIGHT, force=True)
    assert result.ok and TOO_LITTLE in result.notes[0] and "(from the defaults)" in result.notes[0]
    [row] = rows(settings, GOLD, TABLE)
    assert (row["adopted"], row["as_of_date"], row["base_version"]) == (
        False,
        NIGHT,
        settings.model["version"],
    )
    assert row["reason"].startswith(TOO_LITTLE)  # 90 days of mail: no two 90-day windows to fit and check
    assert model_in_force(spark, settings, NIGHT) == (dict(settings.model), None)


def test_an_adopted_calibration_is_in_force_from_its_date_and_the_publication_names_it(
    spark, local_night, tmp_path
):
    settings = copy_of(local_night, tmp_path)
    before = {
        (r["colleague_email"], r["contact_email"]): r
        for r in rows(settings, PUBLISHED, "connection_strength")
    }
    candidate = {**settings.model, "half_life_days": 30.0}
    adopted = Calibration(NIGHT - timedelta(days=3), candidate, True, ADOPTED, candidate)
    path = settings.table_path(GOLD, TABLE)
    calibration_row(spark, adopted, 90, settings.model["version"]).write.format("delta").save(path)
    assert any("model strength-1+cal-" in note for note in strength.run(spark, settings, NIGHT).notes)
    introducers.run(spark, settings, NIGHT)
    assert validate.run(spark, settings, NIGHT).failures == ()
    publish.run(spark, settings, NIGHT)
    version = f"{settings.model['version']}+{adopted.calibration_id}"
    publication = max(rows(settings, PUBLISHED, "publications"), key=lambda p: p["published_at"])
    parameters = dict(publication["model_parameters"])
    assert publication["model_version"] == version
    assert parameters["calibration"] == adopted.calibration_id and parameters["half_life_days"] == "30.0"
    after = rows(settings, PUBLISHED, "connection_strength")
    assert {r["model_version"] for r in after} == {version}
    # A shorter half-life: every pair's score is its recomputed one, no longer the 60-day one.
    changed = [r for r in after if r["score"] != before[(r["colleague_email"], r["contact_email"])]["score"]]
    assert len(changed) > len(after) / 2
