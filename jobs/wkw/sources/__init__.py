"""Landing -> bronze: one module per kind of export. Each extractor reads `landing/<source>/<date>/` and
returns (accepted rows for its bronze table, quarantine rows, counts: read = accepted + filtered +
quarantined, where extract filters only `no_relationship`)."""

from wkw.sources.address_book import extract_address_book
from wkw.sources.calendar import extract_calendar
from wkw.sources.calls import extract_calls
from wkw.sources.mail import extract_mail
from wkw.sources.people import extract_crm, extract_directory
from wkw.sources.privacy_requests import extract_erasure_requests

# Bronze table <- the extractor of its landing folder, in the order extract runs them.
SOURCES = (
    ("mail_messages", extract_mail),
    ("directory", extract_directory),
    ("crm", extract_crm),
    ("address_book", extract_address_book),
    ("calls", extract_calls),
    ("meetings", extract_calendar),
    ("erasure_requests", extract_erasure_requests),
)
