"""Get Introduced (`wkw.serve.introduce`, `wkw.serve.access`, `wkw introduce`) on a tiny lake written with
`deltalake`.

No Spark: the published tables and the directory are written directly in their real shapes. Mail goes
to a real SMTP server on loopback (aiosmtpd), or to a port where nothing listens.

    .venv/bin/python -m pytest tests/unit/serve/test_introduce.py -q
"""

from __future__ import annotations

import dataclasses
import email
import socket
from datetime import timedelta
from email import policy

import pytest
import typer
from deltalake import DeltaTable
from support.relay import Collecting, start_relay
from support.tiny_lake import (
    AS_OF,
    COLLEAGUE,
    LEAD,
    NOW,
    OTHER_COLLEAGUE,
    PUBLICATION_ID,
    SELLER,
    introducer,
    write_directory,
    write_publication,
)
from typer.testing import CliRunner
from wkw.config import load_settings
from wkw.serve import access
from wkw.serve.cli_introduce import EXIT_REFUSED, EXIT_REPEAT, register
from wkw.serve.errors import NotAnIntroducer, RepeatRequest, SendFailed
from wkw.serve.introduce import DRAFT, SEND, request_introduction

LOOPBACK = "127.0.0.1"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    lake = tmp_path / "lake"
    write_directory(lake)
    write_publication(lake)
    for name in ("WKW_SMTP_USER", "WKW_SMTP_PASSWORD", "WKW_USER"):
        monkeypatch.delenv(name, raising=False)
    return dataclasses.replace(load_settings(), lake=str(lake))


def _logged(settings) -> list[dict]:
    path = settings.table_path("published", "introduction_requests")
    if not DeltaTable.is_deltatable(path):
        return []
    return DeltaTable(path).to_pyarrow_table().to_pylist()


def test_send_reaches_the_colleague_through_the_relay(settings, relay):
    result = request_introduction(
        settings, LEAD, COLLEAGUE, SELLER, SEND, note="We met at Web Summit.", now=NOW
    )

    [envelope] = relay.envelopes
    assert envelope.mail_from == SELLER and envelope.rcpt_tos == [COLLEAGUE]
    received = email.message_from_bytes(envelope.content, policy=policy.default)
    assert received["From"].addresses[0].addr_spec == SELLER
    assert received["To"].addresses[0].display_name == "Ines Chen"
    assert received["Subject"] == "Introduction to Arjun Shah (Bellows College)?"
    assert received["X-Unsent"] is None
    body = received.get_content().replace("\r\n", "\n")  # CRLF on the wire
    assert "Arjun Shah at Bellows College" in body
    assert "last in touch by e-mail on 2026-11-23" in body and "know Arjun well" in body
    assert "We met at Web Summit." in body and body.rstrip().endswith("Maria Lopez\nAccount Executive")
    [row] = _logged(settings)
    assert row["mode"] == "sent" and row["message_id"] == received["Message-ID"] == result.message_id
    assert (row["requester_email"], row["colleague_email"], row["lead_email"]) == (SELLER, COLLEAGUE, LEAD)
    assert row["publication_id"] == PUBLICATION_ID and row["note_given"] is True
    assert row["requested_at"] == NOW


def test_relay_down_is_a_clear_error_and_nothing_is_logged(settings, monkeypatch):
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind((LOOPBACK, 0))
        monkeypatch.setenv("WKW_SMTP_HOST", LOOPBACK)
        monkeypatch.setenv("WKW_SMTP_PORT", str(bound_not_listening.getsockname()[1]))
        with pytest.raises(SendFailed, match="did not take the message .*nothing was sent"):
            request_introduction(settings, LEAD, COLLEAGUE, SELLER, SEND, now=NOW)
    assert _logged(settings) == []


def test_relay_refusal_is_a_clear_error_and_nothing_is_logged(settings, monkeypatch):
    controller = start_relay(Collecting(refuse="554 5.7.1 relaying denied"), monkeypatch)
    try:
        with pytest.raises(SendFailed, match="554 5.7.1 relaying denied"):
            request_introduction(settings, LEAD, COLLEAGUE, SELLER, SEND, now=NOW)
    finally:
        controller.stop()
    assert _logged(settings) == []


