"""Denied external people (`[filters] denied_domains`, `denied_addresses`): no touch with them in any
channel; a record whose only external people are denied is filtered "denied", a mixed one keeps the rest."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from support.call_rows import ADDRESSES_SCHEMA, bronze_call
from support.mail_rows import MAIL_SCHEMA, directory, mail
from wkw.channels.build import build
from wkw.channels.calls import call_interactions
from wkw.channels.meetings import meeting_interactions
from wkw.privacy.rules import colleagues_on
from wkw.sources.calendar import MEETING_RECORD
from wkw.sources.calls import CALL_RECORD

AS_OF = date(2026, 11, 26)
ANN = "ann@contoso.com"
BOB, RIVAL, FRIEND = "bob@fabrikam.com", "spy@eu.rival.example", "pal@gmail.com"
AT = datetime(2026, 11, 20, 9)


@pytest.fixture
def denying(settings):
    return settings.with_conf("filters", denied_domains=["rival.example"], denied_addresses=["PAL@gmail.com"])


def touches(interactions):
    return {(r.colleague_email, r.contact_email, r.channel) for r in interactions.collect()}


def reasons(outcomes):
    return {(r.source_file, r.position): r.filter_reason for r in outcomes.collect()}


def test_mail(spark, denying):
    rows = [
        mail("m1", "k1", ANN, [RIVAL]),  # a subdomain of a denied domain
        mail("m2", "k2", FRIEND, [ANN]),  # a denied address, whatever its case in conf
        mail("m3", "k3", ANN, [RIVAL, BOB]),  # mixed: Bob stays
    ]
    interactions, outcomes = build(
        spark.createDataFrame(rows, MAIL_SCHEMA),
        colleagues_on(directory(spark), AS_OF, denying.privacy),
        AS_OF,
        denying,
    )
    assert touches(interactions) == {(ANN, BOB, "mail")}
    assert reasons(outcomes) == {("m1", 0): "denied", ("m2", 0): "denied", ("m3", 0): None}


def test_calls(spark, denying):
    addresses = spark.createDataFrame([(ANN, ANN, False, True)], ADDRESSES_SCHEMA)
    rows = [
        bronze_call(AS_OF, "c.csv", 2, ANN, RIVAL, AT),
        bronze_call(AS_OF, "c.csv", 3, BOB, ANN, AT),
    ]
    interactions, outcomes = call_interactions(
        spark.createDataFrame(rows, CALL_RECORD), addresses, AS_OF, denying
    )
    assert touches(interactions) == {(ANN, BOB, "call")}
    assert reasons(outcomes) == {("c.csv", 2): "denied", ("c.csv", 3): None}


def test_meetings(spark, denying):
    addresses = spark.createDataFrame([(ANN, ANN, False, True)], ADDRESSES_SCHEMA)

    def meeting(position, uid, attendees):
        people = [(email, None, "ACCEPTED") for email in attendees]
        return (
            AS_OF,
            "cal.ics",
            position,
            uid,
            0,
            None,
            "CONFIRMED",
            ANN,
            "Ann",
            people,
            [(AT, 30)],
            False,
            0,
        )

    rows = [meeting(1, "u1", [RIVAL, FRIEND]), meeting(2, "u2", [RIVAL, BOB])]
    schema = f"ingest_date date, {', '.join(f'{f.name} {f.dataType.simpleString()}' for f in MEETING_RECORD)}"
    interactions, outcomes = meeting_interactions(
        spark.createDataFrame(rows, schema), addresses, AS_OF, denying
    )
    assert touches(interactions) == {(ANN, BOB, "meeting")}
    assert reasons(outcomes) == {("cal.ics", 1): "denied", ("cal.ics", 2): None}
