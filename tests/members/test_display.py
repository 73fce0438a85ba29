"""The last-visit display is seed 002's contract ("07:45 PM"), not a locale choice."""

import datetime as dt
import time

import pytest

from tests.factories import MemberFactory

from .conftest import member_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_am_pm(monkeypatch):
    """Make `%p` render as a Spanish C library locale would ("p. m."), as it would on a
    server started with LC_TIME=es_MX (datetime.strftime goes through time.strftime)."""
    real = time.strftime

    def strftime(fmt, *args):
        return real(fmt.replace("%p", "p. m."), *args)

    monkeypatch.setattr(time, "strftime", strftime)


def test_last_visit_display_ignores_the_process_locale(spanish_am_pm, trainer_client, gym):
    assert dt.datetime(2026, 1, 1, 19, 45).strftime("%p") == "p. m."  # the patch works
    # 01:45 UTC is 07:45 PM the day before in Mexico City (UTC-6).
    member = MemberFactory(gym=gym, last_visit_at=dt.datetime(2026, 3, 11, 1, 45, tzinfo=dt.UTC))
    response = trainer_client.get(member_url(member))
    assert response.status_code == 200
    assert response.json()["last_visit_display"] == "07:45 PM"