def test_draft_is_an_eml_with_the_same_headers(settings, tmp_path):
    out = tmp_path / "drafts" / "intro.eml"
    result = request_introduction(settings, LEAD, COLLEAGUE, "Maria.Lopez.alias@contoso.com", DRAFT, out=out)

    draft = email.message_from_bytes(out.read_bytes(), policy=policy.default)
    assert draft["From"].addresses[0].addr_spec == SELLER  # the alias resolved to the primary e-mail
    assert draft["To"].addresses[0].addr_spec == COLLEAGUE
    assert draft["Subject"] == result.subject == "Introduction to Arjun Shah (Bellows College)?"
    assert draft["X-Unsent"] == "1" and draft["Message-ID"] == result.message_id
    assert draft["Date"].datetime.tzinfo is not None
    assert "Arjun Shah" in draft.get_content()
    [row] = _logged(settings)
    assert row["mode"] == "drafted" and row["note_given"] is False


@pytest.mark.parametrize(
    ("requester", "reason", "message"),
    [
        ("nobody@contoso.com", access.UNKNOWN, "not in the company directory"),
        ("left@contoso.com", access.INACTIVE, "not an active user"),
        ("basic@contoso.com", access.UNLICENSED, "does not hold the Sales Premium licence"),
        ("eng@contoso.com", access.WRONG_ROLE, "none of the sales roles"),
        ("", access.NO_REQUESTER, "pass --as EMAIL or set WKW_USER"),
    ],
)
def test_gate_refuses_each_case_with_its_own_message(settings, tmp_path, requester, reason, message):
    out = tmp_path / "never.eml"
    with pytest.raises(access.AccessRefused, match=message) as refused:
        request_introduction(settings, LEAD, COLLEAGUE, requester, DRAFT, out=out, now=NOW)
    assert refused.value.reason == reason
    assert not out.exists() and _logged(settings) == []


def test_gate_follows_the_configured_licence_and_roles(settings):
    configured = settings.with_conf("access", licence="Microsoft 365 E3", roles=["Engineer"])
    assert access.check_requester(configured, "eng@contoso.com").name == "Eve Engineer"
    with pytest.raises(access.AccessRefused) as refused:
        access.check_requester(configured, SELLER)
    assert refused.value.reason == access.WRONG_ROLE


def test_colleague_who_is_not_an_introducer_is_refused(settings, relay):
    with pytest.raises(NotAnIntroducer, match="not among the 2 colleagues who know"):
        request_introduction(settings, LEAD, "eng@contoso.com", SELLER, SEND, now=NOW)
    with pytest.raises(NotAnIntroducer, match="no colleague is known to know"):
        request_introduction(settings, "stranger@example.com", COLLEAGUE, SELLER, SEND, now=NOW)
    assert relay.envelopes == [] and _logged(settings) == []


def test_repeat_within_the_window_is_refused_with_the_first_time(settings, relay):
    request_introduction(settings, LEAD, COLLEAGUE, SELLER, SEND, now=NOW)
    with pytest.raises(RepeatRequest, match="at 2026-11-27 09:30 UTC") as repeat:
        request_introduction(settings, LEAD, COLLEAGUE, SELLER, SEND, now=NOW + timedelta(hours=3))
    assert repeat.value.first_requested_at == NOW
    request_introduction(settings, LEAD, OTHER_COLLEAGUE, SELLER, SEND, now=NOW + timedelta(hours=3))
    request_introduction(settings, LEAD, COLLEAGUE, SELLER, SEND, now=NOW + timedelta(hours=25))
    assert [e.rcpt_tos for e in relay.envelopes] == [[COLLEAGUE], [OTHER_COLLEAGUE], [COLLEAGUE]]
    assert len(_logged(settings)) == 3


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("WKW_LAKE", settings.lake)
    app = typer.Typer()

    @app.callback()
    def wkw() -> None:
        """A group, as the real `wkw` app is: the command is named on the command line."""

    register(app)
    return app


