"""The low-stock email: after the commit of the sale that takes a product to its threshold
or below, once per crossing, to every active admin with an email (admins have no gym)."""

import pytest
from aiosmtpd.controller import Controller
from django.core import mail

from gymsite.accounts.roles import Role
from inventory.models import Product
from tests.billing.mail import Inbox, free_port, smtp_settings
from tests.factories import UserFactory

from .helpers import assert_ledger, make_sale

pytestmark = pytest.mark.django_db

SMTP_PORTS = range(19300, 19400)  # the inventory team's loopback ports


@pytest.fixture
def admins(admin_user):
    UserFactory(username="owner2", email="owner2@gym.com", role=Role.ADMIN, gym=None)
    UserFactory(username="gone", email="gone@gym.com", role=Role.ADMIN, gym=None, is_active=False)
    return ["admin@gym.com", "owner2@gym.com"]


def test_crossing_sends_once_and_restock_rearms(admins, trainer, admin_client, water, eager, django_capture_on_commit_callbacks):
    # water: 20 in stock, threshold 5.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_sale(trainer, (water, 14))  # 6 left: above the threshold
    assert callbacks == [] and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        make_sale(trainer, (water, 1))  # 5: at the threshold
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == admins
    assert "Water" in message.subject and "Water" in message.body
    assert message.alternatives and message.alternatives[0][1] == "text/html"
    with django_capture_on_commit_callbacks(execute=True):
        make_sale(trainer, (water, 2))  # still low: no second email
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.put(f"/api/v1/products/{water.pk}/stock", {"delta": 10, "reason": "restock"}, format="json")
    assert Product.objects.get(pk=water.pk).low_stock_alerted is False
    with django_capture_on_commit_callbacks(execute=True):
        make_sale(trainer, (water, 8))  # 13 → 5: a new crossing
    assert len(mail.outbox) == 2
    assert_ledger()


def test_a_refused_sale_sends_nothing(admins, trainer_client, water, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        r = trainer_client.post("/api/v1/sales/", {"product": water.pk, "quantity": 21}, format="json")
    assert r.status_code == 409 and callbacks == [] and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_email_goes_through_smtp_after_commit(gym, admins, trainer, eager):
    from .helpers import make_product

    product = make_product(gym, name="Towel", quantity=6, threshold=5)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(SMTP_PORTS))
    controller.start()
    try:
        with smtp_settings(controller.port):
            make_sale(trainer, (product, 1))
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    rcpt, message = inbox.messages[0]
    assert sorted(rcpt) == admins
    assert message.is_multipart()
    types = [part.get_content_type() for part in message.walk()]
    assert "text/plain" in types and "text/html" in types
    assert_ledger()
