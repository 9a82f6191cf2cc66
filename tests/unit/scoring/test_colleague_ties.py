"""Colleague ties (wkw.scoring.ties) on hand-computed cases: the strength formula of connection_strength,
both directions of a pair with mirrored receipts, and the cross-table checks of the ties
(wkw.checks.ties) catching a withheld peer, an unlisted end and a missing mirror."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest
from support.model_params import BANDS, MODEL
from support.people import opted_out_only
from wkw import schemas
from wkw.checks.cross_table import withheld_failures
from wkw.checks.ties import tie_failures
from wkw.privacy.policy import subject_hash
from wkw.scoring.ties import colleague_ties

AS_OF = date(2026, 11, 26)
ANN, CAROL, DAN, OLGA = "ann@contoso.com", "carol@contoso.com", "dan@contoso.com", "olga@contoso.com"
DIRECTORY_SCHEMA = "email string, active boolean, opted_out boolean, region string"


def touch(colleague, peer, day, direction, channel="mail", key="k"):
    at = datetime(day.year, day.month, day.day, 9)
    return (day, at, colleague, peer, None, channel, direction, 1, key)


def both(sender, recipient, day, channel="mail", key="k"):
    """One touch seen from both ends, as wkw.channels.internal writes it."""
    return [
        touch(sender, recipient, day, "sent", channel, key),
        touch(recipient, sender, day, "received", channel, key),
    ]


@pytest.fixture(scope="module")
def ties(spark):
    rows = [
        *both(ANN, CAROL, AS_OF, key="m1"),  # Ann writes to Carol today, Carol answers today
        *both(CAROL, ANN, AS_OF, key="m2"),
        *both(ANN, DAN, AS_OF - timedelta(days=60), channel="meeting", key="t1"),  # Ann's meeting with Dan
    ]
    internal = spark.createDataFrame(rows, schemas.INTERACTION)
    return colleague_ties(internal, AS_OF, MODEL, BANDS).cache()


def test_a_tie_is_scored_by_the_strength_formula_in_both_directions(ties):
    got = {(r.colleague_email, r.peer_email): r for r in ties.collect()}
    assert set(got) == {(ANN, CAROL), (CAROL, ANN), (ANN, DAN), (DAN, ANN)}
    # A mail sent (1.0) and one received (0.6), both today, two-way: score 1.6 on either side.
    mail = round(1.0 - math.exp(-1.6 / MODEL["saturation"]), 6)
    assert got[(ANN, CAROL)].strength == got[(CAROL, ANN)].strength == mail == 0.32968
    assert got[(ANN, CAROL)].band == "moderate"
    # A meeting 60 days (one half-life) ago: 1.5 x 1/2 = 0.75, a meeting is two-way.
    meeting = round(1.0 - math.exp(-0.75 / MODEL["saturation"]), 6)
    assert got[(ANN, DAN)].strength == got[(DAN, ANN)].strength == meeting == 0.170971
    assert got[(ANN, DAN)].band == "weak"
    assert (got[(ANN, DAN)].meetings, got[(ANN, DAN)].mails_sent) == (1, 0)
    assert (got[(ANN, CAROL)].mails_sent, got[(ANN, CAROL)].mails_received) == (1, 1)
    assert got[(ANN, CAROL)].last_interaction_channel == "mail"


def directory(spark, withheld=(), missing=()):
    everyone = [ANN, CAROL, DAN, OLGA]
    rows = [(email, True, email in withheld, "EMEA") for email in everyone if email not in missing]
    return opted_out_only(spark.createDataFrame(rows, DIRECTORY_SCHEMA))


def checks(ties, directory):
    return sorted(f.check for f in tie_failures({"colleague_ties": ties}, directory))


def test_clean_ties_pass_the_tie_checks(spark, ties):
    assert checks(ties, directory(spark)) == []


def test_a_withheld_peer_an_unlisted_end_and_a_missing_mirror_are_caught(spark, ties):
    assert checks(ties, directory(spark, withheld=(DAN,))) == ["no_withheld_peer"]
    assert checks(ties, directory(spark, missing=(CAROL,))) == ["ends_in_directory"]
    one_way = ties.where(~((ties.colleague_email == DAN) & (ties.peer_email == ANN)))
    assert checks(one_way, directory(spark)) == ["both_directions"]
    other_receipts = ties.withColumn("meetings", ties.meetings + (ties.colleague_email == ANN).cast("long"))
    assert checks(other_receipts, directory(spark)) == ["both_directions"]


def test_the_withheld_person_check_reads_a_tie_s_peer(ties):
    """validate's `no_withheld_person` (the privacy register) looks at every `*_email` column: a tie that
    names an erased or opted-out colleague only as its peer is caught too."""
    only_as_peer = ties.where(ties.peer_email == DAN)
    found = withheld_failures({"colleague_ties": only_as_peer}, [subject_hash(DAN)])
    assert [(f.table, f.check, f.detail) for f in found] == [
        ("colleague_ties", "no_withheld_person", "1 rows name a withheld or erased person")
    ]
