from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller

from billing.models import DurationUnit

from .factories import MemberFactory, PlanFactory
from .mail import Inbox, free_port, smtp_settings

MX = ZoneInfo("America/Mexico_City")


def at(year, month, day, hour=12, minute=0, tz=MX):
    """A moment in the gym's time zone (the `gym` fixture is in Mexico City)."""
    return datetime(year, month, day, hour, minute, tzinfo=tz)


@pytest.fixture
def frozen():
    """`frozen(2026, 1, 15)` moves the clock to noon of that day in Mexico City."""
    travellers = []

    def travel(year, month, day, hour=12, minute=0):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(at(year, month, day, hour, minute), tick=False)
        traveller.start()
        travellers.append(traveller)

    yield travel
    for traveller in travellers:
        traveller.stop()


@pytest.fixture
def monthly(gym):
    return PlanFactory(gym=gym, name="Mensual", price=Decimal("500.00"), duration_count=1, duration_unit=DurationUnit.MONTH)


@pytest.fixture
def quarterly(gym):
    return PlanFactory(
        gym=gym, name="Trimestral", price=Decimal("1350.00"), duration_count=3, duration_unit=DurationUnit.MONTH
    )


@pytest.fixture
def visit(gym):
    return PlanFactory(gym=gym, name="Visita", price=Decimal("80.00"), duration_count=1, duration_unit=DurationUnit.DAY)


@pytest.fixture
def member(gym):
    return MemberFactory(gym=gym, first_name="Ana", last_name="López", email="ana@example.com")


@pytest.fixture
def foreign_member(other_gym):
    return MemberFactory(gym=other_gym, first_name="Otro", last_name="Gym")


@pytest.fixture
def foreign_plan(other_gym):
    return PlanFactory(gym=other_gym, name="Foreign", price=Decimal("40.00"))


@pytest.fixture
def smtp():
    """An SMTP server on loopback that Django mails through; its `Inbox` is what it got."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    with smtp_settings(controller.port):
        yield inbox
    controller.stop()
