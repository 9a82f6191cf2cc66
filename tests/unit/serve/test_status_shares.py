"""`wkw status` shows per source and night the share of what was read that went to quarantine, and the
warnings validate recorded (wkw.checks.quarantine). Before, it showed the counts only."""

from __future__ import annotations

from datetime import date, timedelta

from typer.testing import CliRunner
from wkw.serve.cli import app
from wkw.serve.status import run_status

AS_OF = date(2026, 11, 26)
RECONCILIATION = (
    "as_of_date date, source string, read long, accepted long, filtered long, "
    "filtered_by map<string,bigint>, quarantined long, balanced boolean"
)
FINDINGS = "array<struct<table_name: string, check_name: string, detail: string>>"
VALIDATIONS = (
    f"as_of_date date, publication_id string, passed boolean, checks_run int, failures {FINDINGS}, "
    f"warnings {FINDINGS}"
)
JUMP = "calendar: 40.0% quarantined tonight (40 of 100) against a median of 2.0% over the previous 1 nights"


def _night(day: date, source: str, read: int, quarantined: int) -> tuple:
    return (day, source, read, read - quarantined, 0, {}, quarantined, True)


def test_status_shows_the_share_per_source_and_night_and_the_warning(spark, settings, monkeypatch):
    before = AS_OF - timedelta(days=1)
    nights = [
        _night(before, "calendar", 100, 2),
        _night(before, "mail", 1000, 10),
        _night(before, "crm", 0, 0),
        _night(AS_OF, "calendar", 100, 40),
        _night(AS_OF, "mail", 1000, 12),
        _night(AS_OF, "crm", 0, 0),
    ]
    spark.createDataFrame(nights, RECONCILIATION).write.format("delta").save(
        settings.table_path("silver", "reconciliation")
    )
    verdict = (AS_OF, "pub-1", True, 12, [], [("reconciliation", "quarantine_jump", JUMP)])
    spark.createDataFrame([verdict], VALIDATIONS).write.format("delta").save(
        settings.table_path("gold", "validations")
    )

    runs = run_status(settings, last=2)

    assert [run["as_of_date"] for run in runs] == ["2026-11-26", "2026-11-25"]
    shares = [{s: counts["quarantine_share"] for s, counts in run["sources"].items()} for run in runs]
    assert shares == [
        {"calendar": 0.4, "crm": None, "mail": 0.012},
        {"calendar": 0.02, "crm": None, "mail": 0.01},
    ]
    assert runs[0]["warnings"] == [
        {"table_name": "reconciliation", "check_name": "quarantine_jump", "detail": JUMP}
    ]
    assert runs[1]["warnings"] == [] and runs[1]["validated"] is None

    monkeypatch.setenv("WKW_LAKE", settings.lake)
    shown = CliRunner().invoke(app, ["status", "--last", "1"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "quarantined %" in shown.output and "40.0%" in shown.output and "1.2%" in shown.output
    assert f"warning: quarantine_jump {JUMP}" in " ".join(shown.output.split())  # wrapped or not
