"""wkw.privacy.landing: raw exports are kept `landing_retention_days` (only dates extract has read), a kept
file naming a withheld person is deleted and recorded, a link out of landing is never followed to delete,
and a rerun of a purged date keeps its scrubbed bronze."""

from __future__ import annotations

import hashlib
import os
from datetime import date, datetime

from wkw.config import BRONZE
from wkw.lake import read_optional
from wkw.privacy import landing
from wkw.privacy.policy import subject_hash
from wkw.stages import extract

AS_OF = date(2026, 11, 26)
OLGA = "olga.smith@contoso.com"
NOW = datetime(2026, 11, 26, 23, 0)
READ = {date(2026, 11, 25), date(2026, 11, 26)}  # the dates extract has read


def land(settings, source: str, day: str, name: str, text: str):
    folder = settings.landing_dir(source, day)
    path = f"{folder}/{name}"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)
    return path


def test_only_read_dates_older_than_the_retention_are_deleted_and_never_through_a_link(settings, tmp_path):
    old = land(settings, "mail", "2026-10-01", "a.eml", "From: a@b.com\n")
    unread = land(settings, "calls", "2026-10-02", "c.csv", "x\n")
    recent = land(settings, "mail", "2026-11-20", "b.eml", "From: a@b.com\n")
    shared = tmp_path / "shared_archive"
    shared.mkdir()
    (shared / "1.").write_text("From: kept@enron.com\n")
    linked = tmp_path / "landing" / "mail" / "2026-09-01"
    linked.symlink_to(shared, target_is_directory=True)
    extracted = {date(2026, 10, 1), date(2026, 11, 20), date(2026, 9, 1)}

    deleted = landing.expire_landing(settings, AS_OF, 30, extracted)

    assert deleted == [settings.landing_dir("mail", "2026-10-01")]
    assert not os.path.exists(old)
    assert os.path.exists(unread)  # never extracted: a backfill run out of order keeps it
    assert os.path.exists(recent)
    assert (shared / "1.").read_text() == "From: kept@enron.com\n"  # the link's target is not ours


def test_a_kept_file_naming_a_withheld_person_is_deleted_recorded_and_its_date_not_extracted_again(
    spark, settings
):
    naming = land(settings, "mail", "2026-11-25", "olga.eml", f'To: "Olga" <{OLGA.title()}>\nFrom: a@b.com\n')
    other = land(settings, "mail", "2026-11-25", "other.eml", "To: smith@contoso.com\nFrom: a@b.com\n")
    tonight = land(settings, "directory", "2026-11-26", "users.csv", f"email,name\n{OLGA},Olga Smith\n")
    unread = land(settings, "directory", "2026-11-27", "users.csv", f"email,name\n{OLGA},Olga Smith\n")
    hashes = [subject_hash(OLGA)]

    assert landing.purge_named(spark, settings, hashes, AS_OF, READ, everything=False, now=NOW) == 1
    assert not os.path.exists(tonight) and os.path.exists(naming)  # tonight only: the older file waits
    assert landing.purge_named(spark, settings, hashes, AS_OF, READ, everything=True, now=NOW) == 1
    assert not os.path.exists(naming) and os.path.exists(other)
    assert os.path.exists(unread)  # a night extract has not read yet keeps its landing until it has
    purges = read_optional(spark, settings, BRONZE, landing.PURGES)
    rows = sorted((r.ingest_date, r.source, r.path_sha256) for r in purges.collect())
    assert rows == sorted(
        [
            (date(2026, 11, 26), "directory", hashlib.sha256(tonight.encode()).hexdigest()),
            (date(2026, 11, 25), "mail", hashlib.sha256(naming.encode()).hexdigest()),
        ]
    )
    result = extract.run(spark, settings, date(2026, 11, 25))
    assert result.notes and "not extracted again: 1 landing files of 2026-11-25" in result.notes[0]
    assert read_optional(spark, settings, BRONZE, "mail_messages") is None  # nothing replaced


def test_an_address_cut_by_a_chunk_end_is_still_found(tmp_path, monkeypatch):
    monkeypatch.setattr(landing, "SCAN_CHUNK_BYTES", 7)
    monkeypatch.setattr(landing, "MAX_TOKEN_BYTES", 40)
    path = tmp_path / "x.mbox"
    path.write_bytes(b'From: A <a@b.com>\nTo: "Olga" <Olga.Smith@Contoso.com>, z@y.org\n\nbody')
    for address, expected in ((OLGA, True), ("z@y.org", True), ("smith@contoso.com", False)):
        assert landing.names_subject(str(path), frozenset([subject_hash(address)])) is expected


def test_a_rerun_that_keeps_scrubbed_bronze_counts_the_removals_of_later_nights(spark):
    """Records of 11-25 deleted on 11-26 (a later request) are filtered `withheld` when 11-25 is reconciled
    again; a removal of another date's records is not."""
    from wkw.channels.reconciliation import withheld_outcomes
    from wkw.privacy.register import REMOVALS_SCHEMA

    removals = spark.createDataFrame(
        [
            (date(2026, 11, 26), "mail_messages", date(2026, 11, 25), 3),
            (date(2026, 11, 25), "calls", date(2026, 11, 25), 1),
            (date(2026, 11, 26), "mail_messages", date(2026, 11, 26), 5),
        ],
        REMOVALS_SCHEMA,
    )
    rows = withheld_outcomes(removals, date(2026, 11, 25)).groupBy("source", "filter_reason").count()
    assert {(r.source, r.filter_reason): r["count"] for r in rows.collect()} == {
        ("mail", "withheld"): 3,
        ("calls", "withheld"): 1,
    }


def test_removals_of_records_a_rerun_read_again_are_forgotten_and_of_kept_bronze_are_not(spark, settings):
    from wkw.config import SILVER
    from wkw.privacy.purge import forget_reread_removals
    from wkw.privacy.register import REMOVALS, REMOVALS_SCHEMA

    path = settings.table_path(SILVER, REMOVALS)
    rows = [
        (date(2026, 11, 26), "mail_messages", date(2026, 11, 25), 3),
        (date(2026, 11, 25), "mail_messages", date(2026, 11, 25), 2),
    ]
    spark.createDataFrame(rows, REMOVALS_SCHEMA).write.format("delta").save(path)
    forget_reread_removals(spark, settings, date(2026, 11, 25), reread=False)
    assert spark.read.format("delta").load(path).count() == 2
    forget_reread_removals(spark, settings, date(2026, 11, 25), reread=True)
    kept = [(r.as_of_date, r.ingest_date, r.rows) for r in spark.read.format("delta").load(path).collect()]
    assert kept == [(date(2026, 11, 25), date(2026, 11, 25), 2)]
