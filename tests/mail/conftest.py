"""A real SMTP server on loopback (aiosmtpd) for the outbox's tests, and the app pointed at it."""

import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller


def free_port():
    """A loopback port nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """What the SMTP server accepted; `refuse` makes it answer RCPT with a 550."""

    def __init__(self):
        self.messages = []
        self.refuse = set()
        self._arrived = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted"

    def wait_for(self, count, timeout=15):
        """Wait until `count` messages arrived; the messages."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count and time.monotonic() < deadline:
                self._arrived.wait(deadline - time.monotonic())
        return list(self.messages)


class SMTPServer:
    """An aiosmtpd server on a fixed loopback port that can be stopped and started again."""

    def __init__(self, port):
        self.port = port
        self.inbox = Inbox()
        self._controller = None

    def start(self):
        """Listen (again) on the port."""
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        """Stop listening: connections to the port are refused."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_port():
    """A free loopback port for an SMTP server that may or may not be running."""
    return free_port()


@pytest.fixture
def smtp_server(smtp_port):
    """An SMTP server, not yet started (tests start it when they want it up)."""
    server = SMTPServer(smtp_port)
    yield server
    server.stop()


@pytest.fixture
def mail_settings(app, monkeypatch, smtp_port):
    """The app sends over SMTP to 127.0.0.1:<smtp_port>, plain (no TLS), no login."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_USE_SSL", False)
    monkeypatch.setitem(app.config, "MAIL_FROM", "market@example.org")
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    return app.config
