"""The privacy stage over two nights on a small lake: a withheld colleague's mailbox and calendar lose their
name (`mailbox`, `source_file`), on the night of the opt-out and on a later night that brings one more mail
of that mailbox; redaction tokens are random, one per person, the same every night; free text (a
quarantine detail) loses their address; old quarantine rows lose the raw text of a bad CSV line; and a
register written before tokens is migrated, the old SHA-256-prefix tokens re-written.

Before (issue 23): `mailbox` and `source_file` kept `kaminski-v` beside the `redacted:` token, the token
was the first 16 hex characters of the address's SHA-256, free text was never searched, and old
`bad_row` details kept up to 200 characters of the line."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pytest
from pyspark.sql import functions as F
from pyspark.sql import types as T
from wkw import schemas
from wkw.config import BRONZE, SILVER
from wkw.sources.calendar import MEETING_RECORD
from wkw.stages import privacy

D1, D2 = date(2026, 11, 25), date(2026, 11, 26)
VINCE, LOUISE, JEFF, BOB = (
    "vince.kaminski@enron.com",
    "louise.kitchen@enron.com",
    "jeff.shankman@enron.com",
    "bob@fabrikam.com",
)
NAMES = ("kaminski", "kitchen")  # what must be left nowhere: mailbox folders, calendar files, addresses
MAIL = T.StructType([T.StructField("ingest_date", T.DateType()), *schemas.MAIL_RECORD.fields])
MEETINGS = T.StructType([T.StructField("ingest_date", T.DateType()), *MEETING_RECORD.fields])
DIRECTORY = (
    "ingest_date date, user_id string, email string, aliases array<string>, name string, title string, "
    "department string, region string, roles array<string>, licences array<string>, groups array<string>, "
    "active boolean, opted_out boolean"
)
OLD_REGISTER = (
    "request_id string, kind string, subject_sha256 string, address_sha256 array<string>, "
    "received_date date, status string, applied_at timestamp, purged_at timestamp, withdrawn_date date"
)


def sha(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def mail(day, mailbox, folder, n, sender, to, cc=()):
    source = f"/landing/mail/{day}/maildir/{mailbox}/{folder}/{n}"
    everybody = [a for a in (sender, *to, *cc) if not a.startswith("redacted:")]
    names = {address: address.split("@")[0].replace(".", " ").title() for address in everybody}
    at = datetime(2026, 11, 20, 9, n)
    return (day, source, 0, "rfc5322", mailbox, f"<{n}@x>", None, at, sender, None, list(to), list(cc), [],
            names, None, f"k{day}{n}")  # fmt: skip


def meeting(day, owner, n, organizer, attendees):
    people = [(a, a.split("@")[0].title(), "ACCEPTED") for a in attendees]
    at = datetime(2026, 11, 20, 10)
    return (day, f"/landing/calendar/{day}/{owner}.ics", n, f"uid{n}", 0, None, "CONFIRMED", organizer,
            "Org", people, [(at, 30)], False, 0)  # fmt: skip


def person(email, opted_out=False):
    name = email.split("@")[0].replace(".", " ").title()
    return (D1, name, email, [], name, "AE", "Sales", "AMER", [], [], [], True, opted_out)


def append(spark, settings, layer, table, rows, schema):
    frame = spark.createDataFrame(rows, schema)
    frame.write.format("delta").mode("append").save(settings.table_path(layer, table))


def read(spark, settings, table, layer=BRONZE):
    return spark.read.format("delta").load(settings.table_path(layer, table)).collect()


def traces(rows) -> list[str]:
    return [str(row.asDict()) for row in rows if any(name in str(row.asDict()).lower() for name in NAMES)]


@pytest.fixture(scope="module")
def two_nights(spark, tmp_path_factory, make_settings):
    """Vince and Louise opt out on D1; one more mail and meeting of Vince's land on D2."""
    settings = make_settings(tmp_path_factory.mktemp("redaction"))
    people = [person(VINCE, True), person(LOUISE, True), person(JEFF)]
    append(spark, settings, BRONZE, "directory", people, DIRECTORY)
    first = [
        *(
            mail(D1, "kaminski-v", "inbox", n, sender, [VINCE])
            for n, sender in enumerate((BOB, JEFF, BOB), 1)
        ),
        mail(D1, "kaminski-v", "sent", 4, VINCE, [BOB]),
        *(mail(D1, "shankman-j", "inbox", n, BOB, [JEFF]) for n in (5, 6)),
        mail(D1, "shankman-j", "inbox", 7, BOB, [JEFF], cc=[VINCE, LOUISE]),
    ]
    append(spark, settings, BRONZE, "mail_messages", first, MAIL)
    calendar = [meeting(D1, "kaminski-v", 1, BOB, [VINCE, BOB]), meeting(D1, "kaminski-v", 2, JEFF, [VINCE])]
    append(spark, settings, BRONZE, "meetings", calendar, MEETINGS)
    quarantine = [
        (D1, "mail", f"/landing/mail/{D1}/maildir/kaminski-v/inbox/9", 1, "no_sender", None),
        (
            D1,
            "mail",
            f"/landing/mail/{D1}/maildir/shankman-j/inbox/8",
            1,
            "bad_date",
            f"{VINCE.upper()}: 31/2",
        ),
        (D1, "calls", f"/landing/calls/{D1}/calls.csv", 3, "bad_row", f"c1,{VINCE},{BOB},2026-11-20"),
        (D1, "calls", f"/landing/calls/{D1}/calls.csv", 4, "bad_row", "2 fields, the header has 6"),
    ]
    append(spark, settings, BRONZE, "quarantine", quarantine, schemas.QUARANTINE)
    privacy.run(spark, settings, D1)
    after_first = {t: read(spark, settings, t) for t in ("mail_messages", "meetings", "quarantine")}
    append(
        spark, settings, BRONZE, "mail_messages", [mail(D2, "kaminski-v", "inbox", 10, BOB, [VINCE])], MAIL
    )
    append(spark, settings, BRONZE, "meetings", [meeting(D2, "kaminski-v", 3, BOB, [VINCE, BOB])], MEETINGS)
    privacy.run(spark, settings, D2)
    register = read(spark, settings, "privacy_requests", SILVER)
    tokens = {row.subject_sha256: row.asDict().get("token") for row in register}
    return settings, after_first, tokens


