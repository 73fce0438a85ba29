"""The scoping helpers the apps share: visible gyms and a scoped row lookup."""

import pytest

from gymsite.accounts.scoping import get_visible, visible_gyms
from gymsite.core.errors import NotFound
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_visible_gyms(admin_user, trainer, gym, other_gym):
    assert set(visible_gyms(admin_user)) == {gym, other_gym}
    assert list(visible_gyms(admin_user, str(other_gym.pk))) == [other_gym]
    assert list(visible_gyms(trainer)) == [gym]
    assert list(visible_gyms(trainer, str(gym.pk))) == [gym]
    # Another gym is as absent as a missing one: 404 gym_not_found (tests/test_gym_param.py).
    with pytest.raises(NotFound) as excinfo:
        visible_gyms(trainer, str(other_gym.pk))
    assert excinfo.value.code == "gym_not_found"


def test_get_visible_hides_other_gyms_rows(admin_user, trainer, gym, other_gym):
    mine, theirs = MemberFactory(gym=gym), MemberFactory(gym=other_gym)
    assert get_visible(Member.objects.all(), trainer, mine.pk) == mine
    assert get_visible(Member.objects.all(), trainer, theirs.pk) is None
    assert get_visible(Member.objects.all(), admin_user, theirs.pk) == theirs
    assert get_visible(Member.objects.all(), admin_user, 10**12) is None
