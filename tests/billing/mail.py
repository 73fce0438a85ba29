"""A real SMTP server on loopback (aiosmtpd) for billing's reminder tests: it accepts,
refuses chosen recipients, or answers slowly. The `smtp` fixture (conftest.py) starts one
and points Django's SMTP backend at it."""

import asyncio
import socket
from email import message_from_bytes

from django.test import override_settings

# Loopback ports of billing's tests (one range per team, see the worktree preamble).
SMTP_PORTS = range(18200, 18300)


class Inbox:
    """What the SMTP server accepted. Addresses in `refuse` get "550 mailbox unavailable"
    (the server refuses that one mail); `delay` slows every delivery down."""

    def __init__(self):
        self.messages = []
        self.refuse: set[str] = set()
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"

    @property
    def recipients(self) -> list[list[str]]:
        return [rcpt for rcpt, _ in self.messages]


def free_port(ports: range = SMTP_PORTS) -> int:
    """A loopback port of `ports` (billing's range unless told) that nothing listens on."""
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def smtp_settings(port: int):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
    )
