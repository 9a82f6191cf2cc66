"""Internal touches (wkw.channels.internal): colleague-colleague mail, meetings and calls, seen from both
ends, for the colleague ties; the records stay `internal_only` in the reconciliation of the external
interactions; a withheld colleague, a redacted party and a colleague's own alias tie nobody."""

from __future__ import annotations

from datetime import date, datetime

from chispa import assert_df_equality
from support.call_rows import ADDRESSES_SCHEMA, bronze_call
from support.mail_rows import ANN, CAROL, DIRECTORY_SCHEMA, INGEST, MAIL_SCHEMA, OPTED, directory, mail
from wkw.channels.build import build_channels
from wkw.channels.calls import call_channel
from wkw.channels.meetings import meeting_channel
from wkw.privacy.rules import colleagues_on
from wkw.sources.calendar import MEETING_RECORD
from wkw.sources.calls import CALL_RECORD

AS_OF = date(2026, 11, 26)
AT = datetime(2026, 11, 20, 9)
LATER = datetime(2026, 11, 20, 15)
BOB = "bob@fabrikam.com"
NOBODY = "temp@contoso.com"  # an internal-domain address the directory does not list
TOUCH = "colleague_email string, contact_email string, channel string, direction string, event_date date"


def touches(frame):
    return frame.select("colleague_email", "contact_email", "channel", "direction", "event_date")


def test_internal_mail_is_seen_from_both_ends_and_stays_internal_only_for_the_reconciliation(spark, settings):
    rows = [
        mail("m1", "k1", ANN, [CAROL], names={CAROL: "Carol C"}),  # internal only
        mail("m2", "k2", CAROL, ["a.n@contoso.com", BOB]),  # Ann by alias, and a customer
        mail("m3", "k3", ANN, [OPTED]),  # to a withheld colleague
        mail("m4", "k4", ANN, ["a.n@contoso.com"]),  # to her own alias
        mail("m5", "k5", ANN, [NOBODY]),  # to an address the directory does not list
        mail("m6", "k6", ANN, [CAROL], automated="list_id"),  # automated: no tie
    ]
    built = build_channels(
        spark.createDataFrame(rows, MAIL_SCHEMA),
        colleagues_on(directory(spark), AS_OF, settings.privacy),
        AS_OF,
        settings,
    )
    day = date(2026, 11, 20)
    expected = spark.createDataFrame(
        [
            (ANN, CAROL, "mail", "sent", day),
            (CAROL, ANN, "mail", "received", day),
            (CAROL, ANN, "mail", "sent", day),
            (ANN, CAROL, "mail", "received", day),
        ],
        TOUCH,
    )
    assert_df_equality(touches(built.internal), expected, ignore_row_order=True, ignore_nullable=True)
    names = {(r.colleague_email, r.interaction_id): r.contact_name for r in built.internal.collect()}
    assert names[(ANN, "k1")] == "Carol C"
    reasons = {r.source_file: r.filter_reason for r in built.outcomes.collect()}
    assert reasons == {
        "m1": "internal_only",
        "m2": None,
        "m3": "internal_only",
        "m4": "internal_only",
        "m5": "internal_only",
        "m6": "automated",
    }
    assert {r.ingest_date for r in built.internal.collect()} == {INGEST}


def test_internal_calls_are_the_internal_only_calls_of_two_analysed_colleagues(spark, settings):
    addresses = spark.createDataFrame(
        [(ANN, ANN, False, True), (CAROL, CAROL, False, True), (OPTED, OPTED, True, True)], ADDRESSES_SCHEMA
    )
    rows = [
        bronze_call(AS_OF, "c.csv", 1, ANN, CAROL, AT),
        bronze_call(AS_OF, "c.csv", 2, CAROL, ANN, AT),  # the other party's export of the same call
        bronze_call(AS_OF, "c.csv", 3, OPTED, ANN, AT),
        bronze_call(AS_OF, "c.csv", 4, ANN, CAROL, LATER, seconds=5),  # too short
    ]
    _, outcomes, internal = call_channel(spark.createDataFrame(rows, CALL_RECORD), addresses, AS_OF, settings)
    expected = spark.createDataFrame(
        [(ANN, CAROL, "call", "sent", AT.date()), (CAROL, ANN, "call", "received", AT.date())], TOUCH
    )
    assert_df_equality(touches(internal), expected, ignore_row_order=True, ignore_nullable=True)
    assert {r.position: r.filter_reason for r in outcomes.collect()} == {
        1: "internal_only",
        2: "duplicate",
        3: "internal_only",
        4: "short_call",
    }


def test_every_two_analysed_colleagues_of_a_meeting_meet(spark, settings):
    addresses = spark.createDataFrame(
        [(ANN, ANN, False, True), (CAROL, CAROL, False, True), (OPTED, OPTED, True, True)], ADDRESSES_SCHEMA
    )

    def meeting(position, uid, status, attendees):
        people = [(email, None, "ACCEPTED") for email in attendees]
        return (AS_OF, "cal.ics", position, uid, 0, None, status, ANN, "Ann", people, [(AT, 30)], False, 0)

    rows = [
        meeting(1, "u1", "CONFIRMED", [CAROL, OPTED, BOB]),
        meeting(2, "u2", "CANCELLED", [CAROL]),
    ]
    schema = f"ingest_date date, {', '.join(f'{f.name} {f.dataType.simpleString()}' for f in MEETING_RECORD)}"
    interactions, _, internal = meeting_channel(
        spark.createDataFrame(rows, schema), addresses, AS_OF, settings
    )
    expected = spark.createDataFrame(
        [(ANN, CAROL, "meeting", "sent", AT.date()), (CAROL, ANN, "meeting", "received", AT.date())], TOUCH
    )
    assert_df_equality(touches(internal), expected, ignore_row_order=True, ignore_nullable=True)
    assert {r.audience for r in internal.collect()} == {3}
    assert {(r.colleague_email, r.contact_email) for r in interactions.collect()} == {
        (ANN, BOB),
        (CAROL, BOB),
    }


def test_a_directory_without_the_peer_ties_nobody(spark, settings):
    """Both ends must be analysed directory users: a colleague who left the directory ties nobody."""
    rows = [(INGEST, "1", ANN, [], "Ann", "AE", "Sales", "EMEA", [], [], True, False)]
    built = build_channels(
        spark.createDataFrame([mail("m1", "k1", ANN, [CAROL])], MAIL_SCHEMA),
        colleagues_on(spark.createDataFrame(rows, DIRECTORY_SCHEMA), AS_OF, settings.privacy),
        AS_OF,
        settings,
    )
    assert built.internal.isEmpty()
