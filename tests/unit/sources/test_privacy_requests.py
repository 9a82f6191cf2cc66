"""Erasure requests are keyed on their id, and an id never names two people: a second address under one
id (in tonight's files, or under an id an earlier night recorded) is quarantined as duplicate_request_id.
Before, the second row was dropped from the register and still counted accepted: one of two people asked
to be forgotten was silently not erased."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from wkw.config import BRONZE
from wkw.privacy.policy import subject_hash
from wkw.sources.privacy_requests import extract_erasure_requests

FIRST, SECOND = date(2026, 11, 25), date(2026, 11, 26)


def land(settings, day, name, lines):
    folder = Path(settings.landing_dir("privacy", day.isoformat()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("request_id,email\n" + "".join(f"{line}\n" for line in lines))


def judged(spark, settings, day):
    subjects, quarantine, counts = extract_erasure_requests(spark, settings, day)
    accepted = sorted((r.request_id, r.subject_sha256) for r in subjects.collect())
    held = sorted((r.position, r.reason, r.detail) for r in quarantine.collect())
    [count] = counts.collect()
    return subjects, accepted, held, (count.read, count.accepted, count.quarantined)


def test_one_id_naming_two_addresses_quarantines_the_second(spark, settings):
    land(
        settings,
        FIRST,
        "dsr.csv",
        ["DSR-1,ann@fabrikam.com", "DSR-1,bob@adatum.com", "DSR-2,cy@x.org", "DSR-2,CY@x.org "],
    )
    _, accepted, held, counts = judged(spark, settings, FIRST)
    assert counts == (4, 3, 1)
    assert accepted == [
        ("erasure:DSR-1", subject_hash("ann@fabrikam.com")),
        ("erasure:DSR-2", subject_hash("cy@x.org")),  # one address twice: one request, both rows accepted
        ("erasure:DSR-2", subject_hash("cy@x.org")),
    ]
    assert held == [(3, "duplicate_request_id", None)]  # line 3; never the address


def test_an_id_an_earlier_night_used_for_someone_else_is_quarantined(spark, settings):
    land(settings, FIRST, "dsr.csv", ["DSR-3,dee@fabrikam.com"])
    subjects, _, _, _ = judged(spark, settings, FIRST)
    subjects.write.format("delta").partitionBy("ingest_date").save(
        settings.table_path(BRONZE, "erasure_requests")
    )
    land(
        settings,
        SECOND,
        "dsr.csv",
        ["DSR-3,eve@adatum.com", "DSR-3,dee@fabrikam.com", "DSR-4,eve@adatum.com"],
    )
    _, accepted, held, counts = judged(spark, settings, SECOND)
    assert counts == (3, 2, 1)
    assert accepted == [
        ("erasure:DSR-3", subject_hash("dee@fabrikam.com")),  # the same request again
        ("erasure:DSR-4", subject_hash("eve@adatum.com")),
    ]
    assert held == [(2, "duplicate_request_id", None)]
