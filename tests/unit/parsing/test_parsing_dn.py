"""Exchange distinguished names (DNs) in mail headers: resolved to SMTP addresses where the message allows.

Run: .venv/bin/python -m pytest tests/unit/parsing/test_parsing_dn.py -q
"""

from wkw.parsing.addresses import exchange_dn, header_pairs, message_dns
from wkw.parsing.headers import read_headers
from wkw.parsing.mail import parse_rfc5322

DAVIS_DN = "/O=ENRON/OU=NA/CN=RECIPIENTS/CN=PDAVIS1"
DASOVICH_DN = "/O=ENRON/OU=NA/CN=RECIPIENTS/CN=JDASOVIC"
NOTES_DN = "/o=enron/ou=na/cn=recipients/cn=notesaddr/cn=a478079f-55e1f3b0-862566fa-612229"


def mail(*header_lines: str) -> bytes:
    lines = ["Message-ID: <1.2@thyme>", "Date: Tue, 12 Dec 2000 11:33:00 -0800 (PST)", *header_lines]
    return ("\n".join(lines) + "\nSubject: Weekly gas report\n\nbody, never read\n").encode()


def record(data: bytes) -> dict:
    result = parse_rfc5322(data, "maildir/davis-p/sent/1")
    assert result.reason is None, result.detail
    return result.record


def test_exchange_dn_normalises_every_way_a_dn_is_written():
    expected = "/o=enron/ou=na/cn=recipients/cn=pdavis1"
    assert exchange_dn(DAVIS_DN) == expected
    assert exchange_dn(f"<{DAVIS_DN}>") == expected
    assert exchange_dn(f"{DAVIS_DN.lower()}@enron.com") == expected  # the Enron export glued a domain on
    assert exchange_dn("/O=3DENRON/OU=3DNA/CN=3DRECIPIENTS/CN=3DPDAVIS1") == expected  # quoted-printable
    assert exchange_dn("pete.davis@enron.com") is None
    assert exchange_dn("Davis, Pete") is None
    assert exchange_dn(None) is None


def test_exchange_style_entries_keep_the_comma_of_last_first_names():
    value = f"Davis, Pete <{DAVIS_DN}>, Bob <bob@client.io>, carol@client.io"
    assert header_pairs([value]) == [
        ("Davis, Pete", DAVIS_DN),
        ("Bob", "bob@client.io"),
        ("", "carol@client.io"),
    ]
    assert header_pairs(["Bob <bob@client.io>, carol@client.io"]) == [
        ("Bob", "bob@client.io"),
        ("", "carol@client.io"),
    ]


def test_a_self_copy_to_the_senders_dn_resolves_through_x_from():
    data = mail(
        "From: pete.davis@enron.com",
        f"To: client@fabrikam.com, {DAVIS_DN.lower()}@enron.com",
        f"X-From: Davis, Pete <{DAVIS_DN}>",
        "X-To: Client <client@fabrikam.com>, Davis, Pete <" + DAVIS_DN + ">",
    )
    parsed = record(data)
    assert parsed["sender_email"] == "pete.davis@enron.com"
    assert parsed["to_emails"] == ["client@fabrikam.com", "pete.davis@enron.com"]
    assert message_dns(read_headers(data)) == {
        "/o=enron/ou=na/cn=recipients/cn=pdavis1": "pete.davis@enron.com"
    }


def test_a_dn_in_to_resolves_by_the_x_cc_entry_that_pairs_with_an_smtp_cc():
    parsed = record(
        mail(
            "From: client@fabrikam.com",
            f"To: {DASOVICH_DN.lower()}@enron.com",
            "Cc: jeff.dasovich@enron.com, susan.mara@enron.com",
            f"X-cc: Dasovich, Jeff <{DASOVICH_DN}>, Mara, Susan </O=ENRON/OU=NA/CN=RECIPIENTS/CN=SMARA>",
        )
    )
    assert parsed["to_emails"] == ["jeff.dasovich@enron.com"]
    assert parsed["cc_emails"] == ["jeff.dasovich@enron.com", "susan.mara@enron.com"]


def test_a_dn_only_sender_resolves_by_its_display_name_written_elsewhere_with_an_smtp_address():
    parsed = record(
        mail(
            f"From: Davis, Pete <{DAVIS_DN}>",
            'Reply-To: "Davis, Pete" <Pete.Davis@enron.com>',
            f"To: Dasovich, Jeff <{DASOVICH_DN}>, Bob Builder <bob@client.io>",
        )
    )
    assert (parsed["sender_email"], parsed["sender_name"]) == ("pete.davis@enron.com", "Davis, Pete")
    # Jeff's DN has no SMTP form anywhere in this message: a bare DN is no address and is dropped.
    assert parsed["to_emails"] == ["bob@client.io"]
    assert parsed["display_names"] == {"pete.davis@enron.com": "Davis, Pete", "bob@client.io": "Bob Builder"}


def test_a_name_written_with_two_smtp_addresses_resolves_nothing():
    data = mail(
        "From: client@fabrikam.com",
        f"To: Davis, Pete <{DAVIS_DN}>",
        'Cc: "Davis, Pete" <pete.davis@enron.com>, "Davis, Pete" <pdavis@enron.com>',
    )
    assert message_dns(read_headers(data)) == {}
    assert record(data)["to_emails"] == []
    assert record(data)["cc_emails"] == ["pete.davis@enron.com", "pdavis@enron.com"]


def test_an_unresolved_dn_with_a_glued_domain_is_kept_as_written():
    parsed = record(
        mail(
            "From: clint.dean@enron.com",
            f"To: {NOTES_DN}@enron.com, william.abler@enron.com",
            f"X-To: {NOTES_DN} <{NOTES_DN.upper()}>, Abler, William </O=ENRON/OU=NA/CN=RECIPIENTS/CN=Wabler>",
        )
    )
    assert parsed["to_emails"] == [f"{NOTES_DN}@enron.com", "william.abler@enron.com"]


def test_mail_without_any_dn_has_an_empty_map():
    headers = read_headers(
        mail("From: a@fabrikam.com", "To: b@enron.com", f"X-From: Davis, Pete <{DAVIS_DN}>")
    )
    assert message_dns(headers) == {}
