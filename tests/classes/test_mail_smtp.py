"""The class notices through a real SMTP server (aiosmtpd), after the commit, in the gym's
language, one message per member."""

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller

from classes import services
from gymsite.accounts.audit import Actor
from tests.billing.mail import Inbox, free_port, smtp_settings

from .helpers import book, covered_member, make_session, make_type

SMTP_PORTS = range(19700, 19800)  # the classes team's loopback ports


@pytest.fixture
def inbox():
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port(SMTP_PORTS))
    controller.start()
    try:
        with smtp_settings(controller.port):
            yield box
    finally:
        controller.stop()


@pytest.mark.django_db(transaction=True)
def test_cancellation_and_promotion_mails_go_through_smtp(gym, eager, inbox):
    gym.language = "es"
    gym.save()
    session = make_session(gym, capacity=1, starts_in=timedelta(days=2), class_type=make_type(gym, name="Spinning"))
    holder, waiting = covered_member(gym, first_name="Ana"), covered_member(gym, first_name="Luis")
    first = book(session, holder)
    book(session, waiting)
    assert inbox.messages == []
    services.booking_cancel(actor=Actor.system(), booking=first)
    assert inbox.recipients == [[waiting.email]]
    services.class_session_cancel(actor=Actor.system(), session=session, reason="Mantenimiento")
    assert inbox.recipients == [[waiting.email], [waiting.email]]
    promoted, cancelled = (message for _rcpt, message in inbox.messages)
    assert "Spinning" in str(make_header(decode_header(promoted["Subject"])))
    assert promoted.is_multipart()
    text = cancelled.get_payload()[0].get_payload(decode=True).decode()
    html = cancelled.get_payload()[1].get_payload(decode=True).decode()
    assert "Mantenimiento" in text and "Luis" in text and "<p>" in html


@pytest.mark.django_db(transaction=True)
def test_a_refused_recipient_does_not_stop_the_others(gym, eager, inbox):
    session = make_session(gym, capacity=5)
    members = [covered_member(gym) for _ in range(3)]
    for member in members:
        book(session, member)
    inbox.refuse = {members[0].email}
    services.class_session_cancel(actor=Actor.system(), session=session, reason="x")
    assert sorted(inbox.recipients) == sorted([[members[1].email], [members[2].email]])
    session.refresh_from_db()
    assert session.status == "cancelled"
