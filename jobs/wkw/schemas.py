"""Schemas of the lake's tables: the contract between stages (bronze -> silver -> gold -> published).

Only metadata is ever stored: addresses, display names, times, ids, counts. No body, no subject (a SHA-256
of the subject is taken at parse time only to recognise copies of one mail across mailboxes).
"""

from pyspark.sql import types as T

from wkw.vocabulary import CRM_HEADER, DIRECTORY_HEADER, DIRECTORY_OPTIONAL

# What the mail parser yields per message (wkw.parsing.mail), before the stage adds ingest_date.
MAIL_RECORD = T.StructType(
    [
        T.StructField("source_file", T.StringType(), False),
        T.StructField("position", T.LongType(), False),
        T.StructField("format", T.StringType(), False),  # rfc5322 | graph
        T.StructField("mailbox", T.StringType(), True),  # owner folder of a Maildir tree, when known
        T.StructField("message_id", T.StringType(), True),
        T.StructField("thread_id", T.StringType(), True),
        T.StructField("sent_at", T.TimestampType(), False),  # UTC
        T.StructField("sender_email", T.StringType(), False),
        T.StructField("sender_name", T.StringType(), True),
        T.StructField("to_emails", T.ArrayType(T.StringType(), False), False),
        T.StructField("cc_emails", T.ArrayType(T.StringType(), False), False),
        T.StructField("bcc_emails", T.ArrayType(T.StringType(), False), False),
        T.StructField("display_names", T.MapType(T.StringType(), T.StringType(), True), False),
        T.StructField("automated_reason", T.StringType(), True),  # header evidence of automated mail
        T.StructField("dedupe_key", T.StringType(), False),
    ]
)

# One row per record that could not be accepted, with its reason and where it came from.
QUARANTINE = T.StructType(
    [
        T.StructField("ingest_date", T.DateType(), False),
        T.StructField("source", T.StringType(), False),
        T.StructField("source_file", T.StringType(), False),
        T.StructField("position", T.LongType(), False),
        T.StructField("reason", T.StringType(), False),
        T.StructField("detail", T.StringType(), True),
    ]
)

# Directory export (landing/directory/<day>/users.csv): list-valued fields are ';'-separated; the columns
# are the vocabulary's (the generator writes the same), `groups` may be absent.
DIRECTORY_CSV = T.StructType(
    [T.StructField(name, T.StringType(), True) for name in (*DIRECTORY_HEADER, *DIRECTORY_OPTIONAL)]
)

# CRM export (landing/crm/<day>/crm.csv): leads and contacts.
CRM_CSV = T.StructType([T.StructField(name, T.StringType(), True) for name in CRM_HEADER])

# silver.interactions: one row per colleague-counterpart touch, partitioned by event_date.
INTERACTION = T.StructType(
    [
        T.StructField("event_date", T.DateType(), False),
        T.StructField("event_at", T.TimestampType(), False),
        T.StructField("colleague_email", T.StringType(), False),
        T.StructField("contact_email", T.StringType(), False),
        T.StructField("contact_name", T.StringType(), True),
        T.StructField("channel", T.StringType(), False),  # mail | meeting | call
        T.StructField("direction", T.StringType(), False),  # sent | received (seen from the colleague)
        T.StructField("audience", T.IntegerType(), False),  # recipients of the mail
        T.StructField("interaction_id", T.StringType(), False),  # the deduplicated source event
    ]
)
