"""A failed task is summarised readably, and mailed through a real SMTP server when one is configured."""

from __future__ import annotations

import email
import logging
import socket
from types import SimpleNamespace

from aiosmtpd.controller import Controller
from wkw.config import load_settings
from wkw.ops import alerts


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def context():
    ti = SimpleNamespace(task_id="validate", dag_id="who_knows_whom", try_number=3)
    return {"ti": ti, "ds": "2026-11-26", "exception": RuntimeError("2 check(s) failed")}


def test_summary_names_task_date_and_error():
    summary = alerts.failure_summary(context())
    assert "task validate of DAG who_knows_whom failed for logical date 2026-11-26 (try 3)" in summary
    assert "2 check(s) failed" in summary and "previous publication stays current" in summary


def test_failure_is_mailed_when_smtp_is_configured():
    settings = load_settings().with_conf("alerts", email_to=["data-team@contoso.com"])
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        conn = SimpleNamespace(host="127.0.0.1", port=port, login=None, password=None)
        alerts.notify_failure(context(), lookup=lambda conn_id: conn, settings=settings)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    received = email.message_from_bytes(inbox.messages[0].content)
    assert inbox.messages[0].rcpt_tos == ["data-team@contoso.com"]
    assert "validate" in received["Subject"] and "2 check(s) failed" in received.get_payload()


def test_no_connection_means_logged_only(caplog):
    caplog.set_level(logging.INFO, logger="wkw.ops.alerts")
    settings = load_settings().with_conf("alerts", email_to=["data-team@contoso.com"])

    def missing(conn_id):
        raise LookupError(conn_id)

    summary = alerts.notify_failure(context(), lookup=missing, settings=settings)
    assert "validate" in summary
    assert any("logged only" in record.getMessage() for record in caplog.records)