def test_a_withheld_colleagues_mailbox_and_calendar_keep_no_trace_of_them_on_every_night(spark, two_nights):
    settings, after_first, tokens = two_nights
    vince = tokens[sha(VINCE)]
    for table, rows in after_first.items():
        assert traces(rows) == [], table
    mails = {
        (row.ingest_date, row.position, row.message_id): row for row in read(spark, settings, "mail_messages")
    }
    assert traces(mails.values()) == []
    assert traces(read(spark, settings, "meetings")) == []
    inbox = [row for row in mails.values() if row.mailbox == vince]
    assert sorted(row.source_file for row in inbox) == [
        f"/landing/mail/{D1}/maildir/{vince}/inbox/1",
        f"/landing/mail/{D1}/maildir/{vince}/inbox/2",
        f"/landing/mail/{D1}/maildir/{vince}/inbox/3",
        f"/landing/mail/{D2}/maildir/{vince}/inbox/10",  # one mail alone: found by the register's hash
    ]
    assert all(row.to_emails == [vince] for row in inbox)
    # Jeff's mailbox keeps its name: Vince is in one of its mails, Jeff in all of them.
    assert sorted(row.mailbox for row in mails.values() if row.mailbox != vince) == ["shankman-j"] * 3
    calendar = sorted((row.ingest_date, row.source_file) for row in read(spark, settings, "meetings"))
    assert calendar == [
        (D1, f"/landing/calendar/{D1}/{vince}.ics"),
        (D1, f"/landing/calendar/{D1}/{vince}.ics"),
        (D2, f"/landing/calendar/{D2}/{vince}.ics"),
    ]


def test_tokens_are_random_one_per_person_and_the_same_every_night(spark, two_nights):
    settings, _, tokens = two_nights
    mails = read(spark, settings, "mail_messages")
    vince, louise = next(row.cc_emails for row in mails if row.source_file.endswith("shankman-j/inbox/7"))
    assert vince != louise and vince.startswith("redacted:") and louise.startswith("redacted:")
    for address, token in ((VINCE, vince), (LOUISE, louise)):
        drawn = token.removeprefix("redacted:")
        for digest in (hashlib.sha256, hashlib.md5):
            assert not digest(address.encode()).hexdigest().startswith(drawn)
    # The register keeps them, and the mail of the second night got Vince's token of the first.
    assert (tokens[sha(VINCE)], tokens[sha(LOUISE)]) == (vince, louise)
    second = [row.to_emails for row in mails if row.ingest_date == D2]
    assert second == [[vince]]


