"""Interactions from bronze mail: dedupe across mailboxes, filters with reasons, opt-out, aliases."""

from __future__ import annotations

from datetime import date, datetime

from chispa import assert_df_equality
from support.mail_rows import ANN, BOB, CAROL, DAN, INGEST, MAIL_SCHEMA, OPTED, directory, mail
from wkw.channels.build import build
from wkw.channels.reconciliation import reconciliation
from wkw.privacy.rules import colleagues_on

AS_OF = date(2026, 11, 26)


def run(spark, settings, rows):
    mails = spark.createDataFrame(rows, MAIL_SCHEMA)
    return build(mails, colleagues_on(directory(spark), AS_OF, settings.privacy), AS_OF, settings)


def test_touches_are_seen_from_the_colleague_and_aliases_resolve(spark, settings):
    rows = [
        mail("f1", "k1", ANN, [BOB], names={BOB: "Bob B"}),
        mail("f2", "k2", BOB, ["a.n@contoso.com", CAROL], at=datetime(2026, 11, 21, 10)),
    ]
    interactions, _ = run(spark, settings, rows)
    got = interactions.select(
        "colleague_email", "contact_email", "contact_name", "direction", "audience", "event_date"
    )
    expected = spark.createDataFrame(
        [
            (ANN, BOB, "Bob B", "sent", 1, date(2026, 11, 20)),
            (ANN, BOB, None, "received", 2, date(2026, 11, 21)),
            (CAROL, BOB, None, "received", 2, date(2026, 11, 21)),
        ],
        "colleague_email string, contact_email string, contact_name string, direction string, audience int, "
        "event_date date",
    )
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


def test_each_message_gets_exactly_one_outcome_with_its_reason(spark, settings):
    many = [f"r{i}@adatum.com" for i in range(60)]
    rows = [
        mail("inbox/1", "same", BOB, [ANN]),
        mail("sent/1", "same", BOB, [ANN]),  # the same mail in a second mailbox
        mail("f3", "k3", "no-reply@fabrikam.com", [ANN]),
        mail("f4", "k4", BOB, [ANN], automated="list_id"),
        mail("f5", "k5", ANN, many),
        mail("f6", "k6", ANN, [CAROL]),
        mail("f7", "k7", BOB, [DAN]),
        mail("f8", "k8", OPTED, [BOB]),
        mail("f9", "k9", ANN, [BOB], at=datetime(2026, 11, 27, 8)),
    ]
    _, outcomes = run(spark, settings, rows)
    expected = spark.createDataFrame(
        [
            ("inbox/1", None),
            ("sent/1", "duplicate"),
            ("f3", "automated"),
            ("f4", "automated"),
            ("f5", "too_many_recipients"),
            ("f6", "internal_only"),
            ("f7", "no_colleague"),
            ("f8", "opted_out"),
            ("f9", None),  # dated tomorrow: kept, it counts from its own day (wkw.stages.strength)
        ],
        "source_file string, filter_reason string",
    )
    assert_df_equality(
        outcomes.select("source_file", "filter_reason"), expected, ignore_row_order=True, ignore_nullable=True
    )


def test_opted_out_colleague_never_reaches_silver(spark, settings):
    rows = [mail("f1", "k1", OPTED, [BOB]), mail("f2", "k2", BOB, [OPTED, ANN])]
    interactions, _ = run(spark, settings, rows)
    assert {r.colleague_email for r in interactions.collect()} == {ANN}


def test_reconciliation_adds_up_per_source(spark, settings):
    rows = [mail("a", "k1", BOB, [ANN]), mail("b", "k1", BOB, [ANN]), mail("c", "k2", BOB, [DAN])]
    _, outcomes = run(spark, settings, rows)
    counts = spark.createDataFrame(
        [(INGEST, "mail", 4, 3, 1), (INGEST, "directory", 3, 3, 0)],
        "ingest_date date, source string, read long, accepted long, quarantined long",
    )
    got = {r.source: r.asDict() for r in reconciliation(outcomes, counts, AS_OF).collect()}
    assert got["mail"]["read"] == 4 and got["mail"]["accepted"] == 1 and got["mail"]["quarantined"] == 1
    assert got["mail"]["filtered_by"] == {"duplicate": 1, "no_colleague": 1}
    assert got["mail"]["balanced"] and got["directory"]["balanced"]
    broken = spark.createDataFrame([(INGEST, "mail", 5, 3, 1)], counts.schema)
    assert not reconciliation(outcomes, broken, AS_OF).first()["balanced"]
