"""The project's words, defined once: sources, channels, directions, the reasons a record is quarantined or
filtered, and the columns of the landing files that exporters (and the synthetic company) write.

Pure Python, imported by the parsers in Spark's workers, the stages, the read side and the generator alike.
Limits that a company may change (recipient caps, meeting size, call length) live in `conf/wkw.toml`,
not here.
"""

from __future__ import annotations

# Landing sources: landing/<source>/<YYYY-MM-DD>/, and the `source` of quarantine and reconciliation rows.
MAIL_SOURCE = "mail"
CALENDAR_SOURCE = "calendar"
CALLS_SOURCE = "calls"
DIRECTORY_SOURCE = "directory"
CRM_SOURCE = "crm"
ADDRESS_BOOK_SOURCE = "address_book"
PRIVACY_SOURCE = "privacy"
# Every folder of landing/<source>/<date>/ that extract reads.
LANDING_SOURCES = (
    MAIL_SOURCE,
    CALENDAR_SOURCE,
    CALLS_SOURCE,
    DIRECTORY_SOURCE,
    CRM_SOURCE,
    ADDRESS_BOOK_SOURCE,
    PRIVACY_SOURCE,
)

# Channels of silver.interactions (`channel`), and the side a touch is seen from (`direction`).
MAIL, MEETING, CALL = "mail", "meeting", "call"
CHANNELS = (CALL, MAIL, MEETING)  # sorted by name: the order of the last-touch code in the strength state
SENT, RECEIVED = "sent", "received"

# The trend of a tie (connection_strength.trend, docs/fading.md): tonight's strength against 90 days before.
RISING, STEADY, FADING = "rising", "steady", "fading"
TRENDS = (RISING, STEADY, FADING)
# Bands of strength (connection_strength.band; thresholds in conf/wkw.toml [model.bands]).
STRONG, MODERATE, WEAK = "strong", "moderate", "weak"

# Quarantine reasons (bronze/quarantine.reason): the record is malformed; each names what is wrong.
EMPTY_FILE = "empty_file"
UNREADABLE_FILE = "unreadable_file"
UNKNOWN_FORMAT = "unknown_format"
PARSE_ERROR = "parse_error"
NOT_A_MESSAGE = "not_a_message"
MISSING_DATE = "missing_date"
BAD_DATE = "bad_date"
NO_SENDER = "no_sender"
BAD_JSON = "bad_json"
NOT_A_CALENDAR = "not_a_calendar"
MISSING_START = "missing_start"
BAD_END = "bad_end"  # DTEND before DTSTART, or a DTEND / DURATION that cannot be read
BAD_RECURRENCE = "bad_recurrence"
BAD_EMAIL = "bad_email"
BAD_ROW = "bad_row"
BAD_HEADER = "bad_header"
BAD_ADDRESS = "bad_address"
BAD_START = "bad_start"
BAD_DURATION = "bad_duration"
IMPOSSIBLE_DATE = "impossible_date"
MISSING_REQUEST_ID = "missing_request_id"
DUPLICATE_REQUEST_ID = "duplicate_request_id"  # one request id, two addresses (tonight, or an earlier night)
TOO_LARGE = "too_large"  # a record over [extract] max_record_bytes, a whole-read file over max_file_bytes
SYMLINK = "symlink"  # a symbolic link in a landing folder: never followed
# The most characters of a bad record that bronze/quarantine.detail keeps.
DETAIL_MAX_CHARS = 200

# Filter reasons (silver.reconciliation.filtered_by): a valid record that carries no relationship.
DUPLICATE = "duplicate"
# Filtered at extract, never in bronze: a mail that names no recipient (a draft), a calendar entry with
# nobody but its organizer (a personal event, a holiday). Counted in bronze/ingest_counts.filtered_by.
NO_RELATIONSHIP = "no_relationship"
EXTRACT_FILTERS = (NO_RELATIONSHIP,)
AUTOMATED = "automated"
TOO_MANY_RECIPIENTS = "too_many_recipients"
NO_COLLEAGUE = "no_colleague"
INTERNAL_ONLY = "internal_only"
DENIED = "denied"
OPTED_OUT = "opted_out"
WITHHELD = "withheld"

# Columns of the CSV exports, in the order the generator writes them and the readers expect them.
DIRECTORY_HEADER = (
    "id",
    "email",
    "aliases",
    "name",
    "title",
    "department",
    "region",
    "roles",
    "licences",
    "active",
    "opted_out",
)
DIRECTORY_OPTIONAL = ("groups",)  # read when present; the generator leaves it out
CRM_HEADER = ("id", "type", "email", "name", "company")
ADDRESS_BOOK_HEADER = ("owner", "contact_email", "contact_name")
CALL_HEADER = ("call_id", "caller", "callee", "start", "duration_seconds", "direction")
ERASURE_REQUEST_HEADER = ("request_id", "email")

# Tables that the read side (delta-rs, no Spark) opens as well as the stages: <lake>/<layer>/<table>.
DIRECTORY_TABLE = DIRECTORY_SOURCE  # bronze: one full snapshot per ingest day
ADDRESS_BOOK_TABLE = ADDRESS_BOOK_SOURCE  # bronze
PRIVACY_REGISTER_TABLE = "privacy_requests"  # silver: the privacy register, hashes only
