"""A real SMTP relay on loopback (aiosmtpd) for the Get Introduced tests: it keeps every envelope, or
refuses every message with a given reply."""

from __future__ import annotations

import socket

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


class Collecting:
    """An aiosmtpd handler that keeps every envelope, or refuses DATA with `refuse` (e.g. "554 ...")."""

    def __init__(self, refuse: str | None = None) -> None:
        self.envelopes = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.envelopes.append(envelope)
        return "250 OK"


def start_relay(handler: Collecting, monkeypatch) -> Controller:
    """The relay, started on a free loopback port that WKW_SMTP_HOST/PORT point at; stop() it after."""
    port = free_port()
    controller = Controller(handler, hostname=LOOPBACK, port=port)
    controller.start()
    monkeypatch.setenv("WKW_SMTP_HOST", LOOPBACK)
    monkeypatch.setenv("WKW_SMTP_PORT", str(port))
    return controller
