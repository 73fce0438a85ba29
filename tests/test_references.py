"""References by id in a body: a member, plan or gym the caller cannot see gets the same
answer on every endpoint as one that does not exist, 400 on that field with code
`does_not_exist`, and nothing is written. (A path naming one is a 404: tests/scoping.py.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from attendance.models import Attendance
from billing.models import Membership, Payment, Plan
from gymsite.accounts.models import AuditEvent
from gymsite.accounts.roles import Role
from members.models import Member
from tests.billing.factories import PlanFactory, give_membership
from tests.conftest import client_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

MISSING = 987654


@dataclass
class World:
    gym: object
    other_gym: object
    member: Member
    foreign_member: Member
    plan: Plan
    foreign_plan: Plan
    membership: Membership


@pytest.fixture
def world(gym, other_gym):
    member = MemberFactory(gym=gym)
    plan = PlanFactory(gym=gym, price=Decimal("10.00"))
    return World(
        gym=gym,
        other_gym=other_gym,
        member=member,
        foreign_member=MemberFactory(gym=other_gym),
        plan=plan,
        foreign_plan=PlanFactory(gym=other_gym),
        membership=give_membership(member, plan, method=None).membership,
    )


@dataclass(frozen=True)
class Ref:
    role: str
    method: str
    url: str  # may name {member} or {membership}
    field: str  # the reference under test
    kind: str  # what it names: "member", "plan" or "gym"
    body: dict  # the rest of a valid body
    multipart: bool = False


REFS = [
    Ref(Role.TRAINER, "post", "/api/v1/members/", "gym", "gym", {"first_name": "New"}),
    Ref(Role.ADMIN, "post", "/api/v1/members/", "gym", "gym", {"first_name": "New"}),
    Ref(Role.RECEPTIONIST, "post", "/api/v1/members/", "plan", "plan", {"first_name": "New", "method": "cash"}),
    Ref(Role.TRAINER, "patch", "/api/v1/members/{member}", "gym", "gym", {}),
    Ref(Role.ADMIN, "patch", "/api/v1/members/{member}", "gym", "gym", {}),
    Ref(Role.ADMIN, "post", "/api/v1/members/import", "gym", "gym", {}, multipart=True),
    Ref(Role.ADMIN, "post", "/api/v1/plans/", "gym", "gym", {"name": "X", "price": "1.00", "duration_unit": "month"}),
    Ref(Role.RECEPTIONIST, "post", "/api/v1/memberships/", "member", "member", {"plan": "{plan}"}),
    Ref(Role.RECEPTIONIST, "post", "/api/v1/memberships/", "plan", "plan", {"member": "{member}"}),
    Ref(Role.TRAINER, "patch", "/api/v1/memberships/{membership}", "plan", "plan", {}),
    Ref(Role.RECEPTIONIST, "post", "/api/v1/members/{member}/renew", "plan", "plan", {"method": "cash"}),
    Ref(Role.RECEPTIONIST, "post", "/api/v1/payments/", "member", "member", {"amount": "5.00", "method": "cash"}),
    Ref(Role.TRAINER, "post", "/api/v1/attendance/", "member", "member", {}),
]


def _unseen_ids(ref: Ref, world: World) -> list[int]:
    """The ids the caller cannot see: another gym's row (for a non-admin) and a missing one."""
    foreign = {"member": world.foreign_member.pk, "plan": world.foreign_plan.pk, "gym": world.other_gym.pk}
    return [MISSING] if ref.role == Role.ADMIN else [foreign[ref.kind], MISSING]


def _call(client, ref: Ref, world: World, value):
    values = {"member": world.member.pk, "membership": world.membership.pk, "plan": world.plan.pk}
    url = ref.url.format(**values)
    body = {key: (values[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v) for key, v in ref.body.items()}
    body[ref.field] = value
    if ref.multipart:
        body["file"] = SimpleUploadedFile("m.csv", b"first_name\nAna\n", content_type="text/csv")
        return getattr(client, ref.method)(url, body, format="multipart")
    return getattr(client, ref.method)(url, body, format="json")


def _state(world: World):
    world.member.refresh_from_db()
    world.membership.refresh_from_db()
    return (
        Member.objects.count(),
        Plan.objects.count(),
        Membership.objects.count(),
        Payment.objects.count(),
        Attendance.objects.count(),
        AuditEvent.objects.count(),
        world.member.gym_id,
        world.membership.plan_id,
    )


@pytest.mark.parametrize("ref", REFS, ids=[f"{r.role} {r.method.upper()} {r.url} {r.field}" for r in REFS])
def test_an_unseen_reference_is_400_does_not_exist_on_its_field(ref, world, staff):
    client = client_for(staff[ref.role])
    before = _state(world)
    bodies = []
    for value in _unseen_ids(ref, world):
        response = _call(client, ref, world, value)
        assert response.status_code == 400, (value, response.content)
        body = response.json()
        assert body["code"] == "does_not_exist", body
        assert list(body["errors"]) == [ref.field], body
        bodies.append(re.sub(r"\d+", "N", str(body)))
    # Another gym's row and a missing one: the same answer, but for the id itself.
    assert len(set(bodies)) == 1, bodies
    assert _state(world) == before


@pytest.mark.parametrize("value", ["abc", 0, -1, 1.5, True, 2**63])
def test_a_malformed_reference_is_400_invalid(world, receptionist_client, value):
    response = receptionist_client.post(
        "/api/v1/memberships/", {"member": value, "plan": world.plan.pk}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["member"]
