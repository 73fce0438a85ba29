import pytest

from billing.demo import seed_demo
from billing.models import Membership, Payment, Plan
from members.demo import seed_demo as seed_members
from members.models import Member

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_varied(gym):
    seed_members(gym)
    created = seed_demo(gym)
    assert created == Member.objects.filter(gym=gym).count() - 1
    assert set(Plan.objects.filter(gym=gym).values_list("name", flat=True)) == {"Mensual", "Trimestral", "Anual", "Visita"}
    assert Plan.objects.get(gym=gym, name="Trimestral").price == 1350
    statuses = [m.status for m in Member.objects.filter(gym=gym)]
    assert statuses.count("paused") == 1
    assert statuses.count("expired") == 2
    assert statuses.count("pending") == 1
    assert statuses.count("active") == len(statuses) - 4
    assert Payment.objects.count() == created
    # Twice changes nothing.
    assert seed_demo(gym) == 0
    assert Membership.objects.count() == created and Plan.objects.count() == 4
