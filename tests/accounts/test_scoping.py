"""gymsite.accounts.scoping: the one gym-scoping mechanism every app uses."""

import pytest
from rest_framework import generics, serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from gymsite.accounts.models import User
from gymsite.accounts.roles import Role
from gymsite.accounts.scoping import (
    GymScopedMixin,
    gym_for_write,
    parse_gym_param,
    scope_to_gym,
    user_can_see_gym,
)
from gymsite.core.errors import Invalid, NotFound
from tests.factories import GymFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("7", 7), (3, 3)])
def test_parse_gym_param(value, expected):
    assert parse_gym_param(value) == expected


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "99999999999999999999999"])
def test_parse_gym_param_refuses_garbage(value):
    with pytest.raises(Invalid) as excinfo:
        parse_gym_param(value)
    assert excinfo.value.code == "invalid_gym"


def test_scope_to_gym(admin_user, trainer, gym, other_gym):
    mine, theirs = MemberFactory(gym=gym), MemberFactory(gym=other_gym)
    from members.models import Member

    qs = Member.objects.all()
    assert set(scope_to_gym(qs, admin_user)) == {mine, theirs}
    assert set(scope_to_gym(qs, admin_user, requested_gym=str(other_gym.pk))) == {theirs}
    assert set(scope_to_gym(qs, trainer)) == {mine}
    assert set(scope_to_gym(qs, trainer, requested_gym=gym.pk)) == {mine}
    # A non-admin naming another gym gets nothing, not that gym.
    assert set(scope_to_gym(qs, trainer, requested_gym=other_gym.pk)) == set()
    assert set(scope_to_gym(qs, None)) == set()


def test_scope_to_gym_through_a_relation(admin_user, trainer, gym, other_gym):
    UserFactory(username="far", gym=other_gym)
    from gymsite.accounts.models import APIToken

    APIToken.objects.create(user=trainer, description="a", token_hash="a" * 64, prefix="x")
    far = User.objects.get(username="far")
    APIToken.objects.create(user=far, description="b", token_hash="b" * 64, prefix="y")
    scoped = scope_to_gym(APIToken.objects.all(), trainer, gym_field="user__gym")
    assert [t.description for t in scoped] == ["a"]


def test_gym_for_write(admin_user, trainer, gym, other_gym):
    assert gym_for_write(trainer, None) == gym
    assert gym_for_write(trainer, gym.pk) == gym
    with pytest.raises(NotFound):
        gym_for_write(trainer, other_gym)
    with pytest.raises(NotFound):
        gym_for_write(trainer, other_gym.pk)
    assert gym_for_write(admin_user, other_gym) == other_gym
    assert gym_for_write(admin_user, other_gym.pk) == other_gym
    with pytest.raises(NotFound):
        gym_for_write(admin_user, 99999)
    # Two active gyms: the admin must say which.
    with pytest.raises(Invalid) as excinfo:
        gym_for_write(admin_user, None)
    assert excinfo.value.code == "gym_required"


def test_gym_for_write_single_active_gym_is_the_default(admin_user):
    only = GymFactory(name="Only")
    GymFactory(name="Closed", is_active=False)
    assert gym_for_write(admin_user, None) == only


def test_user_can_see_gym(admin_user, trainer, gym, other_gym):
    assert user_can_see_gym(admin_user, other_gym.pk)
    assert user_can_see_gym(trainer, gym.pk)
    assert not user_can_see_gym(trainer, other_gym.pk)
    assert not user_can_see_gym(trainer, None)


class _StaffSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]


class _ScopedList(GymScopedMixin, generics.ListAPIView):
    queryset = User.objects.exclude(role=Role.ADMIN).order_by("id")
    serializer_class = _StaffSerializer
    required_permission = "gyms.read"


class _ScopedDetail(GymScopedMixin, generics.RetrieveAPIView):
    queryset = User.objects.all()
    serializer_class = _StaffSerializer
    required_permission = "gyms.read"


def _get(view, user, path="/x", **kwargs):
    request = APIRequestFactory().get(path)
    force_authenticate(request, user=user)
    return view.as_view()(request, **kwargs)


def test_gym_scoped_mixin_lists(admin_user, trainer, receptionist, other_gym):
    far = UserFactory(username="far", gym=other_gym)
    assert {r["username"] for r in _get(_ScopedList, trainer).data["results"]} == {"trainer", "receptionist"}
    assert {r["username"] for r in _get(_ScopedList, admin_user).data["results"]} == {
        "trainer", "receptionist", "far",
    }
    narrowed = _get(_ScopedList, admin_user, f"/x?gym={other_gym.pk}").data["results"]
    assert [r["id"] for r in narrowed] == [far.pk]
    assert _get(_ScopedList, trainer, "/x?gym=abc").status_code == 400


def test_gym_scoped_mixin_other_gym_row_is_404(trainer, other_gym):
    far = UserFactory(username="far", gym=other_gym)
    response = _get(_ScopedDetail, trainer, pk=far.pk)
    assert response.status_code == 404
    assert response.data["code"] == "not_found"
