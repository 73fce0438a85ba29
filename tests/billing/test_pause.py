from datetime import date

import pytest

from billing.models import MembershipPause
from gymsite.accounts.models import AuditEvent

from .factories import give_membership

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/members/"


def pause(client, member, start, until, reason="travel"):
    return client.post(f"{MEMBERS}{member.pk}/pause", {"from": start, "until": until, "reason": reason}, format="json")


def test_pause_adds_the_days_and_the_member_is_paused(trainer_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    first = give_membership(member, monthly).membership  # Jan 1 – Feb 1
    second = give_membership(member, monthly).membership  # Feb 2 – Mar 2 (stacked)
    frozen(2026, 1, 10)
    response = pause(trainer_client, member, "2026-01-10", "2026-01-19")  # 10 days
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "paused"
    assert (body["paused_from"], body["paused_until"]) == ("2026-01-10", "2026-01-19")
    assert body["expires_on"] == "2026-03-12"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.expires_on == date(2026, 2, 11)  # Feb 1 + 10 days
    assert (second.starts_on, second.expires_on) == (date(2026, 2, 12), date(2026, 3, 12))
    assert AuditEvent.objects.filter(action="membership.paused").exists()
    # After the pause the member is active again.
    frozen(2026, 1, 20)
    member.refresh_from_db()
    assert member.status == "active"
    frozen(2026, 1, 15)
    assert member.status == "paused"


def test_future_pause_keeps_the_member_active_until_it_starts(trainer_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    give_membership(member, monthly)
    response = pause(trainer_client, member, "2026-01-20", "2026-01-21")
    assert response.json()["status"] == "active"
    assert response.json()["expires_on"] == "2026-02-03"  # Feb 1 + 2 days


def test_resume_gives_back_the_unused_days(admin_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    membership = give_membership(member, monthly).membership
    frozen(2026, 1, 10)
    pause(admin_client, member, "2026-01-10", "2026-01-19")
    frozen(2026, 1, 13)  # used Jan 10, 11, 12: three days
    response = admin_client.post(f"{MEMBERS}{member.pk}/resume")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "active"
    assert body["expires_on"] == "2026-02-04"  # Feb 1 + 3 paused days
    membership.refresh_from_db()
    assert membership.expires_on == date(2026, 2, 4)
    stored = MembershipPause.objects.get()
    assert (stored.paused_until, stored.resumed_on) == (date(2026, 1, 12), date(2026, 1, 13))
    assert AuditEvent.objects.filter(action="membership.resumed").exists()
    # Nothing left to resume.
    again = admin_client.post(f"{MEMBERS}{member.pk}/resume")
    assert again.status_code == 409 and again.json()["code"] == "not_paused"


def test_resume_on_the_first_day_cancels_the_pause(trainer_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    give_membership(member, monthly)
    pause(trainer_client, member, "2026-01-05", "2026-01-09")
    frozen(2026, 1, 5)
    response = trainer_client.post(f"{MEMBERS}{member.pk}/resume")
    assert response.json()["status"] == "active"
    assert response.json()["expires_on"] == "2026-02-01"  # Jan 1 + 1 month, nothing added
    assert response.json()["paused_from"] is None
    assert not MembershipPause.objects.exists()


def test_pause_needs_a_covering_membership(trainer_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    response = pause(trainer_client, member, "2026-01-02", "2026-01-05")
    assert response.status_code == 409 and response.json()["code"] == "no_covering_membership"
    give_membership(member, monthly)  # Jan 1 – Feb 1
    response = pause(trainer_client, member, "2026-02-02", "2026-02-05")
    assert response.status_code == 409
    # The expiry day itself is covered, so it can be paused.
    response = pause(trainer_client, member, "2026-02-01", "2026-02-01")
    assert response.status_code == 200 and response.json()["expires_on"] == "2026-02-02"


@pytest.mark.parametrize(
    "start, until, code",
    [
        ("2025-12-31", "2026-01-05", "pause_in_past"),
        ("2026-01-05", "2026-01-04", "invalid_pause"),
        ("2026-01-02", "2027-06-01", "pause_too_long"),
    ],
)
def test_bad_pauses_are_400(trainer_client, member, monthly, frozen, start, until, code):
    frozen(2026, 1, 1)
    give_membership(member, monthly)
    response = pause(trainer_client, member, start, until)
    assert response.status_code == 400 and response.json()["code"] == code
    assert not MembershipPause.objects.exists()


def test_one_pause_at_a_time(trainer_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    give_membership(member, monthly)
    assert pause(trainer_client, member, "2026-01-02", "2026-01-03").status_code == 200
    response = pause(trainer_client, member, "2026-01-10", "2026-01-12")
    assert response.status_code == 409 and response.json()["code"] == "already_paused"


def test_receptionist_cannot_pause_or_resume(receptionist_client, member, monthly):
    give_membership(member, monthly)
    today = member.local_today().isoformat()
    assert pause(receptionist_client, member, today, today).status_code == 403
    assert receptionist_client.post(f"{MEMBERS}{member.pk}/resume").status_code == 403


def test_pause_of_another_gyms_member_is_404(trainer_client, foreign_member):
    assert pause(trainer_client, foreign_member, "2030-01-01", "2030-01-02").status_code == 404
    assert trainer_client.post(f"{MEMBERS}{foreign_member.pk}/resume").status_code == 404


def test_renewal_after_a_pause_stacks_after_the_extended_expiry(receptionist_client, trainer_client, member, monthly, frozen):
    frozen(2026, 1, 1)
    give_membership(member, monthly)
    pause(trainer_client, member, "2026-01-05", "2026-01-09")  # 5 days: Feb 1 → Feb 6
    response = receptionist_client.post(
        f"{MEMBERS}{member.pk}/renew", {"plan": monthly.pk, "method": "cash"}, format="json"
    )
    assert response.json()["membership"]["starts_on"] == "2026-02-07"
    assert response.json()["membership"]["expires_on"] == "2026-03-07"
