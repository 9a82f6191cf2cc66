"""Tiny bronze mail and directory rows for the channel tests."""

from __future__ import annotations

from datetime import date, datetime

AS_OF = date(2026, 11, 26)  # the logical date of the unit tests' rows


INGEST = AS_OF


MAIL_SCHEMA = (
    "ingest_date date, source_file string, position long, format string, mailbox string, message_id string, "
    "thread_id string, sent_at timestamp, sender_email string, sender_name string, to_emails array<string>, "
    "cc_emails array<string>, bcc_emails array<string>, display_names map<string,string>, "
    "automated_reason string, dedupe_key string"
)


DIRECTORY_SCHEMA = (
    "ingest_date date, user_id string, email string, aliases array<string>, name string, title string, "
    "department string, region string, roles array<string>, licences array<string>, active boolean, "
    "opted_out boolean"
)


def mail(file, key, sender, to, cc=(), at=datetime(2026, 11, 20, 9), automated=None, names=None):
    return (
        INGEST,
        file,
        0,
        "rfc5322",
        None,
        f"<{file}>",
        None,
        at,
        sender,
        None,
        list(to),
        list(cc),
        [],
        names or {},
        automated,
        key,
    )


def directory(spark):
    rows = [
        (INGEST, "1", ANN, ["a.n@contoso.com"], "Ann", "AE", "Sales", "EMEA", [], [], True, False),
        (INGEST, "2", CAROL, [], "Carol", "CFO", "Finance", "NA", [], [], True, False),
        (INGEST, "3", OPTED, [], "Olga", "VP", "Sales", "NA", [], [], True, True),
    ]
    return spark.createDataFrame(rows, DIRECTORY_SCHEMA)


ANN, CAROL, OPTED = "ann@contoso.com", "carol@contoso.com", "olga@contoso.com"


BOB, DAN = "bob@fabrikam.com", "dan@adatum.com"
