"""Privacy rules one by one: the policy, the region rule, exclusions, inactive colleagues, the scrub of
one table, the address-book rule and the requester gate (each refusal with its own message)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake
from support.strength_rows import STRENGTH_SCHEMA, pair
from wkw.channels.build import build
from wkw.config_sections import ConfigError
from wkw.privacy.policy import subject_hash
from wkw.privacy.rules import colleagues_on, with_withheld, withheld_rule
from wkw.privacy.scrub import removal_plan, scrub_table
from wkw.privacy.tokens import Redaction
from wkw.scoring.ranking import rank_introducers
from wkw.serve import access

AS_OF = date(2026, 11, 26)
DIRECTORY_SCHEMA = (
    "ingest_date date, user_id string, email string, aliases array<string>, name string, title string, "
    "department string, region string, roles array<string>, licences array<string>, groups array<string>, "
    "active boolean, opted_out boolean"
)
MAIL_SCHEMA = (
    "ingest_date date, source_file string, position long, format string, mailbox string, message_id string, "
    "thread_id string, sent_at timestamp, sender_email string, sender_name string, to_emails array<string>, "
    "cc_emails array<string>, bcc_emails array<string>, display_names map<string,string>, "
    "automated_reason string, dedupe_key string"
)
EMEA_OUT, AMER_OUT = "emma@contoso.com", "abe@contoso.com"
BOSS, DEALS, ALIASED, ANN, LEFT = (
    "ceo@contoso.com",
    "mona@contoso.com",
    "al@contoso.com",
    "ann@contoso.com",
    "leo@contoso.com",
)
BOB = "bob@fabrikam.com"


def with_privacy(settings, **privacy):
    return settings.with_conf("privacy", **privacy)


def user(email, department="Sales", region="AMER", groups=(), aliases=(), active=True, opted_out=False):
    name = email.split("@")[0].title()
    return (
        AS_OF,
        name,
        email,
        list(aliases),
        name,
        "AE",
        department,
        region,
        [],
        [],
        list(groups),
        active,
        opted_out,
    )


@pytest.fixture(scope="module")
def directory(spark):
    rows = [
        user(EMEA_OUT, region="EMEA", opted_out=True),
        user(AMER_OUT, region="AMER", opted_out=True),
        user(BOSS, department="Executive"),
        user(DEALS, groups=["M&A"]),
        user(ALIASED, aliases=["al.secret@contoso.com"]),
        user(ANN),
        user(LEFT, active=False),
    ]
    return spark.createDataFrame(rows, DIRECTORY_SCHEMA)


def rules(directory, settings):
    ruled = directory.select("email", withheld_rule(settings.privacy, directory).alias("rule"))
    return {row.email: row.rule for row in ruled.collect() if row.rule}


def test_policy_defaults_and_bounds(settings):
    policy = settings.privacy
    assert policy.opt_out_regions == () and policy.retention_days == 7 and policy.address_book_rule
    for bad in (31, -1, "7", 2.5, True):
        with pytest.raises(
            ConfigError, match=r"\[privacy\] retention_days must be a whole number from 0 to 30"
        ):
            with_privacy(settings, retention_days=bad)
    with pytest.raises(ConfigError, match="excluded_groups must be a list of strings"):
        with_privacy(settings, excluded_groups="M&A")


def test_opt_out_is_honoured_everywhere_by_default(directory, settings):
    assert rules(directory, settings) == {EMEA_OUT: "opt_out", AMER_OUT: "opt_out"}


def test_the_dynamics_region_rule_honours_emea_and_apac_only(directory, settings):
    dynamics = with_privacy(settings, opt_out_regions=["EMEA", "apac"])
    assert rules(directory, dynamics) == {EMEA_OUT: "opt_out"}


def test_exclusions_by_department_group_and_alias(directory, settings):
    excluding = with_privacy(
        settings,
        excluded_departments=["executive"],
        excluded_groups=["M&A"],
        excluded_addresses=["AL.SECRET@contoso.com"],
    )
    assert rules(directory, excluding) == {
        EMEA_OUT: "opt_out",
        AMER_OUT: "opt_out",
        BOSS: "excluded_department",
        DEALS: "excluded_group",
        ALIASED: "excluded_address",
    }


def test_an_excluded_colleague_is_never_analysed(spark, directory, settings):
    excluding = with_privacy(settings, excluded_departments=["Executive"])
    at = datetime(2026, 11, 20, 9)
    mails = spark.createDataFrame(
        [
            (AS_OF, "m1", 0, "rfc5322", None, "<m1>", None, at, BOSS, None, [BOB], [], [], {}, None, "k1"),
            (
                AS_OF,
                "m2",
                0,
                "rfc5322",
                None,
                "<m2>",
                None,
                at,
                BOB,
                None,
                [BOSS, ANN],
                [],
                [],
                {},
                None,
                "k2",
            ),
        ],
        MAIL_SCHEMA,
    )
    interactions, outcomes = build(
        mails, colleagues_on(directory, AS_OF, excluding.privacy), AS_OF, excluding
    )
    touches = {(r.colleague_email, r.contact_email, r.direction) for r in interactions.collect()}
    assert touches == {(ANN, BOB, "received")}
    reasons = {r.source_file: r.filter_reason for r in outcomes.collect()}
    assert reasons == {"m1": "opted_out", "m2": None}


def test_inactive_and_withheld_colleagues_are_never_offered(spark, directory, settings):
    strength = spark.createDataFrame(
        [pair(c, 0.9, contact=BOB) for c in (ANN, LEFT, BOSS, EMEA_OUT)], STRENGTH_SCHEMA
    )
    crm = spark.createDataFrame(
        [], "email string, crm_id string, crm_type string, name string, company string"
    )
    names = spark.createDataFrame([], "contact_email string, seen_name string")
    policy = with_privacy(settings, excluded_departments=["Executive"]).privacy
    ranked = rank_introducers(strength, with_withheld(directory, policy), crm, names, "pub")
    assert [r.colleague_email for r in ranked.collect()] == [ANN]


def test_scrub_deletes_senders_and_redacts_recipients(spark, tmp_path):
    gone = "gone@fabrikam.com"
    at = datetime(2026, 11, 20, 9)
    rows = [
        (
            AS_OF,
            "m1",
            0,
            "rfc5322",
            None,
            None,
            None,
            at,
            gone,
            "Gone",
            [ANN],
            [],
            [],
            {gone: "Gone"},
            None,
            "k1",
        ),
        (
            AS_OF,
            "m2",
            0,
            "rfc5322",
            None,
            None,
            None,
            at,
            ANN,
            None,
            [gone, BOB],
            [],
            [gone],
            {gone: "G", BOB: "B"},
            None,
            "k2",
        ),
        (AS_OF, "m3", 0, "rfc5322", None, None, None, at, ANN, None, [BOB], [], [], {}, None, "k3"),
    ]
    path = str(tmp_path / "mail")
    spark.createDataFrame(rows, MAIL_SCHEMA).write.format("delta").save(path)
    token = "redacted:0f1e2d3c4b5a6978"
    result = scrub_table(spark, path, Redaction(tokens={subject_hash(gone): token}))
    assert (result["deleted"], result["updated"], result["deleted_by_ingest_date"]) == (1, 1, {AS_OF: 1})
    kept = {r.source_file: r for r in spark.read.format("delta").load(path).collect()}
    assert sorted(kept) == ["m2", "m3"]
    assert kept["m2"].to_emails == [token, BOB] and kept["m2"].bcc_emails == [token]
    assert kept["m2"].display_names == {BOB: "B"}
    assert kept["m3"].to_emails == [BOB]


def test_a_meeting_keeps_its_other_people_when_its_organizer_is_withheld(spark):
    from pyspark.sql import types as T

    schema = T.StructType(
        [
            T.StructField("organizer_email", T.StringType()),
            T.StructField("organizer_name", T.StringType()),
            T.StructField(
                "attendees",
                T.ArrayType(
                    T.StructType(
                        [
                            T.StructField("email", T.StringType()),
                            T.StructField("name", T.StringType()),
                            T.StructField("partstat", T.StringType()),
                        ]
                    )
                ),
            ),
        ]
    )
    token = "redacted:0123456789abcdef"
    delete, update, updates = removal_plan(schema, Redaction(tokens={subject_hash(ANN): token}))
    assert delete is None and update is not None
    frame = spark.createDataFrame(
        [(ANN, "Ann", [(ANN, "Ann", "ACCEPTED"), (BOB, "Bob", "ACCEPTED")])], schema
    )
    from pyspark.sql import functions as F

    [row] = frame.select(*[F.expr(updates[c]).alias(c) for c in schema.names]).collect()
    assert (row.organizer_email, row.organizer_name) == (token, None)
    assert [tuple(a) for a in row.attendees] == [(token, None, "ACCEPTED"), (BOB, "Bob", "ACCEPTED")]


# The gates read the lake with delta-rs: tables written here with deltalake, no Spark.
STRINGS = pa.list_(pa.string())
PREMIUM = ["Sales Premium"]


def _directory(lake: Path) -> None:
    def row(email, roles, licences, active=True):
        return {
            "ingest_date": AS_OF,
            "email": email,
            "aliases": [],
            "name": email,
            "title": None,
            "department": "Sales",
            "roles": roles,
            "licences": licences,
            "active": active,
        }

    rows = [
        row("maria@contoso.com", ["salesperson"], PREMIUM),
        row("basic@contoso.com", ["salesperson"], []),
        row("eng@contoso.com", ["engineer"], PREMIUM),
        row("left@contoso.com", ["salesperson"], PREMIUM, active=False),
        row("kept@contoso.com", ["engineer"], []),
        row("alone@contoso.com", ["engineer"], []),
    ]
    schema = pa.schema(
        [("ingest_date", pa.date32()), ("email", pa.string()), ("aliases", STRINGS), ("name", pa.string())]
        + [("title", pa.string()), ("department", pa.string()), ("roles", STRINGS), ("licences", STRINGS)]
        + [("active", pa.bool_())]
    )
    write_deltalake(str(lake / "bronze" / "directory"), pa.Table.from_pylist(rows, schema))
    book = [
        {"ingest_date": AS_OF, "owner_email": "maria@contoso.com", "contact_email": "kept@contoso.com"},
        {"ingest_date": AS_OF, "owner_email": "alone@contoso.com", "contact_email": "alone@contoso.com"},
    ]
    write_deltalake(
        str(lake / "bronze" / "address_book"),
        pa.Table.from_pylist(
            book,
            pa.schema(
                [("ingest_date", pa.date32()), ("owner_email", pa.string()), ("contact_email", pa.string())]
            ),
        ),
    )
    register = [{"status": "applied", "address_sha256": [subject_hash("olga@contoso.com")]}]
    write_deltalake(
        str(lake / "silver" / "privacy_requests"),
        pa.Table.from_pylist(register, pa.schema([("status", pa.string()), ("address_sha256", STRINGS)])),
    )


@pytest.fixture
def gated(settings):
    _directory(Path(settings.lake))
    return settings


@pytest.mark.parametrize(
    ("requester", "reason", "message"),
    [
        ("nobody@contoso.com", access.UNKNOWN, "is not in the company directory"),
        ("left@contoso.com", access.INACTIVE, "is not an active user"),
        ("basic@contoso.com", access.UNLICENSED, "does not hold the Sales Premium licence"),
        ("eng@contoso.com", access.WRONG_ROLE, "has none of the sales roles"),
        # Olga opted out (she is in the privacy register): the same answer as for nobody, so that the CLI
        # never tells who is in the register.
        ("olga@contoso.com", access.UNKNOWN, "^olga@contoso.com is not in the company directory$"),
        (None, access.NO_REQUESTER, "pass --as EMAIL or set WKW_USER"),
    ],
)
def test_the_requester_gate_refuses_each_case_with_its_own_message(gated, requester, reason, message):
    with pytest.raises(access.AccessRefused, match=message) as refused:
        access.check_requester(gated, requester)
    assert refused.value.reason == reason


def test_a_licensed_seller_passes(gated):
    assert access.check_requester(gated, "MARIA@contoso.com ").email == "maria@contoso.com"


def test_the_address_book_rule(gated):
    access.check_target(gated, "bob@fabrikam.com")  # external: always
    access.check_target(gated, "kept@contoso.com")  # in Maria's book
    for hidden in ("alone@contoso.com", "stranger@contoso.com"):  # only in their own book / in nobody's
        with pytest.raises(
            access.AccessRefused, match="whom no other colleague keeps in an address book"
        ) as no:
            access.check_target(gated, hidden)
        assert no.value.reason == access.NOT_IN_ADDRESS_BOOK
    access.check_target(with_privacy(gated, address_book_rule=False), "alone@contoso.com")


def test_the_account_view_loses_a_withheld_colleague_s_row_and_a_withheld_contact_s_entry(spark, tmp_path):
    """`named_contacts` (structs with an `email`): the erased contact's entry goes, name and all; the row
    stays for its colleague. A withheld colleague's row goes whole."""
    schema = (
        "account string, colleague_email string, known_contacts int, "
        "named_contacts array<struct<email: string, name: string, band: string, strength: double>>"
    )
    gone, kept = "gone@fabrikam.com", "kept@fabrikam.com"
    rows = [
        ("Fabrikam", ANN, 2, [(gone, "Gone Person", "strong", 0.9), (kept, "Kept Person", "moderate", 0.3)]),
        ("Fabrikam", BOB, 1, [(kept, "Kept Person", "strong", 0.8)]),
    ]
    path = str(tmp_path / "account_introducers")
    spark.createDataFrame(rows, schema).write.format("delta").save(path)
    tokens = {subject_hash(gone): "0123456789abcdef", subject_hash(BOB): "fedcba9876543210"}
    result = scrub_table(spark, path, Redaction(tokens=tokens))
    assert (result["deleted"], result["updated"]) == (1, 1)
    [row] = spark.read.format("delta").load(path).collect()
    assert row.colleague_email == ANN
    assert [tuple(p) for p in row.named_contacts] == [(kept, "Kept Person", "moderate", 0.3)]