def test_free_text_and_old_raw_lines_of_the_quarantine_lose_the_withheld_address(spark, two_nights):
    from wkw.privacy.quarantine import MIGRATED_DETAIL

    settings, _, tokens = two_nights
    details = {
        (row.source_file.rsplit("/", 1)[-1], row.position): row.detail
        for row in read(spark, settings, "quarantine")
    }
    assert details == {
        ("9", 1): None,
        ("8", 1): f"{tokens[sha(VINCE)]}: 31/2",
        ("calls.csv", 3): MIGRATED_DETAIL,
        ("calls.csv", 4): "2 fields, the header has 6",
    }


def test_free_text_columns_are_searched_for_withheld_addresses(spark):
    from wkw.privacy.scrub import removal_plan
    from wkw.privacy.tokens import Redaction

    schema = T.StructType(
        [T.StructField("source_file", T.StringType()), T.StructField("detail", T.StringType())]
    )
    token = "redacted:00112233aabbccdd"
    _, update, updates = removal_plan(schema, Redaction(tokens={sha(VINCE): token}))
    frame = spark.createDataFrame(
        [("/in/Vince.Kaminski@Enron.com/1", f"from <{VINCE}> to {BOB}"), ("/in/2", "no address")], schema
    )
    got = frame.select(F.expr(update).alias("touched"), *[F.expr(updates[c]).alias(c) for c in schema.names])
    assert [tuple(row) for row in got.collect()] == [
        (True, f"/in/{token}/1", f"from <{token}> to {BOB}"),
        (False, "/in/2", "no address"),
    ]


def test_the_quarantine_migration_replaces_raw_lines_once(spark, settings):
    from wkw.privacy.quarantine import MIGRATED_DETAIL, migrate_quarantine

    rows = [
        (D1, "crm", "/l/crm.csv", 2, "bad_row", f"7,lead,{VINCE},Vince"),
        (D1, "crm", "/l/crm.csv", 3, "bad_row", "1 field, the header has 5"),
        (D1, "crm", "/l/crm.csv", 4, "bad_email", "not-an-address"),
    ]
    append(spark, settings, BRONZE, "quarantine", rows, schemas.QUARANTINE)
    assert migrate_quarantine(spark, settings) == 1
    assert [row.detail for row in sorted(read(spark, settings, "quarantine"), key=lambda r: r.position)] == [
        MIGRATED_DETAIL,
        "1 field, the header has 5",
        "not-an-address",
    ]
    versions = spark.sql(f"DESCRIBE HISTORY delta.`{settings.table_path(BRONZE, 'quarantine')}`").count()
    assert migrate_quarantine(spark, settings) == 0
    assert (
        spark.sql(f"DESCRIBE HISTORY delta.`{settings.table_path(BRONZE, 'quarantine')}`").count() == versions
    )


def test_a_register_written_before_tokens_is_migrated_and_old_tokens_rewritten(spark, settings):
    old_token = "redacted:" + sha(VINCE)[:16]
    request = ("colleague:" + sha(VINCE)[:16], "opt_out", sha(VINCE), [sha(VINCE)], D1, "applied",
               datetime(2026, 11, 25, 3), None, None)  # fmt: skip
    append(spark, settings, SILVER, "privacy_requests", [request], OLD_REGISTER)
    append(spark, settings, BRONZE, "directory", [person(VINCE, True), person(JEFF)], DIRECTORY)
    kept = mail(D1, "shankman-j", "inbox", 1, BOB, [JEFF], cc=[old_token])
    append(spark, settings, BRONZE, "mail_messages", [kept], MAIL)
    privacy.run(spark, settings, D2)
    [entry] = read(spark, settings, "privacy_requests", SILVER)
    assert entry.token.startswith("redacted:") and entry.token != old_token
    assert entry.received_date == D1 and entry.status != "received"  # the same request, not a new one
    [row] = read(spark, settings, "mail_messages")
    assert row.cc_emails == [entry.token]
