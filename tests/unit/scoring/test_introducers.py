"""Ranking and the tile: fixed tie order, inactive and opted-out colleagues never offered, top five."""

from __future__ import annotations

from datetime import date, datetime

from support.model_params import MODEL
from support.people import opted_out_only
from support.strength_rows import LEAD, STRENGTH_SCHEMA, pair
from wkw import schemas
from wkw.scoring.parts import pair_parts, seen_names
from wkw.scoring.ranking import contact_names, publication_id, rank_introducers, top_introducers

AS_OF = date(2026, 11, 26)
DIRECTORY_SCHEMA = (
    "email string, name string, title string, department string, active boolean, opted_out boolean"
)
CRM_SCHEMA = "email string, crm_id string, crm_type string, name string, company string"


def ranked(spark, pairs, people=(), crm=()):
    strength = spark.createDataFrame(pairs, STRENGTH_SCHEMA)
    directory = spark.createDataFrame(list(people), DIRECTORY_SCHEMA)
    contacts = spark.createDataFrame(list(crm), CRM_SCHEMA)
    names = spark.createDataFrame([], "contact_email string, seen_name string")
    return rank_introducers(strength, opted_out_only(directory), contacts, names, "pub-1")


def test_ties_break_by_recency_then_email(spark):
    pairs = [
        pair("zed@contoso.com", 0.5),
        pair("amy@contoso.com", 0.5),
        pair("kim@contoso.com", 0.5, last=datetime(2026, 11, 20, 9)),
        pair("top@contoso.com", 0.9),
    ]
    got = [(r["rank"], r["colleague_email"]) for r in ranked(spark, pairs).orderBy("rank").collect()]
    assert got == [
        (1, "top@contoso.com"),
        (2, "kim@contoso.com"),
        (3, "amy@contoso.com"),
        (4, "zed@contoso.com"),
    ]


def test_inactive_and_opted_out_colleagues_are_not_offered(spark):
    people = [
        ("gone@contoso.com", "Gone", "AE", "Sales", False, False),
        ("quiet@contoso.com", "Quiet", "AE", "Sales", True, True),
        ("here@contoso.com", "Here", "Account Executive", "Sales", True, False),
    ]
    pairs = [pair("gone@contoso.com", 0.9), pair("quiet@contoso.com", 0.8), pair("here@contoso.com", 0.1)]
    crm = [(LEAD, "LEAD-1", "lead", "Lee Lead", "Fabrikam")]
    rows = ranked(spark, pairs, people, crm).collect()
    assert [(r.rank, r.colleague_email, r.colleague_title) for r in rows] == [
        (1, "here@contoso.com", "Account Executive")
    ]
    assert (rows[0].crm_id, rows[0].crm_type, rows[0].contact_name, rows[0].contact_company) == (
        "LEAD-1",
        "lead",
        "Lee Lead",
        "Fabrikam",
    )
    assert rows[0].publication_id == "pub-1"


def test_tile_keeps_five_per_contact(spark):
    pairs = [pair(f"c{i}@contoso.com", 0.1 * i) for i in range(1, 8)] + [
        pair("solo@contoso.com", 0.4, contact="x@y.com")
    ]
    tile = top_introducers(ranked(spark, pairs), 5).collect()
    lead_rows = sorted((r["rank"], r["colleague_email"]) for r in tile if r.contact_email == LEAD)
    assert lead_rows == [
        (1, "c7@contoso.com"),
        (2, "c6@contoso.com"),
        (3, "c5@contoso.com"),
        (4, "c4@contoso.com"),
        (5, "c3@contoso.com"),
    ]
    assert [r.colleague_email for r in tile if r.contact_email == "x@y.com"] == ["solo@contoso.com"]


def test_contact_name_is_the_most_frequent_display_name(spark):
    """Names counted over every colleague's pairs (wkw.scoring.parts), then the most frequent wins."""
    seen = [
        (LEAD, "Lee", "a@contoso.com"),
        (LEAD, "Lee Lead", "a@contoso.com"),
        (LEAD, "Lee Lead", "b@contoso.com"),
        (LEAD, None, "b@contoso.com"),
        (LEAD, " ", "b@contoso.com"),
        ("x@y.com", "B", "a@contoso.com"),
        ("x@y.com", "A", "b@contoso.com"),
    ]
    rows = [
        (AS_OF, datetime(2026, 11, 26, 9, n), colleague, contact, name, "mail", "sent", 1, f"m{n}")
        for n, (contact, name, colleague) in enumerate(seen)
    ]
    parts = pair_parts(spark.createDataFrame(rows, schemas.INTERACTION), AS_OF, MODEL)
    counted = seen_names(parts)
    assert {(r.contact_email, r.contact_name): r.times for r in counted.collect()} == {
        (LEAD, "Lee"): 1,
        (LEAD, "Lee Lead"): 2,
        ("x@y.com", "B"): 1,
        ("x@y.com", "A"): 1,
    }
    assert {r.contact_email: r.seen_name for r in contact_names(counted).collect()} == {
        LEAD: "Lee Lead",
        "x@y.com": "A",
    }


def test_publication_id_follows_content(spark):
    one = spark.createDataFrame([pair("a@contoso.com", 0.5)], STRENGTH_SCHEMA)
    two = spark.createDataFrame([pair("a@contoso.com", 0.6)], STRENGTH_SCHEMA)
    assert publication_id(one, AS_OF) == publication_id(one, AS_OF)
    assert publication_id(one, AS_OF) != publication_id(two, AS_OF)
    assert publication_id(one, AS_OF).startswith("2026-11-26-")


def test_an_address_the_directory_does_not_list_is_never_offered(spark):
    """An internal-domain alias added after its owner opted out resolves to no directory user: with a
    directory given it is nobody's introducer (without one, the company is its internal domains)."""
    people = [("here@contoso.com", "Here", "AE", "Sales", True, False)]
    pairs = [pair("olga.new@contoso.com", 0.9), pair("here@contoso.com", 0.2)]
    assert [r.colleague_email for r in ranked(spark, pairs, people).collect()] == ["here@contoso.com"]
    domain_only = sorted(r.colleague_email for r in ranked(spark, pairs).collect())
    assert domain_only == ["here@contoso.com", "olga.new@contoso.com"]
