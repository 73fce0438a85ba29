"""gymsite.accounts.scoping: the one gym-scoping mechanism every app uses."""

import pytest
from rest_framework import generics, serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from gymsite.accounts.models import Gym, User
from gymsite.accounts.roles import Role
from gymsite.accounts.scoping import (
    GymScopedMixin,
    VisibleRelatedField,
    gym_for_write,
    parse_gym_param,
    requested_gym_id,
    scope_to_gym,
    user_can_see_gym,
    visible_gyms,
)
from gymsite.core.errors import Invalid, NotFound
from members.models import Member
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
    qs = Member.objects.all()
    assert set(scope_to_gym(qs, admin_user)) == {mine, theirs}
    assert set(scope_to_gym(qs, admin_user, requested_gym=str(other_gym.pk))) == {theirs}
    assert set(scope_to_gym(qs, trainer)) == {mine}
    assert set(scope_to_gym(qs, trainer, requested_gym=gym.pk)) == {mine}
    assert set(scope_to_gym(qs, None)) == set()
    # A gym the user may not see is a 404, the same for another gym and a missing one.
    for user, requested in ((trainer, other_gym.pk), (trainer, 99999), (admin_user, 99999)):
        with pytest.raises(NotFound) as excinfo:
            scope_to_gym(qs, user, requested_gym=requested)
        assert excinfo.value.code == "gym_not_found"


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
    assert gym_for_write(admin_user, other_gym) == other_gym
    assert gym_for_write(admin_user, other_gym.pk) == other_gym
    # A gym the user may not see is answered like a missing one: 400 on `gym`.
    for user, requested in ((trainer, other_gym), (trainer, other_gym.pk), (admin_user, 99999)):
        with pytest.raises(Invalid) as excinfo:
            gym_for_write(user, requested)
        assert excinfo.value.code == "does_not_exist" and list(excinfo.value.errors) == ["gym"]
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


def test_requested_gym_id(admin_user, trainer, gym, other_gym):
    assert requested_gym_id(trainer, None) is None
    assert requested_gym_id(trainer, str(gym.pk)) == gym.pk
    assert requested_gym_id(admin_user, other_gym.pk) == other_gym.pk
    for user, value in ((trainer, other_gym.pk), (trainer, 99999), (admin_user, 99999)):
        with pytest.raises(NotFound) as excinfo:
            requested_gym_id(user, value)
        assert excinfo.value.code == "gym_not_found"
    with pytest.raises(Invalid):
        requested_gym_id(admin_user, "abc")


def test_visible_gyms(admin_user, trainer, gym, other_gym):
    assert set(visible_gyms(trainer)) == {gym}
    assert set(visible_gyms(admin_user)) == {gym, other_gym}
    assert set(visible_gyms(admin_user, other_gym.pk)) == {other_gym}
    with pytest.raises(NotFound):
        visible_gyms(trainer, other_gym.pk)


class _MemberRef(serializers.Serializer):
    member = VisibleRelatedField(queryset=Member.objects.all())
    gym = VisibleRelatedField(queryset=Gym.objects.all(), gym_field=None, required=False)


def _validate(user, data):
    request = APIRequestFactory().post("/x")
    request.user = user
    form = _MemberRef(data=data, context={"request": request})
    form.is_valid()
    return form


def test_visible_related_field_sees_what_the_user_sees(admin_user, trainer, gym, other_gym):
    mine, theirs = MemberFactory(gym=gym), MemberFactory(gym=other_gym)
    assert _validate(trainer, {"member": mine.pk, "gym": gym.pk}).validated_data == {"member": mine, "gym": gym}
    assert _validate(admin_user, {"member": theirs.pk, "gym": other_gym.pk}).validated_data == {
        "member": theirs, "gym": other_gym,
    }
    # Another gym's row and a missing row: one answer, DRF's does_not_exist.
    for user, data in (
        (trainer, {"member": theirs.pk}),
        (trainer, {"member": 99999}),
        (admin_user, {"member": 99999}),
        (trainer, {"member": mine.pk, "gym": other_gym.pk}),
        (trainer, {"member": mine.pk, "gym": 99999}),
        (admin_user, {"member": mine.pk, "gym": 99999}),
    ):
        codes = _validate(user, data).errors
        field = "gym" if "gym" in data else "member"
        assert [e.code for e in codes[field]] == ["does_not_exist"], (user, data, codes)
        assert str(data[field]) in str(codes[field][0])


@pytest.mark.parametrize("value", ["abc", 0, -1, 1.5, "1e3", True, 2**63, "9" * 40, [1], {"id": 1}])
def test_visible_related_field_takes_only_ids_in_range(admin_user, value):
    errors = _validate(admin_user, {"member": value}).errors
    assert "member" in errors
    assert errors["member"][0].code != "does_not_exist"


def test_a_field_does_not_exist_is_the_body_code(admin_client, trainer_client, gym, other_gym):
    """Through the API: a gym the caller cannot see and a missing one get the same body."""
    answers = [
        trainer_client.post("/api/v1/members/", {"first_name": "A", "gym": other_gym.pk}, format="json"),
        trainer_client.post("/api/v1/members/", {"first_name": "A", "gym": 99999}, format="json"),
        admin_client.post("/api/v1/members/", {"first_name": "A", "gym": 99999}, format="json"),
    ]
    for response in answers:
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "does_not_exist" and list(body["errors"]) == ["gym"]
    # A malformed id is plain invalid, and so is a mix with other field errors.
    bad = admin_client.post("/api/v1/members/", {"first_name": "A", "gym": 2**70}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    mixed = admin_client.post("/api/v1/members/", {"first_name": "", "gym": 99999}, format="json")
    assert mixed.status_code == 400 and mixed.json()["code"] == "invalid"
    assert set(mixed.json()["errors"]) == {"first_name", "gym"}


def test_visible_gym_filter_on_admin_lists(admin_client, gym):
    for url in ("/api/v1/users/", "/api/v1/audit/"):
        assert admin_client.get(url, {"gym": gym.pk}).status_code == 200
        missing = admin_client.get(url, {"gym": 99999})
        assert missing.status_code == 404 and missing.json()["code"] == "gym_not_found"
        assert admin_client.get(url, {"gym": "abc"}).status_code == 400
