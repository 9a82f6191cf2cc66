"""The Enron public_dev archive end to end (extract + interactions, one ingest) against the reference counts.

Every file read is accounted for, and every (colleague, external) pair-direction whose message count differs
from public_dev_knows_reference.csv is explained by a cause computed from the data
(wkw.tools.enron_reference).
The pairs below were checked by hand against the message files and the reference.

Run: .venv/bin/python -m pytest tests/e2e/test_enron_reference.py -q   (about 3 to 6 minutes on 2 cores)
"""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F
from wkw.config import SILVER
from wkw.lake import read_table
from wkw.tools import enron_reference as er

pytestmark = pytest.mark.e2e

PUBLIC_DEV_FILES = 40_856
AGREEING = {"tstraws@qwest.com", "set@ercot.com"}  # contacts of pairs whose counts agree exactly


@pytest.fixture(scope="module")
def public_dev(spark, enron_dir, tmp_path_factory, make_settings):
    if not (enron_dir / er.ARCHIVE).exists():
        pytest.skip(f"{er.ARCHIVE} not found in {enron_dir}")
    settings = make_settings(tmp_path_factory.mktemp("public_dev"), internal_domains=er.INTERNAL_DOMAINS)
    er.ingest_public_dev(spark, settings, enron_dir / er.ARCHIVE)
    comparison, traces = er.compare(spark, settings, enron_dir)
    pairs = {
        (row.colleague_email, row.contact_email, row.direction): row.asDict()
        for row in comparison.where(F.col("reference") != F.col("ours")).collect()
        + comparison.where(F.col("contact_email").isin(list(AGREEING))).collect()
    }
    return settings, pairs, er.summary(comparison, traces)


def test_every_file_read_is_accepted_filtered_or_quarantined(spark, public_dev):
    settings, _, _ = public_dev
    mail = read_table(spark, settings, SILVER, "reconciliation").where("source = 'mail'").collect()
    assert len(mail) == 1
    row = mail[0]
    assert row.read == PUBLIC_DEV_FILES
    assert row.accepted + row.filtered + row.quarantined == PUBLIC_DEV_FILES
    assert row.balanced
    assert sum(row.filtered_by.values()) == row.filtered
    assert {"duplicate", "automated", "too_many_recipients", "internal_only"} <= set(row.filtered_by)


def test_no_difference_with_the_reference_is_left_unexplained(public_dev):
    _, _, summary = public_dev
    assert summary["unexplained_pair_directions"] == 0
    assert summary["unexplained_messages"] == 0
    assert summary["reference_messages"] == 22_593  # the CSV's two columns summed
    causes = {cause: messages for cause, (messages, _) in summary["causes"].items()}
    assert summary["reference_messages"] + sum(causes.values()) == summary["our_messages"]
    assert causes["reference_listed_twice"] == -2
    assert causes["duplicate"] < 0 and causes["too_many_recipients"] < 0 and causes["automated"] < 0


def test_pairs_checked_by_hand(public_dev):
    _, pairs, _ = public_dev

    def counts(colleague, contact, direction):
        row = pairs[(colleague, contact, direction)]
        return row["reference"], row["ours"], row["causes"]

    # arnold-j/inbox/1, 60, 61: three mails; the header reference lists arnold-j/inbox/1 twice.
    assert counts("jarnold@enron.com", "dudley.poston@williams.com", "received") == (
        4,
        3,
        {"reference_listed_twice": -1},
    )
    # 14 files in cuilla-m: 2 single mails and 4 mails in 3 folders each; two of those 4 differ only by the
    # case of the subject ("Wedding photos continued" / "wedding ..."): one mail for our key, two for the
    # reference's logical key.
    assert counts("mcuilla@enron.com", "zwharton@dawray.com", "received") == (
        14,
        5,
        {"duplicate": -6, "duplicate_by_our_key_only": -3},
    )
    # A sports-league robot: automated by its no-reply sender.
    assert counts("frank.ermis@enron.com", "noreply@ccomad3.uu.commissioner.com", "received") == (
        74,
        0,
        {"automated": -74},
    )
    # 33 files from cramer@cadvision.com; four dated 2043 and 2044 are quarantined (impossible_date).
    assert counts("john.zufferli@enron.com", "cramer@cadvision.com", "received") == (
        33,
        29,
        {"quarantined_impossible_date": -4},
    )
    # Sent from a whole mailbox (dean-c), agreeing exactly.
    assert counts("clint.dean@enron.com", "tstraws@qwest.com", "sent") == (11, 11, {})
