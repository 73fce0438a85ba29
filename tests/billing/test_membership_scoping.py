"""Memberships are scoped by the member's current gym: once an admin moves a member, the
old gym's staff can no longer read or edit that member's past memberships, and the new
gym's staff can."""

import pytest

from billing.models import Membership
from gymsite.accounts.roles import Role
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.scoping import assert_list_excludes, assert_other_gym_404

from .factories import give_membership

pytestmark = pytest.mark.django_db

MEMBERSHIPS = "/api/v1/memberships/"


def test_a_moved_members_past_memberships_follow_the_member(
    admin_client, trainer_client, member, monthly, gym, other_gym, frozen
):
    frozen(2026, 1, 10)
    old = give_membership(member, monthly).membership
    frozen(2026, 3, 10)  # the January period is over: the admin may move the member
    moved = admin_client.patch(f"/api/v1/members/{member.pk}", {"gym": other_gym.pk}, format="json")
    assert moved.status_code == 200, moved.content

    # Staff of the old gym: the membership is gone from their sight, edits included.
    assert_other_gym_404(trainer_client, f"{MEMBERSHIPS}{old.pk}", methods=("get", "patch"))
    assert_list_excludes(trainer_client, MEMBERSHIPS, [old.pk])
    assert trainer_client.get(f"{MEMBERSHIPS}?member={member.pk}").json()["count"] == 0
    assert Membership.objects.get(pk=old.pk).is_active

    # Staff of the new gym read and edit it; the period still belongs to the gym that sold it.
    there = client_for(UserFactory(username="north", role=Role.TRAINER, gym=other_gym))
    assert there.get(f"{MEMBERSHIPS}{old.pk}").status_code == 200
    assert [row["id"] for row in there.get(MEMBERSHIPS).json()["results"]] == [old.pk]
    response = there.patch(f"{MEMBERSHIPS}{old.pk}", {"is_active": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["gym"] == gym.pk
    assert not Membership.objects.get(pk=old.pk).is_active

    # An admin narrowing to a gym sees the memberships of that gym's members.
    assert [r["id"] for r in admin_client.get(MEMBERSHIPS, {"gym": other_gym.pk}).json()["results"]] == [old.pk]
    assert admin_client.get(MEMBERSHIPS, {"gym": gym.pk}).json()["count"] == 0