def test_cli_writes_a_draft_then_refuses_the_repeat(cli, tmp_path):
    out = tmp_path / "intro.eml"
    args = ["introduce", LEAD, "--via", COLLEAGUE, "--out", str(out)]
    done = CliRunner().invoke(cli, args, env={"WKW_USER": SELLER})
    assert done.exit_code == 0, done.output
    assert "draft written to" in done.output and out.exists()
    again = CliRunner().invoke(cli, [*args, "--as", SELLER])
    assert again.exit_code == EXIT_REPEAT and "already asked" in again.output


def test_cli_refuses_an_unlicensed_requester(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("WKW_USER", "basic@contoso.com")
    out = tmp_path / "x.eml"
    refused = CliRunner().invoke(cli, ["introduce", LEAD, "--via", COLLEAGUE, "--out", str(out)])
    assert refused.exit_code == EXIT_REFUSED
    assert "does not hold the Sales Premium licence" in refused.output
    assert not out.exists()


def test_a_login_without_tls_is_refused_before_anything_is_sent(settings, relay, monkeypatch):
    # Before: the password went to the relay in clear text (smtp_starttls = false is the default).
    from wkw.serve.errors import IntroductionError

    monkeypatch.setenv("WKW_SMTP_USER", "mailer")
    monkeypatch.setenv("WKW_SMTP_PASSWORD", "secret")
    with pytest.raises(IntroductionError, match="an SMTP login needs TLS: .*nothing was sent"):
        request_introduction(settings, LEAD, COLLEAGUE, SELLER, SEND, now=NOW)
    assert relay.envelopes == [] and _logged(settings) == []


def test_introduce_applies_the_address_book_rule_of_who_knows(settings, relay):
    # An internal colleague nobody keeps in an address book cannot be looked up by who-knows; introduce
    # used to skip the rule.
    with pytest.raises(
        access.AccessRefused, match="whom no other colleague keeps in an address book"
    ) as refused:
        request_introduction(settings, "eng@contoso.com", COLLEAGUE, SELLER, SEND, now=NOW)
    assert refused.value.reason == access.NOT_IN_ADDRESS_BOOK
    assert relay.envelopes == [] and _logged(settings) == []


def test_line_breaks_in_exported_names_never_reach_a_header(settings, tmp_path):
    # Before: a CR/LF or U+2028 in a directory or CRM name crashed introduce with a traceback.
    lake = tmp_path / "hostile"
    write_directory(lake)
    hostile = {"colleague_name": "Ines\r\nBcc: evil@x.org\u2028Chen", "contact_company": "Bellows\nCollege"}
    write_publication(lake, **hostile)
    settings = dataclasses.replace(settings, lake=str(lake))
    out = tmp_path / "intro.eml"
    request_introduction(settings, LEAD, COLLEAGUE, SELLER, DRAFT, out=out, now=NOW)
    draft = email.message_from_bytes(out.read_bytes(), policy=policy.default)
    assert str(draft["To"]) == '"Ines Bcc: evil@x.org Chen" <ines.chen@contoso.com>'
    assert draft["Bcc"] is None


def test_rich_markup_in_names_is_shown_as_text(settings):
    from wkw.serve import views
    from wkw.serve.published import Publication

    row = introducer(1, COLLEAGUE, "Ines [/dim] [bold]Chen", "[red]AE", "strong", NOW)
    row |= {"active_days": 3, "first_interaction_at": NOW, "contact_name": "Arjun [/] Shah"}
    publication = Publication(PUBLICATION_ID, AS_OF, NOW, "strength-1", {}, {})
    with views.console.capture() as captured:
        views.print_tile(LEAD, [row], publication, show_all=False)
        views.print_receipts(LEAD, views.introducer_view(row), publication)
    text = captured.get()
    assert "Ines [/dim] [bold]Chen" in text and "[red]AE" in text and "Arjun [/] Shah" in text