def test_a_withheld_colleague_leaves_every_tie_and_internal_touch_at_either_end(spark, tmp_path):
    """`colleague_ties` (`peer_email`) and `silver/internal_interactions` (the other colleague in
    `contact_email`): the scrub deletes the rows naming a withheld colleague on either side, so they are
    no link on anybody's path; the ties between the others stay."""
    olga, carol = "olga@contoso.com", "carol@contoso.com"
    ties = [(ANN, olga, 0.9), (olga, ANN, 0.9), (ANN, carol, 0.4), (carol, ANN, 0.4)]
    path = str(tmp_path / "colleague_ties")
    spark.createDataFrame(ties, "colleague_email string, peer_email string, strength double").write.format(
        "delta"
    ).save(path)
    internal = [(ANN, olga, "sent"), (olga, ANN, "received"), (carol, ANN, "sent")]
    touches = str(tmp_path / "internal_interactions")
    spark.createDataFrame(
        internal, "colleague_email string, contact_email string, direction string"
    ).write.format("delta").save(touches)
    redaction = Redaction(tokens={subject_hash(olga): "0123456789abcdef"})
    assert scrub_table(spark, path, redaction)["deleted"] == 2
    assert scrub_table(spark, touches, redaction)["deleted"] == 2
    kept = {(r.colleague_email, r.peer_email) for r in spark.read.format("delta").load(path).collect()}
    assert kept == {(ANN, carol), (carol, ANN)}
    left = {(r.colleague_email, r.contact_email) for r in spark.read.format("delta").load(touches).collect()}
    assert left == {(carol, ANN)}
